"""Intake (上报): validate, convert, assign the grids, store the case with its first event.

Retries are safe: the same reporter sending the same ``Idempotency-Key`` (or the same
``external_id``) with the same body gets the same case back; with a different body, a
conflict naming the case. Keys are scoped per reporter, so nobody can read another
reporter's case through a key, and a reporter can always read what it reported.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import shapely
from sqlalchemy import or_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from api.cases.access import visibility_clause
from api.cases.present import REPORT_ACTION, catalog_of, to_public
from api.cases.schemas import CaseBrief, IncidentCreate, IncidentCreated
from api.context import AppContext
from api.exceptions import Conflict, Forbidden, InvalidInput
from api.models import Category, Incident, IncidentEvent, utcnow
from api.store import bbox_overlaps, radius_bbox
from api.vocabulary import SOURCE_LABELS
from api.workflow import (
    OPEN_STATUSES,
    Actor,
    Permission,
    Stage,
    Status,
    WorkCalendar,
    deadline,
    may,
)
from geo.crs import to_wgs84
from geo.distance import haversine_m

__all__ = ["IntakeResult", "case_number", "intake", "submit_report"]

DUPLICATES_SHOWN = 10
"""At most this many look-alike cases are named in an intake answer, nearest first."""


@dataclass(frozen=True)
class IntakeResult:
    """What intake did: the case, whether it is new, and look-alikes the caller may see."""

    incident: Incident
    created: bool
    possible_duplicates: list[Incident]


def submit_report(
    context: AppContext, data: IncidentCreate, actor: Actor, *, idempotency_key: str | None
) -> tuple[IncidentCreated, bool]:
    """Intake in its own transaction, as the API offers it: (the answer, whether new).

    When a concurrent retry with the same key wins the insert, the winner's case is
    answered under the same rules as any replay.
    """
    try:
        with context.db.write_session() as session:
            result = intake(session, context, data, actor, idempotency_key=idempotency_key)
            return _answer(session, context, result, actor), result.created
    except IntegrityError:
        with context.db.session() as session:
            existing = _replay(session, data, actor, idempotency_key=idempotency_key)
            if existing is None:
                raise Conflict("the report could not be stored; send it again") from None
            result = IntakeResult(existing, created=False, possible_duplicates=[])
            return _answer(session, context, result, actor), False


def _answer(
    session: Session, context: AppContext, result: IntakeResult, actor: Actor
) -> IncidentCreated:
    public = to_public(result.incident, actor, context.calendar, catalog=catalog_of(session))
    briefs = [CaseBrief.model_validate(d) for d in result.possible_duplicates]
    return IncidentCreated(**public.model_dump(), possible_duplicates=briefs)


def request_fingerprint(data: IncidentCreate) -> str:
    """A digest of the report's body: a retry must send the same one."""
    return hashlib.sha256(data.model_dump_json().encode()).hexdigest()


def _replay(
    session: Session, data: IncidentCreate, actor: Actor, *, idempotency_key: str | None
) -> Incident | None:
    """The reporter's earlier case for the same key or external id, if any.

    Raises :class:`Conflict` when the earlier delivery carried a different body.
    """
    clauses: list[ColumnElement[bool]] = []
    if idempotency_key:
        clauses.append(col(Incident.idempotency_key) == idempotency_key)
    if data.external_id:
        clauses.append(col(Incident.external_id) == data.external_id)
    if not clauses:
        return None
    existing = session.exec(
        select(Incident).where(col(Incident.reported_by) == actor.username, or_(*clauses))
    ).first()
    if existing is not None and existing.request_hash != request_fingerprint(data):
        same_key = idempotency_key is not None and existing.idempotency_key == idempotency_key
        which = "Idempotency-Key" if same_key else "external_id"
        raise Conflict(
            f"{which} was already used for case {existing.case_no} with a different body; "
            "use a new key for a new report",
            field=which,
            case_no=existing.case_no,
        )
    return existing


def intake(
    session: Session,
    context: AppContext,
    data: IncidentCreate,
    actor: Actor,
    *,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> IntakeResult:
    """Take a report in the caller's transaction: the new case, or the replayed one."""
    if not may(actor.role, Permission.report):
        raise Forbidden(f"role {actor.role.value!r} may not report cases", role=actor.role.value)
    existing = _replay(session, data, actor, idempotency_key=idempotency_key)
    if existing is not None:
        return IntakeResult(existing, created=False, possible_duplicates=[])
    now = now or utcnow()
    category = _category(session, data.category)
    lon, lat = (float(v) for v in to_wgs84(data.lon, data.lat, data.crs.value))
    index = context.grid_index.get(session)
    grid = index.assign_one(lon, lat) if index is not None else None
    if grid is None:
        raise InvalidInput(
            "lon,lat",
            f"point ({data.lon}, {data.lat}) in {data.crs.value} lies outside every grid "
            "of the city",
        )
    incident = new_incident(
        data, category=category, lon=lon, lat=lat, grid=grid, calendar=context.calendar, now=now
    )
    incident.reported_by = actor.username
    incident.idempotency_key = idempotency_key
    incident.request_hash = request_fingerprint(data)
    session.add(incident)
    session.flush()
    assert incident.id is not None
    incident.case_no = case_number(context.settings.case_prefix, incident.id, now, context.calendar)
    session.add(report_event(incident, actor, category_name=category.name))
    session.flush()
    duplicates = possible_duplicates(session, context, incident, actor, now=now)
    return IntakeResult(incident, created=True, possible_duplicates=duplicates)


def _category(session: Session, code: str) -> Category:
    category = session.get(Category, code)
    if category is None or category.parent_code is None:
        known = "a 小类 code such as 0201" if category is None else f"{category.name} is a 大类"
        raise InvalidInput("category", f"unknown category {code!r}; expected {known}")
    return category


def new_incident(
    data: IncidentCreate,
    *,
    category: Category,
    lon: float,
    lat: float,
    grid: tuple[str, str, str],
    calendar: WorkCalendar,
    now: datetime,
) -> Incident:
    """A freshly reported case with its accept clock running (pure: no I/O)."""
    if not data.description.strip():
        raise InvalidInput("description", "must not be empty")
    urgent = category.urgent if data.urgent is None else data.urgent
    small, medium, large = grid
    limit = category.stage_limits().accept
    return Incident(
        **data.model_dump(include={"reporter_name", "reporter_phone", "address", "external_id"}),
        case_no=f"tmp-{uuid.uuid4().hex}",
        category_code=category.code,
        description=data.description.strip(),
        source=data.source,
        reported_by="",
        lon=lon,
        lat=lat,
        geom=shapely.Point(lon, lat),
        raw_lon=data.lon,
        raw_lat=data.lat,
        raw_crs=data.crs.value,
        small_code=small,
        medium_code=medium,
        large_code=large,
        status=Status.reported,
        tier=category.tier,
        urgent=urgent,
        stage=Stage.accept.value,
        stage_started_at=now,
        stage_due_at=deadline(now, limit, urgent=urgent, calendar=calendar),
        reported_at=now,
        updated_at=now,
    )


def case_number(prefix: str, incident_id: int, at: datetime, calendar: WorkCalendar) -> str:
    """The readable case number, e.g. ``SW-20261121-000123`` (local date + id)."""
    return f"{prefix}-{calendar.to_local(at).strftime('%Y%m%d')}-{incident_id:06d}"


def report_event(incident: Incident, actor: Actor, *, category_name: str) -> IncidentEvent:
    """The first event of every case: who reported it, from which source and CRS."""
    assert incident.id is not None
    return IncidentEvent.by(
        actor,
        incident_id=incident.id,
        seq=1,
        action=REPORT_ACTION,
        from_status=None,
        to_status=Status.reported,
        note=f"{SOURCE_LABELS[incident.source]}上报：{category_name}",
        data={
            "source": incident.source.value,
            "crs": incident.raw_crs,
            "raw": [incident.raw_lon, incident.raw_lat],
        },
        at=incident.reported_at,
    )


def possible_duplicates(
    session: Session, context: AppContext, incident: Incident, actor: Actor, *, now: datetime
) -> list[Incident]:
    """Open cases of the same category nearby, recent, that the caller may see; nearest first."""
    settings = context.settings
    bbox = radius_bbox(incident.lon, incident.lat, settings.duplicate_radius_m)
    query = select(Incident).where(
        Incident.category_code == incident.category_code,
        col(Incident.status).in_(OPEN_STATUSES),
        Incident.reported_at >= now - timedelta(days=settings.duplicate_window_days),
        Incident.id != incident.id,
        bbox_overlaps(context.db.store, Incident, bbox),
    )
    scope = visibility_clause(actor)
    if scope is not None:
        query = query.where(scope)
    candidates = session.exec(query).all()
    if not candidates:
        return []
    distance = haversine_m(
        incident.lon, incident.lat, [c.lon for c in candidates], [c.lat for c in candidates]
    )
    near = sorted(
        (d, c.id or 0, c)
        for c, d in zip(candidates, distance, strict=True)
        if d <= settings.duplicate_radius_m
    )
    return [c for _d, _id, c in near[:DUPLICATES_SHOWN]]
