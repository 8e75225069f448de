"""Working time on the Chinese calendar (工作时间).

Time limits (限时办结) count office hours on working days only. Working days come from
the official State Council holiday schedule through the ``chinesecalendar`` package:
statutory holidays are off and make-up working weekends (调休上班) are on.

All functions take timezone-aware datetimes (a naive one raises :class:`ValueError`)
and return datetimes in Asia/Shanghai. China has no daylight saving time, so wall-clock
arithmetic in that zone is exact.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import ClassVar
from zoneinfo import ZoneInfo

import chinese_calendar

__all__ = ["DEFAULT_OFFICE_HOURS", "SHANGHAI", "WorkCalendar"]

SHANGHAI = ZoneInfo("Asia/Shanghai")

DEFAULT_OFFICE_HOURS: tuple[tuple[time, time], ...] = (
    (time(9), time(12)),
    (time(14), time(18)),
)
"""Office hours of a working day: 09:00–12:00 and 14:00–18:00 (7 hours)."""

_ONE_DAY = timedelta(days=1)
_ONE_HOUR = timedelta(hours=1)


@lru_cache(maxsize=4096)
def _official_workday(day: date) -> bool:
    """Return whether ``day`` is a working day, Monday–Friday outside the known years."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


@dataclass(frozen=True)
class WorkCalendar:
    """Office hours on Chinese working days, in Asia/Shanghai.

    Parameters
    ----------
    office_hours : tuple of (time, time)
        The office periods of a working day, each ``(opens, closes)`` with
        ``opens < closes``, in order and not overlapping. Defaults to
        :data:`DEFAULT_OFFICE_HOURS` (09:00–12:00, 14:00–18:00).

    Raises
    ------
    ValueError
        If ``office_hours`` is empty, a period is empty or reversed, the periods are out of
        order or overlap, or a time carries a timezone.

    Notes
    -----
    Working days are those of ``chinese_calendar.is_workday``: statutory holidays are
    off, make-up working weekends (调休) are on. The package only knows the years the
    State Council has published (up to 2026 in version 1.11); for dates outside them
    this calendar falls back to Monday–Friday, with no holidays and no make-up days.
    Update ``chinesecalendar`` each December when the next year's schedule comes out.

    Examples
    --------
    >>> from datetime import datetime
    >>> cal = WorkCalendar()
    >>> start = datetime(2026, 9, 30, 17, tzinfo=SHANGHAI)
    >>> cal.add_working_days(start, 3).isoformat()
    '2026-10-10T17:00:00+08:00'
    """

    office_hours: tuple[tuple[time, time], ...] = DEFAULT_OFFICE_HOURS
    tz: ClassVar[ZoneInfo] = SHANGHAI

    def __post_init__(self) -> None:
        periods = tuple(tuple(p) for p in self.office_hours)
        if not periods:
            raise ValueError("office_hours must hold at least one (opens, closes) period")
        previous_close: time | None = None
        for period in periods:
            if len(period) != 2 or not all(isinstance(t, time) for t in period):
                raise ValueError(f"office period {period!r} must be a pair of datetime.time")
            opens, closes = period
            if opens.tzinfo is not None or closes.tzinfo is not None:
                raise ValueError(
                    f"office period {opens}–{closes} must use naive times (local clock time)"
                )
            if not opens < closes:
                raise ValueError(f"office period {opens}–{closes} must open before it closes")
            if previous_close is not None and opens < previous_close:
                raise ValueError(
                    f"office period {opens}–{closes} overlaps or precedes the period "
                    f"closing at {previous_close}; give periods in order without overlap"
                )
            previous_close = closes
        object.__setattr__(self, "office_hours", periods)

    # ------------------------------------------------------------------ days

    def is_workday(self, d: date) -> bool:
        """Return whether a date is a working day.

        Parameters
        ----------
        d : date
            A calendar date. A (timezone-aware) datetime is first converted to
            Asia/Shanghai and its date taken.

        Returns
        -------
        bool
            ``True`` on working days, including make-up working weekends (调休);
            ``False`` on weekends and statutory holidays. Outside the years the
            ``chinesecalendar`` package knows, Monday–Friday.
        """
        if isinstance(d, datetime):
            d = self.to_local(d).date()
        return _official_workday(d)

    @property
    def hours_per_day(self) -> float:
        """Office hours in one working day (7.0 by default)."""
        return self._day_length() / _ONE_HOUR

    # ------------------------------------------------------------------ moments

    def is_office_time(self, moment: datetime) -> bool:
        """Return whether a moment falls in office hours of a working day.

        Periods are half-open: 09:00 is office time, 12:00 is not.
        """
        local = self.to_local(moment)
        return any(opens <= local < closes for opens, closes in self._periods(local.date()))

    def next_office_time(self, moment: datetime) -> datetime:
        """Return ``moment`` if it is office time, else the next office opening."""
        local = self.to_local(moment)
        day = local.date()
        while True:
            for opens, closes in self._periods(day):
                if local < closes:
                    return max(opens, local)
            day += _ONE_DAY

    # ------------------------------------------------------------------ arithmetic

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """Add office hours on working days to a moment.

        Parameters
        ----------
        start : datetime
            A timezone-aware datetime; it may fall outside office hours, in which case
            counting begins at the next office opening.
        hours : float
            Working hours to add, ≥ 0.

        Returns
        -------
        datetime
            In Asia/Shanghai. When the time runs out exactly at a closing time the
            closing time is returned (e.g. 09:00 + 3 h → 12:00, not 14:00).

        Raises
        ------
        ValueError
            If ``start`` is naive or ``hours`` is negative or not finite.

        Examples
        --------
        >>> from datetime import datetime
        >>> cal = WorkCalendar()
        >>> cal.add_working_hours(datetime(2026, 9, 16, 11, tzinfo=SHANGHAI), 2).isoformat()
        '2026-09-16T15:00:00+08:00'
        """
        if not math.isfinite(hours) or hours < 0:
            raise ValueError(f"hours must be a finite number ≥ 0, got {hours!r}")
        return self._add(self.to_local(start), timedelta(hours=hours))

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """Return the same clock time on the ``days``-th following working day.

        Parameters
        ----------
        start : datetime
            A timezone-aware datetime. If it falls outside office hours or on a
            non-working day, counting starts from the next office opening instead
            (e.g. Wednesday 20:00 + 1 day → Friday 09:00). Opening and closing times
            themselves (09:00, 12:00, 18:00) count as inside.
        days : int
            Working days to add, ≥ 0.

        Returns
        -------
        datetime
            In Asia/Shanghai. The working time from ``start`` to the result is always
            ``days`` × :attr:`hours_per_day`.

        Raises
        ------
        ValueError
            If ``start`` is naive or ``days`` is negative or not an integer.
        """
        if isinstance(days, bool) or not isinstance(days, int) or days < 0:
            raise ValueError(f"days must be an integer ≥ 0, got {days!r}")
        local = self.to_local(start)
        if not any(opens <= local <= closes for opens, closes in self._periods(local.date())):
            local = self.next_office_time(local)
        day = local.date()
        remaining = days
        while remaining:
            day += _ONE_DAY
            if self.is_workday(day):
                remaining -= 1
        return datetime.combine(day, local.time(), tzinfo=self.tz)

    def working_hours_between(self, start: datetime, end: datetime) -> float:
        """Count office hours on working days from ``start`` to ``end`` (negative if earlier)."""
        return self.working_time_between(start, end) / _ONE_HOUR

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Like :meth:`working_hours_between`, as an exact :class:`~datetime.timedelta`."""
        lo, hi = self.to_local(start), self.to_local(end)
        if hi < lo:
            return -self.working_time_between(hi, lo)
        total = timedelta(0)
        day = lo.date()
        while day <= hi.date():
            for opens, closes in self._periods(day):
                a, b = max(opens, lo), min(closes, hi)
                if b > a:
                    total += b - a
            day += _ONE_DAY
        return total

    # ------------------------------------------------------------------ helpers

    def to_local(self, moment: datetime) -> datetime:
        """Return the same instant in Asia/Shanghai.

        Every method converts through here: a naive ``moment`` raises ``ValueError`` and
        anything but a datetime raises ``TypeError``.
        """
        if not isinstance(moment, datetime):
            raise TypeError(f"expected a datetime, got {type(moment).__name__}")
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(
                f"naive datetime {moment.isoformat()} has no timezone; pass an aware "
                "datetime, e.g. datetime(..., tzinfo=ZoneInfo('Asia/Shanghai'))"
            )
        return moment.astimezone(self.tz)

    # ------------------------------------------------------------------ internals

    def _periods(self, day: date) -> list[tuple[datetime, datetime]]:
        if not self.is_workday(day):
            return []
        return [
            (
                datetime.combine(day, opens, tzinfo=self.tz),
                datetime.combine(day, closes, tzinfo=self.tz),
            )
            for opens, closes in self.office_hours
        ]

    def _day_length(self) -> timedelta:
        ref = date(2000, 1, 1)
        return sum(
            (
                datetime.combine(ref, closes) - datetime.combine(ref, opens)
                for opens, closes in self.office_hours
            ),
            timedelta(0),
        )

    def _add(self, local: datetime, remaining: timedelta) -> datetime:
        if remaining <= timedelta(0):
            return local
        day = local.date()
        while True:
            for opens, closes in self._periods(day):
                if closes <= local:
                    continue
                begin = max(opens, local)
                available = closes - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
            day += _ONE_DAY
