"""What each ``/api/stats/…`` route answers: grouped SQL counts turned into indicators.

Every function takes a :class:`~api.stats.counts.StatsQuery` (the caller's scope, the case
list's filters, the window) and returns a plain dict ready to send. Rates come from
:func:`api.indicators.rates` with their numerator and denominator.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from api.cases.queries import like_prefix
from api.indicators import (
    RATE_LABELS,
    Rate,
    Tally,
    counts_of,
    department_score,
    per_thousand_households,
    rank,
    rates,
    tier_shares,
)
from api.models import Category, Grid, Incident, IncidentWhistle, Unit
from api.stats.counts import StatsQuery, count_by, local_day, tally_by
from api.workflow import OPEN_STATUSES, Status, Supervision, Tier

__all__ = [
    "AreaMetric",
    "areas",
    "categories",
    "funnel",
    "summary",
    "tiers",
    "trend",
    "units",
]

LOCAL: Final = ZoneInfo("Asia/Shanghai")


def _window(query: StatsQuery) -> dict[str, str]:
    return {"from": query.start.isoformat(), "to": query.end.isoformat()}


def _rates_dict(found: dict[str, Rate]) -> dict[str, Any]:
    return {name: {"label": RATE_LABELS[name], **rate.as_dict()} for name, rate in found.items()}


def _tally_of(session: Session, query: StatsQuery) -> Tally:
    return tally_by(session, query, None).get(None, Tally())


SUMMARY_RATES: Final = ("resolution_rate", "closed_on_time_rate", "satisfaction_rate")
"""The rates on the wall's counters."""


def summary(session: Session, query: StatsQuery) -> dict[str, Any]:
    """The big screen's counters: today, now, and the window's main rates with their N.

    Only the counts of those rates are taken (the repeat and response rules look up every
    case's history: seconds over a province's month), and the counts of now only over the
    open cases (an index range, not the whole archive).
    """
    names = ["cases", "unreachable", *counts_of(SUMMARY_RATES)]
    t = Tally(cases={**Tally().cases, **count_by(session, query, None, names).get(None, {})})
    local_today = query.as_of.astimezone(LOCAL).replace(hour=0, minute=0, second=0, microsecond=0)
    scope = query.scope()
    open_now = [*scope, col(Incident.status).in_(OPEN_STATUSES)]
    now = count_by(session, query, None, ["open", "overdue_open"], where=open_now).get(None, {})
    cards: dict[Any, int] = dict(
        session.execute(
            select(col(Incident.supervision), func.count())
            .where(*open_now)
            .group_by(col(Incident.supervision))
        ).all()
    )

    def _count(*where: ColumnElement[bool]) -> int:
        return int(session.execute(select(func.count()).where(*scope, *where)).scalar_one())

    return {
        "window": _window(query),
        "today": {
            "reported": _count(col(Incident.reported_at) >= local_today),
            "closed": _count(col(Incident.closed_at) >= local_today),
        },
        "now": {
            "open": now.get("open", 0),
            "overdue": now.get("overdue_open", 0),
            "yellow_cards": cards.get(Supervision.yellow_card, 0),
            "red_cards": cards.get(Supervision.red_card, 0),
        },
        "cases": t["cases"],
        "unreachable": t["unreachable"],
        "rates": _rates_dict(rates(t, SUMMARY_RATES)),
    }


def _counts_dict(t: Tally) -> dict[str, int]:
    return {
        **t.cases,
        "summons": t.summons,
        "summons_on_time": t.summons_on_time,
        "summons_awaiting": t.summons_awaiting,
    }


def units(session: Session, query: StatsQuery) -> dict[str, Any]:
    """Every department and township centre with every indicator, its score and counts.

    Ranked by score; units with fewer cases than ``ranking_min_cases`` have no place.
    """
    tallies = tally_by(
        session, query, col(Incident.unit_code), summons_group=col(IncidentWhistle.unit_code)
    )
    known = session.execute(select(Unit).order_by(col(Unit.code))).scalars().all()
    scores = {u.code: department_score(tallies.get(u.code, Tally())) for u in known}
    min_cases = query.context.settings.ranking_min_cases
    ranking = rank(
        [(u.code, scores[u.code], tallies.get(u.code, Tally())["cases"]) for u in known],
        min_cases=min_cases,
    )
    by_code = {u.code: u for u in known}
    items = []
    for place in ranking:
        unit, t = by_code[place.key], tallies.get(place.key, Tally())
        items.append(
            {
                "code": unit.code,
                "name": unit.name,
                "short_name": unit.short_name,
                "kind": unit.kind.value,
                "place": place.place,
                "ranking_note": place.note,
                "score": place.value,
                "counts": _counts_dict(t),
                "rates": _rates_dict(rates(t)),
            }
        )
    return {
        "window": _window(query),
        "ranking": {
            "by": "score",
            "min_cases": min_cases,
            "note": f"units with fewer than {min_cases} cases are listed after the ranked "
            "ones, without a place",
        },
        "items": items,
    }


class AreaMetric(StrEnum):
    """What colours a choropleth of grids."""

    count = "count"  # type: ignore[assignment]  # the member shadows str.count
    open = "open"
    overdue = "overdue"
    resolution_rate = "resolution_rate"
    satisfaction_rate = "satisfaction_rate"
    per_1000_households = "per_1000_households"


def _area_item(grid: Any, t: Tally, metric: AreaMetric, min_cases: int) -> dict[str, Any]:
    found = rates(t)
    values: dict[str, Any] = {
        "count": t["cases"],
        "open": t["open"],
        "overdue": t["overdue_open"],
        "resolution_rate": found["resolution_rate"].as_dict(),
        "satisfaction_rate": found["satisfaction_rate"].as_dict(),
        "per_1000_households": per_thousand_households(t["cases"], grid.households),
    }
    chosen = values[metric.value]
    return {
        "code": grid.code,
        "name": grid.name,
        "parent_code": grid.parent_code,
        "households": grid.households,
        **values,
        "value": chosen["percent"] if isinstance(chosen, dict) else chosen,
        "small_sample": t["cases"] < min_cases,
    }


def areas(session: Session, query: StatsQuery, level: str, metric: AreaMetric) -> dict[str, Any]:
    """Per grid of ``level``: count, open, overdue, 化解率, 满意率 (with N), per 1,000 households.

    Every grid of the level is listed (within the ``grid`` filter), with zeros where
    nothing was reported; ``value`` is the chosen metric (rates in per cent).
    """
    code = col(getattr(Incident, f"{level}_code"))
    tallies = tally_by(session, query, code)
    grids = select(
        col(Grid.code), col(Grid.name), col(Grid.parent_code), col(Grid.households)
    ).where(col(Grid.level) == level)
    if query.filters.grid:
        grids = grids.where(col(Grid.code).like(like_prefix(query.filters.grid), escape="\\"))
    min_cases = query.context.settings.ranking_min_cases
    items = [
        _area_item(grid, tallies.get(grid.code, Tally()), metric, min_cases)
        for grid in session.execute(grids.order_by(col(Grid.code))).all()
    ]
    return {
        "window": _window(query),
        "level": level,
        "metric": metric.value,
        "min_cases": min_cases,
        "items": items,
    }


def _days(start: datetime, end: datetime) -> list[str]:
    first = start.astimezone(LOCAL).date()
    last = (end - timedelta(microseconds=1)).astimezone(LOCAL).date()
    return [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]


def trend(session: Session, query: StatsQuery) -> dict[str, Any]:
    """Per local day of the window: cases reported, and cases closed that day."""
    store = query.store
    day = local_day(store, Incident.reported_at)
    reported = dict(
        session.execute(select(day, func.count()).where(*query.conditions()).group_by(day)).all()
    )
    closed_day = local_day(store, Incident.closed_at)
    closed = dict(
        session.execute(
            select(closed_day, func.count())
            .where(
                *query.scope(),
                col(Incident.closed_at) >= query.start,
                col(Incident.closed_at) < query.end,
            )
            .group_by(closed_day)
        ).all()
    )
    items = [
        {"day": d, "reported": int(reported.get(d, 0)), "closed": int(closed.get(d, 0))}
        for d in _days(query.start, query.end)
    ]
    return {"window": _window(query), "items": items}


def categories(session: Session, query: StatsQuery) -> dict[str, Any]:
    """Cases per 小类 (most first), with open, resolved and overdue counts and the 大类."""
    counted = count_by(
        session,
        query,
        col(Incident.category_code),
        ["cases", "open", "resolved", "collected", "ever_overdue"],
    )
    names = {c.code: c for c in session.execute(select(Category)).scalars()}
    items = []
    for code, counts in sorted(counted.items(), key=lambda kv: (-kv[1]["cases"], kv[0])):
        category = names.get(code)
        parent = names.get(category.parent_code) if category and category.parent_code else None
        items.append(
            {
                "code": code,
                "name": category.name if category else code,
                "parent_code": parent.code if parent else None,
                "parent_name": parent.name if parent else None,
                "cases": counts["cases"],
                "open": counts["open"],
                "ever_overdue": counts["ever_overdue"],
                "resolution_rate": Rate(counts["resolved"], counts["collected"]).as_dict(),
            }
        )
    return {"window": _window(query), "items": items}


FUNNEL: Final[tuple[tuple[str, str, frozenset[Status]], ...]] = (
    ("reported", "上报", frozenset({Status.reported, Status.rejected})),
    ("accepted", "受理", frozenset({Status.accepted})),
    ("dispatched", "派遣", frozenset({Status.dispatched})),
    ("claimed", "签收", frozenset({Status.claimed, Status.assigned, Status.in_progress})),
    ("handled", "处置", frozenset({Status.handled})),
    ("verified", "核查", frozenset({Status.verified})),
    ("called_back", "回访", frozenset({Status.review})),
    ("closed", "结案", frozenset({Status.closed})),
)
"""The loop's stages in order and the statuses in which a case waits just after each."""


def funnel(session: Session, query: StatsQuery) -> dict[str, Any]:
    """How many cases of the window are in or have passed each stage of the loop.

    ``here`` is how many wait right after the stage now; ``reached`` adds those further on.
    Rework and reopening move a case back, so it counts where it stands now.
    """
    by_status: dict[Any, int] = dict(
        session.execute(
            select(col(Incident.status), func.count())
            .where(*query.conditions())
            .group_by(col(Incident.status))
        ).all()
    )
    here = [sum(by_status.get(s, 0) for s in statuses) for _, _, statuses in FUNNEL]
    items = [
        {"stage": stage, "label": label, "here": here[n], "reached": sum(here[n:])}
        for n, (stage, label, _statuses) in enumerate(FUNNEL)
    ]
    return {"window": _window(query), "rejected": by_status.get(Status.rejected, 0), "items": items}


def tiers(session: Session, query: StatsQuery) -> dict[str, Any]:
    """The share of the window's closed cases closed at each tier, and open cases per queue."""
    names = [f"closed_{tier.value}" for tier in Tier]
    counted = count_by(session, query, None, names).get(None, dict.fromkeys(names, 0))
    shares = tier_shares(Tally(cases={**Tally().cases, **counted}))
    queues: dict[Any, int] = dict(
        session.execute(
            select(col(Incident.tier), func.count())
            .where(*query.conditions(), col(Incident.status).in_(OPEN_STATUSES))
            .group_by(col(Incident.tier))
        ).all()
    )
    return {
        "window": _window(query),
        "items": [
            {
                "tier": tier.value,
                "label": tier.label,
                "closed": shares[tier].as_dict(),
                "open": int(queues.get(tier, 0)),
            }
            for tier in Tier
        ],
    }
