"""Cases and events as a given caller may see them: masking, clocks, labels, actions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from api.cases.record import snapshot_of
from api.cases.schemas import (
    CoUnitPublic,
    Deadline,
    EventPublic,
    GridRef,
    IncidentPublic,
    WhistlePublic,
)
from api.cases.supervision import SUPERVISE_ACTION
from api.models import Category, Incident, IncidentEvent, utcnow
from api.workflow import (
    Action,
    Actor,
    CaseSnapshot,
    PersonalData,
    StageClock,
    WorkCalendar,
    allowed_actions,
    personal_data,
)

__all__ = [
    "REPORT_ACTION",
    "Catalog",
    "catalog_of",
    "deadline_of",
    "event_public",
    "mask_name",
    "mask_phone",
    "stage_clock",
    "to_public",
]

REPORT_ACTION = "report"
"""The timeline step that opens every case (not an action a caller can send)."""

EVENT_LABELS = {
    REPORT_ACTION: "上报",
    SUPERVISE_ACTION: "督办",
    **{a.value: a.label for a in Action},
}
"""The words of every timeline step: the workflow's actions and the two system steps."""


def mask_name(name: str | None) -> str | None:
    """张三 → 张*, 欧阳娜娜 → 欧***: keep the first character only."""
    if not name:
        return name
    return name[0] + "*" * max(1, len(name) - 1)


def mask_phone(phone: str | None) -> str | None:
    """13812345678 → 138****5678; short numbers keep only their last two digits."""
    if not phone:
        return phone
    digits = phone.replace(" ", "").replace("-", "")
    if len(digits) >= 11:
        return digits[:3] + "****" + digits[-4:]
    return "*" * max(0, len(digits) - 2) + digits[-2:]


def reporter_for(actor: Actor, incident: Incident) -> tuple[str | None, str | None]:
    """What the caller may see of the reporter: all, masked, or nothing (by the policy)."""
    seen = personal_data(actor.role)
    if seen is PersonalData.full:
        return incident.reporter_name, incident.reporter_phone
    if seen is PersonalData.hidden:
        return None, None
    return mask_name(incident.reporter_name), mask_phone(incident.reporter_phone)


def stage_clock(row: Any, calendar: WorkCalendar) -> StageClock | None:
    """The clock of a case's running stage (None when no stage runs).

    ``row`` is an :class:`~api.models.Incident` or a selected row with its stage columns.
    """
    started, due = row.stage_started_at, row.stage_due_at
    if not (row.stage and started and due):
        return None
    return StageClock(started, due, urgent=row.urgent, calendar=calendar)


def deadline_of(incident: Incident, calendar: WorkCalendar, now: datetime) -> Deadline:
    """The running stage's clock with its light and supervision card."""
    clock = stage_clock(incident, calendar)
    if clock is None:
        return Deadline()
    return Deadline(
        stage=incident.stage,
        started_at=clock.started,
        due_at=clock.due,
        light=clock.light(now).value,
        supervision=clock.supervision(now).value,
    )


@dataclass(frozen=True)
class Catalog:
    """What presenting a case needs of its category: the name, and if it is answerable."""

    names: dict[str, str]
    answerable: frozenset[str]


def catalog_of(session: Session) -> Catalog:
    """The category facts for presenting cases, read once per request."""
    rows = session.exec(select(Category.code, Category.name, Category.answerable)).all()
    return Catalog(
        names={code: name for code, name, _a in rows},
        answerable=frozenset(code for code, _n, answerable in rows if answerable),
    )


def to_public(
    incident: Incident,
    actor: Actor,
    calendar: WorkCalendar,
    *,
    catalog: Catalog | None = None,
    now: datetime | None = None,
    snapshot: CaseSnapshot | None = None,
) -> IncidentPublic:
    """The case as this caller may see it (reporter masked by the access policy).

    ``snapshot`` with the clock's facts makes the allowed actions exact (a return after its
    window, an extension once overdue are left out); without it they are the state's.
    """
    name, phone = reporter_for(actor, incident)
    public = IncidentPublic.model_validate(incident, from_attributes=True)
    code = incident.category_code
    answerable = catalog is not None and code in catalog.answerable
    snapshot = snapshot or snapshot_of(incident, answerable=answerable)
    return public.model_copy(
        update={
            "reporter_name": name,
            "reporter_phone": phone,
            "category_name": catalog.names.get(code) if catalog else None,
            "status_label": incident.status.label,
            "grid": GridRef(
                small=incident.small_code, medium=incident.medium_code, large=incident.large_code
            ),
            "deadline": deadline_of(incident, calendar, now or utcnow()),
            "deadlines": {"stage": incident.stage_due_at, "handle": incident.handle_due_at},
            "co_units": [CoUnitPublic.model_validate(c) for c in incident.co_units],
            "whistles": [WhistlePublic.model_validate(w) for w in incident.whistles],
            "allowed_actions": allowed_actions(snapshot, actor),
        }
    )


def event_public(event: IncidentEvent) -> EventPublic:
    """One timeline entry for the API."""
    public = EventPublic.model_validate(event, from_attributes=True)
    return public.model_copy(update={"action_label": EVENT_LABELS.get(event.action, event.action)})
