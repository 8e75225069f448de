"""指挥大屏: the wall of the command centre — map, counters, loop, rankings, live ticker.

1920×1080, dark, no interaction.  The page reads as the wall screen's account
(``MINQING_SCREEN_USER``) or as whoever signed in; it never shows personal data.  Panels
load once and refresh every minute; a transition reaches the ticker, the counters and the
map's points through the live feed: one ``EventSource`` on ``/api/stream`` for the page's
life (``assets/live_feed.js``) wakes one callback, which reads the events after the last one
it saw and patches the figure.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import dash
from dash import Dash, Input, Output, State, clientside_callback, dcc, html, no_update

from dashboard import figures, readings
from dashboard.client import ApiError, api_client, screen_token
from dashboard.components.casemap import CaseMap, legend_items, map_id
from dashboard.components.kpi import KpiTile, kpi_id, tone_of
from dashboard.components.signin import SignIn
from dashboard.components.wall import alerts_list, ranking_table, ticker
from dashboard.deps import ins, outs, states
from dashboard.i18n import Lang, codes, lang_of, t, term
from dashboard.live import counter_values, patch_points, patch_tiles
from dashboard.screen_map import browser_base, wall_map

PAGE = "screen"
COUNTS = ("reported_today", "closed_today", "open", "overdue", "red_cards")
RATES = ("resolution_rate", "on_time_rate", "satisfaction_rate")
COUNTERS = COUNTS + RATES
"""The counters: counts, then rates (their tones from :func:`tone_of`)."""
TICKER_LINES = 14
TILE_REFRESH_MS = 3_000
"""How often, at most, the case tiles are re-requested after transitions."""


def _id(name: str) -> str:
    return f"{PAGE}-{name}"


def _panel(title_key: str, body: Any, lang: Lang, name: str) -> html.Section:
    return html.Section(
        [html.H2(t(title_key, lang), className="panel-title"), body],
        className=f"screen-panel panel-{name}",
    )


def _graph(name: str) -> dcc.Graph:
    return dcc.Graph(
        id=_id(name), config={"displayModeBar": False, "staticPlot": True}, className="panel-graph"
    )


def layout(lang: str = "zh", colour: str = "status", **_query: str) -> html.Div:
    """The wall: header, counters, three columns over a bottom strip."""
    language = lang_of(lang)
    loading = html.Div(t("loading", language), className="panel-loading")
    return html.Div(
        [
            html.Div(
                [
                    dcc.Store(id=_id("lang"), data=language),
                    dcc.Store(id=_id("colour"), data="light" if colour == "light" else "status"),
                    dcc.Store(id=_id("auth")),
                    dcc.Store(id=_id("state")),
                    dcc.Store(id=_id("ticker-lines")),
                    dcc.Interval(id=_id("refresh"), interval=60_000),
                    dcc.Interval(id=_id("tick"), interval=1_000),
                    dcc.Store(id=_id("feed-url")),
                    dcc.Store(id=_id("feed")),
                    dcc.Store(id=_id("tile-version")),
                    dcc.Interval(id=_id("tile-clock"), interval=TILE_REFRESH_MS, disabled=True),
                ],
                hidden=True,
            ),
            html.Header(
                [
                    html.H1(
                        "汕尾市民情地图 · 联勤指挥中心"
                        if language == "zh"
                        else "Minqing · Command centre",
                        id=_id("title"),
                    ),
                    html.Div(
                        [html.I(className="live-dot"), html.Span(t("ticker", language))],
                        id=_id("live"),
                        className="screen-live",
                    ),
                    html.Div(id=_id("clock"), className="screen-clock"),
                ],
                className="screen-header",
            ),
            html.Div(
                [KpiTile(_id(key), t(key, language), tone=tone_of(key)) for key in COUNTERS],
                className="screen-counters",
            ),
            html.Div(
                [
                    html.Div(
                        [
                            _panel("funnel", _graph("funnel"), language, "funnel"),
                            _panel("tiers", _graph("tiers"), language, "tiers"),
                        ],
                        className="screen-column",
                    ),
                    html.Section(
                        [
                            CaseMap(_id("map")),
                            html.Div(id=_id("signin"), className="screen-signin"),
                        ],
                        className="screen-map",
                    ),
                    html.Div(
                        [
                            _panel(
                                "red_black", html.Div(loading, id=_id("ranking")), language, "rank"
                            ),
                            _panel(
                                "township_rank", html.Div(id=_id("townships")), language, "towns"
                            ),
                        ],
                        className="screen-column",
                    ),
                ],
                className="screen-body",
            ),
            html.Div(
                [
                    _panel(
                        "ticker", html.Ul(id=_id("ticker"), className="ticker"), language, "ticker"
                    ),
                    _panel("trend", _graph("trend"), language, "trend"),
                    _panel("top_categories", _graph("categories"), language, "categories"),
                    _panel("alerts", html.Div(loading, id=_id("alerts")), language, "alerts"),
                ],
                className="screen-bottom",
            ),
        ],
        className="screen",
        id=_id("root"),
    )


dash.register_page(
    __name__, path="/screen", title="指挥大屏 · 民情地图", name="指挥大屏", order=1, layout=layout
)


def _counter_outputs() -> list[Output]:
    return [
        Output(kpi_id(_id(key), part), "children", allow_duplicate=True)
        for key in COUNTERS
        for part in ("value", "note")
    ]


def register_callbacks(app: Dash) -> None:
    """Sign-in, the panels, the map and the live feed."""

    @app.callback(
        *outs(_id, "auth.data", "signin.children"),
        Input("shell-session", "data"),
        State(_id("lang"), "data"),
    )
    def authorise(session: dict[str, Any] | None, lang: Lang) -> tuple[Any, Any]:
        try:
            token = screen_token()
        except ApiError:
            token = None
        if token is None and session:
            token = session.get("token")
        if token is None:
            hint = "大屏账号未配置，请登录 / no wall account is set: sign in"
            return None, SignIn(_id("signin-form"), lang, hint=hint)
        return {"token": token}, None

    @app.callback(
        *_counter_outputs(),
        *outs(
            _id,
            "funnel.figure",
            "tiers.figure",
            "ranking.children",
            "townships.children",
            "trend.figure",
            "categories.figure",
            "alerts.children",
        ),
        *ins(_id, "auth.data", "refresh.n_intervals"),
        State(_id("lang"), "data"),
        prevent_initial_call="initial_duplicate",
    )
    def fill_panels(auth: dict[str, Any] | None, _tick: int | None, lang: Lang) -> list[Any]:
        if not auth:
            return [no_update] * (len(COUNTERS) * 2 + 7)
        client = api_client(auth["token"])
        units = client.get("/api/stats/units")
        top, bottom = readings.red_and_black(readings.ranked_units(units, "department"), most=3)
        towns = readings.township_ranking(
            client.get("/api/stats/areas", level="large", metric="resolution_rate"), most=6
        )
        days, series = readings.trend_series(
            client.get("/api/stats/trend"), (t("reported", lang), t("closed", lang))
        )
        return [
            *counter_values(client.get("/api/stats/summary")),
            figures.funnel_chart(readings.funnel_stages(client.get("/api/stats/funnel"))),
            figures.share_donut(readings.tier_shares(client.get("/api/stats/tiers"))),
            html.Div(
                [
                    html.H3("红榜", className="rank-head red"),
                    ranking_table(top, "red", by_score=True),
                    html.H3("黑榜", className="rank-head black"),
                    ranking_table(bottom, "black", by_score=True),
                ]
            ),
            ranking_table(towns, "towns"),
            figures.trend_chart(days, series),
            figures.bar_chart(readings.top_categories(client.get("/api/stats/categories"))),
            alerts_list(client.get("/api/stats/alerts"), lang),
        ]

    @app.callback(
        Output(map_id(_id("map")), "figure"),
        Output(map_id(_id("map"), "legend"), "children"),
        *outs(_id, "state.data", "feed-url.data", "tile-version.data", "tile-clock.disabled"),
        Input(_id("auth"), "data"),
        *states(_id, "colour.data", "lang.data"),
    )
    def draw_map(auth: dict[str, Any] | None, colour_by: str, lang: Lang) -> tuple[Any, ...]:
        if not auth:
            return (no_update,) * 6
        client = api_client(auth["token"])
        latest = int(client.get("/api/events")["last_event_id"])
        drawn = wall_map(client, token=auth["token"], colour_by=colour_by, lang=lang, latest=latest)
        state = {"ids": drawn.ids, "last": latest, "tiles": drawn.tiles}
        url = f"{browser_base()}/api/stream?access_token={quote(auth['token'])}&after={latest}"
        kind = "light" if colour_by == "light" else "open_status"
        legend = legend_items(colour_by, [(c, term(kind, c, lang)) for c in codes(kind)])
        legend += [html.Span(note, className="legend-item legend-tiles") for note in drawn.notes]
        return drawn.figure, legend, state, url, latest, not drawn.tiles

    @app.callback(
        *outs(_id, "ticker.children", "ticker-lines.data"),
        Input(_id("auth"), "data"),
    )
    def start_ticker(auth: dict[str, Any] | None) -> tuple[Any, Any]:
        """The newest transitions in words, before the map (the heavier read) is drawn."""
        if not auth:
            return no_update, no_update
        client = api_client(auth["token"])
        latest = int(client.get("/api/events")["last_event_id"])
        recent = client.get("/api/events", after=max(0, latest - 100), limit=100)["items"]
        lines = [list(readings.ticker_line(m)) for m in reversed(recent)][:TICKER_LINES]
        return ticker(lines), {"lines": lines}

    @app.callback(
        Output(map_id(_id("map")), "figure", allow_duplicate=True),
        *outs(_id, "state.data", "ticker.children", "ticker-lines.data", allow_duplicate=True),
        Input(_id("feed"), "data"),
        *states(_id, "state.data", "ticker-lines.data", "auth.data", "colour.data"),
        prevent_initial_call=True,
    )
    def follow_feed(
        _woken: dict[str, Any] | None,
        state: dict[str, Any] | None,
        recent: dict[str, Any] | None,
        auth: dict[str, Any] | None,
        colour_by: str,
    ) -> list[Any]:
        """Patch the map's points (not its case tiles) and the ticker with the new transitions."""
        unchanged = [no_update] * 4
        if not state or not auth:
            return unchanged
        page = api_client(auth["token"]).get("/api/events", after=state["last"], limit=500)
        if not page["items"]:
            return unchanged
        if state.get("tiles"):  # the tile clock re-requests the case tiles
            figure: Any = no_update
        else:
            figure, state = patch_points(state, page["items"], colour_by)
        state = {**state, "last": page["last_event_id"]}
        fresh = [list(readings.ticker_line(m)) for m in reversed(page["items"])]
        lines = (fresh + (recent or {}).get("lines", []))[:TICKER_LINES]
        return [figure, state, ticker(lines), {"lines": lines}]

    @app.callback(
        *_counter_outputs(),
        Input(_id("ticker-lines"), "data"),
        State(_id("auth"), "data"),
        prevent_initial_call=True,
    )
    def recount(_lines: dict[str, Any] | None, auth: dict[str, Any] | None) -> list[Any]:
        """The counters again once the ticker moved (apart, so the map is not kept waiting)."""
        if not auth:
            return [no_update] * (len(COUNTERS) * 2)
        return counter_values(api_client(auth["token"]).get("/api/stats/summary"))

    clientside_callback(
        """function (_n, state, shown) {
            const last = state && state.last;
            return last && last !== shown ? last : window.dash_clientside.no_update;
        }""",
        Output(_id("tile-version"), "data", allow_duplicate=True),
        Input(_id("tile-clock"), "n_intervals"),
        *states(_id, "state.data", "tile-version.data"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output(map_id(_id("map")), "figure", allow_duplicate=True),
        Input(_id("tile-version"), "data"),
        State(_id("state"), "data"),
        prevent_initial_call=True,
    )
    def refresh_tiles(version: int | None, state: dict[str, Any] | None) -> Any:
        """The case tiles again, with the newest event id in their URLs (tiled cases only)."""
        if not version or not state or not state.get("tiles"):
            return no_update
        return patch_tiles(state["tiles"], version)

    clientside_callback(
        """function (_n) {
            return new Date().toLocaleString('zh-CN', {timeZone: 'Asia/Shanghai', hour12: false});
        }""",
        Output(_id("clock"), "children"),
        Input(_id("tick"), "n_intervals"),
    )
    clientside_callback(
        f"""function (url) {{
            return window.dash_clientside.live_feed.follow(url, "{_id("feed")}", "{_id("live")}");
        }}""",
        Output(_id("feed"), "data"),
        Input(_id("feed-url"), "data"),
    )
