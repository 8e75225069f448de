"""The load run, bounded for CI: two workers on PostGIS, retrying intake, 20 subscribers.

The full run (50 intake clients, 100 subscribers) is ``python -m bench.bench_load``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from api.context import AppContext
from bench.bench_load import summary, verify, worker_env
from bench.loadrun import LoadPlan, run_load
from bench.workers import api_workers
from tests.conftest import POSTGIS_URL


@pytest.mark.parametrize("store", [pytest.param("postgis", marks=pytest.mark.postgis)])
def test_retrying_intake_loses_and_doubles_nothing_and_every_feed_is_whole(
    city_context: AppContext, tmp_path: Path
) -> None:
    with api_workers(2, worker_env(POSTGIS_URL, tmp_path, pool=6)) as workers:
        plan = LoadPlan(
            urls=[w.url for w in workers],
            intake_clients=20,
            reports_per_client=3,
            subscribers=20,
            readers=2,
            impatient_every=3,
        )
        result = asyncio.run(run_load(plan))
    verdict = verify(city_context.db, plan, result)
    report = "\n".join(summary(plan, result, verdict, workers=2))
    print(report)

    assert not result.failures and not result.unanswered, report
    assert len(result.acknowledged) == plan.reports
    assert result.timeouts >= plan.reports // plan.impatient_every, "the retry path ran"
    assert result.replays >= 1, "a retry was answered with the case stored before"
    assert verdict.lost == [] and verdict.duplicated == [], report
    assert verdict.report_events_wrong == [] and verdict.stored_unacknowledged == []
    assert verdict.transitions == plan.reports * 3  # report, accept, dispatch
    assert verdict.feeds_complete == plan.subscribers, report
    assert all(result.latency[name] for name in ("intake", "actions", "case list", "stats"))
