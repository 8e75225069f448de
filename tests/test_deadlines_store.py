"""The handle deadline a claim stores counts working days across holidays and make-up days.

Step by step, 3 working days from Wednesday 2026-09-30 17:00 (Asia/Shanghai):
  09-30 Wed 17:00  clock starts (the rest of that day is not counted: same-clock-time rule)
  10-01 … 10-07    National Day holiday (国庆节), not working days
  10-08 Thu        working day 1
  10-09 Fri        working day 2
  10-10 Sat        working day 3: the official make-up working day (调休上班)
  → due Saturday 2026-10-10 17:00.  An urgent case counts calendar time: 72 h → 10-03 17:00.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from api.cases.actions import act
from api.cases.intake import intake
from api.cases.schemas import IncidentCreate
from api.context import AppContext
from api.workflow import ActionInput, Actor
from tests.city import centre_of

SHANGHAI = ZoneInfo("Asia/Shanghai")
DISPATCHER = Actor(username="dispatcher", full_name="值班员", role="dispatcher")
OFFICER = Actor(username="officer_sfj", full_name="承办人", role="officer", department="sfj")


@pytest.mark.parametrize(
    ("urgent", "due"),
    [
        (False, datetime(2026, 10, 10, 17, tzinfo=SHANGHAI)),
        (True, datetime(2026, 10, 3, 17, tzinfo=SHANGHAI)),
    ],
    ids=["working-days", "urgent-calendar-time"],
)
def test_claim_on_national_day_eve_stores_the_official_deadline(
    city_context: AppContext, urgent: bool, due: datetime
) -> None:
    lon, lat = centre_of("44150200100101")
    body = IncidentCreate(
        category="0101", description="邻里噪声纠纷", lon=lon, lat=lat, urgent=urgent
    )
    morning = datetime(2026, 9, 30, 9, tzinfo=SHANGHAI)
    claim_time = datetime(2026, 9, 30, 17, tzinfo=SHANGHAI)
    with city_context.db.write_session() as session:
        case = intake(session, city_context, body, DISPATCHER, now=morning).incident
        assert case.id is not None
        act(session, city_context, case.id, "accept", ActionInput(), DISPATCHER, now=morning)
        act(
            session,
            city_context,
            case.id,
            "dispatch",
            ActionInput(department="sfj"),
            DISPATCHER,
            now=morning,
        )
        claimed = act(
            session, city_context, case.id, "claim", ActionInput(), OFFICER, now=claim_time
        )
    assert claimed.stage == "handle"
    assert claimed.stage_due_at == due
    assert claimed.handle_due_at == due
    assert [datetime(2026, 10, d).weekday() for d in (8, 9, 10)] == [3, 4, 5]  # Thu, Fri, Sat
    for day, working in [(1, False), (7, False), (8, True), (9, True), (10, True), (11, False)]:
        assert city_context.calendar.is_workday(datetime(2026, 10, day).date()) is working
