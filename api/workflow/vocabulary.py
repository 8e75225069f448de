"""The closed loop's vocabulary: statuses, actions, roles, stages, ratings and their labels.

Declared once here; the machine, the access policy, the service, the demo and the screens
import them. Stored as text on both stores.
"""

from __future__ import annotations

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
    "UNSATISFIED",
    "Action",
    "Role",
    "Stage",
    "Status",
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
