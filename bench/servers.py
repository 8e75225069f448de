"""HTTP servers for throughput runs: ours and tipg, each one uvicorn process, and a client load.

Both servers run in their own process on a free local port with one worker, so each gets
the same share of the machine; :func:`throughput` drives a URL with N client threads.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
from sqlalchemy.engine import make_url

from api.app import create_app
from api.settings import Settings

__all__ = ["ServerProcess", "server_app", "throughput", "tipg_available"]

ROOT = Path(__file__).resolve().parents[1]


def tipg_available() -> bool:
    """Whether tipg is installed in this environment (the benchmark extra)."""
    return importlib.util.find_spec("tipg") is not None


def server_app() -> Any:
    """Our app from ``MINQING_*`` variables, for ``uvicorn --factory``."""
    return create_app(Settings(), dashboard=False)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ServerProcess:
    """A uvicorn process serving an app on a free port, stopped on exit."""

    def __init__(self, target: list[str], env: dict[str, str]) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "uvicorn", *target, "--port", str(self.port)]
        command += ["--log-level", "warning", "--no-access-log"]
        self.process = subprocess.Popen(command, env={**os.environ, **env}, cwd=ROOT)

    @classmethod
    def ours(cls, settings: Settings, runtime_dir: Path) -> ServerProcess:
        """Our app on the settings' store, with the anonymised case layer public."""
        env = {
            "MINQING_DATABASE_URL": settings.database_url,
            "MINQING_RUNTIME_DIR": str(runtime_dir),
            "MINQING_SECRET_KEY": settings.secret_key,
            "MINQING_OGC_PUBLIC_INCIDENTS": "true",
            "PYTHONPATH": str(ROOT),
        }
        return cls(["--factory", "bench.servers:server_app"], env)

    @classmethod
    def tipg(cls, database_url: str) -> ServerProcess:
        """tipg serving the public tables of the same PostGIS database."""
        url = make_url(database_url).set(drivername="postgresql")
        env = {
            "DATABASE_URL": url.render_as_string(hide_password=False),
            "TIPG_DB_SCHEMAS": '["public"]',
        }
        return cls(["tipg.main:app"], env)

    def __enter__(self) -> ServerProcess:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}")
            try:
                httpx.get(self.url + "/", timeout=2)
                return self
            except httpx.HTTPError:
                time.sleep(0.3)
        raise RuntimeError(f"server on {self.url} did not answer in 60 s")

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()


def throughput(url: str, params: dict[str, Any], clients: int, seconds: float) -> float:
    """Completed 200 responses per second with ``clients`` threads asking ``url`` in a loop."""
    with httpx.Client(timeout=60) as warm:
        warm.get(url, params=params).raise_for_status()
    done = [0] * clients
    stop = time.monotonic() + seconds

    def client(slot: int) -> None:
        with httpx.Client(timeout=60) as http:
            while time.monotonic() < stop:
                response = http.get(url, params=params)
                response.raise_for_status()
                done[slot] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.monotonic() - started)
