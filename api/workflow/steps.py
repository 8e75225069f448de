"""One step per action: what it needs as input and what it makes of the case (pure).

Each step is called by :func:`api.workflow.machine.apply` after legality, permission and
the standing rules are checked; it validates the input and returns the :class:`Transition`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Final

from api.workflow.errors import InvalidActionInput, RuleBroken
from api.workflow.records import ActionInput, Actor, CaseSnapshot, CoUnit, Summons, Transition
from api.workflow.vocabulary import (
    RATINGS,
    UNSATISFIED,
    Action,
    ReviewDecision,
    Stage,
    Status,
    SubtaskState,
    Tier,
)

__all__ = ["STEPS", "WITH_UNIT", "WHISTLE_MAX_MINUTES"]

WITH_UNIT: Final = frozenset(
    {Status.dispatched, Status.claimed, Status.assigned, Status.in_progress}
)
"""Statuses in which a unit holds the case (a handling round runs; extensions apply)."""

WHISTLE_MAX_MINUTES: Final = 7 * 24 * 60
"""The longest 报到 limit a whistle may set (a week)."""

Step = Callable[[CaseSnapshot, Actor, ActionInput], Transition]


def _text(value: str | None, field: str, what: str) -> str:
    if value is None or not value.strip():
        raise InvalidActionInput(field, what)
    return value.strip()


def _codes(values: tuple[str, ...], field: str, *, excluded: str | None = None) -> tuple[str, ...]:
    seen: list[str] = []
    for raw in values:
        code = raw.strip() if isinstance(raw, str) else ""
        if not code:
            raise InvalidActionInput(field, "单位编码不能为空 / unit codes must not be blank")
        if code == excluded:
            raise InvalidActionInput(
                field,
                f"协办单位不能是承办单位 {code} / the lead unit {code!r} cannot also co-handle",
            )
        if code in seen:
            raise InvalidActionInput(field, f"单位 {code} 重复 / unit {code!r} is listed twice")
        seen.append(code)
    return tuple(seen)


def _move(
    case: CaseSnapshot,
    action: Action,
    new: CaseSnapshot,
    stage: Stage | None,
    note: str,
    data: ActionInput,
    **extra: object,
) -> Transition:
    """The transition, with what every step keeps.

    Ever-overdue once overdue, the closing tier on closing, and a pending extension only
    while a unit still holds the case (a request dies with its handling round).
    """
    ever_overdue = new.ever_overdue or case.overdue
    closing = new.tier if new.status is Status.closed else new.closing_tier
    pending = new.pending_extension_days if new.status in WITH_UNIT else None
    new = replace(
        new, ever_overdue=ever_overdue, closing_tier=closing, pending_extension_days=pending
    )
    if data.note and data.note.strip() and action is not Action.co_feedback:
        note = f"{note}；{data.note.strip()}"
    return Transition(
        action=action,
        from_status=case.status,
        to_status=new.status,
        case=new,
        stage=stage,
        note=note,
        **extra,  # type: ignore[arg-type]
    )


# ---------------------------------------------------------------- intake and dispatch


def _accept(case: CaseSnapshot, actor: Actor, data: ActionInput) -> Transition:
    return _move(
        case, Action.accept, replace(case, status=Status.accepted), Stage.dispatch, "受理立案", data
    )


def _reject(case: CaseSnapshot, actor: Actor, data: ActionInput) -> Transition:
    reason = data.reason.strip() if data.reason else ""
    duplicate = data.duplicate_of.strip() if data.duplicate_of else ""
    if not reason and not duplicate:
        raise InvalidActionInput(
            "reason",
            "不予受理须说明理由或填写重复案件 / give a reason or the case this duplicates "
            "(duplicate_of)",
        )
    parts = ([f"重复件，同 {duplicate}"] if duplicate else []) + ([reason] if reason else [])
    new = replace(case, status=Status.rejected)
    return _move(case, Action.reject, new, None, "不予受理：" + "；".join(parts), data)


def _answer(case: CaseSnapshot, actor: Actor, data: ActionInput) -> Transition:
    result = _text(data.result, "result", "请填写答复内容 / the answer is required")
    new = replace(case, status=Status.closed)
    return _move(case, Action.answer, new, None, f"直接答复：{result}", data)


def _resolve_on_site(case: CaseSnapshot, actor: Actor, data: ActionInput) -> Transition:
    result = _text(data.result, "result", "请填写处置结果 / the result is required")
    new = replace(
        case,
        status=Status.handled,
        resolved_on_site=True,
        handled_by=actor.username,
        tier=Tier.grid if case.tier is not Tier.county else case.tier,
    )
    return _move(case, Action.resolve_on_site, new, Stage.verify, f"就地处置：{result}", data)


def _dispatch(case: CaseSnapshot, actor: Actor, data: ActionInput) -> Transition:
    unit = _text(data.unit, "unit", "请选择承办单位 / the lead unit is required")
    co = _codes(data.co_units, "co_units", excluded=unit)
    new = replace(
        case,
        status=Status.dispatched,
        unit=unit,
        co_units=tuple(CoUnit(code) for code in co),
        claimed_by=None,
        assignee=None,
    )
    note = f"派遣至 {unit}" + (f"；协办 {'、'.join(co)}" if co else "")
    return _move(case, Action.dispatch, new, Stage.claim, note, data, restart_handling=True)


def _back_to_dispatch(case: CaseSnapshot, **changes: Any) -> CaseSnapshot:
    """The case back in the dispatch queue: accepted, and no unit, co-unit or holder."""
    return replace(
        case,
        status=Status.accepted,
        unit=None,
        co_units=(),
        claimed_by=None,
        assignee=None,
        **changes,
    )


def _return(case: CaseSnapshot, actor: Actor, data: ActionInput) -> Transition:
    reason = _text(data.reason, "reason", "退回须说明理由 / a reason is required")
    new = _back_to_dispatch(case, return_count=case.return_count + 1)
    return _move(case, Action.return_, new, Stage.dispatch, f"{case.unit} 退回：{reason}", data)


# ---------------------------------------------------------------- the unit's work


def _claim(case: CaseSnapshot, actor: Actor, data: ActionInput) -> Transition:
    new = replace(case, status=Status.claimed, claimed_by=actor.username)
    return _move(
        case, Action.claim, new, Stage.handle, f"{case.unit} 签收（{actor.username}）", data
    )


def _assign(case: CaseSnapshot, actor: Actor, data: ActionInput) -> Transition:
    officer = _text(data.officer, "officer", "请指定承办人 / the officer is required")
    status = Status.assigned if case.status is Status.claimed else case.status
    new = replace(case, status=status, assignee=officer)
    return _move(case, Action.assign, new, None, f"交办 {officer}", data)


def _start(case: CaseSnapshot, actor: Actor, data: ActionInput) -> Transition:
    return _move(
        case, Action.start, replace(case, status=Status.in_progress), None, "开始处置", data
    )


def _co_feedback(case: CaseSnapshot, actor: Actor, data: ActionInput) -> Transition:
    note = _text(data.note, "note", "请填写协办情况 / the co-unit's report is required")
    co = tuple(
        replace(c, state=SubtaskState.done, note=note) if c.unit == actor.unit else c
        for c in case.co_units
    )
    return _move(
        case,
        Action.co_feedback,
        replace(case, co_units=co),
        None,
        f"{actor.unit} 协办反馈：{note}",
        data,
    )


def _handle(case: CaseSnapshot, actor: Actor, data: ActionInput) -> Transition:
    result = _text(data.result, "result", "请填写处置结果 / the result is required")
    open_units = [c.unit for c in case.open_subtasks()]
    if open_units and not (data.reason and data.reason.strip()):
        raise RuleBroken(
            "open_subtasks",
            f"协办单位 {'、'.join(open_units)} 尚未反馈；如需先行办结请说明理由 / co-units "
            f"{', '.join(open_units)} have not reported; give a reason to close their sub-tasks",
        )
    co = tuple(
        replace(c, state=SubtaskState.closed_by_lead, note=data.reason)
        if c.state is SubtaskState.open
        else c
        for c in case.co_units
    )
    new = replace(case, status=Status.handled, handled_by=actor.username, co_units=co)
    return _move(case, Action.handle, new, Stage.verify, f"处置反馈：{result}", data)


# ---------------------------------------------------------------- check, call back, review


def _back_to_work(case: CaseSnapshot) -> tuple[CaseSnapshot, Stage, str]:
    """Send the case back: to its unit's assignee, or to dispatch when none handled it."""
    if case.unit is not None:
        return replace(case, status=Status.in_progress, handled_by=None), Stage.handle, case.unit
    new = replace(
        case,
        status=Status.accepted,
        handled_by=None,
        resolved_on_site=False,
        tier=Tier.township if case.tier is Tier.grid else case.tier,
    )
    return new, Stage.dispatch, "派遣员"


def _verify(case: CaseSnapshot, actor: Actor, data: ActionInput) -> Transition:
    if data.passed is None:
        raise InvalidActionInput("passed", "请填写核查结论 / passed (true or false) is required")
    if data.passed:
        new = replace(case, status=Status.verified)
        return _move(case, Action.verify, new, Stage.callback, "核查通过", data)
    new, stage, who = _back_to_work(case)
    new = replace(new, rework_count=case.rework_count + 1)
    note = f"核查不通过，退回{who}重新处置" + (f"：{data.reason.strip()}" if data.reason else "")
    return _move(
        case, Action.verify, new, stage, note, data, restart_handling=stage is Stage.handle
    )


def _callback(case: CaseSnapshot, actor: Actor, data: ActionInput) -> Transition:
    if data.unreachable:
        new = replace(case, status=Status.closed, unreachable=True)
        return _move(case, Action.callback, new, None, "回访未接通，结案", data)
    if data.rating not in RATINGS:
        raise InvalidActionInput(
            "rating",
            f"评价须为 {'、'.join(RATINGS)} 之一，或 unreachable / rating must be one of "
            f"{', '.join(RATINGS)}, or unreachable: true",
        )
    if data.solved is None:
        raise InvalidActionInput(
            "solved", "请填写问题是否解决 / solved (true or false) is required"
        )
    first = case.first_rating is None and not case.unreachable
    new = replace(
        case,
        rating=data.rating,
        solved=data.solved,
        first_rating=data.rating if first else case.first_rating,
        first_solved=data.solved if first else case.first_solved,
        status=Status.review if data.rating == UNSATISFIED else Status.closed,
    )
    solved = "已解决" if data.solved else "未解决"
    verdict = "转甄别" if new.status is Status.review else "结案"
    return _move(
        case,
        Action.callback,
        new,
        Stage.callback if new.status is Status.review else None,
        f"回访：{data.rating}，{solved}，{verdict}",
        data,
    )


def _review(case: CaseSnapshot, actor: Actor, data: ActionInput) -> Transition:
    if data.decision is None:
        raise InvalidActionInput("decision", "请选择 reopen 或 unreasonable / decision is required")
    reason = _text(data.reason, "reason", "甄别须说明理由 / a reason is required")
    if data.decision is ReviewDecision.unreasonable:
        new = replace(case, status=Status.closed, unreasonable=True)
        return _move(case, Action.review, new, None, f"甄别为不合理诉求，结案：{reason}", data)
    new, stage, who = _back_to_work(case)
    new = replace(new, reopen_count=case.reopen_count + 1)
    return _move(
        case,
        Action.review,
        new,
        stage,
        f"甄别重办，交{who}：{reason}",
        data,
        restart_handling=stage is Stage.handle,
    )


# ---------------------------------------------------------------- up the tiers, summons, time


def _escalate(case: CaseSnapshot, actor: Actor, data: ActionInput) -> Transition:
    reason = _text(data.reason, "reason", "上报须说明理由 / a reason is required")
    above = case.tier.above()
    assert above is not None  # guaranteed by legality
    new = replace(case, tier=above)
    stage = None
    if case.status in WITH_UNIT:
        new = _back_to_dispatch(new)
        stage = Stage.dispatch
    return _move(case, Action.escalate, new, stage, f"上报至{above.label}：{reason}", data)


def _whistle(case: CaseSnapshot, actor: Actor, data: ActionInput) -> Transition:
    units = _codes(data.departments, "departments")
    if not units:
        raise InvalidActionInput("departments", "请点名至少一个部门 / name at least one department")
    if data.minutes is not None and not 1 <= data.minutes <= WHISTLE_MAX_MINUTES:
        raise InvalidActionInput(
            "minutes",
            f"报到时限须在 1 到 {WHISTLE_MAX_MINUTES} 分钟 / minutes must be 1–"
            f"{WHISTLE_MAX_MINUTES}",
        )
    number = max((s.whistle_no for s in case.whistles), default=0) + 1
    summons = tuple(Summons(unit=u, whistle_no=number) for u in units)
    new = replace(case, whistles=case.whistles + summons)
    return _move(
        case, Action.whistle, new, None, f"吹哨：{'、'.join(units)} 报到", data, summoned=units
    )


def _report_in(case: CaseSnapshot, actor: Actor, data: ActionInput) -> Transition:
    done = False
    whistles = []
    for s in reversed(case.whistles):
        if not done and s.unit == actor.unit and not s.reported:
            s, done = replace(s, reported=True), True
        whistles.append(s)
    new = replace(case, whistles=tuple(reversed(whistles)))
    return _move(case, Action.report_in, new, None, f"{actor.unit} 报到", data)


def _rate_report_in(case: CaseSnapshot, actor: Actor, data: ActionInput) -> Transition:
    unit = _text(data.unit, "unit", "请指定被评价的部门 / the department is required")
    if data.rating not in RATINGS:
        raise InvalidActionInput("rating", f"评价须为 {'、'.join(RATINGS)} 之一")
    if not any(s.unit == unit and s.reported and s.rating is None for s in case.whistles):
        raise InvalidActionInput("unit", f"{unit} 没有待评价的报到 / no 报到 of {unit!r} to rate")
    done = False
    whistles = []
    for s in case.whistles:
        if not done and s.unit == unit and s.reported and s.rating is None:
            s, done = replace(s, rating=data.rating), True
        whistles.append(s)
    new = replace(case, whistles=tuple(whistles))
    return _move(case, Action.rate_report_in, new, None, f"评价 {unit} 报到：{data.rating}", data)


def _extend(case: CaseSnapshot, actor: Actor, data: ActionInput) -> Transition:
    days = data.days
    limit = case.handle_limit_days
    if days is None or not math.isfinite(days) or not 0 < days <= limit:
        raise InvalidActionInput(
            "days",
            f"延期天数须大于 0 且不超过原处置时限 {limit:g} 个工作日 / days must be > 0 "
            f"and at most the original limit of {limit:g} working days, got {days!r}",
        )
    reason = _text(data.reason, "reason", "申请延期须说明理由 / a reason is required")
    new = replace(case, pending_extension_days=float(days))
    return _move(case, Action.extend, new, None, f"申请延期 {days:g} 个工作日：{reason}", data)


def _approve_extension(case: CaseSnapshot, actor: Actor, data: ActionInput) -> Transition:
    days = case.pending_extension_days
    assert days is not None  # guaranteed by legality
    new = replace(case, pending_extension_days=None, extension_count=case.extension_count + 1)
    return _move(
        case,
        Action.approve_extension,
        new,
        None,
        f"批准延期 {days:g} 个工作日",
        data,
        extension_days=days,
    )


STEPS: Final[dict[Action, Step]] = {
    Action.accept: _accept,
    Action.reject: _reject,
    Action.answer: _answer,
    Action.resolve_on_site: _resolve_on_site,
    Action.dispatch: _dispatch,
    Action.claim: _claim,
    Action.assign: _assign,
    Action.start: _start,
    Action.co_feedback: _co_feedback,
    Action.handle: _handle,
    Action.return_: _return,
    Action.verify: _verify,
    Action.callback: _callback,
    Action.review: _review,
    Action.escalate: _escalate,
    Action.whistle: _whistle,
    Action.report_in: _report_in,
    Action.rate_report_in: _rate_report_in,
    Action.extend: _extend,
    Action.approve_extension: _approve_extension,
}
