"""The domain tables and their API shapes (SQLModel Base / Create / Public / table).

Geometry columns hold shapely geometries on both stores (see :mod:`api.store`).
Timestamps are timezone-aware UTC.
"""

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Self, TypeVar

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, Relationship, SQLModel

from api.store import GeometryType, UTCDateTime
from api.vocabulary import Source, UnitKind
from api.workflow import (
    DEFAULT_STAGE_LIMITS,
    Actor,
    Role,
    StageLimits,
    Status,
    SubtaskState,
    Supervision,
    Tier,
)


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


E = TypeVar("E", bound=StrEnum)


class EnumText(TypeDecorator[E]):
    """A workflow enum stored as plain text on both stores, read back as the enum."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[E], length: int = 20) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: E | str | None, dialect: Dialect) -> str | None:
        """Enum (or its value) to text, refusing values outside the enum."""
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: str | None, dialect: Dialect) -> E | None:
        """Text to the enum."""
        return None if value is None else self.enum(value)


class Grid(SQLModel, table=True):
    """One grid polygon of one level (大/中/小网格)."""

    __tablename__ = "grid"
    __table_args__ = (
        Index("ix_grid_level_parent", "level", "parent_code"),
        Index("ix_grid_bbox", "minx", "maxx", "miny", "maxy"),
    )
    __bbox_columns__ = ("minx", "miny", "maxx", "maxy")
    model_config = {"arbitrary_types_allowed": True}

    code: str = Field(primary_key=True, max_length=20)
    name: str = Field(max_length=100)
    level: str = Field(max_length=10)
    parent_code: str | None = Field(default=None, max_length=20)
    geom: Any = Field(sa_column=Column(GeometryType("MULTIPOLYGON"), nullable=False))
    geom_overview: Any = Field(default=None, sa_column=Column(GeometryType("MULTIPOLYGON")))
    geom_detail: Any = Field(default=None, sa_column=Column(GeometryType("MULTIPOLYGON")))
    minx: float
    miny: float
    maxx: float
    maxy: float
    label_lon: float
    label_lat: float
    area_m2: float = 0.0
    households: int = 0
    population: int = 0
    staff: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class AppMeta(SQLModel, table=True):
    """Small key/value facts about the store, e.g. the grid layer generation."""

    __tablename__ = "app_meta"

    key: str = Field(primary_key=True, max_length=50)
    value: str = Field(max_length=200)


class Unit(SQLModel, table=True):
    """A unit cases are dispatched to: a county department (职能部门) or a township centre.

    A township centre (属地, ``kind="township"``) has the code of its large grid.
    """

    __tablename__ = "unit"

    code: str = Field(primary_key=True, max_length=20)
    name: str = Field(max_length=100)
    short_name: str = Field(max_length=30)
    phone: str | None = Field(default=None, max_length=30)
    kind: UnitKind = Field(
        default=UnitKind.department, sa_column=Column(EnumText(UnitKind), nullable=False)
    )


class Category(SQLModel, table=True):
    """An event category (事件分类): 大类 with ``parent_code`` None, 小类 beneath."""

    __tablename__ = "category"

    code: str = Field(primary_key=True, max_length=20)
    name: str = Field(max_length=100)
    parent_code: str | None = Field(default=None, foreign_key="category.code", max_length=20)
    unit_code: str | None = Field(
        default=None,
        foreign_key="unit.code",
        max_length=20,
        description="The default lead unit; empty: the township of the case's large grid (属地)",
    )
    tier: Tier = Field(default=Tier.township, sa_column=Column(EnumText(Tier), nullable=False))
    answerable: bool = False
    accept_limit: str | None = Field(default=None, max_length=10)
    dispatch_limit: str | None = Field(default=None, max_length=10)
    claim_limit: str | None = Field(default=None, max_length=10)
    handle_limit: str | None = Field(default=None, max_length=10)
    verify_limit: str | None = Field(default=None, max_length=10)
    callback_limit: str | None = Field(default=None, max_length=10)
    urgent: bool = False
    weight: float = 1.0

    def stage_limits(self) -> StageLimits:
        """The category's per-stage limits, falling back to the defaults stage by stage."""
        defaults = DEFAULT_STAGE_LIMITS.as_dict()
        return StageLimits.from_mapping(
            {stage: getattr(self, f"{stage}_limit") or defaults[stage] for stage in defaults}
        )


class IncidentCoUnit(SQLModel, table=True):
    """A co-unit (协办单位) of a case: one row per unit, indexed by unit for scope queries."""

    __tablename__ = "incident_co_unit"

    incident_id: int = Field(
        sa_column=Column(Integer, ForeignKey("incident.id", ondelete="CASCADE"), primary_key=True)
    )
    unit_code: str = Field(primary_key=True, max_length=20, index=True)
    position: int = 0
    state: SubtaskState = Field(
        default=SubtaskState.open, sa_column=Column(EnumText(SubtaskState), nullable=False)
    )
    note: str | None = None
    done_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class IncidentWhistle(SQLModel, table=True):
    """One department summoned by a whistle (吹哨) on a case, and its 报到 (report-in)."""

    __tablename__ = "incident_whistle"
    __table_args__ = (UniqueConstraint("incident_id", "whistle_no", "unit_code"),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(
        sa_column=Column(Integer, ForeignKey("incident.id", ondelete="CASCADE"), index=True)
    )
    whistle_no: int
    unit_code: str = Field(max_length=20, index=True)
    whistled_by: str = Field(max_length=80)
    whistled_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    due_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    reported_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    reported_by: str | None = Field(default=None, max_length=80)
    note: str | None = None
    rating: str | None = Field(default=None, max_length=10)

    @property
    def on_time(self) -> bool | None:
        """Reported within the limit (None while awaited)."""
        return None if self.reported_at is None else self.reported_at <= self.due_at


class Incident(SQLModel, table=True):
    """One geotagged case (案件) and where it stands in the closed loop."""

    __tablename__ = "incident"
    __table_args__ = (
        Index("ix_incident_lonlat", "lon", "lat"),
        Index("ix_incident_status_unit", "status", "unit_code"),
        Index("ix_incident_category_reported", "category_code", "reported_at"),
        Index(
            "ix_incident_grid_category_closed",
            "small_code",
            "category_code",
            "closed_at",
            "reported_at",
        ),
        Index("ix_incident_closed_at", "closed_at"),
        UniqueConstraint("reported_by", "idempotency_key", name="uq_incident_reporter_key"),
        UniqueConstraint("reported_by", "external_id", name="uq_incident_reporter_external"),
    )
    __bbox_columns__ = ("lon", "lat")
    model_config = {"arbitrary_types_allowed": True}

    id: int | None = Field(default=None, primary_key=True)
    case_no: str = Field(max_length=40, unique=True)
    category_code: str = Field(foreign_key="category.code", max_length=20)
    description: str
    source: Source = Field(sa_column=Column(EnumText(Source), nullable=False))
    reported_by: str = Field(max_length=80, index=True)
    reporter_name: str | None = Field(default=None, max_length=50)
    reporter_phone: str | None = Field(default=None, max_length=30)
    address: str | None = Field(default=None, max_length=200)
    lon: float
    lat: float
    geom: Any = Field(sa_column=Column(GeometryType("POINT"), nullable=False))
    raw_lon: float
    raw_lat: float
    raw_crs: str = Field(max_length=20)
    small_code: str = Field(index=True, max_length=20)
    medium_code: str = Field(index=True, max_length=20)
    large_code: str = Field(index=True, max_length=20)
    status: Status = Field(sa_column=Column(EnumText(Status), nullable=False, index=True))
    tier: Tier = Field(
        default=Tier.township, sa_column=Column(EnumText(Tier), nullable=False, index=True)
    )
    closing_tier: Tier | None = Field(default=None, sa_column=Column(EnumText(Tier)))
    unit_code: str | None = Field(default=None, foreign_key="unit.code", max_length=20)
    co_units: list[IncidentCoUnit] = Relationship(
        sa_relationship_kwargs={
            "lazy": "selectin",
            "order_by": "IncidentCoUnit.position",
            "cascade": "all, delete-orphan",
        }
    )
    whistles: list[IncidentWhistle] = Relationship(
        sa_relationship_kwargs={
            "lazy": "selectin",
            "order_by": "[IncidentWhistle.whistle_no, IncidentWhistle.id]",
            "cascade": "all, delete-orphan",
        }
    )
    claimed_by: str | None = Field(default=None, max_length=80)
    assignee: str | None = Field(default=None, max_length=80, index=True)
    handled_by: str | None = Field(default=None, max_length=80)
    urgent: bool = False
    rework_count: int = 0
    reopen_count: int = 0
    return_count: int = 0
    extension_count: int = 0
    pending_extension_days: float | None = None
    resolved_on_site: bool = False
    first_rating: str | None = Field(default=None, max_length=10)
    rating: str | None = Field(default=None, max_length=10)
    first_solved: bool | None = None
    solved: bool | None = None
    unreachable: bool = False
    unreasonable: bool = False
    ever_overdue: bool = False
    supervision: Supervision = Field(
        default=Supervision.none, sa_column=Column(EnumText(Supervision), nullable=False)
    )
    stage: str | None = Field(default=None, max_length=20)
    stage_started_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    stage_due_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    handle_due_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    first_handle_due_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    reported_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    accepted_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    dispatched_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    handled_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    closed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    called_back_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    version: int = 1
    idempotency_key: str | None = Field(default=None, max_length=100)
    external_id: str | None = Field(default=None, max_length=100)
    request_hash: str | None = Field(default=None, max_length=64)

    @property
    def co_unit_codes(self) -> tuple[str, ...]:
        """The co-units' codes (协办), in the order they were named."""
        return tuple(c.unit_code for c in self.co_units)


class IncidentEvent(SQLModel, table=True):
    """One transition of one case: the append-only audit trail and the live feed.

    ``id`` grows monotonically, so it is the cursor a live feed follows.
    """

    __tablename__ = "incident_event"
    __table_args__ = (UniqueConstraint("incident_id", "seq", name="uq_event_incident_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    seq: int
    action: str = Field(max_length=30)
    from_status: Status | None = Field(default=None, sa_column=Column(EnumText(Status)))
    to_status: Status = Field(sa_column=Column(EnumText(Status), nullable=False))
    actor: str = Field(max_length=50)
    role: Role = Field(sa_column=Column(EnumText(Role), nullable=False))
    unit_code: str | None = Field(default=None, max_length=20)
    note: str | None = None
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))

    @classmethod
    def by(cls, actor: Actor, **fields: Any) -> Self:
        """An event done by ``actor``, whose name, role and unit fill the who columns."""
        return cls(actor=actor.username, role=actor.role, unit_code=actor.unit, **fields)


class IncidentPhoto(SQLModel, table=True):
    """A photo attached to a case, stored under the data directory."""

    __tablename__ = "incident_photo"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    filename: str = Field(max_length=200)
    content_type: str = Field(max_length=50)
    size_bytes: int
    sha256: str = Field(max_length=64)
    uploaded_by: str = Field(max_length=50)
    uploaded_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class User(SQLModel, table=True):
    """A person who signs in: dispatcher, officer, grid worker, analyst, screen or admin."""

    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=80, unique=True)
    full_name: str = Field(max_length=80)
    role: Role = Field(sa_column=Column(EnumText(Role), nullable=False))
    unit_code: str | None = Field(default=None, foreign_key="unit.code", max_length=20)
    grid_codes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    password_hash: str = Field(max_length=200)
    active: bool = True
