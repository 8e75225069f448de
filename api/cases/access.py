"""The access policy applied to stored cases: the SQL filter and the visible-case lookup.

The rules are the table in :mod:`api.workflow.access`; this module gives each
:class:`~api.workflow.access.Reach` its SQL form (the Python form is
:func:`~api.workflow.access.reaches`), so the list filter and the single-case check can
never disagree. Tests compare the two forms case by case.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import false, or_, select, true
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col
from sqlmodel import select as select_rows

from api.cases.record import snapshot_of
from api.exceptions import NotFound
from api.models import Incident, IncidentCoUnit, IncidentEvent, IncidentPhoto, IncidentWhistle
from api.workflow import POLICY, Actor, Reach, can_see

__all__ = ["case_rows", "get_visible", "reach_clause", "visibility_clause"]


def _unit_cases(actor: Actor) -> ColumnElement[bool]:
    if actor.unit is None:
        return false()
    co_cases = select(col(IncidentCoUnit.incident_id)).where(
        col(IncidentCoUnit.unit_code) == actor.unit
    )
    summoned = select(col(IncidentWhistle.incident_id)).where(
        col(IncidentWhistle.unit_code) == actor.unit
    )
    return or_(
        col(Incident.unit_code) == actor.unit,
        col(Incident.id).in_(co_cases),
        col(Incident.id).in_(summoned),
    )


def _lead_unit_cases(actor: Actor) -> ColumnElement[bool]:
    if actor.unit is None:
        return false()
    return col(Incident.unit_code) == actor.unit


def _grid_cases(actor: Actor) -> ColumnElement[bool]:
    codes = sorted(actor.grid_codes)
    return or_(
        col(Incident.small_code).in_(codes),
        col(Incident.medium_code).in_(codes),
        col(Incident.large_code).in_(codes),
    )


def _centre_cases(actor: Actor) -> ColumnElement[bool]:
    return _grid_cases(actor) if actor.grid_codes else true()


_REACH_SQL: dict[Reach, Callable[[Actor], ColumnElement[bool]]] = {
    Reach.every_case: lambda _actor: true(),
    Reach.centre_cases: _centre_cases,
    Reach.unit_cases: _unit_cases,
    Reach.lead_unit_cases: _lead_unit_cases,
    Reach.grid_cases: _grid_cases,
}


def reach_clause(reach: Reach, actor: Actor) -> ColumnElement[bool]:
    """The SQL form of :func:`api.workflow.access.reaches`."""
    return _REACH_SQL[reach](actor)


def visibility_clause(actor: Actor) -> ColumnElement[bool] | None:
    """A WHERE clause limiting cases to what ``actor`` may see (None: every case)."""
    sees = POLICY[actor.role].sees
    if sees is Reach.every_case or (sees is Reach.centre_cases and not actor.grid_codes):
        return None
    return or_(reach_clause(sees, actor), col(Incident.reported_by) == actor.username)


def get_visible(session: Session, actor: Actor, incident_id: int) -> Incident:
    """The case, or :class:`NotFound` when it does not exist or is outside the scope."""
    incident = session.get(Incident, incident_id)
    if incident is None or not can_see(actor, snapshot_of(incident)):
        raise NotFound(f"no case with id {incident_id} is visible to you", field="id")
    return incident


_CaseRow = TypeVar("_CaseRow", IncidentEvent, IncidentPhoto)


def case_rows(
    session: Session, actor: Actor, incident_id: int, table: type[_CaseRow], order: Any
) -> Sequence[_CaseRow]:
    """The rows of ``table`` that belong to a case ``actor`` may see, sorted by ``order``.

    Raises :class:`NotFound` as :func:`get_visible` does.
    """
    get_visible(session, actor, incident_id)
    query = select_rows(table).where(col(table.incident_id) == incident_id)
    return session.exec(query.order_by(col(order))).all()
