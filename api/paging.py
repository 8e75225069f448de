"""One way to page: limit and offset capped by the settings, counts and links for every list.

Every list the API returns (grid layers, cases) carries ``numberMatched``,
``numberReturned`` and ``self`` / ``next`` / ``prev`` links built here.  A page may also
start after a cursor (keyset paging: stable while rows are added), see :class:`Cursor`.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy import and_, func, or_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, select
from sqlmodel.sql.expression import Select, SelectOfScalar

from api.exceptions import InvalidInput

T = TypeVar("T")

__all__ = [
    "MAX_OFFSET",
    "Cursor",
    "Page",
    "PageMeta",
    "cursor_links",
    "fetch_page",
    "page_links",
]

MAX_OFFSET = 2**31 - 1
"""The largest offset a store is asked for (larger ones are refused at the edge)."""


@dataclass(frozen=True)
class Page:
    """Limit and offset of one page."""

    limit: int
    offset: int


@dataclass(frozen=True)
class PageMeta:
    """What a list says about itself: counts and links."""

    matched: int
    returned: int
    links: list[dict[str, str]]

    def as_dict(self) -> dict[str, Any]:
        """The members of a list response: ``numberMatched``, ``numberReturned``, ``links``."""
        return {
            "numberMatched": self.matched,
            "numberReturned": self.returned,
            "links": self.links,
        }


def fetch_page(
    session: Session, query: SelectOfScalar[T] | Select[Any, Any], page: Page
) -> tuple[list[Any], int]:
    """The rows of ``query`` on ``page`` and how many it matches in all."""
    matched = session.exec(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = session.exec(query.offset(page.offset).limit(page.limit)).all()
    return list(rows), int(matched.one())


def _with_params(url: str, drop: tuple[str, ...] = (), **params: int | str) -> str:
    """``url`` with ``params`` set and ``drop`` removed, repeated parameters kept.

    ``status=reported&status=accepted`` stays both statuses on the next page.
    """
    parts = urlsplit(url)
    query = [
        (name, value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
        if name not in params and name not in drop
    ]
    query += [(name, str(value)) for name, value in params.items()]
    return urlunsplit(parts._replace(query=urlencode(query)))


def page_links(
    self_url: str, page: Page, *, returned: int, matched: int, media_type: str
) -> PageMeta:
    """Counts and ``self`` / ``next`` / ``prev`` links for one page of a list."""
    links = [{"rel": "self", "type": media_type, "href": self_url}]
    if page.offset + returned < matched:
        href = _with_params(self_url, offset=page.offset + page.limit, limit=page.limit)
        links.append({"rel": "next", "type": media_type, "href": href})
    if page.offset > 0:
        href = _with_params(self_url, offset=max(0, page.offset - page.limit), limit=page.limit)
        links.append({"rel": "prev", "type": media_type, "href": href})
    return PageMeta(matched=matched, returned=returned, links=links)


@dataclass(frozen=True)
class Cursor:
    """Where a keyset page starts: after the row with this sort value and id.

    Sent to clients as an opaque URL-safe token naming the sort it belongs to, so a
    cursor from one sort is refused by another instead of skipping rows.
    """

    sort: str
    value: datetime
    row_id: int

    def token(self) -> str:
        """The opaque form for a ``cursor=`` parameter."""
        raw = json.dumps([self.sort, self.value.isoformat(), self.row_id]).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def parse(cls, token: str, *, sort: str) -> Cursor:
        """Read a token back, or :class:`InvalidInput` naming ``cursor``."""
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            name, value, row_id = json.loads(raw)
            cursor = cls(sort=str(name), value=datetime.fromisoformat(value), row_id=int(row_id))
        except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
            raise InvalidInput("cursor", "is not a cursor this list handed out") from None
        if cursor.sort != sort:
            raise InvalidInput("cursor", f"belongs to sort={cursor.sort!r}, not sort={sort!r}")
        if cursor.value.tzinfo is None:
            raise InvalidInput("cursor", "is not a cursor this list handed out")
        return cursor

    def after(self, value: Any, row_id: Any, *, descending: bool) -> ColumnElement[bool]:
        """The rows after this cursor in ``(value, row_id)`` order (both the same direction)."""
        if descending:
            return or_(value < self.value, and_(value == self.value, row_id < self.row_id))
        return or_(value > self.value, and_(value == self.value, row_id > self.row_id))


def cursor_links(
    self_url: str, next_cursor: Cursor | None, *, returned: int, matched: int, media_type: str
) -> PageMeta:
    """Counts and ``self`` / ``next`` links for one keyset page (``next`` while rows remain)."""
    links = [{"rel": "self", "type": media_type, "href": self_url}]
    if next_cursor is not None:
        href = _with_params(self_url, drop=("offset",), cursor=next_cursor.token())
        links.append({"rel": "next", "type": media_type, "href": href})
    return PageMeta(matched=matched, returned=returned, links=links)
