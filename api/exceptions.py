"""The one exception tree of the service, framework-free.

Every error a caller can be told about is a :class:`MinqingError` of one *kind*; the
workflow's errors (:mod:`api.workflow.errors`) are members of the same tree. The HTTP edge
maps kinds to status codes in one table (:mod:`api.errors`); the CLI prints the message.
Messages say what was wrong and where, in words a user can act on.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "Conflict",
    "Forbidden",
    "InvalidInput",
    "MethodNotAllowed",
    "MinqingError",
    "NotFound",
    "PayloadTooLarge",
    "StoreUnavailable",
    "TooManyRequests",
    "Unauthorized",
    "UnsupportedMedia",
]


class MinqingError(Exception):
    """Base of every error the service reports to a caller.

    Parameters
    ----------
    message : str
        What was wrong, for a person.
    **context
        Machine-readable facts added to the error body (``field``, ``status``, …).
    """

    kind = "error"

    def __init_subclass__(cls, *, kind: str | None = None, **kwargs: Any) -> None:
        """Declare a subclass's kind in its header: ``class Conflict(MinqingError, kind=...)``."""
        super().__init_subclass__(**kwargs)
        if kind is not None:
            cls.kind = kind

    def __init__(self, message: str, **context: Any) -> None:
        super().__init__(message)
        self.message = message
        self.context = context

    def body(self) -> dict[str, Any]:
        """The error as a JSON-ready mapping: ``detail``, ``error`` and the context."""
        return {"detail": self.message, "error": self.kind, **self.context}


class StoreUnavailable(MinqingError, kind="store_unavailable"):
    """The database cannot be reached or the URL is wrong."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"cannot reach the database ({where}): {reason}", where=where)


class NotFound(MinqingError, kind="not_found"):
    """A thing named in the request does not exist (or is not visible to the caller)."""


class InvalidInput(MinqingError, kind="invalid_input"):
    """A request value is wrong; ``field`` names it."""

    def __init__(self, field: str, message: str, **context: Any) -> None:
        super().__init__(f"{field}: {message}", field=field, **context)


class Conflict(MinqingError, kind="conflict"):
    """The request clashes with the current state (illegal transition, lost claim race)."""


class Unauthorized(MinqingError, kind="unauthorized"):
    """No valid credentials."""


class Forbidden(MinqingError, kind="forbidden"):
    """Signed in, but this role or scope may not do it."""


class PayloadTooLarge(MinqingError, kind="payload_too_large"):
    """An upload above the size limit."""


class UnsupportedMedia(MinqingError, kind="unsupported_media_type"):
    """An upload of a type the service does not take."""


class MethodNotAllowed(MinqingError, kind="method_not_allowed"):
    """The path exists but not for this method; ``Allow`` lists the ones that do."""

    def __init__(self, message: str, *, allowed: list[str]) -> None:
        super().__init__(message, field="method", allowed=allowed)
        self.headers = {"Allow": ", ".join(allowed)}


class TooManyRequests(MinqingError, kind="too_many_requests"):
    """Too many attempts; ``Retry-After`` says when to try again."""

    def __init__(self, message: str, *, retry_after: int, **context: Any) -> None:
        super().__init__(message, retry_after=retry_after, **context)
        self.headers = {"Retry-After": str(retry_after)}
