"""Grid layers in the store: write a level all-or-nothing, read it back, index it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

import geopandas as gpd
import shapely
from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from api.models import AppMeta, Grid
from geo.area import area_m2
from geo.assign import GridIndex
from geo.levels import LEVELS
from geo.shapes import to_multipolygons

GRIDS_GENERATION_KEY = "grids_generation"


def grid_rows(
    layer: gpd.GeoDataFrame,
    *,
    level: str,
    display: Mapping[str, Any] | None = None,
) -> list[Grid]:
    """Turn a validated WGS84 layer into :class:`Grid` rows (no I/O)."""
    geoms = to_multipolygons(layer.geometry.values)
    overview = to_multipolygons(display["overview"]) if display else None
    detail = to_multipolygons(display["detail"]) if display else None
    bounds = shapely.bounds(geoms)
    labels = shapely.point_on_surface(geoms)
    areas = area_m2(geoms)
    rows = []
    for i, record in enumerate(layer.itertuples(index=False)):
        staff = getattr(record, "staff", None)
        rows.append(
            Grid(
                code=str(record.code),
                name=str(record.name),
                level=level,
                parent_code=(str(record.parent_code) if record.parent_code else None),
                geom=geoms[i],
                geom_overview=None if overview is None else overview[i],
                geom_detail=None if detail is None else detail[i],
                minx=float(bounds[i, 0]),
                miny=float(bounds[i, 1]),
                maxx=float(bounds[i, 2]),
                maxy=float(bounds[i, 3]),
                label_lon=float(shapely.get_x(labels[i])),
                label_lat=float(shapely.get_y(labels[i])),
                area_m2=float(areas[i]),
                households=int(getattr(record, "households", 0) or 0),
                population=int(getattr(record, "population", 0) or 0),
                staff=dict(staff) if isinstance(staff, dict) else {},
            )
        )
    return rows


def replace_level(
    session: Session,
    layer: gpd.GeoDataFrame,
    *,
    level: str,
    display: Mapping[str, Any] | None = None,
    progress: Callable[[int, int], None] | None = None,
    batch_size: int = 500,
) -> int:
    """Replace every grid of ``level`` with ``layer`` inside the caller's transaction.

    The caller commits; on any error it rolls back and the store is unchanged.
    """
    rows = grid_rows(layer, level=level, display=display)
    session.execute(delete(Grid).where(Grid.level == level))  # type: ignore[arg-type]
    for start in range(0, len(rows), batch_size):
        session.add_all(rows[start : start + batch_size])
        session.flush()
        if progress:
            progress(min(start + batch_size, len(rows)), len(rows))
    bump_generation(session)
    return len(rows)


def bump_generation(session: Session) -> None:
    """Mark the grid layers as changed so every process rebuilds its index."""
    meta = session.get(AppMeta, GRIDS_GENERATION_KEY)
    if meta is None:
        session.add(AppMeta(key=GRIDS_GENERATION_KEY, value="1"))
    else:
        meta.value = str(int(meta.value) + 1)
        session.add(meta)


def read_generation(session: Session) -> str:
    """The current grid generation ("0" before any import)."""
    meta = session.get(AppMeta, GRIDS_GENERATION_KEY)
    return meta.value if meta else "0"


def load_layer(session: Session, level: str, *, geometry: str = "exact") -> gpd.GeoDataFrame:
    """A stored level as a GeoDataFrame (EPSG:4326)."""
    column = {"exact": "geom", "overview": "geom_overview", "detail": "geom_detail"}[geometry]
    grids = session.exec(select(Grid).where(Grid.level == level).order_by(col(Grid.code))).all()
    rows = [(g.code, g.name, g.level, g.parent_code, getattr(g, column)) for g in grids]
    return gpd.GeoDataFrame(
        {
            "code": [r[0] for r in rows],
            "name": [r[1] for r in rows],
            "level": [r[2] for r in rows],
            "parent_code": [r[3] for r in rows],
        },
        geometry=[r[4] for r in rows],
        crs="EPSG:4326",
    )


def level_counts(session: Session) -> dict[str, int]:
    """How many grids each level holds."""
    rows = session.exec(select(Grid.level, func.count()).group_by(Grid.level)).all()
    counts: dict[str, int] = dict.fromkeys(LEVELS, 0)
    counts.update({level: int(n) for level, n in rows})
    return counts


def small_grid_columns(
    session: Session,
) -> tuple[list[str], list[Any], list[str], list[str]] | None:
    """The stored small grids as the point-to-grid structures take them, or None if none.

    Codes, geometries, and the codes of each grid's medium and large parent (``""`` where
    a grid has none): the arguments of :class:`~geo.assign.GridIndex` and
    :class:`~geo.covering.GridCovering`.
    """
    small = session.exec(
        select(Grid.code, Grid.parent_code, Grid.geom).where(Grid.level == "small")
    ).all()
    if not small:
        return None
    medium_parent = dict(
        session.exec(select(Grid.code, Grid.parent_code).where(Grid.level == "medium")).all()
    )
    return (
        [row[0] for row in small],
        [row[2] for row in small],
        [row[1] or "" for row in small],
        [medium_parent.get(row[1] or "") or "" for row in small],
    )


def build_index(session: Session) -> GridIndex | None:
    """A point-to-grid index over the stored small grids, or None when there are none."""
    columns = small_grid_columns(session)
    return None if columns is None else GridIndex(*columns)


class GridIndexCache:
    """The point-to-grid index of one process, rebuilt when the grids change."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._generation: str | None = None
        self._index: GridIndex | None = None

    def get(self, session: Session) -> GridIndex | None:
        """The index for the grids as they are now."""
        generation = read_generation(session)
        if generation == self._generation:
            return self._index
        with self._lock:
            if generation != self._generation:
                # The caller's own session: waiting threads each hold a connection, so a
                # second one for the build could wait for the pool while they wait for it.
                self._index = build_index(session)
                self._generation = generation
        return self._index
