"""Indicators over HTTP: ``/api/stats/…`` for the big screen, the workbench and analysts.

Every route takes a time window (``from`` ≤ reported < ``to``; default the last
``stats_window_days`` days) and the case list's filters, counts only the cases the caller
may see, and declares ``allowed(Permission.read_cases)``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from sqlmodel import Session

from api.deps import ContextDep, Reader, SessionDep
from api.exceptions import InvalidInput
from api.indicators import CASE_COUNTS
from api.models import utcnow
from api.params import IsoDateTime
from api.routers.incidents import CaseFilterDep
from api.stats.alerts import alerts
from api.stats.analysis import Dimension, crosstab, durations
from api.stats.counts import StatsQuery
from api.stats.service import (
    LOCAL,
    AreaMetric,
    areas,
    categories,
    funnel,
    summary,
    tiers,
    trend,
    units,
)

router = APIRouter(prefix="/stats", tags=["stats"])


def _aware(value: datetime) -> datetime:
    """A time without a zone is local (China standard time)."""
    return value.replace(tzinfo=LOCAL) if value.tzinfo is None else value


def stats_query(
    context: ContextDep,
    principal: Reader,
    filters: CaseFilterDep,
    start: Annotated[
        IsoDateTime | None,
        Query(alias="from", description="Reported from (ISO date or time; local if no zone)"),
    ] = None,
    end: Annotated[
        IsoDateTime | None,
        Query(alias="to", description="Reported before (default: now)"),
    ] = None,
) -> StatsQuery:
    """The cases a statistic counts: the caller's scope, the case list's filters, the window."""
    now = utcnow()
    stop = _aware(end) if end else now
    begin = _aware(start) if start else stop - timedelta(days=context.settings.stats_window_days)
    if begin >= stop:
        raise InvalidInput("from", f"must be before 'to' ({stop.isoformat()})")
    return StatsQuery(
        context=context, actor=principal, filters=filters, start=begin, end=stop, as_of=now
    )


StatsDep = Annotated[StatsQuery, Depends(stats_query)]


StatsView = Callable[[Session, StatsQuery], dict[str, Any]]


def _view(path: str, view: StatsView, title: str, description: str) -> None:
    """Mount ``GET path`` as ``stats_<view>``: ``view`` over the caller's window and filters."""

    def endpoint(session: SessionDep, query: StatsDep, principal: Reader) -> dict[str, Any]:
        return view(session, query)

    endpoint.__name__ = endpoint.__qualname__ = f"stats_{view.__name__}"
    endpoint.__doc__ = description
    router.add_api_route(path, endpoint, methods=["GET"], summary=title)


_view(
    "/summary",
    summary,
    "The big screen's counters",
    "Today's and current counters, and the window's 化解率, 按期办结率 and 满意率 with N.",
)
_view(
    "/units",
    units,
    "Every unit with every indicator, its score and counts",
    "Departments and township centres ranked by score; small samples are not ranked.",
)


@router.get("/areas", summary="Per-grid figures for a choropleth")
def stats_areas(
    session: SessionDep,
    query: StatsDep,
    principal: Reader,
    level: Annotated[Literal["large", "medium", "small"], Query()] = "small",
    metric: Annotated[AreaMetric, Query(description="What ``value`` holds")] = AreaMetric.count,
) -> dict[str, Any]:
    """Each grid of ``level``: count, open, overdue, 化解率, 满意率, per 1,000 households."""
    return areas(session, query, level, metric)


_view("/trend", trend, "Reported and closed per day", "One entry per local day of the window.")
_view(
    "/categories",
    categories,
    "Cases per 小类",
    "Most reported first, with open, overdue and 化解率.",
)
_view(
    "/funnel",
    funnel,
    "Cases in or past each loop stage",
    "上报 → 受理 → 派遣 → 签收 → 处置 → 核查 → 回访 → 结案.",
)
_view(
    "/tiers",
    tiers,
    "Share closed at grid / township / county",
    "小事不出村、一般事不出乡、大事不出县: closed cases per closing tier.",
)
_view(
    "/alerts",
    alerts,
    "Red cards, whistles awaiting 报到, hot spots",
    "What needs attention now; hot spots over the days before the window's end.",
)


@router.get("/crosstab", summary="Cases counted by one or two dimensions")
def stats_crosstab(
    session: SessionDep,
    query: StatsDep,
    principal: Reader,
    rows: Annotated[Dimension, Query(description="Group by (rows)")],
    cols: Annotated[Dimension | None, Query(description="And by (columns)")] = None,
    count: Annotated[
        list[str] | None,
        Query(description="Counts per cell (default ``cases``): any of the indicator counts"),
    ] = None,
) -> dict[str, Any]:
    """Category × township, source mix, repeats per area…: counts per cell with totals."""
    names = count or ["cases"]
    unknown = [name for name in names if name not in CASE_COUNTS]
    if unknown:
        raise InvalidInput("count", f"unknown count {unknown[0]!r}; one of {sorted(CASE_COUNTS)}")
    return crosstab(session, query, rows, cols, tuple(dict.fromkeys(names)))


_view(
    "/durations",
    durations,
    "Median hours per loop stage, per unit",
    "受理 / 派遣 / 处置 / 核查回访结案: each unit's median hours and N, and all cases'.",
)
