"""The closed-loop state machine (闭环流转) of a case, as the seeds run it.

Pure: it takes a :class:`~api.workflow.records.CaseSnapshot`, an action, the actor and the
input, and returns a :class:`~api.workflow.records.Transition`; the service stores it. The
loop (``DOMAIN.md``, "The closed loop")::

    reported ─accept─▶ accepted ─dispatch─▶ dispatched ─claim─▶ claimed ─assign─▶ assigned
      │ ├─reject─▶ rejected                   │ return (window) ◀─┘     start ─▶ in_progress
      │ └─answer─▶ closed (咨询)               ▼                                   │ handle
      └─resolve_on_site─▶ handled          accepted (counted)                     ▼
    handled ─verify(pass)─▶ verified ─callback─▶ closed, or review when 不满意      handled
    handled ─verify(fail)─▶ in_progress (返工 + 1)
    review ─review(reopen)─▶ in_progress (重办 + 1) | ─review(unreasonable)─▶ closed (flagged)
    open ─escalate─▶ the next tier's queue;  ─whistle─▶ summons with 报到 deadlines

Checks run in a fixed order: unknown action (:class:`UnknownAction`), action not possible
in this state (:class:`IllegalTransition`), actor not allowed by the access policy
(:class:`NotPermitted`, :mod:`api.workflow.access`) or by separation of duties, a rule of
the practice broken (:class:`RuleBroken`: return window, one extension, extension before
the deadline, open sub-tasks), bad input (:class:`InvalidActionInput`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from api.workflow.access import refusal as access_refusal
from api.workflow.errors import IllegalTransition, NotPermitted, RuleBroken, UnknownAction
from api.workflow.records import ActionInput, Actor, CaseSnapshot, Transition
from api.workflow.steps import STEPS, WITH_UNIT
from api.workflow.vocabulary import Action, Role, Status, Tier

__all__ = ["allowed_actions", "apply"]

_A = Action
_BEFORE_HANDLED: Final = frozenset(
    {
        Status.reported,
        Status.accepted,
        Status.dispatched,
        Status.claimed,
        Status.assigned,
        Status.in_progress,
    }
)

_LEGAL: Final[dict[Status, frozenset[Action]]] = {
    Status.reported: frozenset({_A.accept, _A.reject, _A.resolve_on_site}),
    Status.accepted: frozenset({_A.dispatch, _A.reject}),
    Status.dispatched: frozenset({_A.claim, _A.return_}),
    Status.claimed: frozenset({_A.assign, _A.return_}),
    Status.assigned: frozenset({_A.assign, _A.start, _A.handle}),
    Status.in_progress: frozenset({_A.assign, _A.handle}),
    Status.handled: frozenset({_A.verify}),
    Status.verified: frozenset({_A.callback}),
    Status.review: frozenset({_A.review}),
    Status.closed: frozenset(),
    Status.rejected: frozenset(),
}
"""Actions whose legality depends on the status alone."""

_TOWNSHIP_ON_COUNTY: Final = frozenset({_A.whistle, _A.rate_report_in})
"""What a township centre still does on a case in the county's queue: it may blow the
whistle on a problem in its area, and it rates the 报到 of the departments it summoned."""


def _is_legal(case: CaseSnapshot, action: Action) -> bool:
    status = case.status
    conditional: dict[Action, bool] = {
        _A.answer: status is Status.reported and case.answerable,
        _A.escalate: status in _BEFORE_HANDLED and case.tier.above() is not None,
        _A.whistle: status in _BEFORE_HANDLED,
        _A.co_feedback: status in WITH_UNIT and bool(case.open_subtasks()),
        _A.report_in: any(not s.reported for s in case.whistles) and status in _BEFORE_HANDLED,
        _A.rate_report_in: any(s.reported and s.rating is None for s in case.whistles),
        _A.extend: status in WITH_UNIT and case.pending_extension_days is None,
        _A.approve_extension: status in WITH_UNIT and case.pending_extension_days is not None,
    }
    if action in conditional:
        return conditional[action]
    return action in _LEGAL[status]


def _duty_refusal(case: CaseSnapshot, action: Action, actor: Actor) -> str | None:
    """Separation of duties and ownership, beyond the role table (None: allowed)."""
    if actor.role is Role.admin:
        return _admin_duty(case, action, actor)
    if (
        actor.tier is Tier.township
        and case.tier is Tier.county
        and action not in _TOWNSHIP_ON_COUNTY
    ):
        return "案件已上报县区，由县联勤指挥中心处置 / the case is in the county centre's queue"
    if action in (_A.start, _A.handle) and actor.username != case.assignee:
        return f"仅交办的承办人 {case.assignee} 可执行 / only the assignee {case.assignee} may act"
    if action is _A.assign and actor.role is not Role.lead and actor.username != case.claimed_by:
        return "仅单位负责人或签收人可交办 / only the unit's lead or who signed may assign"
    if action is _A.escalate and actor.role is Role.gridworker and case.tier is not Tier.grid:
        return "网格员只能上报网格层级的案件 / grid workers escalate grid-tier cases only"
    if action is _A.whistle and actor.tier is not Tier.township:
        return "吹哨由镇街中心发起 / only a township centre blows the whistle"
    if action is _A.co_feedback and actor.unit not in {c.unit for c in case.open_subtasks()}:
        return "本单位没有待反馈的协办任务 / your unit has no open sub-task on this case"
    if action is _A.report_in and actor.unit not in {
        s.unit for s in case.whistles if not s.reported
    }:
        return "本单位未被吹哨或已报到 / your unit was not summoned or already reported in"
    return _admin_duty(case, action, actor)


def _admin_duty(case: CaseSnapshot, action: Action, actor: Actor) -> str | None:
    """The duties nobody may combine, admin included."""
    handled_by_actor = case.handled_by is not None and case.handled_by == actor.username
    if action in (_A.verify, _A.callback) and handled_by_actor:
        return (
            "处置人不能核查或回访自己的案件 / whoever handled or resolved a case may not "
            "verify it or call the resident back"
        )
    return None


def _standing_rule(case: CaseSnapshot, action: Action) -> RuleBroken | None:
    """The rule of the practice that forbids ``action`` now, whatever the input (or None).

    The rules that depend on the input (open sub-tasks at ``handle``) stay in their step.
    """
    if action is _A.return_ and not case.return_window_open:
        return RuleBroken(
            "return_window",
            "退回须在派遣后规定时限内提出 / a case may be returned only within the window "
            "after dispatch",
        )
    if action is _A.extend and case.extension_count >= 1:
        return RuleBroken("one_extension", "每件案件只能延期一次 / a case may be extended once")
    if action is _A.extend and case.overdue:
        return RuleBroken(
            "extend_before_deadline",
            "已超期，不能再申请延期 / an extension must be requested before the deadline",
        )
    return None


def allowed_actions(case: CaseSnapshot, actor: Actor | None = None) -> list[Action]:
    """The actions possible on a case now, optionally only those ``actor`` may do.

    An action a standing rule forbids (return after the window, a second extension, an
    extension once overdue) is not listed: :func:`apply` would refuse it whatever the input.
    """
    actions = [a for a in Action if _is_legal(case, a) and _standing_rule(case, a) is None]
    if actor is not None:
        actions = [
            a
            for a in actions
            if access_refusal(case, a, actor) is None and _duty_refusal(case, a, actor) is None
        ]
    return actions


def apply(case: CaseSnapshot, action: Action | str, actor: Actor, data: ActionInput) -> Transition:
    """Apply an action to a case and return the transition.

    Raises
    ------
    UnknownAction, IllegalTransition, NotPermitted, RuleBroken, InvalidActionInput
        In that order of checking; see the module docstring.
    """
    try:
        act = Action(action)
    except ValueError:
        raise UnknownAction(str(action)) from None
    if not _is_legal(case, act):
        claimed_by = case.claimed_by if act is Action.claim else None
        raise IllegalTransition(case.status, act, allowed_actions(case), claimed_by=claimed_by)
    refusal = access_refusal(case, act, actor) or _duty_refusal(case, act, actor)
    if refusal is not None:
        raise NotPermitted(actor, act, refusal)
    broken = _standing_rule(case, act)
    if broken is not None:
        raise broken
    step: Callable[[CaseSnapshot, Actor, ActionInput], Transition] = STEPS[act]
    return step(case, actor, data)
