"""The closed loop's vocabulary: statuses, actions, roles, tiers, stages and ratings.

Each term is declared once, with its Chinese and English names beside it
(``Status.closed.label`` is ``"已结案"``, ``Status.closed.english`` is ``"Closed"``); the
machine, the access policy, the service and the demo import them, and the API publishes
them at ``/api/vocabulary`` for the screens. Values are stored as text on both stores.
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
    "Rating",
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
    """A string enum whose members carry their names: ``name = "value", "中文", "English"``.

    The value is what is stored and sent; ``member.label`` is the Chinese name shown to
    people, ``member.english`` the English one. ``Status("closed")`` looks a member up by
    value, as for any enum.
    """

    label: str
    english: str

    def __new__(cls, value: str, label: str = "", english: str = "") -> Self:
        """Build a member from its declaration ``"value", "中文", "English"``.

        The names have defaults only so that a lookup by value, ``Status("closed")``
        (which never reaches this method), type-checks; a member declared without both
        names is an error.
        """
        if not (label and english):
            raise TypeError(
                f'{cls.__name__}.{value}: declare the member as "value", "中文", "English"'
            )
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        member.english = english
        return member

    def name_in(self, lang: str) -> str:
        """The member's name in ``lang`` (``"en"``, or Chinese for anything else)."""
        return self.english if lang == "en" else self.label


_E = TypeVar("_E", bound=LabelledEnum)


def labels_of(enum: type[_E]) -> dict[_E, str]:
    """Return the label of every member of ``enum``, in declaration order."""
    return {member: member.label for member in enum}


class Status(LabelledEnum):
    """Where a case stands in the closed loop."""

    reported = "reported", "待受理", "Reported"
    accepted = "accepted", "已立案", "Accepted"
    rejected = "rejected", "不予受理", "Rejected"
    dispatched = "dispatched", "待签收", "Dispatched"
    claimed = "claimed", "已签收", "Claimed"
    assigned = "assigned", "已交办", "Assigned"
    in_progress = "in_progress", "处置中", "In progress"
    handled = "handled", "待核查", "Handled"
    verified = "verified", "待回访", "Verified"
    review = "review", "甄别中", "In review"
    closed = "closed", "已结案", "Closed"


OPEN_STATUSES: Final[frozenset[Status]] = frozenset(Status) - {Status.rejected, Status.closed}
"""Statuses in which the case is still open."""


class Action(LabelledEnum):
    """What a user can do to a case. ``Action.return_`` has the value ``"return"``."""

    accept = "accept", "受理立案", "Accept"
    reject = "reject", "不予受理", "Reject"
    answer = "answer", "直接答复", "Answer"
    resolve_on_site = "resolve_on_site", "就地处置", "Resolve on site"
    dispatch = "dispatch", "派遣", "Dispatch"
    claim = "claim", "签收", "Sign for"
    assign = "assign", "交办", "Assign"
    start = "start", "开始处置", "Start"
    co_feedback = "co_feedback", "协办反馈", "Co-unit feedback"
    handle = "handle", "处置反馈", "Report handled"
    return_ = "return", "退回", "Return"
    verify = "verify", "核查", "Verify"
    callback = "callback", "回访", "Call back"
    review = "review", "甄别", "Review"
    escalate = "escalate", "上报", "Escalate"
    whistle = "whistle", "吹哨", "Whistle"
    report_in = "report_in", "报到", "Report in"
    rate_report_in = "rate_report_in", "报到评价", "Rate report-in"
    extend = "extend", "申请延期", "Request extension"
    approve_extension = "approve_extension", "批准延期", "Approve extension"


class Role(LabelledEnum):
    """The role of a user account."""

    dispatcher = "dispatcher", "指挥中心派遣员", "Command-centre dispatcher"
    lead = "lead", "单位负责人", "Unit lead"
    officer = "officer", "承办人", "Officer"
    gridworker = "gridworker", "网格员", "Grid worker"
    analyst = "analyst", "分析研判", "Analyst"
    screen = "screen", "大屏", "Big screen"
    admin = "admin", "系统管理员", "Administrator"


class Tier(LabelledEnum):
    """Where a case is handled: 小事不出村、一般事不出乡、大事不出县."""

    grid = "grid", "网格", "Grid"
    township = "township", "镇街", "Township"
    county = "county", "县区", "County"

    def above(self) -> Tier | None:
        """The next tier up the ladder (None at the county)."""
        order = list(Tier)
        position = order.index(self)
        return order[position + 1] if position + 1 < len(order) else None


class SubtaskState(LabelledEnum):
    """The state of a co-unit's sub-task (协办)."""

    open = "open", "待反馈", "Awaiting feedback"
    done = "done", "已反馈", "Fed back"
    closed_by_lead = "closed_by_lead", "主办关闭", "Closed by the lead unit"


class ReviewDecision(LabelledEnum):
    """The outcome of 甄别 after an unsatisfied call-back."""

    reopen = "reopen", "重办", "Reopen"
    unreasonable = "unreasonable", "不合理诉求", "Unreasonable complaint"


class Stage(LabelledEnum):
    """The time-limited stage a case is waiting in (each has its own limit)."""

    accept = "accept", "受理", "Accept"
    dispatch = "dispatch", "派遣", "Dispatch"
    claim = "claim", "签收", "Sign for"
    handle = "handle", "处置", "Handle"
    verify = "verify", "核查", "Verify"
    callback = "callback", "回访", "Call back"


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


class Rating(LabelledEnum):
    """The resident's answer at call-back (and a centre's rating of a 报到), best first.

    The value is the Chinese word itself, as the hotline records it.
    """

    satisfied = "满意", "满意", "Satisfied"
    fairly_satisfied = "基本满意", "基本满意", "Fairly satisfied"
    unsatisfied = "不满意", "不满意", "Unsatisfied"


SATISFIED: Final[tuple[str, ...]] = (Rating.satisfied.value, Rating.fairly_satisfied.value)
"""The ratings 满意率 counts."""

UNSATISFIED: Final = Rating.unsatisfied.value

RATINGS: Final[tuple[str, ...]] = tuple(r.value for r in Rating)
"""The resident's answers at call-back, best first."""

CALLBACK_OUTCOMES: Final = ("rating", "unreachable")
"""A call-back either records a rating (and whether it was solved) or that nobody answered."""

STATUS_LABELS: Final = labels_of(Status)
ACTION_LABELS: Final = labels_of(Action)
ROLE_LABELS: Final = labels_of(Role)
STAGE_LABELS: Final = labels_of(Stage)
