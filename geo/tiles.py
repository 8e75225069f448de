"""Web-Mercator tiles: a tile's bounds, and WGS84 geometries in a tile's own coordinates.

A vector tile (Mapbox Vector Tile, MVT) holds its geometries in integer coordinates of the
tile, ``0 … extent`` across, with ``y`` pointing down; a geometry may reach ``buffer`` units
beyond each edge so that strokes meet seamlessly at tile seams. These functions compute the
same tile coordinates PostGIS's ``ST_TileEnvelope`` / ``ST_AsMVTGeom`` do (spherical Web
Mercator, EPSG:3857), with shapely: clip to the buffered tile, snap to the integer grid,
drop what collapses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import shapely

__all__ = [
    "EARTH_RADIUS_M",
    "MAX_LATITUDE",
    "TILE_BUFFER",
    "TILE_EXTENT",
    "MAX_ZOOM",
    "Tile",
    "tile_lonlat_bounds",
    "tile_mercator_bounds",
    "to_tile_coordinates",
]

EARTH_RADIUS_M: Final = 6378137.0
"""The sphere of Web Mercator (EPSG:3857)."""
HALF_WORLD_M: Final = math.pi * EARTH_RADIUS_M
MAX_LATITUDE: Final = math.degrees(2 * math.atan(math.exp(math.pi)) - math.pi / 2)
"""±85.0511…°: where Web Mercator's square world ends."""
TILE_EXTENT: Final = 4096
"""Tile coordinates per tile side (the MVT and ``ST_AsMVT`` default)."""
TILE_BUFFER: Final = 64
"""Tile coordinates a geometry may reach beyond each edge."""

MAX_ZOOM: Final = 22
"""The deepest zoom served (a tile about 10 m across)."""

GeomArray = npt.NDArray[np.object_]


def tile_mercator_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """(minx, miny, maxx, maxy) of tile ``z/x/y`` in metres of EPSG:3857 (``y`` from the north)."""
    size = 2 * HALF_WORLD_M / 2**z
    minx = -HALF_WORLD_M + x * size
    maxy = HALF_WORLD_M - y * size
    return minx, maxy - size, minx + size, maxy


def _latitude(y_m: float) -> float:
    return math.degrees(2 * math.atan(math.exp(y_m / EARTH_RADIUS_M)) - math.pi / 2)


def tile_lonlat_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """(west, south, east, north) of tile ``z/x/y`` in WGS84 degrees.

    Web Mercator maps longitude and latitude separately, so a tile is exactly this
    longitude / latitude box.
    """
    minx, miny, maxx, maxy = tile_mercator_bounds(z, x, y)
    return (
        math.degrees(minx / EARTH_RADIUS_M),
        _latitude(miny),
        math.degrees(maxx / EARTH_RADIUS_M),
        _latitude(maxy),
    )


def to_tile_coordinates(
    geometries: GeomArray,
    z: int,
    x: int,
    y: int,
    *,
    extent: int = TILE_EXTENT,
    buffer: int = TILE_BUFFER,
) -> GeomArray:
    """WGS84 geometries in the integer coordinates of tile ``z/x/y`` (``y`` down).

    Parameters
    ----------
    geometries : array of shapely geometries
        Longitude / latitude (EPSG:4326), within Web Mercator's latitudes.
    z, x, y : int
        The tile.
    extent, buffer : int
        Tile coordinates across the tile, and beyond each edge kept after clipping.

    Returns
    -------
    array of shapely geometries
        Clipped to the buffered tile and snapped to whole units; empty where nothing of a
        geometry is left (outside the tile, or thinner than a unit).
    """
    minx, _miny, maxx, maxy = tile_mercator_bounds(z, x, y)
    scale = extent / (maxx - minx)

    def project(lonlat: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        lon = np.radians(lonlat[:, 0])
        lat = np.radians(np.clip(lonlat[:, 1], -MAX_LATITUDE, MAX_LATITUDE))
        mx = EARTH_RADIUS_M * lon
        my = EARTH_RADIUS_M * np.log(np.tan(np.pi / 4 + lat / 2))
        return np.column_stack(((mx - minx) * scale, (maxy - my) * scale))

    projected = shapely.transform(np.asarray(geometries, dtype=object), project)
    clipped = shapely.clip_by_rect(projected, -buffer, -buffer, extent + buffer, extent + buffer)
    snapped: GeomArray = shapely.set_precision(clipped, 1.0)
    return snapped


@dataclass(frozen=True)
class Tile:
    """One tile address ``z/x/y`` (x from the west, y from the north)."""

    z: int
    x: int
    y: int

    def __post_init__(self) -> None:
        last = 2**self.z - 1
        if not (0 <= self.z <= MAX_ZOOM and 0 <= self.x <= last and 0 <= self.y <= last):
            raise ValueError(f"no tile {self.z}/{self.x}/{self.y}: x and y run 0 to {last}")

    @property
    def lonlat(self) -> tuple[float, float, float, float]:
        """The tile as a WGS84 box: (west, south, east, north)."""
        return tile_lonlat_bounds(self.z, self.x, self.y)

    @property
    def key(self) -> tuple[str, str, str]:
        """The tile as a cache key."""
        return str(self.z), str(self.x), str(self.y)
