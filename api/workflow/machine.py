"""The closed-loop state machine (闭环流转) of an incident case.

The machine is pure: it takes a :class:`CaseSnapshot` (what the rules need to know
about a case), an :class:`Action`, the :class:`Actor` doing it and the
:class:`ActionInput` they sent, and returns a :class:`Transition` holding the new
snapshot. It never touches a database or a clock; the caller stores the new
snapshot, appends the event and starts the deadline of :attr:`Transition.stage`.

The loop follows GB/T 30428 / CJ/T 315 and the rules in ``DOMAIN.md``::

    reported ──accept──▶ accepted ──dispatch──▶ dispatched ──claim──▶ claimed ──start──▶ in_progress
       ├─reject──▶ rejected                         └─return─▶ accepted ◀─return─┘
       └─resolve_on_site──▶ handled          claimed / in_progress ──handle──▶ handled
    handled ──verify(pass)──▶ verified ──close──▶ closed ──rate──▶ rated
    handled ──verify(fail)──▶ claimed (rework + 1)
    closed ──rate(不满意, first time)──▶ claimed (reopened, rework + 1)
    (both go to accepted instead when no department handled it: 就地处置 cases)
    any open state ──escalate──▶ same state, one level up (网格 → 镇街 → 县区)
    dispatched / claimed / in_progress ──extend──▶ same state, extension requested
    dispatched / claimed / in_progress ──approve_extension──▶ same state, deadline moved

Checks run in a fixed order: unknown action (:class:`UnknownAction`), action not
possible in the current state (:class:`IllegalTransition`), actor not allowed by the access
policy (:class:`NotPermitted`, see :mod:`api.workflow.access`), bad input
(:class:`InvalidActionInput`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

from api.workflow.access import refusal as access_refusal
from api.workflow.errors import IllegalTransition, InvalidActionInput, NotPermitted, UnknownAction
from api.workflow.records import ActionInput, Actor, CaseSnapshot, Transition
from api.workflow.vocabulary import (
    ESCALATION_LABELS,
    MAX_ESCALATION_LEVEL,
    MAX_EXTENSION_HOURS,
    OPEN_STATUSES,
    RATINGS,
    UNSATISFIED,
    Action,
    Stage,
    Status,
)

__all__ = ["allowed_actions", "apply"]


# ---------------------------------------------------------------- the state matrix

_EXTENDABLE = frozenset({Status.dispatched, Status.claimed, Status.in_progress})

# Actions whose legality depends on the status alone (escalate, extend and
# approve_extension also look at the snapshot; see _is_legal).
_LEGAL: dict[Status, frozenset[Action]] = {
    Status.reported: frozenset({Action.accept, Action.reject, Action.resolve_on_site}),
    Status.accepted: frozenset({Action.dispatch}),
    Status.dispatched: frozenset({Action.claim, Action.return_}),
    Status.claimed: frozenset({Action.start, Action.handle, Action.return_}),
    Status.in_progress: frozenset({Action.handle}),
    Status.handled: frozenset({Action.verify}),
    Status.verified: frozenset({Action.close}),
    Status.closed: frozenset({Action.rate}),
    Status.rated: frozenset(),
    Status.rejected: frozenset(),
}


def _is_legal(case: CaseSnapshot, action: Action) -> bool:
    if action is Action.escalate:
        return case.status in OPEN_STATUSES and case.escalation_level < MAX_ESCALATION_LEVEL
    if action is Action.extend:
        return case.status in _EXTENDABLE and case.pending_extension_hours is None
    if action is Action.approve_extension:
        return case.status in _EXTENDABLE and case.pending_extension_hours is not None
    return action in _LEGAL[case.status]


# ---------------------------------------------------------------- public functions


def _normalised(case: CaseSnapshot) -> CaseSnapshot:
    """Accept a snapshot whose status is a plain string (e.g. read from a database)."""
    if isinstance(case.status, Status):
        return case
    return replace(case, status=Status(case.status))


def allowed_actions(case: CaseSnapshot, actor: Actor | None = None) -> list[Action]:
    """List the actions possible on a case, optionally only those ``actor`` may do.

    Parameters
    ----------
    case : CaseSnapshot
        The case as it stands.
    actor : Actor, optional
        If given, leave out actions this actor is not permitted to do.

    Returns
    -------
    list of Action
        In :class:`Action` declaration order.
    """
    case = _normalised(case)
    actions = [a for a in Action if _is_legal(case, a)]
    if actor is not None:
        actions = [a for a in actions if access_refusal(case, a, actor) is None]
    return actions


def apply(case: CaseSnapshot, action: Action | str, actor: Actor, data: ActionInput) -> Transition:
    """Apply an action to a case and return the transition.

    Parameters
    ----------
    case : CaseSnapshot
        The case as it stands.
    action : Action or str
        The action, as a member or its value (``"return"`` for :attr:`Action.return_`).
    actor : Actor
        Who does it. Grid scope is checked against ``actor.grid_codes``.
    data : ActionInput
        The input sent with the action.

    Returns
    -------
    Transition
        Old and new status, the new snapshot, the deadline stage that starts now and
        a note for the event log.

    Raises
    ------
    UnknownAction
        ``action`` is not an :class:`Action`.
    IllegalTransition
        The action is not possible in the current state (also: escalating at county
        level, extending while a request is pending, approving without a request).
    NotPermitted
        The actor's role, department or grid scope does not allow it.
    InvalidActionInput
        A required field is missing or a value is wrong.
    """
    if isinstance(action, Action):
        act = action
    else:
        try:
            act = Action(action)
        except ValueError:
            raise UnknownAction(str(action)) from None
    case = _normalised(case)
    if not _is_legal(case, act):
        claimed_by = case.claimed_by if act is Action.claim else None
        raise IllegalTransition(case.status, act, allowed_actions(case), claimed_by=claimed_by)
    refusal = access_refusal(case, act, actor)
    if refusal is not None:
        raise NotPermitted(actor, act, refusal)
    return _HANDLERS[act](case, actor, data)


# ---------------------------------------------------------------- input helpers


def _text(value: str | None, field: str, what: str) -> str:
    if value is None or not value.strip():
        raise InvalidActionInput(field, what)
    return value.strip()


def _codes(values: tuple[str, ...], field: str, main: str | None) -> tuple[str, ...]:
    seen: list[str] = []
    for raw in values:
        code = raw.strip() if isinstance(raw, str) else ""
        if not code:
            raise InvalidActionInput(field, "部门编码不能为空 / department codes must not be blank")
        if code == main:
            raise InvalidActionInput(
                field,
                f"协办部门不能包含承办部门 {code} / the main department {code!r} "
                "cannot also be a co-operating department",
            )
        if code in seen:
            raise InvalidActionInput(
                field, f"协办部门 {code} 重复 / department {code!r} is listed twice"
            )
        seen.append(code)
    return tuple(seen)


def _with_note(summary: str, data: ActionInput) -> str:
    if data.note and data.note.strip():
        return f"{summary}；{data.note.strip()}"
    return summary


def _hours_text(hours: float) -> str:
    return f"{hours:g}"


def _move(
    case: CaseSnapshot,
    action: Action,
    new: CaseSnapshot,
    stage: Stage | None,
    note: str,
    data: ActionInput,
    extension_hours: float | None = None,
) -> Transition:
    if new.status != case.status:
        # An extension request belongs to the stage it was made in.
        new = replace(new, pending_extension_hours=None)
    return Transition(
        action=action,
        from_status=case.status,
        to_status=new.status,
        case=new,
        stage=stage,
        note=_with_note(note, data),
        extension_hours=extension_hours,
    )


# ---------------------------------------------------------------- one handler per action


def _accept(case: CaseSnapshot, actor: Actor, data: ActionInput) -> Transition:
    new = replace(case, status=Status.accepted)
    return _move(case, Action.accept, new, Stage.dispatch, "受理立案", data)


def _reject(case: CaseSnapshot, actor: Actor, data: ActionInput) -> Transition:
    reason = data.reason.strip() if data.reason else ""
    duplicate = data.duplicate_of.strip() if data.duplicate_of else ""
    if not reason and not duplicate:
        raise InvalidActionInput(
            "reason",
            "不予受理须说明理由或填写重复案件 / give a reason or the case this duplicates "
            "(duplicate_of)",
        )
    parts = []
    if duplicate:
        parts.append(f"重复件，同 {duplicate}")
    if reason:
        parts.append(reason)
    new = replace(case, status=Status.rejected)
    return _move(case, Action.reject, new, None, "不予受理：" + "；".join(parts), data)


def _resolve_on_site(case: CaseSnapshot, actor: Actor, data: ActionInput) -> Transition:
    result = _text(data.result, "result", "请填写处置结果 / the result is required")
    new = replace(case, status=Status.handled, resolved_on_site=True)
    return _move(case, Action.resolve_on_site, new, Stage.verify, f"就地处置：{result}", data)


def _dispatch(case: CaseSnapshot, actor: Actor, data: ActionInput) -> Transition:
    department = _text(data.department, "department", "请选择承办部门 / department is required")
    co = _codes(data.co_departments, "co_departments", department)
    new = replace(
        case,
        status=Status.dispatched,
        department=department,
        co_departments=co,
        claimed_by=None,
    )
    note = f"派遣至 {department}"
    if co:
        note += f"；协办 {'、'.join(co)}"
    return _move(case, Action.dispatch, new, Stage.claim, note, data)


def _claim(case: CaseSnapshot, actor: Actor, data: ActionInput) -> Transition:
    new = replace(case, status=Status.claimed, claimed_by=actor.username)
    return _move(case, Action.claim, new, Stage.handle, f"{actor.username} 签收", data)


def _return(case: CaseSnapshot, actor: Actor, data: ActionInput) -> Transition:
    reason = _text(data.reason, "reason", "退回须说明理由 / a reason is required")
    new = replace(
        case,
        status=Status.accepted,
        department=None,
        co_departments=(),
        claimed_by=None,
        return_count=case.return_count + 1,
    )
    note = f"{case.department} 退回：{reason}"
    return _move(case, Action.return_, new, Stage.dispatch, note, data)


def _start(case: CaseSnapshot, actor: Actor, data: ActionInput) -> Transition:
    new = replace(case, status=Status.in_progress)
    return _move(case, Action.start, new, None, "开始处置", data)


def _handle(case: CaseSnapshot, actor: Actor, data: ActionInput) -> Transition:
    result = _text(data.result, "result", "请填写处置结果 / the result is required")
    new = replace(case, status=Status.handled)
    return _move(case, Action.handle, new, Stage.verify, f"处置反馈：{result}", data)


def _reopen(case: CaseSnapshot) -> tuple[CaseSnapshot, Stage, str]:
    """Send a case back for rework: to its department, or to dispatch if it has none."""
    if case.department is not None:
        new = replace(case, status=Status.claimed, rework_count=case.rework_count + 1)
        return new, Stage.handle, f"退回 {case.department} 重新处置"
    new = replace(
        case,
        status=Status.accepted,
        rework_count=case.rework_count + 1,
        resolved_on_site=False,
        claimed_by=None,
    )
    return new, Stage.dispatch, "转派遣员重新派遣"


def _verify(case: CaseSnapshot, actor: Actor, data: ActionInput) -> Transition:
    if data.passed is None:
        raise InvalidActionInput("passed", "请填写核查结论 / passed (true or false) is required")
    if data.passed:
        new = replace(case, status=Status.verified)
        return _move(case, Action.verify, new, None, "核查通过", data)
    new, stage, where = _reopen(case)
    note = "核查不通过，" + where
    if data.reason and data.reason.strip():
        note += f"：{data.reason.strip()}"
    return _move(case, Action.verify, new, stage, note, data)


def _close(case: CaseSnapshot, actor: Actor, data: ActionInput) -> Transition:
    new = replace(case, status=Status.closed)
    return _move(case, Action.close, new, None, "结案", data)


def _rate(case: CaseSnapshot, actor: Actor, data: ActionInput) -> Transition:
    if data.rating not in RATINGS:
        raise InvalidActionInput(
            "rating",
            f"评价须为 {'、'.join(RATINGS)} 之一 / rating must be one of {', '.join(RATINGS)}",
        )
    rating = data.rating
    if rating == UNSATISFIED and not case.reopened:
        new, stage, where = _reopen(replace(case, reopened=True, rating=None))
        return _move(case, Action.rate, new, stage, f"评价：{rating}，{where}", data)
    new = replace(case, status=Status.rated, rating=rating)
    return _move(case, Action.rate, new, None, f"评价：{rating}", data)


def _escalate(case: CaseSnapshot, actor: Actor, data: ActionInput) -> Transition:
    reason = _text(data.reason, "reason", "上报须说明理由 / a reason is required")
    added = _codes(data.co_departments, "co_departments", case.department)
    co = case.co_departments + tuple(c for c in added if c not in case.co_departments)
    level = case.escalation_level + 1
    new = replace(case, escalation_level=level, co_departments=co)
    note = f"上报至{ESCALATION_LABELS[level]}：{reason}"
    if added:
        note += f"；协办 {'、'.join(added)}"
    return _move(case, Action.escalate, new, None, note, data)


def _extend(case: CaseSnapshot, actor: Actor, data: ActionInput) -> Transition:
    hours = data.hours
    if hours is None or not math.isfinite(hours) or not 0 < hours <= MAX_EXTENSION_HOURS:
        raise InvalidActionInput(
            "hours",
            f"延期时长须大于 0 且不超过 {MAX_EXTENSION_HOURS:g} 小时 / hours must be > 0 "
            f"and ≤ {MAX_EXTENSION_HOURS:g}, got {hours!r}",
        )
    reason = _text(data.reason, "reason", "申请延期须说明理由 / a reason is required")
    new = replace(case, pending_extension_hours=float(hours))
    note = f"申请延期 {_hours_text(hours)} 小时：{reason}"
    return _move(case, Action.extend, new, None, note, data)


def _approve_extension(case: CaseSnapshot, actor: Actor, data: ActionInput) -> Transition:
    hours = case.pending_extension_hours
    assert hours is not None  # guaranteed by _is_legal
    new = replace(case, pending_extension_hours=None, extension_count=case.extension_count + 1)
    note = f"批准延期 {_hours_text(hours)} 小时"
    return _move(case, Action.approve_extension, new, None, note, data, extension_hours=hours)


_HANDLERS: dict[Action, Callable[[CaseSnapshot, Actor, ActionInput], Transition]] = {
    Action.accept: _accept,
    Action.reject: _reject,
    Action.resolve_on_site: _resolve_on_site,
    Action.dispatch: _dispatch,
    Action.claim: _claim,
    Action.return_: _return,
    Action.start: _start,
    Action.handle: _handle,
    Action.verify: _verify,
    Action.close: _close,
    Action.rate: _rate,
    Action.escalate: _escalate,
    Action.extend: _extend,
    Action.approve_extension: _approve_extension,
}
