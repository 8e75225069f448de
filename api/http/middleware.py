"""The edge: one ASGI middleware that guards every request before any route sees it.

In order: the ``Host`` header is checked (unless links use ``MINQING_PUBLIC_URL``), NUL
characters in the path or query are refused, a body above its limit is refused by its
``Content-Length`` or while it streams in, and JSON or form bodies are read (within their
limit) and refused if a string holds a NUL.  ``HEAD`` is answered as ``GET`` without the
body, and every response says ``X-Content-Type-Options: nosniff``.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import InvalidInput, MinqingError, PayloadTooLarge, status_code_for
from api.http.observe import Observed
from api.http.scan import NUL, nul_in_form, nul_in_json, nul_in_query
from api.settings import Settings

NOSNIFF = (b"x-content-type-options", b"nosniff")


class UntrustedHost(MinqingError, kind="untrusted_host"):
    """The ``Host`` header names a host this service does not answer for (400)."""


class EdgeGuard:
    """Request checks shared by the API and the dashboard; see the module docstring."""

    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self.app = app
        self.check_host = not settings.public_url
        self.allowed_hosts = settings.allowed_hosts
        self.body_limit = settings.body_limit
        self.api_body_limit = settings.max_api_body_bytes
        self.observed = Observed(self.guard, settings=settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request with its id, log line and metrics (:mod:`api.http.observe`)."""
        await self.observed(scope, receive, send)

    async def guard(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the request, then pass it on with a guarded body and response."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = _response_guard(send, head=scope["method"] == "HEAD")
        if scope["method"] == "HEAD":
            scope = {**scope, "method": "GET"}
        headers = Headers(scope=scope)
        kind = _body_kind(headers.get("content-type", ""))
        limit = self.limit_for(scope["path"], kind)
        try:
            self.check_head(scope, headers, limit)
            if kind in ("json", "form"):
                body = await read_body(receive, limit)
                if body is None:  # the client went away
                    return
                check_nul_in_body(body, kind)
                receive = _replay(body, receive)
        except MinqingError as exc:
            await error_response(exc)(scope, receive, send)
            return
        if kind in ("json", "form"):
            await self.app(scope, receive, send)
        else:
            await StreamLimit(limit, send).run(self.app, scope, receive)

    def limit_for(self, path: str, kind: str) -> int:
        """Small bodies for the API's JSON and forms, room for a photo everywhere else."""
        under_api = path == "/api" or path.startswith("/api/")
        return self.api_body_limit if under_api and kind != "multipart" else self.body_limit

    def check_head(self, scope: Scope, headers: Headers, limit: int) -> None:
        """Host, NUL in path and query, and the declared body length."""
        if self.check_host:
            host = _host_name(headers.get("host", ""))
            if not any(_host_matches(host, allowed) for allowed in self.allowed_hosts):
                raise UntrustedHost(
                    f"host {host!r} is not served here; set MINQING_PUBLIC_URL or add it to "
                    "MINQING_TRUSTED_HOSTS",
                    field="host",
                )
        if NUL in scope["path"]:
            raise InvalidInput("path", "the path holds a NUL character")
        field = nul_in_query(scope.get("query_string", b""))
        if field:
            raise InvalidInput(field, "the value holds a NUL character")
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > limit:
            raise too_large(int(length), limit)


def too_large(size: int, limit: int) -> PayloadTooLarge:
    """The 413 error for a body of ``size`` bytes (or more) above ``limit``."""
    return PayloadTooLarge(
        f"the request body is {size / 1e6:.1f} MB or more; the limit is {limit / 1e6:.1f} MB",
        field="body",
        limit_bytes=limit,
    )


def error_response(exc: MinqingError) -> JSONResponse:
    """The same JSON error body the routes answer with."""
    headers = getattr(exc, "headers", None)
    return JSONResponse(exc.body(), status_code=status_code_for(exc), headers=headers)


def check_nul_in_body(body: bytes, kind: str) -> None:
    """Refuse a JSON or form body that holds a NUL in any string."""
    field = nul_in_json(body) if kind == "json" else nul_in_form(body)
    if field:
        raise InvalidInput(field, "the value holds a NUL character")


async def read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole body, refused as soon as it passes ``limit``; ``None`` on disconnect."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise too_large(size, limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


class StreamLimit:
    """Counts a body the app reads as it streams; past the limit, answers 413 itself.

    The app then sees a disconnect, and whatever it still sends is dropped.
    """

    def __init__(self, limit: int, send: Send) -> None:
        self.limit = limit
        self.send = send
        self.size = 0
        self.started = False
        self.refused = False

    async def run(self, app: ASGIApp, scope: Scope, receive: Receive) -> None:
        """Run ``app`` with the counting ``receive`` and the dropping ``send``."""

        async def counted_receive() -> Message:
            if self.refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                self.size += len(message.get("body", b""))
                if self.size > self.limit:
                    self.refused = True
                    if not self.started:
                        await error_response(too_large(self.size, self.limit))(
                            scope, receive, self.send
                        )
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            if self.refused:
                return
            self.started = True
            await self.send(message)

        try:
            await app(scope, counted_receive, guarded_send)
        except Exception:
            if not self.refused:
                raise


def _body_kind(content_type: str) -> str:
    media = content_type.split(";")[0].strip().lower()
    if media == "application/json" or media.endswith("+json"):
        return "json"
    if media == "application/x-www-form-urlencoded":
        return "form"
    if media.startswith("multipart/"):
        return "multipart"
    return "other"


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


def _response_guard(send: Send, *, head: bool) -> Send:
    async def guarded(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            if not any(name.lower() == NOSNIFF[0] for name, _ in headers):
                headers.append(NOSNIFF)
            message = {**message, "headers": headers}
        elif head and message["type"] == "http.response.body":
            message = {**message, "body": b""}
        await send(message)

    return guarded


def _host_name(host: str) -> str:
    host = host.strip().lower()
    if host.startswith("["):  # [::1]:8000
        return host[: host.find("]") + 1]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _host_matches(host: str, allowed: str) -> bool:
    if allowed == "*":
        return True
    if allowed.startswith("*."):
        return host.endswith(allowed[1:])
    return host == allowed
