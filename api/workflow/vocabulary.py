"""The closed loop's vocabulary: statuses, actions, roles, stages, ratings and their labels.

Declared once here; the machine, the access policy, the service, the demo and the screens
import them. Stored as text on both stores. Each member is declared with its Chinese label
(:class:`LabelledEnum`); the ``*_LABELS`` tables are derived from the members.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self, TypeVar

__all__ = [
    "ACTION_LABELS",
    "ESCALATION_LABELS",
    "LabelledEnum",
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
    dispatched = "dispatched", "已派遣"
    claimed = "claimed", "已签收"
    in_progress = "in_progress", "处置中"
    handled = "handled", "已处置"
    verified = "verified", "核查通过"
    closed = "closed", "已结案"
    rated = "rated", "已评价"


STATUS_LABELS: dict[Status, str] = labels_of(Status)

OPEN_STATUSES: frozenset[Status] = frozenset(Status) - {
    Status.rejected,
    Status.closed,
    Status.rated,
}
"""Statuses in which the case is still open (not rejected, closed or rated)."""


class Action(LabelledEnum):
    """What a user can do to a case. ``Action.return_`` has the value ``"return"``."""

    accept = "accept", "受理立案"
    reject = "reject", "不予受理"
    resolve_on_site = "resolve_on_site", "就地处置"
    dispatch = "dispatch", "派遣"
    claim = "claim", "签收"
    return_ = "return", "退回"
    start = "start", "开始处置"
    handle = "handle", "处置反馈"
    verify = "verify", "核查"
    close = "close", "结案"
    rate = "rate", "评价"
    escalate = "escalate", "上报升级"
    extend = "extend", "申请延期"
    approve_extension = "approve_extension", "批准延期"


ACTION_LABELS: dict[Action, str] = labels_of(Action)


class Role(LabelledEnum):
    """The role of a user account."""

    dispatcher = "dispatcher", "指挥中心派遣员"
    officer = "officer", "职能部门承办人"
    gridworker = "gridworker", "网格员"
    analyst = "analyst", "分析研判"
    screen = "screen", "大屏"
    admin = "admin", "系统管理员"


ROLE_LABELS: dict[Role, str] = labels_of(Role)


class Stage(LabelledEnum):
    """The time-limited stage a case is waiting in (each has its own limit)."""

    accept = "accept", "受理"
    dispatch = "dispatch", "派遣"
    claim = "claim", "签收"
    handle = "handle", "处置"
    verify = "verify", "核查"


STAGE_LABELS: dict[Stage, str] = labels_of(Stage)

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
