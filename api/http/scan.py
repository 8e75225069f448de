"""Find NUL characters in request parts; each function names where the first one is.

NUL (a zero byte) is never meaningful in this service's text and PostgreSQL cannot store it,
so the edge refuses it in the path, the query string and JSON or form bodies.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

NUL = "\x00"


def nul_in_query(query_string: bytes) -> str | None:
    """``query.<name>`` of the first parameter whose name or value holds a NUL."""
    pairs = parse_qsl(
        query_string.decode("latin-1"), keep_blank_values=True, encoding="utf-8", errors="replace"
    )
    for name, value in pairs:
        if NUL in name or NUL in value:
            return f"query.{name.replace(NUL, '')}"
    return None


def nul_in_form(body: bytes) -> str | None:
    """The name of the first urlencoded form field whose name or value holds a NUL."""
    pairs = parse_qsl(
        body.decode("latin-1"), keep_blank_values=True, encoding="utf-8", errors="replace"
    )
    for name, value in pairs:
        if NUL in name or NUL in value:
            return name.replace(NUL, "") or "body"
    return None


def nul_in_json(body: bytes) -> str | None:
    """The dotted path (``reporter.name``, ``photo_ids.0``) of the first string with a NUL.

    A body that is not JSON yields ``None``: the route's own validation reports it.
    """
    try:
        document = json.loads(body)
    except ValueError:
        return None
    return _nul_path(document, ())


def _nul_path(value: object, path: tuple[str, ...]) -> str | None:
    if isinstance(value, str):
        return (".".join(path) or "body") if NUL in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _nul_path(key, (*path, key.replace(NUL, ""))) or _nul_path(item, (*path, key))
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _nul_path(item, (*path, str(index)))
            if found:
                return found
    return None
