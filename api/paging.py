"""One way to page: limit and offset capped by the settings, counts and links for every list.

Every list the API returns (grid layers, cases) carries ``numberMatched``,
``numberReturned`` and ``self`` / ``next`` / ``prev`` links built here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy import func
from sqlmodel import Session, select
from sqlmodel.sql.expression import Select, SelectOfScalar

T = TypeVar("T")

__all__ = ["MAX_OFFSET", "Page", "PageMeta", "fetch_page", "page_links"]

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


def _with_params(url: str, **params: int) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.update({k: str(v) for k, v in params.items()})
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
