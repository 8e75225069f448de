"""The domain tables and their API shapes (SQLModel Base / Create / Public / table).

Geometry columns hold shapely geometries on both stores (see :mod:`api.store`).
Timestamps are timezone-aware UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel
from pydantic import Field as PField
from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from api.store import GeometryType, UTCDateTime


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


class GridLevel(StrEnum):
    """The three nested grid layers."""

    large = "large"
    medium = "medium"
    small = "small"


GRID_LEVEL_LABELS = {"large": "大网格", "medium": "中网格", "small": "小网格"}


class Grid(SQLModel, table=True):
    """One grid polygon of one level (大/中/小网格)."""

    __tablename__ = "grid"
    __table_args__ = (
        Index("ix_grid_level_parent", "level", "parent_code"),
        Index("ix_grid_bbox", "minx", "maxx", "miny", "maxy"),
    )
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


class Department(SQLModel, table=True):
    """A functional department (职能部门) that handles dispatched cases."""

    __tablename__ = "department"

    code: str = Field(primary_key=True, max_length=20)
    name: str = Field(max_length=100)
    short_name: str = Field(max_length=30)
    phone: str | None = Field(default=None, max_length=30)


class Category(SQLModel, table=True):
    """An event category (事件分类): 大类 with ``parent_code`` None, 小类 beneath."""

    __tablename__ = "category"

    code: str = Field(primary_key=True, max_length=20)
    name: str = Field(max_length=100)
    parent_code: str | None = Field(default=None, foreign_key="category.code", max_length=20)
    department_code: str | None = Field(default=None, foreign_key="department.code", max_length=20)
    accept_limit: str | None = Field(default=None, max_length=10)
    dispatch_limit: str | None = Field(default=None, max_length=10)
    claim_limit: str | None = Field(default=None, max_length=10)
    handle_limit: str | None = Field(default=None, max_length=10)
    verify_limit: str | None = Field(default=None, max_length=10)
    urgent: bool = False
    weight: float = 1.0


class Incident(SQLModel, table=True):
    """One geotagged case (案件) and where it stands in the closed loop."""

    __tablename__ = "incident"
    __table_args__ = (
        Index("ix_incident_lonlat", "lon", "lat"),
        Index("ix_incident_status_dept", "status", "department_code"),
        Index("ix_incident_category_reported", "category_code", "reported_at"),
    )
    model_config = {"arbitrary_types_allowed": True}

    id: int | None = Field(default=None, primary_key=True)
    case_no: str = Field(max_length=40, unique=True)
    category_code: str = Field(foreign_key="category.code", max_length=20)
    description: str
    source: str = Field(max_length=20)
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
    status: str = Field(index=True, max_length=20)
    department_code: str | None = Field(default=None, foreign_key="department.code", max_length=20)
    co_departments: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    claimed_by: str | None = Field(default=None, max_length=50)
    urgent: bool = False
    escalation_level: int = 0
    rework_count: int = 0
    return_count: int = 0
    extension_count: int = 0
    reopened: bool = False
    resolved_on_site: bool = False
    pending_extension_hours: float | None = None
    rating: str | None = Field(default=None, max_length=10)
    stage: str | None = Field(default=None, max_length=20)
    stage_started_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    stage_due_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    handle_due_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    reported_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    accepted_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    dispatched_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    handled_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    closed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    rated_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    version: int = 1
    idempotency_key: str | None = Field(default=None, max_length=100, unique=True)
    external_id: str | None = Field(default=None, max_length=100, unique=True)


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
    from_status: str | None = Field(default=None, max_length=20)
    to_status: str = Field(max_length=20)
    actor: str = Field(max_length=50)
    role: str = Field(max_length=20)
    department_code: str | None = Field(default=None, max_length=20)
    note: str | None = None
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))


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
    role: str = Field(max_length=20)
    department_code: str | None = Field(default=None, foreign_key="department.code", max_length=20)
    grid_codes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    password_hash: str = Field(max_length=200)
    active: bool = True


# ---------------------------------------------------------------- API shapes

SOURCES = {
    "patrol": "网格员巡查",
    "hotline": "12345热线",
    "wechat": "微信/小程序",
    "visit": "群众来访",
    "deputy": "代表委员",
    "transfer": "部门移交",
    "sensor": "视频/物联感知",
}


class IncidentCreate(BaseModel):
    """What intake (``POST /api/incidents``) takes."""

    category: str = PField(min_length=1, max_length=20, description="A 小类 code, e.g. 0201")
    description: str = PField(min_length=1, max_length=2000)
    lon: float = PField(ge=-180, le=180, allow_inf_nan=False)
    lat: float = PField(ge=-90, le=90, allow_inf_nan=False)
    crs: str = PField(default="wgs84", description="wgs84 | gcj02 | bd09")
    source: str = PField(default="patrol", description=", ".join(SOURCES))
    reporter_name: str | None = PField(default=None, max_length=50)
    reporter_phone: str | None = PField(
        default=None, max_length=30, pattern=r"^\+?[0-9][0-9\- ]{4,24}$"
    )
    address: str | None = PField(default=None, max_length=200)
    external_id: str | None = PField(default=None, min_length=1, max_length=100)
    urgent: bool | None = PField(default=None, description="Default: the category's setting")


class GridRef(BaseModel):
    """The three grids a case lies in."""

    small: str
    medium: str
    large: str


class Deadline(BaseModel):
    """The running stage's clock."""

    stage: str | None
    started_at: datetime | None
    due_at: datetime | None
    light: str | None
    supervision: str | None


class IncidentPublic(BaseModel):
    """A case as the API returns it (personal data masked by role)."""

    id: int
    case_no: str
    category: str
    category_name: str | None = None
    description: str
    source: str
    reporter_name: str | None
    reporter_phone: str | None
    address: str | None
    lon: float
    lat: float
    raw_lon: float
    raw_lat: float
    raw_crs: str
    grid: GridRef
    status: str
    status_label: str
    department: str | None
    co_departments: list[str]
    claimed_by: str | None
    urgent: bool
    escalation_level: int
    rework_count: int
    return_count: int
    extension_count: int
    pending_extension_hours: float | None
    reopened: bool
    resolved_on_site: bool
    rating: str | None
    deadline: Deadline
    deadlines: dict[str, datetime | None] = PField(
        default_factory=dict, description="Due times: the running stage and the handle stage"
    )
    reported_at: datetime
    closed_at: datetime | None
    updated_at: datetime
    allowed_actions: list[str] = []


class IncidentCreated(IncidentPublic):
    """Intake's answer: the case plus open look-alikes nearby."""

    possible_duplicates: list[dict[str, Any]] = []


class IncidentList(BaseModel):
    """A page of cases with the total that matched."""

    number_matched: int
    number_returned: int
    items: list[IncidentPublic]


class ActionBody(BaseModel):
    """The JSON body of ``POST /api/incidents/{id}/actions/{action}``."""

    department: str | None = PField(default=None, max_length=20)
    co_departments: list[str] = PField(default_factory=list, max_length=10)
    reason: str | None = PField(default=None, max_length=1000)
    duplicate_of: str | None = PField(default=None, max_length=40)
    result: str | None = PField(default=None, max_length=2000)
    passed: bool | None = None
    rating: str | None = PField(default=None, max_length=10)
    hours: float | None = PField(default=None, allow_inf_nan=False)
    note: str | None = PField(default=None, max_length=1000)
    photo_ids: list[int] = PField(default_factory=list, max_length=20)


class EventPublic(BaseModel):
    """One step of a case's timeline."""

    id: int
    incident_id: int
    seq: int
    action: str
    action_label: str
    from_status: str | None
    to_status: str
    actor: str
    role: str
    department: str | None
    note: str | None
    data: dict[str, Any]
    at: datetime


class PhotoPublic(BaseModel):
    """A stored photo's metadata."""

    id: int
    incident_id: int
    content_type: str
    size_bytes: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime
    url: str
