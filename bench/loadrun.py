"""The clients of a load run: intake with retries, actions, readers and live-feed subscribers.

Every client spreads its requests over the API workers round-robin and moves on to the
next worker when one does not answer. An intake client that times out (or loses its
connection) sends the same report again with the same ``Idempotency-Key`` until it gets
an answer (after a random pause, waiting longer each time, as a well-behaved client does),
so a case stored by a request whose answer was lost is answered again, not stored twice.
Subscribers read ``GET /api/stream`` from the run's first event and, when their worker
goes away, reconnect to another with ``Last-Event-ID``.

What the store holds afterwards is checked by :mod:`bench.bench_load` with SQL.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any, TypeVar

import httpx
import shapely
from shapely.geometry import shape

MAX_ATTEMPTS = 30
"""Sends of one request before the client gives up on it (reported, never hidden)."""
IMPATIENT_S = 0.02
"""The first wait of an impatient intake: the request goes out, the answer is not awaited."""
PATIENT_S = 60.0
"""Timeout of actions, reads and connects (only intake is impatient)."""
POINTS = 200
"""Small grids whose inner points the reports use."""

_T = TypeVar("_T")


def _option(default: _T, flag: str, description: str | None = None) -> _T:
    """A plan field the load command sets with ``flag`` (:func:`plan_options`)."""
    found: _T = field(default=default, metadata={"flag": flag, "help": description})
    return found


@dataclass(frozen=True)
class LoadPlan:
    """What to run against which workers."""

    urls: list[str]
    intake_clients: int = _option(50, "--intake-clients")
    reports_per_client: int = _option(10, "--reports", "per intake client")
    subscribers: int = _option(100, "--subscribers")
    readers: int = _option(4, "--readers")
    timeout_s: float = _option(2.0, "--timeout", "client timeout of intake, s")
    impatient_every: int = _option(5, "--impatient-every")
    actions: bool = True
    user: str = "dispatcher"
    password: str = "minqing-demo"
    feed_wait_s: float = 60.0
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])

    @property
    def key_prefix(self) -> str:
        """Every idempotency key of this run starts with it."""
        return f"load-{self.run_id}-"

    @property
    def reports(self) -> int:
        """Reports the run sends (each under its own key)."""
        return self.intake_clients * self.reports_per_client


def add_plan_options(parser: argparse.ArgumentParser) -> None:
    """Add an option for every :class:`LoadPlan` field declared with a flag."""
    for f in fields(LoadPlan):
        if "flag" in f.metadata:
            flag = f.metadata["flag"]
            parser.add_argument(
                flag,
                dest=f.name,
                metavar=flag.removeprefix("--").replace("-", "_").upper(),
                type=type(f.default),
                default=f.default,
                help=f.metadata["help"],
            )


def plan_of(args: argparse.Namespace, **given: Any) -> LoadPlan:
    """The plan the options of :func:`add_plan_options` in ``args`` ask for, with ``given``."""
    options = {f.name: getattr(args, f.name) for f in fields(LoadPlan) if "flag" in f.metadata}
    return LoadPlan(**given, **options)


@dataclass
class LoadResult:
    """What the clients saw: acknowledgements, retries, latencies and each feed's ids."""

    start_event_id: int = 0
    acknowledged: dict[str, int] = field(default_factory=dict)
    unanswered: list[str] = field(default_factory=list)
    retried: int = 0
    timeouts: int = 0
    connection_errors: int = 0
    server_errors: int = 0
    replays: int = 0
    failures: list[str] = field(default_factory=list)
    latency: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    feeds: list[list[int]] = field(default_factory=list)
    reconnects: int = 0


class LoadRun:
    """One run's shared state; the client coroutines are its methods."""

    def __init__(self, plan: LoadPlan, on_ack: Callable[[int], None] | None) -> None:
        self.plan = plan
        self.on_ack = on_ack
        self.result = LoadResult(feeds=[[] for _ in range(plan.subscribers)])
        self.auth: dict[str, str] = {}
        self.points: list[tuple[float, float]] = []
        self.unit = ""
        self.intake_done = asyncio.Event()
        self._ready: set[int] = set()
        self.all_ready = asyncio.Event()

    def url(self, turn: int) -> str:
        """The worker for a client's ``turn``-th request (round-robin)."""
        return self.plan.urls[turn % len(self.plan.urls)]

    async def prepare(self, http: httpx.AsyncClient) -> None:
        """Sign in, note the newest event, pick the report points and a unit to dispatch to."""
        base = self.url(0)
        form = {"username": self.plan.user, "password": self.plan.password}
        token = await http.post(f"{base}/api/auth/token", data=form)
        token.raise_for_status()
        self.auth = {"Authorization": f"Bearer {token.json()['access_token']}"}
        events = await http.get(f"{base}/api/events", headers=self.auth)
        self.result.start_event_id = int(events.json()["last_event_id"])
        grids = await http.get(f"{base}/api/grids", params={"level": "small"})
        features = grids.json()["features"][:POINTS]
        inner = [
            shapely.get_coordinates(shape(f["geometry"]).representative_point())[0]
            for f in features
        ]
        self.points = [(float(x), float(y)) for x, y in inner]
        departments = await http.get(f"{base}/api/departments", headers=self.auth)
        self.unit = str(departments.json()[0]["code"])
        if not self.plan.subscribers:
            self.all_ready.set()

    # ------------------------------------------------------------------ intake and actions

    async def intake_client(self, index: int) -> None:
        """Report ``reports_per_client`` cases one after another; act on each one answered."""
        async with httpx.AsyncClient(timeout=PATIENT_S) as http:
            for n in range(self.plan.reports_per_client):
                number = index * self.plan.reports_per_client + n
                key = f"{self.plan.key_prefix}{index:03d}-{n:03d}"
                lon, lat = self.points[number % len(self.points)]
                body = {
                    "category": "0201",
                    "description": f"负载测试 {key}",
                    "lon": lon,
                    "lat": lat,
                    "crs": "wgs84",
                    "source": "patrol",
                }
                impatient = self.plan.impatient_every and number % self.plan.impatient_every == 0
                case_id = await self.submit(http, number, key, body, impatient=bool(impatient))
                if case_id is not None and self.plan.actions:
                    await self.act(http, number, case_id, "accept", {}, "accepted")
                    await self.act(
                        http, number, case_id, "dispatch", {"unit": self.unit}, "dispatched"
                    )

    async def submit(
        self, http: httpx.AsyncClient, turn: int, key: str, body: dict[str, Any], *, impatient: bool
    ) -> int | None:
        """Send one report until it is answered; the case id, or None if it never was."""
        headers = {**self.auth, "Idempotency-Key": key}
        for attempt in range(MAX_ATTEMPTS):
            wait = IMPATIENT_S if impatient and attempt == 0 else self.patience(attempt)
            await self.back_off(attempt)
            started = time.perf_counter()
            try:
                response = await http.post(
                    f"{self.url(turn + attempt)}/api/incidents",
                    json=body,
                    headers=headers,
                    timeout=wait,
                )
            except httpx.TransportError as exc:
                await self._lost_answer(exc)
                continue
            if response.status_code in (200, 201):
                self.result.latency["intake"].append(time.perf_counter() - started)
                self.result.retried += attempt > 0
                self.result.replays += response.status_code == 200
                return self._acknowledge(key, int(response.json()["id"]))
            self.result.server_errors += response.status_code >= 500
            if response.status_code < 500:
                self.result.failures.append(
                    f"intake {key}: {response.status_code} {response.text[:200]}"
                )
                return None
        self.result.unanswered.append(key)
        return None

    def patience(self, attempt: int) -> float:
        """How long a send waits for its answer: the client timeout, doubled per retry up to 8×."""
        return self.plan.timeout_s * 2 ** min(max(attempt - 1, 0), 3)

    async def back_off(self, attempt: int) -> None:
        """Before a retry, pause a random while that grows with the retries (no retry storm)."""
        if attempt:
            await asyncio.sleep(random.uniform(0, min(0.25 * 2**attempt, 4.0)))

    def _acknowledge(self, key: str, case_id: int) -> int:
        self.result.acknowledged[key] = case_id
        if self.on_ack is not None:
            self.on_ack(len(self.result.acknowledged))
        return case_id

    async def _lost_answer(self, exc: httpx.TransportError) -> None:
        if isinstance(exc, httpx.TimeoutException):
            self.result.timeouts += 1
        else:
            self.result.connection_errors += 1
            await asyncio.sleep(0.1)

    async def act(
        self,
        http: httpx.AsyncClient,
        turn: int,
        case_id: int,
        action: str,
        body: dict[str, Any],
        after: str,
    ) -> None:
        """Do one action; after a lost answer, a refusal counts as done if the case moved."""
        path = f"/api/incidents/{case_id}/actions/{action}"
        for attempt in range(MAX_ATTEMPTS):
            url = self.url(turn + attempt)
            started = time.perf_counter()
            try:
                response = await http.post(f"{url}{path}", json=body, headers=self.auth)
                if response.status_code == 200:
                    self.result.latency["actions"].append(time.perf_counter() - started)
                    return
                if response.status_code == 409 and attempt:
                    case = await http.get(f"{url}/api/incidents/{case_id}", headers=self.auth)
                    if case.json()["status"] == after:
                        return
            except httpx.TransportError as exc:
                await self._lost_answer(exc)
                continue
            if response.status_code < 500:
                self.result.failures.append(
                    f"{action} {case_id}: {response.status_code} {response.text[:200]}"
                )
                return
        self.result.failures.append(f"{action} {case_id}: no answer after {MAX_ATTEMPTS} sends")

    # ------------------------------------------------------------------ readers

    async def reader(self, index: int) -> None:
        """Read the case list and the big screen's counters until intake is over."""
        reads = (("case list", "/api/incidents?limit=50"), ("stats", "/api/stats/summary"))
        turn = index
        async with httpx.AsyncClient(timeout=PATIENT_S) as http:
            while not self.intake_done.is_set():
                for name, path in reads:
                    turn += 1
                    started = time.perf_counter()
                    try:
                        response = await http.get(f"{self.url(turn)}{path}", headers=self.auth)
                    except httpx.TransportError as exc:
                        await self._lost_answer(exc)
                        continue
                    if response.status_code == 200:
                        self.result.latency[name].append(time.perf_counter() - started)
                    else:
                        self.result.failures.append(
                            f"{name}: {response.status_code} {response.text[:200]}"
                        )

    # ------------------------------------------------------------------ the live feed

    async def subscribe(self, index: int) -> None:
        """Read the feed from the run's start; reconnect elsewhere with ``Last-Event-ID``."""
        received = self.result.feeds[index]
        turn = index
        timeout = httpx.Timeout(PATIENT_S, read=None)
        async with httpx.AsyncClient(timeout=timeout) as http:
            while True:
                last = received[-1] if received else self.result.start_event_id
                headers = {**self.auth, "Accept": "text/event-stream", "Last-Event-ID": str(last)}
                try:
                    async with http.stream(
                        "GET", f"{self.url(turn)}/api/stream", headers=headers
                    ) as response:
                        if response.status_code == 200:
                            await self._read_feed(index, response, received)
                        else:
                            self.result.failures.append(f"stream: {response.status_code}")
                except httpx.TransportError:
                    pass
                self.result.reconnects += 1
                turn += 1
                await asyncio.sleep(0.2)

    async def _read_feed(self, index: int, response: httpx.Response, received: list[int]) -> None:
        """Note each whole message's id (a message cut off by a dying worker is not seen)."""
        message_id: int | None = None
        async for line in response.aiter_lines():
            if line.startswith("id:"):
                message_id = int(line[3:].strip())
            elif line == "" and message_id is not None:
                received.append(message_id)
                message_id = None
            elif line.startswith(": ready") and index not in self._ready:
                self._ready.add(index)
                if len(self._ready) == self.plan.subscribers:
                    self.all_ready.set()

    async def newest_event(self, http: httpx.AsyncClient) -> int:
        """The newest event id, from whichever worker answers."""
        for turn in range(len(self.plan.urls)):
            try:
                response = await http.get(f"{self.url(turn)}/api/events", headers=self.auth)
                return int(response.json()["last_event_id"])
            except httpx.TransportError:
                continue
        raise RuntimeError("no worker answers")

    async def feeds_caught_up(self, http: httpx.AsyncClient) -> None:
        """Wait until every subscriber has the newest event (at most ``feed_wait_s``)."""
        newest = await self.newest_event(http)
        deadline = time.monotonic() + self.plan.feed_wait_s
        while time.monotonic() < deadline:
            if all(feed and feed[-1] >= newest for feed in self.result.feeds):
                return
            await asyncio.sleep(0.2)


async def run_load(plan: LoadPlan, *, on_ack: Callable[[int], None] | None = None) -> LoadResult:
    """Run the plan: subscribers first, then intake, actions and readers; then the feeds settle.

    ``on_ack`` is called with the number of acknowledged reports after each one (a fault
    test kills a worker from there).
    """
    run = LoadRun(plan, on_ack)
    async with httpx.AsyncClient(timeout=PATIENT_S) as http:
        await run.prepare(http)
        subscribers = [asyncio.create_task(run.subscribe(i)) for i in range(plan.subscribers)]
        await asyncio.wait_for(run.all_ready.wait(), PATIENT_S)
        readers = [asyncio.create_task(run.reader(i)) for i in range(plan.readers)]
        await asyncio.gather(*(run.intake_client(i) for i in range(plan.intake_clients)))
        run.intake_done.set()
        await asyncio.gather(*readers)
        if subscribers:
            await run.feeds_caught_up(http)
        for task in subscribers:
            task.cancel()
        await asyncio.gather(*subscribers, return_exceptions=True)
    return run.result
