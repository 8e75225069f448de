"""Reading cases: the filtered, paged list in the caller's scope, and a case's timeline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import or_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from api.cases.access import get_visible, visibility_clause
from api.cases.present import catalog_of, event_public, to_public
from api.cases.schemas import EventPublic, IncidentPublic, WhistlePublic, WhistleRecord
from api.context import AppContext
from api.models import Incident, IncidentEvent, IncidentWhistle
from api.paging import Page, fetch_page
from api.store import bbox_overlaps
from api.workflow import Actor, Status, Tier

__all__ = ["CaseFilter", "case_page", "like_prefix", "timeline", "whistle_page"]


@dataclass(frozen=True)
class CaseFilter:
    """The filters of the case list (all optional, combined with AND)."""

    statuses: Sequence[Status] = ()
    unit: str | None = None
    tier: Tier | None = None
    assignee: str | None = None
    category: str | None = None
    grid: str | None = None
    bbox: tuple[float, float, float, float] | None = None


def like_prefix(value: str) -> str:
    """A LIKE pattern matching ``value`` literally at the start (``%`` and ``_`` escaped)."""
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}%"


def _where(context: AppContext, actor: Actor, filters: CaseFilter) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    scope = visibility_clause(actor)
    if scope is not None:
        where.append(scope)
    if filters.statuses:
        where.append(col(Incident.status).in_(filters.statuses))
    if filters.tier:
        where.append(col(Incident.tier) == filters.tier)
    if filters.assignee:
        where.append(col(Incident.assignee) == filters.assignee)
    if filters.unit:
        where.append(col(Incident.unit_code) == filters.unit)
    if filters.category:
        where.append(col(Incident.category_code).like(like_prefix(filters.category), escape="\\"))
    if filters.grid:
        grid = filters.grid
        where.append(
            or_(
                col(Incident.small_code) == grid,
                col(Incident.medium_code) == grid,
                col(Incident.large_code) == grid,
            )
        )
    if filters.bbox:
        where.append(bbox_overlaps(context.db.store, Incident, filters.bbox))
    return where


def case_page(
    session: Session, context: AppContext, actor: Actor, filters: CaseFilter, page: Page
) -> tuple[list[IncidentPublic], int]:
    """One page of the cases the caller may see, newest first, and how many match."""
    query = (
        select(Incident)
        .where(*_where(context, actor, filters))
        .order_by(col(Incident.reported_at).desc(), col(Incident.id).desc())
    )
    rows, matched = fetch_page(session, query, page)
    catalog = catalog_of(session)
    return [to_public(r, actor, context.calendar, catalog=catalog) for r in rows], matched


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
    get_visible(session, actor, incident_id)
    events = session.exec(
        select(IncidentEvent)
        .where(IncidentEvent.incident_id == incident_id)
        .order_by(col(IncidentEvent.seq))
    ).all()
    return [event_public(e) for e in events]
