"""The live feed: SSE across processes, resume without gaps, scope, polling with /api/events."""

from __future__ import annotations

import json
import os
import queue
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from api.app import create_app
from api.context import AppContext
from api.models import IncidentEvent
from tests.conftest import POSTGIS_URL
from tests.driver import act, login, report
from tests.server import minqing_server, running_server

PERSONAL = ("张三", "13812345678", "138****5678")


class FeedReader:
    """An SSE client in a thread: each message lands in a queue with its arrival time."""

    def __init__(self, base: str, headers: dict[str, str], *, last_id: int | None = None) -> None:
        self.messages: queue.Queue[tuple[float, dict[str, Any]]] = queue.Queue()
        self.ready = threading.Event()
        self.stop = threading.Event()
        extra = {"Accept": "text/event-stream"}
        if last_id is not None:
            extra["Last-Event-ID"] = str(last_id)
        self.headers = {**headers, **extra}
        self.url = f"{base}/api/stream"
        self.raw: list[str] = []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        assert self.ready.wait(10), "the stream did not open"

    def _run(self) -> None:
        try:
            self._read()
        except httpx.HTTPError:
            if not self.stop.is_set():  # the server went away before the test ended
                raise

    def _read(self) -> None:
        with httpx.stream("GET", self.url, headers=self.headers, timeout=None) as response:
            assert response.status_code == 200
            fields: dict[str, str] = {}
            for line in response.iter_lines():
                if self.stop.is_set():
                    return
                if line.startswith(": ready"):
                    self.ready.set()
                elif line == "" and "data" in fields:
                    self.raw.append(fields["data"])
                    message = json.loads(fields["data"])
                    assert fields["id"] == str(message["event_id"])
                    self.messages.put((time.monotonic(), message))
                    fields = {}
                elif ":" in line and not line.startswith(":"):
                    name, _, value = line.partition(":")
                    fields[name] = value.strip()

    def take(self, count: int, timeout: float = 10) -> list[tuple[float, dict[str, Any]]]:
        """The next ``count`` messages (failing if they do not come in time)."""
        return [self.messages.get(timeout=timeout) for _ in range(count)]

    def close(self) -> None:
        """Stop reading (the server sees the disconnect at its next message or ping)."""
        self.stop.set()


@contextmanager
def reading(base: str, headers: dict[str, str], **kwargs: Any) -> Iterator[FeedReader]:
    reader = FeedReader(base, headers, **kwargs)
    try:
        yield reader
    finally:
        reader.close()


def _event_ids(context: AppContext, after: int) -> list[int]:
    with context.db.session() as session:
        query = select(IncidentEvent.id).where(col(IncidentEvent.id) > after)
        return [int(i) for i in session.exec(query.order_by(col(IncidentEvent.id))).all()]


def _dispatch(http: Any, headers: dict[str, str], case_id: int, unit: str) -> None:
    act(http, headers, case_id, "accept")
    act(http, headers, case_id, "dispatch", unit=unit)


def check_feed(reader_base: str, writer_base: str, context: AppContext, *, within_s: float) -> None:
    """Latency, scope, no personal data and resume, with the stream on ``reader_base`` and
    every write through ``writer_base``."""
    with httpx.Client(base_url=writer_base, timeout=10) as writer:
        dispatcher = login(writer, "dispatcher")
        ours = report(writer, dispatcher)["id"]
        theirs = report(writer, dispatcher)["id"]
        with (
            reading(reader_base, login(writer, "dispatcher")) as everything,
            reading(reader_base, login(writer, "officer_xfj")) as officer,
        ):
            act(writer, dispatcher, ours, "accept")
            done = time.monotonic()
            [(arrived, message)] = everything.take(1)
            assert arrived - done < within_s, f"took {arrived - done:.2f} s"
            assert (message["case_id"], message["status"]) == (ours, "accepted")
            assert message["grid"]["small"] and message["lon"] and message["text"]

            act(writer, dispatcher, ours, "dispatch", unit="xfj")
            _dispatch(writer, dispatcher, theirs, "cgj")
            act(writer, login(writer, "officer_xfj"), ours, "claim")
            seen = [m for _t, m in everything.take(4)]
            assert [(m["case_id"], m["status"]) for m in seen] == [
                (ours, "dispatched"),
                (theirs, "accepted"),
                (theirs, "dispatched"),
                (ours, "claimed"),
            ]
            assert seen[0]["unit"] == "xfj" and seen[0]["text"].endswith("派遣 → 消防")
            officers: list[dict[str, Any]] = []
            while not officers or officers[-1]["status"] != "claimed":
                officers.append(officer.take(1)[0][1])
            assert {m["case_id"] for m in officers} == {ours}, "only its unit's cases"
            assert not any(p in raw for raw in everything.raw + officer.raw for p in PERSONAL)
            last_id = seen[-1]["event_id"]
        missed = [report(writer, dispatcher)["id"] for _ in range(3)]
        expected = _event_ids(context, last_id)
        assert len(expected) == 3
        with reading(reader_base, login(writer, "dispatcher"), last_id=last_id) as resumed:
            again = [m for _t, m in resumed.take(3)]
            assert [m["event_id"] for m in again] == expected
            assert [m["case_id"] for m in again] == missed
            assert [m["status"] for m in again] == ["reported"] * 3
            time.sleep(0.5)
            assert resumed.messages.empty(), "nothing twice"

        polled = writer.get("/api/events", params={"after": last_id}, headers=dispatcher).json()
        assert [m["event_id"] for m in polled["items"]] == expected
        assert polled["last_event_id"] == expected[-1]
        as_officer = writer.get(
            "/api/events", params={"after": 0}, headers=login(writer, "officer_xfj")
        ).json()
        assert {m["case_id"] for m in as_officer["items"]} == {ours}
        assert as_officer["last_event_id"] == expected[-1]


@pytest.mark.parametrize("store", [pytest.param("postgis", marks=pytest.mark.postgis)])
def test_a_transition_in_one_process_reaches_a_stream_in_another_within_a_second(
    city_context: AppContext, tmp_path: Path
) -> None:
    env = {
        "MINQING_DATABASE_URL": POSTGIS_URL,
        "MINQING_SECRET_KEY": "test-secret",
        "MINQING_RUNTIME_DIR": str(tmp_path),
        "MINQING_SUPERVISE_EVERY_S": "0",
        "PYTHONPATH": os.environ.get("PYTHONPATH", os.getcwd()),
    }
    with minqing_server("serve", env=env) as reader, minqing_server("serve", env=env) as writer:
        check_feed(reader, writer, city_context, within_s=1.0)  # the bar, on PostGIS


@pytest.mark.parametrize("store", ["sqlite"])
def test_the_feed_tails_the_embedded_store_across_two_apps(city_context: AppContext) -> None:
    settings = city_context.settings.model_copy(update={"supervise_every_s": 0})
    with (
        running_server(create_app(settings, dashboard=False)) as reader,
        running_server(create_app(settings, dashboard=False)) as writer,
    ):
        # The embedded store is polled (MINQING_FEED_POLL_S): delivery, not the PostGIS bar.
        check_feed(reader, writer, city_context, within_s=5.0)


def test_the_stream_wants_event_stream_and_a_valid_last_event_id(client: TestClient) -> None:
    dispatcher = login(client, "dispatcher")
    plain = client.get("/api/stream", headers=dispatcher)
    assert plain.status_code == 406 and "/api/events" in plain.json()["detail"]
    bad = client.get(
        "/api/stream",
        headers={**dispatcher, "Accept": "text/event-stream", "Last-Event-ID": "x1"},
    )
    assert bad.status_code == 422 and bad.json()["field"] == "Last-Event-ID"
    assert client.get("/api/stream", headers={"Accept": "text/event-stream"}).status_code == 401
    start = client.get("/api/events", headers=dispatcher).json()
    assert start == {"items": [], "last_event_id": 0}
