"""What each group of the analyst view's panels reads from the API and shows.

One function per callback of :mod:`dashboard.pages.analysis`: each takes the client and
the view, asks the API, and returns the panels' contents (figures, rows, components).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dash import html

from dashboard import analysis_figures as charts
from dashboard import analysis_readings as read
from dashboard import figures, map_tiles, readings, theme
from dashboard.analysis_state import SOURCES, STATUSES, AnalysisView, case_params, stats_params
from dashboard.client import ApiClient, ApiError, api_client
from dashboard.components.kpi import rate_text
from dashboard.geodata import TileIndex, grid_layer, layer_of, region_bbox, tiles_of
from dashboard.i18n import Lang, t, term
from dashboard.screen_map import tiles_note
from dashboard.settings import dashboard_settings

CASE_TABLE_ROWS = 500
LONG_RUNNING_ROWS = 15
MAP_SIZE = (1240, 660)
OPEN = tuple(s for s in STATUSES if s in readings.OPEN_STATUSES)


def reference() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The category tree and the units, for the filter bar (public API answers)."""
    try:
        client = api_client()
        return client.get("/api/categories"), client.get("/api/units")
    except ApiError:
        return [], []


@dataclass(frozen=True)
class Place:
    """Where the view stands: the grid tree, the selected chain, the level the map shows.

    ``shown`` holds the map level's grids inside the selection, read on their own when
    that level is drawn from tiles (None: read from the whole cached layer).
    """

    tree: dict[str, read.GridNode]
    chain: list[read.GridNode]
    level: str
    tiles: TileIndex
    shown: dict[str, Any] | None = None


def place_of(client: ApiClient, view: AnalysisView) -> Place:
    """The grid tree (cached layers) and the selected grid's chain and map level.

    A level drawn from tiles is never read whole: the selected grid, its ancestors and
    the children the map shows are read by code and parent instead.
    """
    index = tiles_of(client)
    layers = {lv: grid_layer(client, lv).geojson for lv in read.LEVELS if lv not in index.tiled}
    tree = read.grid_tree(layers)
    code = view.grid if index.tiled else ""
    while code and code not in tree:  # a grid of a tiled level: read it, then its parents
        try:
            feature = client.get(f"/api/grids/{code}", geometry="overview")
        except ApiError:  # no such grid: the view shows the city, as for untiled levels
            break
        tree.update(read.grid_tree({feature["properties"]["level"]: _collection([feature])}))
        code = feature["properties"].get("parent_code") or ""
    level = read.map_level(tree, view.grid)
    shown = None
    if level in index.tiled and view.grid:
        shown = _tiled_children(client, tree, view.grid, level)
        tree.update(read.grid_tree({level: shown}))
    return Place(tree, read.lineage(tree, view.grid), level, index, shown)


def _collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}


def _tiled_children(
    client: ApiClient, tree: dict[str, read.GridNode], grid: str, level: str
) -> dict[str, Any]:
    """The grids of a tiled ``level`` the map shows for ``grid``: its children, or itself."""
    if tree[grid].level == level:
        return _collection([client.get(f"/api/grids/{grid}", geometry="overview")])
    children = client.get("/api/grids", level=level, parent=grid, geometry="overview")
    return _collection(children.get("features", []))


def _own_outline(client: ApiClient, place: Place, grid: str) -> dict[str, Any]:
    """The selected grid's own shape, to outline it over its children."""
    level = place.tree[grid].level
    if level in place.tiles.tiled:
        return _collection([client.get(f"/api/grids/{grid}", geometry="overview")])
    own = read.shown_features(grid_layer(client, level).geojson, grid, level)
    return _collection([f for f in own["features"] if f["properties"]["code"] == grid])


def _tile_layers(place: Place) -> list[dict[str, Any]]:
    """A tiled map level's grids from tiles: dim under the colours, outlined over them."""
    if place.level not in place.tiles.tiled:
        return []
    url = place.tiles.grid_url(place.level)
    return [
        map_tiles.grid_fill(url, place.level, colour=theme.PANEL_BG),
        map_tiles.grid_lines(url, place.level, colour=theme.TEXT_DIM, width=0.8),
    ]


def crumbs(place: Place, lang: Lang) -> list[Any]:
    """The breadcrumb: 全市 › large › medium › small, every step but the last a button."""
    steps: list[tuple[str, str]] = [("city", t("whole_city", lang))]
    steps += [(node.code, node.name) for node in place.chain]
    items: list[Any] = []
    for n, (code, name) in enumerate(steps):
        if n:
            items.append(html.Span("›", className="crumb-sep"))
        if n == len(steps) - 1:
            items.append(html.Span(name, className="crumb-here", id="analysis-crumb-here"))
        else:
            items.append(
                html.Button(
                    name, id={"type": "analysis-crumb", "code": code}, className="crumb-link"
                )
            )
    return items


def map_panel(client: ApiClient, view: AnalysisView, place: Place, lang: Lang) -> list[Any]:
    """The choropleth, its title, its note and the area scorecard's rows.

    A map level drawn from tiles keeps its colours for the grids inside the selection
    (read on their own) and shows the level's other grids from its tiles.
    """
    answer = client.get(
        "/api/stats/areas", level=place.level, metric=view.measure, **stats_params(view)
    )
    tiled = place.level in place.tiles.tiled
    layer = figures.EMPTY_COLLECTION if tiled else grid_layer(client, place.level).geojson
    shown = place.shown or read.shown_features(layer, view.grid, place.level)
    areas = read.area_readings(answer)
    outline = None
    if place.chain and place.chain[-1].level != place.level:
        outline = _own_outline(client, place, view.grid)
    if shown["features"]:
        bbox = layer_of(shown).bbox
    else:
        bbox = region_bbox(client) if tiled else layer_of(layer).bbox
    names = [place.tree[a.code] for a in areas if a.code in place.tree]
    figure = charts.drill_map(
        features=shown,
        areas=areas,
        names=names if len(names) <= 60 else [],
        outline=outline,
        measure=t(f"m_{view.measure}", lang),
        few_label=t("few_cases", lang),
        view=figures.view_of(bbox, width_px=MAP_SIZE[0], height_px=MAP_SIZE[1]),
        basemap_url=dashboard_settings().basemap_url,
        layers=_tile_layers(place),
    )
    title = f"{t('grid_' + place.level, lang)} · {t('m_' + view.measure, lang)}"
    note = t("few_note", lang).format(n=answer.get("min_cases", 0))
    if tiled:
        count = place.tiles.features[place.level]
        note = f"{note} · {tiles_note(place.level, count, place.tiles.above, lang)}"
    return [figure, title, note, read.area_rows(answer)]


def overview_panels(client: ApiClient, view: AnalysisView, lang: Lang) -> list[Any]:
    """The KPI tiles' values and notes, the trend, the source mix and the tier shares."""
    params = stats_params(view)
    summary = client.get("/api/stats/summary", **params)
    repeats = client.get("/api/stats/crosstab", rows="tier", count=["cases", "repeated"], **params)
    repeated, cases = read.overall_repeat(repeats)
    rates = summary.get("rates", {})
    tiles = [
        (f"{summary.get('cases', 0):,}", t("in_window", lang)),
        (f"{summary['now']['open']:,}", t("now", lang)),
        (f"{summary['now']['overdue']:,}", t("now", lang)),
        rate_text(rates.get("resolution_rate")),
        rate_text(rates.get("closed_on_time_rate")),
        rate_text(rates.get("satisfaction_rate")),
        rate_text(
            {
                "numerator": repeated,
                "denominator": cases,
                "percent": round(100 * repeated / cases, 2) if cases else None,
            }
        ),
    ]
    days, series = readings.trend_series(
        client.get("/api/stats/trend", **params), (t("reported", lang), t("closed", lang))
    )
    english = lang == "en"
    source_names = {s: term("source", s, lang) for s in SOURCES} if english else None
    sources = read.share_items(
        client.get("/api/stats/crosstab", rows="source", **params), source_names
    )
    tier_answer = client.get("/api/stats/tiers", **params)
    tiers = readings.tier_shares(tier_answer)
    if english:
        codes = [item["tier"] for item in tier_answer.get("items", [])]
        tiers = [(term("tier", code, lang), n) for code, (_, n) in zip(codes, tiers, strict=True)]
    return [
        *(part for tile in tiles for part in tile),
        figures.trend_chart(days, series, dark=True),
        charts.share_bars(sources) if sources else charts.empty_figure(t("no_data", lang)),
        figures.share_donut(tiers, dark=True)
        if any(n for _, n in tiers)
        else charts.empty_figure(t("no_data", lang)),
    ]


def area_panels(client: ApiClient, view: AnalysisView, place: Place, lang: Lang) -> list[Any]:
    """Category × area heat table, repeat rates per area and the hot spots."""
    params = stats_params(view)
    by = "category" if len(view.category) == 2 else "category_group"
    heat = client.get("/api/stats/crosstab", rows=place.level, cols=by, **params)
    rows, cols, matrix = read.heat_matrix(heat)
    repeats = client.get(
        "/api/stats/crosstab", rows=place.level, count=["cases", "repeated"], **params
    )
    alerts = client.get("/api/stats/alerts", **params)
    empty = charts.empty_figure(t("no_data", lang))
    repeat_items = read.repeat_rates(repeats)
    return [
        charts.heat_table(rows, cols, matrix) if matrix else empty,
        charts.rate_bars(repeat_items) if repeat_items else empty,
        hot_spot_list(alerts, place, lang),
    ]


def hot_spot_list(alerts: dict[str, Any], place: Place, lang: Lang) -> html.Div:
    """Hot spots (the same 小类 again and again in one small grid), named by their grids."""
    rule = alerts.get("hot_spot_rule") or {}
    lines = []
    for spot in alerts.get("hot_spots", [])[:8]:
        chain = read.lineage(place.tree, spot["small_code"])
        where = " · ".join(node.name for node in chain) or spot["small_code"]
        lines.append(
            html.Li(
                [
                    html.B(f"×{spot['times']}", className="hot-times"),
                    html.Span(spot["category_name"], className="hot-category"),
                    html.Span(where, className="hot-where"),
                ]
            )
        )
    return html.Div(
        [
            html.H3(t("hot_spots", lang), className="hot-head"),
            html.Ul(lines or [html.Li(t("no_hot_spots", lang))], className="hot-list"),
            html.P(
                t("hot_rule", lang).format(
                    days=rule.get("days", "?"), times=rule.get("min_times", "?")
                ),
                className="hot-rule",
            ),
        ]
    )


def unit_panels(client: ApiClient, view: AnalysisView, lang: Lang) -> list[Any]:
    """The unit scorecard's rows, the rates per unit and the stage durations."""
    params = stats_params(view)
    units = client.get("/api/stats/units", **params)
    rows = read.unit_rows(units)
    stages, hours = read.stage_hours(client.get("/api/stats/durations", **params))
    if lang == "en":
        stages = [(stage, term("timed_span", stage, lang)) for stage, _ in stages]
    labels = {name: t(name, lang) for name in read.UNIT_RATES}
    empty = charts.empty_figure(t("no_data", lang))
    return [
        rows,
        charts.grouped_rate_bars(labels, read.unit_rate_bars(rows)) if rows else empty,
        charts.stage_bars(stages, hours, unit_label=t("hours", lang)) if hours else empty,
    ]


def case_panels(
    client: ApiClient, view: AnalysisView, place: Place, lang: Lang, now: datetime
) -> list[Any]:
    """The long-running cases, the case table's rows and its count line."""
    params = case_params(view)
    unit_names = {u["code"]: u["short_name"] for u in client.get("/api/units")}
    open_now = [s for s in OPEN if not view.status or s in view.status]
    long_running: list[dict[str, Any]] = []
    if open_now:
        found = client.get(
            "/api/incidents",
            format="geojson",
            limit=LONG_RUNNING_ROWS,
            sort="reported_at",
            **{**params, "status": open_now},
        )
        long_running = read.case_rows(found.get("features", []), place.tree, unit_names, now)
    page = client.get("/api/incidents", format="geojson", limit=CASE_TABLE_ROWS, **params)
    rows = read.case_rows(page.get("features", []), place.tree, unit_names, now)
    for row in rows + long_running:
        row["light_label"] = term("light", row["light"], lang) if row["light"] else ""
        if lang == "en":
            row["status"] = term("status", row["status_code"], lang)
    matched = int(page.get("numberMatched", len(rows)))
    note = t("table_note", lang).format(matched=matched, shown=len(rows))
    return [long_running, rows, note]
