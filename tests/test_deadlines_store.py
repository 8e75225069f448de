"""The handling deadline runs from dispatch, not from signing, on the working calendar.

Step by step, 3 working days from Wednesday 2026-09-30 16:00 (Asia/Shanghai), the dispatch:
  09-30 Wed 16:00  clock starts (the rest of that day is not counted: same-clock-time rule)
  10-01 … 10-07    National Day holiday (国庆节), not working days
  10-08 Thu        working day 1
  10-09 Fri        working day 2
  10-10 Sat        working day 3: the official make-up working day (调休上班)
  → due Saturday 2026-10-10 16:00, whether the unit signs at once or on 10-09.
An urgent case counts calendar time: 72 h → 10-03 16:00.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from api.cases.actions import act
from api.cases.intake import intake
from api.cases.schemas import IncidentCreate
from api.context import AppContext
from api.workflow import ActionInput, Actor, Role
from tests.city import centre_of

SHANGHAI = ZoneInfo("Asia/Shanghai")
DISPATCHER = Actor(username="dispatcher", full_name="值班员", role=Role.dispatcher)
OFFICER = Actor(username="officer_sfj", full_name="承办人", role=Role.officer, unit="sfj")
DISPATCH_AT = datetime(2026, 9, 30, 16, tzinfo=SHANGHAI)


def _dispatched_then_claimed(context: AppContext, *, urgent: bool, claim_at: datetime) -> object:
    lon, lat = centre_of("44150200100101")
    body = IncidentCreate(
        category="0101", description="邻里噪声纠纷", lon=lon, lat=lat, urgent=urgent
    )
    morning = datetime(2026, 9, 30, 9, tzinfo=SHANGHAI)
    with context.db.write_session() as session:
        case = intake(session, context, body, DISPATCHER, now=morning).incident
        assert case.id is not None
        act(session, context, case.id, "accept", ActionInput(), DISPATCHER, now=morning)
        act(
            session,
            context,
            case.id,
            "dispatch",
            ActionInput(unit="sfj"),
            DISPATCHER,
            now=DISPATCH_AT,
        )
        claimed = act(session, context, case.id, "claim", ActionInput(), OFFICER, now=claim_at)
        return (
            claimed.stage,
            claimed.stage_due_at,
            claimed.handle_due_at,
            claimed.first_handle_due_at,
        )


@pytest.mark.parametrize(
    ("urgent", "due"),
    [
        (False, datetime(2026, 10, 10, 16, tzinfo=SHANGHAI)),
        (True, datetime(2026, 10, 3, 16, tzinfo=SHANGHAI)),
    ],
    ids=["working-days", "urgent-calendar-time"],
)
def test_handling_deadline_runs_from_dispatch(
    city_context: AppContext, urgent: bool, due: datetime
) -> None:
    at_once = _dispatched_then_claimed(
        city_context, urgent=urgent, claim_at=datetime(2026, 9, 30, 16, 30, tzinfo=SHANGHAI)
    )
    late = _dispatched_then_claimed(
        city_context, urgent=urgent, claim_at=datetime(2026, 10, 9, 10, tzinfo=SHANGHAI)
    )
    assert at_once == ("handle", due, due, due)
    assert late == at_once
    assert [datetime(2026, 10, d).weekday() for d in (8, 9, 10)] == [3, 4, 5]  # Thu, Fri, Sat
    for day, working in [(1, False), (7, False), (8, True), (9, True), (10, True), (11, False)]:
        assert city_context.calendar.is_workday(datetime(2026, 10, day).date()) is working
