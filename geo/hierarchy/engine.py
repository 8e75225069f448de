"""The validation engine: every check on one level, or on a whole three-level hierarchy."""

from __future__ import annotations

import numpy as np
import pandas as pd
from geopandas import GeoDataFrame, GeoSeries

from geo.hierarchy.area_checks import (
    check_containment,
    check_gaps,
    check_sibling_overlaps,
    inside_areas,
)
from geo.hierarchy.code_checks import check_codes, check_county_prefix, check_parent_codes
from geo.hierarchy.layer import GridArrays, check_frame
from geo.hierarchy.problems import ValidationReport, make_problem
from geo.levels import LEVELS, GridLevel, normalize_code, parse_level


def validate_layer(
    layer: GeoDataFrame,
    *,
    level: GridLevel,
    parents: GeoDataFrame | None = None,
    siblings_existing: GeoDataFrame | None = None,
    containment_tolerance: float = 0.001,
    gap_tolerance_m2: float = 100.0,
    overlap_tolerance: float = 0.001,
) -> ValidationReport:
    """Validate one grid level against its parents and its siblings.

    Checks, per grid: geometry (repairs invalid polygons; empty or non-polygonal geometry is
    an error), code (present, unique, digits of the level's width), parent (``parent_code``
    present and among ``parents``; code starts with it; at least
    ``1 - containment_tolerance`` of the area inside the parent); per pair of siblings (same
    parent): overlap above ``overlap_tolerance`` of the smaller one; per parent: uncovered
    gaps above ``gap_tolerance_m2``.

    Parameters
    ----------
    layer : GeoDataFrame
        The grids of one level, in EPSG:4326 (or EPSG:4490), with columns ``code``,
        ``parent_code`` (optional), ``geometry`` and ``source_row`` (optional).
    level : {"large", "medium", "small"}
        The level of ``layer``.
    parents : GeoDataFrame, optional
        The grids of the parent level (already validated); without them only the code checks
        of ``parent_code`` are done. Not allowed for the large level, whose ``parent_code``,
        when present, is the 6-digit county code that the grid code must start with.
    siblings_existing : GeoDataFrame, optional
        Grids of the same level that are already stored and stay: new grids must not overlap
        them, and they count when looking for gaps. Stored grids whose code also appears in
        ``layer`` are taken as replaced by it and ignored. Without it, ``layer`` is taken as
        the whole level, so a parent without any child is reported as a gap.
    containment_tolerance : float, default 0.001
        Share of a grid's area that may lie outside its parent.
    gap_tolerance_m2 : float, default 100.0
        Largest uncovered area (m²) inside a parent that is not reported.
    overlap_tolerance : float, default 0.001
        Share of the smaller grid's area that two siblings may overlap by.

    Returns
    -------
    ValidationReport
        The problems found and the layer with repaired geometries.

    Raises
    ------
    TypeError
        If ``layer``, ``parents`` or ``siblings_existing`` is not a GeoDataFrame.
    ValueError
        If ``level`` is unknown, a frame lacks the ``code`` column, is not in longitude /
        latitude WGS84, or a tolerance is out of range.

    Notes
    -----
    The large level has no parent polygons, so all large grids are treated as siblings of
    each other: two overlapping large grids are reported even across county lines.
    """
    _check_arguments(
        layer,
        level=level,
        parents=parents,
        siblings_existing=siblings_existing,
        shares={
            "containment_tolerance": containment_tolerance,
            "overlap_tolerance": overlap_tolerance,
        },
        gap_tolerance_m2=gap_tolerance_m2,
    )
    grids = GridArrays.from_frame(layer, repair=True)
    problems = [
        make_problem(kind, grids.codes[i], grids.rows[i], detail)
        for i, kind, detail in grids.issues
    ]
    problems += check_codes(grids, level)
    existing = _stored_siblings(siblings_existing, grids)
    if level == "large":
        problems += check_county_prefix(grids)
        parent_grids = None
    else:
        parent_grids = None if parents is None else GridArrays.from_frame(parents, repair=False)
        problems += check_parent_codes(grids, parent_grids, level=level)
    overlap_problems, overlap_sums = check_sibling_overlaps(
        grids, existing, level=level, tolerance=overlap_tolerance
    )
    if parent_grids is not None:
        inside = inside_areas(grids, parent_grids)
        problems += check_containment(
            grids, parent_grids, inside, level=level, tolerance=containment_tolerance
        )
    problems += overlap_problems
    if parent_grids is not None:
        children = [(grids, inside)]
        if existing is not None:
            children.append((existing, inside_areas(existing, parent_grids)))
        problems += check_gaps(
            children, parent_grids, overlap_sums, level=level, tolerance_m2=gap_tolerance_m2
        )
    repaired = layer.set_geometry(
        GeoSeries(grids.geoms, index=layer.index, crs="EPSG:4326", name=layer.geometry.name)
    )
    return ValidationReport(problems=problems, repaired=repaired)


def _check_arguments(
    layer: GeoDataFrame,
    *,
    level: GridLevel,
    parents: GeoDataFrame | None,
    siblings_existing: GeoDataFrame | None,
    shares: dict[str, float],
    gap_tolerance_m2: float,
) -> None:
    """Raise the TypeError or ValueError that :func:`validate_layer` documents, if any."""
    parse_level(level)
    check_frame(layer, "layer")
    if parents is not None:
        if level == "large":
            raise ValueError("large grids have no parent layer; pass parents=None")
        check_frame(parents, "parents")
    if siblings_existing is not None:
        check_frame(siblings_existing, "siblings_existing")
    for name, share in shares.items():
        if not 0.0 <= share < 1.0:
            raise ValueError(f"{name} must be a share in [0, 1), got {share!r}")
    if not gap_tolerance_m2 >= 0.0:
        raise ValueError(f"gap_tolerance_m2 must be >= 0, got {gap_tolerance_m2!r}")


def _stored_siblings(
    siblings_existing: GeoDataFrame | None, grids: GridArrays
) -> GridArrays | None:
    """The stored grids that stay: those whose code the new layer does not replace."""
    if siblings_existing is None:
        return None
    new_codes = {c for c in grids.codes if c is not None}
    keep = [c not in new_codes for c in siblings_existing["code"].map(normalize_code)]
    return GridArrays.from_frame(siblings_existing[np.asarray(keep, bool)], repair=False)


def validate_hierarchy(
    large: GeoDataFrame,
    medium: GeoDataFrame,
    small: GeoDataFrame,
    *,
    containment_tolerance: float = 0.001,
    gap_tolerance_m2: float = 100.0,
    overlap_tolerance: float = 0.001,
) -> ValidationReport:
    """Validate a whole three-level grid hierarchy.

    Each level is checked with :func:`validate_layer` against the repaired grids of the level
    above, as a complete level (no stored siblings).

    Parameters
    ----------
    large, medium, small : GeoDataFrame
        The grids of each level (see :func:`validate_layer`).
    containment_tolerance, gap_tolerance_m2, overlap_tolerance : float
        As for :func:`validate_layer`.

    Returns
    -------
    ValidationReport
        The problems of all levels; ``repaired`` holds the three repaired layers stacked
        (large, medium, small) with a ``level`` column.
    """
    tolerances = {
        "containment_tolerance": containment_tolerance,
        "gap_tolerance_m2": gap_tolerance_m2,
        "overlap_tolerance": overlap_tolerance,
    }
    reports: list[ValidationReport] = []
    parents: GeoDataFrame | None = None
    for level, frame in zip(LEVELS, (large, medium, small), strict=True):
        report = validate_layer(frame, level=level, parents=parents, **tolerances)
        reports.append(report)
        parents = report.repaired
    stacked = []
    for report, level in zip(reports, LEVELS, strict=True):
        frame = report.repaired.assign(level=level)
        if frame.geometry.name != "geometry":
            frame = frame.rename_geometry("geometry")
        stacked.append(frame)
    repaired = GeoDataFrame(
        pd.concat(stacked, ignore_index=True), geometry="geometry", crs="EPSG:4326"
    )
    return ValidationReport(problems=[p for r in reports for p in r.problems], repaired=repaired)
