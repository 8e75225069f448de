"""The big screen's alerts: red-card cases, whistles awaiting 报到, hot spots.

No personal data: cases are named by number, category, unit and grid.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Final

from sqlalchemy import func, select
from sqlmodel import Session, col

from api.models import Category, Incident, IncidentWhistle, Unit
from api.stats.counts import StatsQuery
from api.workflow import OPEN_STATUSES, Supervision

__all__ = ["ALERT_LIMIT", "alerts"]

ALERT_LIMIT: Final = 50
"""At most this many entries in each alert list, the most pressing first."""


def _red_cards(session: Session, query: StatsQuery) -> list[dict[str, Any]]:
    rows = session.execute(
        select(
            col(Incident.id),
            col(Incident.case_no),
            col(Incident.category_code),
            col(Incident.unit_code),
            col(Incident.small_code),
            col(Incident.status),
            col(Incident.handle_due_at),
            col(Category.name).label("category_name"),
            col(Unit.short_name).label("unit_name"),
        )
        .join(Category, col(Category.code) == col(Incident.category_code), isouter=True)
        .join(Unit, col(Unit.code) == col(Incident.unit_code), isouter=True)
        .where(
            *query.scope(),
            col(Incident.status).in_(OPEN_STATUSES),
            col(Incident.supervision) == Supervision.red_card,
        )
        .order_by(col(Incident.handle_due_at), col(Incident.id))
        .limit(ALERT_LIMIT)
    ).all()
    return [
        {
            "id": r.id,
            "case_no": r.case_no,
            "category_code": r.category_code,
            "category_name": r.category_name,
            "unit_code": r.unit_code,
            "unit_name": r.unit_name,
            "small_code": r.small_code,
            "status": r.status.value,
            "status_label": r.status.label,
            "handle_due_at": r.handle_due_at,
        }
        for r in rows
    ]


def _awaiting_whistles(session: Session, query: StatsQuery) -> list[dict[str, Any]]:
    w = IncidentWhistle
    rows = session.execute(
        select(
            col(w.incident_id),
            col(Incident.case_no),
            col(w.unit_code),
            col(Unit.short_name).label("unit_name"),
            col(w.whistled_at),
            col(w.due_at),
        )
        .join(Incident, col(Incident.id) == col(w.incident_id))
        .join(Unit, col(Unit.code) == col(w.unit_code), isouter=True)
        .where(*query.scope(), col(w.reported_at).is_(None))
        .order_by(col(w.due_at), col(w.id))
        .limit(ALERT_LIMIT)
    ).all()
    return [{**r._asdict(), "late": r.due_at <= query.as_of} for r in rows]


def _hot_spots(session: Session, query: StatsQuery) -> list[dict[str, Any]]:
    settings = query.context.settings
    since = query.end - timedelta(days=settings.hotspot_days)
    times = func.count().label("times")
    rows = session.execute(
        select(
            col(Incident.small_code),
            col(Incident.category_code),
            times,
            func.min(Incident.reported_at).label("first"),
            func.max(Incident.reported_at).label("last"),
        )
        .where(
            *query.scope(),
            col(Incident.reported_at) >= since,
            col(Incident.reported_at) < query.end,
        )
        .group_by(Incident.small_code, col(Incident.category_code))
        .having(func.count() >= settings.hotspot_min_cases)
        .order_by(times.desc(), col(Incident.small_code), col(Incident.category_code))
        .limit(ALERT_LIMIT)
    ).all()
    names: dict[str, str] = dict(
        session.execute(select(col(Category.code), col(Category.name))).all()
    )
    return [
        {
            "small_code": r.small_code,
            "category_code": r.category_code,
            "category_name": names.get(r.category_code, r.category_code),
            "times": int(r.times),
            "first_reported_at": r.first,
            "last_reported_at": r.last,
        }
        for r in rows
    ]


def alerts(session: Session, query: StatsQuery) -> dict[str, Any]:
    """Red-card cases open now, whistles awaiting 报到, and hot spots.

    A hot spot is the same 小类 reported at least ``hotspot_min_cases`` times in one small
    grid within the ``hotspot_days`` before the end of the window.
    """
    settings = query.context.settings
    return {
        "red_cards": _red_cards(session, query),
        "awaiting_report_in": _awaiting_whistles(session, query),
        "hot_spots": _hot_spots(session, query),
        "hot_spot_rule": {
            "min_times": settings.hotspot_min_cases,
            "days": settings.hotspot_days,
            "until": query.end.isoformat(),
        },
        "limit": ALERT_LIMIT,
    }
