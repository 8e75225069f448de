"""Every formula of DOMAIN.md ("Indicators") on hand-built cases, answers worked out here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from api.indicators import (
    CASE_COUNTS,
    RATE_LABELS,
    CaseRow,
    Rate,
    SummonsRow,
    Tally,
    counts_of,
    department_score,
    per_thousand_households,
    rank,
    rates,
    tally,
    tier_shares,
)
from api.workflow import Status, Tier

NOW = datetime(2026, 11, 20, 4, tzinfo=UTC)
PAST = NOW - timedelta(days=1)
LATER = NOW + timedelta(days=1)

CLOSED = CaseRow(status=Status.closed)
REJECTED = CaseRow(status=Status.rejected)
# a dispatched case handled within its limit and closed
DONE = CaseRow(
    status=Status.closed, dispatched=True, claimed=True, handled=True, handle_due_at=PAST
)
# a dispatched case still in hand past its deadline
LATE_OPEN = CaseRow(
    status=Status.in_progress, dispatched=True, claimed=True, handle_due_at=PAST, ever_overdue=True
)
# a dispatched case in hand, its deadline still ahead: not due to handle yet
FRESH = CaseRow(status=Status.assigned, dispatched=True, claimed=True, handle_due_at=LATER)


def _rates(cases: list[CaseRow], summons: Sequence[SummonsRow] = ()) -> dict[str, Rate]:
    return rates(tally(cases, summons, as_of=NOW))


def test_rate_carries_numerator_and_denominator() -> None:
    anxiang = Rate(541, 577)
    assert anxiang.percent == 93.76
    assert anxiang.as_dict() == {
        "numerator": 541,
        "denominator": 577,
        "value": 541 / 577,
        "percent": 93.76,
    }
    assert Rate(0, 0).value is None and Rate(0, 0).percent is None
    assert Rate(3, 20).complement() == Rate(17, 20)


def test_resolution_rate_anxiang() -> None:
    """安乡: 577 collected, 541 resolved → 93.76 %; rejected reports are not collected."""
    open_cases = [CaseRow(status=Status.in_progress)] * 30
    unreasonable = [replace(CLOSED, unreasonable=True)] * 6  # closed, but not resolved
    cases = [CLOSED] * 541 + open_cases + unreasonable + [REJECTED] * 10
    rate = _rates(cases)["resolution_rate"]
    assert (rate.numerator, rate.denominator, rate.percent) == (541, 577, 93.76)


def test_closure_and_closed_on_time() -> None:
    """结案率 = closed ÷ due to close; 按期结案率 = closed never overdue ÷ due to close.

    Due to close: closed (3), or overdue by the handling deadline (LATE_OPEN); FRESH and
    a case not yet dispatched are not due yet. One closed case was ever overdue.
    """
    cases = [CLOSED, DONE, replace(DONE, ever_overdue=True), LATE_OPEN, FRESH]
    cases.append(CaseRow(status=Status.accepted))
    found = _rates(cases)
    assert found["closure_rate"] == Rate(3, 4)
    assert found["closed_on_time_rate"] == Rate(2, 4)


def test_handling_rates_of_a_department() -> None:
    """处置率, 按期处置率, 返工率, 超期待处置率, 延期率 over 5 cases due to handle.

    Due to handle: DONE, late-handled, reworked (handled again), LATE_OPEN, and an extended
    case past its (extended) deadline → 5; FRESH is not due.
    handled: DONE, late-handled, reworked → 3, on time: DONE and reworked → 2;
    reworked 1 of 3 handled; overdue and open: LATE_OPEN and the extended one → 2 of 5;
    extended: 1 of 5.
    """
    late_handled = replace(DONE, ever_overdue=True)
    reworked = replace(DONE, status=Status.handled, rework_count=1)
    extended = replace(LATE_OPEN, extension_count=1, ever_overdue=False)
    found = _rates([DONE, late_handled, reworked, LATE_OPEN, extended, FRESH])
    assert found["handling_rate"] == Rate(3, 5)
    assert found["handled_on_time_rate"] == Rate(2, 5)
    assert found["rework_rate"] == Rate(1, 3)
    assert found["overdue_open_rate"] == Rate(2, 5)
    assert found["extension_rate"] == Rate(1, 5)


def test_a_case_in_rework_stays_handled() -> None:
    """Failed verification sends it back (handled_at cleared); it was still handled once."""
    in_rework = replace(LATE_OPEN, rework_count=1, ever_overdue=False, handle_due_at=LATER)
    found = _rates([in_rework])
    assert found["handling_rate"] == Rate(1, 1) and found["rework_rate"] == Rate(1, 1)


def test_dispatch_quality_and_signing() -> None:
    """退回率 = returned ÷ dispatched, 准确派遣率 its complement; 签收率, 按时签收率.

    4 dispatched (one of them returned and back with the centre, not dispatched now);
    signed: 3 of the 4, in time: 2.
    """
    returned = CaseRow(status=Status.accepted, return_count=1)
    cases = [
        replace(DONE, signed_in_time=True),
        replace(FRESH, signed_in_time=True),
        LATE_OPEN,
        returned,
        CaseRow(status=Status.reported),
    ]
    found = _rates(cases)
    assert found["return_rate"] == Rate(1, 4)
    assert found["accurate_dispatch_rate"] == Rate(3, 4)
    assert found["signing_rate"] == Rate(3, 4)
    assert found["signed_in_time_rate"] == Rate(2, 4)


def test_call_back_rates() -> None:
    """满意率 on first ratings (unreachable apart); 解决率 on call-backs that reached the
    resident; 重办率 = reopened after 不满意 ÷ called back.

    5 call-backs: 满意 (solved), 基本满意 (solved), 不满意 then reopened and later 满意
    (first rating kept), 不满意 unsolved closed as unreasonable, 1 unreachable.
    """
    called = CaseRow(status=Status.closed, called_back=True)
    cases = [
        replace(called, first_rating="满意", first_solved=True),
        replace(called, first_rating="基本满意", first_solved=True),
        replace(called, first_rating="不满意", first_solved=False, reopen_count=1),
        replace(called, first_rating="不满意", first_solved=False, unreasonable=True),
        replace(called, unreachable=True),
        CLOSED,  # answered at intake: no call-back
    ]
    t = tally(cases, as_of=NOW)
    found = rates(t)
    assert found["satisfaction_rate"] == Rate(2, 4)
    assert t["unreachable"] == 1
    assert found["solved_rate"] == Rate(2, 4)
    assert found["reopen_rate"] == Rate(1, 5)


def test_response_repeat_and_on_site_rates() -> None:
    """响应率 and 重复投诉率 over all reports; 就地处置率 over collected ones.

    5 reports: 3 responded in time; 2 repeats (one rejected as a duplicate);
    4 collected, 1 resolved on site by the grid.
    """
    cases = [
        replace(CLOSED, responded_in_time=True, resolved_on_site=True),
        replace(CLOSED, responded_in_time=True),
        replace(FRESH, responded_in_time=True, repeats=True),
        replace(REJECTED, repeats=True),
        LATE_OPEN,
    ]
    found = _rates(cases)
    assert found["response_rate"] == Rate(3, 5)
    assert found["repeat_rate"] == Rate(2, 5)
    assert found["on_site_rate"] == Rate(1, 4)


def test_a_few_rates_need_only_their_own_counts() -> None:
    """The wall's three rates from a tally of only the counts they divide equal the full ones."""
    names = ("resolution_rate", "closed_on_time_rate", "satisfaction_rate")
    needed = counts_of(names)
    assert set(needed) == {"collected", "resolved", "due_to_close", "closed_on_time"} | {
        "rated",
        "satisfied",
    }
    assert "repeated" not in needed and "responded" not in needed
    satisfied = replace(CLOSED, first_rating="满意")
    full = tally([DONE, LATE_OPEN, FRESH, REJECTED, satisfied], as_of=NOW)
    partial = Tally(cases={**Tally().cases, **{c: full[c] for c in needed}})
    assert rates(partial, names) == {name: rates(full)[name] for name in names}


def test_report_in_timeliness() -> None:
    """报到及时率 = summons answered within their limit ÷ summons due.

    On time, late, never answered and past due (counted), awaited within its limit (not
    counted yet) → 1 of 3; the last two are both awaiting.
    """
    summons = [
        SummonsRow(due_at=PAST, reported_at=PAST - timedelta(minutes=10)),
        SummonsRow(due_at=PAST, reported_at=PAST + timedelta(minutes=10)),
        SummonsRow(due_at=PAST),
        SummonsRow(due_at=LATER),
    ]
    t = tally([], summons, as_of=NOW)
    assert rates(t)["report_in_rate"] == Rate(1, 3)
    assert t.summons_awaiting == 2


def test_department_score() -> None:
    """处置率×30 + 按期处置率×20 + (1−返工率)×20 + (1−超期待处置率)×20 + (1−延期率)×10.

    The cases of test_handling_rates_of_a_department: 3/5·30 + 2/5·20 + (1−1/3)·20
    + (1−2/5)·20 + (1−1/5)·10 = 18 + 8 + 13.33 + 12 + 8 = 59.33.
    """
    late_handled = replace(DONE, ever_overdue=True)
    reworked = replace(DONE, status=Status.handled, rework_count=1)
    extended = replace(LATE_OPEN, extension_count=1, ever_overdue=False)
    t = tally([DONE, late_handled, reworked, LATE_OPEN, extended, FRESH], as_of=NOW)
    assert department_score(t) == 59.33
    assert department_score(tally([DONE] * 4, as_of=NOW)) == 100.0
    assert department_score(tally([FRESH], as_of=NOW)) is None, "nothing due: no score"
    # nothing handled yet, all overdue: 0·30 + 0·20 + 20 (no rework) + 0·20 + 10 = 30
    assert department_score(tally([LATE_OPEN], as_of=NOW)) == 30.0


def test_tier_shares_and_households() -> None:
    """Closed at grid 1, township 2, county 1 of 4 closed; 12 cases in 400 households = 30‰."""
    cases = [replace(CLOSED, closing_tier=t) for t in (Tier.grid, Tier.township, Tier.township)]
    cases += [replace(CLOSED, closing_tier=Tier.county), FRESH]
    shares = tier_shares(tally(cases, as_of=NOW))
    assert shares == {
        Tier.grid: Rate(1, 4),
        Tier.township: Rate(2, 4),
        Tier.county: Rate(1, 4),
    }
    assert per_thousand_households(12, 400) == 30.0
    assert per_thousand_households(5, 0) is None


def test_small_samples_stay_out_of_the_top_places() -> None:
    """Three perfect cases do not top three hundred good ones, and the ranking says why."""
    ranked = rank(
        [("tiny", 100.0, 3), ("big", 92.5, 300), ("mid", 95.0, 40), ("idle", None, 0)],
        min_cases=10,
    )
    assert [(r.key, r.place) for r in ranked] == [
        ("mid", 1),
        ("big", 2),
        ("tiny", None),
        ("idle", None),
    ]
    assert ranked[2].note == "fewer than 10 cases: not ranked"
    assert ranked[2].value == 100.0 and ranked[2].cases == 3
    assert ranked[3].note == "no value"


def test_every_count_and_rate_is_named_and_tallies_add() -> None:
    t = tally([DONE, LATE_OPEN], as_of=NOW)
    both = t + tally([CLOSED], as_of=NOW)
    assert both["cases"] == 3 and both["closed"] == 2
    assert set(rates(t)) == set(RATE_LABELS)
    assert set(Tally().cases) == set(CASE_COUNTS)


@pytest.mark.parametrize("status", [Status.rejected, Status.closed])
def test_closed_and_rejected_cases_are_not_open(status: Status) -> None:
    assert tally([CaseRow(status=status)], as_of=NOW)["open"] == 0
