"""Vector tiles over HTTP: the tile index a map reads first, grid tiles, case tiles."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from api.collections import COLLECTIONS
from api.deps import PUBLIC, ContextDep, QueryTokenReader, SessionDep
from api.grids import level_counts
from api.http.urls import base_url
from api.models import utcnow
from api.params import TileDep
from api.routers.grids import layer_response
from api.routers.incidents import CaseFilterDep
from api.tiles import GRID_TILE_LAYERS, MVT_MEDIA_TYPE, GridTileLayer, grid_tile, incident_tile
from geo.tiles import MAX_ZOOM

router = APIRouter(prefix="/tiles", tags=["tiles"])

_TILE_PATH = "/{z}/{x}/{y}.mvt"
_TILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A Mapbox Vector Tile (empty when no feature lies in the tile)",
        "content": {MVT_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
    },
}


class TileLayerInfo(BaseModel):
    """One layer a map can draw from tiles."""

    id: str = Field(description="The layer's name, in the URL and inside the tiles")
    title: str
    features: int | None = Field(
        description="Features in the whole layer (cases: null, it depends on who asks)"
    )
    use_tiles: bool | None = Field(
        description="More features than tiles_above_features: draw from tiles, not GeoJSON"
    )
    tiles: list[str] = Field(description="The tile URL template ({z}/{x}/{y})")
    minzoom: int = 0
    maxzoom: int = MAX_ZOOM


class TileIndex(BaseModel):
    """What a map needs to choose between GeoJSON and tiles, and where the tiles are."""

    tiles_above_features: int = Field(
        description="A layer with more features than this is drawn from vector tiles"
    )
    basemap: str | None = Field(description="Basemap XYZ tile URL; null: the grids are the map")
    layers: list[TileLayerInfo]


@router.get("", summary="The vector tile layers and when to use them", dependencies=PUBLIC)
def tile_index(request: Request, session: SessionDep, context: ContextDep) -> TileIndex:
    """The tile layers with their URL templates and sizes, and the configured switch-over.

    A map asks for a layer as GeoJSON while it has at most ``tiles_above_features``
    features (``MINQING_TILES_ABOVE_FEATURES``), and for tiles above that.
    """
    above = context.settings.tiles_above_features
    counts = level_counts(session)
    root = f"{base_url(request)}/api/tiles"
    layers = [
        TileLayerInfo(
            id=name,
            title=COLLECTIONS[name].title,
            features=counts[level],
            use_tiles=counts[level] > above,
            tiles=[f"{root}/{name}{_TILE_PATH}"],
        )
        for name, level in GRID_TILE_LAYERS.items()
    ]
    layers.append(
        TileLayerInfo(
            id="incidents",
            title=COLLECTIONS["incidents"].title,
            features=None,
            use_tiles=None,
            tiles=[f"{root}/incidents{_TILE_PATH}"],
        )
    )
    return TileIndex(
        tiles_above_features=above, basemap=context.settings.tile_url or None, layers=layers
    )


@router.get(
    "/incidents" + _TILE_PATH,
    summary="Cases as a vector tile",
    response_class=Response,
    responses=_TILE_RESPONSES,
)
def incidents_tile(
    tile: TileDep,
    session: SessionDep,
    context: ContextDep,
    principal: QueryTokenReader,
    filters: CaseFilterDep,
) -> Response:
    """The cases visible to the caller in the tile, with the case list's filters.

    The token may come as ``access_token`` in the query: a map's tile requests send no
    headers.

    Points in layer ``incidents``: the case id as feature id, ``status``, ``light`` (absent
    when no stage runs) and ``category``; no reporter, description or address.
    """
    body = incident_tile(session, context, principal, filters, tile, now=utcnow())
    return Response(body, media_type=MVT_MEDIA_TYPE, headers={"Cache-Control": "private, no-store"})


@router.get(
    "/{layer}" + _TILE_PATH,
    summary="Grid polygons of one level as a vector tile",
    response_class=Response,
    responses={**_TILE_RESPONSES, 304: {"description": "Not modified (ETag)"}},
    dependencies=PUBLIC,
)
def grids_tile(
    layer: GridTileLayer, tile: TileDep, request: Request, session: SessionDep, context: ContextDep
) -> Response:
    """The grids of one level that meet the tile, clipped to it (with a small buffer).

    Properties ``code``, ``name``, ``parent_code``, ``households``, ``population``; drawn
    simplified below zoom 14 (the geometry bands of ``/api/grids``). Cached per grid import
    with an ``ETag`` (``304`` on ``If-None-Match``) and gzip when the client accepts it.
    """
    encoded = grid_tile(session, context.db.store, context.grid_tiles, layer=layer, tile=tile)
    return layer_response(request, encoded, media_type=MVT_MEDIA_TYPE)
