"""The OpenAPI document's links: how a case's operations follow from one another.

A reported case leads to reading it, its next action, its timeline and its photos; an
action leads to the next; an uploaded photo to reading it back. The linked operations
carry fixed operation ids (their route names), and clients and a stateful fuzzer
(schemathesis) walk the closed loop along the links.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from fastapi import FastAPI

__all__ = ["CASE_LINKS", "install_links"]

_CASE = {"incident_id": "$response.body#/id"}
_FROM_CASE: Final[dict[str, tuple[str, dict[str, str]]]] = {
    "GetCase": ("get_incident", _CASE),
    "NextAction": (
        "do_action",
        {**_CASE, "action": "$response.body#/allowed_actions/0"},
    ),
    "Timeline": ("get_events", _CASE),
    "AttachPhoto": ("upload_photo", _CASE),
}

CASE_LINKS: Final[dict[tuple[str, str], dict[str, tuple[str, dict[str, str]]]]] = {
    ("create_incident", "201"): _FROM_CASE,
    ("create_incident", "200"): _FROM_CASE,
    ("get_incident", "200"): {k: v for k, v in _FROM_CASE.items() if k != "GetCase"},
    ("do_action", "200"): _FROM_CASE,
    ("upload_photo", "201"): {
        "GetPhoto": (
            "get_photo",
            {"incident_id": "$response.body#/incident_id", "photo_id": "$response.body#/id"},
        )
    },
}
"""(source operation, status) → link name → (target operation, target parameters)."""


def _operations(document: Mapping[str, Any]) -> Iterable[dict[str, Any]]:
    for operations in document["paths"].values():
        yield from operations.values()


def add_links(document: dict[str, Any]) -> dict[str, Any]:
    """Write :data:`CASE_LINKS` into the documented responses of ``document``."""
    by_id = {op.get("operationId"): op for op in _operations(document)}
    for (source, status), links in CASE_LINKS.items():
        by_id[source]["responses"][status]["links"] = {
            name: {"operationId": target, "parameters": parameters}
            for name, (target, parameters) in links.items()
        }
    return document


def install_links(app: FastAPI) -> None:
    """Make ``app.openapi()`` return its document with the case links."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            add_links(build())
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]
