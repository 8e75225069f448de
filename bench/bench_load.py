"""Load run: several API workers on PostGIS, retrying intake clients and live-feed subscribers.

Run ``python -m bench.bench_load [--database-url URL] [--workers 2] [--intake-clients 50]
[--reports 10] [--subscribers 100]``. The URL (default ``MINQING_BENCH_DATABASE_URL``)
names a PostGIS database the run may write to; the 汕尾 demo city is built there on the
first run. It starts ``--workers`` separate ``minqing serve`` processes, then
:func:`bench.loadrun.run_load`: subscribers open ``/api/stream`` on every worker,
intake clients report cases (each with its own ``Idempotency-Key``, every
``--impatient-every``-th first send not waiting for its answer, every send after a
timeout repeated with the same key on the next worker) and accept and dispatch each
case, and readers fetch the case list and the big screen's counters meanwhile.

Afterwards it checks with SQL that every acknowledged key maps to exactly one case (none
lost, none duplicated, one report event each) and that every subscriber received every
event after the start once, in order; prints p50 / p95 / p99 latencies and exits 1 on any
loss, duplicate, gap or refused request. Without a URL it says so and exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import secrets
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from rich.console import Console
from sqlmodel import col, func, select

from api.db import Database
from api.models import Incident, IncidentEvent
from api.settings import Settings
from bench.loadrun import LoadPlan, LoadResult, add_plan_options, plan_of, run_load
from bench.workers import api_workers

ROOT = Path(__file__).resolve().parents[1]
LATENCIES = ("intake", "actions", "case list", "stats")


@dataclass
class Verdict:
    """What the store and the feeds say about one run."""

    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    stored_unacknowledged: list[str] = field(default_factory=list)
    report_events_wrong: list[int] = field(default_factory=list)
    transitions: int = 0
    feeds_complete: int = 0
    feed_problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No case lost or doubled and every feed whole."""
        return not (self.lost or self.duplicated or self.report_events_wrong or self.feed_problems)


def verify(database: Database, plan: LoadPlan, result: LoadResult) -> Verdict:
    """Check the run against the store with SQL (see the module)."""
    verdict = Verdict()
    with database.session() as session:
        rows = session.exec(
            select(Incident.idempotency_key, func.count(), func.min(Incident.id))
            .where(
                col(Incident.reported_by) == plan.user,
                col(Incident.idempotency_key).startswith(plan.key_prefix),
            )
            .group_by(col(Incident.idempotency_key))
        ).all()
        stored = {str(key): (int(n), int(first)) for key, n, first in rows}
        reports = dict(
            session.exec(
                select(IncidentEvent.incident_id, func.count())
                .where(col(IncidentEvent.action) == "report")
                .where(col(IncidentEvent.incident_id).in_([first for _n, first in stored.values()]))
                .group_by(col(IncidentEvent.incident_id))
            ).all()
        )
        expected = [
            int(i)
            for i in session.exec(
                select(IncidentEvent.id)
                .where(col(IncidentEvent.id) > result.start_event_id)
                .order_by(col(IncidentEvent.id))
            ).all()
        ]
    for key, case_id in result.acknowledged.items():
        if key not in stored:
            verdict.lost.append(key)
        elif stored[key] != (1, case_id):
            verdict.duplicated.append(key)
    verdict.stored_unacknowledged = sorted(set(stored) - set(result.acknowledged))
    verdict.report_events_wrong = [i for _n, i in stored.values() if reports.get(i) != 1]
    verdict.transitions = len(expected)
    for number, received in enumerate(result.feeds):
        problem = feed_problem(received, expected)
        if problem:
            verdict.feed_problems.append(f"subscriber {number}: {problem}")
        else:
            verdict.feeds_complete += 1
    return verdict


def feed_problem(received: list[int], expected: list[int]) -> str | None:
    """How a subscriber's event ids differ from the log's (None when they are the same)."""
    if received == expected:
        return None
    missing = len(set(expected) - set(received))
    twice = len(received) - len(set(received))
    ordered = received == sorted(received)
    return f"{len(received)} of {len(expected)}: {missing} missing, {twice} twice, " + (
        "in order" if ordered else "out of order"
    )


def latency_table(result: LoadResult) -> list[str]:
    """p50 / p95 / p99 in milliseconds of every answered request kind."""
    lines = [f"{'latency (ms)':<14}{'n':>7}{'p50':>9}{'p95':>9}{'p99':>9}"]
    for name in LATENCIES:
        samples = result.latency.get(name, [])
        if not samples:
            lines.append(f"{name:<14}{0:>7}{'-':>9}{'-':>9}{'-':>9}")
            continue
        p50, p95, p99 = np.percentile(np.asarray(samples) * 1000, [50, 95, 99])
        lines.append(f"{name:<14}{len(samples):>7}{p50:>9.0f}{p95:>9.0f}{p99:>9.0f}")
    return lines


def summary(plan: LoadPlan, result: LoadResult, verdict: Verdict, *, workers: int) -> list[str]:
    """The run's report: what was sent, what the store holds, what the feeds received."""
    acked = len(result.acknowledged)
    return [
        f"load run {plan.run_id}: {workers} workers, {plan.intake_clients} intake clients × "
        f"{plan.reports_per_client} reports, {plan.subscribers} subscribers, {plan.readers} "
        f"readers, client timeout {plan.timeout_s} s",
        f"intake: {plan.reports} keys, {acked} acknowledged ({result.retried} after a retry, "
        f"{result.replays} answered as replays), {len(result.unanswered)} never answered; "
        f"{result.timeouts} client timeouts, {result.connection_errors} connection errors, "
        f"{result.server_errors} 5xx answers",
        f"cases: {len(verdict.lost)} lost, {len(verdict.duplicated)} duplicated, "
        f"{len(verdict.report_events_wrong)} without exactly one report event, "
        f"{len(verdict.stored_unacknowledged)} stored but never acknowledged",
        f"feed: {verdict.transitions} transitions; {verdict.feeds_complete} of "
        f"{plan.subscribers} subscribers received every one once, in order "
        f"({result.reconnects} reconnects)",
        *verdict.feed_problems[:5],
        *(f"refused: {f}" for f in result.failures[:5]),
        *latency_table(result),
    ]


def worker_env(database_url: str, runtime: Path, *, pool: int) -> dict[str, str | None]:
    """The environment of every worker of a run: one store, one key, no background sweeps."""
    return {
        "MINQING_DATABASE_URL": database_url,
        "MINQING_RUNTIME_DIR": str(runtime),
        "MINQING_SECRET_KEY": secrets.token_urlsafe(32),
        "MINQING_SUPERVISE_EVERY_S": "0",
        "MINQING_DB_POOL_SIZE": str(pool),
        "MINQING_DB_POOL_OVERFLOW": str(pool),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line (see the module)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("MINQING_BENCH_DATABASE_URL", ""))
    parser.add_argument("--workers", type=int, default=2)
    add_plan_options(parser)
    parser.add_argument("--pool", type=int, default=8, help="connections per worker (+ as many)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the load against fresh workers on the given store; 0 when nothing was lost."""
    args = parse_args(argv)
    if not args.database_url:
        print("bench_load: skipped, set MINQING_BENCH_DATABASE_URL to a PostGIS database")
        return 0
    console = Console()
    with tempfile.TemporaryDirectory() as runtime:
        settings = Settings(database_url=args.database_url, runtime_dir=Path(runtime))
        from api.demo import ensure_demo

        ensure_demo(settings, seed=2026, console=console)
        env = worker_env(args.database_url, Path(runtime), pool=args.pool)
        with api_workers(args.workers, env) as workers:
            plan = plan_of(args, urls=[w.url for w in workers], password=settings.demo_password)
            result = asyncio.run(run_load(plan))
        database = Database(settings)
        verdict = verify(database, plan, result)
        database.dispose()
    print(f"{platform.node()}: {os.cpu_count()} cores, Python {platform.python_version()}")
    print("\n".join(summary(plan, result, verdict, workers=args.workers)))
    return 0 if verdict.ok and not result.failures and not result.unanswered else 1


if __name__ == "__main__":
    sys.exit(main())
