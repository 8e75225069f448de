"""The closed loop over HTTP on both stores: the whole story, rework, returns, on-site, answers."""

from __future__ import annotations

from datetime import datetime

import pytest
from fastapi.testclient import TestClient

from geo.crs import gcj02_to_wgs84
from tests.city import centre_of
from tests.driver import SMALL, act, login, report


def test_one_case_round_the_whole_loop(client: TestClient) -> None:
    """Report → … → call-back 不满意 → review reopen → … → call-back 满意 → closed."""
    centre = login(client, "dispatcher_441502001")
    county = login(client, "dispatcher")
    lead, officer = login(client, "lead_xfj"), login(client, "officer_xfj")
    co_officer = login(client, "officer_zjj")
    gridworker = login(client, "gridworker_441502001001")

    created = report(client, gridworker)
    case_id = created["id"]
    assert created["status"] == "reported" and created["tier"] == "township"
    assert created["case_no"].startswith("SW-") and created["case_no"].endswith(f"{case_id:06d}")
    assert created["grid"] == {"small": SMALL, "medium": "441502001001", "large": "441502001"}
    expected_lon, expected_lat = gcj02_to_wgs84(created["raw_lon"], created["raw_lat"])
    assert created["lon"] == pytest.approx(float(expected_lon), abs=1e-9)
    assert created["lat"] == pytest.approx(float(expected_lat), abs=1e-9)
    assert created["deadline"]["stage"] == "accept" and created["deadline"]["light"] == "green"

    steps = [
        (centre, "accept", {}, "accepted"),
        (centre, "dispatch", {"unit": "xfj", "co_units": ["zjj"]}, "dispatched"),
        (officer, "claim", {}, "claimed"),
        (lead, "assign", {"officer": "officer_xfj"}, "assigned"),
        (officer, "start", {}, "in_progress"),
        (co_officer, "co_feedback", {"note": "燃气管线已检查"}, "in_progress"),
        (officer, "handle", {"result": "已劝离并拆除飞线"}, "handled"),
        (gridworker, "verify", {"passed": True}, "verified"),
        (county, "callback", {"rating": "不满意", "solved": False}, "review"),
        (centre, "review", {"decision": "reopen", "reason": "楼道仍有充电"}, "in_progress"),
        (officer, "handle", {"result": "加装充电桩，飞线全部拆除"}, "handled"),
        (gridworker, "verify", {"passed": True}, "verified"),
        (centre, "callback", {"rating": "满意", "solved": True}, "closed"),
    ]
    for headers, action, body, status in steps:
        assert act(client, headers, case_id, action, **body)["status"] == status

    case = client.get(f"/api/incidents/{case_id}", headers=county).json()
    assert (case["rework_count"], case["reopen_count"]) == (0, 1)
    assert (case["first_rating"], case["rating"]) == ("不满意", "满意")
    assert (case["first_solved"], case["solved"]) == (False, True)
    assert case["closed_at"] and case["closing_tier"] == "township"
    assert case["unit"] == "xfj" and case["assignee"] == "officer_xfj"
    assert [(c["unit"], c["state"]) for c in case["co_units"]] == [("zjj", "done")]

    events = client.get(f"/api/incidents/{case_id}/events", headers=county).json()
    assert [e["action"] for e in events] == ["report"] + [s[1] for s in steps]
    assert [e["seq"] for e in events] == list(range(1, len(steps) + 2))
    for event, (_, _, _, status) in zip(events[1:], steps, strict=True):
        assert event["to_status"] == status
        assert event["actor"] and event["role"] and datetime.fromisoformat(event["at"])
    claim = events[3]
    assert (claim["actor"], claim["role"], claim["unit"]) == ("officer_xfj", "officer", "xfj")
    times = [datetime.fromisoformat(e["at"]) for e in events]
    assert times == sorted(times)


def test_illegal_action_names_state_and_allowed_actions(client: TestClient) -> None:
    dispatcher = login(client, "dispatcher")
    case_id = report(client, dispatcher)["id"]
    response = client.post(f"/api/incidents/{case_id}/actions/handle", json={}, headers=dispatcher)
    assert response.status_code == 409
    body = response.json()
    assert body["status"] == "reported"
    assert set(body["allowed_actions"]) >= {"accept", "reject"}
    assert "reported" in body["detail"] or "待受理" in body["detail"]


def test_return_and_redispatch_is_counted(client: TestClient) -> None:
    dispatcher = login(client, "dispatcher")
    case_id = report(client, dispatcher)["id"]
    act(client, dispatcher, case_id, "accept")
    act(client, dispatcher, case_id, "dispatch", unit="cgj")
    returned = act(client, login(client, "officer_cgj"), case_id, "return", reason="不属本部门职责")
    assert returned["status"] == "accepted" and returned["return_count"] == 1
    assert returned["unit"] is None
    again = act(client, dispatcher, case_id, "dispatch", unit="xfj", co_units=["zjj"])
    assert again["unit"] == "xfj" and [c["unit"] for c in again["co_units"]] == ["zjj"]
    # the co-unit's officer can now see it
    assert (
        client.get(f"/api/incidents/{case_id}", headers=login(client, "officer_zjj")).status_code
        == 200
    )


def test_verify_failure_is_rework_not_reopening(client: TestClient) -> None:
    dispatcher, officer = login(client, "dispatcher"), login(client, "officer_xfj")
    case_id = report(client, dispatcher)["id"]
    act(client, dispatcher, case_id, "accept")
    act(client, dispatcher, case_id, "dispatch", unit="xfj")
    act(client, officer, case_id, "claim")
    act(client, officer, case_id, "assign", officer="officer_xfj")
    act(client, officer, case_id, "handle", result="已处理")
    failed = act(client, dispatcher, case_id, "verify", passed=False, reason="现场仍有飞线")
    assert failed["status"] == "in_progress"
    assert (failed["rework_count"], failed["reopen_count"]) == (1, 0)


def test_resolve_on_site_by_grid_worker(client: TestClient) -> None:
    gridworker = login(client, "gridworker_441502001001")
    case_id = report(client, gridworker, category="0301", description="废弃沙发堆放在巷口")["id"]
    done = act(client, gridworker, case_id, "resolve_on_site", result="已联系清运")
    assert done["status"] == "handled" and done["resolved_on_site"] and done["tier"] == "grid"
    verified = act(client, login(client, "dispatcher"), case_id, "verify", passed=True)
    assert verified["status"] == "verified"
    closed = act(client, login(client, "dispatcher"), case_id, "callback", unreachable=True)
    assert closed["status"] == "closed" and closed["unreachable"]
    assert closed["first_rating"] is None and closed["closing_tier"] == "grid"


def test_consultation_is_answered_at_intake(client: TestClient) -> None:
    dispatcher = login(client, "dispatcher")
    case_id = report(client, dispatcher, category="0602", description="咨询电动车充电桩补贴")["id"]
    answered = act(client, dispatcher, case_id, "answer", result="已告知补贴申领流程")
    assert answered["status"] == "closed" and answered["closing_tier"] == "township"
    other = report(client, dispatcher)["id"]
    refused = client.post(
        f"/api/incidents/{other}/actions/answer", json={"result": "x"}, headers=dispatcher
    )
    assert refused.status_code == 409 and "answer" not in refused.json()["allowed_actions"]


def test_possible_duplicates_are_open_cases_of_the_category_nearby(client: TestClient) -> None:
    dispatcher = login(client, "dispatcher")
    lon, lat = centre_of(SMALL)
    first = report(client, dispatcher, lon=lon, lat=lat, crs="wgs84")
    assert first["possible_duplicates"] == []
    near = report(client, dispatcher, lon=lon + 0.0005, lat=lat, crs="wgs84")  # ≈ 51 m east
    assert [d["id"] for d in near["possible_duplicates"]] == [first["id"]]
    far = report(client, dispatcher, lon=lon + 0.0015, lat=lat, crs="wgs84")  # ≈ 154 m east
    assert first["id"] not in [d["id"] for d in far["possible_duplicates"]]
    other = report(client, dispatcher, lon=lon, lat=lat, crs="wgs84", category="0301")
    assert other["possible_duplicates"] == []
    act(client, dispatcher, first["id"], "reject", reason="测试")
    act(client, dispatcher, near["id"], "reject", duplicate_of=first["case_no"])
    # ≈ 51 m from `near` (now rejected) and from `far` (open): only `far` is offered
    again = report(client, dispatcher, lon=lon + 0.001, lat=lat, crs="wgs84")
    assert {d["id"] for d in again["possible_duplicates"]} == {far["id"]}
