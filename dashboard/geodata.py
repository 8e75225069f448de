"""Grid shapes the dashboard draws itself: large-grid outlines and label points per level.

Read once per process from the API's cached layers (overview band) and kept, keyed by the
API base and level; a grid import on the server shows after :data:`TTL_S`.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from shapely.geometry import shape

from dashboard.client import ApiClient

TTL_S = 600.0


@dataclass(frozen=True)
class GridLayer:
    """One level's features (overview band) and a label point per grid code."""

    geojson: dict[str, Any]
    labels: dict[str, tuple[str, float, float]]
    bbox: tuple[float, float, float, float]


_CACHE: dict[tuple[str, str], tuple[GridLayer, float]] = {}
_LOCK = threading.Lock()


def layer_of(geojson: dict[str, Any]) -> GridLayer:
    """Label points (inside each polygon) and the overall extent of a FeatureCollection."""
    labels: dict[str, tuple[str, float, float]] = {}
    west = south = float("inf")
    east = north = float("-inf")
    for feature in geojson.get("features", []):
        geometry = shape(feature["geometry"])
        point = geometry.representative_point()
        props = feature["properties"]
        labels[props["code"]] = (props.get("name") or props["code"], point.x, point.y)
        minx, miny, maxx, maxy = geometry.bounds
        west, south, east, north = (
            min(west, minx),
            min(south, miny),
            max(east, maxx),
            max(north, maxy),
        )
    bbox = (west, south, east, north) if labels else (-180.0, -85.0, 180.0, 85.0)
    return GridLayer(geojson, labels, bbox)


def grid_layer(client: ApiClient, level: str) -> GridLayer:
    """The grids of ``level`` (``large``, ``medium``, ``small``), cached for :data:`TTL_S`."""
    key = (client.base_url, level)
    with _LOCK:
        cached = _CACHE.get(key)
        if cached and time.monotonic() - cached[1] < TTL_S:
            return cached[0]
    layer = layer_of(client.get("/api/grids", level=level, geometry="overview"))
    with _LOCK:
        _CACHE[key] = (layer, time.monotonic())
    return layer
