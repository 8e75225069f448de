"""Typed query-parameter dependencies that parse and raise domain errors."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query

from api.deps import ContextDep
from api.errors import InvalidInput

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


@dataclass(frozen=True)
class Page:
    """Limit and offset, capped by the settings."""

    limit: int
    offset: int


def page_query(
    context: ContextDep,
    limit: Annotated[int | None, Query(ge=1, description="Items per page")] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page:
    """Limit (default and cap from settings) and offset."""
    settings = context.settings
    if limit is not None and limit > settings.items_limit_max:
        raise InvalidInput("limit", f"must be at most {settings.items_limit_max}")
    return Page(limit=limit or settings.items_limit_default, offset=offset)


PageDep = Annotated[Page, Depends(page_query)]
