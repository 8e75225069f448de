"""A store full of cases for the read benchmarks: grids, reference data, then a bulk load.

:func:`prepare_store` empties a store (an SQLite file, or a PostGIS database named by
the caller), upgrades it, writes a grid hierarchy (the 汕尾 demo city, or a lattice of
boxes for quick runs) with the reference data and demo users, and loads ``n`` cases
drawn with numpy: a uniform point inside a random small grid, a category by its weight, a
status, unit, source, times and a running stage's clock. The rows go in the fastest way
each store has (``executemany`` on SQLite, ``COPY`` on PostGIS) with the case table's
secondary indexes dropped during the load and rebuilt after it, as a bulk import would.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Engine, bindparam, create_engine, inspect, text
from sqlmodel import col, select

from api.catalog import read_categories
from api.context import AppContext
from api.grids import replace_level
from api.models import Incident, Unit
from api.reference import seed_demo_users, seed_reference, seed_township_units
from api.settings import Settings
from api.store import SRID
from api.workflow import OPEN_STATUSES, Status, Tier
from api.workflow.vocabulary import stage_for
from geo.display import display_geometries
from geo.levels import LEVELS

__all__ = ["GridSet", "LoadedStore", "prepare_store"]

GridSet = Literal["demo", "lattice"]
DAY_S = 86_400
STATUS_SHARES = {
    Status.closed: 0.70,
    Status.reported: 0.05,
    Status.accepted: 0.03,
    Status.dispatched: 0.04,
    Status.claimed: 0.03,
    Status.in_progress: 0.06,
    Status.handled: 0.04,
    Status.verified: 0.02,
    Status.rejected: 0.03,
}
SOURCES = ("patrol", "hotline", "wechat", "visit", "deputy", "transfer", "sensor")
DESCRIPTIONS = ("楼道堆放杂物", "路灯不亮", "井盖缺失", "占道经营", "噪音扰民", "垃圾未清运")
SUPERVISION = "none"
LOADER_VERSION = 1
"""Bump when the drawing or loading of cases changes, so that kept stores are rebuilt."""
MARKER_TABLE = "bench_caseload"
"""One row naming what a finished load put in the store (see :func:`load_key`)."""


@dataclass(frozen=True)
class LoadedStore:
    """A store ready for reading: its context, how many cases, and how long the load took."""

    context: AppContext
    cases: int
    grids_s: float
    load_s: float
    index_s: float


def _lattice(columns: int, rows: int) -> dict[str, gpd.GeoDataFrame]:
    """Large grids of 2 × 2 mediums of 2 × 2 smalls, 0.01° small boxes over 城区, 汕尾."""
    out: dict[str, list[dict[str, Any]]] = {level: [] for level in LEVELS}
    size = 0.01
    for lx in range(columns):
        for ly in range(rows):
            large = f"441502{lx * rows + ly + 1:03d}"
            x0, y0 = 115.30 + 4 * lx * size, 22.76 + 4 * ly * size
            out["large"].append({"code": large, "parent_code": "441502", "x": x0, "y": y0, "s": 4})
            for m in range(4):
                medium = f"{large}{m + 1:03d}"
                mx, my = x0 + 2 * (m % 2) * size, y0 + 2 * (m // 2) * size
                out["medium"].append(
                    {"code": medium, "parent_code": large, "x": mx, "y": my, "s": 2}
                )
                for k in range(4):
                    sx, sy = mx + (k % 2) * size, my + (k // 2) * size
                    out["small"].append(
                        {
                            "code": f"{medium}{k + 1:02d}",
                            "parent_code": medium,
                            "x": sx,
                            "y": sy,
                            "s": 1,
                        }
                    )
    return {
        level: gpd.GeoDataFrame(
            {
                "code": [r["code"] for r in items],
                "name": [f"网格{r['code'][-4:]}" for r in items],
                "parent_code": [r["parent_code"] for r in items],
                "households": 400,
                "population": 1120,
            },
            geometry=[
                shapely.MultiPolygon(
                    [shapely.box(r["x"], r["y"], r["x"] + r["s"] * size, r["y"] + r["s"] * size)]
                )
                for r in items
            ],
            crs="EPSG:4326",
        )
        for level, items in out.items()
    }


def _grid_layers(settings: Settings, grid_set: GridSet) -> dict[str, gpd.GeoDataFrame]:
    if grid_set == "lattice":
        return _lattice(4, 2)
    from geo.demo_city import build_demo_city

    city = build_demo_city(settings.data_dir / "shanwei", seed=2026)
    return {level: city.layer(level) for level in LEVELS}


def empty_store(settings: Settings) -> None:
    url = settings.database_url
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
        for name in inspect(conn).get_table_names():
            if name != "spatial_ref_sys":
                conn.execute(text(f'DROP TABLE IF EXISTS "{name}" CASCADE'))
    engine.dispose()


def _points_in(geoms: np.ndarray, pick: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A uniform point inside ``geoms[pick[i]]`` for each i (rejection sampling, vectorised)."""
    shapely.prepare(geoms)
    bounds = shapely.bounds(geoms)
    out = np.empty((len(pick), 2))
    todo = np.arange(len(pick))
    while todo.size:
        b = bounds[pick[todo]]
        x, y = rng.uniform(b[:, 0], b[:, 2]), rng.uniform(b[:, 1], b[:, 3])
        inside = shapely.contains_xy(geoms[pick[todo]], x, y)
        out[todo[inside]] = np.column_stack([x[inside], y[inside]])
        todo = todo[~inside]
    return out


def _draw_cases(
    small: gpd.GeoDataFrame, weights: dict[str, float], units: list[str], n: int, seed: int
) -> dict[str, Any]:
    """``n`` cases as columns (numpy arrays or lists), every NOT NULL column filled."""
    rng = np.random.default_rng(seed)
    codes = small["code"].to_numpy(dtype=str)
    pick = rng.integers(len(codes), size=n)
    xy = _points_in(np.asarray(small.geometry.values, dtype=object), pick, rng)
    small_codes = codes[pick]
    statuses = np.array([s.value for s in STATUS_SHARES])
    shares = np.array(list(STATUS_SHARES.values()))
    status = rng.choice(statuses, size=n, p=shares / shares.sum())
    now = np.datetime64(datetime.now(UTC).replace(tzinfo=None), "s")
    reported = now - rng.integers(3600, 365 * DAY_S, size=n).astype("timedelta64[s]")
    open_ = np.isin(status, [s.value for s in OPEN_STATUSES])
    due = reported + rng.integers(DAY_S // 2, 10 * DAY_S, size=n).astype("timedelta64[s]")
    unit = np.array(units, dtype=object)[rng.integers(len(units), size=n)]
    unit[status == Status.reported.value] = None
    return {
        "id": np.arange(1, n + 1),
        "case_no": [f"B{i:09d}" for i in range(1, n + 1)],
        **case_columns(rng, weights, small_codes, xy[:, 0], xy[:, 1], status, unit, open_),
        "stage_started_at": np.where(open_, reported, np.datetime64("NaT")),
        "stage_due_at": np.where(open_, due, np.datetime64("NaT")),
        "reported_at": reported,
        "closed_at": np.where(status == Status.closed.value, due, np.datetime64("NaT")),
        "updated_at": reported,
    }


def case_columns(
    rng: np.random.Generator,
    weights: dict[str, float],
    small_codes: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
    status: np.ndarray,
    unit: np.ndarray,
    is_open: np.ndarray,
) -> dict[str, Any]:
    """What and where of drawn cases: category, text, source, point, grids, status, unit, stage.

    The category by its weight; description, source and tier uniformly; 5 % urgent.
    """
    n = len(status)
    cats, p = np.array(list(weights)), np.array(list(weights.values()))
    stage_of = {s.value: (stage_for(s).value if stage_for(s) else None) for s in Status}
    return {
        "category_code": rng.choice(cats, size=n, p=p / p.sum()),
        "description": np.array(DESCRIPTIONS)[rng.integers(len(DESCRIPTIONS), size=n)],
        "source": np.array(SOURCES)[rng.integers(len(SOURCES), size=n)],
        "reported_by": "bench",
        "lon": lon,
        "lat": lat,
        "raw_lon": lon,
        "raw_lat": lat,
        "raw_crs": "wgs84",
        "small_code": small_codes,
        "medium_code": np.array([c[:12] for c in small_codes]),
        "large_code": np.array([c[:9] for c in small_codes]),
        "status": status,
        "tier": np.array([t.value for t in Tier])[rng.integers(3, size=n)],
        "unit_code": unit,
        "urgent": rng.random(n) < 0.05,
        "supervision": SUPERVISION,
        "stage": np.where(is_open, np.vectorize(stage_of.get, otypes=[object])(status), None),
    }


def frame_of(columns: dict[str, Any], n: int) -> pd.DataFrame:
    """Every column of the case table, defaults filled, in table order."""
    frame = pd.DataFrame(columns, index=pd.RangeIndex(n))
    for column in Incident.__table__.columns:
        if column.name in frame or column.name == "geom":
            continue
        default = column.default.arg if column.default is not None else None
        frame[column.name] = default
    return frame


def _secondary_indexes(
    engine: Engine, store: str, tables: tuple[str, ...]
) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the indexes of ``tables`` that no constraint owns."""
    if store == "sqlite":
        sql = (
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
            "AND tbl_name IN :tables AND sql IS NOT NULL"
        )
    else:
        sql = (
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "WHERE i.tablename IN :tables AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
        )
    query = text(sql).bindparams(bindparam("tables", expanding=True))
    with engine.connect() as conn:
        rows = conn.execute(query, {"tables": list(tables)}).all()
    return [(name, create) for name, create in rows]


@contextmanager
def indexes_dropped(
    engine: Engine, store: str, tables: tuple[str, ...] = ("incident",)
) -> Iterator[None]:
    """Drop the secondary indexes of ``tables`` for a bulk load; rebuild them and analyse after.

    The indexes come back even when the load fails. On PostGIS the rebuild gets a larger
    ``maintenance_work_mem``, as a bulk import would.
    """
    indexes = _secondary_indexes(engine, store, tables)
    with engine.begin() as conn:
        for name, _ in indexes:
            conn.execute(text(f'DROP INDEX "{name}"'))
    try:
        yield
    finally:
        with engine.begin() as conn:
            if store == "postgis":
                conn.execute(text("SET LOCAL maintenance_work_mem = '512MB'"))
            for _, create in indexes:
                conn.execute(text(create))
            conn.execute(text("ANALYZE"))


def _load_sqlite(engine: Engine, frame: pd.DataFrame, points: np.ndarray) -> None:
    frame = frame.copy()
    for name in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[name].dtype):
            text_ = np.datetime_as_string(frame[name].to_numpy(), unit="us")
            frame[name] = np.where(text_ == "NaT", None, np.char.replace(text_, "T", " "))
        elif pd.api.types.is_bool_dtype(frame[name].dtype):
            frame[name] = frame[name].astype(int)
    frame["geom"] = list(shapely.to_wkb(points))
    names = [name for name in frame.columns if not frame[name].isna().all()]
    values = [
        [None if v is None or v != v else v for v in frame[name].tolist()]
        if frame[name].hasnans
        else frame[name].tolist()
        for name in names
    ]
    rows = zip(*values, strict=True)
    sql = f"INSERT INTO incident ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("BEGIN")
        cursor.executemany(sql, rows)
        cursor.execute("COMMIT")
    finally:
        raw.close()


def _load_postgis(engine: Engine, frame: pd.DataFrame, points: np.ndarray) -> None:
    frame = frame.copy()
    for name in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[name].dtype):
            frame[name] = frame[name].dt.tz_localize("UTC")
    frame["geom"] = shapely.to_wkb(shapely.set_srid(points, SRID), hex=True, include_srid=True)
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, header=False, date_format="%Y-%m-%d %H:%M:%S%z")
    names = ", ".join(frame.columns)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        with cursor.copy(f"COPY incident ({names}) FROM STDIN WITH (FORMAT csv)") as copy:
            copy.write(buffer.getvalue())
        cursor.execute("SELECT setval('incident_id_seq', (SELECT max(id) FROM incident))")
        raw.commit()
    finally:
        raw.close()


def _bulk_load(context: AppContext, frame: pd.DataFrame, points: np.ndarray) -> tuple[float, float]:
    """Load the rows with the secondary indexes dropped; (load, index rebuild) seconds."""
    engine, store = context.db.engine, context.db.store
    with indexes_dropped(engine, store):
        started = time.perf_counter()
        (_load_sqlite if store == "sqlite" else _load_postgis)(engine, frame, points)
        loaded = time.perf_counter()
    return loaded - started, time.perf_counter() - loaded


def load_key(context: AppContext, *, n: int, grid_set: GridSet, seed: int) -> str:
    """What a load of these arguments puts in the store, schema revision included."""
    schema = context.db.head_revision()
    return f"cases={n} grids={grid_set} seed={seed} schema={schema} loader={LOADER_VERSION}"


def _write_marker(engine: Engine, key: str) -> None:
    """Record a finished load (written last, so an interrupted load is never kept)."""
    with engine.begin() as conn:
        conn.execute(text(f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (key TEXT NOT NULL)"))
        conn.execute(text(f"DELETE FROM {MARKER_TABLE}"))
        conn.execute(text(f"INSERT INTO {MARKER_TABLE} (key) VALUES (:key)"), {"key": key})


def _kept(settings: Settings, key: str, n: int) -> LoadedStore | None:
    """The store of ``settings`` if its marker says a finished load of ``key`` is in it."""
    try:
        context = AppContext.build(settings)
    except Exception:  # noqa: BLE001 - no store: load afresh
        return None
    try:
        with context.db.engine.connect() as conn:
            marked = conn.execute(text(f"SELECT key FROM {MARKER_TABLE}")).scalars().all()
            held = conn.execute(text("SELECT count(*) FROM incident")).scalar()
    except Exception:  # noqa: BLE001 - no marker or no table: load afresh
        marked, held = [], None
    if marked != [key] or held != n:
        context.db.dispose()
        return None
    return LoadedStore(context, n, 0.0, 0.0, 0.0)


def write_grid_store(settings: Settings, layers: dict[str, gpd.GeoDataFrame]) -> AppContext:
    """Empty the store of ``settings``; write ``layers`` (by level) and the reference data.

    The grids go through the real import (:func:`replace_level`, display geometries); the
    reference data are the categories, the township units and the demo staff.
    """
    empty_store(settings)
    context = AppContext.build(settings)
    context.db.upgrade()
    with context.db.write_session() as session:
        for level in LEVELS:
            display = display_geometries(layers[level].geometry, level=level)
            replace_level(session, layers[level], level=level, display=display)
        seed_reference(session, settings.data_dir)
        seed_township_units(session)
        seed_demo_users(session, password=settings.demo_password)
    return context


def prepare_store(
    settings: Settings,
    *,
    n: int,
    grid_set: GridSet = "demo",
    seed: int = 2026,
    say: Callable[[str], None] = print,
    reuse: bool = False,
) -> LoadedStore:
    """Empty the store of ``settings``, write grids and reference data, load ``n`` cases.

    With ``reuse``, a store whose marker table names a finished load of the same cases,
    grids, seed, schema revision and loader version is kept as it is.
    """
    probe = AppContext.build(settings)
    key = load_key(probe, n=n, grid_set=grid_set, seed=seed)
    probe.db.dispose()
    if reuse:
        kept = _kept(settings, key, n)
        if kept is not None:
            say(f"  reusing the store marked {key!r}")
            return kept
    started = time.perf_counter()
    layers = _grid_layers(settings, grid_set)
    context = write_grid_store(settings, layers)
    with context.db.session() as session:
        units = list(session.exec(select(Unit.code).order_by(col(Unit.code))).all())
    grids_s = time.perf_counter() - started
    say(f"  grids and reference data: {grids_s:.1f} s ({len(layers['small']):,} small grids)")
    weights = {c.code: c.weight for c in read_categories(settings.data_dir) if c.reportable}
    drawn = time.perf_counter()
    columns = _draw_cases(layers["small"], weights, units, n, seed)
    frame = frame_of(columns, n)
    points = shapely.points(frame["lon"].to_numpy(), frame["lat"].to_numpy())
    say(f"  drew {n:,} cases in {time.perf_counter() - drawn:.1f} s")
    load_s, index_s = _bulk_load(context, frame, points)
    say(f"  loaded in {load_s:.1f} s, indexes rebuilt and analysed in {index_s:.1f} s")
    _write_marker(context.db.engine, key)
    return LoadedStore(context, n, grids_s, load_s, index_s)
