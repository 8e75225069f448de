"""A grid layer as plain arrays, with its geometries repaired, and the checks on its frame."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd
import shapely
from geopandas import GeoDataFrame
from numpy.typing import NDArray

from geo.area import area_m2
from geo.crs import is_wgs84_like
from geo.hierarchy.problems import ProblemKind
from geo.levels import normalize_code
from geo.shapes import to_multipolygons

_POLYGONAL: Final = (int(shapely.GeometryType.POLYGON), int(shapely.GeometryType.MULTIPOLYGON))


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

    missing = shapely.is_missing(arr)
    empty = ~missing & shapely.is_empty(arr)
    polygonal = ~missing & ~empty & np.isin(shapely.get_type_id(arr), _POLYGONAL)
    for i in np.flatnonzero(missing | empty):
        issues.append((int(i), "empty_geometry", "no geometry" if missing[i] else "empty geometry"))
    for i in np.flatnonzero(~missing & ~empty & ~polygonal):
        issues.append((int(i), "not_polygon", f"a {arr[i].geom_type}, not a polygon"))

    valid = polygonal & shapely.is_valid(arr)
    out[valid] = arr[valid]
    invalid = np.flatnonzero(polygonal & ~valid)
    if len(invalid):
        reasons = shapely.is_valid_reason(arr[invalid])
        fixed = to_multipolygons(shapely.make_valid(arr[invalid], method="structure"))
        for pos, reason, geom in zip(invalid.tolist(), reasons.tolist(), fixed, strict=True):
            if geom is None:
                issues.append((pos, "empty_geometry", f"nothing left after repairing {reason}"))
            else:
                issues.append((pos, "invalid_geometry", f"repaired: {reason}"))
                out[pos] = geom
    return to_multipolygons(out), issues


@dataclass
class GridArrays:
    """A grid layer as plain arrays: codes, parent codes, source rows, repaired geometries."""

    codes: list[str | None]
    parent_codes: list[str | None]
    rows: list[int]
    geoms: NDArray[np.object_]
    issues: list[tuple[int, ProblemKind, str]]
    areas: NDArray[np.float64]

    @classmethod
    def from_frame(cls, frame: GeoDataFrame, *, repair: bool) -> GridArrays:
        """Read a layer; keep the repair issues only when ``repair`` (a new layer)."""
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
        """Which grids have a (repaired) geometry."""
        return ~shapely.is_missing(self.geoms)

    @functools.cached_property
    def index_by_code(self) -> dict[str, int]:
        """Position of the first grid with each code."""
        index: dict[str, int] = {}
        for i, code in enumerate(self.codes):
            if code is not None:
                index.setdefault(code, i)
        return index

    @functools.cached_property
    def tree(self) -> shapely.STRtree:
        """A spatial index over the geometries."""
        return shapely.STRtree(self.geoms)


def check_frame(frame: Any, what: str) -> None:
    """Raise if ``frame`` is not a GeoDataFrame with codes in longitude/latitude WGS84."""
    if not isinstance(frame, GeoDataFrame):
        raise TypeError(f"{what} must be a GeoDataFrame, not {type(frame).__name__}")
    if "code" not in frame.columns:
        columns = ", ".join(map(str, frame.columns))
        raise ValueError(f"{what} has no 'code' column (columns: {columns})")
    if frame.crs is not None and not is_wgs84_like(frame.crs):
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
