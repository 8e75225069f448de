"""Grid polygons as GeoJSON (OGC-items style paging)."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

import shapely
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import func
from sqlmodel import col, select

from api.deps import ContextDep, SessionDep
from api.errors import InvalidInput, NotFound
from api.http.urls import request_url
from api.models import GRID_LEVEL_LABELS, Grid
from api.params import BBoxDep
from api.store import bbox_overlaps
from geo.crs import SUPPORTED_POINT_CRS, UnsupportedCRSError, to_wgs84

router = APIRouter(prefix="/grids", tags=["grids"])

GeometryChoice = Literal["exact", "overview", "detail"]
GEOJSON = "application/geo+json"


def _feature(grid: Grid, geometry_json: str, *, with_staff: bool = False) -> str:
    properties: dict[str, Any] = {
        "code": grid.code,
        "name": grid.name,
        "level": grid.level,
        "level_label": GRID_LEVEL_LABELS[grid.level],
        "parent_code": grid.parent_code,
        "households": grid.households,
        "population": grid.population,
        "area_km2": round(grid.area_m2 / 1e6, 4),
        "label": [grid.label_lon, grid.label_lat],
    }
    if with_staff:
        properties["staff"] = grid.staff
    props = json.dumps(properties, ensure_ascii=False)
    return (
        f'{{"type":"Feature","id":"{grid.code}","geometry":{geometry_json},"properties":{props}}}'
    )


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
    level: Annotated[Literal["large", "medium", "small"], Query(description="大/中/小网格")],
    parent: Annotated[str | None, Query(description="Only children of this grid code")] = None,
    geometry: Annotated[
        GeometryChoice, Query(description="exact, or a simplified display band")
    ] = "exact",
    limit: Annotated[int | None, Query(ge=1)] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    """Every grid of ``level`` (default: all of them, up to the configured cap)."""
    cap = context.settings.items_limit_max
    if limit is not None and limit > cap:
        raise InvalidInput("limit", f"must be at most {cap}")
    limit = limit or cap
    where = [Grid.level == level]
    if parent:
        where.append(Grid.parent_code == parent)
    if bbox:
        where.append(
            bbox_overlaps(
                context.db.store,
                geom=Grid.geom,  # type: ignore[arg-type]
                bbox_columns=(Grid.minx, Grid.miny, Grid.maxx, Grid.maxy),  # type: ignore[arg-type]
                bbox=bbox,
            )
        )
    matched = session.exec(select(func.count()).select_from(Grid).where(*where)).one()
    grids = session.exec(
        select(Grid).where(*where).order_by(col(Grid.code)).offset(offset).limit(limit)
    ).all()
    column = {"exact": "geom", "overview": "geom_overview", "detail": "geom_detail"}[geometry]
    geoms = [getattr(g, column) or g.geom for g in grids]
    geometry_json: list[str] = list(shapely.to_geojson(geoms)) if geoms else []
    features = ",".join(_feature(g, gj) for g, gj in zip(grids, geometry_json, strict=True))
    links = _links(request, offset=offset, limit=limit, returned=len(grids), matched=matched)
    body = (
        f'{{"type":"FeatureCollection","numberMatched":{matched},'
        f'"numberReturned":{len(grids)},"links":{json.dumps(links)},"features":[{features}]}}'
    )
    return Response(body, media_type=GEOJSON)


def _links(
    request: Request, *, offset: int, limit: int, returned: int, matched: int
) -> list[dict[str, str]]:
    url = request_url(request)  # on MINQING_PUBLIC_URL or a trusted host, never any Host
    links = [{"rel": "self", "type": GEOJSON, "href": str(url)}]
    if offset + returned < matched:
        href = url.include_query_params(offset=offset + limit, limit=limit)
        links.append({"rel": "next", "type": GEOJSON, "href": str(href)})
    if offset > 0:
        href = url.include_query_params(offset=max(0, offset - limit), limit=limit)
        links.append({"rel": "prev", "type": GEOJSON, "href": str(href)})
    return links


@router.get("/locate", summary="Which small / medium / large grid a point falls in")
def locate(
    session: SessionDep,
    context: ContextDep,
    lon: Annotated[float, Query(allow_inf_nan=False)],
    lat: Annotated[float, Query(allow_inf_nan=False)],
    crs: Annotated[str, Query(description=f"one of {', '.join(SUPPORTED_POINT_CRS)}")] = "wgs84",
) -> dict[str, object]:
    """Assign one point to its grids, converting from GCJ-02 / BD-09 if asked."""
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
    grid = session.get(Grid, code)
    if grid is None:
        raise NotFound(f"no grid with code {code!r}", field="code")
    geom = (
        getattr(
            grid, {"exact": "geom", "overview": "geom_overview", "detail": "geom_detail"}[geometry]
        )
        or grid.geom
    )
    return Response(_feature(grid, shapely.to_geojson(geom), with_staff=True), media_type=GEOJSON)
