"""Time limits, deadlines, warning lights and supervision cards."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from api.workflow import (
    DEFAULT_STAGE_LIMITS,
    LIGHT_LABELS,
    SHANGHAI,
    SUPERVISION_LABELS,
    Light,
    Stage,
    StageClock,
    StageLimits,
    Supervision,
    TimeLimit,
    WorkCalendar,
    deadline,
    extend_deadline,
)

CAL = WorkCalendar()


def sh(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """Build a datetime in Asia/Shanghai."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


# --------------------------------------------------------------------- national day case


def test_three_day_handle_limit_over_national_day() -> None:
    limit = StageLimits.from_mapping(
        {
            "accept": "2h",
            "dispatch": "2h",
            "claim": "4h",
            "handle": "3d",
            "verify": "1d",
            "callback": "1d",
        }
    ).for_stage(Stage.handle)
    assert limit == TimeLimit(3, "d")
    start = sh(2026, 9, 30, 17)  # Wednesday, office time

    # Step by step on the official 2026 calendar:
    assert CAL.is_workday(date(2026, 9, 30))  # Wed: the stage starts at 17:00
    for day in range(1, 8):  # Thu 1 – Wed 7 Oct: National Day holiday, off
        assert not CAL.is_workday(date(2026, 10, day))
    assert CAL.is_workday(date(2026, 10, 8))  # Thu: working day 1
    assert CAL.is_workday(date(2026, 10, 9))  # Fri: working day 2
    assert CAL.is_workday(date(2026, 10, 10))  # Sat: 调休 make-up working day 3

    due = deadline(start, limit, urgent=False, calendar=CAL)
    assert due == sh(2026, 10, 10, 17)
    assert due.isoformat() == "2026-10-10T17:00:00+08:00"


def test_urgent_case_counts_calendar_time() -> None:
    start = sh(2026, 9, 30, 17)
    due = deadline(start, TimeLimit.parse("3d"), urgent=True, calendar=CAL)
    assert due - start == timedelta(hours=72)
    assert due == sh(2026, 10, 3, 17)  # in the middle of the holiday
    assert deadline(start, TimeLimit.parse("4h"), urgent=True, calendar=CAL) == sh(2026, 9, 30, 21)


def test_hour_limits_count_office_hours() -> None:
    # Wed 30 Sep 17:00 + 4 working hours: 1 h that day, then 3 h on Thu 8 Oct.
    due = deadline(sh(2026, 9, 30, 17), TimeLimit(4, "h"), urgent=False, calendar=CAL)
    assert due == sh(2026, 10, 8, 12)


def test_fractional_day_limit() -> None:
    # 1.5 d = one working day plus half of a 7-hour day (3.5 h).
    due = deadline(sh(2026, 9, 16, 9), TimeLimit.parse("1.5d"), urgent=False, calendar=CAL)
    assert due == sh(2026, 9, 17, 14, 30)  # 09:00–12:00 and 14:00–14:30 on Thursday
    assert CAL.working_hours_between(sh(2026, 9, 16, 9), due) == 10.5


def test_deadline_refuses_naive_start() -> None:
    for urgent in (True, False):
        with pytest.raises(ValueError, match="naive"):
            deadline(datetime(2026, 9, 30, 17), TimeLimit(3, "d"), urgent=urgent, calendar=CAL)


# --------------------------------------------------------------------- TimeLimit and StageLimits


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4h", TimeLimit(4, "h")),
        ("3d", TimeLimit(3, "d")),
        (" 1.5 D ", TimeLimit(1.5, "d")),
        ("30H", TimeLimit(30, "h")),
    ],
)
def test_parse_time_limit(text: str, expected: TimeLimit) -> None:
    assert TimeLimit.parse(text) == expected


@pytest.mark.parametrize("text", ["", "4", "h", "4m", "-4h", "0h", "3 days", "4h3d", "1e3h"])
def test_parse_time_limit_errors(text: str) -> None:
    with pytest.raises(ValueError, match="time limit"):
        TimeLimit.parse(text)


def test_time_limit_str_round_trips() -> None:
    assert str(TimeLimit(4, "h")) == "4h"
    assert str(TimeLimit(1.5, "d")) == "1.5d"
    assert TimeLimit.parse(str(TimeLimit(2.25, "h"))) == TimeLimit(2.25, "h")
    assert TimeLimit(3, "d").calendar_hours == 72


@pytest.mark.parametrize(("amount", "unit"), [(0, "h"), (-1, "d"), (3, "w"), (float("nan"), "h")])
def test_time_limit_validates(amount: float, unit: str) -> None:
    with pytest.raises(ValueError):
        TimeLimit(amount, unit)  # type: ignore[arg-type]


def test_stage_limits() -> None:
    limits = DEFAULT_STAGE_LIMITS
    assert {s.value: str(limits.for_stage(s)) for s in Stage} == limits.as_dict()
    assert limits.for_stage("handle") == limits.handle
    assert StageLimits.from_mapping(limits.as_dict()) == limits
    with pytest.raises(ValueError, match="missing"):
        StageLimits.from_mapping({"accept": "2h"})
    with pytest.raises(ValueError, match="unknown"):
        StageLimits.from_mapping(limits.as_dict() | {"close": "1d"})
    with pytest.raises(ValueError):
        limits.for_stage("close")


# --------------------------------------------------------------------- lights


# An urgent case with a 10-hour limit: calendar time, easy to read.
U_START = sh(2026, 10, 1, 0)
U_DUE = sh(2026, 10, 1, 10)
URGENT_STAGE = StageClock(U_START, U_DUE, urgent=True, calendar=CAL)


@pytest.mark.parametrize(
    ("now", "share", "expected"),
    [
        (sh(2026, 10, 1, 7, 54), 0.79, Light.green),
        (sh(2026, 10, 1, 8, 0), 0.80, Light.yellow),
        (sh(2026, 10, 1, 10, 0), 1.00, Light.yellow),
        (sh(2026, 10, 1, 10, 6), 1.01, Light.red),
    ],
    ids=["79%", "80%", "100%", "101%"],
)
def test_lights_urgent(now: datetime, share: float, expected: Light) -> None:
    assert URGENT_STAGE.share_used(now) == pytest.approx(share)
    assert URGENT_STAGE.light(now) is expected


# An ordinary case with a 10 working-hour limit from Mon 14 Sep 09:00:
# 7 h on Monday, 3 h on Tuesday morning → due Tue 15 Sep 12:00.
W_START = sh(2026, 9, 14, 9)
W_DUE = deadline(W_START, TimeLimit(10, "h"), urgent=False, calendar=CAL)
WORKING_STAGE = StageClock(W_START, W_DUE, urgent=False, calendar=CAL)


def test_working_time_due() -> None:
    assert W_DUE == sh(2026, 9, 15, 12)


@pytest.mark.parametrize(
    ("now", "share", "expected"),
    [
        (sh(2026, 9, 15, 9, 54), 0.79, Light.green),  # 7.9 working hours used
        (sh(2026, 9, 15, 10, 0), 0.80, Light.yellow),
        (sh(2026, 9, 15, 12, 0), 1.00, Light.yellow),
        (sh(2026, 9, 15, 14, 6), 1.01, Light.red),  # lunch does not count
    ],
    ids=["79%", "80%", "100%", "101%"],
)
def test_lights_working_time(now: datetime, share: float, expected: Light) -> None:
    assert WORKING_STAGE.share_used(now) == pytest.approx(share)
    assert WORKING_STAGE.light(now) is expected


def test_light_ignores_nights_but_not_the_deadline() -> None:
    # At 20:00 on Monday only 7 working hours of 10 are used: still green.
    assert WORKING_STAGE.light(sh(2026, 9, 14, 20)) is Light.green
    # At 12:30 on Tuesday no working time passed since 12:00, but the due time did.
    now = sh(2026, 9, 15, 12, 30)
    assert WORKING_STAGE.share_used(now) == 1.0
    assert WORKING_STAGE.light(now) is Light.red
    assert WORKING_STAGE.supervision(now) is Supervision.yellow_card


def test_labels() -> None:
    assert set(LIGHT_LABELS) == set(Light)
    assert set(SUPERVISION_LABELS) == set(Supervision)
    assert SUPERVISION_LABELS[Supervision.red_card] == "红牌督办"


# --------------------------------------------------------------------- supervision


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (sh(2026, 10, 1, 9, 59), Supervision.none),
        (sh(2026, 10, 1, 10, 0), Supervision.none),
        (sh(2026, 10, 1, 10, 1), Supervision.yellow_card),
        (sh(2026, 10, 1, 19, 59), Supervision.yellow_card),
        (sh(2026, 10, 1, 20, 0), Supervision.red_card),  # 2 × the limit
        (sh(2026, 10, 5, 0, 0), Supervision.red_card),
    ],
)
def test_supervision_urgent(now: datetime, expected: Supervision) -> None:
    assert URGENT_STAGE.supervision(now) is expected


def test_red_card_at_twice_the_working_limit() -> None:
    # 20 working hours from Mon 14 Sep 09:00: 7 Mon + 7 Tue + 6 Wed → Wed 16 Sep 17:00.
    assert WORKING_STAGE.supervision(sh(2026, 9, 16, 16, 59)) is (Supervision.yellow_card)
    assert WORKING_STAGE.supervision(sh(2026, 9, 16, 17)) is (Supervision.red_card)


# --------------------------------------------------------------------- extension


def test_extend_deadline() -> None:
    # 16 working hours after Tue 15 Sep 12:00: 4 h Tue, 7 h Wed, 5 h Thu → Thu 17 Sep 16:00.
    assert extend_deadline(W_DUE, 16, urgent=False, calendar=CAL) == sh(2026, 9, 17, 16)
    assert extend_deadline(U_DUE, 16, urgent=True, calendar=CAL) == sh(2026, 10, 2, 2)
    with pytest.raises(ValueError):
        extend_deadline(U_DUE, -1, urgent=True, calendar=CAL)
