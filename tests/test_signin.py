"""Sign-in: throttled failures, equal time for unknown users, bounded password checks."""

from __future__ import annotations

import inspect
import statistics
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.context import AppContext
from api.routers.auth import token
from api.security import SigninGuard
from tests.server import running_server


def sign_in(client: TestClient, username: str, password: str = "minqing-demo") -> httpx.Response:
    return client.post("/api/auth/token", data={"username": username, "password": password})


@pytest.fixture
def strict_client(city_context: AppContext) -> Iterator[TestClient]:
    """Two failures per user, four per address, one password check at a time."""
    settings = city_context.settings.model_copy(
        update={
            "signin_failures_per_user": 2,
            "signin_failures_per_address": 4,
            "signin_concurrency": 1,
        }
    )
    with TestClient(create_app(settings, dashboard=False)) as client:
        yield client


def test_failures_per_user_are_throttled_even_for_the_right_password(
    client: TestClient,
) -> None:
    for _ in range(5):
        assert sign_in(client, "dispatcher", "wrong").status_code == 401
    refused = sign_in(client, "dispatcher")
    assert refused.status_code == 429, refused.text
    body = refused.json()
    assert body["error"] == "too_many_requests" and body["field"] == "username"
    assert 1 <= int(refused.headers["retry-after"]) <= 60 and body["retry_after"] >= 1
    assert sign_in(client, "DISPATCHER", "wrong").status_code == 429  # same user, other case
    assert sign_in(client, "officer_cgj").status_code == 200  # other users are not locked out


def test_failures_per_address_are_throttled(strict_client: TestClient) -> None:
    for username in ("officer_cgj", "officer_xfj", "nobody"):
        assert sign_in(strict_client, username, "wrong").status_code == 401
    assert sign_in(strict_client, "ghost", "wrong").status_code == 401
    refused = sign_in(strict_client, "gridworker_441502001001")
    assert refused.status_code == 429 and refused.json()["field"] == "client"
    assert int(refused.headers["retry-after"]) >= 1


def test_unknown_user_takes_as_long_as_a_wrong_password(client: TestClient) -> None:
    def timed(username: str) -> float:
        start = time.perf_counter()
        assert sign_in(client, username, "wrong").status_code == 401
        return time.perf_counter() - start

    sign_in(client, "warm-up", "wrong")  # the dummy hash is made on first use
    known = [timed(name) for name in ("officer_cgj", "officer_xfj", "analyst", "screen")]
    unknown = [timed(name) for name in ("nobody1", "nobody2", "nobody3", "nobody4")]
    ratio = statistics.median(unknown) / statistics.median(known)
    assert 0.5 < ratio < 2, f"unknown {unknown} vs known {known}"


def test_password_check_runs_off_the_event_loop_in_a_bounded_slot(
    strict_client: TestClient,
) -> None:
    assert not inspect.iscoroutinefunction(token)  # a sync route: FastAPI's thread pool
    guard: SigninGuard = strict_client.app.state.signin_guard  # type: ignore[attr-defined]
    guard.wait_seconds = 0.2
    assert guard.slots.acquire()  # the only slot is busy
    try:
        busy = sign_in(strict_client, "dispatcher")
        assert busy.status_code == 429 and busy.headers["retry-after"] == "1"
        assert strict_client.get("/healthz").status_code == 200  # everything else answers
    finally:
        guard.slots.release()
    assert sign_in(strict_client, "dispatcher").status_code == 200


def test_reads_keep_answering_during_a_wrong_password_storm(city_context: AppContext) -> None:
    settings = city_context.settings.model_copy(
        update={"signin_failures_per_user": 1000, "signin_failures_per_address": 1000}
    )
    stop = threading.Event()

    def storm(base: str, n: int) -> None:
        with httpx.Client(base_url=base, timeout=30) as http:
            while not stop.is_set():
                http.post("/api/auth/token", data={"username": f"u{n}", "password": "x"})

    with running_server(create_app(settings, dashboard=False)) as base:
        signed_in = httpx.post(
            f"{base}/api/auth/token", data={"username": "dispatcher", "password": "minqing-demo"}
        )
        headers = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
        threads = [threading.Thread(target=storm, args=(base, n)) for n in range(8)]
        for thread in threads:
            thread.start()
        try:
            time.sleep(0.5)
            with httpx.Client(base_url=base, timeout=30, headers=headers) as http:
                times = []
                for _ in range(10):
                    start = time.perf_counter()
                    assert http.get("/api/auth/me").status_code == 200
                    times.append(time.perf_counter() - start)
        finally:
            stop.set()
            for thread in threads:
                thread.join()
    assert statistics.median(times) < 0.25, times
