"""The analyst view's state: what is chosen, kept in the page URL so a view can be shared.

One frozen :class:`AnalysisView` holds the filters, the selected grid and the map's
measure; :func:`encode_view` writes it as a query string and :func:`decode_view` reads
it back (a value it cannot read is dropped, never an error: a mangled link opens a
wider view).  :func:`case_params` and :func:`stats_params` turn it into the API's query.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any, Final
from urllib.parse import parse_qs, urlencode

from dashboard.i18n import codes
from dashboard.readings import CHINA, RATE_MEASURES, STATUSES

SOURCES: Final = codes("source")
LIGHTS: Final = codes("light")
TIERS: Final = codes("tier")
MEASURES: Final = ("count", "open", "overdue", *RATE_MEASURES)
"""What colours the choropleth (the API's ``/api/stats/areas`` metrics)."""
DEFAULT_DAYS: Final = 30
"""A view without dates covers the last 30 days, today included."""

_GRID = re.compile(r"^[0-9]{6,20}$")
_CATEGORY = re.compile(r"^[0-9]{2,4}$")
_CODE = re.compile(r"^[A-Za-z0-9_-]{1,20}$")


@dataclass(frozen=True)
class AnalysisView:
    """Everything the analyst chose: dates (inclusive), filters, grid, measure, language."""

    start: date | None = None
    end: date | None = None
    grid: str = ""
    category: str = ""
    status: tuple[str, ...] = ()
    unit: str = ""
    source: tuple[str, ...] = ()
    urgent: bool | None = None
    light: tuple[str, ...] = ()
    tier: str = ""
    q: str = ""
    measure: str = "count"
    lang: str = "zh"

    def with_dates(self, today: date) -> AnalysisView:
        """The view with its dates filled: the last :data:`DEFAULT_DAYS` days by default."""
        end = self.end or today
        start = self.start or end - timedelta(days=DEFAULT_DAYS - 1)
        return replace(self, start=min(start, end), end=max(start, end))


def encode_view(view: AnalysisView) -> str:
    """The query string (without ``?``) of ``view``: only what differs from the default."""
    pairs: list[tuple[str, str]] = []
    if view.start:
        pairs.append(("from", view.start.isoformat()))
    if view.end:
        pairs.append(("to", view.end.isoformat()))
    for name in ("grid", "category", "unit", "tier", "q"):
        value = getattr(view, name)
        if value:
            pairs.append((name, value))
    for name, known in (("status", STATUSES), ("source", SOURCES), ("light", LIGHTS)):
        values = getattr(view, name)
        if values:
            pairs.append((name, ",".join(v for v in known if v in values)))
    if view.urgent is not None:
        pairs.append(("urgent", "1" if view.urgent else "0"))
    if view.measure != "count":
        pairs.append(("measure", view.measure))
    if view.lang == "en":
        pairs.append(("lang", "en"))
    return urlencode(pairs)


def decode_view(search: str | Mapping[str, Any]) -> AnalysisView:
    """The view a query string (or Dash's query dict) names; unreadable values are dropped."""
    if isinstance(search, str):
        query = {k: v[-1] for k, v in parse_qs(search.lstrip("?")).items()}
    else:
        query = {k: v[-1] if isinstance(v, list) else str(v) for k, v in search.items()}
    urgent = {"1": True, "true": True, "0": False, "false": False}.get(query.get("urgent", ""))
    measure = query.get("measure", "")
    return AnalysisView(
        start=_date(query.get("from")),
        end=_date(query.get("to")),
        grid=_matching(query.get("grid"), _GRID),
        category=_matching(query.get("category"), _CATEGORY),
        status=_members(query.get("status"), STATUSES),
        unit=_matching(query.get("unit"), _CODE),
        source=_members(query.get("source"), SOURCES),
        urgent=urgent,
        light=_members(query.get("light"), LIGHTS),
        tier=query.get("tier", "") if query.get("tier") in TIERS else "",
        q=query.get("q", "").strip()[:100],
        measure=measure if measure in MEASURES else "count",
        lang="en" if query.get("lang") == "en" else "zh",
    )


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _matching(value: str | None, pattern: re.Pattern[str]) -> str:
    return value if value and pattern.match(value) else ""


def _members(value: str | None, known: Sequence[str]) -> tuple[str, ...]:
    chosen = {v.strip() for v in (value or "").split(",")}
    return tuple(v for v in known if v in chosen)


def _local_midnight(day: date) -> str:
    return datetime.combine(day, time(0), tzinfo=CHINA).isoformat()


def filter_params(view: AnalysisView) -> dict[str, Any]:
    """The case list's filters of ``view`` (no dates): shared by cases, stats and exports."""
    params: dict[str, Any] = {
        "grid": view.grid or None,
        "category": view.category or None,
        "status": list(view.status) or None,
        "unit": view.unit or None,
        "source": list(view.source) or None,
        "light": list(view.light) or None,
        "tier": view.tier or None,
        "q": view.q or None,
    }
    if view.urgent is not None:
        params["urgent"] = "true" if view.urgent else "false"
    return {k: v for k, v in params.items() if v is not None}


def case_params(view: AnalysisView) -> dict[str, Any]:
    """``/api/incidents`` and ``/api/exports`` query: the filters and reported dates."""
    params = filter_params(view)
    if view.start:
        params["reported_from"] = _local_midnight(view.start)
    if view.end:
        params["reported_to"] = _local_midnight(view.end + timedelta(days=1))
    return params


def stats_params(view: AnalysisView) -> dict[str, Any]:
    """``/api/stats/*`` query: the filters and the window (``to`` is the day after the end)."""
    params = filter_params(view)
    if view.start:
        params["from"] = view.start.isoformat()
    if view.end:
        params["to"] = (view.end + timedelta(days=1)).isoformat()
    return params


def view_to_store(view: AnalysisView) -> dict[str, Any]:
    """The view as JSON for a ``dcc.Store``."""
    return {"search": encode_view(view)}


def view_from_store(data: Mapping[str, Any] | None) -> AnalysisView:
    """The view a store holds (the default view when empty)."""
    return decode_view((data or {}).get("search", ""))


def export_name(view: AnalysisView, suffix: str) -> str:
    """The file name of an export: 民情事件, the grid, the dates."""
    parts = ["民情事件", view.grid or "全市"]
    if view.start and view.end:
        parts.append(f"{view.start:%Y%m%d}-{view.end:%Y%m%d}")
    return "_".join(parts) + f".{suffix}"
