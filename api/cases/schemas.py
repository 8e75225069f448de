"""What the case API takes and returns: the request bodies and the public shapes.

The public shape is read from the stored record by attribute (``from_attributes``), so each
stored field is declared once, in :class:`api.models.Incident`; only what the caller's role
and the clock add (masked reporter, light, allowed actions, labels) is computed apart.
The schema states what the service enforces: coordinate ranges, the CRS and source enums,
the category code pattern and every length limit; numbers and booleans are taken only as
JSON numbers and booleans (strict), as the schema types them.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from api.vocabulary import Source
from api.workflow import Action, ReviewDecision, Status, SubtaskState, Tier
from api.workflow.steps import WHISTLE_MAX_MINUTES

__all__ = [
    "ActionBody",
    "CaseBrief",
    "CoUnitPublic",
    "Deadline",
    "EventPublic",
    "GridRef",
    "IncidentCreate",
    "IncidentCreated",
    "IncidentPublic",
    "PhotoPublic",
    "PointCRS",
    "WhistlePublic",
    "WhistleRecord",
]

CATEGORY_PATTERN = r"^[0-9]{4}$"
"""A 小类 code: four digits, the 大类's two and two more (e.g. 0201)."""


class PointCRS(StrEnum):
    """The coordinate systems a reported point may come in."""

    wgs84 = "wgs84"
    gcj02 = "gcj02"
    bd09 = "bd09"


class IncidentCreate(BaseModel):
    """What intake (``POST /api/incidents``) takes."""

    category: str = Field(pattern=CATEGORY_PATTERN, description="A 小类 code, e.g. 0201")
    description: str = Field(min_length=1, max_length=2000)
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False, strict=True)
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False, strict=True)
    crs: PointCRS = Field(default=PointCRS.wgs84, description="The point's coordinate system")
    source: Source = Source.patrol
    reporter_name: str | None = Field(default=None, max_length=50)
    reporter_phone: str | None = Field(
        default=None, max_length=30, pattern=r"^\+?[0-9][0-9\- ]{4,24}$"
    )
    address: str | None = Field(default=None, max_length=200)
    external_id: str | None = Field(default=None, min_length=1, max_length=100)
    urgent: bool | None = Field(
        default=None, strict=True, description="Default: the category's setting"
    )


class GridRef(BaseModel):
    """The three grids a case lies in."""

    small: str
    medium: str
    large: str


class Deadline(BaseModel):
    """The running stage's clock."""

    stage: str | None = None
    started_at: datetime | None = None
    due_at: datetime | None = None
    light: str | None = None
    supervision: str | None = None


class CaseBrief(BaseModel):
    """A look-alike case named by intake: enough to open it, nothing personal."""

    model_config = ConfigDict(from_attributes=True, populate_by_name=True)

    id: int
    case_no: str
    status: Status
    lon: float
    lat: float


class CoUnitPublic(BaseModel):
    """A co-unit (协办) and the state of its sub-task."""

    model_config = ConfigDict(from_attributes=True, populate_by_name=True)

    unit: str = Field(validation_alias="unit_code")
    state: SubtaskState
    note: str | None
    done_at: datetime | None


class WhistlePublic(BaseModel):
    """A department summoned by a whistle (吹哨) and its 报到."""

    model_config = ConfigDict(from_attributes=True, populate_by_name=True)

    whistle_no: int
    department: str = Field(validation_alias="unit_code")
    whistled_at: datetime
    due_at: datetime
    reported_at: datetime | None
    on_time: bool | None
    rating: str | None


class WhistleRecord(WhistlePublic):
    """A summons listed per department: the whistle and the case it was blown on."""

    incident_id: int
    case_no: str


class IncidentPublic(BaseModel):
    """A case as the API returns it (personal data masked by role)."""

    model_config = ConfigDict(from_attributes=True, populate_by_name=True)

    id: int
    case_no: str
    category: str = Field(validation_alias="category_code")
    category_name: str | None = None
    description: str
    source: Source
    reporter_name: str | None
    reporter_phone: str | None
    address: str | None
    lon: float
    lat: float
    raw_lon: float
    raw_lat: float
    raw_crs: str
    grid: GridRef | None = None
    status: Status
    status_label: str = ""
    tier: Tier
    closing_tier: Tier | None
    unit: str | None = Field(validation_alias="unit_code")
    co_units: list[CoUnitPublic] = []
    claimed_by: str | None
    assignee: str | None
    urgent: bool
    rework_count: int = Field(description="Failed verifications (返工)")
    reopen_count: int = Field(
        description="Reopened after review of an unsatisfied call-back (重办)"
    )
    return_count: int
    extension_count: int
    pending_extension_days: float | None
    resolved_on_site: bool
    first_rating: str | None = Field(description="The first call-back's rating, kept as given")
    rating: str | None = Field(description="The latest call-back's rating")
    first_solved: bool | None
    solved: bool | None
    unreachable: bool
    unreasonable: bool
    ever_overdue: bool
    handle_due_at: datetime | None
    first_handle_due_at: datetime | None
    whistles: list[WhistlePublic] = []
    deadline: Deadline = Field(default_factory=Deadline)
    deadlines: dict[str, datetime | None] = Field(
        default_factory=dict, description="Due times: the running stage and the handle stage"
    )
    reported_at: datetime
    closed_at: datetime | None
    updated_at: datetime
    allowed_actions: list[Action] = []


class IncidentCreated(IncidentPublic):
    """Intake's answer: the case plus open look-alikes nearby that the caller may see."""

    possible_duplicates: list[CaseBrief] = []


class ActionBody(BaseModel):
    """The JSON body of ``POST /api/incidents/{id}/actions/{action}``.

    Which fields count depends on the action (the workflow's
    :class:`~api.workflow.records.ActionInput` lists them).
    """

    model_config = ConfigDict(extra="forbid")

    unit: str | None = Field(default=None, max_length=20, description="dispatch: the lead unit")
    co_units: list[str] = Field(default_factory=list, max_length=10, description="dispatch")
    officer: str | None = Field(default=None, max_length=80, description="assign: a username")
    reason: str | None = Field(default=None, max_length=1000)
    duplicate_of: str | None = Field(default=None, max_length=40)
    result: str | None = Field(default=None, max_length=2000)
    passed: bool | None = Field(default=None, strict=True)
    rating: Literal["满意", "基本满意", "不满意"] | None = None
    solved: bool | None = Field(default=None, strict=True)
    unreachable: bool = Field(default=False, strict=True)
    decision: ReviewDecision | None = None
    departments: list[str] = Field(default_factory=list, max_length=20, description="whistle")
    minutes: int | None = Field(
        default=None, ge=1, le=WHISTLE_MAX_MINUTES, strict=True, description="whistle"
    )
    days: float | None = Field(
        default=None, gt=0, le=60, allow_inf_nan=False, strict=True, description="extend"
    )
    note: str | None = Field(default=None, max_length=1000)
    photo_ids: list[StrictInt] = Field(default_factory=list, max_length=20)


class EventPublic(BaseModel):
    """One step of a case's timeline."""

    model_config = ConfigDict(from_attributes=True, populate_by_name=True)

    id: int
    incident_id: int
    seq: int
    action: str
    action_label: str = ""
    from_status: Status | None
    to_status: Status
    actor: str
    role: str
    unit: str | None = Field(validation_alias="unit_code")
    note: str | None
    data: dict[str, Any]
    at: datetime


class PhotoPublic(BaseModel):
    """A stored photo's metadata."""

    model_config = ConfigDict(from_attributes=True, populate_by_name=True)

    id: int
    incident_id: int
    content_type: str
    size_bytes: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime
    url: str = ""
