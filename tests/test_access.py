"""Scope by department and grid: outsiders neither read nor act; reporters masked by role."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from api.workflow import Action
from tests.driver import act, login, report, try_act

ACTIONS = [action.value for action in Action]
PHONE = "13812345678"
NAME = "欧阳娜娜"


@pytest.fixture
def dispatched_to_a(client: TestClient) -> int:
    dispatcher = login(client, "dispatcher")
    case_id = report(client, dispatcher, reporter_name=NAME, reporter_phone=PHONE)["id"]
    act(client, dispatcher, case_id, "accept")
    act(client, dispatcher, case_id, "dispatch", unit="xfj")
    return case_id


def test_officer_of_another_department_can_neither_read_nor_act(
    client: TestClient, dispatched_to_a: int
) -> None:
    other = login(client, "officer_cgj")
    assert client.get(f"/api/incidents/{dispatched_to_a}", headers=other).status_code in (403, 404)
    assert client.get(f"/api/incidents/{dispatched_to_a}/events", headers=other).status_code in (
        403,
        404,
    )
    listed = client.get("/api/incidents", headers=other).json()
    assert dispatched_to_a not in [item["id"] for item in listed["items"]]
    for action in ACTIONS:
        response = try_act(
            client,
            other,
            dispatched_to_a,
            action,
            reason="x",
            result="x",
            unit="cgj",
            officer="officer_cgj",
            passed=True,
            rating="满意",
            solved=True,
            days=1,
        )
        assert response.status_code in (403, 404), (action, response.status_code, response.text)
    # the case is untouched
    case = client.get(
        f"/api/incidents/{dispatched_to_a}", headers=login(client, "dispatcher")
    ).json()
    assert case["status"] == "dispatched" and case["claimed_by"] is None


def test_grid_worker_outside_the_grid_sees_nothing(
    client: TestClient, dispatched_to_a: int
) -> None:
    stranger = login(client, "gridworker_441502002001")
    assert client.get(f"/api/incidents/{dispatched_to_a}", headers=stranger).status_code == 404
    assert client.get("/api/incidents", headers=stranger).json()["numberMatched"] == 0


def test_masking_by_role(client: TestClient, dispatched_to_a: int) -> None:
    def reporter(username: str) -> tuple[str | None, str | None]:
        body = client.get(
            f"/api/incidents/{dispatched_to_a}", headers=login(client, username)
        ).json()
        return body["reporter_name"], body["reporter_phone"]

    assert reporter("dispatcher") == (NAME, PHONE)
    assert reporter("admin") == (NAME, PHONE)
    assert reporter("officer_xfj") == ("欧***", "138****5678")
    assert reporter("analyst") == (None, None)
    assert reporter("screen") == (None, None)


def _concrete(path: str, case_id: int) -> str:
    return re.sub(
        r"\{[^}]+\}",
        lambda m: {"{incident_id}": str(case_id), "{code}": "441502001"}.get(m.group(0), "1"),
        path,
    )


@pytest.mark.parametrize("role", ["screen", "analyst"])
def test_every_route_keeps_reporter_identity_from(
    client: TestClient, dispatched_to_a: int, role: str
) -> None:
    headers = login(client, role)
    schema = client.get("/openapi.json").json()
    seen = 0
    for path, operations in schema["paths"].items():
        url = _concrete(path, dispatched_to_a)
        for method in operations:
            if method == "get":
                params = {"level": "small", "lon": 115.305, "lat": 22.77} if "grids" in path else {}
                response = client.get(url, params=params, headers=headers)
            else:
                response = client.request(method, url, json={}, headers=headers)
            seen += 1
            text = response.text
            assert PHONE not in text and "5678" not in text, (method, path)
            assert NAME not in text and "欧" not in text, (method, path)
    assert seen >= 10
