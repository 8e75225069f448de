"""The closed loop's vocabulary: statuses, actions, roles, tiers, stages and ratings.

Each term is declared once, with its Chinese label beside it (``Status.closed.label`` is
``"已结案"``); the machine, the access policy, the service, the demo and the screens import
them. Values are stored as text on both stores.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final, Self, TypeVar

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
    "LabelledEnum",
    "ReviewDecision",
    "Role",
    "Stage",
    "Status",
    "SubtaskState",
    "Tier",
    "labels_of",
    "stage_for",
]


class LabelledEnum(StrEnum):
    """A string enum whose members carry a label: ``name = "value", "label"``.

    The value is what is stored and sent; ``member.label`` is the Chinese name shown to
    people. ``Status("closed")`` looks a member up by value, as for any enum.
    """

    label: str

    def __new__(cls, value: str, label: str = "") -> Self:
        """Build a member from its declaration ``"value", "label"``.

        ``label`` has a default only so that a lookup by value, ``Status("closed")``
        (which never reaches this method), type-checks; a member declared without a label
        is an error.
        """
        if not label:
            raise TypeError(f'{cls.__name__}.{value}: declare the member as "value", "label"')
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member


_E = TypeVar("_E", bound=LabelledEnum)


def labels_of(enum: type[_E]) -> dict[_E, str]:
    """Return the label of every member of ``enum``, in declaration order."""
    return {member: member.label for member in enum}


class Status(LabelledEnum):
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


class Action(LabelledEnum):
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


class Role(LabelledEnum):
    """The role of a user account."""

    dispatcher = "dispatcher", "指挥中心派遣员"
    lead = "lead", "单位负责人"
    officer = "officer", "承办人"
    gridworker = "gridworker", "网格员"
    analyst = "analyst", "分析研判"
    screen = "screen", "大屏"
    admin = "admin", "系统管理员"


class Tier(LabelledEnum):
    """Where a case is handled: 小事不出村、一般事不出乡、大事不出县."""

    grid = "grid", "网格"
    township = "township", "镇街"
    county = "county", "县区"

    def above(self) -> Tier | None:
        """The next tier up the ladder (None at the county)."""
        order = list(Tier)
        position = order.index(self)
        return order[position + 1] if position + 1 < len(order) else None


class SubtaskState(LabelledEnum):
    """The state of a co-unit's sub-task (协办)."""

    open = "open", "待反馈"
    done = "done", "已反馈"
    closed_by_lead = "closed_by_lead", "主办关闭"


class ReviewDecision(LabelledEnum):
    """The outcome of 甄别 after an unsatisfied call-back."""

    reopen = "reopen", "重办"
    unreasonable = "unreasonable", "不合理诉求"


class Stage(LabelledEnum):
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

STATUS_LABELS: Final = labels_of(Status)
ACTION_LABELS: Final = labels_of(Action)
ROLE_LABELS: Final = labels_of(Role)
STAGE_LABELS: Final = labels_of(Stage)
