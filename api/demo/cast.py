"""Who does what in the demo: the dispatcher, each department's officer, each grid worker.

The cast only says who *tries* an action; whether they may is the workflow's decision
(:func:`api.workflow.apply` refuses a step by the wrong person).
"""

from __future__ import annotations

from api.models import Incident
from api.vocabulary import Source
from api.workflow import Action, Actor, Role

__all__ = ["DISPATCHER", "OBSERVER", "PLAYED_BY", "principal_for", "reporter_for"]

DISPATCHER = Actor(username="dispatcher", full_name="指挥中心值班员", role=Role.dispatcher)
OBSERVER = Actor(username="admin", full_name="系统管理员", role=Role.admin)
"""Reads which actions the workflow allows on a case for anyone."""

PLAYED_BY: dict[Action, Role] = {
    Action.claim: Role.officer,
    Action.return_: Role.officer,
    Action.start: Role.officer,
    Action.handle: Role.officer,
    Action.extend: Role.officer,
    Action.resolve_on_site: Role.gridworker,
    Action.verify: Role.gridworker,
}
"""Actions played by an officer or a grid worker; the dispatcher plays the rest."""


def officer_of(department: str) -> Actor:
    """The demo officer (承办人) of a department."""
    return Actor(
        username=f"officer_{department}",
        full_name="承办人",
        role=Role.officer,
        department=department,
    )


def gridworker_of(medium_code: str) -> Actor:
    """The demo grid worker (网格员) of a medium grid."""
    return Actor(
        username=f"gridworker_{medium_code}",
        full_name="网格员",
        role=Role.gridworker,
        grid_codes=frozenset({medium_code}),
    )


def principal_for(action: Action, case: Incident) -> Actor:
    """Who does ``action`` on ``case`` in the demo."""
    role = PLAYED_BY.get(action, Role.dispatcher)
    if role is Role.officer and case.department_code:
        return officer_of(case.department_code)
    if role is Role.gridworker:
        return gridworker_of(case.medium_code)
    return DISPATCHER


def reporter_for(source: Source, medium_code: str) -> Actor:
    """Who enters a report: the grid worker on patrol, else the command centre."""
    return gridworker_of(medium_code) if source is Source.patrol else DISPATCHER
