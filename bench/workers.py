"""API worker processes for load and fault runs: ``minqing serve`` on ports of their own.

Each worker is a separate process (as behind a round-robin balancer), so a run can send
its clients to all of them and ``kill -9`` one in the middle.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx

MINQING = str(Path(sys.executable).parent / "minqing")


def free_port() -> int:
    """An unused TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Worker:
    """One running ``minqing`` process and the URL it answers on."""

    process: subprocess.Popen[str]
    url: str
    log: IO[str]

    def output(self) -> str:
        """What the process printed so far (its log goes to a file, never a pipe that fills)."""
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def kill(self) -> None:
        """``kill -9``: no shutdown, no rollback, sockets dropped by the kernel."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=20)


def _wait_healthy(worker: Worker, label: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if worker.process.poll() is not None:
            raise RuntimeError(f"minqing {label} exited: {worker.output()}")
        try:
            if httpx.get(f"{worker.url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"minqing {label} did not answer /healthz in {timeout} s")
        time.sleep(0.3)


@contextmanager
def minqing_process(
    *args: str, env: Mapping[str, str | None], timeout: float = 60
) -> Iterator[Worker]:
    """Run ``minqing <args> --port N`` until /healthz answers; stop it when the block ends.

    ``env`` entries override the inherited environment; a value of None removes the variable.
    """
    port = free_port()
    environment = {k: v for k, v in {**os.environ, **env}.items() if v is not None}
    with tempfile.TemporaryFile("w+", encoding="utf-8") as log:
        process = subprocess.Popen(
            [MINQING, *args, "--port", str(port)],
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        worker = Worker(process, f"http://127.0.0.1:{port}", log)
        try:
            _wait_healthy(worker, " ".join(args), timeout)
            yield worker
        finally:
            if process.poll() is None:
                process.terminate()
            process.wait(timeout=20)


@contextmanager
def api_workers(count: int, env: Mapping[str, str | None]) -> Iterator[list[Worker]]:
    """``count`` separate ``minqing serve`` processes on one store (migrations run once)."""
    with ExitStack() as stack:
        yield [stack.enter_context(minqing_process("serve", env=env)) for _ in range(count)]
