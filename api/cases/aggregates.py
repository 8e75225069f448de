"""The aggregated map: counts of the filtered cases per grid or per cluster, as point features.

When a map would receive more points than it can draw, it receives counts instead: per
grid of a level (on the grid's label point), or per cluster, the cases falling in one cell
of a square grid whose size follows the map's zoom (on the cases' mean point). Both read
the one filter of the case list (:func:`~api.cases.queries.case_where`), and the cell
arithmetic runs in SQL (:func:`api.store.cell_centre`), so only the counts travel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Final, Literal

from sqlalchemy import func
from sqlmodel import Session, col, select

from api.cases.queries import CaseFilter, case_where
from api.context import AppContext
from api.models import Grid, Incident
from api.store import cell_centre
from api.workflow import Actor
from geo.levels import GridLevel

__all__ = [
    "CELLS_PER_TILE",
    "MAX_ZOOM",
    "ClusterGrid",
    "cases_extent",
    "MapAggregate",
    "cluster_counts",
    "cluster_grid",
    "grid_counts",
]

MapAggregate = Literal["small", "medium", "large", "cluster"]
"""The aggregated forms of a map query: counts per grid of a level, or per cluster."""

CELLS_PER_TILE: Final = 4
"""Cluster cells across one 256-pixel web map tile: a cell is 64 pixels wide."""
MAX_ZOOM: Final = 22
COORD_DIGITS: Final = 6


@dataclass(frozen=True)
class ClusterGrid:
    """The square cells clusters are counted in: the zoom they suit and their side."""

    zoom: int
    size: float
    """The cell side in degrees."""


def _cell_size(zoom: int) -> float:
    return 360.0 / (2**zoom * CELLS_PER_TILE)


def _cells_over(extent: tuple[float, float, float, float], size: float) -> int:
    minx, miny, maxx, maxy = extent
    across = math.floor(maxx / size) - math.floor(minx / size) + 1
    down = math.floor(maxy / size) - math.floor(miny / size) + 1
    return across * down


def cluster_grid(zoom: int, extent: tuple[float, float, float, float], cap: int) -> ClusterGrid:
    """The cells for a map at ``zoom``, coarsened until ``extent`` holds at most ``cap`` of them.

    The bound is on the cells the extent can hold, so a map never receives more than
    ``cap`` clusters, however the cases lie.
    """
    zoom = max(0, min(zoom, MAX_ZOOM))
    while zoom > 0 and _cells_over(extent, _cell_size(zoom)) > cap:
        zoom -= 1
    return ClusterGrid(zoom=zoom, size=_cell_size(zoom))


def cases_extent(
    session: Session, bbox: tuple[float, float, float, float] | None
) -> tuple[float, float, float, float]:
    """Where the cases can lie: the small grids' extent, within ``bbox`` if one is given."""
    bounds = session.exec(
        select(
            func.min(Grid.minx), func.min(Grid.miny), func.max(Grid.maxx), func.max(Grid.maxy)
        ).where(col(Grid.level) == "small")
    ).one()
    if bounds[0] is None:
        return bbox or (-180.0, -90.0, 180.0, 90.0)
    if bbox is None:
        return tuple(float(v) for v in bounds)  # type: ignore[return-value]
    return (
        max(bbox[0], bounds[0]),
        max(bbox[1], bounds[1]),
        max(min(bbox[2], bounds[2]), max(bbox[0], bounds[0])),
        max(min(bbox[3], bounds[3]), max(bbox[1], bounds[1])),
    )


def cluster_counts(
    session: Session,
    context: AppContext,
    actor: Actor,
    filters: CaseFilter,
    cells: ClusterGrid,
) -> list[dict[str, Any]]:
    """How many of the filtered cases lie in each cell of ``cells``, as point features.

    Each feature sits on the mean point of its cases and says the count and the cell
    (``[minx, miny, maxx, maxy]``); features come west to east, then south to north.
    """
    x, y = cell_centre(context.db.store, Incident, cells.size)
    snapped = (
        select(x.label("x"), y.label("y"), col(Incident.lon), col(Incident.lat))
        .where(*case_where(context, actor, filters))
        .subquery()
    )
    rows = session.exec(
        select(  # type: ignore[call-overload]
            snapped.c.x,
            snapped.c.y,
            func.count(),
            func.avg(snapped.c.lon),
            func.avg(snapped.c.lat),
        ).group_by(snapped.c.x, snapped.c.y)
    ).all()
    # sorted here: an ORDER BY makes PostgreSQL sort every case to group them (3× slower)
    rows = sorted(rows)
    half = cells.size / 2
    return [
        {
            "type": "Feature",
            "geometry": {
                "type": "Point",
                "coordinates": [round(lon, COORD_DIGITS), round(lat, COORD_DIGITS)],
            },
            "properties": {
                "count": count,
                "cell": [round(v, 9) for v in (cx - half, cy - half, cx + half, cy + half)],
            },
        }
        for cx, cy, count, lon, lat in rows
    ]


def grid_counts(
    session: Session,
    context: AppContext,
    actor: Actor,
    filters: CaseFilter,
    level: GridLevel,
) -> list[dict[str, Any]]:
    """How many of the filtered cases lie in each grid of ``level``, as point features.

    Each feature sits on the grid's label point and says the grid's code, name and count.
    """
    code = col(getattr(Incident, f"{level}_code"))
    counted = (
        select(code.label("code"), func.count().label("count"))
        .where(*case_where(context, actor, filters))
        .group_by(code)
        .subquery()
    )
    rows = session.exec(
        select(  # type: ignore[call-overload]
            col(Grid.code),
            col(Grid.name),
            col(Grid.label_lon),
            col(Grid.label_lat),
            counted.c.count,
        )
        .join(counted, counted.c.code == col(Grid.code))
        .order_by(col(Grid.code))
    ).all()
    return [
        {
            "type": "Feature",
            "id": grid_code,
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"grid": grid_code, "level": level, "name": name, "count": count},
        }
        for grid_code, name, lon, lat, count in rows
    ]
