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
possible in the current state (:class:`IllegalTransition`), actor not allowed
(:class:`NotPermitted`), bad input (:class:`InvalidActionInput`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum

__all__ = [
    "ACTION_LABELS",
    "ESCALATION_LABELS",
    "MAX_ESCALATION_LEVEL",
    "MAX_EXTENSION_HOURS",
    "OPEN_STATUSES",
    "RATINGS",
    "ROLE_LABELS",
    "STAGE_LABELS",
    "STATUS_LABELS",
    "Action",
    "ActionInput",
    "Actor",
    "CaseSnapshot",
    "IllegalTransition",
    "InvalidActionInput",
    "NotPermitted",
    "Role",
    "Stage",
    "Status",
    "Transition",
    "UnknownAction",
    "WorkflowError",
    "allowed_actions",
    "apply",
    "stage_for",
]


class Status(StrEnum):
    """Where a case stands in the closed loop."""

    reported = "reported"
    accepted = "accepted"
    rejected = "rejected"
    dispatched = "dispatched"
    claimed = "claimed"
    in_progress = "in_progress"
    handled = "handled"
    verified = "verified"
    closed = "closed"
    rated = "rated"


STATUS_LABELS: dict[Status, str] = {
    Status.reported: "待受理",
    Status.accepted: "已立案",
    Status.rejected: "不予受理",
    Status.dispatched: "已派遣",
    Status.claimed: "已签收",
    Status.in_progress: "处置中",
    Status.handled: "已处置",
    Status.verified: "核查通过",
    Status.closed: "已结案",
    Status.rated: "已评价",
}

OPEN_STATUSES: frozenset[Status] = frozenset(Status) - {
    Status.rejected,
    Status.closed,
    Status.rated,
}
"""Statuses in which the case is still open (not rejected, closed or rated)."""


class Action(StrEnum):
    """What a user can do to a case. ``Action.return_`` has the value ``"return"``."""

    accept = "accept"
    reject = "reject"
    resolve_on_site = "resolve_on_site"
    dispatch = "dispatch"
    claim = "claim"
    return_ = "return"
    start = "start"
    handle = "handle"
    verify = "verify"
    close = "close"
    rate = "rate"
    escalate = "escalate"
    extend = "extend"
    approve_extension = "approve_extension"


ACTION_LABELS: dict[Action, str] = {
    Action.accept: "受理立案",
    Action.reject: "不予受理",
    Action.resolve_on_site: "就地处置",
    Action.dispatch: "派遣",
    Action.claim: "签收",
    Action.return_: "退回",
    Action.start: "开始处置",
    Action.handle: "处置反馈",
    Action.verify: "核查",
    Action.close: "结案",
    Action.rate: "评价",
    Action.escalate: "上报升级",
    Action.extend: "申请延期",
    Action.approve_extension: "批准延期",
}


class Role(StrEnum):
    """The role of a user account."""

    dispatcher = "dispatcher"
    officer = "officer"
    gridworker = "gridworker"
    analyst = "analyst"
    screen = "screen"
    admin = "admin"


ROLE_LABELS: dict[Role, str] = {
    Role.dispatcher: "指挥中心派遣员",
    Role.officer: "职能部门承办人",
    Role.gridworker: "网格员",
    Role.analyst: "分析研判",
    Role.screen: "大屏",
    Role.admin: "系统管理员",
}


class Stage(StrEnum):
    """The time-limited stage a case is waiting in (each has its own limit)."""

    accept = "accept"
    dispatch = "dispatch"
    claim = "claim"
    handle = "handle"
    verify = "verify"


STAGE_LABELS: dict[Stage, str] = {
    Stage.accept: "受理",
    Stage.dispatch: "派遣",
    Stage.claim: "签收",
    Stage.handle: "处置",
    Stage.verify: "核查",
}

_STAGE_OF_STATUS: dict[Status, Stage] = {
    Status.reported: Stage.accept,
    Status.accepted: Stage.dispatch,
    Status.dispatched: Stage.claim,
    Status.claimed: Stage.handle,
    Status.in_progress: Stage.handle,
    Status.handled: Stage.verify,
    Status.verified: Stage.verify,
}


def stage_for(status: Status | str) -> Stage | None:
    """Return the time-limited stage a case in ``status`` is waiting in.

    Parameters
    ----------
    status : Status or str
        A case status.

    Returns
    -------
    Stage or None
        ``reported`` → accept, ``accepted`` → dispatch, ``dispatched`` → claim,
        ``claimed`` / ``in_progress`` → handle, ``handled`` / ``verified`` → verify;
        ``None`` for ``rejected``, ``closed`` and ``rated`` (no clock runs).

    Raises
    ------
    ValueError
        If ``status`` is not a known status.
    """
    return _STAGE_OF_STATUS.get(Status(status))


RATINGS: tuple[str, ...] = ("满意", "基本满意", "不满意")
"""The resident's answers, best first. 满意率 counts the first two."""

UNSATISFIED = "不满意"

ESCALATION_LABELS: dict[int, str] = {0: "网格", 1: "镇街", 2: "县区"}
"""Escalation levels: 小事不出村、一般事不出乡、大事不出县."""

MAX_ESCALATION_LEVEL = 2
"""County (县区) is the top of the ladder; escalating from there is illegal."""

MAX_EXTENSION_HOURS = 720.0
"""The longest extension (延期) that may be requested at once, in hours."""


@dataclass(frozen=True)
class Actor:
    """The user doing an action.

    Parameters
    ----------
    username : str
        Login name; recorded as ``claimed_by`` on a claim.
    role : Role
        The user's role.
    department : str or None
        Department code of an officer (``None`` for other roles).
    grid_codes : frozenset of str
        Grid codes (any level) a grid worker looks after. A case is in scope when
        any of its small / medium / large grid codes is in this set.
    """

    username: str
    role: Role
    department: str | None = None
    grid_codes: frozenset[str] = frozenset()


@dataclass(frozen=True)
class CaseSnapshot:
    """What the rules need to know about a case.

    Parameters
    ----------
    status : Status
        Current status.
    department : str or None
        Main (承办) department code, set by ``dispatch``.
    co_departments : tuple of str
        Co-operating (协办) department codes.
    grid_codes : tuple of str
        The case's grid codes, ``(small, medium, large)``.
    claimed_by : str or None
        Username of the officer who claimed the case (首问负责).
    escalation_level : int
        0 网格, 1 镇街, 2 县区.
    rework_count : int
        How often the case was sent back for rework (failed verification or reopened).
    return_count : int
        How often a department returned the case as wrongly dispatched.
    extension_count : int
        How many extensions were approved.
    reopened : bool
        Whether a first 不满意 rating already reopened the case.
    pending_extension_hours : float or None
        Hours of an extension request awaiting approval.
    resolved_on_site : bool
        Whether a grid worker resolved the case on the spot (就地处置).
    rating : str or None
        The resident's final rating, one of :data:`RATINGS`.
    """

    status: Status
    department: str | None = None
    co_departments: tuple[str, ...] = ()
    grid_codes: tuple[str, ...] = ()
    claimed_by: str | None = None
    escalation_level: int = 0
    rework_count: int = 0
    return_count: int = 0
    extension_count: int = 0
    reopened: bool = False
    pending_extension_hours: float | None = None
    resolved_on_site: bool = False
    rating: str | None = None


@dataclass(frozen=True)
class ActionInput:
    """What the user sent with an action; which fields matter depends on the action.

    Parameters
    ----------
    department : str or None
        ``dispatch``: the main department (required).
    co_departments : tuple of str
        ``dispatch`` / ``escalate``: co-operating departments.
    reason : str or None
        ``reject`` (or ``duplicate_of``), ``return``, ``escalate``, ``extend``: required.
        ``verify`` with ``passed=False``: optional explanation.
    duplicate_of : str or None
        ``reject``: the case this one duplicates.
    result : str or None
        ``handle`` / ``resolve_on_site``: what was done (required).
    passed : bool or None
        ``verify``: whether the on-site check passed (required).
    rating : str or None
        ``rate``: one of :data:`RATINGS` (required).
    hours : float or None
        ``extend``: requested extra time in hours, 0 < hours ≤ 720 (required).
    note : str or None
        Free text appended to the event note of any action.
    """

    department: str | None = None
    co_departments: tuple[str, ...] = ()
    reason: str | None = None
    duplicate_of: str | None = None
    result: str | None = None
    passed: bool | None = None
    rating: str | None = None
    hours: float | None = None
    note: str | None = None


@dataclass(frozen=True)
class Transition:
    """The outcome of a legal, permitted action with valid input.

    Parameters
    ----------
    action : Action
        The action done.
    from_status, to_status : Status
        Status before and after (equal for escalate / extend / approve_extension).
    case : CaseSnapshot
        The new snapshot to store.
    stage : Stage or None
        The deadline stage that starts now: the caller sets a new deadline from the
        stage's limit. ``None`` means keep the current deadline; when
        ``stage_for(to_status)`` is also ``None`` the case left the loop and no clock runs.
    note : str or None
        Human-readable summary for the event log, e.g. ``"派遣至 cgj；协办 zjj"``.
    extension_hours : float or None
        Only for ``approve_extension``: move the current stage deadline by this many
        hours (working hours unless the case is urgent; see
        :func:`api.workflow.deadlines.extend_deadline`).
    """

    action: Action
    from_status: Status
    to_status: Status
    case: CaseSnapshot
    stage: Stage | None
    note: str | None
    extension_hours: float | None = None


# --------------------------------------------------------------------------- errors


def _action_text(action: Action) -> str:
    return f"{ACTION_LABELS[action]} ({action.value})"


def _status_text(status: Status) -> str:
    return f"「{STATUS_LABELS[status]}」({status.value})"


class WorkflowError(Exception):
    """Base class of all workflow errors."""


class UnknownAction(WorkflowError):
    """The action name is not one of :class:`Action` (HTTP 422).

    Attributes
    ----------
    action : str
        The name that was sent.
    """

    def __init__(self, action: str) -> None:
        self.action = action
        known = ", ".join(a.value for a in Action)
        super().__init__(
            f"未知操作「{action}」 / unknown action {action!r}; known actions: {known}"
        )


class IllegalTransition(WorkflowError):
    """The action is not possible in the case's current state (HTTP 409).

    Attributes
    ----------
    status : Status
        The case's current status.
    action : Action
        The action tried.
    allowed : list of Action
        The actions possible in this state (for any actor).
    """

    def __init__(self, status: Status, action: Action, allowed: list[Action]) -> None:
        self.status = status
        self.action = action
        self.allowed = list(allowed)
        zh_allowed = "、".join(_action_text(a) for a in allowed) or "无"
        en_allowed = ", ".join(a.value for a in allowed) or "none"
        super().__init__(
            f"当前状态{_status_text(status)}不能执行{_action_text(action)}；可执行：{zh_allowed} / "
            f"action {action.value!r} is not allowed in status {status.value!r}; "
            f"allowed: {en_allowed}"
        )


class NotPermitted(WorkflowError):
    """The actor may not do this action on this case (HTTP 403).

    Attributes
    ----------
    actor : Actor
        Who tried.
    action : Action
        The action tried.
    reason : str
        Why not, as ``"中文 / English"``.
    """

    def __init__(self, actor: Actor, action: Action, reason: str) -> None:
        self.actor = actor
        self.action = action
        self.reason = reason
        zh, _, en = reason.partition(" / ")
        super().__init__(
            f"用户 {actor.username}（{ROLE_LABELS[Role(actor.role)]}）无权执行"
            f"{_action_text(action)}：{zh} / user {actor.username!r} ({actor.role}) "
            f"may not {action.value}" + (f": {en}" if en else "")
        )


class InvalidActionInput(WorkflowError):
    """The input sent with an action is missing or wrong (HTTP 422).

    Attributes
    ----------
    field : str
        The :class:`ActionInput` field at fault.
    message : str
        What is wrong, in Chinese and English.
    """

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


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


# ---------------------------------------------------------------- permissions

_DISPATCHER_ACTIONS = frozenset(
    {
        Action.accept,
        Action.reject,
        Action.dispatch,
        Action.verify,
        Action.close,
        Action.rate,
        Action.escalate,
        Action.approve_extension,
    }
)
_OFFICER_MAIN_ACTIONS = frozenset(
    {Action.claim, Action.return_, Action.start, Action.handle, Action.extend}
)
_GRIDWORKER_ACTIONS = frozenset(
    {Action.resolve_on_site, Action.verify, Action.escalate, Action.rate}
)


def _refusal(case: CaseSnapshot, action: Action, actor: Actor) -> str | None:
    """Return why ``actor`` may not do ``action`` on ``case``, or ``None`` if they may."""
    role = Role(actor.role)
    if role is Role.admin:
        return None
    if role is Role.dispatcher:
        if action in _DISPATCHER_ACTIONS:
            return None
        return "派遣员不能执行此操作 / dispatchers cannot do this"
    if role is Role.officer:
        if action is Action.escalate:
            mine = {case.department, *case.co_departments} - {None}
            if actor.department is not None and actor.department in mine:
                return None
            return (
                "案件不属于本部门（承办或协办） / the case is not assigned to your department "
                "as main or co-operating department"
            )
        if action in _OFFICER_MAIN_ACTIONS:
            if actor.department is not None and actor.department == case.department:
                return None
            return "仅承办部门可执行 / only the main department of the case may do this"
        return "职能部门不能执行此操作 / department officers cannot do this"
    if role is Role.gridworker:
        if action not in _GRIDWORKER_ACTIONS:
            return "网格员不能执行此操作 / grid workers cannot do this"
        if actor.grid_codes.isdisjoint(case.grid_codes):
            return "案件不在本人网格范围内 / the case is outside your grids"
        return None
    return "该角色只读 / this role is read-only"


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
        actions = [a for a in actions if _refusal(case, a, actor) is None]
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
        raise IllegalTransition(case.status, act, allowed_actions(case))
    refusal = _refusal(case, act, actor)
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
