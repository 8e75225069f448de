"""Retries, look-alikes, filters and ids stay within the caller's scope, on both stores."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import select

from api.context import AppContext
from api.models import Incident
from tests.driver import act, login, report, report_body


def case_count(context: AppContext) -> int:
    with context.db.session() as session:
        return int(session.exec(select(func.count()).select_from(Incident)).one())


def test_a_key_is_scoped_to_its_reporter(client: TestClient, city_context: AppContext) -> None:
    dispatcher = login(client, "dispatcher")
    worker = login(client, "gridworker_441502001001")
    key = {"Idempotency-Key": "shared-key-1"}
    mine = client.post("/api/incidents", json=report_body(), headers={**worker, **key})
    theirs = client.post("/api/incidents", json=report_body(), headers={**dispatcher, **key})
    assert mine.status_code == 201 and theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]
    assert case_count(city_context) == 2


def test_same_key_with_another_body_is_a_conflict_and_writes_nothing(
    client: TestClient, city_context: AppContext
) -> None:
    worker = {**login(client, "gridworker_441502001001"), "Idempotency-Key": "k-2"}
    first = client.post("/api/incidents", json=report_body(), headers=worker)
    changed = client.post(
        "/api/incidents", json=report_body(description="另一件事"), headers=worker
    )
    assert first.status_code == 201
    assert changed.status_code == 409, changed.text
    assert changed.json()["field"] == "Idempotency-Key"
    assert first.json()["case_no"] in changed.json()["detail"]
    assert case_count(city_context) == 1


def test_a_reporter_outside_the_scope_can_replay_and_read_its_report(client: TestClient) -> None:
    officer = {**login(client, "officer_cgj"), "Idempotency-Key": "k-3"}
    first = client.post("/api/incidents", json=report_body(), headers=officer)
    again = client.post("/api/incidents", json=report_body(), headers=officer)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    read = client.get(f"/api/incidents/{first.json()['id']}", headers=officer)
    assert read.status_code == 200


def test_look_alikes_are_only_cases_the_caller_may_see(client: TestClient) -> None:
    dispatcher = login(client, "dispatcher")
    other = report(client, dispatcher)
    act(client, dispatcher, other["id"], "accept")
    act(client, dispatcher, other["id"], "dispatch", unit="xfj")
    officer = login(client, "officer_cgj")
    created = report(client, officer)
    assert created["possible_duplicates"] == []
    seen_by_dispatcher = report(client, dispatcher)
    ids = [d["id"] for d in seen_by_dispatcher["possible_duplicates"]]
    assert other["id"] in ids and created["id"] in ids
    assert set(seen_by_dispatcher["possible_duplicates"][0]) == {
        "id",
        "case_no",
        "status",
        "lon",
        "lat",
    }


def test_category_filter_takes_wildcards_literally(client: TestClient) -> None:
    dispatcher = login(client, "dispatcher")
    report(client, dispatcher)
    for value in ("%", "_", "0_01"):
        response = client.get("/api/incidents", params={"category": value}, headers=dispatcher)
        assert response.status_code in (200, 422), response.text
        if response.status_code == 200:
            assert response.json()["numberMatched"] == 0
    listed = client.get("/api/incidents", params={"category": "02"}, headers=dispatcher)
    assert listed.json()["numberMatched"] == 1


def test_huge_numbers_are_refused_not_looked_up(client: TestClient) -> None:
    dispatcher = login(client, "dispatcher")
    huge = str(2**63)
    for url in (
        f"/api/incidents/{huge}",
        f"/api/incidents/{huge}/events",
        f"/api/incidents?offset={huge}",
        f"/api/grids?level=small&offset={huge}",
        "/api/grids/locate?lon=115.3&lat=22.7&crs=EPSG:" + "4" * 5000,
    ):
        response = client.get(url, headers=dispatcher)
        assert response.status_code == 422, (url, response.status_code)
        assert response.json()["error"] == "invalid_input"


def test_unknown_query_parameters_are_refused(client: TestClient) -> None:
    dispatcher = login(client, "dispatcher")
    for url in ("/api/incidents?stauts=closed", "/api/incidents?=null", "/api/grids?levle=small"):
        response = client.get(url, headers=dispatcher)
        assert response.status_code == 422, (url, response.text)
        assert response.json()["field"].startswith("query.")
    assert client.get("/api/incidents?status=closed", headers=dispatcher).status_code == 200
