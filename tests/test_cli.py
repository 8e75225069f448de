"""The ``minqing`` command: real processes, both stores, clear errors."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import httpx
import pytest

from api.settings import Settings
from tests.server import MINQING, minqing_server


def run(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MINQING, *args], env={**os.environ, **env}, capture_output=True, text=True, timeout=timeout
    )


def test_help_explains_each_command() -> None:
    result = run("--help", env={})
    assert result.returncode == 0
    for command in ("serve", "demo", "db", "import-grids", "check-grids"):
        assert command in result.stdout
    serve_help = run("serve", "--help", env={}).stdout
    assert "--host" in serve_help and "--port" in serve_help and "--workers" in serve_help
    demo_help = run("demo", "--help", env={}).stdout
    assert "--db" in demo_help and "--no-simulate" in demo_help


@pytest.mark.parametrize(
    ("url", "host"),
    [
        (
            "postgresql+psycopg://minqing:s3cr3t-pw@db.nowhere.invalid:5432/minqing",
            "db.nowhere.invalid",
        ),
        ("postgresql+psycopg://minqing:s3cr3t-pw@127.0.0.1:1/minqing", "127.0.0.1"),
        ("mysql://minqing:s3cr3t-pw@dbhost/minqing", "MINQING_DATABASE_URL"),
        ("not a url at all", "MINQING_DATABASE_URL"),
    ],
)
@pytest.mark.parametrize("command", [("serve",), ("db", "upgrade")])
def test_bad_database_url_is_one_clear_line(
    url: str, host: str, command: tuple[str, ...], tmp_path: Path
) -> None:
    result = run(
        *command,
        env={"MINQING_DATABASE_URL": url, "MINQING_RUNTIME_DIR": str(tmp_path)},
        timeout=60,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error:") and host in lines[0]
    assert "s3cr3t-pw" not in result.stderr


def _serve_and_check(env: dict[str, str | None], expected_store: str) -> dict:
    with minqing_server("serve", env=env) as base:
        body = httpx.get(f"{base}/healthz", timeout=5).json()
        assert body["store"] == expected_store
        assert httpx.get(f"{base}/", timeout=5).status_code == 200
        assert httpx.get(f"{base}/docs", timeout=5).status_code == 200
    return body


def test_serve_on_the_embedded_store(tmp_path: Path) -> None:
    body = _serve_and_check(
        {"MINQING_RUNTIME_DIR": str(tmp_path), "MINQING_DATABASE_URL": ""}, "sqlite"
    )
    assert body == {"status": "ok", "store": "sqlite", "schema": "0005"}
    assert (tmp_path / "minqing.db").exists()


@pytest.mark.postgis
@pytest.mark.parametrize(
    "store", [pytest.param("postgis", marks=pytest.mark.postgis)], indirect=True
)
def test_serve_on_postgis(settings: Settings, tmp_path: Path) -> None:
    body = _serve_and_check(
        {"MINQING_DATABASE_URL": settings.database_url, "MINQING_RUNTIME_DIR": str(tmp_path)},
        "postgis",
    )
    assert body["schema"] == "0005"


def test_db_upgrade_downgrade_current(tmp_path: Path) -> None:
    env = {"MINQING_RUNTIME_DIR": str(tmp_path), "MINQING_DATABASE_URL": ""}
    assert "revision 0005" in run("db", "upgrade", env=env).stdout
    assert "revision 0005" in run("db", "current", env=env).stdout
    assert "base" in run("db", "downgrade", env=env).stdout
    assert "revision none" in run("db", "current", env=env).stdout
