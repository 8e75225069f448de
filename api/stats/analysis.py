"""The analyst's cross-tabulations and stage durations: ``/api/stats/crosstab`` and ``durations``.

A cross-tab counts the cases of a :class:`~api.stats.counts.StatsQuery` by one or two
dimensions (category × township, source mix, repeats per area…) with any counts of
:data:`api.indicators.CASE_COUNTS`; durations are the median hours each unit's cases spent
in each stage of the loop.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from sqlalchemy import case, func, literal, select
from sqlmodel import Session, col

from api.models import Category, Grid, Incident, Unit
from api.stats.counts import StatsQuery, case_count_clauses
from api.vocabulary import Source, TimedSpan
from api.workflow import Status, Tier

__all__ = ["STAGES", "Dimension", "crosstab", "durations"]


class Dimension(StrEnum):
    """What a cross-tab groups cases by."""

    category_group = "category_group"  # 大类
    category = "category"  # 小类
    large = "large"
    medium = "medium"
    small = "small"
    unit = "unit"
    source = "source"
    tier = "tier"
    status = "status"


CATEGORY_GROUP_DIGITS: Final = 2
"""A 小类 code starts with its 大类's two digits (``0201`` is in ``02``)."""


def _column(dimension: Dimension) -> Any:
    if dimension is Dimension.category_group:
        return func.substr(col(Incident.category_code), 1, CATEGORY_GROUP_DIGITS)
    if dimension is Dimension.category:
        return col(Incident.category_code)
    if dimension in (Dimension.large, Dimension.medium, Dimension.small):
        return col(getattr(Incident, f"{dimension.value}_code"))
    if dimension is Dimension.unit:
        return col(Incident.unit_code)
    return col(getattr(Incident, dimension.value))


def _labels(session: Session, dimension: Dimension, keys: Sequence[str]) -> dict[str, str]:
    """The Chinese name of each key of ``dimension``."""
    if dimension in (Dimension.category_group, Dimension.category):
        query = select(col(Category.code), col(Category.name)).where(col(Category.code).in_(keys))
    elif dimension in (Dimension.large, Dimension.medium, Dimension.small):
        query = select(col(Grid.code), col(Grid.name)).where(col(Grid.code).in_(keys))
    elif dimension is Dimension.unit:
        query = select(col(Unit.code), col(Unit.short_name)).where(col(Unit.code).in_(keys))
    else:
        enum = {Dimension.source: Source, Dimension.tier: Tier, Dimension.status: Status}[dimension]
        return {k: enum(k).label for k in keys}
    return {str(code): str(name) for code, name in session.execute(query).all()}


def _key(value: Any) -> str | None:
    return None if value is None else str(getattr(value, "value", value))


def crosstab(
    session: Session,
    query: StatsQuery,
    rows: Dimension,
    cols: Dimension | None = None,
    counts: Sequence[str] = ("cases",),
) -> dict[str, Any]:
    """Counts of the cases by ``rows`` (and ``cols``): one cell per pair that has cases.

    Row and column keys come with their names and totals, most cases first (grids and
    tiers in code order); ``None`` keys (a case not yet dispatched has no unit) are kept.
    """
    clauses = case_count_clauses(query.context, query.as_of)
    sums = [func.sum(case((clauses[name], 1), else_=0)).label(name) for name in counts]
    row_key = _column(rows).label("row_key")
    col_key = (_column(cols) if cols else literal(None)).label("col_key")
    groups = [row_key, col_key] if cols else [row_key]
    found = session.execute(
        select(row_key, col_key, *sums).where(*query.conditions()).group_by(*groups)
    ).all()
    cells = [
        {
            "row": _key(r.row_key),
            "col": _key(r.col_key),
            **{name: int(getattr(r, name) or 0) for name in counts},
        }
        for r in found
    ]
    return {
        "window": {"from": query.start.isoformat(), "to": query.end.isoformat()},
        "counts": list(counts),
        "min_cases": query.context.settings.ranking_min_cases,
        "rows": _axis(session, rows, cells, "row", counts),
        "cols": _axis(session, cols, cells, "col", counts) if cols else None,
        "cells": cells,
    }


def _axis(
    session: Session, dimension: Dimension, cells: list[dict[str, Any]], side: str, counts: Any
) -> dict[str, Any]:
    totals: dict[str | None, dict[str, int]] = defaultdict(lambda: dict.fromkeys(counts, 0))
    for cell in cells:
        for name in counts:
            totals[cell[side]][name] += cell[name]
    labels = _labels(session, dimension, [k for k in totals if k is not None])
    by_code = dimension in (Dimension.large, Dimension.medium, Dimension.small, Dimension.tier)
    order = sorted(
        totals,
        key=lambda k: (k is None, k or "") if by_code else (-totals[k][counts[0]], k or ""),
    )
    items = [{"key": k, "label": labels.get(k, k) if k else None, **totals[k]} for k in order]
    return {"by": dimension.value, "items": items}


STAGES: Final[tuple[tuple[TimedSpan, str, str], ...]] = (
    (TimedSpan.accept, "reported_at", "accepted_at"),
    (TimedSpan.dispatch, "accepted_at", "dispatched_at"),
    (TimedSpan.handle, "dispatched_at", "handled_at"),
    (TimedSpan.close, "handled_at", "closed_at"),
)
"""The loop's spans timed: (span, start stamp, end stamp) of the case record."""


def _hours(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None or end < start:
        return None
    return (end - start).total_seconds() / 3600


def durations(session: Session, query: StatsQuery) -> dict[str, Any]:
    """Per lead unit (and for all cases): median hours and N of each timed stage.

    Calendar hours between the stage's stamps on the case (the latest dispatch and
    handling, so a reworked case counts its whole handling); stages not reached are left
    out of the N.
    """
    stamps = sorted({name for _, a, b in STAGES for name in (a, b)})
    found = session.execute(
        select(col(Incident.unit_code), *(col(getattr(Incident, s)) for s in stamps)).where(
            *query.conditions()
        )
    ).all()
    spans: dict[str | None, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for row in found:
        times = dict(zip(stamps, row[1:], strict=True))
        for stage, start, end in STAGES:
            hours = _hours(times[start], times[end])
            if hours is not None:
                spans[row[0]][stage].append(hours)
                spans["*"][stage].append(hours)
    names = _labels(session, Dimension.unit, [k for k in spans if k not in (None, "*")])

    def entry(key: str | None) -> dict[str, Any]:
        stages = {
            stage.value: {
                "label": stage.label,
                "n": len(spans[key][stage]),
                "median_hours": round(statistics.median(spans[key][stage]), 2)
                if spans[key][stage]
                else None,
            }
            for stage, _, _ in STAGES
        }
        return {"unit": key, "name": names.get(key or ""), "cases": _cases(stages), **stages}

    units = sorted((k for k in spans if k not in (None, "*")), key=lambda k: names.get(k, k))
    return {
        "window": {"from": query.start.isoformat(), "to": query.end.isoformat()},
        "stages": [{"stage": s.value, "label": s.label} for s, _, _ in STAGES],
        "min_cases": query.context.settings.ranking_min_cases,
        "all": entry("*") | {"unit": None, "name": None},
        "items": [entry(k) for k in units],
    }


def _cases(stages: dict[str, dict[str, Any]]) -> int:
    return max((s["n"] for s in stages.values()), default=0)
