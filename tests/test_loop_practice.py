"""The seeds' practice on both stores: extensions, duties, whistles, tiers and their queues."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from api.cases.actions import act as act_on
from api.cases.intake import intake
from api.cases.schemas import IncidentCreate
from api.context import AppContext
from api.models import Incident
from api.workflow import ActionInput, Actor, InvalidActionInput, Role, RuleBroken
from tests.city import centre_of
from tests.driver import act, login, report, try_act

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 11, 16, 9, tzinfo=SHANGHAI)
CENTRE = Actor(username="dispatcher_441502001", role=Role.dispatcher, grid_codes={"441502001"})
COUNTY = Actor(username="dispatcher", role=Role.dispatcher)
LEAD = Actor(username="lead_xfj", role=Role.lead, unit="xfj")
OFFICER = Actor(username="officer_xfj", role=Role.officer, unit="xfj")


def _assigned_case(context: AppContext, *, category: str = "0201") -> int:
    """A case dispatched on Monday 09:00 to 消防 and assigned to its officer (1-day limit)."""
    lon, lat = centre_of("44150200100101")
    body = IncidentCreate(category=category, description="楼道飞线充电", lon=lon, lat=lat)
    with context.db.write_session() as session:
        case_id = intake(session, context, body, CENTRE, now=MONDAY).incident.id
        assert case_id is not None
        for actor, action, data in (
            (CENTRE, "accept", ActionInput()),
            (CENTRE, "dispatch", ActionInput(unit="xfj")),
            (OFFICER, "claim", ActionInput()),
            (LEAD, "assign", ActionInput(officer="officer_xfj")),
        ):
            act_on(session, context, case_id, action, data, actor, now=MONDAY)
    return case_id


def _act(
    context: AppContext, case_id: int, actor: Actor, action: str, at: datetime, **data: object
) -> Incident:
    with context.db.write_session() as session:
        return act_on(session, context, case_id, action, ActionInput(**data), actor, now=at)


def test_extension_after_the_deadline_is_refused(city_context: AppContext) -> None:
    case_id = _assigned_case(city_context)
    with pytest.raises(RuleBroken) as refused:
        _act(
            city_context,
            case_id,
            OFFICER,
            "extend",
            MONDAY + timedelta(days=2),
            days=1,
            reason="等待配件",
        )
    assert refused.value.rule == "extend_before_deadline"


def test_approved_extension_keeps_the_case_counted_as_overdue(city_context: AppContext) -> None:
    case_id = _assigned_case(city_context)
    with pytest.raises(InvalidActionInput) as too_long:
        _act(
            city_context,
            case_id,
            OFFICER,
            "extend",
            MONDAY + timedelta(hours=2),
            days=2,
            reason="需协调物业",
        )
    assert too_long.value.field == "days"
    _act(
        city_context,
        case_id,
        OFFICER,
        "extend",
        MONDAY + timedelta(hours=2),
        days=1,
        reason="需协调物业",
    )
    approved = _act(city_context, case_id, CENTRE, "approve_extension", MONDAY + timedelta(days=2))
    assert approved.extension_count == 1 and approved.ever_overdue
    assert approved.handle_due_at is not None and approved.first_handle_due_at is not None
    assert approved.handle_due_at > approved.first_handle_due_at
    with pytest.raises(RuleBroken) as again:
        _act(
            city_context,
            case_id,
            OFFICER,
            "extend",
            MONDAY + timedelta(days=2, hours=1),
            days=1,
            reason="再次延期",
        )
    assert again.value.rule == "one_extension"


def test_a_second_extension_over_http_names_the_rule(client: TestClient) -> None:
    centre, lead = login(client, "dispatcher_441502001"), login(client, "lead_xfj")
    officer = login(client, "officer_xfj")
    case_id = report(client, centre)["id"]
    act(client, centre, case_id, "accept")
    act(client, centre, case_id, "dispatch", unit="xfj")
    act(client, officer, case_id, "claim")
    act(client, lead, case_id, "assign", officer="officer_xfj")
    act(client, officer, case_id, "extend", days=0.5, reason="等待配件")
    act(client, centre, case_id, "approve_extension")
    second = try_act(client, officer, case_id, "extend", days=0.5, reason="再等")
    assert second.status_code == 409 and second.json()["rule"] == "one_extension"


def test_separation_of_duties(client: TestClient) -> None:
    gridworker = login(client, "gridworker_441502001001")
    case_id = report(client, gridworker, category="0301", description="巷口堆放旧沙发")["id"]
    act(client, gridworker, case_id, "resolve_on_site", result="已清运")
    assert try_act(client, gridworker, case_id, "verify", passed=True).status_code == 403
    act(client, login(client, "dispatcher"), case_id, "verify", passed=True)
    assert try_act(client, gridworker, case_id, "callback", unreachable=True).status_code == 403

    centre, lead = login(client, "dispatcher_441502001"), login(client, "lead_xfj")
    other = report(client, centre)["id"]
    act(client, centre, other, "accept")
    act(client, centre, other, "dispatch", unit="xfj")
    act(client, login(client, "officer_xfj"), other, "claim")
    act(client, lead, other, "assign", officer="lead_xfj")
    refused = try_act(client, login(client, "officer_xfj"), other, "handle", result="已处理")
    assert refused.status_code == 403 and "lead_xfj" in refused.json()["detail"]


def test_whistle_with_one_department_on_time_and_one_late(
    city_context: AppContext, client: TestClient
) -> None:
    case_id = _assigned_case(city_context)
    _act(city_context, case_id, CENTRE, "whistle", MONDAY, departments=("gaj", "cgj"), minutes=30)
    wall = client.get("/api/stats/alerts", headers=login(client, "screen")).json()
    assert sorted(
        (w["unit_code"], w["unit_name"], w["late"]) for w in wall["awaiting_report_in"]
    ) == [("cgj", "城管执法", True), ("gaj", "公安", True)]
    assert list(wall["awaiting_report_in"][0]) == [
        "incident_id",
        "case_no",
        "unit_code",
        "unit_name",
        "whistled_at",
        "due_at",
        "late",
    ]
    gaj = Actor(username="officer_gaj", role=Role.officer, unit="gaj")
    cgj = Actor(username="officer_cgj", role=Role.officer, unit="cgj")
    _act(city_context, case_id, gaj, "report_in", MONDAY + timedelta(minutes=20), note="已到场")
    _act(city_context, case_id, cgj, "report_in", MONDAY + timedelta(minutes=50), note="迟到")
    _act(
        city_context,
        case_id,
        CENTRE,
        "rate_report_in",
        MONDAY + timedelta(hours=1),
        unit="gaj",
        rating="满意",
    )
    _act(
        city_context,
        case_id,
        CENTRE,
        "rate_report_in",
        MONDAY + timedelta(hours=1),
        unit="cgj",
        rating="不满意",
    )

    county = login(client, "dispatcher")
    case = client.get(f"/api/incidents/{case_id}", headers=county).json()
    seen = {w["department"]: (w["on_time"], w["rating"]) for w in case["whistles"]}
    assert seen == {"gaj": (True, "满意"), "cgj": (False, "不满意")}
    for unit, on_time in (("gaj", True), ("cgj", False)):
        listed = client.get("/api/whistles", params={"unit": unit}, headers=county).json()
        assert [(w["case_no"], w["on_time"]) for w in listed["items"]] == [
            (case["case_no"], on_time)
        ]
    # a summoned department sees the case it was called to
    mine = client.get(f"/api/incidents/{case_id}", headers=login(client, "officer_gaj"))
    assert mine.status_code == 200


def test_township_scope_escalation_and_closing_tier(client: TestClient) -> None:
    first = login(client, "dispatcher_441502001")
    second = login(client, "dispatcher_441502002")
    county = login(client, "dispatcher")
    mine = report(client, first)["id"]
    theirs = report(client, second, small="44150200200101")["id"]
    listed = client.get("/api/incidents", headers=first).json()["items"]
    assert [c["id"] for c in listed] == [mine]
    assert client.get(f"/api/incidents/{theirs}", headers=first).status_code == 404

    act(client, first, mine, "accept")
    escalated = act(client, first, mine, "escalate", reason="涉及跨镇街协调")
    assert escalated["tier"] == "county"
    queue = client.get("/api/incidents", params={"tier": "county"}, headers=county).json()
    assert [c["id"] for c in queue["items"]] == [mine]
    assert try_act(client, first, mine, "dispatch", unit="xfj").status_code == 403
    act(client, county, mine, "dispatch", unit="xfj")
    officer, lead = login(client, "officer_xfj"), login(client, "lead_xfj")
    act(client, officer, mine, "claim")
    act(client, lead, mine, "assign", officer="officer_xfj")
    act(client, officer, mine, "handle", result="已联合处置")
    act(client, county, mine, "verify", passed=True)
    closed = act(client, county, mine, "callback", rating="满意", solved=True)
    assert closed["status"] == "closed" and closed["closing_tier"] == "county"
    events = client.get(f"/api/incidents/{mine}/events", headers=county).json()
    assert [e["data"].get("tier") for e in events if e["action"] == "escalate"] == ["county"]


def test_allowed_actions_follow_the_clock(city_context: AppContext, client: TestClient) -> None:
    lon, lat = centre_of("44150200100101")
    body = IncidentCreate(category="0201", description="楼道飞线充电", lon=lon, lat=lat)
    with city_context.db.write_session() as session:
        case_id = intake(session, city_context, body, CENTRE, now=MONDAY).incident.id
        assert case_id is not None
        act_on(session, city_context, case_id, "accept", ActionInput(), CENTRE, now=MONDAY)
        act_on(
            session, city_context, case_id, "dispatch", ActionInput(unit="xfj"), CENTRE, now=MONDAY
        )
    officer = login(client, "officer_xfj")
    case = client.get(f"/api/incidents/{case_id}", headers=officer).json()
    assert "claim" in case["allowed_actions"]
    assert "return" not in case["allowed_actions"]  # days after dispatch: the window is over
    refused = try_act(client, officer, case_id, "return", reason="不属本部门")
    assert refused.status_code == 409 and refused.json()["rule"] == "return_window"
