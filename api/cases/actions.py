"""Actions on a case (闭环流转): one new state and one audit event per transition.

The rules live in :mod:`api.workflow`; this module applies them to the store in the
caller's transaction, guarded by a row version so that concurrent actions (two officers
claiming at once) resolve to exactly one winner on either store.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from api.cases.access import get_visible
from api.cases.present import catalog_of, to_public
from api.cases.record import (
    StepFacts,
    apply_children,
    case_facts,
    snapshot_of,
    transition_changes,
)
from api.cases.schemas import ActionBody, IncidentPublic
from api.context import AppContext
from api.exceptions import Conflict, InvalidInput
from api.models import Category, Incident, IncidentEvent, IncidentPhoto, Unit, User, utcnow
from api.vocabulary import UnitKind
from api.workflow import (
    Action,
    ActionInput,
    Actor,
    CaseSnapshot,
    Role,
    TimeLimit,
    Transition,
    apply,
    deadline,
)

__all__ = ["act", "input_of", "perform", "present_now", "snapshot_now"]


def input_of(body: ActionBody) -> ActionInput:
    """The workflow's input from the API body."""
    values = body.model_dump(exclude={"photo_ids"})
    for name in ("co_units", "departments"):
        values[name] = tuple(values[name])
    return ActionInput(**values)


def perform(
    context: AppContext, incident_id: int, action: Action, body: ActionBody, actor: Actor
) -> IncidentPublic:
    """One action in its own transaction, as the API offers it: the case afterwards."""
    with context.db.write_session() as session:
        incident = act(
            session, context, incident_id, action, input_of(body), actor, photo_ids=body.photo_ids
        )
        return present_now(session, context, incident, actor)


def present_now(
    session: Session, context: AppContext, incident: Incident, actor: Actor
) -> IncidentPublic:
    """The case as the caller may see it, with the actions allowed at this moment."""
    now = utcnow()
    _category, snapshot = snapshot_now(session, context, incident, now)
    return to_public(
        incident, actor, context.calendar, catalog=catalog_of(session), now=now, snapshot=snapshot
    )


def snapshot_now(
    session: Session, context: AppContext, incident: Incident, now: datetime
) -> tuple[Category, CaseSnapshot]:
    """The case's category and its snapshot with the clock's facts as of ``now``."""
    category = session.get(Category, incident.category_code)
    assert category is not None
    facts = case_facts(
        incident,
        category,
        context.calendar,
        now,
        return_window_hours=context.settings.return_window_hours,
    )
    return category, snapshot_of(incident, facts, answerable=category.answerable)


def act(
    session: Session,
    context: AppContext,
    incident_id: int,
    action: Action | str,
    data: ActionInput,
    actor: Actor,
    *,
    photo_ids: Sequence[int] = (),
    now: datetime | None = None,
) -> Incident:
    """Apply one action to one case: new state + one event, or a clear refusal.

    The update is conditional on the row version read here, so of two concurrent
    actions on the same case exactly one succeeds; the other gets 409 naming the state
    (and, for a claim, the winner). The version counts the case's events (the report is
    event 1 at version 1), so the new event's sequence number is the new version.
    """
    now = now or utcnow()
    incident = get_visible(session, actor, incident_id)
    version = incident.version
    category, snapshot = snapshot_now(session, context, incident, now)
    transition = apply(snapshot, action, actor, data)
    _check_references(session, incident, transition, data, photo_ids)
    values = transition_changes(
        incident, transition, category=category, calendar=context.calendar, now=now
    )
    values = {k: v for k, v in values.items() if getattr(incident, k) != v}
    values["version"] = version + 1
    table = Incident.__table__  # type: ignore[attr-defined]
    result = session.execute(
        update(table).where(table.c.id == incident_id, table.c.version == version).values(**values)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(incident)
        winner = f"; claimed by {incident.claimed_by}" if incident.claimed_by else ""
        raise Conflict(
            f"the case changed while you acted; it is now {incident.status.value}{winner}",
            status=incident.status.value,
            claimed_by=incident.claimed_by,
        )
    for column, value in values.items():  # what the guarded UPDATE wrote, without re-reading
        set_committed_value(incident, column, value)
    whistle_due = _whistle_due(context, incident, data, now) if transition.summoned else None
    apply_children(incident, transition, StepFacts(actor.username, data.note, now, whistle_due))
    session.add(
        event_for(
            incident_id,
            version + 1,
            transition,
            actor,
            data,
            due_at=values.get("stage_due_at"),
            photo_ids=photo_ids,
            at=now,
        )
    )
    session.flush()
    return incident


def _whistle_due(
    context: AppContext, incident: Incident, data: ActionInput, now: datetime
) -> datetime:
    """When the summoned departments must report in (报到)."""
    settings = context.settings
    if data.minutes is not None:
        return now + timedelta(minutes=data.minutes)
    if incident.urgent:
        return now + timedelta(minutes=settings.whistle_minutes_urgent)
    limit = TimeLimit.parse(settings.whistle_limit)
    return deadline(now, limit, urgent=False, calendar=context.calendar)


def _check_references(
    session: Session,
    incident: Incident,
    transition: Transition,
    data: ActionInput,
    photo_ids: Sequence[int],
) -> None:
    """Units, officers, the duplicated case and photos named in the input must exist."""
    for field, codes in (("unit", [data.unit]), ("co_units", data.co_units)):
        for code in codes:
            if code and transition.action is Action.dispatch and session.get(Unit, code) is None:
                raise InvalidInput(field, f"unknown unit {code!r}; see GET /api/units")
    for code in transition.summoned:
        unit = session.get(Unit, code)
        if unit is None or unit.kind is not UnitKind.department:
            raise InvalidInput("departments", f"{code!r} is not a county department")
    if transition.action is Action.assign:
        officer = session.exec(select(User).where(User.username == data.officer)).first()
        if (
            officer is None
            or officer.unit_code != incident.unit_code
            or officer.role
            not in (
                Role.officer,
                Role.lead,
            )
        ):
            raise InvalidInput(
                "officer", f"{data.officer!r} is not an officer of unit {incident.unit_code}"
            )
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


def event_for(
    incident_id: int,
    seq: int,
    transition: Transition,
    actor: Actor,
    data: ActionInput,
    *,
    due_at: datetime | None,
    photo_ids: Sequence[int] = (),
    at: datetime,
) -> IncidentEvent:
    """The audit-trail entry of one transition: the input as sent, and what it set."""
    details: dict[str, Any] = asdict(data) | {
        "co_units": list(data.co_units) or None,
        "departments": list(data.departments) or None,
        "unreachable": data.unreachable or None,
        "note": None,
        "photo_ids": list(photo_ids) or None,
        "due_at": due_at.isoformat() if due_at else None,
        "tier": transition.case.tier.value if transition.action is Action.escalate else None,
    }
    return IncidentEvent.by(
        actor,
        incident_id=incident_id,
        seq=seq,
        action=transition.action.value,
        from_status=transition.from_status,
        to_status=transition.to_status,
        note=transition.note,
        data={key: value for key, value in details.items() if value is not None},
        at=at,
    )
