"""The four district boundaries of 汕尾, read from GeoJSON and cut down to their mainland."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, shape

from geo.crs import geometry_gcj02_to_wgs84
from geo.demo_city.plane import coverage_clean, to_lonlat, to_plane
from geo.demo_city.shanwei import DISTRICT_ADCODES, ISLET_MIN_AREA_KM2, MAINLAND_MIN_LAT
from geo.distance import METRES_PER_DEGREE, metres_per_degree_lon
from geo.shapes import as_multipolygon, to_multipolygons


def load_districts(boundaries_dir: Path) -> dict[str, MultiPolygon]:
    """Read the four district boundaries and return their mainland as a clean coverage.

    Parameters
    ----------
    boundaries_dir : pathlib.Path
        Directory holding ``441502.geojson`` … ``441581.geojson``: bare GeoJSON
        (Multi)Polygon geometries in GCJ-02.

    Returns
    -------
    dict of str to shapely.MultiPolygon
        District adcode to its mainland in WGS84 lon/lat, in :data:`DISTRICT_ADCODES`
        order. Islets (parts under :data:`ISLET_MIN_AREA_KM2` km² or south of
        :data:`MAINLAND_MIN_LAT`) are dropped; overlaps go to the earlier district and the
        districts share their borders vertex for vertex.

    Raises
    ------
    FileNotFoundError
        If a district file is missing.
    ValueError
        If a district has no mainland part left.
    """
    mainlands = [_read_mainland(Path(boundaries_dir) / f"{a}.geojson") for a in DISTRICT_ADCODES]
    planar = to_plane(np.array(mainlands, dtype=object))
    cleaned = coverage_clean(planar, merge_strategy="min_index")
    lonlat = to_multipolygons(to_lonlat(cleaned))
    return dict(zip(DISTRICT_ADCODES, lonlat, strict=True))


def _read_mainland(path: Path) -> MultiPolygon:
    """Read one district file (GCJ-02) and keep its mainland parts, in WGS84."""
    with path.open(encoding="utf-8") as fh:
        raw = json.load(fh)
    geom = shape(raw.get("geometry", raw) if raw.get("type") == "Feature" else raw)
    polygons = as_multipolygon(shapely.make_valid(geometry_gcj02_to_wgs84(geom)))
    parts = [
        p
        for p in ([] if polygons is None else polygons.geoms)
        if _geodesic_area_km2(p) >= ISLET_MIN_AREA_KM2 and p.centroid.y >= MAINLAND_MIN_LAT
    ]
    if not parts:
        raise ValueError(f"district {path.stem} in {path} has no mainland polygon")
    return MultiPolygon(parts)


def _geodesic_area_km2(geom: Polygon) -> float:
    """Approximate area of a lon/lat polygon in km² (local equirectangular scale)."""
    scale = METRES_PER_DEGREE * metres_per_degree_lon(geom.centroid.y)
    return float(geom.area * scale / 1e6)
