"""Who does what in the demo: the centres' dispatchers, each unit's staff, each grid worker.

The demo users are those of :func:`api.reference.seed_demo_users`: ``dispatcher`` (the
county centre), ``dispatcher_<large grid>`` (a township centre), ``officer_<unit>`` for every
unit (departments and township centres), ``lead_<department>`` and ``gridworker_<medium>``.
The cast only says who *tries* an action; whether they may is the workflow's decision
(:func:`api.workflow.apply` refuses a step by the wrong person, and refuses a handler who
would verify or call back their own case).
"""

from __future__ import annotations

from api.reference import demo_username
from api.vocabulary import Source
from api.workflow import Action, Actor, CaseSnapshot, Role, Tier

__all__ = [
    "COUNTY_DISPATCHER",
    "OBSERVER",
    "centre_of",
    "gridworker_of",
    "lead_of",
    "officer_name",
    "officer_of",
    "principal_for",
    "reporter_for",
    "township_dispatcher",
]

COUNTY_DISPATCHER = Actor(
    username="dispatcher", full_name="县联勤指挥中心值班员", role=Role.dispatcher
)
OBSERVER = Actor(username="admin", full_name="系统管理员", role=Role.admin)
"""Reads which actions the workflow allows on a case for anyone."""


def _grid_actor(role: Role, code: str, full_name: str) -> Actor:
    """The demo user of ``role`` whose area is the grid ``code``."""
    return Actor(
        username=demo_username(role, code),
        full_name=full_name,
        role=role,
        grid_codes=frozenset({code}),
    )


def township_dispatcher(large_code: str) -> Actor:
    """The dispatcher of a township centre (镇街综治中心), whose area is its large grid."""
    return _grid_actor(Role.dispatcher, large_code, "镇街综治中心值班员")


def officer_name(unit: str) -> str:
    """The username of a unit's demo officer (承办人)."""
    return demo_username(Role.officer, unit)


def officer_of(unit: str) -> Actor:
    """The demo officer (承办人) of a unit: a department or a township centre."""
    return Actor(username=officer_name(unit), full_name="承办人", role=Role.officer, unit=unit)


def lead_of(department: str) -> Actor:
    """The demo lead (单位负责人) of a department, who assigns its cases."""
    return Actor(
        username=demo_username(Role.lead, department),
        full_name="负责人",
        role=Role.lead,
        unit=department,
    )


def gridworker_of(medium_code: str) -> Actor:
    """The demo grid worker (网格员) of a medium grid."""
    return _grid_actor(Role.gridworker, medium_code, "网格员")


def is_township_unit(unit: str) -> bool:
    """Whether a unit code is a township centre's (a large grid code, all digits)."""
    return unit.isdigit()


def centre_of(case: CaseSnapshot) -> Actor:
    """The dispatcher of the centre whose queue holds the case (county or its township)."""
    if case.tier is Tier.county:
        return COUNTY_DISPATCHER
    return township_dispatcher(case.grid_codes[2])


def _unit_staff(action: Action, case: CaseSnapshot) -> Actor | None:
    """The lead unit's, a co-unit's or a summoned department's person for ``action``."""
    unit = case.unit or ""
    if action in (Action.claim, Action.return_):
        return officer_of(unit)
    if action is Action.assign:
        return officer_of(unit) if is_township_unit(unit) else lead_of(unit)
    if action in (Action.start, Action.handle, Action.extend):
        return Actor(username=case.assignee or "", role=Role.officer, unit=unit)
    if action is Action.co_feedback:
        return officer_of(case.open_subtasks()[0].unit)
    if action is Action.report_in:
        return officer_of(next(s.unit for s in case.whistles if not s.reported))
    return None


def principal_for(action: Action, case: CaseSnapshot) -> Actor:
    """Who does ``action`` on ``case`` in the demo.

    The centre of the case's tier accepts, dispatches, calls back, reviews and approves;
    the township centre blows the whistle and rates the 报到; the lead unit's staff sign,
    assign and handle; the grid worker resolves on the spot and verifies what a unit
    handled (the centre verifies what the grid worker resolved, so nobody checks their own
    work).
    """
    staff = _unit_staff(action, case)
    if staff is not None:
        return staff
    gridworker = gridworker_of(case.grid_codes[1])
    if action is Action.resolve_on_site:
        return gridworker
    if action is Action.verify:
        return centre_of(case) if case.handled_by == gridworker.username else gridworker
    if action in (Action.whistle, Action.rate_report_in):
        return township_dispatcher(case.grid_codes[2])
    if action is Action.escalate:
        if case.tier is Tier.grid:
            return gridworker
        if case.unit is not None:
            return officer_of(case.unit)
    return centre_of(case)


def reporter_for(source: Source, medium_code: str) -> Actor:
    """Who enters a report: the grid worker on patrol, else the county centre (12345)."""
    return gridworker_of(medium_code) if source is Source.patrol else COUNTY_DISPATCHER
