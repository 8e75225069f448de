"""Grid polygons over HTTP: a level as GeoJSON, one grid, which grids hold a point."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.collections import COLLECTIONS, ItemQuery, items_page
from api.deps import PUBLIC, ContextDep, SessionDep
from api.exceptions import InvalidInput, NotFound
from api.gridlayers import GEOJSON, EncodedLayer, GeometryChoice, grid_feature, whole_layer
from api.http.urls import base_url, request_url
from api.paging import page_links
from api.params import BBoxDep, LayerPageDep
from geo.crs import UnsupportedCRSError, to_wgs84
from geo.levels import GridLevel

router = APIRouter(prefix="/grids", tags=["grids"], dependencies=PUBLIC)

GridCode = Annotated[str, Query(max_length=20, pattern=r"^[0-9]{6,20}$")]


@router.get(
    "",
    summary="Grid polygons of one level as a GeoJSON FeatureCollection",
    response_class=Response,
    responses={200: {"content": {GEOJSON: {}}}, 304: {"description": "Not modified (ETag)"}},
)
def list_grids(
    request: Request,
    session: SessionDep,
    context: ContextDep,
    bbox: BBoxDep,
    page: LayerPageDep,
    level: Annotated[GridLevel, Query(description="大/中/小网格")],
    parent: Annotated[
        str | None, Query(max_length=20, description="Only children of this grid")
    ] = None,
    geometry: Annotated[
        GeometryChoice, Query(description="exact, or a simplified display band")
    ] = "exact",
) -> Response:
    """Every grid of ``level`` (default: all of them, up to the configured cap).

    A whole level is encoded once per grid import and served with an ``ETag`` (``304`` on
    ``If-None-Match``) and gzip when the client accepts it; its ``self`` link names the
    level and band only. Filtered requests and pages are read through the collection
    registry, the same path as ``/ogc/collections/grids_{level}/items``.
    """
    store = context.db.store
    if parent is None and bbox is None and page.offset == 0:
        layer = whole_layer(
            session,
            store,
            context.grid_layers,
            level=level,
            band=geometry,
            base_url=base_url(request),
            limit=page.limit,
        )
        if layer is not None:
            return layer_response(request, layer)
    body = items_page(
        session,
        store,
        COLLECTIONS[f"grids_{level}"],
        ItemQuery(
            page=page,
            bbox=bbox,
            properties={"parent_code": parent} if parent else {},
            band=geometry,
        ),
        links=lambda returned, matched: page_links(
            str(request_url(request)), page, returned=returned, matched=matched, media_type=GEOJSON
        ),
    )
    return Response(body, media_type=GEOJSON)


def layer_response(request: Request, layer: EncodedLayer, media_type: str = GEOJSON) -> Response:
    """The cached layer (or tile): 304 when the client has it, gzip when it accepts gzip."""
    headers = {"ETag": layer.etag, "Cache-Control": "no-cache", "Vary": "Accept-Encoding"}
    if _matches(request.headers.get("if-none-match", ""), layer.etag):
        return Response(status_code=304, headers=headers)
    if _accepts_gzip(request.headers.get("accept-encoding", "")):
        headers["Content-Encoding"] = "gzip"
        return Response(layer.gzipped, media_type=media_type, headers=headers)
    return Response(layer.body, media_type=media_type, headers=headers)


def _matches(if_none_match: str, etag: str) -> bool:
    tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return "*" in tags or etag in tags


def _accepts_gzip(accept_encoding: str) -> bool:
    for part in accept_encoding.lower().split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip() in ("gzip", "*"):
            return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


@router.get("/locate", summary="Which small / medium / large grid a point falls in")
def locate(
    session: SessionDep,
    context: ContextDep,
    lon: Annotated[float, Query(ge=-180, le=180, allow_inf_nan=False)],
    lat: Annotated[float, Query(ge=-90, le=90, allow_inf_nan=False)],
    crs: Annotated[
        str,
        Query(
            pattern=r"^(?i:wgs84|gcj02|bd09|epsg:[0-9]{4,6})$",
            description="wgs84, gcj02, bd09 or EPSG:nnnn (e.g. a CGCS2000 Gauss-Krüger zone)",
        ),
    ] = "wgs84",
) -> dict[str, object]:
    """Assign one point to its grids, converting from GCJ-02 / BD-09 / EPSG if asked."""
    try:
        x, y = to_wgs84(lon, lat, crs)
    except UnsupportedCRSError as exc:
        raise InvalidInput("crs", str(exc)) from None
    index = context.grid_index.get(session)
    found = index.assign_one(float(x), float(y)) if index else None
    if found is None:
        raise NotFound(f"point ({lon}, {lat}) in {crs} lies outside every grid", field="lon,lat")
    small, medium, large = found
    return {
        "lon": float(x),
        "lat": float(y),
        "grid": {"small": small, "medium": medium, "large": large},
    }


@router.get("/{code}", summary="One grid with its staff", response_class=Response)
def get_grid(
    code: str,
    session: SessionDep,
    geometry: Annotated[GeometryChoice, Query()] = "exact",
) -> Response:
    """A single grid as a GeoJSON Feature, with its staff (1+1+1+N)."""
    return Response(grid_feature(session, code, geometry), media_type=GEOJSON)
