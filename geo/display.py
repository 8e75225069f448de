"""Display geometry for maps: simplified grid layers per zoom band that still tile.

A grid layer drawn on a city-wide map does not need every vertex: at zoom 9-10 one screen
pixel covers 130-260 m in 汕尾, so the exact small-grid layer (several MB of GeoJSON) is
mostly invisible detail. Simplifying each polygon on its own would open gaps and overlaps
between neighbours, so the whole layer is simplified at once with
:func:`shapely.coverage_simplify`, which simplifies every shared edge once and keeps
neighbours edge-matched.

Tolerances are chosen per grid level and zoom band in metres (:data:`TOLERANCES_M`) and
converted to degrees at the layer's latitude. They are Visvalingam-Whyatt tolerances: roughly
the square root of the area of the triangles (vertex and its two neighbours) that are removed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Literal

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely

from geo.distance import METRES_PER_DEGREE, metres_per_degree_lon
from geo.shapes import to_multipolygons

__all__ = [
    "LEVELS",
    "TOLERANCES_M",
    "ZOOM_BANDS",
    "display_geometries",
    "geometry_size_bytes",
    "metres_to_degrees",
]

GeomArray = npt.NDArray[np.object_]

#: Zoom bands served to the maps, and the web-map zoom levels they are meant for.
ZOOM_BANDS: dict[str, str] = {
    "overview": "city-wide views, zoom 9-11 (one pixel is about 65-260 m)",
    "detail": "district to street views, zoom >= 12 (one pixel is 32 m or less)",
}

#: Grid levels with a tolerance table.
LEVELS = ("district", "large", "medium", "small")

#: Simplification tolerance in metres per grid level and zoom band. Overview tolerances are
#: about one pixel at zoom 10; detail tolerances about half a pixel at zoom 13, and smaller
#: for the finer levels, whose polygons are only drawn when zoomed in.
TOLERANCES_M: dict[str, dict[str, float]] = {
    "district": {"overview": 250.0, "detail": 40.0},
    "large": {"overview": 200.0, "detail": 30.0},
    "medium": {"overview": 120.0, "detail": 20.0},
    "small": {"overview": 80.0, "detail": 10.0},
}


def metres_to_degrees(metres: float, latitude: float) -> float:
    """Convert a coverage-simplification tolerance from metres to degrees.

    The tolerance is the square root of a triangle area. A triangle of ``A`` m² spans
    ``A / (M² cos φ)`` square degrees at latitude ``φ`` (``M`` metres per degree,
    :data:`geo.distance.METRES_PER_DEGREE`), so the equivalent tolerance in degrees is
    ``metres / (M sqrt(cos φ))``: metres over the geometric mean of the metres per degree of
    latitude and of longitude.

    Parameters
    ----------
    metres : float
        Tolerance in metres.
    latitude : float
        Latitude in degrees where the tolerance applies (the layer's centre).

    Returns
    -------
    float
        Tolerance in degrees.
    """
    return metres / math.sqrt(METRES_PER_DEGREE * metres_per_degree_lon(latitude))


def _as_geometry_array(geoms: gpd.GeoSeries | npt.ArrayLike) -> GeomArray:
    """Return ``geoms`` as an object array of shapely geometries; check the CRS."""
    if isinstance(geoms, gpd.GeoDataFrame):
        geoms = geoms.geometry
    if isinstance(geoms, gpd.GeoSeries):
        if geoms.crs is not None and not geoms.crs.is_geographic:
            raise ValueError(
                f"display geometries must be in longitude/latitude (EPSG:4326), "
                f"got {geoms.crs.to_string()}"
            )
        return np.asarray(geoms.values, dtype=object)
    arr = np.asarray(geoms, dtype=object)
    if arr.ndim != 1:
        arr = arr.reshape(-1)
    return arr


def _repair(simplified: GeomArray, exact: GeomArray) -> GeomArray:
    """Make every simplified geometry a valid, non-empty MultiPolygon (else the exact one)."""
    invalid = ~shapely.is_valid(simplified) & ~shapely.is_missing(simplified)
    candidates = np.array(simplified, dtype=object)
    candidates[invalid] = shapely.make_valid(candidates[invalid])
    out = to_multipolygons(candidates)
    fall_back = shapely.is_missing(out) | ~shapely.is_valid(out)
    out[fall_back] = to_multipolygons(exact[fall_back])
    return out


def display_geometries(
    geoms: gpd.GeoSeries | npt.ArrayLike,
    *,
    level: str,
    tolerances: Mapping[str, float] | None = None,
) -> dict[str, GeomArray]:
    """Simplify a grid layer for display, once per zoom band, keeping it a coverage.

    Parameters
    ----------
    geoms : geopandas.GeoSeries or array_like of shapely.Geometry
        One whole layer (all polygons of one grid level) in WGS84 longitude/latitude. It
        should be a polygon coverage (neighbours share edges vertex for vertex); a layer
        that is not is cleaned with :func:`shapely.coverage_clean` first.
    level : {"district", "large", "medium", "small"}
        Grid level, which selects the tolerances in :data:`TOLERANCES_M`.
    tolerances : mapping of str to float, optional
        Band name to tolerance in metres, replacing the level's defaults.

    Returns
    -------
    dict of str to numpy.ndarray
        Band name (``"overview"``, ``"detail"``) to an object array aligned with ``geoms``:
        valid MultiPolygons, never empty (a polygon that would collapse keeps its exact
        geometry); missing (None) input stays None.

    Raises
    ------
    ValueError
        If ``level`` is unknown, a tolerance is negative, or a GeoSeries is projected.
    """
    if level not in TOLERANCES_M:
        raise ValueError(f"unknown grid level {level!r}; expected one of {list(LEVELS)}")
    bands = dict(TOLERANCES_M[level] if tolerances is None else tolerances)
    if any(t < 0 for t in bands.values()):
        raise ValueError(f"tolerances must be non-negative metres, got {bands}")
    exact = _as_geometry_array(geoms)
    present = np.array([g is not None and not shapely.is_empty(g) for g in exact], dtype=bool)
    out = {band: np.array(exact, dtype=object) for band in bands}
    if not present.any():
        return {band: _repair(arr, exact) for band, arr in out.items()}
    layer = exact[present]
    type_ids = shapely.get_type_id(layer)
    if not np.isin(type_ids, (3, 6)).all():
        raise ValueError("display geometries must be Polygons or MultiPolygons")
    if not shapely.coverage_is_valid(layer):
        layer = np.asarray(shapely.coverage_clean(layer), dtype=object)  # type: ignore[attr-defined]
    ymin, ymax = shapely.total_bounds(layer)[[1, 3]]
    latitude = float(ymin + ymax) / 2.0
    for band, metres in bands.items():
        if metres == 0:
            simplified = layer
        else:
            simplified = shapely.coverage_simplify(layer, metres_to_degrees(metres, latitude))
        out[band][present] = simplified
    return {band: _repair(arr, exact) for band, arr in out.items()}


def geometry_size_bytes(
    geoms: gpd.GeoSeries | npt.ArrayLike,
    *,
    fmt: Literal["geojson", "wkb"] = "geojson",
    precision: int | None = 6,
) -> int:
    """Total serialised size of some geometries, in bytes.

    Parameters
    ----------
    geoms : geopandas.GeoSeries or array_like of shapely.Geometry
        The geometries to measure; None entries count as zero.
    fmt : {"geojson", "wkb"}, default "geojson"
        ``"geojson"``: compact GeoJSON geometry objects (the ``geometry`` members of a
        FeatureCollection, without properties or separators); ``"wkb"``: little-endian WKB.
    precision : int or None, default 6
        For GeoJSON, round coordinates to this many decimals first (6 decimals is about
        0.1 m, what a map needs); None writes full double precision.

    Returns
    -------
    int
        Sum of the sizes of the serialised geometries.
    """
    arr = _as_geometry_array(geoms)
    arr = arr[np.array([g is not None for g in arr], dtype=bool)]
    if arr.size == 0:
        return 0
    if fmt == "wkb":
        return int(sum(len(b) for b in shapely.to_wkb(arr)))
    if fmt != "geojson":
        raise ValueError(f"unknown format {fmt!r}; expected 'geojson' or 'wkb'")
    if precision is not None:
        arr = shapely.transform(arr, lambda c: np.round(c, precision))
    return int(sum(len(s.encode("utf-8")) for s in shapely.to_geojson(arr)))
