"""A real uvicorn server in a background thread, for tests that need real concurrency."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import uvicorn
from fastapi import FastAPI

from bench.workers import MINQING, free_port, minqing_process

__all__ = ["MINQING", "free_port", "minqing_server", "running_server"]


@contextmanager
def running_server(app: FastAPI, *, port: int | None = None) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 until the block ends; yields its base URL."""
    port = port or free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.05)
    else:
        raise RuntimeError(f"test server on port {port} did not start")
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def minqing_server(*args: str, env: dict[str, str], timeout: float = 60) -> Iterator[str]:
    """Run ``minqing <args> --port N`` as a real process until /healthz answers; yield its URL.

    ``env`` entries override the inherited environment; a value of None removes the variable.
    """
    with minqing_process(*args, env=env, timeout=timeout) as worker:
        yield worker.url
