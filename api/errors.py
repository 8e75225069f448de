"""The HTTP face of the exception tree: one table from error kind to status, one installer.

The tree itself is framework-free (:mod:`api.exceptions`). Error bodies are
``{"detail": <message>, "error": <kind>, "field"?: ..., ...}``: what was wrong and where,
in words a user can act on.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

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
