"""A synthetic province for the scale benchmark: ≈ 100,000 small grids and a growing archive.

:func:`province_layers` tiles a Guangdong-sized box (lon 109.7–117.3, lat 20.2–25.5) with
the three levels of :mod:`geo.levels`: 1,250 large grids (townships, ten to a county, so
125 county codes), each of 5 × 2 medium grids, each of 2 × 4 small grids — 100,000 small
grids of about 3.9 × 1.2 km. :func:`prepare_province` writes them through the real grid
import (:func:`api.grids.replace_level`) with the reference data and the staff accounts.

:func:`grow_archive` then brings the case table up to a size with ``COPY``. The growth model
is a province filing ``rate`` cases a day: the archive grows back in time, the newest case
first, so 10⁷ cases at 5,000 a day are five and a half years of it. A case is open while
young (the share still open falls as e^(−age / 3 days), plus 0.2 % long-running cases
within the year), so the open cases stay about the same number however long the archive
grows, as on a real wall. Every case has its ``report`` event (ids rise with time in both
tables, as intake writes them); later events are not drawn.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlmodel import col, select

from api.catalog import read_categories
from api.context import AppContext
from api.models import Grid, Unit
from api.settings import Settings
from api.store import SRID
from api.vocabulary import UnitKind
from api.workflow import OPEN_STATUSES, Role, Status
from bench.caseload import (
    STATUS_SHARES,
    case_columns,
    frame_of,
    indexes_dropped,
    write_grid_store,
)
from geo.levels import LEVELS

__all__ = ["ProvinceShape", "grow_archive", "prepare_province", "province_layers"]

EXTENT = (109.7, 20.2, 117.3, 25.5)
DAY_S = 86_400
OPEN_MEAN_DAYS = 3.0
LONG_RUNNING = 0.002
"""Share of the cases of the last year still open (long-running, 久拖未决)."""
CHUNK = 500_000


@dataclass(frozen=True)
class ProvinceShape:
    """The lattice: large grids across and down, mediums per large, smalls per medium."""

    columns: int = 50
    rows: int = 25
    medium: tuple[int, int] = (5, 2)
    small: tuple[int, int] = (2, 4)
    towns_per_county: int = 10

    @property
    def small_grids(self) -> int:
        """How many small grids the lattice holds."""
        per_large = self.medium[0] * self.medium[1] * self.small[0] * self.small[1]
        return self.columns * self.rows * per_large


def _split(
    boxes: np.ndarray, codes: np.ndarray, across: int, down: int, width: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each box cut into ``across`` × ``down`` children: (boxes, codes, parent codes)."""
    w = (boxes[:, 2] - boxes[:, 0]) / across
    h = (boxes[:, 3] - boxes[:, 1]) / down
    parts, children, parents = [], [], []
    for k in range(across * down):
        i, j = k % across, k // across
        x0, y0 = boxes[:, 0] + i * w, boxes[:, 1] + j * h
        parts.append(np.column_stack([x0, y0, x0 + w, y0 + h]))
        children.append(np.char.add(codes, f"{k + 1:0{width}d}"))
        parents.append(codes)
    order = np.argsort(np.concatenate(children), kind="stable")
    return (
        np.concatenate(parts)[order],
        np.concatenate(children)[order],
        np.concatenate(parents)[order],
    )


def province_layers(shape: ProvinceShape = ProvinceShape()) -> dict[str, gpd.GeoDataFrame]:
    """The three levels of the lattice as GeoDataFrames (WGS84 boxes as MultiPolygons)."""
    west, south, east, north = EXTENT
    w, h = (east - west) / shape.columns, (north - south) / shape.rows
    index = np.arange(shape.columns * shape.rows)
    x0, y0 = west + (index % shape.columns) * w, south + (index // shape.columns) * h
    large_boxes = np.column_stack([x0, y0, x0 + w, y0 + h])
    county = np.char.add("44", np.char.zfill((index // shape.towns_per_county + 1).astype(str), 4))
    town = np.char.zfill((index % shape.towns_per_county + 1).astype(str), 3)
    large_codes = np.char.add(county, town)
    medium = _split(large_boxes, large_codes, *shape.medium, width=3)
    small = _split(medium[0], medium[1], *shape.small, width=2)
    levels = {
        "large": (large_boxes, large_codes, county),
        "medium": medium,
        "small": small,
    }
    return {level: _frame_of(*levels[level], level=level) for level in LEVELS}


def _frame_of(
    boxes: np.ndarray, codes: np.ndarray, parents: np.ndarray, *, level: str
) -> gpd.GeoDataFrame:
    polygons = shapely.box(boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3])
    label = {"large": "镇", "medium": "村", "small": "网格"}[level]
    return gpd.GeoDataFrame(
        {
            "code": codes,
            "name": np.char.add(np.char.add(codes.astype(str), " "), label),
            "parent_code": parents,
            "households": 400,
            "population": 1120,
        },
        geometry=shapely.multipolygons(polygons, indices=np.arange(len(codes))),
        crs="EPSG:4326",
    )


def prepare_province(
    settings: Settings, shape: ProvinceShape = ProvinceShape(), say: Callable[[str], None] = print
) -> AppContext:
    """Empty the store of ``settings`` and write the province's grids and reference data."""
    started = time.perf_counter()
    layers = province_layers(shape)
    context = write_grid_store(settings, layers)
    say(
        f"  {shape.small_grids:,} small grids ({len(layers['medium']):,} medium, "
        f"{len(layers['large']):,} large) and reference data in "
        f"{time.perf_counter() - started:.0f} s"
    )
    return context


@dataclass(frozen=True)
class Archive:
    """How the archive grows: cases a day, the end of time, and the largest size planned."""

    rate: float = 5_000.0
    capacity: int = 10_000_000
    now: datetime = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)
    seed: int = 2026


@dataclass(frozen=True)
class Drawing:
    """What cases are drawn from: the small grids' codes and boxes, categories, units."""

    codes: np.ndarray
    bounds: np.ndarray
    weights: dict[str, float]
    units: list[str]

    @classmethod
    def of(cls, context: AppContext) -> Drawing:
        """The small grids (boxes: every grid of the lattice is one), categories and units."""
        with context.db.session() as session:
            grids = session.exec(
                select(Grid.code, Grid.minx, Grid.miny, Grid.maxx, Grid.maxy)
                .where(Grid.level == "small")
                .order_by(col(Grid.code))
            ).all()
            units = session.exec(
                select(Unit.code).where(Unit.kind == UnitKind.department).order_by(col(Unit.code))
            ).all()
        categories = read_categories(context.settings.data_dir)
        return cls(
            codes=np.array([g[0] for g in grids], dtype=str),
            bounds=np.array([g[1:] for g in grids], dtype=float),
            weights={c.code: c.weight for c in categories if c.reportable},
            units=list(units),
        )


def _draw(drawing: Drawing, archive: Archive, start: int, stop: int) -> pd.DataFrame:
    """Cases ``start`` … ``stop`` − 1 of the archive (0 the newest), every column filled."""
    n = stop - start
    rng = np.random.default_rng([archive.seed, start])
    k = np.arange(start, stop)
    ids = archive.capacity - k
    age_s = (k + rng.random(n)) / archive.rate * DAY_S
    now = np.datetime64(archive.now.replace(tzinfo=None), "s")
    reported = now - age_s.astype("timedelta64[s]")
    age_days = age_s / DAY_S
    p_open = np.exp(-age_days / OPEN_MEAN_DAYS) + np.where(age_days < 365, LONG_RUNNING, 0.0)
    is_open = rng.random(n) < np.minimum(p_open, 1.0)
    open_states = [s for s in STATUS_SHARES if s in OPEN_STATUSES]
    shares = np.array([STATUS_SHARES[s] for s in open_states])
    status = np.where(
        is_open,
        rng.choice([s.value for s in open_states], size=n, p=shares / shares.sum()),
        np.where(rng.random(n) < 0.97, Status.closed.value, Status.rejected.value),
    )
    pick = rng.integers(len(drawing.codes), size=n)
    b = drawing.bounds[pick]
    lon, lat = rng.uniform(b[:, 0], b[:, 2]), rng.uniform(b[:, 1], b[:, 3])
    small_codes = drawing.codes[pick]
    started = reported + np.timedelta64(3600, "s")
    due = started + np.timedelta64(3 * DAY_S, "s")
    closed = np.minimum(
        reported + (rng.uniform(0.5, 6, size=n) * DAY_S).astype("timedelta64[s]"), now
    )
    unit = np.array(drawing.units, dtype=object)[rng.integers(len(drawing.units), size=n)]
    unit[status == Status.reported.value] = None
    is_closed = status == Status.closed.value
    columns = {
        "id": ids,
        "case_no": np.char.add("P", np.char.zfill(ids.astype(str), 9)),
        **case_columns(rng, drawing.weights, small_codes, lon, lat, status, unit, is_open),
        "stage_started_at": np.where(is_open, started, np.datetime64("NaT")),
        "stage_due_at": np.where(is_open, due, np.datetime64("NaT")),
        "reported_at": reported,
        "closed_at": np.where(is_closed, closed, np.datetime64("NaT")),
        "updated_at": np.where(is_closed, closed, reported),
    }
    frame = frame_of(columns, n)
    points = shapely.set_srid(shapely.points(lon, lat), SRID)
    frame["geom"] = shapely.to_wkb(points, hex=True, include_srid=True)
    return frame


def _events(frame: pd.DataFrame) -> pd.DataFrame:
    """The ``report`` event of each case, with the case's id as the event id."""
    return pd.DataFrame(
        {
            "id": frame["id"],
            "incident_id": frame["id"],
            "seq": 1,
            "action": "report",
            "from_status": None,
            "to_status": Status.reported.value,
            "actor": "bench",
            "role": Role.dispatcher.value,
            "unit_code": None,
            "note": None,
            "data": "{}",
            "at": frame["reported_at"],
        }
    )


def _copy(cursor: object, table: str, frame: pd.DataFrame) -> None:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, header=False, date_format="%Y-%m-%d %H:%M:%S%z")
    names = ", ".join(frame.columns)
    with cursor.copy(f"COPY {table} ({names}) FROM STDIN WITH (FORMAT csv)") as copy:  # type: ignore[attr-defined]
        copy.write(buffer.getvalue())


def grow_archive(
    context: AppContext,
    archive: Archive,
    *,
    held: int,
    size: int,
    say: Callable[[str], None] = print,
) -> float:
    """Add archive cases ``held`` … ``size`` − 1 (older than those held) with ``COPY``.

    The tables' secondary indexes are dropped for the load and rebuilt after it, then the
    store is analysed, as a bulk import would. Returns the seconds it took, all in.
    """
    if context.db.store != "postgis":
        raise ValueError("the province is loaded with COPY: it needs a PostGIS store")
    started = time.perf_counter()
    engine = context.db.engine
    drawing = Drawing.of(context)
    with indexes_dropped(engine, "postgis", ("incident", "incident_event")):
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            for start in range(held, size, CHUNK):
                stop = min(size, start + CHUNK)
                frame = _draw(drawing, archive, start, stop)
                for name in frame.columns:
                    if pd.api.types.is_datetime64_any_dtype(frame[name].dtype):
                        frame[name] = frame[name].dt.tz_localize("UTC")
                _copy(cursor, "incident", frame)
                _copy(cursor, "incident_event", _events(frame))
                raw.commit()
                say(f"    {stop:,} cases ({time.perf_counter() - started:.0f} s)")
            for table in ("incident", "incident_event"):
                cursor.execute(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")
            raw.commit()
        finally:
            raw.close()
    return time.perf_counter() - started
