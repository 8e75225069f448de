"""A grid level with its case figures (count, open, overdue), written as a GeoPackage."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
from sqlalchemy import Integer, and_, case, func, or_
from sqlmodel import Session, col, select

from api.cases.queries import CaseFilter, case_where
from api.context import AppContext
from api.models import Grid, Incident, utcnow
from api.workflow import OPEN_STATUSES, Actor
from geo.levels import GridLevel

__all__ = ["GPKG_MEDIA_TYPE", "grid_figures", "write_grid_figures"]

GPKG_MEDIA_TYPE = "application/geopackage+sqlite3"
FIGURES = ("cases", "open", "overdue")


def _sum_of(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0).cast(Integer)


def grid_figures(
    session: Session,
    context: AppContext,
    actor: Actor,
    filters: CaseFilter,
    level: GridLevel,
    *,
    now: datetime | None = None,
) -> dict[str, dict[str, int]]:
    """Per grid code of ``level``: the filtered cases, those open, and those overdue.

    Overdue counts a case that was ever overdue, or is open past its stage's due time.
    """
    now = now or utcnow()
    code = col(getattr(Incident, f"{level}_code"))
    is_open = col(Incident.status).in_(OPEN_STATUSES)
    overdue = or_(col(Incident.ever_overdue), and_(is_open, col(Incident.stage_due_at) < now))
    rows = session.exec(
        select(code, func.count(), _sum_of(is_open), _sum_of(overdue))
        .where(*case_where(context, actor, filters, now=now))
        .group_by(code)
    ).all()
    return {grid: dict(zip(FIGURES, values, strict=True)) for grid, *values in rows}


def write_grid_figures(
    session: Session,
    context: AppContext,
    actor: Actor,
    filters: CaseFilter,
    level: GridLevel,
    path: Path,
) -> int:
    """Write every grid of ``level`` with its figures to a GeoPackage; how many grids."""
    figures = grid_figures(session, context, actor, filters, level)
    grids = session.exec(
        select(Grid).where(col(Grid.level) == level).order_by(col(Grid.code))
    ).all()
    empty = dict.fromkeys(FIGURES, 0)
    frame = gpd.GeoDataFrame(
        [
            {
                "code": g.code,
                "name": g.name,
                "parent_code": g.parent_code,
                "households": g.households,
                **figures.get(g.code, empty),
            }
            for g in grids
        ],
        columns=["code", "name", "parent_code", "households", *FIGURES],
        geometry=[g.geom for g in grids],
        crs="EPSG:4326",
    )
    frame.to_file(path, driver="GPKG", layer=f"grids_{level}", engine="pyogrio")
    return len(frame)
