"""Operations at the edge: request ids, one structured log line per request, metrics.

Prometheus metrics come from prometheus-fastapi-instrumentator and are served at
``/metrics``.  The request id is the client's ``X-Request-ID`` when it is a plausible id (letters,
digits, ``.-_:``, at most 64), else a new one; either way the response carries it.
``/metrics`` is decided by ``MINQING_METRICS``: ``public`` (anyone), ``loopback``
(clients on this host only) or ``off`` (404).
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from contextvars import ContextVar

from prometheus_client import CollectorRegistry
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_fastapi_instrumentator.middleware import PrometheusInstrumentatorMiddleware
from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.settings import Settings

__all__ = ["METRICS_PATH", "REQUEST_ID_HEADER", "Observed", "current_request_id"]

METRICS_PATH = "/metrics"
REQUEST_ID_HEADER = "X-Request-ID"
_GOOD_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
access_log = logging.getLogger("minqing.access")
LOOPBACK = ("127.0.0.1", "::1", "localhost", "testclient")


def current_request_id() -> str | None:
    """The id of the request being served (for log lines written during it)."""
    return _request_id.get()


class Observed:
    """Request id, access log and metrics around ``app``; answers ``/metrics`` itself."""

    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self.registry = CollectorRegistry()
        self.metrics = settings.metrics
        self.app = PrometheusInstrumentatorMiddleware(
            app, registry=self.registry, excluded_handlers=[METRICS_PATH]
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request with its id, log it, count it."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = Headers(scope=scope).get(REQUEST_ID_HEADER, "")
        request_id = given if _GOOD_ID.fullmatch(given) else uuid.uuid4().hex
        token = _request_id.set(request_id)
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            if scope["path"] == METRICS_PATH:
                await self._metrics(scope)(scope, receive, send_with_id)
            else:
                await self.app(scope, receive, send_with_id)
        finally:
            _log(scope, request_id, status, time.perf_counter() - started)
            _request_id.reset(token)

    def _metrics(self, scope: Scope) -> Response:
        client = (scope.get("client") or ("", 0))[0]
        if self.metrics == "off" or (self.metrics == "loopback" and client not in LOOPBACK):
            return PlainTextResponse("not found", status_code=404)
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)


def _log(scope: Scope, request_id: str, status: int, seconds: float) -> None:
    if not access_log.isEnabledFor(logging.INFO):
        return
    client = scope.get("client") or ("", 0)
    access_log.info(
        json.dumps(
            {
                "request_id": request_id,
                "method": scope["method"],
                "path": scope["path"],
                "status": status,
                "ms": round(seconds * 1000, 1),
                "client": client[0],
            },
            ensure_ascii=False,
        )
    )
