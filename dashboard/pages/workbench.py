"""部门工作台: a unit's (or a dispatch centre's) cases, clocks and actions on one page.

A unit's officer or lead sees the counts strip of the unit (待签收 with its clock, in
hand, yellow, overdue, extensions pending, rework, returned; 按期处置率 and 满意率 beside
the city median), the unit's open cases on a map and in a table sorted by deadline, its
whistles and 督办 cards; clicking a case opens the case drawer
(:mod:`dashboard.components.casedrawer`) with the actions the API allows now.  A dispatcher
gets the same page over the centre's queue (to accept, dispatch, verify, call back, review).

The city median is read as the wall screen's account (aggregates only, no personal data)
when one is configured, since a unit's own view counts only its own cases.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

import dash
import dash_ag_grid as dag
from dash import (
    ALL,
    Dash,
    Input,
    Output,
    State,
    clientside_callback,
    ctx,
    dcc,
    html,
    no_update,
)

from dashboard import readings
from dashboard import workbench_readings as wr
from dashboard.client import ApiError, api_client
from dashboard.components.casedrawer import CaseDrawer, drawer_id
from dashboard.components.casemap import CaseMap, legend_items, map_id
from dashboard.components.signin import SignIn
from dashboard.deps import ins, outs
from dashboard.i18n import Lang, codes, lang_of, t, term
from dashboard.workbench_panels import (
    case_map,
    inbox_lines,
    rate_tiles,
    strip_tiles,
    table_rows,
)

PAGE = "workbench"
DRAWER = f"{PAGE}-drawer"
CASES_MAX = 2000
"""Open cases read per refresh (a unit holds tens, a county centre a few hundred)."""
GRID_THEME = (
    "themeQuartz.withPart(agGrid.colorSchemeDarkBlue).withParams({"
    "backgroundColor: '#10294a', foregroundColor: '#dbe7f5', headerBackgroundColor: '#14335a', "
    "headerTextColor: '#8fd3ff', oddRowBackgroundColor: '#0f2645', borderColor: '#1f4f80', "
    "accentColor: '#56B4E9', rowHoverColor: 'rgba(86,180,233,0.13)', "
    "selectedRowBackgroundColor: 'rgba(86,180,233,0.24)', fontSize: 14, "
    "fontFamily: 'Noto Sans CJK SC, Microsoft YaHei, sans-serif', wrapperBorderRadius: 4})"
)
"""The table's look: AG Grid's dark blue scheme in the shell's colours (no stylesheet download)."""


def _id(name: str) -> str:
    return f"{PAGE}-{name}"


def layout(lang: str = "zh", **_query: str) -> html.Div:
    """Title, sign-in, strip, map and inbox beside the table, and the drawer."""
    language = lang_of(lang)

    def panel(key: str, body: Any, name: str, *extra: Any) -> html.Section:
        head = html.Div([html.H2(t(key, language), className="wb-panel-title"), *extra])
        return html.Section([head, body], className=f"wb-panel wb-{name}")

    search = dcc.Input(
        id=_id("search"),
        type="search",
        placeholder=t("wb_search", language),
        className="wb-search",
        debounce=False,
    )
    return html.Div(
        [
            dcc.Store(id=_id("lang"), data=language),
            dcc.Store(id=_id("scope")),
            dcc.Store(id=_id("clock-due")),
            dcc.Interval(id=_id("refresh"), interval=60_000),
            dcc.Interval(id=_id("tick"), interval=1_000),
            html.Div(
                [
                    html.H1(t("page_workbench", language), id="workbench-title"),
                    html.Span(id=_id("who"), className="wb-who"),
                    html.Span(id=_id("updated"), className="wb-updated"),
                    html.Button(t("wb_refresh", language), id=_id("reload"), className="btn-plain"),
                ],
                className="wb-titlebar",
            ),
            html.Div(id=_id("signin"), className="wb-signin"),
            html.Div(
                [
                    html.Div(id=_id("strip"), className="wb-strip"),
                    html.Div(
                        [
                            html.Div(
                                [
                                    panel("wb_map", CaseMap(_id("map"), responsive=True), "map"),
                                    panel(
                                        "wb_inbox",
                                        html.Div(id=_id("inbox"), className="wb-inbox-list"),
                                        "inbox",
                                    ),
                                ],
                                className="wb-left",
                            ),
                            panel("wb_table", _grid(language), "table", search),
                        ],
                        className="wb-main",
                    ),
                ],
                id=_id("work"),
                hidden=True,
            ),
            CaseDrawer(DRAWER, language),
        ],
        className="page page-workbench",
    )


def _grid(lang: Lang) -> dag.AgGrid:
    def col(field: str, **more: Any) -> dict[str, Any]:
        return {"field": field, "headerName": t(f"wb_col_{field}", lang), **more}

    light_rules = {
        f"light-{name}": f"params.data.light == '{name}'" for name in (*codes("light"), "none")
    }
    return dag.AgGrid(
        id=_id("grid"),
        rowData=[],
        columnDefs=[
            col(
                "light_label",
                headerName=t("wb_col_light", lang),
                width=84,
                cellClassRules=light_rules,
            ),
            col("clock", width=116, cellClassRules={"clock-late": "params.data.left < 0"}),
            col("due", width=108),
            col("case_no", width=176),
            col("category", flex=1, minWidth=110),
            col("status", width=84),
            col("part", width=76),
            col("place", flex=1, minWidth=120),
            col("flags", width=96),
            col("reported", width=118),
        ],
        defaultColDef={"sortable": True, "resizable": True, "filter": False},
        getRowId="params.data.key",
        dashGridOptions={
            "rowHeight": 38,
            "headerHeight": 38,
            "animateRows": False,
            "rowSelection": {
                "mode": "singleRow",
                "checkboxes": False,
                "enableClickSelection": True,
            },
            "localeText": {"noRowsToShow": t("no_data", lang)},
            "theme": {"function": GRID_THEME},
        },
        className="wb-grid",
        style={"height": "100%", "width": "100%"},
    )


dash.register_page(
    __name__,
    path="/workbench",
    title="部门工作台 · 民情地图",
    name="部门工作台",
    order=2,
    layout=layout,
)


# ---------------------------------------------------------------- callbacks


def register_callbacks(app: Dash) -> None:
    """Sign-in, the refresh of strip, map, inbox and table, and opening cases."""

    @app.callback(
        *outs(_id, "signin.children", "work.hidden", "who.children", "scope.data"),
        Output("workbench-title", "children"),
        Input("shell-session", "data"),
        State(_id("lang"), "data"),
    )
    def authorise(session: dict[str, Any] | None, lang: Lang) -> tuple[Any, ...]:
        if not session:
            form = SignIn(_id("signin-form"), lang, hint=t("wb_signin_hint", lang))
            return form, True, "", None, t("page_workbench", lang)
        mode = wr.mode_of(session.get("role"))
        if mode == "none":
            note = html.P(t("wb_no_workbench", lang), className="wb-note")
            return note, True, session.get("username", ""), None, t("page_workbench", lang)
        unit = session.get("unit")
        name = unit or ""
        if unit:
            try:
                units = api_client(session["token"]).get("/api/units")
                name = next(
                    (f"{u['name']}（{u['code']}）" for u in units if u["code"] == unit), unit
                )
            except ApiError:
                pass
        who = " · ".join(
            part
            for part in (name, session.get("username"), term("role", session.get("role", ""), lang))
            if part
        )
        scope = {
            "mode": mode,
            "unit": unit,
            "username": session.get("username"),
            "role": session.get("role"),
        }
        title = t("wb_title_unit" if mode == "unit" else "wb_title_centre", lang)
        return None, False, who, scope, title

    @app.callback(
        *outs(_id, "strip.children", "grid.rowData"),
        Output(map_id(_id("map")), "figure"),
        Output(map_id(_id("map"), "legend"), "children"),
        *outs(_id, "inbox.children", "clock-due.data", "updated.children"),
        *ins(_id, "scope.data", "refresh.n_intervals", "reload.n_clicks"),
        Input(drawer_id(DRAWER, "done"), "data"),
        State("shell-session", "data"),
        State(_id("lang"), "data"),
    )
    def refresh(
        scope: dict[str, Any] | None,
        _tick: Any,
        _reload: Any,
        _done: Any,
        session: dict[str, Any] | None,
        lang: Lang,
    ) -> tuple[Any, ...]:
        if not scope or not session:
            return (no_update,) * 7
        client = api_client(session["token"])
        mode = scope["mode"]
        found = client.get("/api/incidents", status=list(readings.OPEN_STATUSES), limit=CASES_MAX)[
            "items"
        ]
        cases = [case for case in found if wr.in_queue(case, mode)]
        strip = wr.strip_counts(cases, mode, scope.get("unit"))
        own = client.get("/api/stats/units") if mode == "unit" else None
        tiles = strip_tiles(strip, scope, own, lang) + rate_tiles(scope, client, own, lang)
        lights = [(code, term("light", code, lang)) for code in codes("light")]
        legend = legend_items("light", [*lights, ("none", t("wb_light_none", lang))])
        updated = f"{t('wb_updated', lang)} {datetime.now(readings.CHINA):%H:%M:%S}"
        return (
            tiles,
            table_rows(cases, scope, lang),
            case_map(client, cases, lang, whole=ctx.triggered_id in (None, _id("scope"))),
            legend,
            inbox_lines(client, scope, cases, lang),
            strip.soonest_due,
            updated,
        )

    @app.callback(
        Output(drawer_id(DRAWER, "case"), "data", allow_duplicate=True),
        Input(_id("grid"), "cellClicked"),
        Input(map_id(_id("map")), "clickData"),
        Input({"type": _id("inbox-item"), "case": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )
    def open_case(
        cell: dict[str, Any] | None, click: dict[str, Any] | None, _inbox: list[int]
    ) -> Any:
        trigger = ctx.triggered_id
        case_id: Any = None
        if trigger == _id("grid") and cell:
            case_id = cell.get("rowId")
        elif trigger == map_id(_id("map")) and click:
            case_id = (click.get("points") or [{}])[0].get("customdata")
        elif isinstance(trigger, dict) and "case" in trigger and ctx.triggered[0].get("value"):
            case_id = trigger["case"]
        if not isinstance(case_id, int | float | str) or not str(case_id).isdigit():
            return no_update  # a click on a grid area, not on a case
        return {"id": int(case_id), "at": time.time()}

    clientside_callback(
        """function (text, options) {
            return Object.assign({}, options, {quickFilterText: text || ''});
        }""",
        Output(_id("grid"), "dashGridOptions", allow_duplicate=True),
        Input(_id("search"), "value"),
        State(_id("grid"), "dashGridOptions"),
        prevent_initial_call=True,
    )
    clientside_callback(
        """function (_n, due, lang) {
            if (!due) { return '—'; }
            const left = (new Date(due) - new Date()) / 60000;
            const m = Math.floor(Math.abs(left));
            const d = Math.floor(m / 1440), h = Math.floor((m % 1440) / 60), mm = m % 60;
            const [D, H, M] = lang === 'en' ? ['d ', 'h ', 'm'] : ['天', '时', '分'];
            const pad = String(mm).padStart(2, '0');
            const span = d ? `${d}${D}${h}${H}` : (h ? `${h}${H}${pad}${M}` : `${mm}${M}`);
            const words = lang === 'en'
                ? ['first due in ', 'first late by '] : ['最早 剩 ', '最早 超 '];
            return words[left >= 0 ? 0 : 1] + span;
        }""",
        Output(_id("clock"), "children"),
        *ins(_id, "tick.n_intervals", "clock-due.data"),
        State(_id("lang"), "data"),
    )
