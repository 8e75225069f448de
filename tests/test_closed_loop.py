"""One case driven through the whole closed loop over HTTP, on both stores."""

from __future__ import annotations

from datetime import datetime

import pytest
from fastapi.testclient import TestClient

from geo.crs import gcj02_to_wgs84
from tests.city import centre_of
from tests.driver import SMALL, act, login, report


def test_one_case_round_the_whole_loop(client: TestClient) -> None:
    dispatcher = login(client, "dispatcher")
    officer = login(client, "officer_xfj")
    gridworker = login(client, "gridworker_441502001001")

    created = report(client, gridworker)
    case_id = created["id"]
    assert created["status"] == "reported"
    assert created["case_no"].startswith("SW-") and created["case_no"].endswith(f"{case_id:06d}")
    assert created["grid"] == {"small": SMALL, "medium": "441502001001", "large": "441502001"}
    expected_lon, expected_lat = gcj02_to_wgs84(created["raw_lon"], created["raw_lat"])
    assert created["lon"] == pytest.approx(float(expected_lon), abs=1e-9)
    assert created["lat"] == pytest.approx(float(expected_lat), abs=1e-9)
    assert created["deadline"]["stage"] == "accept" and created["deadline"]["light"] == "green"

    steps = [
        (dispatcher, "accept", {}, "accepted"),
        (dispatcher, "dispatch", {"department": "xfj"}, "dispatched"),
        (officer, "claim", {}, "claimed"),
        (officer, "start", {}, "in_progress"),
        (officer, "handle", {"result": "已劝离并拆除飞线"}, "handled"),
        (gridworker, "verify", {"passed": False, "reason": "现场仍有飞线"}, "claimed"),
        (officer, "handle", {"result": "加装充电桩，飞线全部拆除"}, "handled"),
        (gridworker, "verify", {"passed": True}, "verified"),
        (dispatcher, "close", {}, "closed"),
        (dispatcher, "rate", {"rating": "满意"}, "rated"),
    ]
    for headers, action, body, status in steps:
        assert act(client, headers, case_id, action, **body)["status"] == status

    case = client.get(f"/api/incidents/{case_id}", headers=dispatcher).json()
    assert case["rework_count"] == 1 and case["rating"] == "满意" and case["closed_at"]

    events = client.get(f"/api/incidents/{case_id}/events", headers=dispatcher).json()
    assert [e["action"] for e in events] == ["report"] + [s[1] for s in steps]
    assert [e["seq"] for e in events] == list(range(1, len(steps) + 2))
    for event, (_, _, _, status) in zip(events[1:], steps, strict=True):
        assert event["to_status"] == status
        assert event["actor"] and event["role"] and datetime.fromisoformat(event["at"])
    claim = events[3]
    assert (claim["actor"], claim["role"], claim["department"]) == ("officer_xfj", "officer", "xfj")
    assert events[6]["role"] == "gridworker" and events[6]["data"]["passed"] is False
    times = [datetime.fromisoformat(e["at"]) for e in events]
    assert times == sorted(times)


def test_illegal_action_names_state_and_allowed_actions(client: TestClient) -> None:
    dispatcher = login(client, "dispatcher")
    case_id = report(client, dispatcher)["id"]
    response = client.post(f"/api/incidents/{case_id}/actions/close", json={}, headers=dispatcher)
    assert response.status_code == 409
    body = response.json()
    assert body["status"] == "reported"
    assert set(body["allowed_actions"]) >= {"accept", "reject"}
    assert "reported" in body["detail"] or "待受理" in body["detail"]


def test_return_and_redispatch_is_counted(client: TestClient) -> None:
    dispatcher = login(client, "dispatcher")
    case_id = report(client, dispatcher)["id"]
    act(client, dispatcher, case_id, "accept")
    act(client, dispatcher, case_id, "dispatch", department="cgj")
    returned = act(client, login(client, "officer_cgj"), case_id, "return", reason="不属本部门职责")
    assert returned["status"] == "accepted" and returned["return_count"] == 1
    assert returned["department"] is None
    again = act(client, dispatcher, case_id, "dispatch", department="xfj", co_departments=["zjj"])
    assert again["department"] == "xfj" and again["co_departments"] == ["zjj"]
    # the co-department's officer can now see it
    assert (
        client.get(f"/api/incidents/{case_id}", headers=login(client, "officer_zjj")).status_code
        == 200
    )


def test_extension_moves_the_deadline_and_is_counted(client: TestClient) -> None:
    dispatcher, officer = login(client, "dispatcher"), login(client, "officer_xfj")
    case_id = report(client, dispatcher)["id"]
    act(client, dispatcher, case_id, "accept")
    act(client, dispatcher, case_id, "dispatch", department="xfj")
    claimed = act(client, officer, case_id, "claim")
    due_before = datetime.fromisoformat(claimed["deadline"]["due_at"])
    requested = act(client, officer, case_id, "extend", hours=8, reason="需等待配件")
    assert requested["pending_extension_hours"] == 8
    approved = act(client, dispatcher, case_id, "approve_extension")
    assert approved["extension_count"] == 1 and approved["pending_extension_hours"] is None
    assert datetime.fromisoformat(approved["deadline"]["due_at"]) > due_before


def test_escalation_ladder(client: TestClient) -> None:
    dispatcher = login(client, "dispatcher")
    case_id = report(client, dispatcher)["id"]
    assert (
        act(client, dispatcher, case_id, "escalate", reason="涉及多部门")["escalation_level"] == 1
    )
    assert (
        act(client, dispatcher, case_id, "escalate", reason="镇街无法协调")["escalation_level"] == 2
    )
    response = client.post(
        f"/api/incidents/{case_id}/actions/escalate", json={"reason": "再升级"}, headers=dispatcher
    )
    assert response.status_code == 409


def test_unsatisfied_rating_reopens_once(client: TestClient) -> None:
    dispatcher, officer = login(client, "dispatcher"), login(client, "officer_xfj")
    case_id = report(client, dispatcher)["id"]
    for action, body in [("accept", {}), ("dispatch", {"department": "xfj"})]:
        act(client, dispatcher, case_id, action, **body)
    act(client, officer, case_id, "claim")
    for _ in range(2):
        act(client, officer, case_id, "handle", result="已处理")
        act(client, dispatcher, case_id, "verify", passed=True)
        act(client, dispatcher, case_id, "close")
        rated = act(client, dispatcher, case_id, "rate", rating="不满意")
        if rated["status"] == "rated":
            break
        assert rated["status"] == "claimed" and rated["reopened"] and rated["closed_at"] is None
    assert rated["status"] == "rated" and rated["rework_count"] == 1


def test_resolve_on_site_by_grid_worker(client: TestClient) -> None:
    gridworker = login(client, "gridworker_441502001001")
    case_id = report(client, gridworker, category="0301", description="废弃沙发堆放在巷口")["id"]
    done = act(client, gridworker, case_id, "resolve_on_site", result="已联系清运")
    assert done["status"] == "handled" and done["resolved_on_site"]
    assert (
        act(client, login(client, "dispatcher"), case_id, "verify", passed=True)["status"]
        == "verified"
    )


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
