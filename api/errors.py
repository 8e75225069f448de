"""One exception tree, one table from exception to HTTP status, one handler installer.

Error bodies are ``{"detail": <message>, "error": <kind>, "field"?: ..., ...}``: what was
wrong and where, in words a user can act on.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse


class MinqingError(Exception):
    """Base of every error the service reports to a caller."""

    kind = "error"

    def __init__(self, message: str, **context: Any) -> None:
        super().__init__(message)
        self.message = message
        self.context = context

    def body(self) -> dict[str, Any]:
        """The JSON error body."""
        return {"detail": self.message, "error": self.kind, **self.context}


class StoreUnavailable(MinqingError):
    """The database cannot be reached or the URL is wrong."""

    kind = "store_unavailable"

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"cannot reach the database ({where}): {reason}", where=where)


class NotFound(MinqingError):
    """A thing named in the request does not exist (or is not visible to the caller)."""

    kind = "not_found"


class InvalidInput(MinqingError):
    """A request value is wrong; ``field`` names it."""

    kind = "invalid_input"

    def __init__(self, field: str, message: str, **context: Any) -> None:
        super().__init__(f"{field}: {message}", field=field, **context)


class Conflict(MinqingError):
    """The request clashes with the current state (illegal transition, lost claim race)."""

    kind = "conflict"


class Unauthorized(MinqingError):
    """No valid credentials."""

    kind = "unauthorized"


class Forbidden(MinqingError):
    """Signed in, but this role or scope may not do it."""

    kind = "forbidden"


class PayloadTooLarge(MinqingError):
    """An upload above the size limit."""

    kind = "payload_too_large"


class UnsupportedMedia(MinqingError):
    """An upload of a type the service does not take."""

    kind = "unsupported_media_type"


class MethodNotAllowed(MinqingError):
    """The path exists but not for this method; ``Allow`` lists the ones that do."""

    kind = "method_not_allowed"

    def __init__(self, message: str, *, allowed: list[str]) -> None:
        super().__init__(message, field="method", allowed=allowed)
        self.headers = {"Allow": ", ".join(allowed)}


class TooManyRequests(MinqingError):
    """Too many attempts; ``Retry-After`` says when to try again."""

    kind = "too_many_requests"

    def __init__(self, message: str, *, retry_after: int, **context: Any) -> None:
        super().__init__(message, retry_after=retry_after, **context)
        self.headers = {"Retry-After": str(retry_after)}


STATUS_CODES: dict[type[MinqingError], int] = {
    StoreUnavailable: 503,
    NotFound: 404,
    InvalidInput: 422,
    Conflict: 409,
    Unauthorized: 401,
    Forbidden: 403,
    PayloadTooLarge: 413,
    UnsupportedMedia: 415,
    MethodNotAllowed: 405,
    TooManyRequests: 429,
}


def status_code_for(exc: MinqingError) -> int:
    """The HTTP status for an error, by its nearest class in :data:`STATUS_CODES`."""
    for cls in type(exc).__mro__:
        if cls in STATUS_CODES:
            return STATUS_CODES[cls]
    return 400


async def _minqing_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, MinqingError)
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthorized) else None
    headers = getattr(exc, "headers", headers)  # 405 Allow, 429 Retry-After
    return JSONResponse(exc.body(), status_code=status_code_for(exc), headers=headers)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = []
    for error in exc.errors():
        location = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
        problems.append({"field": location, "message": error.get("msg", "invalid")})
    summary = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
    first_field = problems[0]["field"] if problems else None
    return JSONResponse(
        {"detail": summary, "error": "invalid_input", "field": first_field, "problems": problems},
        status_code=422,
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers for the whole tree and for request validation."""
    app.add_exception_handler(MinqingError, _minqing_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
