"""A real uvicorn server in a background thread, for tests that need real concurrency."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn
from fastapi import FastAPI


def free_port() -> int:
    """An unused TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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


MINQING = str(Path(sys.executable).parent / "minqing")


@contextmanager
def minqing_server(*args: str, env: dict[str, str], timeout: float = 60) -> Iterator[str]:
    """Run ``minqing <args> --port N`` as a real process until /healthz answers; yield its URL.

    ``env`` entries override the inherited environment; a value of None removes the variable.
    """
    port = free_port()
    environment = {**os.environ, **env}
    environment = {k: v for k, v in environment.items() if v is not None}
    process = subprocess.Popen(
        [MINQING, *args, "--port", str(port)],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                output = process.stdout.read() if process.stdout else ""
                raise AssertionError(f"minqing {' '.join(args)} exited: {output}")
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"minqing {' '.join(args)} did not answer /healthz in {timeout} s"
                )
            time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)
