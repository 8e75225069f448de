"""The HTTP face of the exception tree: one table from error kind to status, one installer.

The tree itself is framework-free (:mod:`api.exceptions`). Error bodies are
``{"detail": <message>, "error": <kind>, "field"?: ..., ...}``: what was wrong and where,
in words a user can act on.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.exceptions import (
    Conflict,
    Forbidden,
    InvalidInput,
    MethodNotAllowed,
    MinqingError,
    NotFound,
    PayloadTooLarge,
    StoreUnavailable,
    TooManyRequests,
    Unauthorized,
    UnsupportedMedia,
)

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


class Problem(BaseModel):
    """One wrong request value: where it is and what is wrong with it."""

    field: str
    message: str


class ErrorBody(BaseModel):
    """The body of every error answer; kinds add their own facts (``allowed``, ``status``, …)."""

    model_config = ConfigDict(extra="allow")

    detail: str
    error: str
    field: str | None = None
    problems: list[Problem] | None = None


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {"model": ErrorBody, "description": "The request was refused; the body says why"},
}
"""``responses=`` of the app: every route documents its refusals with :class:`ErrorBody`."""


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


STORE_FAILURES = (OperationalError, InterfaceError, PoolTimeout)
"""Driver errors that mean the store cannot be used now (down, restarting, pool exhausted)."""


async def _store_failure(request: Request, exc: Exception) -> JSONResponse:
    """The database failed under a request: 503 naming the store, never a bare 500."""
    response = await _minqing_error(request, request.app.state.context.db.unavailable(exc))
    response.headers["Retry-After"] = "5"
    return response


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


async def _framework_error(_request: Request, exc: Exception) -> Response:
    """A refusal raised by FastAPI itself (a body that does not parse), in the same shape."""
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code in (204, 304):
        return Response(status_code=exc.status_code, headers=exc.headers)
    kind = HTTPStatus(exc.status_code).name.lower()
    body = {
        "detail": str(exc.detail),
        "error": kind,
        "field": "body" if exc.status_code == 400 else None,
    }
    return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers for the whole tree, request validation and the framework's own."""
    app.add_exception_handler(MinqingError, _minqing_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    for failure in STORE_FAILURES:
        app.add_exception_handler(failure, _store_failure)
    app.add_exception_handler(StarletteHTTPException, _framework_error)
