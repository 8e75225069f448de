"""Actions on a case (闭环流转): one new state and one audit event per transition.

The rules live in :mod:`api.workflow`; this module applies them to the store in the
caller's transaction, guarded by a row version so that concurrent actions (two officers
claiming at once) resolve to exactly one winner on either store.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from api.cases.access import get_visible
from api.cases.present import category_names, to_public
from api.cases.record import apply_changes, snapshot_of, transition_changes
from api.cases.schemas import ActionBody, IncidentPublic
from api.context import AppContext
from api.exceptions import Conflict, InvalidInput
from api.models import Category, Department, Incident, IncidentEvent, IncidentPhoto, utcnow
from api.workflow import Action, ActionInput, Actor, Transition, apply

__all__ = ["act", "perform", "input_of"]


def input_of(body: ActionBody) -> ActionInput:
    """The workflow's input from the API body."""
    values = body.model_dump(exclude={"photo_ids"})
    values["co_departments"] = tuple(values["co_departments"])
    return ActionInput(**values)


def perform(
    context: AppContext, incident_id: int, action: Action, body: ActionBody, actor: Actor
) -> IncidentPublic:
    """One action in its own transaction, as the API offers it: the case afterwards."""
    with context.db.write_session() as session:
        incident = act(
            session,
            context,
            incident_id,
            action,
            input_of(body),
            actor,
            photo_ids=body.photo_ids,
        )
        return to_public(incident, actor, context.calendar, category_names=category_names(session))


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
    transition = apply(snapshot_of(incident), action, actor, data)
    _check_references(session, incident, data, photo_ids)
    category = session.get(Category, incident.category_code)
    assert category is not None
    values = transition_changes(
        incident, transition, limits=category.stage_limits(), calendar=context.calendar, now=now
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
    apply_changes(incident, transition.case.co_departments)
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


def _check_references(
    session: Session, incident: Incident, data: ActionInput, photo_ids: Sequence[int]
) -> None:
    """Departments, the duplicated case and photos named in the input must exist."""
    named = (("department", [data.department]), ("co_departments", data.co_departments))
    for field, codes in named:
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
        "co_departments": list(data.co_departments) or None,
        "note": None,
        "photo_ids": list(photo_ids) or None,
        "due_at": due_at.isoformat() if due_at else None,
        "escalation_level": (
            transition.case.escalation_level if transition.action is Action.escalate else None
        ),
    }
    return IncidentEvent(
        incident_id=incident_id,
        seq=seq,
        action=transition.action.value,
        from_status=transition.from_status,
        to_status=transition.to_status,
        actor=actor.username,
        role=actor.role,
        department_code=actor.department,
        note=transition.note,
        data={key: value for key, value in details.items() if value is not None},
        at=at,
    )
