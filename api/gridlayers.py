"""Grid layers as the API serves them: GeoJSON features of one level, pages, one grid."""

from __future__ import annotations

import json
from typing import Any, Literal

import shapely
from sqlmodel import Session, col, select

from api.exceptions import NotFound
from api.models import Grid
from api.paging import Page, PageMeta, fetch_page
from api.settings import StoreKind
from api.store import bbox_overlaps
from geo.levels import LEVEL_LABELS, GridLevel

__all__ = ["GEOJSON", "GeometryChoice", "grid_feature", "layer_page"]

GEOJSON = "application/geo+json"
GeometryChoice = Literal["exact", "overview", "detail"]
_GEOMETRY_COLUMN: dict[GeometryChoice, str] = {
    "exact": "geom",
    "overview": "geom_overview",
    "detail": "geom_detail",
}


def _geometry(grid: Grid, choice: GeometryChoice) -> Any:
    return getattr(grid, _GEOMETRY_COLUMN[choice]) or grid.geom


def _feature(grid: Grid, geometry_json: str, *, with_staff: bool = False) -> str:
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
    }
    if with_staff:
        properties["staff"] = grid.staff
    props = json.dumps(properties, ensure_ascii=False)
    code = json.dumps(grid.code)
    return f'{{"type":"Feature","id":{code},"geometry":{geometry_json},"properties":{props}}}'


def layer_page(
    session: Session,
    store: StoreKind,
    *,
    level: GridLevel,
    parent: str | None,
    bbox: tuple[float, float, float, float] | None,
    geometry: GeometryChoice,
    page: Page,
    links: Any,
) -> str:
    """One page of a grid layer as an encoded GeoJSON FeatureCollection.

    ``links(returned, matched) -> PageMeta`` builds the counts and links (the one paging path).
    """
    query = select(Grid).where(Grid.level == level)
    if parent:
        query = query.where(Grid.parent_code == parent)
    if bbox:
        query = query.where(bbox_overlaps(store, Grid, bbox))
    grids, matched = fetch_page(session, query.order_by(col(Grid.code)), page)
    geoms = [_geometry(g, geometry) for g in grids]
    encoded: list[str] = list(shapely.to_geojson(geoms)) if geoms else []
    features = ",".join(_feature(g, gj) for g, gj in zip(grids, encoded, strict=True))
    meta: PageMeta = links(len(grids), matched)
    head = json.dumps({"type": "FeatureCollection", **meta.as_dict()}, ensure_ascii=False)
    return f'{head[:-1]},"features":[{features}]}}'


def grid_feature(session: Session, code: str, geometry: GeometryChoice) -> str:
    """A single grid as an encoded GeoJSON Feature, with its staff (1+1+1+N)."""
    grid = session.get(Grid, code)
    if grid is None:
        raise NotFound(f"no grid with code {code!r}", field="code")
    return _feature(grid, shapely.to_geojson(_geometry(grid, geometry)), with_staff=True)
