"""Typed query-parameter dependencies that parse and raise domain errors."""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request
from fastapi.dependencies.models import Dependant
from pydantic import AwareDatetime, BeforeValidator

from api.context import AppContext
from api.deps import ContextDep
from api.exceptions import InvalidInput
from api.paging import MAX_OFFSET, Page
from geo.tiles import MAX_ZOOM, Tile

BBox = tuple[float, float, float, float]


def bbox_query(
    bbox: Annotated[
        str | None,
        Query(
            description="minLon,minLat,maxLon,maxLat (WGS84)", examples=["115.2,22.7,115.5,23.0"]
        ),
    ] = None,
) -> BBox | None:
    """Parse ``bbox=minx,miny,maxx,maxy`` with range and order checks."""
    if bbox is None:
        return None
    parts = bbox.split(",")
    if len(parts) != 4:
        raise InvalidInput("bbox", f"needs 4 comma-separated numbers, got {len(parts)}")
    try:
        minx, miny, maxx, maxy = (float(p) for p in parts)
    except ValueError:
        raise InvalidInput("bbox", f"{bbox!r} holds a value that is not a number") from None
    if not all(math.isfinite(v) for v in (minx, miny, maxx, maxy)):
        raise InvalidInput("bbox", "values must be finite numbers")
    if not (
        -180 <= minx <= 180 and -180 <= maxx <= 180 and -90 <= miny <= 90 and -90 <= maxy <= 90
    ):
        raise InvalidInput("bbox", "longitudes must lie in [-180, 180], latitudes in [-90, 90]")
    if minx > maxx or miny > maxy:
        raise InvalidInput("bbox", "min values must not exceed max values")
    return (minx, miny, maxx, maxy)


BBoxDep = Annotated[BBox | None, Depends(bbox_query)]


def tile_path(
    z: Annotated[int, Path(ge=0, le=MAX_ZOOM, description="Zoom level")],
    x: Annotated[int, Path(ge=0, le=2**MAX_ZOOM - 1, description="Column, from the west")],
    y: Annotated[int, Path(ge=0, le=2**MAX_ZOOM - 1, description="Row, from the north")],
) -> Tile:
    """A Web-Mercator tile address: x and y must lie in ``0 … 2**z - 1``."""
    last = 2**z - 1
    for name, value in (("x", x), ("y", y)):
        if value > last:
            raise InvalidInput(f"path.{name}", f"{value} is outside zoom {z}: use 0 to {last}")
    return Tile(z, x, y)


TileDep = Annotated[Tile, Depends(tile_path)]


MAX_ID = 2**31 - 1
"""The largest id a store can hold (INTEGER keys, 32-bit on PostGIS); larger path ids are
refused, not looked up."""


def IdPath(name: str) -> Any:  # noqa: N802 - used like FastAPI's Path
    """A positive database id in the path, within what the stores can hold."""
    return Path(ge=1, le=MAX_ID, description=f"The {name.replace('_', ' ')}")


def _page(context: AppContext, limit: int | None, offset: int, *, default: int) -> Page:
    """A limit above the configured cap gets the cap: not an error (OGC API Features)."""
    return Page(limit=min(limit or default, context.settings.items_limit_max), offset=offset)


LimitQuery = Annotated[
    int | None,
    Query(ge=1, le=2**31 - 1, description="Items per page; above the server's cap, the cap"),
]
OffsetQuery = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Items to skip")]


def page_query(context: ContextDep, limit: LimitQuery = None, offset: OffsetQuery = 0) -> Page:
    """Limit (default and cap from settings) and offset."""
    return _page(context, limit, offset, default=context.settings.items_limit_default)


def layer_page_query(
    context: ContextDep, limit: LimitQuery = None, offset: OffsetQuery = 0
) -> Page:
    """Like :func:`page_query`, but a whole layer (up to the cap) by default."""
    return _page(context, limit, offset, default=context.settings.items_limit_max)


PageDep = Annotated[Page, Depends(page_query)]
LayerPageDep = Annotated[Page, Depends(layer_page_query)]


def _query_names(dependant: Dependant) -> set[str]:
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def reject_unknown_query(request: Request) -> None:
    """Refuse query parameters the route does not declare (a typo is an error, not ignored)."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    known = _query_names(dependant)
    unknown = [name for name in request.query_params if name not in known]
    if unknown:
        expected = ", ".join(sorted(known)) or "none"
        raise InvalidInput(
            f"query.{unknown[0]}", f"unknown query parameter {unknown[0]!r}; expected: {expected}"
        )


_ISO_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}(:?\d{2})?)?)?$")


def _iso_text(value: object) -> object:
    """Only ISO 8601 text is a time here (no bare numbers read as Unix timestamps)."""
    if isinstance(value, str) and not _ISO_DATE_TIME.match(value):
        raise ValueError("an ISO 8601 date or time, e.g. 2026-11-01 or 2026-11-01T08:00+08:00")
    if not isinstance(value, str | datetime):
        raise ValueError("an ISO 8601 date or time")
    return value


IsoDateTime = Annotated[datetime, BeforeValidator(_iso_text)]
"""A date or time given as ISO 8601 text (a time without a zone is read as local)."""

IsoAwareDateTime = Annotated[AwareDatetime, BeforeValidator(_iso_text)]
"""A time with its UTC offset, given as ISO 8601 text."""
