"""Grid levels, grid codes and validation of grid layers against their parents.

The grid system has three nested levels (大网格 / 中网格 / 小网格), each a polygon layer that
tiles its parent without gaps or overlaps. Grid codes are fixed-width digit strings: the
6-digit county administrative code, 3 digits for the street (large grid), 3 for the
community (medium grid) and 2 for the grid sequence (small grid), so a child's code starts
with its parent's code.

A *grid layer* is a GeoDataFrame in EPSG:4326 (CGCS2000, EPSG:4490, is accepted as equal)
with the columns ``code``, ``parent_code`` and ``geometry``, and optionally ``source_row``
(the 1-based row in the source file, used in messages) -- what
:func:`geo.gridfile.read_grid_file` returns.

:func:`validate_layer` checks one level against its parents before anything is stored;
:func:`validate_hierarchy` checks all three levels at once. Both return a
:class:`ValidationReport` of :class:`Problem` records and the layer with repaired geometries.
Areas are measured in square metres in an equal-area projection (:func:`area_m2`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

import numpy as np
import pandas as pd
import shapely
from geopandas import GeoDataFrame, GeoSeries
from numpy.typing import NDArray
from pyproj import CRS, Transformer

from geo.levels import CODE_WIDTH, LEVELS, PARENT_LEVEL, GridLevel, normalize_code, parse_level

__all__ = [
    "SEVERITY",
    "Problem",
    "ProblemKind",
    "Severity",
    "ValidationReport",
    "area_m2",
    "repair_geometries",
    "validate_hierarchy",
    "validate_layer",
]

Severity = Literal["error", "warning"]

ProblemKind = Literal[
    "invalid_geometry",
    "empty_geometry",
    "not_polygon",
    "missing_code",
    "duplicate_code",
    "bad_code_format",
    "missing_parent",
    "bad_code_prefix",
    "outside_parent",
    "sibling_overlap",
    "gap",
]

SEVERITY: Final[dict[ProblemKind, Severity]] = {
    "invalid_geometry": "warning",
    "empty_geometry": "error",
    "not_polygon": "error",
    "missing_code": "error",
    "duplicate_code": "error",
    "bad_code_format": "error",
    "missing_parent": "error",
    "bad_code_prefix": "error",
    "outside_parent": "error",
    "sibling_overlap": "error",
    "gap": "warning",
}
"""The severity of each kind of problem: errors block an import, warnings do not."""

_WGS84_LIKE_EPSG: Final = frozenset({4326, 4490})
_EQUAL_AREA_CRS: Final = "EPSG:6933"  # WGS 84 / NSIDC EASE-Grid 2.0 Global (equal area)
_POLYGON: Final = int(shapely.GeometryType.POLYGON)
_MULTIPOLYGON: Final = int(shapely.GeometryType.MULTIPOLYGON)


@dataclass(frozen=True)
class Problem:
    """One problem found in a grid layer.

    Attributes
    ----------
    code : str or None
        The grid code the problem is about (for ``"gap"``: the parent's code); None when the
        grid has no code.
    row : int or None
        The 1-based row of the grid in the source file (``source_row``), None for gaps.
    kind : str
        One of the :data:`ProblemKind` values, e.g. ``"sibling_overlap"``.
    severity : {"error", "warning"}
        Errors block an import; warnings (repaired geometry, gaps) do not.
    detail : str
        What exactly is wrong, in words a user can act on.
    """

    code: str | None
    row: int | None
    kind: ProblemKind
    severity: Severity
    detail: str


@dataclass
class ValidationReport:
    """The outcome of validating a grid layer.

    Attributes
    ----------
    problems : list of Problem
        Everything found, errors and warnings.
    repaired : GeoDataFrame
        The layer with repaired geometries: invalid polygons fixed with
        :func:`shapely.make_valid`, all polygons as MultiPolygon, None where the geometry is
        empty or not polygonal.
    """

    problems: list[Problem]
    repaired: GeoDataFrame = field(repr=False)

    @property
    def errors(self) -> list[Problem]:
        """Problems with severity ``"error"``."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """Problems with severity ``"warning"``."""
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        """True when there are no errors (warnings are allowed)."""
        return not self.errors

    def to_rows(self) -> list[tuple[str, str, str, str]]:
        """Return the problems as table rows, sorted by code then kind.

        Returns
        -------
        list of tuple of str
            ``(code, kind, severity, detail)`` per problem; a grid without a code is shown
            as ``"(row N)"``.
        """
        ordered = sorted(
            self.problems,
            key=lambda p: (p.code is None, p.code or "", p.kind, p.row or 0, p.detail),
        )
        return [(_label(p.code, p.row), p.kind, p.severity, p.detail) for p in ordered]


@functools.cache
def _equal_area_transformer() -> Transformer:
    return Transformer.from_crs("EPSG:4326", _EQUAL_AREA_CRS, always_xy=True)


def area_m2(geoms: Any) -> NDArray[np.float64]:
    """Return the areas of longitude/latitude geometries in square metres.

    The geometries are projected to an equal-area projection (EPSG:6933, the cylindrical
    equal-area EASE-Grid 2.0 on the WGS 84 ellipsoid) and measured there.

    Parameters
    ----------
    geoms : GeoSeries, array_like of shapely.Geometry or shapely.Geometry
        Geometries in EPSG:4326 (or CGCS2000, EPSG:4490). A GeoSeries in another CRS is
        converted first; anything without a CRS is taken as EPSG:4326.

    Returns
    -------
    numpy.ndarray of float64
        The area of each geometry (same shape as the input): 0 for empty and non-polygonal
        geometries, NaN for missing ones.

    Examples
    --------
    >>> import shapely
    >>> float(area_m2([shapely.box(115.40, 22.80, 115.41, 22.81)])[0].round(-2))
    1137000.0
    """
    if isinstance(geoms, GeoSeries | GeoDataFrame):
        series = geoms.geometry if isinstance(geoms, GeoDataFrame) else geoms
        if series.crs is not None and not _is_wgs84_like(series.crs):
            series = series.to_crs("EPSG:4326")
        arr = np.asarray(series.array, dtype=object)
    else:
        arr = np.asarray(geoms, dtype=object)
    transformer = _equal_area_transformer()

    def project(coords: NDArray[np.float64]) -> NDArray[np.float64]:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    projected = shapely.transform(arr, project)
    return np.asarray(shapely.area(projected), dtype=np.float64)


def repair_geometries(geoms: Any) -> tuple[NDArray[np.object_], list[tuple[int, ProblemKind, str]]]:
    """Repair polygon geometries and promote them to MultiPolygon.

    Parameters
    ----------
    geoms : array_like of shapely.Geometry
        Input geometries (None allowed). Z coordinates are dropped.

    Returns
    -------
    repaired : numpy.ndarray of object
        A valid MultiPolygon per input, or None where the input is missing, empty, not
        polygonal, or collapses to nothing when repaired.
    issues : list of (int, str, str)
        ``(position, kind, detail)`` for each input that was repaired (``"invalid_geometry"``,
        the detail is :func:`shapely.is_valid_reason`) or dropped (``"empty_geometry"``,
        ``"not_polygon"``).
    """
    arr = shapely.force_2d(np.asarray(geoms, dtype=object))
    out = np.full(len(arr), None, dtype=object)
    issues: list[tuple[int, ProblemKind, str]] = []

    type_id = shapely.get_type_id(arr)
    missing = shapely.is_missing(arr)
    empty = ~missing & shapely.is_empty(arr)
    polygonal = ~missing & ~empty & np.isin(type_id, [_POLYGON, _MULTIPOLYGON])
    for i in np.flatnonzero(missing | empty):
        issues.append((int(i), "empty_geometry", "no geometry" if missing[i] else "empty geometry"))
    for i in np.flatnonzero(~missing & ~empty & ~polygonal):
        issues.append((int(i), "not_polygon", f"a {arr[i].geom_type}, not a polygon"))

    valid = polygonal & shapely.is_valid(arr)
    out[valid] = arr[valid]
    invalid = np.flatnonzero(polygonal & ~valid)
    if len(invalid):
        reasons = shapely.is_valid_reason(arr[invalid])
        fixed = _polygonal_part(shapely.make_valid(arr[invalid], method="structure"))
        for pos, reason, geom in zip(invalid.tolist(), reasons.tolist(), fixed, strict=True):
            if geom is None:
                issues.append((pos, "empty_geometry", f"nothing left after repairing {reason}"))
            else:
                issues.append((pos, "invalid_geometry", f"repaired: {reason}"))
                out[pos] = geom
    return _to_multipolygons(out), issues


# --------------------------------------------------------------------------------------------
# validation


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
    _check_level(level)
    _check_frame(layer, "layer")
    if parents is not None:
        if level == "large":
            raise ValueError("large grids have no parent layer; pass parents=None")
        _check_frame(parents, "parents")
    if siblings_existing is not None:
        _check_frame(siblings_existing, "siblings_existing")
    for name, share in (
        ("containment_tolerance", containment_tolerance),
        ("overlap_tolerance", overlap_tolerance),
    ):
        if not 0.0 <= share < 1.0:
            raise ValueError(f"{name} must be a share in [0, 1), got {share!r}")
    if not gap_tolerance_m2 >= 0.0:
        raise ValueError(f"gap_tolerance_m2 must be >= 0, got {gap_tolerance_m2!r}")

    grids = _Grids.from_frame(layer, repair=True)
    problems = [
        _problem(kind, grids.codes[i], grids.rows[i], detail) for i, kind, detail in grids.issues
    ]
    problems += _check_codes(grids, level)
    existing = None
    if siblings_existing is not None:
        new_codes = {c for c in grids.codes if c is not None}
        keep = [c not in new_codes for c in siblings_existing["code"].map(normalize_code)]
        existing = _Grids.from_frame(siblings_existing[np.asarray(keep, bool)], repair=False)
    if level == "large":
        problems += _check_county_prefix(grids)
        parent_grids = None
    else:
        parent_grids = None if parents is None else _Grids.from_frame(parents, repair=False)
        problems += _check_parent_codes(grids, parent_grids, level=level)
    overlap_problems, overlap_sums = _check_sibling_overlaps(
        grids, existing, level=level, tolerance=overlap_tolerance
    )
    if parent_grids is not None:
        inside = _inside_areas(grids, parent_grids)
        problems += _check_containment(
            grids, parent_grids, inside, level=level, tolerance=containment_tolerance
        )
    problems += overlap_problems
    if parent_grids is not None:
        children = [(grids, inside)]
        if existing is not None:
            children.append((existing, _inside_areas(existing, parent_grids)))
        problems += _check_gaps(
            children, parent_grids, overlap_sums, level=level, tolerance_m2=gap_tolerance_m2
        )

    repaired = layer.copy()
    repaired = repaired.set_geometry(
        GeoSeries(grids.geoms, index=layer.index, crs="EPSG:4326", name=layer.geometry.name)
    )
    return ValidationReport(problems=problems, repaired=repaired)


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


# --------------------------------------------------------------------------------------------
# internals


@dataclass
class _Grids:
    """A grid layer as plain arrays: codes, parent codes, source rows, repaired geometries."""

    codes: list[str | None]
    parent_codes: list[str | None]
    rows: list[int]
    geoms: NDArray[np.object_]
    issues: list[tuple[int, ProblemKind, str]]
    areas: NDArray[np.float64]

    @classmethod
    def from_frame(cls, frame: GeoDataFrame, *, repair: bool) -> _Grids:
        n = len(frame)
        codes = [normalize_code(v) for v in frame["code"]]
        if "parent_code" in frame.columns:
            parent_codes = [normalize_code(v) for v in frame["parent_code"]]
        else:
            parent_codes = [None] * n
        rows = list(range(1, n + 1))
        if "source_row" in frame.columns:
            rows = [
                int(r) if pd.notna(r) else i for i, r in zip(rows, frame["source_row"], strict=True)
            ]
        geoms, issues = repair_geometries(np.asarray(frame.geometry.array, dtype=object))
        if not repair:
            issues = []
        areas = np.zeros(n)
        usable = ~shapely.is_missing(geoms)
        areas[usable] = area_m2(geoms[usable])
        return cls(codes, parent_codes, rows, geoms, issues, areas)

    @property
    def usable(self) -> NDArray[np.bool_]:
        return ~shapely.is_missing(self.geoms)

    @functools.cached_property
    def index_by_code(self) -> dict[str, int]:
        index: dict[str, int] = {}
        for i, code in enumerate(self.codes):
            if code is not None:
                index.setdefault(code, i)
        return index

    @functools.cached_property
    def tree(self) -> shapely.STRtree:
        return shapely.STRtree(self.geoms)


def _problem(kind: ProblemKind, code: str | None, row: int | None, detail: str) -> Problem:
    return Problem(code=code, row=row, kind=kind, severity=SEVERITY[kind], detail=detail)


def _label(code: str | None, row: int | None) -> str:
    if code is not None:
        return code
    return f"(row {row})" if row is not None else "(no code)"


def _check_level(level: str) -> None:
    parse_level(level)


def _is_wgs84_like(crs: Any) -> bool:
    crs = CRS.from_user_input(crs)
    if crs.to_epsg() in _WGS84_LIKE_EPSG:
        return True
    return bool(crs.equals(CRS("OGC:CRS84")))


def _check_frame(frame: Any, what: str) -> None:
    if not isinstance(frame, GeoDataFrame):
        raise TypeError(f"{what} must be a GeoDataFrame, not {type(frame).__name__}")
    if "code" not in frame.columns:
        columns = ", ".join(map(str, frame.columns))
        raise ValueError(f"{what} has no 'code' column (columns: {columns})")
    if frame.crs is not None and not _is_wgs84_like(frame.crs):
        raise ValueError(
            f"{what} is in {frame.crs.to_string()}; convert it to EPSG:4326 first "
            "(read_grid_file does)"
        )
    bounds = frame.total_bounds if len(frame) else np.full(4, np.nan)
    if not np.isnan(bounds).all():  # all-empty layers have no bounds
        minx, miny, maxx, maxy = bounds
        if not (-180.0 <= minx <= maxx <= 180.0 and -90.0 <= miny <= maxy <= 90.0):
            raise ValueError(
                f"{what} coordinates ({minx:.0f}, {miny:.0f}, {maxx:.0f}, {maxy:.0f}) are not "
                "longitude/latitude; is the layer projected without a CRS?"
            )


def _polygonal_part(geoms: NDArray[np.object_]) -> list[Any]:
    """Keep the polygons of each (possibly collection) geometry; None if there are none."""
    out: list[Any] = []
    for geom in geoms:
        if geom is None or geom.is_empty:
            out.append(None)
        elif shapely.get_type_id(geom) in (_POLYGON, _MULTIPOLYGON):
            out.append(geom)
        else:
            polys = [p for p in _flatten(geom) if shapely.get_type_id(p) == _POLYGON]
            out.append(shapely.union_all(polys) if polys else None)
    return out


def _flatten(geom: Any) -> Iterable[Any]:
    for part in shapely.get_parts(geom):
        if shapely.get_type_id(part) >= 4:  # multi-part or collection
            yield from _flatten(part)
        else:
            yield part


def _to_multipolygons(geoms: NDArray[np.object_]) -> NDArray[np.object_]:
    out = geoms.copy()
    single = shapely.get_type_id(out) == _POLYGON
    if single.any():
        out[single] = shapely.multipolygons(out[single][:, np.newaxis])
    return out


def _pct(share: float) -> str:
    return f"{share * 100:.1f} %"


def _m2(area: float) -> str:
    return f"{area:,.0f} m²"


def _check_codes(grids: _Grids, level: GridLevel) -> list[Problem]:
    width = CODE_WIDTH[level]
    pattern = re.compile(f"[0-9]{{{width}}}")
    problems: list[Problem] = []
    first_row: dict[str, int] = {}
    for code, row in zip(grids.codes, grids.rows, strict=True):
        if code is None:
            problems.append(_problem("missing_code", None, row, f"row {row} has no grid code"))
            continue
        if not pattern.fullmatch(code):
            problems.append(
                _problem(
                    "bad_code_format",
                    code,
                    row,
                    f"a {level} grid code must be {width} digits, got {len(code)} characters",
                )
            )
        if code in first_row:
            problems.append(
                _problem("duplicate_code", code, row, f"code already used in row {first_row[code]}")
            )
        else:
            first_row[code] = row
    return problems


def _check_county_prefix(grids: _Grids) -> list[Problem]:
    return [
        _problem("bad_code_prefix", code, row, f"code does not start with its county code {county}")
        for code, county, row in zip(grids.codes, grids.parent_codes, grids.rows, strict=True)
        if code is not None and county is not None and not code.startswith(county)
    ]


def _best_parents(
    child_geoms: NDArray[np.object_], child_areas: NDArray[np.float64], parents: _Grids
) -> list[tuple[str | None, float]]:
    """For each child, the parent that holds most of it and the share it holds."""
    best: list[tuple[str | None, float]] = [(None, 0.0)] * len(child_geoms)
    if not len(child_geoms):
        return best
    ci, pi = parents.tree.query(child_geoms, predicate="intersects")
    if not len(ci):
        return best
    shares = area_m2(shapely.intersection(child_geoms[ci], parents.geoms[pi]))
    shares = np.divide(
        shares, child_areas[ci], out=np.zeros_like(shares), where=child_areas[ci] > 0
    )
    for c, p, share in zip(ci.tolist(), pi.tolist(), shares.tolist(), strict=True):
        if share > best[c][1]:
            best[c] = (parents.codes[p], share)
    return best


def _where_hint(best: tuple[str | None, float], level: GridLevel) -> str:
    code, share = best
    if code is None:
        return f"; it lies in no {level} grid"
    return f"; {_pct(share)} of it lies in {level} grid {code}"


def _check_parent_codes(
    grids: _Grids, parents: _Grids | None, *, level: GridLevel
) -> list[Problem]:
    """Check that each grid names a parent, that it exists, and that the code starts with it."""
    parent_level = PARENT_LEVEL[level]
    problems: list[Problem] = []
    unknown: list[int] = []
    for i, (code, parent_code, row) in enumerate(
        zip(grids.codes, grids.parent_codes, grids.rows, strict=True)
    ):
        if parent_code is None or (
            parents is not None and parent_code not in parents.index_by_code
        ):
            unknown.append(i)
        if code is not None and parent_code is not None and not code.startswith(parent_code):
            detail = f"code does not start with its parent code {parent_code}"
            problems.append(_problem("bad_code_prefix", code, row, detail))

    # where do grids without a known parent lie? (a hint for the user)
    hints = [""] * len(unknown)
    if parents is not None and unknown:
        pos = np.asarray(unknown)
        has_geom = grids.usable[pos]
        best = _best_parents(grids.geoms[pos[has_geom]], grids.areas[pos[has_geom]], parents)
        for k, b in zip(np.flatnonzero(has_geom).tolist(), best, strict=True):
            hints[k] = _where_hint(b, parent_level)
    for i, hint in zip(unknown, hints, strict=True):
        parent_code = grids.parent_codes[i]
        what = (
            "no parent code"
            if parent_code is None
            else f"parent {parent_code} is not among the {parent_level} grids"
        )
        problems.append(_problem("missing_parent", grids.codes[i], grids.rows[i], what + hint))
    return problems


def _inside_areas(grids: _Grids, parents: _Grids) -> NDArray[np.float64]:
    """Area (m²) of each grid that lies inside its parent; NaN where either is unknown.

    A vectorised ``covers`` on the prepared parents settles most grids; the exact
    intersection is computed only for the rest.
    """
    index = parents.index_by_code
    pos = np.fromiter(
        (-1 if pc is None else index.get(pc, -1) for pc in grids.parent_codes),
        dtype=np.intp,
        count=len(grids.parent_codes),
    )
    inside = np.full(len(pos), np.nan)
    check = np.flatnonzero(grids.usable & (pos >= 0))
    check = check[parents.usable[pos[check]]]
    if not len(check):
        return inside
    parent_geoms = parents.geoms[pos[check]]
    shapely.prepare(parent_geoms)
    covered = shapely.covers(parent_geoms, grids.geoms[check])
    inside[check[covered]] = grids.areas[check[covered]]
    partial = check[~covered]
    pieces = shapely.intersection(grids.geoms[partial], parent_geoms[~covered])
    inside[partial] = area_m2(pieces)
    return inside


def _check_containment(
    grids: _Grids,
    parents: _Grids,
    inside: NDArray[np.float64],
    *,
    level: GridLevel,
    tolerance: float,
) -> list[Problem]:
    """Report grids of which more than ``tolerance`` of the area lies outside the parent."""
    have = np.flatnonzero(~np.isnan(inside) & (grids.areas > 0))
    outside = 1.0 - inside[have] / grids.areas[have]
    bad = outside > tolerance
    have, outside = have[bad], outside[bad]
    best = _best_parents(grids.geoms[have], grids.areas[have], parents)
    problems: list[Problem] = []
    for i, share, b in zip(have.tolist(), outside.tolist(), best, strict=True):
        parent_code = grids.parent_codes[i]
        hint = _where_hint(b, PARENT_LEVEL[level]) if b[0] != parent_code else ""
        detail = f"{_pct(share)} of the grid lies outside its parent {parent_code}{hint}"
        problems.append(_problem("outside_parent", grids.codes[i], grids.rows[i], detail))
    return problems


def _sibling_key(level: GridLevel, parent_code: str | None) -> str | None:
    # all large grids are siblings (no parent polygons to catch overlaps otherwise)
    return "" if level == "large" else parent_code


def _check_sibling_overlaps(
    grids: _Grids, existing: _Grids | None, *, level: GridLevel, tolerance: float
) -> tuple[list[Problem], dict[str, float]]:
    """Report siblings that overlap by more than ``tolerance`` of the smaller one.

    Returns the problems and, per sibling group (parent code), the summed area of all
    overlaps, however small (an input of the gap bound in :func:`_check_gaps`).
    """
    new = np.flatnonzero(grids.usable)
    sources = [(grids, new)]
    if existing is not None:
        sources.append((existing, np.flatnonzero(existing.usable)))
    geoms = np.concatenate([source.geoms[pos] for source, pos in sources])
    if len(geoms) < 2:
        return [], {}
    areas = np.concatenate([source.areas[pos] for source, pos in sources])
    codes = [source.codes[i] for source, pos in sources for i in pos.tolist()]
    keys = [_sibling_key(level, source.parent_codes[i]) for source, pos in sources for i in pos]
    is_new = np.arange(len(geoms)) < len(new)

    # bounding-box pre-filter, then siblings only, then "interiors intersect" (not touching)
    left, right = shapely.STRtree(geoms).query(geoms)
    keep = left < right
    left, right = left[keep], right[keep]
    keep = np.fromiter(
        (keys[a] is not None and keys[a] == keys[b] for a, b in zip(left, right, strict=True)),
        dtype=bool,
        count=len(left),
    )
    left, right = left[keep], right[keep]
    keep = shapely.relate_pattern(geoms[left], geoms[right], "T********")
    left, right = left[keep], right[keep]
    overlap = area_m2(shapely.intersection(geoms[left], geoms[right]))

    sums: dict[str, float] = {}
    for a, area in zip(left.tolist(), overlap.tolist(), strict=True):
        key = keys[a]
        if key is not None:
            sums[key] = sums.get(key, 0.0) + area

    smaller = np.minimum(areas[left], areas[right])
    bad = (overlap > tolerance * smaller) & (is_new[left] | is_new[right])
    problems: list[Problem] = []
    for a, b, area, small in zip(
        left[bad].tolist(),
        right[bad].tolist(),
        overlap[bad].tolist(),
        smaller[bad].tolist(),
        strict=True,
    ):
        share = area / small if small > 0 else 1.0
        for this, other in ((a, b), (b, a)):
            if not is_new[this]:
                continue
            i = new[this]
            other_label = (
                _label(codes[other], grids.rows[new[other]])
                if is_new[other]
                else f"{codes[other] or '(no code)'} (stored)"
            )
            detail = f"overlaps {other_label} by {_m2(area)} ({_pct(share)} of the smaller grid)"
            problems.append(_problem("sibling_overlap", grids.codes[i], grids.rows[i], detail))
    return problems, sums


def _check_gaps(
    children: Sequence[tuple[_Grids, NDArray[np.float64]]],
    parents: _Grids,
    overlap_sums: dict[str, float],
    *,
    level: GridLevel,
    tolerance_m2: float,
) -> list[Problem]:
    """Report parts of parents covered by none of their children, larger than the tolerance.

    The exact ``parent - union(children)`` is costly, so it is computed only for parents
    where it may exceed the tolerance: the uncovered area is at most the parent's area minus
    the children's areas inside it plus all overlaps between them (Bonferroni), which is
    known already from the containment and overlap checks.
    """
    parent_level = PARENT_LEVEL[level]
    geoms_by_parent: dict[str, list[Any]] = {}
    covered_at_least = {key: -overlap for key, overlap in overlap_sums.items()}
    for grids, inside in children:
        for i in np.flatnonzero(grids.usable).tolist():
            parent_code = grids.parent_codes[i]
            if parent_code is not None:
                geoms_by_parent.setdefault(parent_code, []).append(grids.geoms[i])
                if not np.isnan(inside[i]):
                    covered_at_least[parent_code] = (
                        covered_at_least.get(parent_code, 0.0) + inside[i]
                    )

    pos = np.flatnonzero(parents.usable)
    lower = np.array([covered_at_least.get(parents.codes[i] or "", 0.0) for i in pos])
    pos = pos[parents.areas[pos] - lower > tolerance_m2]
    if not len(pos):
        return []
    pcodes: list[str | None] = [parents.codes[i] for i in pos]
    unions = np.empty(len(pos), dtype=object)
    unions[:] = [shapely.union_all(geoms_by_parent.get(c or "", [])) for c in pcodes]
    gaps = shapely.difference(parents.geoms[pos], unions)
    parts, index = shapely.get_parts(gaps, return_index=True)
    polygon = shapely.get_type_id(parts) == _POLYGON
    parts, index = parts[polygon], index[polygon]
    areas = area_m2(parts)
    big = areas > tolerance_m2
    points = shapely.point_on_surface(parts[big])

    problems: list[Problem] = []
    for k, area, point in zip(index[big].tolist(), areas[big].tolist(), points, strict=True):
        pcode = pcodes[k]
        if pcode not in geoms_by_parent:
            detail = f"{parent_level} grid {pcode} has no {level} grids ({_m2(area)} uncovered)"
        else:
            detail = (
                f"{_m2(area)} of {parent_level} grid {pcode} is covered by none of its "
                f"{level} grids, around ({point.x:.5f}, {point.y:.5f})"
            )
        problems.append(_problem("gap", pcode, None, detail))
    return problems
