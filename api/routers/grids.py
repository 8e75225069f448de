"""Grid polygons over HTTP: a level as GeoJSON, one grid, which grids hold a point."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.deps import PUBLIC, ContextDep, SessionDep
from api.exceptions import InvalidInput, NotFound
from api.gridlayers import GEOJSON, GeometryChoice, grid_feature, layer_page
from api.http.urls import request_url
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
    responses={200: {"content": {GEOJSON: {}}}},
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
    """Every grid of ``level`` (default: all of them, up to the configured cap)."""
    body = layer_page(
        session,
        context.db.store,
        level=level,
        parent=parent,
        bbox=bbox,
        geometry=geometry,
        page=page,
        links=lambda returned, matched: page_links(
            str(request_url(request)), page, returned=returned, matched=matched, media_type=GEOJSON
        ),
    )
    return Response(body, media_type=GEOJSON)


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
