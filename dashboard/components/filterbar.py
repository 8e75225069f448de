"""The case filters as one bar, an All-in-One component with page-prefixed ids.

Dates with quick ranges, the category tree, status, unit, source, urgency, light, tier
and text.  The bar holds no I/O: the page passes the category tree and the units it read
from the API, and reads the chosen values back with :func:`view_of_filters`.  Its own
callbacks set the quick date ranges (周 / 月 / 季) and clear every filter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any, Final

from dash import MATCH, Dash, Input, Output, ctx, dcc, html, no_update

from dashboard.analysis_state import LIGHTS, SOURCES, STATUSES, AnalysisView
from dashboard.i18n import Lang, codes, lang_of, t, term
from dashboard.readings import CHINA

FIELDS: Final = ("category", "status", "unit", "source", "urgent", "light", "tier", "q")
"""The bar's value fields besides the dates, in the order :func:`view_of_filters` reads them."""
PRESETS: Final = ("week", "month", "this_month", "quarter")


def filter_id(aio_id: str, subcomponent: str) -> dict[str, str]:
    """The id of one part of the bar ``aio_id`` (``dates``, ``category``, ``reset``…)."""
    return {"component": "FilterBar", "subcomponent": subcomponent, "aio_id": aio_id}


def category_options(categories: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """The two-level tree as options: each 大类, then its 小类 indented under it."""
    groups = [c for c in categories if not c.get("parent")]
    options = []
    for group in groups:
        options.append({"label": f"{group['name']}（全部）", "value": group["code"]})
        options += [
            {"label": f"　· {c['name']}", "value": c["code"]}
            for c in categories
            if c.get("parent") == group["code"]
        ]
    return options


def unit_options(units: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Departments first, then township centres, by name."""
    ordered = sorted(units, key=lambda u: (u.get("kind") != "department", u["code"]))
    return [{"label": u.get("short_name") or u["name"], "value": u["code"]} for u in ordered]


def preset_range(name: str, today: date) -> tuple[date, date]:
    """A quick date range ending today: last 7 / 30 days, this month, this quarter."""
    if name == "week":
        return today - timedelta(days=6), today
    if name == "this_month":
        return today.replace(day=1), today
    if name == "quarter":
        return today.replace(month=3 * ((today.month - 1) // 3) + 1, day=1), today
    return today - timedelta(days=29), today


def _coded(kind: str, lang: Lang) -> list[dict[str, str]]:
    """The API's vocabulary ``kind`` as dropdown options, named in ``lang``."""
    return [{"label": term(kind, code, lang), "value": code} for code in codes(kind)]


_LABELS: Final = {"urgent": "urgency"}
"""The label key of a field whose key is not the field's own name."""
_TALL: Final = {"category": 380}
"""Dropdowns whose list is taller than Dash's default 200 px (the category tree)."""


def _dropdown(
    component_id: dict[str, str], options: list[dict[str, str]], value: Any, lang: Lang
) -> dcc.Dropdown:
    """One filter dropdown; a list ``value`` makes it multi-choice."""
    many = isinstance(value, list)
    return dcc.Dropdown(
        id=component_id,
        options=options,
        value=value,
        placeholder=t("all", lang),
        multi=many,
        clearable=True,
        maxHeight=_TALL.get(component_id["subcomponent"], 200),
        className="fb-dropdown",
    )


def _labelled(label: str, control: Any, width: str) -> html.Label:
    return html.Label(
        [html.Span(label, className="fb-label"), control],
        className="fb-field",
        style={"flex": width},
    )


class FilterBar(html.Div):
    """The filter controls, filled with ``view``'s values."""

    def __init__(
        self,
        aio_id: str,
        view: AnalysisView,
        *,
        categories: Sequence[Mapping[str, Any]] = (),
        units: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        lang = lang_of(view.lang)
        fid = lambda name: filter_id(aio_id, name)  # noqa: E731
        urgency = [
            {"label": t("urgent_only", lang), "value": "1"},
            {"label": t("not_urgent", lang), "value": "0"},
        ]
        urgent = None if view.urgent is None else ("1" if view.urgent else "0")
        # (field, options, value, flex width); a list value makes a multi-choice dropdown
        dropdowns: list[tuple[str, list[dict[str, str]], Any, str]] = [
            ("category", category_options(categories), view.category or None, "1 1 130px"),
            ("status", _coded("status", lang), list(view.status), "1 1 130px"),
            ("unit", unit_options(units), view.unit or None, "1 1 130px"),
            ("source", _coded("source", lang), list(view.source), "1 1 130px"),
            ("urgent", urgency, urgent, "0 1 100px"),
            ("light", _coded("light", lang), list(view.light), "0 1 110px"),
            ("tier", _coded("tier", lang), view.tier or None, "0 1 100px"),
        ]
        super().__init__(
            [
                _labelled(
                    t("date_range", lang),
                    html.Div(
                        [
                            dcc.DatePickerRange(
                                id=fid("dates"),
                                start_date=view.start.isoformat() if view.start else None,
                                end_date=view.end.isoformat() if view.end else None,
                                display_format="YYYY-MM-DD",
                                first_day_of_week=1,
                                minimum_nights=0,
                                className="fb-dates",
                            ),
                            *(
                                html.Button(
                                    t(f"preset_{p}", lang),
                                    id=fid(f"preset-{p}"),
                                    className="fb-preset",
                                    n_clicks=0,
                                )
                                for p in PRESETS
                            ),
                        ],
                        className="fb-date-row",
                    ),
                    "0 0 auto",
                ),
                *(
                    _labelled(
                        t(_LABELS.get(field, field), lang),
                        _dropdown(fid(field), options, value, lang),
                        width,
                    )
                    for field, options, value, width in dropdowns
                ),
                _labelled(
                    t("search", lang),
                    dcc.Input(
                        id=fid("q"),
                        value=view.q,
                        debounce=True,
                        placeholder=t("search_hint", lang),
                        className="fb-input",
                    ),
                    "1 1 130px",
                ),
                html.Button(t("reset", lang), id=fid("reset"), className="fb-reset", n_clicks=0),
            ],
            className="filter-bar",
            id=aio_id,
        )


def view_of_filters(
    view: AnalysisView, start: str | None, end: str | None, values: Sequence[Any]
) -> AnalysisView:
    """``view`` with the bar's dates and the :data:`FIELDS` values (in that order)."""
    chosen = dict(zip(FIELDS, values, strict=True))
    urgent = {"1": True, "0": False}.get(chosen["urgent"] or "")
    return replace(
        view,
        start=date.fromisoformat(start[:10]) if start else None,
        end=date.fromisoformat(end[:10]) if end else None,
        category=chosen["category"] or "",
        status=tuple(s for s in STATUSES if s in (chosen["status"] or ())),
        unit=chosen["unit"] or "",
        source=tuple(s for s in SOURCES if s in (chosen["source"] or ())),
        urgent=urgent,
        light=tuple(s for s in LIGHTS if s in (chosen["light"] or ())),
        tier=chosen["tier"] or "",
        q=(chosen["q"] or "").strip()[:100],
    )


def register_callbacks(app: Dash) -> None:
    """Quick date ranges and the reset button, for every bar on any page."""

    @app.callback(
        Output(filter_id(MATCH, "dates"), "start_date"),  # type: ignore[arg-type]
        Output(filter_id(MATCH, "dates"), "end_date"),  # type: ignore[arg-type]
        *(Input(filter_id(MATCH, f"preset-{p}"), "n_clicks") for p in PRESETS),  # type: ignore[arg-type]
        prevent_initial_call=True,
    )
    def quick_range(*clicks: int | None) -> tuple[Any, Any]:
        chosen = ctx.triggered_id
        if not chosen or not any(clicks):
            return no_update, no_update
        start, end = preset_range(chosen["subcomponent"].removeprefix("preset-"), _today())
        return start.isoformat(), end.isoformat()

    @app.callback(
        *(Output(filter_id(MATCH, name), "value") for name in FIELDS),  # type: ignore[arg-type]
        Input(filter_id(MATCH, "reset"), "n_clicks"),  # type: ignore[arg-type]
        prevent_initial_call=True,
    )
    def reset(clicks: int | None) -> tuple[Any, ...]:
        if not clicks:
            return (no_update,) * len(FIELDS)
        empty: dict[str, Any] = {"status": [], "source": [], "light": [], "q": ""}
        return tuple(empty.get(name) for name in FIELDS)


def _today() -> date:
    return datetime.now(CHINA).date()
