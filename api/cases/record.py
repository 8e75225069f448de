"""The stored case and the rules' view of it, mapped both ways from one declaration.

:class:`~api.workflow.records.CaseSnapshot` names what the rules need; each of its fields is
read from the :class:`~api.models.Incident` column of the same name (or the one in
:data:`COLUMN_OF`), and a :class:`~api.workflow.records.Transition` is written back the same
way, so a new rule field is added in two places: the snapshot and the table.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from typing import Any, Final

from api.models import Incident, IncidentCoUnit
from api.workflow import (
    Action,
    CaseSnapshot,
    Stage,
    StageLimits,
    Status,
    Transition,
    WorkCalendar,
    deadline,
    extend_deadline,
    stage_for,
)

__all__ = ["COLUMN_OF", "apply_changes", "snapshot_of", "transition_changes"]

COLUMN_OF: Final[dict[str, str]] = {"department": "department_code"}
"""Snapshot fields whose column has another name."""

_DERIVED: Final = frozenset({"grid_codes", "co_departments", "status", "reported_by"})
"""Snapshot fields that are not plain columns to copy back (or never change)."""

MILESTONES: Final[dict[Action, str]] = {
    Action.accept: "accepted_at",
    Action.dispatch: "dispatched_at",
    Action.handle: "handled_at",
    Action.resolve_on_site: "handled_at",
    Action.close: "closed_at",
    Action.rate: "rated_at",
}
"""The time column each action stamps."""

_REWORK_STATUSES: Final = (Status.claimed, Status.accepted)
_DONE_STATUSES: Final = (Status.handled, Status.closed)


def snapshot_of(incident: Incident) -> CaseSnapshot:
    """What the workflow rules need to know of a stored case."""
    values: dict[str, Any] = {
        f.name: getattr(incident, COLUMN_OF.get(f.name, f.name))
        for f in fields(CaseSnapshot)
        if f.name not in _DERIVED
    }
    return CaseSnapshot(
        **values,
        status=incident.status,
        grid_codes=(incident.small_code, incident.medium_code, incident.large_code),
        co_departments=incident.co_departments,
        reported_by=incident.reported_by,
    )


def transition_changes(
    incident: Incident,
    transition: Transition,
    *,
    limits: StageLimits,
    calendar: WorkCalendar,
    now: datetime,
) -> dict[str, Any]:
    """The column changes one transition makes to a case (pure: no I/O)."""
    case = transition.case
    changes: dict[str, Any] = {
        COLUMN_OF.get(f.name, f.name): getattr(case, f.name)
        for f in fields(CaseSnapshot)
        if f.name not in _DERIVED
    }
    changes.update(status=transition.to_status, updated_at=now)
    changes.update(_clock_changes(incident, transition, limits, calendar, now))
    milestone = MILESTONES.get(transition.action)
    if milestone:
        changes[milestone] = now
    if transition.to_status in _REWORK_STATUSES and transition.from_status in _DONE_STATUSES:
        changes.update(handled_at=None, closed_at=None)
    return changes


def _clock_changes(
    incident: Incident,
    transition: Transition,
    limits: StageLimits,
    calendar: WorkCalendar,
    now: datetime,
) -> dict[str, Any]:
    """Which stage clock runs after the transition, and until when."""
    urgent = incident.urgent
    if transition.extension_hours and incident.stage_due_at is not None:
        due = extend_deadline(
            incident.stage_due_at, transition.extension_hours, urgent=urgent, calendar=calendar
        )
        moved = {"stage_due_at": due}
        return moved | ({"handle_due_at": due} if incident.stage == Stage.handle else {})
    if transition.stage is not None:
        due = deadline(now, limits.for_stage(transition.stage), urgent=urgent, calendar=calendar)
        started = {"stage": transition.stage.value, "stage_started_at": now, "stage_due_at": due}
        return started | ({"handle_due_at": due} if transition.stage is Stage.handle else {})
    if stage_for(transition.to_status) is None:
        return {"stage": None, "stage_started_at": None, "stage_due_at": None}
    return {}


def apply_changes(incident: Incident, co_units: tuple[str, ...]) -> None:
    """Make the case's co-unit rows match ``co_units`` (order kept)."""
    if incident.co_departments == co_units:
        return
    assert incident.id is not None
    incident.co_units = [
        IncidentCoUnit(incident_id=incident.id, unit_code=code, position=position)
        for position, code in enumerate(co_units)
    ]
