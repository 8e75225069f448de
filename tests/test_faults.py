"""Faults under a running system: the database going away, and workers and imports killed.

Each scenario runs against real processes and a real store; what must hold afterwards is
read back from the store with SQL.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import httpx
import numpy as np
import pytest
import shapely
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import col, select

from api.app import create_app
from api.context import AppContext
from api.grids import GRIDS_GENERATION_KEY, read_generation
from api.models import AppMeta, Grid
from api.settings import Settings
from bench.bench_load import summary, verify, worker_env
from bench.loadrun import LoadPlan, run_load
from bench.workers import MINQING, api_workers
from tests.city import mini_city
from tests.conftest import POSTGIS_URL, STORES
from tests.driver import login, report_body
from tests.server import free_port, running_server
from tests.tcpproxy import TcpProxy
from tests.test_import_cli import invoke

POSTGIS_ONLY = pytest.mark.parametrize(
    "store", [pytest.param("postgis", marks=pytest.mark.postgis)]
)


@POSTGIS_ONLY
def test_the_database_going_away_gives_503_then_the_api_recovers_by_itself(
    city_context: AppContext, tmp_path: Path
) -> None:
    real = make_url(POSTGIS_URL)
    proxy = TcpProxy((real.host or "127.0.0.1", real.port or 5432), port=free_port())
    proxy.restore()
    via_proxy = real.set(port=proxy.port).render_as_string(hide_password=False)
    settings = Settings(
        **{**city_context.settings.model_dump(), "database_url": via_proxy, "supervise_every_s": 0}
    )
    with (
        running_server(create_app(settings, dashboard=False)) as base,
        httpx.Client(base_url=base, timeout=30) as http,
    ):
        dispatcher = login(http, "dispatcher")
        assert http.get("/api/incidents", headers=dispatcher).status_code == 200

        proxy.cut()
        for method, path in (
            ("GET", "/api/incidents"),
            ("POST", "/api/incidents"),
            ("GET", "/healthz"),
        ):
            response = http.request(method, path, headers=dispatcher, json=report_body())
            assert response.status_code == 503, (path, response.status_code, response.text)
            body = response.json()
            assert body["error"] == "store_unavailable"
            assert f":{proxy.port}/" in body["detail"] and "database" in body["detail"]

        proxy.restore()
        assert http.get("/healthz").status_code == 200
        created = http.post("/api/incidents", json=report_body(), headers=dispatcher)
        assert created.status_code == 201, created.text
    proxy.cut()


# ------------------------------------------------------------------ kill -9 of a worker


@pytest.mark.parametrize("store", STORES)
def test_kill_9_of_a_worker_loses_no_acknowledged_case_and_its_feeds_resume_elsewhere(
    city_context: AppContext, tmp_path: Path
) -> None:
    """Half the subscribers read from the worker killed; they reconnect to the other one
    with Last-Event-ID and miss nothing (both stores: NOTIFY on PostGIS, polling on SQLite)."""
    env = worker_env(city_context.settings.database_url, tmp_path, pool=4)
    with api_workers(2, env) as workers:
        plan = LoadPlan(
            urls=[w.url for w in workers],
            intake_clients=8,
            reports_per_client=4,
            subscribers=4,
            readers=0,
            impatient_every=0,
        )

        def kill_first_worker(acknowledged: int) -> None:
            if acknowledged == 8:
                workers[0].kill()

        result = asyncio.run(run_load(plan, on_ack=kill_first_worker))
        assert workers[0].process.returncode == -signal.SIGKILL
    verdict = verify(city_context.db, plan, result)
    report = "\n".join(summary(plan, result, verdict, workers=2))

    assert not result.failures and not result.unanswered, report
    assert len(result.acknowledged) == plan.reports
    assert result.connection_errors >= 1, "some request met the dead worker"
    assert verdict.lost == [] and verdict.duplicated == [], report
    assert verdict.report_events_wrong == [], report
    assert result.reconnects >= plan.subscribers // 2, "its subscribers reconnected elsewhere"
    assert verdict.transitions == plan.reports * 3
    assert verdict.feeds_complete == plan.subscribers, report


# ------------------------------------------------------------------ kill -9 of a grid import


def _stored_grids(context: AppContext) -> list[tuple[object, ...]]:
    """Every grid row and the grid generation, as comparable values."""
    with context.db.session() as session:
        grids = session.exec(select(Grid).order_by(col(Grid.code))).all()
        rows: list[tuple[object, ...]] = [
            (g.code, g.level, g.name, g.parent_code, g.geom.wkb, g.minx, g.maxy) for g in grids
        ]
        return [*rows, ("generation", read_generation(session))]


def _heavy_small_grids(folder: Path, *, split: tuple[int, int], vertices: int) -> Path:
    """The mini city's small grids cut into ``split`` pieces each, outlines densified to
    about ``vertices`` points (megabytes to write), as GeoJSON."""
    small = mini_city()["small"]
    rows = []
    for code, parent, geometry in zip(
        small["code"], small["parent_code"], small.geometry, strict=True
    ):
        x0, y0, x1, y1 = geometry.bounds
        xs, ys = np.linspace(x0, x1, split[0] + 1), np.linspace(y0, y1, split[1] + 1)
        for i in range(split[0] * split[1]):
            x, y = i % split[0], i // split[0]
            cell = shapely.box(xs[x], ys[y], xs[x + 1], ys[y + 1])
            step = 2 * (xs[1] - xs[0] + ys[1] - ys[0]) / vertices
            rows.append(
                {
                    "GRID_CODE": f"{parent}{(int(code[-2:]) - 1) * 24 + i:02d}",
                    "GRID_NAME": f"细分{i}",
                    "PARENT": parent,
                    "geometry": shapely.MultiPolygon([shapely.segmentize(cell, step)]),
                }
            )
    path = folder / "heavy.geojson"
    gpd.GeoDataFrame(rows, crs="EPSG:4326").to_file(path, driver="GeoJSON", engine="pyogrio")
    return path


@contextmanager
def _import_held_before_commit(context: AppContext) -> Iterator[Callable[[], bool]]:
    """Pin the import halfway; yields a check that says when it got there.

    PostGIS: this test holds the grid generation's row lock, which the import takes last,
    after deleting the old layer and inserting the new one; so it waits there, uncommitted.
    SQLite: the import holds the write lock and its uncommitted pages have spilled into
    the write-ahead log (a quarter of a megabyte of it; the write lasts about 0.5 s here,
    so the check is polled without pause).
    """
    if context.db.store == "postgis":
        with context.db.engine.connect() as holder:
            holder.execute(
                select(AppMeta).where(col(AppMeta.key) == GRIDS_GENERATION_KEY).with_for_update()
            )

            def waiting() -> bool:
                with context.db.engine.connect() as conn:
                    return bool(conn.execute(text(IMPORT_WAITING)).scalar())

            yield waiting
            holder.rollback()
        return
    context.db.dispose()  # the last connection closed checkpoints and removes the log
    database = Path(context.settings.url.database or "")
    wal = database.with_name(database.name + "-wal")

    def spilled() -> bool:
        probe = sqlite3.connect(database, timeout=0)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError:  # locked: the import is writing
            return wal.exists() and wal.stat().st_size > 256_000
        finally:
            probe.close()

    yield spilled


IMPORT_WAITING = (
    "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database()"
    " AND wait_event_type = 'Lock' AND query ILIKE 'UPDATE app_meta%')"
)


@pytest.mark.parametrize("store", STORES)
def test_kill_9_of_a_grid_import_halfway_leaves_the_grids_as_they_were(
    city_context: AppContext, tmp_path: Path
) -> None:
    before = _stored_grids(city_context)
    # SQLite's import must write long enough to be caught writing; PostGIS's waits on a lock
    vertices = 4000 if city_context.db.store == "sqlite" else 1000
    path = _heavy_small_grids(tmp_path, split=(4, 6), vertices=vertices)
    args = ["import-grids", str(path), "--level", "small", "--code-field", "GRID_CODE"]
    args += ["--name-field", "GRID_NAME", "--parent-field", "PARENT"]
    env = {
        **os.environ,
        "MINQING_DATABASE_URL": city_context.settings.database_url,
        "MINQING_RUNTIME_DIR": str(tmp_path),
    }
    with _import_held_before_commit(city_context) as halfway:
        importer = subprocess.Popen([MINQING, *args], env=env, stdout=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 120
        while not halfway():
            assert importer.poll() is None, "the import ended before it was halfway"
            assert time.monotonic() < deadline, "the import never got halfway"
        importer.kill()
        output = importer.communicate(timeout=20)[0]
    assert importer.returncode == -signal.SIGKILL and "stored" not in output, output

    assert _stored_grids(city_context) == before
    code, output = invoke(city_context.settings, "check-grids")
    assert code == 0 and "16 small" in output, output
