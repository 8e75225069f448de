"""Vector tiles (Mapbox Vector Tile) of the grid layers and of the cases.

A province's small grids are too many for one GeoJSON layer; a map then asks for the tiles
it shows. PostGIS encodes a tile itself (``ST_AsMVTGeom`` / ``ST_AsMVT``); the embedded
store clips and snaps with shapely (:func:`geo.tiles.to_tile_coordinates`) and encodes with
``mapbox-vector-tile``: the same features, the same tile coordinates.

A grid tile holds the grids of one level whose exact polygon meets the tile, drawn in the
geometry band of the zoom and clipped to the tile plus :data:`~geo.tiles.TILE_BUFFER`; it is
cached like the whole layers (:mod:`api.gridlayers`) until the grids change. A case tile
holds the cases the caller may see (the case list's scope and filters) as points with
``status``, ``light`` (of the running stage, absent when none runs) and ``category``, and
the case id as the feature id: no reporter, description or address.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Final, Literal

import mapbox_vector_tile
import numpy as np
import shapely
from mapbox_vector_tile.encoder import on_invalid_geometry_make_valid
from sqlalchemy import Integer, LargeBinary, String, Text, cast, func, literal_column
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Session, col, select

from api.cases.formats import light_of
from api.cases.queries import CaseFilter, case_where
from api.collections import GeometryBand
from api.context import AppContext
from api.gridlayers import EncodedLayer, LayerCache
from api.grids import read_generation
from api.models import Grid, Incident
from api.settings import StoreKind
from api.store import SRID, bbox_overlaps
from api.workflow import Actor, WorkCalendar
from geo.levels import GridLevel
from geo.tiles import TILE_BUFFER, TILE_EXTENT, Tile, to_tile_coordinates

__all__ = [
    "GRID_TILE_LAYERS",
    "MVT_MEDIA_TYPE",
    "GridTileLayer",
    "band_at",
    "grid_tile",
    "incident_tile",
]

MVT_MEDIA_TYPE: Final = "application/vnd.mapbox-vector-tile"
MERCATOR: Final = 3857

GridTileLayer = Literal["grids_large", "grids_medium", "grids_small"]
GRID_TILE_LAYERS: Final[dict[str, GridLevel]] = {
    "grids_large": "large",
    "grids_medium": "medium",
    "grids_small": "small",
}
_BAND_COLUMN: Final = {"overview": "geom_overview", "detail": "geom_detail"}
_ENCODE_OPTIONS: Final = {
    "extents": TILE_EXTENT,
    "y_coord_down": True,
    "on_invalid_geometry": on_invalid_geometry_make_valid,
}


def band_at(zoom: int) -> GeometryBand:
    """The geometry band drawn at ``zoom`` (see :data:`geo.display.ZOOM_BANDS`)."""
    return "overview" if zoom <= 11 else "detail" if zoom <= 13 else "exact"


def _encode(layer: str, features: list[dict[str, Any]]) -> tuple[bytes, int]:
    """The features as a tile and how many (no bytes at all when none)."""
    if not features:
        return b"", 0
    body: bytes = mapbox_vector_tile.encode(
        {"name": layer, "features": features}, default_options=_ENCODE_OPTIONS
    )
    return body, len(features)


def _drawn(band: GeometryBand) -> Any:
    if band == "exact":
        return col(Grid.geom)
    return func.coalesce(getattr(Grid, _BAND_COLUMN[band]), Grid.geom)


_GRID_PROPERTIES: Final = ("code", "name", "parent_code", "households", "population")


def _grid_columns() -> list[Any]:
    return [getattr(Grid, name) for name in _GRID_PROPERTIES]


def _grid_tile_postgis(
    session: Session, layer: str, level: GridLevel, tile: Tile
) -> tuple[bytes, int]:
    envelope = func.ST_TileEnvelope(tile.z, tile.x, tile.y)
    drawn = func.ST_AsMVTGeom(
        func.ST_Transform(_drawn(band_at(tile.z)), MERCATOR),
        envelope,
        TILE_EXTENT,
        TILE_BUFFER,
        True,
    )
    rows = (
        select(*_grid_columns(), drawn.label("geom"))  # type: ignore[call-overload]
        .where(
            col(Grid.level) == level,
            bbox_overlaps("postgis", Grid, tile.lonlat),
            func.ST_Intersects(Grid.geom, func.ST_MakeEnvelope(*tile.lonlat, SRID)),
        )
        .order_by(col(Grid.code))
        .subquery("t")
    )
    return _mvt_of(session, rows, layer)


def _mvt_of(
    session: Session, rows: Any, layer: str, id_column: str | None = None
) -> tuple[bytes, int]:
    """``ST_AsMVT`` over the subquery ``t``, and its feature count (no bytes when none)."""
    options = [cast(layer, Text), TILE_EXTENT, cast("geom", Text)]
    if id_column:
        options.append(cast(id_column, Text))
    body, count = session.exec(
        select(
            func.ST_AsMVT(literal_column("t"), *options, type_=LargeBinary),
            func.count(rows.c.geom),
        ).select_from(rows)
    ).one()
    return (bytes(body), int(count)) if count else (b"", 0)


def _grid_tile_sqlite(
    session: Session, layer: str, level: GridLevel, tile: Tile
) -> tuple[bytes, int]:
    columns = [*_grid_columns(), col(Grid.geom), _drawn(band_at(tile.z)).label("drawn")]
    rows: Sequence[Any] = session.exec(
        select(*columns)
        .where(col(Grid.level) == level, bbox_overlaps("sqlite", Grid, tile.lonlat))
        .order_by(col(Grid.code))
    ).all()
    exact = np.array([row.geom for row in rows], dtype=object)
    meets = shapely.intersects(exact, shapely.box(*tile.lonlat))
    chosen = [row for row, hit in zip(rows, meets, strict=True) if hit]
    drawn = np.array([row.drawn for row in chosen], dtype=object)
    geometries = to_tile_coordinates(drawn, tile.z, tile.x, tile.y)
    features = [
        {
            "geometry": geometry,
            "properties": {name: getattr(row, name) for name in _GRID_PROPERTIES},
        }
        for row, geometry in zip(chosen, geometries, strict=True)
        if not geometry.is_empty
    ]
    return _encode(layer, features)


def grid_tile(
    session: Session, store: StoreKind, cache: LayerCache, *, layer: str, tile: Tile
) -> EncodedLayer:
    """The tile of grid layer ``layer`` (``grids_<level>``), cached for the grid generation."""
    generation = read_generation(session)
    key = (layer, *tile.key)
    cached = cache.get(generation, key)
    if cached is not None:
        return cached
    build = _grid_tile_postgis if store == "postgis" else _grid_tile_sqlite
    body, count = build(session, layer, GRID_TILE_LAYERS[layer], tile)
    return cache.put(generation, key, EncodedLayer.of(body, count=count))


@dataclass(frozen=True)
class _CaseMark:
    id: int
    status: str
    light: str | None
    category: str
    lon: float
    lat: float


def _case_marks(
    session: Session,
    context: AppContext,
    actor: Actor,
    filters: CaseFilter,
    now: datetime,
) -> list[_CaseMark]:
    columns = (
        Incident.id,
        Incident.status,
        Incident.category_code,
        Incident.urgent,
        Incident.stage,
        Incident.stage_started_at,
        Incident.stage_due_at,
        Incident.lon,
        Incident.lat,
    )
    rows: Sequence[Any] = session.exec(
        select(*[col(c) for c in columns])
        .where(*case_where(context, actor, filters, now=now))
        .order_by(col(Incident.id))
    ).all()
    calendar: WorkCalendar = context.calendar
    return [
        _CaseMark(
            row.id,
            str(row.status),
            light_of(row, calendar, now),
            row.category_code,
            row.lon,
            row.lat,
        )
        for row in rows
    ]


def _case_tile_postgis(
    session: Session, marks: Sequence[_CaseMark], tile: Tile
) -> tuple[bytes, int]:
    def array(values: list[Any], kind: Any) -> Any:
        return cast(values, ARRAY(kind))

    marked = (
        func.unnest(
            array([m.id for m in marks], Integer),
            array([m.status for m in marks], String),
            array([m.light for m in marks], String),
            array([m.category for m in marks], String),
        )
        .table_valued("id", "status", "light", "category")
        .render_derived(name="mark")
    )
    envelope = func.ST_TileEnvelope(tile.z, tile.x, tile.y)
    drawn = func.ST_AsMVTGeom(
        func.ST_Transform(Incident.geom, MERCATOR), envelope, TILE_EXTENT, TILE_BUFFER, True
    )
    picked: list[Any] = [marked.c.id, marked.c.status, marked.c.light, marked.c.category]
    rows = (
        select(*picked, drawn.label("geom"))  # type: ignore[call-overload]
        .join(Incident, col(Incident.id) == marked.c.id)
        .order_by(marked.c.id)
        .subquery("t")
    )
    return _mvt_of(session, rows, "incidents", id_column="id")


def _case_tile_sqlite(marks: Sequence[_CaseMark], tile: Tile) -> tuple[bytes, int]:
    points = shapely.points([(m.lon, m.lat) for m in marks])
    geometries = to_tile_coordinates(points, tile.z, tile.x, tile.y)
    features = [
        {
            "id": mark.id,
            "geometry": geometry,
            "properties": {"status": mark.status, "light": mark.light, "category": mark.category},
        }
        for mark, geometry in zip(marks, geometries, strict=True)
        if not geometry.is_empty
    ]
    return _encode("incidents", features)


def incident_tile(
    session: Session,
    context: AppContext,
    actor: Actor,
    filters: CaseFilter,
    tile: Tile,
    *,
    now: datetime,
) -> bytes:
    """The cases ``actor`` may see that match ``filters`` and lie in ``tile``, as a tile."""
    west, south, east, north = tile.lonlat
    if filters.bbox is not None:
        minx, miny, maxx, maxy = filters.bbox
        west, south, east, north = (
            max(west, minx),
            max(south, miny),
            min(east, maxx),
            min(north, maxy),
        )
        if west > east or south > north:
            return b""
    marks = _case_marks(
        session, context, actor, replace(filters, bbox=(west, south, east, north)), now
    )
    if not marks:
        return b""
    if context.db.store == "postgis":
        return _case_tile_postgis(session, marks, tile)[0]
    return _case_tile_sqlite(marks, tile)[0]
