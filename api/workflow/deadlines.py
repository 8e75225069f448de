"""Time limits, deadlines, warning lights and supervision cards (限时办结、亮灯、督办).

Each category sets a :class:`TimeLimit` per :class:`~api.workflow.machine.Stage`
(:class:`StageLimits`). When a stage starts, :func:`deadline` turns its limit into a due
time: in working time on the Chinese calendar normally, in calendar time for urgent
cases. While the stage runs, its :class:`StageClock` grades how much of the limit is used:
the warning light and the supervision card.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Literal

from api.workflow.calendar import WorkCalendar
from api.workflow.vocabulary import LabelledEnum, Stage, labels_of

__all__ = [
    "DEFAULT_STAGE_LIMITS",
    "LIGHT_LABELS",
    "RED_CARD_SHARE",
    "SUPERVISION_LABELS",
    "YELLOW_SHARE",
    "Light",
    "StageClock",
    "StageLimits",
    "Supervision",
    "TimeLimit",
    "deadline",
    "extend_deadline",
]

YELLOW_SHARE = 0.8
"""Share of the limit used from which the light turns yellow."""

RED_CARD_SHARE = 2.0
"""Share of the limit used from which an overdue case gets a red card."""

_LIMIT_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([hd])\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class TimeLimit:
    """A time limit such as ``4h`` (four hours) or ``3d`` (three days).

    Parameters
    ----------
    amount : float
        How many units, > 0.
    unit : {"h", "d"}
        ``"h"`` hours or ``"d"`` days. For ordinary cases these are working hours and
        working days (a fractional day adds that share of a working day's office hours);
        for urgent cases calendar hours and days of 24 hours.

    Raises
    ------
    ValueError
        If ``amount`` is not a finite number > 0 or ``unit`` is not ``"h"`` or ``"d"``.

    Examples
    --------
    >>> TimeLimit.parse("3d")
    TimeLimit(amount=3.0, unit='d')
    >>> str(TimeLimit(4, "h"))
    '4h'
    """

    amount: float
    unit: Literal["h", "d"]

    def __post_init__(self) -> None:
        if self.unit not in ("h", "d"):
            raise ValueError(f"time limit unit must be 'h' or 'd', got {self.unit!r}")
        if (
            isinstance(self.amount, bool)
            or not isinstance(self.amount, int | float)
            or not math.isfinite(self.amount)
            or self.amount <= 0
        ):
            raise ValueError(f"time limit amount must be a number > 0, got {self.amount!r}")

    @classmethod
    def parse(cls, text: str) -> TimeLimit:
        """Parse ``"4h"``, ``"3d"``, ``"1.5d"`` (case and spaces ignored).

        The text is a positive number followed by ``h`` (hours) or ``d`` (days); anything
        else, or 0, raises ``ValueError``.
        """
        match = _LIMIT_RE.match(text) if isinstance(text, str) else None
        if match is None:
            raise ValueError(
                f"invalid time limit {text!r}: write a positive number followed by "
                "'h' (hours) or 'd' (days), e.g. '4h' or '3d'"
            )
        unit: Literal["h", "d"] = "h" if match.group(2).lower() == "h" else "d"
        return cls(float(match.group(1)), unit)

    def __str__(self) -> str:
        return f"{self.amount:g}{self.unit}"

    @property
    def calendar_hours(self) -> float:
        """The limit in calendar hours, as counted for urgent cases (1 d = 24 h)."""
        return self.amount * (24 if self.unit == "d" else 1)


@dataclass(frozen=True)
class StageLimits:
    """The time limit of each stage of the loop, usually set per category.

    Parameters
    ----------
    accept, dispatch, claim, handle, verify, callback : TimeLimit
        The limit of each :class:`~api.workflow.vocabulary.Stage`. ``handle`` runs from
        dispatch (receipt of the work order); ``claim`` is the signing limit inside it.
    """

    accept: TimeLimit
    dispatch: TimeLimit
    claim: TimeLimit
    handle: TimeLimit
    verify: TimeLimit
    callback: TimeLimit

    def for_stage(self, stage: Stage | str) -> TimeLimit:
        """Return the limit of ``stage`` (``ValueError`` if it is not a known stage)."""
        limit: TimeLimit = getattr(self, Stage(stage).value)
        return limit

    @classmethod
    def from_mapping(cls, limits: Mapping[str, str | TimeLimit]) -> StageLimits:
        """Build from a mapping such as ``{"accept": "2h", ..., "handle": "3d"}``.

        Parameters
        ----------
        limits : mapping of str to str or TimeLimit
            One entry for each stage name; strings are parsed with
            :meth:`TimeLimit.parse`.

        Returns
        -------
        StageLimits

        Raises
        ------
        ValueError
            If a stage is missing, an unknown key is present or a limit is invalid.
        """
        names = [f.name for f in fields(cls)]
        missing = [n for n in names if n not in limits]
        unknown = [k for k in limits if k not in names]
        if missing or unknown:
            raise ValueError(
                f"stage limits need exactly the stages {names}; "
                f"missing {missing}, unknown {unknown}"
            )
        parsed = {
            n: v if isinstance(v, TimeLimit) else TimeLimit.parse(v)
            for n, v in ((n, limits[n]) for n in names)
        }
        return cls(**parsed)

    def as_dict(self) -> dict[str, str]:
        """Return the limits as text, e.g. ``{"accept": "2h", ..., "handle": "3d"}``."""
        return {f.name: str(getattr(self, f.name)) for f in fields(self)}


DEFAULT_STAGE_LIMITS = StageLimits(
    accept=TimeLimit(2, "h"),
    dispatch=TimeLimit(2, "h"),
    claim=TimeLimit(4, "h"),
    handle=TimeLimit(3, "d"),
    verify=TimeLimit(1, "d"),
    callback=TimeLimit(1, "d"),
)
"""Fallback limits for a category that sets none of its own."""


def deadline(
    start: datetime, limit: TimeLimit, *, urgent: bool, calendar: WorkCalendar
) -> datetime:
    """Return when a stage that starts at ``start`` with ``limit`` is due.

    Parameters
    ----------
    start : datetime
        When the stage starts (timezone-aware).
    limit : TimeLimit
        The stage's limit.
    urgent : bool
        Urgent cases count calendar time (1 d = 24 h); others count working time:
        ``h`` limits with :meth:`WorkCalendar.add_working_hours`, ``d`` limits with
        :meth:`WorkCalendar.add_working_days` (same clock time N working days later,
        plus a fractional day as that share of a working day's office hours).
    calendar : WorkCalendar
        Office hours and working days.

    Returns
    -------
    datetime
        The due time, in Asia/Shanghai.

    Raises
    ------
    ValueError
        If ``start`` is naive.

    Examples
    --------
    >>> from datetime import datetime
    >>> from api.workflow.calendar import SHANGHAI
    >>> start = datetime(2026, 9, 30, 17, tzinfo=SHANGHAI)
    >>> cal = WorkCalendar()
    >>> deadline(start, TimeLimit.parse("3d"), urgent=False, calendar=cal).isoformat()
    '2026-10-10T17:00:00+08:00'
    >>> deadline(start, TimeLimit.parse("3d"), urgent=True, calendar=cal).isoformat()
    '2026-10-03T17:00:00+08:00'
    """
    local = calendar.to_local(start)
    if urgent:
        return local + timedelta(hours=limit.calendar_hours)
    if limit.unit == "h":
        return calendar.add_working_hours(local, limit.amount)
    whole = math.floor(limit.amount)
    due = calendar.add_working_days(local, whole)
    fraction = limit.amount - whole
    if fraction:
        due = calendar.add_working_hours(due, fraction * calendar.hours_per_day)
    return due


def extend_deadline(
    due: datetime, hours: float, *, urgent: bool, calendar: WorkCalendar
) -> datetime:
    """Move a due time by an approved extension (延期) of ``hours``.

    ``hours`` is ``Transition.extension_hours``. Urgent cases add calendar hours, others
    working hours on ``calendar``; the new due time is in Asia/Shanghai. Raises
    ``ValueError`` if ``due`` is naive or ``hours`` is not a finite number ≥ 0.
    """
    if urgent:
        if not math.isfinite(hours) or hours < 0:
            raise ValueError(f"hours must be a finite number ≥ 0, got {hours!r}")
        return calendar.to_local(due) + timedelta(hours=hours)
    return calendar.add_working_hours(due, hours)


class Light(LabelledEnum):
    """Warning light (亮灯) of a running stage."""

    green = "green", "绿灯", "Green"
    yellow = "yellow", "黄灯", "Yellow"
    red = "red", "红灯", "Red"


LIGHT_LABELS: dict[Light, str] = labels_of(Light)


class Supervision(LabelledEnum):
    """Supervision card (督办) of an overdue stage."""

    none = "none", "无", "None"
    yellow_card = "yellow_card", "黄牌督办", "Yellow card"
    red_card = "red_card", "红牌督办", "Red card"


SUPERVISION_LABELS: dict[Supervision, str] = labels_of(Supervision)


@dataclass(frozen=True)
class StageClock:
    """The clock of a running stage, which grades any moment against the stage's limit.

    Parameters
    ----------
    started : datetime
        When the stage started.
    due : datetime
        When it is due (the limit is ``due - started``).
    urgent : bool
        Urgent cases measure calendar time, others working time.
    calendar : WorkCalendar
        Office hours and working days.

    Notes
    -----
    Red and the cards mean past the due instant on the clock. For a working-time limit
    that is also true outside office hours: a stage due at 18:00 is red at 20:00 although
    no working time has passed since, because the deadline was missed.
    """

    started: datetime
    due: datetime
    urgent: bool
    calendar: WorkCalendar

    def share_used(self, now: datetime) -> float:
        """Return the share of the limit used at ``now`` (1.0 = the whole limit).

        The result is ``elapsed / limit``, negative before ``started``. A limit of zero
        length counts as fully used (1.0) until due and ``inf`` after. Raises
        ``ValueError`` if a datetime is naive.
        """
        start, end, at = (self.calendar.to_local(t) for t in (self.started, self.due, now))
        if self.urgent:
            elapsed, limit = at - start, end - start
        else:
            elapsed = self.calendar.working_time_between(start, at)
            limit = self.calendar.working_time_between(start, end)
        if limit <= timedelta(0):
            return math.inf if at > end else 1.0
        return elapsed / limit

    def overdue(self, now: datetime) -> bool:
        """Whether ``now`` is past the due instant."""
        return self.calendar.to_local(now) > self.calendar.to_local(self.due)

    def light(self, now: datetime) -> Light:
        """Grade the stage at ``now``: the warning light (亮灯).

        Green below 80 % of the limit used, yellow from 80 % up to and including 100 %,
        red once past due.
        """
        if self.overdue(now):
            return Light.red
        return Light.yellow if self.share_used(now) >= YELLOW_SHARE else Light.green

    def supervision(self, now: datetime) -> Supervision:
        """Return the supervision card (督办) at ``now``.

        ``none`` until due, ``yellow_card`` (黄牌) once overdue, ``red_card`` (红牌) once
        the time used reaches twice the limit (overdue by the whole limit again).
        """
        if not self.overdue(now):
            return Supervision.none
        if self.share_used(now) >= RED_CARD_SHARE:
            return Supervision.red_card
        return Supervision.yellow_card
