"""Cases in the closed loop: intake, actions, visibility, timelines and photos.

The rules themselves live in :mod:`api.workflow` (framework-free); this module applies
them to the store: one new state and one :class:`IncidentEvent` per transition, in the
caller's transaction, guarded by a row version so that concurrent actions (two officers
claiming at once) resolve to exactly one winner on either store.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import shapely
from sqlalchemy import String, cast, func, or_, update
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from api.cases.images import check_photo
from api.context import AppContext
from api.deps import Principal
from api.errors import Conflict, Forbidden, InvalidInput, NotFound
from api.models import (
    SOURCES,
    Category,
    Deadline,
    Department,
    EventPublic,
    GridRef,
    Incident,
    IncidentCreate,
    IncidentEvent,
    IncidentPhoto,
    IncidentPublic,
    utcnow,
)
from api.privacy import reporter_for
from api.store import bbox_overlaps, radius_bbox
from api.workflow import (
    ACTION_LABELS,
    DEFAULT_STAGE_LIMITS,
    OPEN_STATUSES,
    STATUS_LABELS,
    Action,
    ActionInput,
    Actor,
    CaseSnapshot,
    IllegalTransition,
    InvalidActionInput,
    NotPermitted,
    Role,
    Stage,
    StageLimits,
    Status,
    Transition,
    UnknownAction,
    WorkCalendar,
    WorkflowError,
    allowed_actions,
    apply,
    deadline,
    extend_deadline,
    light,
    stage_for,
    supervision,
)
from geo.crs import SUPPORTED_POINT_CRS, UnsupportedCRSError, to_wgs84
from geo.distance import haversine_m

INTAKE_ROLES = frozenset({"dispatcher", "gridworker", "officer", "admin"})
REPORT_ACTION = "report"
EVENT_LABELS = {REPORT_ACTION: "上报", **{a.value: label for a, label in ACTION_LABELS.items()}}
PHOTO_TYPES = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}
REWORK_STATUSES = (Status.claimed, Status.accepted)
DONE_STATUSES = (Status.handled, Status.closed)
MILESTONES = {
    Action.accept: "accepted_at",
    Action.dispatch: "dispatched_at",
    Action.handle: "handled_at",
    Action.resolve_on_site: "handled_at",
    Action.close: "closed_at",
    Action.rate: "rated_at",
}


# ------------------------------------------------------------------ who sees what


def actor_of(principal: Principal) -> Actor:
    """The workflow's view of the signed-in user."""
    return Actor(
        username=principal.username,
        role=Role(principal.role),
        department=principal.department,
        grid_codes=principal.grid_codes,
    )


def visibility_clause(principal: Principal) -> ColumnElement[bool] | None:
    """A WHERE clause limiting cases to the caller's scope (None = everything)."""
    if principal.role == "officer":
        department = principal.department or "\x00"
        return or_(
            col(Incident.department_code) == department,
            cast(Incident.co_departments, String).like(f'%"{department}"%'),
        )
    if principal.role == "gridworker":
        codes = sorted(principal.grid_codes)
        return or_(
            col(Incident.small_code).in_(codes),
            col(Incident.medium_code).in_(codes),
            col(Incident.large_code).in_(codes),
        )
    return None


def can_see(principal: Principal, incident: Incident) -> bool:
    """Whether the caller may know the case exists."""
    if principal.role == "officer":
        return principal.department is not None and (
            incident.department_code == principal.department
            or principal.department in (incident.co_departments or [])
        )
    if principal.role == "gridworker":
        return bool(
            principal.grid_codes & {incident.small_code, incident.medium_code, incident.large_code}
        )
    return True


def get_visible(session: Session, principal: Principal, incident_id: int) -> Incident:
    """The case, or 404 when it does not exist or is outside the caller's scope."""
    incident = session.get(Incident, incident_id)
    if incident is None or not can_see(principal, incident):
        raise NotFound(f"no case with id {incident_id} is visible to you", field="id")
    return incident


# ------------------------------------------------------------------ deadlines


def stage_limits(category: Category) -> StageLimits:
    """The category's per-stage limits, falling back to the defaults stage by stage."""
    defaults = DEFAULT_STAGE_LIMITS.as_dict()
    return StageLimits.from_mapping(
        {stage: getattr(category, f"{stage}_limit") or defaults[stage] for stage in defaults}
    )


def deadline_of(incident: Incident, context: AppContext, now: datetime) -> Deadline:
    """The running stage's clock with its light and supervision card."""
    if not incident.stage or not incident.stage_due_at or not incident.stage_started_at:
        return Deadline(stage=None, started_at=None, due_at=None, light=None, supervision=None)
    kwargs: dict[str, Any] = {"urgent": incident.urgent, "calendar": context.calendar}
    started, due = incident.stage_started_at, incident.stage_due_at
    return Deadline(
        stage=incident.stage,
        started_at=started,
        due_at=due,
        light=light(started, due, now, **kwargs).value,
        supervision=supervision(started, due, now, **kwargs).value,
    )


# ------------------------------------------------------------------ shapes


def snapshot_of(incident: Incident) -> CaseSnapshot:
    """What the workflow rules need to know of a stored case."""
    return CaseSnapshot(
        status=Status(incident.status),
        department=incident.department_code,
        co_departments=tuple(incident.co_departments or ()),
        grid_codes=(incident.small_code, incident.medium_code, incident.large_code),
        claimed_by=incident.claimed_by,
        escalation_level=incident.escalation_level,
        rework_count=incident.rework_count,
        return_count=incident.return_count,
        extension_count=incident.extension_count,
        reopened=incident.reopened,
        pending_extension_hours=incident.pending_extension_hours,
        resolved_on_site=incident.resolved_on_site,
        rating=incident.rating,
    )


def to_public(
    incident: Incident,
    principal: Principal,
    context: AppContext,
    *,
    category_names: dict[str, str] | None = None,
    now: datetime | None = None,
) -> IncidentPublic:
    """The case as this caller may see it (reporter masked by role)."""
    assert incident.id is not None
    name, phone = reporter_for(principal.role, incident.reporter_name, incident.reporter_phone)
    actions = (
        allowed_actions(snapshot_of(incident), actor_of(principal))
        if principal.role in {r.value for r in Role}
        else []
    )
    return IncidentPublic(
        id=incident.id,
        case_no=incident.case_no,
        category=incident.category_code,
        category_name=(category_names or {}).get(incident.category_code),
        description=incident.description,
        source=incident.source,
        reporter_name=name,
        reporter_phone=phone,
        address=incident.address,
        lon=incident.lon,
        lat=incident.lat,
        raw_lon=incident.raw_lon,
        raw_lat=incident.raw_lat,
        raw_crs=incident.raw_crs,
        grid=GridRef(
            small=incident.small_code, medium=incident.medium_code, large=incident.large_code
        ),
        status=incident.status,
        status_label=STATUS_LABELS[Status(incident.status)],
        department=incident.department_code,
        co_departments=list(incident.co_departments or []),
        claimed_by=incident.claimed_by,
        urgent=incident.urgent,
        escalation_level=incident.escalation_level,
        rework_count=incident.rework_count,
        return_count=incident.return_count,
        extension_count=incident.extension_count,
        pending_extension_hours=incident.pending_extension_hours,
        reopened=incident.reopened,
        resolved_on_site=incident.resolved_on_site,
        rating=incident.rating,
        deadline=deadline_of(incident, context, now or utcnow()),
        deadlines={"stage": incident.stage_due_at, "handle": incident.handle_due_at},
        reported_at=incident.reported_at,
        closed_at=incident.closed_at,
        updated_at=incident.updated_at,
        allowed_actions=[a.value for a in actions],
    )


def event_public(event: IncidentEvent) -> EventPublic:
    """One timeline entry for the API."""
    assert event.id is not None
    return EventPublic(
        id=event.id,
        incident_id=event.incident_id,
        seq=event.seq,
        action=event.action,
        action_label=EVENT_LABELS.get(event.action, event.action),
        from_status=event.from_status,
        to_status=event.to_status,
        actor=event.actor,
        role=event.role,
        department=event.department_code,
        note=event.note,
        data=event.data,
        at=event.at,
    )


def category_names(session: Session) -> dict[str, str]:
    """Code → name of every category."""
    return dict(session.exec(select(Category.code, Category.name)).all())


# ------------------------------------------------------------------ intake


@dataclass(frozen=True)
class IntakeResult:
    """What intake did: the case, whether it is new, and look-alikes nearby."""

    incident: Incident
    created: bool
    possible_duplicates: list[Incident]


def find_existing(
    session: Session, *, idempotency_key: str | None, external_id: str | None
) -> Incident | None:
    """The case an earlier delivery of the same report created, if any."""
    clauses: list[ColumnElement[bool]] = []
    if idempotency_key:
        clauses.append(col(Incident.idempotency_key) == idempotency_key)
    if external_id:
        clauses.append(col(Incident.external_id) == external_id)
    if not clauses:
        return None
    return session.exec(select(Incident).where(or_(*clauses))).first()


def intake(
    session: Session,
    context: AppContext,
    data: IncidentCreate,
    principal: Principal,
    *,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> IntakeResult:
    """Take a report: validate, convert, assign its grids, store it with its first event."""
    if principal.role not in INTAKE_ROLES:
        raise Forbidden(f"role {principal.role!r} may not report cases", role=principal.role)
    existing = find_existing(session, idempotency_key=idempotency_key, external_id=data.external_id)
    if existing is not None:
        if not can_see(principal, existing):
            raise Conflict("that idempotency key or external_id belongs to another case")
        return IntakeResult(existing, created=False, possible_duplicates=[])

    now = now or utcnow()
    category = session.get(Category, data.category)
    if category is None or category.parent_code is None:
        known = "a 小类 code such as 0201" if category is None else f"{category.name} is a 大类"
        raise InvalidInput("category", f"unknown category {data.category!r}; expected {known}")
    if not data.description.strip():
        raise InvalidInput("description", "must not be empty")
    if data.source not in SOURCES:
        raise InvalidInput("source", f"unknown source {data.source!r}; one of {', '.join(SOURCES)}")
    crs = data.crs.lower()
    if crs not in SUPPORTED_POINT_CRS:
        raise InvalidInput(
            "crs", f"unknown CRS {data.crs!r}; one of {', '.join(SUPPORTED_POINT_CRS)}"
        )
    try:
        x, y = to_wgs84(data.lon, data.lat, crs)
    except UnsupportedCRSError as exc:
        raise InvalidInput("crs", str(exc)) from None
    lon, lat = float(x), float(y)
    index = context.grid_index.get(session)
    grid = index.assign_one(lon, lat) if index is not None else None
    if grid is None:
        raise InvalidInput(
            "lon,lat",
            f"point ({data.lon}, {data.lat}) in {crs} lies outside every grid of the city",
        )
    incident = new_incident(
        data,
        category=category,
        lon=lon,
        lat=lat,
        grid=grid,
        calendar=context.calendar,
        now=now,
        idempotency_key=idempotency_key,
    )
    session.add(incident)
    session.flush()
    assert incident.id is not None
    incident.case_no = case_number(context.settings.case_prefix, incident.id, now, context.calendar)
    session.add(incident)
    session.add(report_event(incident.id, incident, data, principal, category_name=category.name))
    session.flush()
    duplicates = possible_duplicates(session, context, incident, now=now)
    return IntakeResult(incident, created=True, possible_duplicates=duplicates)


def new_incident(
    data: IncidentCreate,
    *,
    category: Category,
    lon: float,
    lat: float,
    grid: tuple[str, str, str],
    calendar: WorkCalendar,
    now: datetime,
    idempotency_key: str | None = None,
) -> Incident:
    """A freshly reported case with its accept clock running (pure: no I/O)."""
    urgent = category.urgent if data.urgent is None else data.urgent
    small, medium, large = grid
    return Incident(
        case_no=f"tmp-{uuid.uuid4().hex}",
        category_code=category.code,
        description=data.description.strip(),
        source=data.source,
        reporter_name=data.reporter_name,
        reporter_phone=data.reporter_phone,
        address=data.address,
        lon=lon,
        lat=lat,
        geom=shapely.Point(lon, lat),
        raw_lon=data.lon,
        raw_lat=data.lat,
        raw_crs=data.crs.lower(),
        small_code=small,
        medium_code=medium,
        large_code=large,
        status=Status.reported.value,
        urgent=urgent,
        stage=Stage.accept.value,
        stage_started_at=now,
        stage_due_at=deadline(now, stage_limits(category).accept, urgent=urgent, calendar=calendar),
        reported_at=now,
        updated_at=now,
        idempotency_key=idempotency_key,
        external_id=data.external_id,
    )


def case_number(prefix: str, incident_id: int, at: datetime, calendar: WorkCalendar) -> str:
    """The readable case number, e.g. ``SW-20261121-000123`` (local date + id)."""
    return f"{prefix}-{calendar.to_local(at).strftime('%Y%m%d')}-{incident_id:06d}"


def report_event(
    incident_id: int,
    incident: Incident,
    data: IncidentCreate,
    principal: Principal,
    *,
    category_name: str,
) -> IncidentEvent:
    """The first event of every case: who reported it, from which source and CRS."""
    return IncidentEvent(
        incident_id=incident_id,
        seq=1,
        action=REPORT_ACTION,
        from_status=None,
        to_status=Status.reported.value,
        actor=principal.username,
        role=principal.role,
        department_code=principal.department,
        note=f"{SOURCES[data.source]}上报：{category_name}",
        data={"source": data.source, "crs": data.crs.lower(), "raw": [data.lon, data.lat]},
        at=incident.reported_at,
    )


def possible_duplicates(
    session: Session, context: AppContext, incident: Incident, *, now: datetime
) -> list[Incident]:
    """Open cases of the same category within the radius in the recent window."""
    settings = context.settings
    bbox = radius_bbox(incident.lon, incident.lat, settings.duplicate_radius_m)
    candidates = session.exec(
        select(Incident).where(
            Incident.category_code == incident.category_code,
            col(Incident.status).in_([s.value for s in OPEN_STATUSES]),
            Incident.reported_at >= now - timedelta(days=settings.duplicate_window_days),
            Incident.id != incident.id,
            bbox_overlaps(
                context.db.store,
                geom=Incident.geom,
                bbox_columns=(Incident.lon, Incident.lat),  # type: ignore[arg-type]
                bbox=bbox,
            ),
        )
    ).all()
    if not candidates:
        return []
    distance = haversine_m(
        incident.lon, incident.lat, [c.lon for c in candidates], [c.lat for c in candidates]
    )
    return [
        c for c, d in zip(candidates, distance, strict=True) if d <= settings.duplicate_radius_m
    ]


# ------------------------------------------------------------------ actions


def _check_references(
    session: Session, incident: Incident, data: ActionInput, photo_ids: Sequence[int]
) -> None:
    for field, codes in (
        ("department", [data.department]),
        ("co_departments", data.co_departments),
    ):
        for code in codes:
            if code and session.get(Department, code) is None:
                raise InvalidInput(field, f"unknown department {code!r}")
    if data.duplicate_of:
        found = session.exec(
            select(Incident.id).where(Incident.case_no == data.duplicate_of)
        ).first()
        if found is None or found == incident.id:
            raise InvalidInput("duplicate_of", f"no other case numbered {data.duplicate_of!r}")
    for photo_id in photo_ids:
        photo = session.get(IncidentPhoto, photo_id)
        if photo is None or photo.incident_id != incident.id:
            raise InvalidInput("photo_ids", f"photo {photo_id} is not attached to this case")


def _workflow_error(exc: WorkflowError, incident: Incident) -> Exception:
    if isinstance(exc, UnknownAction):
        allowed = ", ".join(a.value for a in Action)
        return NotFound(f"{exc}; actions are: {allowed}", field="action")
    if isinstance(exc, IllegalTransition):
        extra: dict[str, Any] = {}
        message = str(exc)
        if exc.action == Action.claim and incident.claimed_by:
            extra["claimed_by"] = incident.claimed_by
            message = f"{message}; already claimed by {incident.claimed_by}"
        return Conflict(
            message,
            status=incident.status,
            allowed_actions=[a.value for a in exc.allowed],
            **extra,
        )
    if isinstance(exc, NotPermitted):
        return Forbidden(str(exc))
    if isinstance(exc, InvalidActionInput):
        return InvalidInput(exc.field, exc.message)
    return Conflict(str(exc))


def act(
    session: Session,
    context: AppContext,
    incident_id: int,
    action: str,
    data: ActionInput,
    principal: Principal,
    *,
    photo_ids: Sequence[int] = (),
    now: datetime | None = None,
) -> Incident:
    """Apply one action to one case: new state + one event, or a clear refusal.

    The update is conditional on the row version read here, so of two concurrent
    actions on the same case exactly one succeeds; the other gets 409 naming the state
    (and, for a claim, the winner).
    """
    now = now or utcnow()
    incident = get_visible(session, principal, incident_id)
    version = incident.version
    try:
        transition = apply(snapshot_of(incident), action, actor_of(principal), data)
    except WorkflowError as exc:
        raise _workflow_error(exc, incident) from None
    _check_references(session, incident, data, photo_ids)

    category = session.get(Category, incident.category_code)
    assert category is not None
    values = transition_changes(
        incident, transition, limits=stage_limits(category), calendar=context.calendar, now=now
    )
    values["version"] = Incident.version + 1

    result = session.execute(
        update(Incident)
        .where(col(Incident.id) == incident_id, col(Incident.version) == version)
        .values(**values)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(incident)
        winner = f"; claimed by {incident.claimed_by}" if incident.claimed_by else ""
        raise Conflict(
            f"the case changed while you acted; it is now {incident.status}{winner}",
            status=incident.status,
            claimed_by=incident.claimed_by,
        )
    seq = session.exec(
        select(func.coalesce(func.max(IncidentEvent.seq), 0)).where(
            IncidentEvent.incident_id == incident_id
        )
    ).one()
    session.add(
        event_for(
            incident_id,
            int(seq) + 1,
            transition,
            principal,
            data,
            due_at=values.get("stage_due_at"),
            photo_ids=photo_ids,
            at=now,
        )
    )
    session.flush()
    session.refresh(incident)
    return incident


def _join_notes(*notes: str | None) -> str | None:
    parts = [n for n in notes if n]
    return "；".join(parts) if parts else None


def transition_changes(
    incident: Incident,
    transition: Transition,
    *,
    limits: StageLimits,
    calendar: WorkCalendar,
    now: datetime,
) -> dict[str, Any]:
    """The column changes one transition makes to a case (pure: no I/O).

    Shared by live actions and by the demo's history replay, so both follow one rule set.
    """
    case = transition.case
    changes: dict[str, Any] = {
        "status": transition.to_status.value,
        "department_code": case.department,
        "co_departments": list(case.co_departments),
        "claimed_by": case.claimed_by,
        "escalation_level": case.escalation_level,
        "rework_count": case.rework_count,
        "return_count": case.return_count,
        "extension_count": case.extension_count,
        "reopened": case.reopened,
        "pending_extension_hours": case.pending_extension_hours,
        "resolved_on_site": case.resolved_on_site,
        "rating": case.rating,
        "updated_at": now,
    }
    urgent = incident.urgent
    if transition.extension_hours and incident.stage_due_at is not None:
        due = extend_deadline(
            incident.stage_due_at, transition.extension_hours, urgent=urgent, calendar=calendar
        )
        changes["stage_due_at"] = due
        if incident.stage == Stage.handle.value:
            changes["handle_due_at"] = due
    elif transition.stage is not None:
        due = deadline(now, limits.for_stage(transition.stage), urgent=urgent, calendar=calendar)
        changes.update(stage=transition.stage.value, stage_started_at=now, stage_due_at=due)
        if transition.stage == Stage.handle:
            changes["handle_due_at"] = due
    elif stage_for(transition.to_status) is None:
        changes.update(stage=None, stage_started_at=None, stage_due_at=None)
    milestone = MILESTONES.get(transition.action)
    if milestone:
        changes[milestone] = now
    if transition.to_status in REWORK_STATUSES and transition.from_status in DONE_STATUSES:
        changes.update(handled_at=None, closed_at=None)
    return changes


def event_for(
    incident_id: int,
    seq: int,
    transition: Transition,
    principal: Principal,
    data: ActionInput,
    *,
    due_at: datetime | None,
    photo_ids: Sequence[int] = (),
    at: datetime,
) -> IncidentEvent:
    """The audit-trail entry of one transition."""
    details = {
        "department": data.department,
        "co_departments": list(data.co_departments) or None,
        "reason": data.reason,
        "duplicate_of": data.duplicate_of,
        "result": data.result,
        "passed": data.passed,
        "rating": data.rating,
        "hours": data.hours,
        "photo_ids": list(photo_ids) or None,
        "due_at": due_at.isoformat() if due_at else None,
        "escalation_level": (
            transition.case.escalation_level if transition.action == Action.escalate else None
        ),
    }
    return IncidentEvent(
        incident_id=incident_id,
        seq=seq,
        action=transition.action.value,
        from_status=transition.from_status.value,
        to_status=transition.to_status.value,
        actor=principal.username,
        role=principal.role,
        department_code=principal.department,
        note=_join_notes(transition.note, data.note),
        data={key: value for key, value in details.items() if value is not None},
        at=at,
    )


# ------------------------------------------------------------------ timeline and photos


def timeline(session: Session, principal: Principal, incident_id: int) -> list[IncidentEvent]:
    """Every event of a visible case, oldest first."""
    get_visible(session, principal, incident_id)
    return list(
        session.exec(
            select(IncidentEvent)
            .where(IncidentEvent.incident_id == incident_id)
            .order_by(col(IncidentEvent.seq))
        ).all()
    )


def sniff_image(head: bytes) -> str | None:
    """The image type the bytes really are (JPEG, PNG, WebP), by magic number."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def save_photo(
    session: Session,
    context: AppContext,
    principal: Principal,
    incident_id: int,
    content: bytes,
    *,
    declared_type: str | None,
    now: datetime | None = None,
) -> IncidentPhoto:
    """Check a photo's size and real type, store it under the data directory, record it."""
    incident = get_visible(session, principal, incident_id)
    if principal.role in ("screen", "analyst"):
        raise Forbidden(f"role {principal.role!r} may not attach photos")
    checked = check_photo(
        content,
        max_bytes=context.settings.photo_max_bytes,
        max_pixels=context.settings.photo_max_pixels,
        declared_type=declared_type,
    )
    kind, content = checked.content_type, checked.data
    digest = hashlib.sha256(content).hexdigest()
    folder = photo_dir(context) / str(incident.id)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{digest}{PHOTO_TYPES[kind]}"
    if not path.exists():
        temporary = path.with_suffix(".part")
        temporary.write_bytes(content)
        temporary.replace(path)
    photo = IncidentPhoto(
        incident_id=incident_id,
        filename=path.name,
        content_type=kind,
        size_bytes=len(content),
        sha256=digest,
        uploaded_by=principal.username,
        uploaded_at=now or utcnow(),
    )
    session.add(photo)
    session.flush()
    return photo


def photo_dir(context: AppContext) -> Path:
    """Where photos live."""
    return context.settings.work_dir / "photos"


def photo_path(
    session: Session, context: AppContext, principal: Principal, incident_id: int, photo_id: int
) -> tuple[Path, str]:
    """A stored photo's file and type, for a caller allowed to see the case."""
    if principal.role == "screen":
        raise Forbidden("the big-screen role may not open case photos")
    get_visible(session, principal, incident_id)
    photo = session.get(IncidentPhoto, photo_id)
    if photo is None or photo.incident_id != incident_id:
        raise NotFound(f"case {incident_id} has no photo {photo_id}", field="photo_id")
    return photo_dir(context) / str(incident_id) / photo.filename, photo.content_type
