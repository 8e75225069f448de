"""Everything that differs between the two stores, in one place.

PostGIS keeps real ``geometry(…, 4326)`` columns with GiST indexes (GeoAlchemy2).  The
embedded SQLite store keeps the same geometries as WKB plus bounding-box columns, and
exact predicates run in :mod:`geo` with shapely.  Code above this module calls the hooks
below and never asks which store it is talking to.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import shapely
from geoalchemy2 import Geometry, WKBElement
from shapely.geometry.base import BaseGeometry
from sqlalchemy import (
    ColumnElement,
    DateTime,
    Engine,
    Integer,
    LargeBinary,
    Text,
    and_,
    case,
    cast,
    event,
    func,
    literal_column,
    type_coerce,
)
from sqlalchemy.engine import URL, Dialect
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.types import TypeDecorator, TypeEngine

from api.settings import StoreKind
from geo.distance import METRES_PER_DEGREE as METRES_PER_DEGREE_LAT

SRID = 4326
SQLITE_BUSY_TIMEOUT_MS = 15_000


class GeometryType(TypeDecorator[BaseGeometry]):
    """A shapely geometry column: PostGIS ``geometry(type, 4326)`` or SQLite WKB."""

    impl = LargeBinary
    cache_ok = True
    # GeoAlchemy2's DDL hooks inspect these; the GiST indexes are created by the migrations.
    spatial_index = False
    use_N_D_index = False
    use_typmod = None

    def __init__(self, geometry_type: str = "GEOMETRY") -> None:
        super().__init__()
        self.geometry_type = geometry_type.upper()

    def load_dialect_impl(self, dialect: Dialect | None) -> TypeEngine[Any]:
        """Pick the column type for the store."""
        if dialect is None:
            return LargeBinary()
        if dialect.name == "postgresql":
            return dialect.type_descriptor(
                Geometry(self.geometry_type, srid=SRID, spatial_index=False)
            )
        return dialect.type_descriptor(LargeBinary())

    def process_bind_param(self, value: BaseGeometry | None, dialect: Dialect) -> Any:
        """Shapely geometry to the store's wire form."""
        if value is None:
            return None
        if not isinstance(value, BaseGeometry):
            raise TypeError(f"expected a shapely geometry, got {type(value).__name__}")
        wkb = shapely.to_wkb(value)
        return WKBElement(wkb, srid=SRID) if dialect.name == "postgresql" else wkb

    def process_result_value(self, value: Any, dialect: Dialect) -> BaseGeometry | None:
        """The store's wire form to a shapely geometry."""
        if value is None:
            return None
        data = value.data if isinstance(value, WKBElement) else value
        if isinstance(data, str):
            return shapely.from_wkb(bytes.fromhex(data))
        return shapely.from_wkb(bytes(data))


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes, stored as UTC (``timestamptz`` on PostGIS)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Refuse naive datetimes; store UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; attach a timezone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Always hand back aware UTC datetimes."""
        return None if value is None else as_utc(value)


def as_utc(value: datetime) -> datetime:
    """A stored time as an aware UTC datetime (SQLite hands back naive UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def plain_time(column: Any) -> ColumnElement[datetime]:
    """A :class:`UTCDateTime` column read by the driver alone, no Python call per value.

    For columns read in bulk where most values are unused or NULL; pass the ones used
    through :func:`as_utc`.
    """
    return type_coerce(column, DateTime())


def connect_args(store: StoreKind, url: URL) -> dict[str, Any]:
    """The driver's arguments for a new connection to ``url``.

    SQLite: shared across threads, with a lock timeout. PostgreSQL: JIT compilation off
    (``-c jit=off``, added to any ``options`` in the URL). The statistics' correlated
    look-ups over 150,000 cases spent 0.7 s of 3.5 s compiling at 10⁷ cases; the app's
    queries are short and many, which JIT does not pay for.
    """
    if store == "sqlite":
        return {"check_same_thread": False, "timeout": 15}
    given = url.query.get("options")
    options = given if isinstance(given, str) else " ".join(given or ())
    return {"options": f"{options} -c jit=off".strip()}


def configure_engine(engine: Engine, store: StoreKind) -> None:
    """Install the per-connection settings each store needs.

    SQLite gets WAL, foreign keys and a busy timeout, and runs its transactions in
    autocommit-free manual mode so that a write session can start with ``BEGIN IMMEDIATE``
    (see :func:`write_options`): two writers then queue instead of deadlocking on the
    read-to-write lock upgrade, which is what makes first-come claims exact.
    """
    if store != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


def write_options(store: StoreKind) -> dict[str, Any]:
    """Execution options for a session that will write (``BEGIN IMMEDIATE`` on SQLite)."""
    return {"sqlite_begin": "IMMEDIATE"} if store == "sqlite" else {}


def bbox_overlaps(
    store: StoreKind, model: type[Any], bbox: tuple[float, float, float, float]
) -> ColumnElement[bool]:
    """Rows of ``model`` whose geometry's bounding box overlaps ``bbox`` (index backed).

    PostGIS uses ``&&`` on ``model.geom`` against the GiST index; SQLite compares the
    stored bounding box named by ``model.__bbox_columns__``: (minx, miny, maxx, maxy),
    or (lon, lat) for points.
    """
    minx, miny, maxx, maxy = bbox
    if store == "postgis":
        envelope = func.ST_MakeEnvelope(minx, miny, maxx, maxy, SRID)
        return model.geom.op("&&")(envelope)
    columns = [getattr(model, name) for name in model.__bbox_columns__]
    if len(columns) == 2:
        lon, lat = columns
        return and_(lon >= minx, lon <= maxx, lat >= miny, lat <= maxy)
    cminx, cminy, cmaxx, cmaxy = columns
    return and_(cminx <= maxx, cmaxx >= minx, cminy <= maxy, cmaxy >= miny)


def cell_centre(
    store: StoreKind, model: type[Any], size: float
) -> tuple[ColumnElement[float], ColumnElement[float]]:
    """The centre (x, y) of the ``size``-degree cell holding each row's point.

    Cells are ``[k * size, (k + 1) * size)`` in both axes on both stores: the point
    columns named by ``model.__bbox_columns__`` are floored arithmetically, which reads no
    geometry (PostGIS's ``ST_SnapToGrid`` on ``geom`` took twice as long at a million
    cases).
    """
    half = size / 2
    lon, lat = (getattr(model, name) for name in model.__bbox_columns__)
    if store == "postgis":
        return func.floor(lon / size) * size + half, func.floor(lat / size) * size + half
    return _floor(lon / size) * size + half, _floor(lat / size) * size + half


def _floor(value: Any) -> ColumnElement[Any]:
    """``floor(value)`` in plain SQL (SQLite builds without math functions lack floor)."""
    whole = cast(value, Integer)
    return whole - case((value < whole, 1), else_=0)


def json_object_text(
    store: StoreKind, members: Sequence[tuple[str, ColumnElement[Any]]]
) -> ColumnElement[str]:
    """The JSON text of an object of ``members`` (name, SQL value), built by the store.

    Text, numbers and NULL become JSON strings, numbers and ``null``; booleans must come
    from :func:`json_boolean`, timestamps from :func:`iso_utc_text`. The names are
    identifiers written in the code, never input.
    """
    args: list[Any] = []
    for name, value in members:
        if not name.isidentifier():
            raise ValueError(f"JSON member names are identifiers, not {name!r}")
        args += [literal_column(f"'{name}'"), value]
    if store == "postgis":
        return cast(func.json_build_object(*args), Text)
    return func.json_object(*args, type_=Text)


def json_boolean(store: StoreKind, column: Any) -> ColumnElement[Any]:
    """A boolean column as a JSON ``true`` / ``false`` member value (SQLite stores 0 / 1)."""
    if store == "postgis":
        return column
    flag = case((column.is_(None), None), (column != 0, "true"), else_="false")
    return func.json(flag)


def iso_utc_text(store: StoreKind, column: Any) -> ColumnElement[str]:
    """A UTC timestamp column as Python's ``isoformat()`` writes it (``…+00:00``).

    Microseconds are written only when not zero, as Python does; NULL stays NULL.
    """
    if store == "postgis":
        utc = func.timezone("UTC", column)
        text_ = func.to_char(utc, 'YYYY-MM-DD"T"HH24:MI:SS.US', type_=Text)
    else:  # stored as naive UTC text, "YYYY-MM-DD HH:MM:SS.ffffff"
        text_ = func.replace(column, " ", "T", type_=Text)
    return func.replace(text_, ".000000", "", type_=Text).concat("+00:00")


def radius_bbox(lon: float, lat: float, radius_m: float) -> tuple[float, float, float, float]:
    """A bounding box that contains the circle of ``radius_m`` around a WGS84 point."""
    import math

    dlat = radius_m / METRES_PER_DEGREE_LAT
    dlon = radius_m / (METRES_PER_DEGREE_LAT * max(math.cos(math.radians(lat)), 1e-6))
    return (lon - dlon, lat - dlat, lon + dlon, lat + dlat)


def schema_revision(engine: Engine) -> str | None:
    """The Alembic revision the store is at, or None before the first upgrade."""
    from sqlalchemy import inspect, text

    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
