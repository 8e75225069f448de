"""分析研判: filter, drill down large → medium → small grid, compare units and areas, export.

The whole view lives in the URL: the layout decodes the query, each change writes it back
(``pushState`` when the grid changes, so the back button climbs the breadcrumb); dates not
chosen mean the last 30 days.  Five callbacks fill the panels, each behind a loading state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from typing import Any

import dash
from dash import ALL, Dash, Input, Output, State, clientside_callback, ctx, dcc, html, no_update

from dashboard import analysis_panels as panels
from dashboard.analysis_state import (
    MEASURES,
    AnalysisView,
    case_params,
    decode_view,
    export_name,
    view_from_store,
    view_to_store,
)
from dashboard.analysis_tables import area_columns, case_columns, data_grid, unit_columns
from dashboard.client import ApiClient, api_client
from dashboard.components.casemap import CaseMap, map_id
from dashboard.components.filterbar import FIELDS, FilterBar, filter_id, view_of_filters
from dashboard.components.kpi import KpiTile, kpi_id, tone_of
from dashboard.components.signin import SignIn
from dashboard.deps import outs
from dashboard.i18n import Lang, lang_of, t
from dashboard.readings import CHINA

PAGE = "analysis"
COUNTS = ("count", "open", "overdue")
RATES = ("resolution_rate", "closed_on_time_rate", "satisfaction_rate", "repeat_rate")
KPIS = COUNTS + RATES
"""The tiles: counts, then rates (their tones from :func:`tone_of`)."""
EXPORTS = (
    ("csv", "/api/exports/incidents.csv", "csv"),
    ("geojson", "/api/exports/incidents.geojson", "geojson"),
)


def _id(name: str) -> str:
    return f"{PAGE}-{name}"


FILTERS = _id("filters")


def _panel(title: Any, body: Any, name: str, *, tools: Any = None) -> html.Section:
    head = html.Div([html.H2(title, className="panel-title"), tools], className="panel-head")
    loading = dcc.Loading(body, type="dot", color="#35c4ff", parent_className="panel-body")
    return html.Section([head, loading], className=f"analysis-panel panel-{name}")


def _graph(name: str, height: int) -> dcc.Graph:
    return dcc.Graph(
        id=_id(name), config={"displayModeBar": False}, style={"height": f"{height}px"}
    )


def layout(**query: str) -> html.Div:
    """The view the URL names: head, filters, KPIs, map and charts, scorecards, tables."""
    view = decode_view(query)
    lang = lang_of(view.lang)
    categories, units = panels.reference()
    measure = dcc.Dropdown(
        id=_id("measure"),
        options=[{"label": t(f"m_{m}", lang), "value": m} for m in MEASURES],
        value=view.measure,
        clearable=False,
        className="measure-pick",
    )
    exports = [
        html.Button(t(f"export_{name}", lang), id=_id(f"export-{name}"), className="action")
        for name, _, _ in EXPORTS
    ]
    share = html.Span(
        [dcc.Clipboard(id=_id("share"), className="share-copy"), t("share_link", lang)],
        className="action share",
        title=t("share_hint", lang),
    )
    return html.Div(
        [
            dcc.Store(id=_id("view"), data=view_to_store(view)),
            dcc.Store(id=_id("auth")),
            dcc.Store(id=_id("url-sync")),
            dcc.Download(id=_id("download")),
            html.Div(
                [
                    html.H1(t("page_analysis", lang), id=_id("title")),
                    html.Nav(
                        html.Span(t("whole_city", lang), className="crumb-here"),
                        id=_id("breadcrumb"),
                        className="breadcrumb",
                    ),
                    html.Div([*exports, share], className="analysis-actions"),
                ],
                className="analysis-head",
            ),
            FilterBar(FILTERS, view.with_dates(_today()), categories=categories, units=units),
            html.Div(id=_id("signin"), className="analysis-signin"),
            html.Div(
                [
                    html.Div(
                        [KpiTile(_id(key), t(key, lang), tone=tone_of(key)) for key in KPIS],
                        className="analysis-kpis",
                    ),
                    html.Div(
                        [
                            html.Section(
                                [
                                    html.Div(
                                        [
                                            html.H2(id=_id("map-title"), className="panel-title"),
                                            measure,
                                        ],
                                        className="panel-head",
                                    ),
                                    CaseMap(_id("map"), height="660px"),
                                    html.Div(id=_id("map-note"), className="map-note"),
                                ],
                                className="analysis-panel panel-map",
                            ),
                            html.Div(
                                [
                                    _panel(t("trend_window", lang), _graph("trend", 190), "trend"),
                                    _panel(
                                        t("source_mix", lang), _graph("sources", 190), "sources"
                                    ),
                                    _panel(t("tiers", lang), _graph("tiers", 190), "tiers"),
                                ],
                                className="analysis-column",
                            ),
                        ],
                        className="analysis-row row-map",
                    ),
                    html.Div(
                        [
                            _panel(t("heat_table", lang), _graph("heat", 420), "heat"),
                            _panel(
                                t("area_scorecard", lang),
                                data_grid(_id("areas"), area_columns(lang), height="420px"),
                                "areas",
                            ),
                        ],
                        className="analysis-row row-two",
                    ),
                    html.Div(
                        [
                            _panel(
                                t("unit_scorecard", lang),
                                data_grid(_id("units"), unit_columns(lang), height="420px"),
                                "units",
                            ),
                            _panel(t("unit_rates", lang), _graph("unit-rates", 420), "unit-rates"),
                            _panel(t("stage_hours", lang), _graph("stages", 420), "stages"),
                        ],
                        className="analysis-row row-three",
                    ),
                    html.Div(
                        [
                            _panel(
                                t("repeat_complaints", lang),
                                html.Div(
                                    [_graph("repeats", 300), html.Div(id=_id("hot-spots"))],
                                    className="repeat-body",
                                ),
                                "repeats",
                            ),
                            _panel(
                                t("long_running", lang),
                                data_grid(
                                    _id("long"),
                                    case_columns(lang, brief=True),
                                    height="300px",
                                    row_id="key",
                                ),
                                "long",
                            ),
                        ],
                        className="analysis-row row-two",
                    ),
                    _panel(
                        t("case_table", lang),
                        data_grid(_id("cases"), case_columns(lang), height="460px", row_id="key"),
                        "cases",
                        tools=html.Span(id=_id("cases-note"), className="panel-note"),
                    ),
                ],
                id=_id("body"),
                className="analysis-body",
                hidden=True,
            ),
        ],
        className="page page-analysis",
        id=_id("root"),
    )


dash.register_page(
    __name__, path="/analysis", title="分析研判 · 民情地图", name="分析研判", order=3, layout=layout
)


def _today() -> date:
    return datetime.now(CHINA).date()


def _dated(data: dict[str, Any] | None) -> AnalysisView:
    """The stored view with its dates (unchosen: the last 30 days up to today)."""
    return view_from_store(data).with_dates(_today())


def _drilled(view: AnalysisView, trigger: Any) -> AnalysisView | None:
    """The view after a click on the map, a breadcrumb step or a scorecard row, if any."""
    if trigger == map_id(_id("map")):
        points = (ctx.triggered[0]["value"] or {}).get("points") or [{}]
        code = points[0].get("location")
        return replace(view, grid=code) if code and code != view.grid else None
    if trigger == _id("areas"):
        code = (ctx.triggered[0]["value"] or {}).get("rowId")
        return replace(view, grid=code) if code and code != view.grid else None
    if isinstance(trigger, dict) and trigger.get("type") == "analysis-crumb":
        if not ctx.triggered[0]["value"]:
            return None
        code = trigger["code"]
        return replace(view, grid="" if code == "city" else code)
    return None


PanelFill = Callable[[ApiClient, AnalysisView, Lang], list[Any]]
"""Reads the API for one group of panels: their values in the order of their outputs."""


def _map_and_crumbs(client: ApiClient, view: AnalysisView, lang: Lang) -> list[Any]:
    place = panels.place_of(client, view)
    return [*panels.map_panel(client, view, place, lang), panels.crumbs(place, lang)]


def _areas(client: ApiClient, view: AnalysisView, lang: Lang) -> list[Any]:
    return panels.area_panels(client, view, panels.place_of(client, view), lang)


def _cases(client: ApiClient, view: AnalysisView, lang: Lang) -> list[Any]:
    place = panels.place_of(client, view)
    return panels.case_panels(client, view, place, lang, datetime.now(CHINA))


def _panel_fills() -> list[tuple[list[Output], PanelFill]]:
    """The five panel groups: the outputs each fills, and how it reads them."""
    kpis = [Output(kpi_id(_id(k), part), "children") for k in KPIS for part in ("value", "note")]
    drill = outs(_id, "map-title.children", "map-note.children", "areas.rowData")
    return [
        (
            [Output(map_id(_id("map")), "figure"), *drill, *outs(_id, "breadcrumb.children")],
            _map_and_crumbs,
        ),
        (
            [*kpis, *outs(_id, "trend.figure", "sources.figure", "tiers.figure")],
            panels.overview_panels,
        ),
        (outs(_id, "heat.figure", "repeats.figure", "hot-spots.children"), _areas),
        (outs(_id, "units.rowData", "unit-rates.figure", "stages.figure"), panels.unit_panels),
        (outs(_id, "long.rowData", "cases.rowData", "cases-note.children"), _cases),
    ]


def _fill_on_view(app: Dash, outputs: list[Output], fill: PanelFill) -> None:
    """Fill ``outputs`` whenever the view or the sign-in changes (nothing while signed out)."""

    @app.callback(*outputs, Input(_id("view"), "data"), Input(_id("auth"), "data"))
    def refill(data: dict[str, Any], auth: dict[str, Any] | None) -> list[Any]:
        if not auth:
            return [no_update] * len(outputs)
        view = _dated(data)
        return fill(api_client(auth["token"]), view, lang_of(view.lang))


def register_callbacks(app: Dash) -> None:
    """The view's state, the URL, the five panel groups and the exports."""

    @app.callback(
        Output(_id("auth"), "data"),
        Output(_id("signin"), "children"),
        Output(_id("body"), "hidden"),
        Input("shell-session", "data"),
        State(_id("view"), "data"),
    )
    def authorise(session: dict[str, Any] | None, data: dict[str, Any]) -> tuple[Any, Any, bool]:
        if session and session.get("token"):
            return {"token": session["token"]}, None, False
        lang = lang_of(view_from_store(data).lang)
        return None, SignIn(_id("signin-form"), lang, hint=t("analysis_signin", lang)), True

    @app.callback(
        Output(_id("view"), "data"),
        Input(filter_id(FILTERS, "dates"), "start_date"),
        Input(filter_id(FILTERS, "dates"), "end_date"),
        *(Input(filter_id(FILTERS, name), "value") for name in FIELDS),
        Input(_id("measure"), "value"),
        Input(map_id(_id("map")), "clickData"),
        Input({"type": "analysis-crumb", "code": ALL}, "n_clicks"),
        Input(_id("areas"), "cellClicked"),
        State(_id("view"), "data"),
        prevent_initial_call=True,
    )
    def choose(start: str | None, end: str | None, *rest: Any) -> Any:
        values, measure, data = rest[: len(FIELDS)], rest[len(FIELDS)], rest[-1]
        view = view_from_store(data)
        trigger = ctx.triggered_id
        if (
            trigger in (map_id(_id("map")), _id("areas"))
            or isinstance(trigger, dict)
            and (trigger.get("type") == "analysis-crumb")
        ):
            drilled = _drilled(view, trigger)
            return no_update if drilled is None else view_to_store(drilled)
        if trigger != filter_id(FILTERS, "dates"):  # unchosen dates stay "the last 30 days"
            start, end = (d.isoformat() if d else None for d in (view.start, view.end))
        chosen = view_of_filters(view, start, end, values)
        chosen = replace(chosen, measure=measure if measure in MEASURES else "count")
        return no_update if chosen == view else view_to_store(chosen)

    clientside_callback(
        """function (data) {
            const search = data && data.search ? '?' + data.search : '';
            if (window.location.search === search) { return window.dash_clientside.no_update; }
            const grid = (s) => new URLSearchParams(s).get('grid') || '';
            const url = window.location.pathname + search;
            if (grid(window.location.search) !== grid(search)) {
                window.history.pushState(null, '', url);
            } else {
                window.history.replaceState(null, '', url);
            }
            return search;
        }""",
        Output(_id("url-sync"), "data"),
        Input(_id("view"), "data"),
    )
    clientside_callback(
        "function (_n) { return window.location.href; }",
        Output(_id("share"), "content"),
        Input(_id("share"), "n_clicks"),
        prevent_initial_call=True,
    )

    for outputs, fill in _panel_fills():
        _fill_on_view(app, outputs, fill)

    @app.callback(
        Output(_id("download"), "data"),
        *(Input(_id(f"export-{name}"), "n_clicks") for name, _, _ in EXPORTS),
        State(_id("view"), "data"),
        State(_id("auth"), "data"),
        prevent_initial_call=True,
    )
    def export(*args: Any) -> Any:
        data, auth = args[-2], args[-1]
        trigger = ctx.triggered_id
        if not auth or not trigger or not any(args[: len(EXPORTS)]):
            return no_update
        name = str(trigger).removeprefix(_id("export-"))
        path, suffix = next((p, s) for n, p, s in EXPORTS if n == name)
        view = _dated(data)
        response = api_client(auth["token"]).request("GET", path, params=case_params(view))
        return dcc.send_bytes(response.content, export_name(view, suffix))
