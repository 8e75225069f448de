"""The stored case and the rules' view of it, mapped both ways from one declaration.

:class:`~api.workflow.records.CaseSnapshot` names what the rules need; each plain field is
read from the :class:`~api.models.Incident` column of the same name (or the one in
:data:`COLUMN_OF`) and written back the same way. Co-units and whistles are child rows.
The facts that need the clock and the calendar (overdue, return window, handling limit in
days) are worked out here, so the rules never read a clock.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import datetime, timedelta
from typing import Any, Final

from api.models import Category, Incident, IncidentCoUnit, IncidentWhistle
from api.workflow import (
    Action,
    CaseSnapshot,
    CoUnit,
    Stage,
    Status,
    Summons,
    TimeLimit,
    Transition,
    WorkCalendar,
    deadline,
    stage_for,
)

__all__ = [
    "COLUMN_OF",
    "CaseFacts",
    "StepFacts",
    "apply_children",
    "case_facts",
    "snapshot_of",
    "transition_changes",
]

COLUMN_OF: Final[dict[str, str]] = {"unit": "unit_code"}
"""Snapshot fields whose column has another name."""

_CHILDREN: Final = frozenset({"co_units", "whistles"})
_DERIVED: Final = frozenset(
    {
        "grid_codes",
        "reported_by",
        "answerable",
        "overdue",
        "return_window_open",
        "handle_limit_days",
    }
)
"""Snapshot fields that are not columns of the case (or that never change)."""

_HANDLING: Final = frozenset(
    {Status.dispatched, Status.claimed, Status.assigned, Status.in_progress}
)

MILESTONES: Final[dict[Action, str]] = {
    Action.accept: "accepted_at",
    Action.dispatch: "dispatched_at",
    Action.handle: "handled_at",
    Action.resolve_on_site: "handled_at",
    Action.callback: "called_back_at",
}
"""The time column each action stamps (closing is stamped by the status)."""


@dataclass(frozen=True)
class CaseFacts:
    """What the clock and the calendar say about a case now."""

    overdue: bool = False
    return_window_open: bool = True
    handle_limit_days: float = 3.0


def _plain_fields() -> list[str]:
    return [f.name for f in fields(CaseSnapshot) if f.name not in _DERIVED | _CHILDREN]


def case_facts(
    incident: Incident,
    category: Category,
    calendar: WorkCalendar,
    now: datetime,
    *,
    return_window_hours: float,
) -> CaseFacts:
    """Overdue now, whether a return is still in its window, the handling limit in days."""
    limit = category.stage_limits().handle
    days = limit.amount if limit.unit == "d" else limit.amount / calendar.hours_per_day
    due = incident.handle_due_at
    overdue = incident.status in _HANDLING and due is not None and now > due
    window = True
    if incident.dispatched_at is not None:
        if incident.urgent:
            window = now - incident.dispatched_at <= timedelta(hours=return_window_hours)
        else:
            worked = calendar.working_hours_between(incident.dispatched_at, now)
            window = worked <= return_window_hours
    return CaseFacts(overdue=overdue, return_window_open=window, handle_limit_days=days)


def snapshot_of(
    incident: Incident, facts: CaseFacts | None = None, *, answerable: bool = False
) -> CaseSnapshot:
    """What the workflow rules need to know of a stored case."""
    values: dict[str, Any] = {
        name: getattr(incident, COLUMN_OF.get(name, name)) for name in _plain_fields()
    }
    return CaseSnapshot(
        **values,
        grid_codes=(incident.small_code, incident.medium_code, incident.large_code),
        reported_by=incident.reported_by,
        answerable=answerable,
        co_units=tuple(CoUnit(c.unit_code, c.state, c.note) for c in incident.co_units),
        whistles=tuple(
            Summons(w.unit_code, w.whistle_no, w.reported_at is not None, w.rating)
            for w in incident.whistles
        ),
        **asdict(facts or CaseFacts()),
    )


def transition_changes(
    incident: Incident,
    transition: Transition,
    *,
    category: Category,
    calendar: WorkCalendar,
    now: datetime,
) -> dict[str, Any]:
    """The column changes one transition makes to a case (pure: no I/O)."""
    case = transition.case
    changes: dict[str, Any] = {
        COLUMN_OF.get(name, name): getattr(case, name) for name in _plain_fields()
    }
    changes["updated_at"] = now
    changes.update(_clock_changes(incident, transition, category.stage_limits(), calendar, now))
    milestone = MILESTONES.get(transition.action)
    if milestone:
        changes[milestone] = now
    if transition.to_status is Status.closed:
        changes["closed_at"] = now
    if transition.to_status in (Status.in_progress, Status.accepted) and incident.handled_at:
        changes["handled_at"] = None
    return changes


def _clock_changes(
    incident: Incident,
    transition: Transition,
    limits: Any,
    calendar: WorkCalendar,
    now: datetime,
) -> dict[str, Any]:
    """Which clocks run after the transition, and until when.

    The handling clock runs from dispatch (a new round after rework or reopening); the
    running stage's clock is the handling clock while the unit works on the case.
    """
    urgent = incident.urgent
    changes: dict[str, Any] = {}
    handle_due = incident.handle_due_at
    if transition.restart_handling:
        handle_due = deadline(now, limits.handle, urgent=urgent, calendar=calendar)
        changes["handle_due_at"] = handle_due
        if incident.first_handle_due_at is None:
            changes["first_handle_due_at"] = handle_due
    if transition.extension_days and handle_due is not None:
        handle_due = deadline(
            handle_due, TimeLimit(transition.extension_days, "d"), urgent=urgent, calendar=calendar
        )
        changes["handle_due_at"] = handle_due
        if incident.stage == Stage.handle:
            changes["stage_due_at"] = handle_due
    stage = transition.stage
    if stage is not None:
        due = (
            handle_due
            if stage is Stage.handle
            else deadline(now, limits.for_stage(stage), urgent=urgent, calendar=calendar)
        )
        if stage is Stage.claim and handle_due is not None and due is not None:
            due = min(due, handle_due)
        changes.update(stage=stage.value, stage_started_at=now, stage_due_at=due)
    elif stage_for(transition.to_status) is None:
        changes.update(stage=None, stage_started_at=None, stage_due_at=None)
    return changes


@dataclass(frozen=True)
class StepFacts:
    """Who made a step, when, with which note, and by when summoned units must report in."""

    by: str
    note: str | None
    now: datetime
    whistle_due: datetime | None = None


def apply_children(incident: Incident, transition: Transition, step: StepFacts) -> None:
    """Make the case's co-unit and whistle rows match the transition's snapshot."""
    assert incident.id is not None
    current = {c.unit_code: c for c in incident.co_units}
    rows = []
    for position, co in enumerate(transition.case.co_units):
        row = current.get(co.unit) or IncidentCoUnit(incident_id=incident.id, unit_code=co.unit)
        if row.state != co.state:
            row.done_at = step.now
        row.position, row.state, row.note = position, co.state, co.note
        rows.append(row)
    incident.co_units = rows
    _apply_whistles(incident, transition, step)


def _apply_whistles(incident: Incident, transition: Transition, step: StepFacts) -> None:
    stored = {(w.whistle_no, w.unit_code): w for w in incident.whistles}
    for summons in transition.case.whistles:
        row = stored.get((summons.whistle_no, summons.unit))
        if row is None:
            assert step.whistle_due is not None and incident.id is not None
            incident.whistles.append(
                IncidentWhistle(
                    incident_id=incident.id,
                    whistle_no=summons.whistle_no,
                    unit_code=summons.unit,
                    whistled_by=step.by,
                    whistled_at=step.now,
                    due_at=step.whistle_due,
                )
            )
            continue
        if summons.reported and row.reported_at is None:
            row.reported_at, row.reported_by, row.note = step.now, step.by, step.note
        if summons.rating != row.rating:
            row.rating = summons.rating
