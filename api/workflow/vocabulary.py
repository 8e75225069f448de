"""The closed loop's vocabulary: statuses, actions, roles, tiers, stages and ratings.

Each term is declared once, with its Chinese label beside it (``Status.closed.label`` is
``"已结案"``); the machine, the access policy, the service, the demo and the screens import
them. Values are stored as text on both stores.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

__all__ = [
    "ACTION_LABELS",
    "CALLBACK_OUTCOMES",
    "OPEN_STATUSES",
    "RATINGS",
    "ROLE_LABELS",
    "SATISFIED",
    "STAGE_LABELS",
    "STATUS_LABELS",
    "UNSATISFIED",
    "Action",
    "Labelled",
    "ReviewDecision",
    "Role",
    "Stage",
    "Status",
    "SubtaskState",
    "Tier",
    "stage_for",
]


class Labelled(StrEnum):
    """A text enum whose members carry a Chinese label: ``member = "value", "标签"``."""

    label: str

    def __new__(cls, value: str, label: str = "") -> Labelled:  # noqa: D102
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label or value
        return member


class Status(Labelled):
    """Where a case stands in the closed loop."""

    reported = "reported", "待受理"
    accepted = "accepted", "已立案"
    rejected = "rejected", "不予受理"
    dispatched = "dispatched", "待签收"
    claimed = "claimed", "已签收"
    assigned = "assigned", "已交办"
    in_progress = "in_progress", "处置中"
    handled = "handled", "待核查"
    verified = "verified", "待回访"
    review = "review", "甄别中"
    closed = "closed", "已结案"


OPEN_STATUSES: Final[frozenset[Status]] = frozenset(Status) - {Status.rejected, Status.closed}
"""Statuses in which the case is still open."""


class Action(Labelled):
    """What a user can do to a case. ``Action.return_`` has the value ``"return"``."""

    accept = "accept", "受理立案"
    reject = "reject", "不予受理"
    answer = "answer", "直接答复"
    resolve_on_site = "resolve_on_site", "就地处置"
    dispatch = "dispatch", "派遣"
    claim = "claim", "签收"
    assign = "assign", "交办"
    start = "start", "开始处置"
    co_feedback = "co_feedback", "协办反馈"
    handle = "handle", "处置反馈"
    return_ = "return", "退回"
    verify = "verify", "核查"
    callback = "callback", "回访"
    review = "review", "甄别"
    escalate = "escalate", "上报"
    whistle = "whistle", "吹哨"
    report_in = "report_in", "报到"
    rate_report_in = "rate_report_in", "报到评价"
    extend = "extend", "申请延期"
    approve_extension = "approve_extension", "批准延期"


class Role(Labelled):
    """The role of a user account."""

    dispatcher = "dispatcher", "指挥中心派遣员"
    lead = "lead", "单位负责人"
    officer = "officer", "承办人"
    gridworker = "gridworker", "网格员"
    analyst = "analyst", "分析研判"
    screen = "screen", "大屏"
    admin = "admin", "系统管理员"


class Tier(Labelled):
    """Where a case is handled: 小事不出村、一般事不出乡、大事不出县."""

    grid = "grid", "网格"
    township = "township", "镇街"
    county = "county", "县区"

    def above(self) -> Tier | None:
        """The next tier up the ladder (None at the county)."""
        order = list(Tier)
        position = order.index(self)
        return order[position + 1] if position + 1 < len(order) else None


class SubtaskState(Labelled):
    """The state of a co-unit's sub-task (协办)."""

    open = "open", "待反馈"
    done = "done", "已反馈"
    closed_by_lead = "closed_by_lead", "主办关闭"


class ReviewDecision(Labelled):
    """The outcome of 甄别 after an unsatisfied call-back."""

    reopen = "reopen", "重办"
    unreasonable = "unreasonable", "不合理诉求"


class Stage(Labelled):
    """The time-limited stage a case is waiting in (each has its own limit)."""

    accept = "accept", "受理"
    dispatch = "dispatch", "派遣"
    claim = "claim", "签收"
    handle = "handle", "处置"
    verify = "verify", "核查"
    callback = "callback", "回访"


_STAGE_OF_STATUS: Final[dict[Status, Stage]] = {
    Status.reported: Stage.accept,
    Status.accepted: Stage.dispatch,
    Status.dispatched: Stage.claim,
    Status.claimed: Stage.handle,
    Status.assigned: Stage.handle,
    Status.in_progress: Stage.handle,
    Status.handled: Stage.verify,
    Status.verified: Stage.callback,
    Status.review: Stage.callback,
}


def stage_for(status: Status | str) -> Stage | None:
    """The time-limited stage a case in ``status`` waits in (None once it is closed).

    Raises
    ------
    ValueError
        If ``status`` is not a known status.
    """
    return _STAGE_OF_STATUS.get(Status(status))


SATISFIED: Final = ("满意", "基本满意")
"""The ratings 满意率 counts."""

UNSATISFIED: Final = "不满意"

RATINGS: Final[tuple[str, ...]] = (*SATISFIED, UNSATISFIED)
"""The resident's answers at call-back, best first."""

CALLBACK_OUTCOMES: Final = ("rating", "unreachable")
"""A call-back either records a rating (and whether it was solved) or that nobody answered."""

STATUS_LABELS: Final = {s: s.label for s in Status}
ACTION_LABELS: Final = {a: a.label for a in Action}
ROLE_LABELS: Final = {r: r.label for r in Role}
STAGE_LABELS: Final = {s: s.label for s in Stage}
