"""Supervision cards (督办) are recorded once each as a case's handling deadline passes."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlmodel import select

from api.app import create_app
from api.cases.actions import act
from api.cases.intake import intake
from api.cases.schemas import IncidentCreate
from api.cases.supervision import SUPERVISE_ACTION, supervise
from api.context import AppContext
from api.models import Incident, IncidentEvent
from api.workflow import ActionInput, Actor, Role
from tests.city import centre_of
from tests.driver import login

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 11, 16, 9, tzinfo=SHANGHAI)
CENTRE = Actor(username="dispatcher_441502001", role=Role.dispatcher, grid_codes={"441502001"})


def test_cards_rise_once_each_and_the_case_stays_counted_overdue(
    city_context: AppContext,
) -> None:
    lon, lat = centre_of("44150200100101")
    body = IncidentCreate(category="0201", description="楼道飞线充电", lon=lon, lat=lat)
    with city_context.db.write_session() as session:
        case_id = intake(session, city_context, body, CENTRE, now=MONDAY).incident.id
        assert case_id is not None
        act(session, city_context, case_id, "accept", ActionInput(), CENTRE, now=MONDAY)
        act(session, city_context, case_id, "dispatch", ActionInput(unit="xfj"), CENTRE, now=MONDAY)
    moments = [
        (MONDAY + timedelta(hours=3), 0),  # within the 1-working-day limit
        (MONDAY + timedelta(days=1, hours=1), 1),  # just overdue: yellow card
        (MONDAY + timedelta(days=1, hours=2), 0),  # still yellow: nothing new
        (MONDAY + timedelta(days=4), 1),  # far overdue: red card
        (MONDAY + timedelta(days=5), 0),
    ]
    for now, expected in moments:
        with city_context.db.write_session() as session:
            assert supervise(session, city_context, now) == expected, now
    with city_context.db.session() as session:
        case = session.get(Incident, case_id)
        assert case is not None and case.ever_overdue and case.supervision == "red_card"
        cards = session.exec(
            select(IncidentEvent)
            .where(IncidentEvent.incident_id == case_id, IncidentEvent.action == SUPERVISE_ACTION)
            .order_by(IncidentEvent.seq)
        ).all()
    assert [c.data["card"] for c in cards] == ["yellow_card", "red_card"]
    assert [c.seq for c in cards] == [4, 5]
    with TestClient(create_app(city_context.settings, dashboard=False)) as client:
        screen = login(client, "screen")
        wall = client.get("/api/stats/alerts", headers=screen).json()
        feed = client.get("/api/events", params={"after": 0, "limit": 100}, headers=screen).json()[
            "items"
        ]
        timeline = client.get(
            f"/api/incidents/{case_id}/events", headers=login(client, "dispatcher")
        )
    card_words = [m["text"] for m in feed if m["action"] == SUPERVISE_ACTION]
    assert card_words == ["电动车飞线充电：督办"] * 2, "the wall's ticker says 督办 in words"
    labels = [e["action_label"] for e in timeline.json() if e["action"] == SUPERVISE_ACTION]
    assert labels == ["督办", "督办"]
    assert [
        (c["id"], c["status_label"], c["unit_name"], c["category_name"]) for c in wall["red_cards"]
    ] == [(case_id, "待签收", "消防", "电动车飞线充电")]
