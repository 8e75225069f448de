"""Working time on the Chinese calendar (statutory holidays off, 调休 make-up days on)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from api.workflow import SHANGHAI, WorkCalendar

CAL = WorkCalendar()


def sh(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """Build a datetime in Asia/Shanghai."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


# --------------------------------------------------------------------- national day case


def test_three_working_days_over_national_day_2026() -> None:
    start = sh(2026, 9, 30, 17)
    # Wednesday 30 September 2026 is a normal working day, and 17:00 is office time.
    assert start.strftime("%A") == "Wednesday"
    assert CAL.is_workday(date(2026, 9, 30))
    assert CAL.is_office_time(start)
    # 1–7 October: National Day and Mid-Autumn holiday, all off (incl. the weekend).
    for day in range(1, 8):
        assert not CAL.is_workday(date(2026, 10, day)), f"2026-10-{day:02d} should be off"
    # Thursday 8 and Friday 9 October: working days 1 and 2.
    assert CAL.is_workday(date(2026, 10, 8))
    assert CAL.is_workday(date(2026, 10, 9))
    # Saturday 10 October is the official make-up working day (调休上班): working day 3.
    assert date(2026, 10, 10).strftime("%A") == "Saturday"
    assert CAL.is_workday(date(2026, 10, 10))
    # Sunday 11 October is an ordinary weekend day again.
    assert not CAL.is_workday(date(2026, 10, 11))

    # So three working days after Wed 30 Sep 17:00 is Sat 10 Oct 17:00.
    due = CAL.add_working_days(start, 3)
    assert due == sh(2026, 10, 10, 17)
    assert due.tzinfo is SHANGHAI
    # One day at a time:
    assert CAL.add_working_days(start, 1) == sh(2026, 10, 8, 17)
    assert CAL.add_working_days(start, 2) == sh(2026, 10, 9, 17)
    # And the working time in between is exactly three working days of 7 office hours.
    assert CAL.hours_per_day == 7
    assert CAL.working_hours_between(start, due) == 21


# --------------------------------------------------------------------- working hours


def test_add_working_hours_across_lunch() -> None:
    # Wed 16 Sep 2026, 11:00 + 2 h: one hour before lunch, one after (12:00–14:00 off).
    assert CAL.add_working_hours(sh(2026, 9, 16, 11), 2) == sh(2026, 9, 16, 15)
    assert CAL.working_hours_between(sh(2026, 9, 16, 11), sh(2026, 9, 16, 15)) == 2


def test_add_working_hours_across_a_weekend() -> None:
    # Fri 11 Sep 2026, 17:00 + 2 h: one hour on Friday, the weekend is off, 09:00–10:00 Monday.
    assert not CAL.is_workday(date(2026, 9, 12))
    assert not CAL.is_workday(date(2026, 9, 13))
    assert CAL.add_working_hours(sh(2026, 9, 11, 17), 2) == sh(2026, 9, 14, 10)
    assert CAL.working_hours_between(sh(2026, 9, 11, 17), sh(2026, 9, 14, 10)) == 2


def test_make_up_sunday_counts() -> None:
    # Sun 20 Sep 2026 is a 调休 working day before National Day; Sat 19 Sep is off.
    assert not CAL.is_workday(date(2026, 9, 19))
    assert CAL.is_workday(date(2026, 9, 20))
    assert CAL.add_working_hours(sh(2026, 9, 18, 17), 2) == sh(2026, 9, 20, 10)


def test_ending_exactly_at_closing_time() -> None:
    assert CAL.add_working_hours(sh(2026, 9, 16, 9), 3) == sh(2026, 9, 16, 12)
    assert CAL.add_working_hours(sh(2026, 9, 16, 9), 7) == sh(2026, 9, 16, 18)
    assert CAL.add_working_hours(sh(2026, 9, 16, 9), 0) == sh(2026, 9, 16, 9)


def test_fractional_hours() -> None:
    assert CAL.add_working_hours(sh(2026, 9, 16, 11, 30), 1.25) == sh(2026, 9, 16, 14, 45)


def test_start_on_a_holiday() -> None:
    # Sat 3 Oct 2026 10:00 is in the National Day holiday: counting starts Thu 8 Oct 09:00.
    start = sh(2026, 10, 3, 10)
    assert not CAL.is_office_time(start)
    assert CAL.next_office_time(start) == sh(2026, 10, 8, 9)
    assert CAL.add_working_hours(start, 2) == sh(2026, 10, 8, 11)
    assert CAL.add_working_days(start, 1) == sh(2026, 10, 9, 9)
    assert CAL.working_hours_between(start, sh(2026, 10, 8, 9)) == 0


def test_start_outside_office_hours() -> None:
    # Wed 16 Sep 20:00 → counting starts Thu 09:00; one working day later is Fri 09:00.
    assert CAL.add_working_days(sh(2026, 9, 16, 20), 1) == sh(2026, 9, 18, 9)
    # At lunch the afternoon opening is the start.
    assert CAL.add_working_days(sh(2026, 9, 16, 12, 30), 1) == sh(2026, 9, 17, 14)
    assert CAL.add_working_hours(sh(2026, 9, 16, 12, 30), 1) == sh(2026, 9, 16, 15)
    # Closing time itself keeps its clock time.
    assert CAL.add_working_days(sh(2026, 9, 16, 18), 1) == sh(2026, 9, 17, 18)
    assert CAL.add_working_days(sh(2026, 9, 16, 20), 0) == sh(2026, 9, 17, 9)


def test_spring_festival_2026() -> None:
    # 2026 Spring Festival: Sun 15 – Mon 23 Feb off; Sat 14 Feb and Sat 28 Feb are 调休 workdays.
    assert CAL.is_workday(date(2026, 2, 13))
    assert CAL.is_workday(date(2026, 2, 14))
    for day in range(15, 24):
        assert not CAL.is_workday(date(2026, 2, day)), f"2026-02-{day} should be off"
    assert CAL.is_workday(date(2026, 2, 24))
    assert CAL.is_workday(date(2026, 2, 28))
    start = sh(2026, 2, 13, 17)  # Friday before the holiday
    assert CAL.add_working_days(start, 1) == sh(2026, 2, 14, 17)  # make-up Saturday
    assert CAL.add_working_days(start, 2) == sh(2026, 2, 24, 17)  # first day back
    assert CAL.add_working_hours(sh(2026, 2, 14, 17), 2) == sh(2026, 2, 24, 10)
    assert CAL.working_hours_between(sh(2026, 2, 14, 9), sh(2026, 2, 25, 9)) == 14


def test_working_hours_between_is_signed() -> None:
    a, b = sh(2026, 9, 16, 9), sh(2026, 9, 17, 9)
    assert CAL.working_hours_between(a, b) == 7
    assert CAL.working_hours_between(b, a) == -7
    assert CAL.working_hours_between(a, a) == 0


# --------------------------------------------------------------------- time zones


def test_naive_datetimes_are_refused() -> None:
    naive = datetime(2026, 9, 16, 9)
    with pytest.raises(ValueError, match="naive"):
        CAL.add_working_hours(naive, 1)
    with pytest.raises(ValueError, match="naive"):
        CAL.add_working_days(naive, 1)
    with pytest.raises(ValueError, match="naive"):
        CAL.working_hours_between(naive, sh(2026, 9, 16, 10))
    with pytest.raises(ValueError, match="naive"):
        CAL.working_hours_between(sh(2026, 9, 16, 10), naive)


def test_other_time_zones_are_converted() -> None:
    # 01:00 UTC is 09:00 in Shanghai.
    result = CAL.add_working_hours(datetime(2026, 9, 16, 1, tzinfo=UTC), 1)
    assert result == sh(2026, 9, 16, 10)
    assert result.tzinfo is SHANGHAI
    assert result.hour == 10
    # Fri 18 Sep 20:00 UTC is already Sat 19 Sep 04:00 in Shanghai: not a working day.
    assert CAL.is_workday(datetime(2026, 9, 18, 20, tzinfo=UTC)) is False


# --------------------------------------------------------------------- configuration


def test_outside_the_library_years_falls_back_to_monday_to_friday() -> None:
    assert CAL.is_workday(date(2031, 1, 1))  # a Wednesday (New Year's Day unknown)
    assert not CAL.is_workday(date(2031, 1, 4))  # a Saturday
    assert CAL.add_working_days(sh(2031, 1, 3, 10), 1) == sh(2031, 1, 6, 10)


def test_custom_office_hours() -> None:
    cal = WorkCalendar(office_hours=((time(8, 30), time(12)), (time(13, 30), time(17, 30))))
    assert cal.hours_per_day == 7.5
    assert cal.add_working_hours(sh(2026, 9, 16, 11), 2) == sh(2026, 9, 16, 14, 30)


@pytest.mark.parametrize(
    "hours",
    [
        (),
        ((time(12), time(9)),),
        ((time(9), time(9)),),
        ((time(14), time(18)), (time(9), time(12))),
        ((time(9), time(13)), (time(12), time(18))),
        ((time(9, tzinfo=UTC), time(12)),),
    ],
    ids=["empty", "reversed", "empty-period", "out-of-order", "overlap", "aware"],
)
def test_invalid_office_hours(hours: tuple[tuple[time, time], ...]) -> None:
    with pytest.raises(ValueError, match="office"):
        WorkCalendar(office_hours=hours)


@pytest.mark.parametrize("bad", [-1, float("nan"), float("inf")])
def test_invalid_hours(bad: float) -> None:
    with pytest.raises(ValueError, match="hours"):
        CAL.add_working_hours(sh(2026, 9, 16, 9), bad)


@pytest.mark.parametrize("bad", [-1, 1.5])
def test_invalid_days(bad: int) -> None:
    with pytest.raises(ValueError, match="days"):
        CAL.add_working_days(sh(2026, 9, 16, 9), bad)
