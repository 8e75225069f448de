"""People and cases for the closed-loop tests: one township, two units, one grid worker.

The case lies in small grid ``SMALL`` of the township whose large grid is ``LARGE``; it is
dispatched to the city management bureau ``cgj`` (lead unit) with the housing bureau ``zjj``
as co-unit. ``OFFICER`` signs for ``cgj`` and the lead ``LEAD`` assigns the case to him.
"""

from __future__ import annotations

from typing import Any

from api.workflow import (
    Action,
    ActionInput,
    Actor,
    CaseSnapshot,
    ReviewDecision,
    Role,
    Status,
    Summons,
    Transition,
    apply,
)

SMALL, MEDIUM, LARGE = "44150200100101", "441502001001", "441502001"
GRIDS = (SMALL, MEDIUM, LARGE)
OTHER_LARGE = "441502002"

COUNTY = Actor("county", Role.dispatcher)
TOWNSHIP = Actor("town", Role.dispatcher, grid_codes=frozenset({LARGE}))
OTHER_TOWNSHIP = Actor("town2", Role.dispatcher, grid_codes=frozenset({OTHER_LARGE}))
LEAD = Actor("chief", Role.lead, unit="cgj")
OFFICER = Actor("li", Role.officer, unit="cgj")
COLLEAGUE = Actor("wang", Role.officer, unit="cgj")
CO_OFFICER = Actor("zhou", Role.officer, unit="zjj")
CO_LEAD = Actor("zhang", Role.lead, unit="zjj")
OUTSIDER = Actor("zhao", Role.officer, unit="gaj")
POLICE = Actor("sun", Role.officer, unit="gaj")
GRIDWORKER = Actor("grid1", Role.gridworker, grid_codes=frozenset({SMALL}))
OTHER_GRIDWORKER = Actor("grid9", Role.gridworker, grid_codes=frozenset({"44150200200199"}))
ADMIN = Actor("root", Role.admin)
ANALYST = Actor("ana", Role.analyst)
SCREEN = Actor("wall", Role.screen)

EVERYONE = (
    COUNTY,
    TOWNSHIP,
    OTHER_TOWNSHIP,
    LEAD,
    OFFICER,
    COLLEAGUE,
    CO_OFFICER,
    CO_LEAD,
    OUTSIDER,
    GRIDWORKER,
    OTHER_GRIDWORKER,
    ADMIN,
    ANALYST,
    SCREEN,
)

VALID_INPUT = ActionInput(
    unit="cgj",
    officer="li",
    reason="理由",
    result="已处置",
    passed=True,
    rating="满意",
    solved=True,
    decision=ReviewDecision.reopen,
    departments=("gaj",),
    days=1.0,
    note="说明",
)
"""Input that every action accepts (given a case in which the action is possible)."""


def valid_input(case: CaseSnapshot, action: Action) -> ActionInput:
    """``VALID_INPUT``, naming a 报到 awaiting its rating when the action rates one."""
    if action is Action.rate_report_in:
        waiting = [s.unit for s in case.whistles if s.reported and s.rating is None]
        return ActionInput(unit=waiting[0] if waiting else "gaj", rating="满意")
    return VALID_INPUT


def do(case: CaseSnapshot, action: Action | str, actor: Actor, **data: Any) -> Transition:
    """Apply ``action`` with the given input fields."""
    return apply(case, action, actor, ActionInput(**data))


def new_case(**fields: Any) -> CaseSnapshot:
    """A case just reported by a resident, in the township's queue."""
    return CaseSnapshot(status=Status.reported, grid_codes=GRIDS, reported_by="resident", **fields)


def accepted_case(**fields: Any) -> CaseSnapshot:
    return do(new_case(**fields), Action.accept, TOWNSHIP).case


def dispatched_case(**fields: Any) -> CaseSnapshot:
    """Dispatched to ``cgj`` with ``zjj`` as co-unit."""
    case = accepted_case(**fields)
    return do(case, Action.dispatch, TOWNSHIP, unit="cgj", co_units=("zjj",)).case


def claimed_case(**fields: Any) -> CaseSnapshot:
    return do(dispatched_case(**fields), Action.claim, OFFICER).case


def assigned_case(**fields: Any) -> CaseSnapshot:
    return do(claimed_case(**fields), Action.assign, LEAD, officer=OFFICER.username).case


def in_progress_case(**fields: Any) -> CaseSnapshot:
    return do(assigned_case(**fields), Action.start, OFFICER).case


def handled_case(**fields: Any) -> CaseSnapshot:
    """The co-unit has reported and the assignee has handled it."""
    case = do(in_progress_case(**fields), Action.co_feedback, CO_OFFICER, note="已协查").case
    return do(case, Action.handle, OFFICER, result="已清理").case


def verified_case(**fields: Any) -> CaseSnapshot:
    return do(handled_case(**fields), Action.verify, TOWNSHIP, passed=True).case


def review_case(**fields: Any) -> CaseSnapshot:
    """Called back with 不满意: waiting for 甄别."""
    case = verified_case(**fields)
    return do(case, Action.callback, TOWNSHIP, rating="不满意", solved=False).case


def on_site_case(**fields: Any) -> CaseSnapshot:
    """Resolved on the spot by the grid worker."""
    return do(new_case(**fields), Action.resolve_on_site, GRIDWORKER, result="当场劝离").case


def whistled_case(*units: str) -> CaseSnapshot:
    """In progress, with ``units`` summoned by the township's whistle."""
    return do(in_progress_case(), Action.whistle, TOWNSHIP, departments=units or ("gaj",)).case


def summons_of(case: CaseSnapshot, unit: str) -> Summons:
    """The latest summons of ``unit``."""
    return [s for s in case.whistles if s.unit == unit][-1]
