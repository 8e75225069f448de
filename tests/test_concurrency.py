"""Issue 4 acceptance: first-come claims and idempotent intake under real concurrency."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlmodel import func, select

from api.app import create_app
from api.context import AppContext
from api.models import Incident, IncidentEvent
from tests.city import centre_of
from tests.server import running_server


def _token(base: str, username: str) -> dict[str, str]:
    response = httpx.post(
        f"{base}/api/auth/token", data={"username": username, "password": "minqing-demo"}
    )
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _new_case(base: str, dispatcher: dict[str, str], **extra: object) -> int:
    lon, lat = centre_of("44150200100101")
    body = {
        "category": "0201",
        "description": "楼道飞线充电",
        "lon": lon,
        "lat": lat,
        "crs": "wgs84",
        **extra,
    }
    response = httpx.post(f"{base}/api/incidents", json=body, headers=dispatcher)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def test_twenty_simultaneous_claims_have_one_winner(city_context: AppContext) -> None:
    app = create_app(city_context.settings, dashboard=False)
    with running_server(app) as base:
        dispatcher = _token(base, "dispatcher")
        officer = _token(base, "officer_xfj")
        case_id = _new_case(base, dispatcher)
        for action, body in (("accept", {}), ("dispatch", {"unit": "xfj"})):
            assert (
                httpx.post(
                    f"{base}/api/incidents/{case_id}/actions/{action}",
                    json=body,
                    headers=dispatcher,
                ).status_code
                == 200
            )

        barrier = threading.Barrier(20)

        def claim(_: int) -> httpx.Response:
            with httpx.Client(timeout=60) as http:
                barrier.wait()
                return http.post(
                    f"{base}/api/incidents/{case_id}/actions/claim", json={}, headers=officer
                )

        with ThreadPoolExecutor(max_workers=20) as pool:
            responses = list(pool.map(claim, range(20)))

    statuses = Counter(r.status_code for r in responses)
    assert statuses == {200: 1, 409: 19}, statuses
    for refused in (r for r in responses if r.status_code == 409):
        assert refused.json()["claimed_by"] == "officer_xfj"
    with city_context.db.session() as session:
        claims = session.exec(
            select(func.count())
            .select_from(IncidentEvent)
            .where(IncidentEvent.incident_id == case_id, IncidentEvent.action == "claim")
        ).one()
    assert claims == 1


def test_ten_simultaneous_intakes_with_one_key_make_one_case(city_context: AppContext) -> None:
    app = create_app(city_context.settings, dashboard=False)
    lon, lat = centre_of("44150200100101")
    body = {"category": "0301", "description": "巷口堆放废弃沙发", "lon": lon, "lat": lat}
    with running_server(app) as base:
        dispatcher = _token(base, "dispatcher")
        headers = {**dispatcher, "Idempotency-Key": "wx-msg-7f3a9c"}
        barrier = threading.Barrier(10)

        def submit(_: int) -> httpx.Response:
            with httpx.Client(timeout=60) as http:
                barrier.wait()
                return http.post(f"{base}/api/incidents", json=body, headers=headers)

        with ThreadPoolExecutor(max_workers=10) as pool:
            responses = list(pool.map(submit, range(10)))

    assert all(r.status_code in (200, 201) for r in responses), [r.text for r in responses]
    assert sum(r.status_code == 201 for r in responses) == 1
    assert len({r.json()["id"] for r in responses}) == 1
    with city_context.db.session() as session:
        assert session.exec(select(func.count()).select_from(Incident)).one() == 1
        assert session.exec(select(func.count()).select_from(IncidentEvent)).one() == 1


def test_external_id_is_idempotent_too(city_context: AppContext) -> None:
    app = create_app(city_context.settings, dashboard=False)
    with running_server(app) as base:
        dispatcher = _token(base, "dispatcher")
        first = _new_case(base, dispatcher, external_id="12345-20261121-0001")
        lon, lat = centre_of("44150200100101")
        body = {
            "category": "0201",
            "description": "楼道飞线充电",
            "lon": lon,
            "lat": lat,
            "crs": "wgs84",
            "external_id": "12345-20261121-0001",
        }
        again = httpx.post(f"{base}/api/incidents", json=body, headers=dispatcher)
        changed = httpx.post(
            f"{base}/api/incidents", json={**body, "description": "重复推送"}, headers=dispatcher
        )
    assert again.status_code == 200 and again.json()["id"] == first
    assert changed.status_code == 409 and changed.json()["field"] == "external_id"
