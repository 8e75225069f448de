"""First-come claims and idempotent intake hold under real concurrency (a live server)."""

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
from tests.driver import SMALL, act, login, report, report_body, try_act
from tests.server import running_server


def test_twenty_simultaneous_claims_have_one_winner(city_context: AppContext) -> None:
    app = create_app(city_context.settings, dashboard=False)
    with running_server(app) as base, httpx.Client(base_url=base, timeout=60) as http:
        dispatcher = login(http, "dispatcher")
        officer = login(http, "officer_xfj")
        case_id = report(http, dispatcher)["id"]
        act(http, dispatcher, case_id, "accept")
        act(http, dispatcher, case_id, "dispatch", unit="xfj")

        barrier = threading.Barrier(20)

        def claim(_: int) -> httpx.Response:
            with httpx.Client(base_url=base, timeout=60) as own:
                barrier.wait()
                return try_act(own, officer, case_id, "claim")

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
    with running_server(app) as base, httpx.Client(base_url=base, timeout=60) as http:
        headers = {**login(http, "dispatcher"), "Idempotency-Key": "wx-msg-7f3a9c"}
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
    body = report_body(external_id="12345-20261121-0001")
    with running_server(app) as base, httpx.Client(base_url=base, timeout=60) as http:
        dispatcher = login(http, "dispatcher")
        first = report(http, dispatcher, external_id="12345-20261121-0001")["id"]
        again = http.post("/api/incidents", json=body, headers=dispatcher)
        changed = http.post(
            "/api/incidents", json={**body, "description": "重复推送"}, headers=dispatcher
        )
    assert again.status_code == 200 and again.json()["id"] == first
    assert changed.status_code == 409 and changed.json()["field"] == "external_id"


def test_a_cold_grid_index_is_built_on_the_callers_own_connection(
    city_context: AppContext,
) -> None:
    """With one connection in the pool, the first intake's index build must not need a second.

    (Found by the load run: requests holding every connection waited for the index, whose
    build waited for a connection, until the pool timed out.)
    """
    settings = city_context.settings.model_copy(
        update={"db_pool_size": 1, "db_pool_overflow": 0, "db_pool_timeout_s": 2}
    )
    context = AppContext.build(settings)
    try:
        with context.db.session() as session:
            index = context.grid_index.get(session)
        assert index is not None
        assert index.assign_one(*centre_of(SMALL)) == (SMALL, SMALL[:12], SMALL[:9])
    finally:
        context.db.dispose()
