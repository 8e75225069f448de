"""Reading cases: the one filter of the case list, its pages in the caller's scope, a timeline.

:func:`case_where` is the WHERE clause every case reader shares (the list, its map and
table forms, exports, statistics): the caller's scope, then each filter of
:class:`CaseFilter`.  Pages come either by offset or after a :class:`~api.paging.Cursor`
on the sort value and id, both through :mod:`api.paging`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, func, literal, or_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select, SelectOfScalar

from api.cases.access import case_rows, visibility_clause
from api.cases.present import catalog_of, event_public, to_public
from api.cases.schemas import EventPublic, IncidentPublic, WhistlePublic, WhistleRecord
from api.context import AppContext
from api.models import Incident, IncidentEvent, IncidentWhistle, utcnow
from api.paging import Cursor, Page, fetch_page
from api.settings import StoreKind
from api.store import as_utc, bbox_overlaps
from api.vocabulary import Source
from api.workflow import Actor, Light, Status, Tier
from api.workflow.deadlines import YELLOW_SHARE

__all__ = [
    "CaseFilter",
    "CaseSort",
    "case_page",
    "case_page_after",
    "case_select",
    "case_where",
    "count_matched",
    "like_pattern",
    "like_prefix",
    "rows_after",
    "light_clause",
    "timeline",
    "whistle_page",
]


@dataclass(frozen=True)
class CaseFilter:
    """The filters of the case list (all optional, combined with AND).

    ``category`` is a 大类 or 小类 code (a 大类 matches its 小类), ``grid`` a code of any
    level, ``lights`` grades the running stage's clock now, ``reported_from`` is
    inclusive and ``reported_to`` exclusive, ``text`` is looked for literally in the
    description, the address and the case number.
    """

    statuses: Sequence[Status] = ()
    unit: str | None = None
    tier: Tier | None = None
    assignee: str | None = None
    category: str | None = None
    grid: str | None = None
    bbox: tuple[float, float, float, float] | None = None
    sources: Sequence[Source] = ()
    urgent: bool | None = None
    lights: Sequence[Light] = ()
    reported_from: datetime | None = None
    reported_to: datetime | None = None
    text: str | None = None


class CaseSort(StrEnum):
    """Orders of the case list; each ties on the id in the same direction."""

    newest = "-reported_at"
    oldest = "reported_at"
    recently_updated = "-updated_at"
    least_recently_updated = "updated_at"

    @property
    def column(self) -> str:
        """The case column sorted on."""
        return self.value.lstrip("-")

    @property
    def descending(self) -> bool:
        """Whether the order is descending."""
        return self.value.startswith("-")


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def like_prefix(value: str) -> str:
    """A LIKE pattern matching ``value`` literally at the start (``%`` and ``_`` escaped)."""
    return f"{_escape_like(value)}%"


def like_pattern(value: str) -> str:
    """A LIKE pattern matching ``value`` literally anywhere (``%`` and ``_`` escaped)."""
    return f"%{_escape_like(value)}%"


def _epoch(column: Any, store: StoreKind) -> ColumnElement[Any]:
    """Seconds since 1970 of a timestamp column, in the store's SQL."""
    if store == "sqlite":
        return (func.julianday(column) - 2440587.5) * 86400.0
    return func.extract("epoch", column)


def light_clause(store: StoreKind, light: Light, now: datetime) -> ColumnElement[bool]:
    """Cases whose running stage shows ``light`` at ``now``, in SQL.

    Red is exact (past the due instant).  Green and yellow split at
    :data:`~api.workflow.deadlines.YELLOW_SHARE` of the stage's limit in clock time; the
    case's own light (:func:`~api.workflow.deadlines.light`) measures a non-urgent case in
    working time, so near that line the two may differ by the night or weekend between.
    """
    started, due = col(Incident.stage_started_at), col(Incident.stage_due_at)
    running = and_(started.is_not(None), due.is_not(None), col(Incident.stage).is_not(None))
    if light is Light.red:
        return and_(running, due < now)
    start_s, due_s = _epoch(started, store), _epoch(due, store)
    yellow_from = start_s + (due_s - start_s) * YELLOW_SHARE
    now_s = literal(now.timestamp())
    share = yellow_from <= now_s if light is Light.yellow else yellow_from > now_s
    return and_(running, due >= now, share)


def _grid_clause(grid: str) -> ColumnElement[bool]:
    return or_(
        col(Incident.small_code) == grid,
        col(Incident.medium_code) == grid,
        col(Incident.large_code) == grid,
    )


def _text_clause(text: str) -> ColumnElement[bool]:
    pattern = like_pattern(text)
    return or_(
        *(
            col(column).ilike(pattern, escape="\\")
            for column in (Incident.description, Incident.address, Incident.case_no)
        )
    )


def case_where(
    context: AppContext, actor: Actor, filters: CaseFilter, *, now: datetime | None = None
) -> list[ColumnElement[bool]]:
    """The WHERE clauses of the case list: the caller's scope, then every filter given."""
    where: list[ColumnElement[bool]] = []
    scope = visibility_clause(actor)
    if scope is not None:
        where.append(scope)
    equal: list[tuple[Any, object]] = [
        (Incident.tier, filters.tier),
        (Incident.assignee, filters.assignee),
        (Incident.unit_code, filters.unit),
        (Incident.urgent, filters.urgent),
    ]
    where += [col(column) == value for column, value in equal if value is not None]
    if filters.statuses:
        where.append(col(Incident.status).in_(filters.statuses))
    if filters.sources:
        where.append(col(Incident.source).in_(filters.sources))
    if filters.category:
        where.append(col(Incident.category_code).like(like_prefix(filters.category), escape="\\"))
    if filters.grid:
        where.append(_grid_clause(filters.grid))
    if filters.bbox:
        where.append(bbox_overlaps(context.db.store, Incident, filters.bbox))
    if filters.reported_from:
        where.append(col(Incident.reported_at) >= filters.reported_from)
    if filters.reported_to:
        where.append(col(Incident.reported_at) < filters.reported_to)
    if filters.text:
        where.append(_text_clause(filters.text))
    if filters.lights:
        at = now or utcnow()
        where.append(or_(*(light_clause(context.db.store, lit, at) for lit in filters.lights)))
    return where


def case_select(
    context: AppContext,
    actor: Actor,
    filters: CaseFilter,
    *what: Any,
    sort: CaseSort = CaseSort.newest,
) -> SelectOfScalar[Any] | Select[Any, Any]:
    """``select(*what)`` (default: whole cases) over the filtered cases, in ``sort`` order."""
    value, row_id = col(getattr(Incident, sort.column)), col(Incident.id)
    order = (value.desc(), row_id.desc()) if sort.descending else (value.asc(), row_id.asc())
    query = select(*what) if what else select(Incident)
    return query.where(*case_where(context, actor, filters)).order_by(*order)


def case_page(
    session: Session,
    context: AppContext,
    actor: Actor,
    filters: CaseFilter,
    page: Page,
    *,
    sort: CaseSort = CaseSort.newest,
) -> tuple[list[IncidentPublic], int]:
    """One page of the cases the caller may see, newest first, and how many match."""
    rows, matched = fetch_page(session, case_select(context, actor, filters, sort=sort), page)
    catalog = catalog_of(session)
    return [to_public(r, actor, context.calendar, catalog=catalog) for r in rows], matched


def rows_after(
    session: Session,
    query: SelectOfScalar[Any] | Select[Any, Any],
    *,
    sort: CaseSort,
    cursor: Cursor | None,
    limit: int,
) -> tuple[list[Any], Cursor | None]:
    """Up to ``limit`` rows of a :func:`case_select` query after ``cursor``, and the next one.

    The rows must carry ``id`` and the sort column (whole cases or labelled columns).
    """
    if cursor is not None:
        value, row_id = getattr(Incident, sort.column), Incident.id
        query = query.where(cursor.after(value, row_id, descending=sort.descending))
    rows = list(session.exec(query.limit(limit + 1)).all())
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    value = as_utc(getattr(last, sort.column))
    return rows[:limit], Cursor(sort=sort.value, value=value, row_id=last.id)


def case_page_after(
    session: Session,
    context: AppContext,
    actor: Actor,
    filters: CaseFilter,
    *,
    limit: int,
    cursor: Cursor | None,
    sort: CaseSort = CaseSort.newest,
) -> tuple[list[IncidentPublic], int, Cursor | None]:
    """A keyset page: the cases after ``cursor``, how many match in all, the next cursor."""
    query = case_select(context, actor, filters, sort=sort)
    matched = count_matched(session, query)
    rows, next_cursor = rows_after(session, query, sort=sort, cursor=cursor, limit=limit)
    catalog = catalog_of(session)
    items = [to_public(r, actor, context.calendar, catalog=catalog) for r in rows]
    return items, matched, next_cursor


def count_matched(session: Session, query: SelectOfScalar[Any] | Select[Any, Any]) -> int:
    """How many rows ``query`` matches."""
    counted = select(func.count()).select_from(query.order_by(None).subquery())
    return int(session.exec(counted).one())


def whistle_page(
    session: Session, actor: Actor, *, unit: str | None, awaiting: bool, page: Page
) -> tuple[list[WhistleRecord], int]:
    """Departments summoned by whistles on the cases the caller may see, newest first."""
    query = select(IncidentWhistle, Incident.case_no).join(
        Incident, col(Incident.id) == col(IncidentWhistle.incident_id)
    )
    scope = visibility_clause(actor)
    if scope is not None:
        query = query.where(scope)
    if unit:
        query = query.where(col(IncidentWhistle.unit_code) == unit)
    if awaiting:
        query = query.where(col(IncidentWhistle.reported_at).is_(None))
    query = query.order_by(col(IncidentWhistle.whistled_at).desc(), col(IncidentWhistle.id))
    rows, matched = fetch_page(session, query, page)
    records = [
        WhistleRecord(
            **WhistlePublic.model_validate(whistle).model_dump(),
            incident_id=whistle.incident_id,
            case_no=case_no,
        )
        for whistle, case_no in rows
    ]
    return records, matched


def timeline(session: Session, actor: Actor, incident_id: int) -> list[EventPublic]:
    """Every event of a visible case, oldest first."""
    events = case_rows(session, actor, incident_id, IncidentEvent, IncidentEvent.seq)
    return [event_public(e) for e in events]
