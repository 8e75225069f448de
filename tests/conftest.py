"""Shared fixtures: both stores, a small city, signed-in clients.

PostGIS runs against ``MINQING_TEST_POSTGIS_URL``; without it the PostGIS cases skip
with a message.  With ``CI=true`` any skip of a PostGIS or browser test fails the run.

Under pytest-xdist each worker gets its own PostGIS database (``<name>_gw0``, …), made on
first use, since tests empty the database they run on.  Modules whose tests measure time
or start worker processes (:data:`SERIAL_MODULES`) are marked ``serial``: ``make test``
runs them after the parallel part, alone, so that the machine's load is their own.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, inspect, make_url, text

from api.app import create_app
from api.context import AppContext
from api.settings import Settings
from tests.city import install_mini_city

IN_CI = os.environ.get("CI", "").lower() == "true"
REAL_PART_MARKERS = ("postgis", "browser")
SERIAL_MODULES = frozenset(
    {
        "test_concurrency",  # twenty simultaneous claims on a live server
        "test_dashboard_analysis",  # the browser tests: clicks and 2 s bars
        "test_dashboard_report",
        "test_dashboard_screen",
        "test_dashboard_screen_tiles",
        "test_dashboard_shell",
        "test_dashboard_workbench",
        "test_faults",  # kill -9 halfway, a proxy cut
        "test_live_feed",  # a 1 s bar across processes
        "test_load",  # two workers, fifty clients
        "test_signin",  # timing of password checks
    }
)


def _own_database(url: str) -> str:
    """The PostGIS URL for this process: under xdist, a database of the worker's own."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    shared = make_url(url)
    own = shared.set(database=f"{shared.database}_{worker}")
    admin = create_engine(shared, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            found = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": own.database}
            ).first()
            if found is None:
                conn.execute(text(f'CREATE DATABASE "{own.database}"'))
    finally:
        admin.dispose()
    return own.render_as_string(hide_password=False)


POSTGIS_URL = _own_database(os.environ.get("MINQING_TEST_POSTGIS_URL", ""))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests of :data:`SERIAL_MODULES` ``serial``."""
    for item in items:
        if item.module is not None and item.module.__name__.rsplit(".", 1)[-1] in SERIAL_MODULES:
            item.add_marker(pytest.mark.serial)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """In CI, a skipped PostGIS or browser test is a failure: a missing install step."""
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and any(item.get_closest_marker(m) for m in REAL_PART_MARKERS):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"CI=true: a real-part test may not skip ({reason})"


def _reset_postgis(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
        names = [t for t in inspect(conn).get_table_names() if t not in ("spatial_ref_sys",)]
        for name in names:
            conn.execute(text(f'DROP TABLE IF EXISTS "{name}" CASCADE'))
    engine.dispose()


def store_settings(kind: str, tmp_path: Path) -> Settings:
    """Settings for a fresh, empty store of ``kind`` with runtime files under tmp_path."""
    if kind == "postgis":
        if not POSTGIS_URL:
            pytest.skip("PostGIS not configured: set MINQING_TEST_POSTGIS_URL to run these")
        _reset_postgis(POSTGIS_URL)
        return Settings(database_url=POSTGIS_URL, runtime_dir=tmp_path, secret_key="test-secret")
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'minqing.db'}",
        runtime_dir=tmp_path,
        secret_key="test-secret",
    )


STORES = ["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)]


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest) -> str:
    """The store kind under test: every test using it runs on both."""
    return str(request.param)


@pytest.fixture
def settings(store: str, tmp_path: Path) -> Settings:
    """Settings pointing at a fresh, empty store."""
    return store_settings(store, tmp_path)


@pytest.fixture
def context(settings: Settings) -> Iterator[AppContext]:
    """An upgraded, empty store."""
    ctx = AppContext.build(settings)
    ctx.db.upgrade()
    yield ctx
    ctx.db.dispose()


@pytest.fixture
def city_context(context: AppContext) -> AppContext:
    """The store with the mini city, reference data and demo users."""
    install_mini_city(context)
    return context


@pytest.fixture
def client(city_context: AppContext) -> Iterator[TestClient]:
    """An HTTP client on the app over the mini city."""
    app = create_app(city_context.settings, dashboard=False)
    with TestClient(app) as test_client:
        yield test_client
