"""Grid shapes the dashboard draws itself, and which grid levels it draws from vector tiles.

Read once per process from the API's cached layers (overview band) and tile index, and
kept, keyed by the API base (and level); a grid import on the server shows after
:data:`TTL_S`.  A level with more grids than the API's ``tiles_above_features`` is never
read whole as GeoJSON: the maps draw it from ``/api/tiles``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import shapely
from shapely.geometry import shape

from dashboard.analysis_readings import LEVELS
from dashboard.client import ApiClient, tile_index

_T = TypeVar("_T")

TTL_S = 600.0


@dataclass(frozen=True)
class GridLayer:
    """One level's features (overview band) and a label point per grid code."""

    geojson: dict[str, Any]
    labels: dict[str, tuple[str, float, float]]
    bbox: tuple[float, float, float, float]


@dataclass(frozen=True)
class TileIndex:
    """The API's tile index: grid counts per level, which are tiled, the URL templates."""

    above: int
    features: dict[str, int]
    tiled: frozenset[str]
    urls: dict[str, str]

    def grid_url(self, level: str) -> str:
        """The tile URL template of one grid level."""
        return self.urls[f"grids_{level}"]

    def coloured_level(self, wanted: str) -> str | None:
        """``wanted``, or the nearest coarser level drawn as GeoJSON when it is tiled."""
        candidates = LEVELS[: LEVELS.index(wanted) + 1]
        return next((lv for lv in reversed(candidates) if lv not in self.tiled), None)


def tile_index_of(answer: dict[str, Any]) -> TileIndex:
    """``/api/tiles`` as a :class:`TileIndex` (layer ids ``grids_<level>`` and ``incidents``)."""
    features: dict[str, int] = {}
    tiled: set[str] = set()
    urls: dict[str, str] = {}
    for layer in answer.get("layers", []):
        urls[layer["id"]] = layer["tiles"][0]
        level = layer["id"].removeprefix("grids_")
        if level in LEVELS:
            features[level] = int(layer.get("features") or 0)
            if layer.get("use_tiles"):
                tiled.add(level)
    return TileIndex(int(answer["tiles_above_features"]), features, frozenset(tiled), urls)


_CACHE: dict[tuple[str, str], tuple[Any, float]] = {}
_LOCK = threading.Lock()


def _cached(key: tuple[str, str], read: Callable[[], _T]) -> _T:
    """``read()``, kept under ``key`` for :data:`TTL_S`."""
    with _LOCK:
        cached = _CACHE.get(key)
        if cached and time.monotonic() - cached[1] < TTL_S:
            return cached[0]  # type: ignore[no-any-return]
    value = read()
    with _LOCK:
        _CACHE[key] = (value, time.monotonic())
    return value


def layer_of(geojson: dict[str, Any]) -> GridLayer:
    """Label points (inside each polygon) and the overall extent of a FeatureCollection."""
    labels: dict[str, tuple[str, float, float]] = {}
    geometries = []
    for feature in geojson.get("features", []):
        geometry = shape(feature["geometry"])
        point = geometry.representative_point()
        props = feature["properties"]
        labels[props["code"]] = (props.get("name") or props["code"], point.x, point.y)
        geometries.append(geometry)
    west, south, east, north = (float(v) for v in shapely.total_bounds(geometries))
    bbox = (west, south, east, north) if labels else (-180.0, -85.0, 180.0, 85.0)
    return GridLayer(geojson, labels, bbox)


def grid_layer(client: ApiClient, level: str) -> GridLayer:
    """The grids of ``level`` (``large``, ``medium``, ``small``), cached for :data:`TTL_S`."""
    return _cached(
        (client.base_url, level),
        lambda: layer_of(client.get("/api/grids", level=level, geometry="overview")),
    )


def tiles_of(client: ApiClient) -> TileIndex:
    """The API's tile index, cached for :data:`TTL_S` like the layers."""
    return _cached((client.base_url, "tiles"), lambda: tile_index_of(tile_index(client)))


def region_bbox(client: ApiClient) -> tuple[float, float, float, float]:
    """The extent of all grids (the large grids' collection extent), cached."""

    def read() -> tuple[float, float, float, float]:
        extent = client.get("/ogc/collections/grids_large")["extent"]["spatial"]["bbox"][0]
        return (extent[0], extent[1], extent[2], extent[3])

    return _cached((client.base_url, "extent"), read)
