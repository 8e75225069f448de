"""Grid layers as the API serves them: whole levels encoded once and cached, pages, one grid.

A whole level in one geometry band is the map's base layer, asked for on every page load.
It is encoded once per grid generation (:func:`api.grids.read_generation`), gzipped once,
and kept with an ETag; an import bumps the generation and the next request builds afresh.
Pages and filtered requests go through the registry's :func:`api.collections.items_page`.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import shapely
from sqlalchemy import func
from sqlmodel import Session, col, select

from api.collections import COLLECTIONS, GeometryBand, ItemQuery, items_page
from api.exceptions import NotFound
from api.grids import read_generation
from api.models import Grid
from api.paging import Page, page_links
from api.settings import StoreKind
from geo.levels import LEVEL_LABELS, GridLevel

__all__ = [
    "GEOJSON",
    "EncodedLayer",
    "GeometryChoice",
    "LayerCache",
    "grid_feature",
    "whole_layer",
]

GEOJSON = "application/geo+json"
GeometryChoice = GeometryBand


@dataclass(frozen=True)
class EncodedLayer:
    """A whole level, encoded: the GeoJSON body, its gzip form and its ETag."""

    body: bytes
    gzipped: bytes
    etag: str
    count: int

    @classmethod
    def of(cls, body: str | bytes, *, count: int) -> EncodedLayer:
        """Encode, compress and tag ``body`` once."""
        raw = body.encode() if isinstance(body, str) else body
        digest = hashlib.blake2b(raw, digest_size=12).hexdigest()
        return cls(raw, gzip.compress(raw, compresslevel=6, mtime=0), f'"{digest}"', count)


class LayerCache:
    """The encoded layers of one process, for the current grid generation only.

    With ``max_entries``, the oldest entries are dropped beyond that many (vector tiles).
    """

    def __init__(self, max_entries: int | None = None) -> None:
        self._lock = threading.Lock()
        self._generation: str | None = None
        self._layers: dict[tuple[str, ...], EncodedLayer] = {}
        self._max_entries = max_entries

    def get(self, generation: str, key: tuple[str, ...]) -> EncodedLayer | None:
        """The cached layer of ``key`` if it was built for ``generation``."""
        if generation != self._generation:
            return None
        return self._layers.get(key)

    def get_or_build(
        self, generation: str, key: tuple[str, ...], build: Callable[[], EncodedLayer]
    ) -> EncodedLayer:
        """The cached layer, built once under a lock (older generations are dropped)."""
        with self._lock:
            if generation != self._generation:
                self._layers.clear()
                self._generation = generation
            layer = self._layers.get(key)
            if layer is None:
                layer = self._store(key, build())
            return layer

    def put(self, generation: str, key: tuple[str, ...], layer: EncodedLayer) -> EncodedLayer:
        """Keep ``layer``, built outside the lock (other keys build meanwhile)."""
        with self._lock:
            if generation != self._generation:
                self._layers.clear()
                self._generation = generation
            return self._store(key, layer)

    def _store(self, key: tuple[str, ...], layer: EncodedLayer) -> EncodedLayer:
        self._layers[key] = layer
        if self._max_entries is not None:
            while len(self._layers) > self._max_entries:
                del self._layers[next(iter(self._layers))]
        return layer


def whole_layer(
    session: Session,
    store: StoreKind,
    cache: LayerCache,
    *,
    level: GridLevel,
    band: GeometryBand,
    base_url: str,
    limit: int,
) -> EncodedLayer | None:
    """Every grid of ``level`` in ``band``, cached, or None if more than ``limit`` of them.

    Its ``self`` link is the canonical URL of the layer (level and band, no paging).
    """
    generation = read_generation(session)
    key = (level, band, base_url)
    layer = cache.get(generation, key)
    if layer is None:
        count = session.exec(
            select(func.count()).select_from(Grid).where(col(Grid.level) == level)
        ).one()
        if count > limit:
            return None
        self_url = f"{base_url}/api/grids?{urlencode({'level': level, 'geometry': band})}"
        page = Page(limit=max(count, 1), offset=0)

        def build() -> EncodedLayer:
            body = items_page(
                session,
                store,
                COLLECTIONS[f"grids_{level}"],
                ItemQuery(page=page, band=band),
                links=lambda returned, matched: page_links(
                    self_url, page, returned=returned, matched=matched, media_type=GEOJSON
                ),
            )
            return EncodedLayer.of(body, count=count)

        layer = cache.get_or_build(generation, key, build)
    return layer if layer.count <= limit else None


def _band_geometry(grid: Grid, band: GeometryBand) -> Any:
    column = {"exact": "geom", "overview": "geom_overview", "detail": "geom_detail"}[band]
    return getattr(grid, column) or grid.geom


def grid_feature(session: Session, code: str, geometry: GeometryBand) -> str:
    """A single grid as an encoded GeoJSON Feature, with its staff (1+1+1+N)."""
    grid = session.get(Grid, code)
    if grid is None:
        raise NotFound(f"no grid with code {code!r}", field="code")
    properties: dict[str, Any] = {
        "code": grid.code,
        "name": grid.name,
        "level": grid.level,
        "level_label": LEVEL_LABELS[grid.level],  # type: ignore[index]
        "parent_code": grid.parent_code,
        "households": grid.households,
        "population": grid.population,
        "area_km2": round(grid.area_m2 / 1e6, 4),
        "label": [grid.label_lon, grid.label_lat],
        "staff": grid.staff,
    }
    geometry_json = shapely.to_geojson(_band_geometry(grid, geometry))
    props = json.dumps(properties, ensure_ascii=False)
    return f'{{"type":"Feature","id":{json.dumps(grid.code)},"geometry":{geometry_json},' + (
        f'"properties":{props}}}'
    )
