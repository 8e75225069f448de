"""The workbench's panels built from the API: counts strip, rates, inbox, map.

Each function reads what it needs through :mod:`dashboard.client` and returns Dash
components or a figure; :mod:`dashboard.pages.workbench` lays them out and wires the
callbacks, :mod:`dashboard.workbench_readings` does the arithmetic.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final

from dash import Patch, html

from dashboard import figures, readings
from dashboard import workbench_readings as wr
from dashboard.client import ApiClient, ApiError, api_client, screen_token
from dashboard.geodata import grid_layer
from dashboard.i18n import Lang, t, term
from dashboard.settings import dashboard_settings

RATES: Final = {
    "unit": ("handled_on_time_rate", "wb_k_on_time_unit"),
    "centre": ("closed_on_time_rate", "wb_k_on_time_centre"),
}
"""The on-time rate each mode is measured by (and its label); 满意率 follows it."""
INBOX_MAX: Final = 8


def _id(name: str) -> str:
    return f"workbench-{name}"


def wide_units(client: ApiClient, mode: str) -> dict[str, Any] | None:
    """``/api/stats/units`` over the whole city: as the wall account, or a centre's own view."""
    try:
        token = screen_token()
    except ApiError:
        token = None
    if token:
        return dict(api_client(token).get("/api/stats/units"))
    return dict(client.get("/api/stats/units")) if mode == "centre" else None


def rate_tiles(
    scope: dict[str, Any], client: ApiClient, own: dict[str, Any] | None, lang: Lang
) -> list[html.Div]:
    """按期处置率 (a unit) or 按期结案率 (a centre) and 满意率, each beside the city median.

    ``own`` is ``/api/stats/units`` as the unit sees it (None for a centre).
    """
    mode = scope["mode"]
    rate, label = RATES[mode]
    wide = wide_units(client, mode)
    if own is not None:
        mine = {
            rate: wr.unit_rate(own, scope["unit"], rate),
            "satisfaction_rate": wr.unit_rate(own, scope["unit"], "satisfaction_rate"),
        }
        item = wr.unit_item(own, scope["unit"])
        kind = item["kind"] if item else "department"
    else:
        mine = client.get("/api/stats/summary")["rates"]
        kind = "township"
    tiles = []
    for name, key in ((rate, label), ("satisfaction_rate", "wb_k_satisfaction")):
        value = mine.get(name) or {}
        median = wr.median_rate(wide, name, kind) if wide else None
        note, side = wr.beside_median(value.get("percent"), median, lang)
        shown = "—" if value.get("percent") is None else f"{value['percent']:.1f}%"
        n = f"{value.get('numerator', 0)}/{value.get('denominator', 0)}"
        mark = html.Span(t(f"wb_side_{side}", lang), className=f"side-{side}") if side else None
        tiles.append(
            tile(
                key, t(key, lang), shown, [html.Span(n, className="kpi-n"), note, mark], "tone-rate"
            )
        )
    return tiles


def tile(key: str, label: str, value: Any, note: Any, tone: str = "") -> html.Div:
    """A counter tile (the shell's KPI look); its value's id is ``workbench-k-<key>``."""
    return html.Div(
        [
            html.Div(label, className="kpi-label"),
            html.Div(value, className="kpi-value", id=_id(f"k-{key}")),
            html.Div(note, className="kpi-note"),
        ],
        className=f"kpi-tile {tone}".strip(),
    )


TONES = {
    "red": "tone-alarm",
    "yellow": "tone-warn",
    "dispatched": "tone-first",
    "reported": "tone-first",
}


def strip_tiles(
    strip: wr.Strip, scope: dict[str, Any], own: dict[str, Any] | None, lang: Lang
) -> list[Any]:
    """The count tiles; the first carries the clock of the soonest deadline it counts.

    退回 is the unit's returned cases in the statistics window (``own``: its
    ``/api/stats/units``); the other counts are of the open cases now.
    """
    item = wr.unit_item(own, scope.get("unit")) if own is not None else None
    returned = item["counts"]["returned"] if item else 0
    tiles = []
    for key in wr.strip_keys(scope["mode"]):
        value = returned if key == "returned" else strip.counts.get(key, 0)
        note: Any = ""
        if key in ("dispatched", "reported"):
            note = html.Span(id=_id("clock"), className="kpi-clock")
        tiles.append(tile(key, t(f"wb_k_{key}", lang), value, note, TONES.get(key, "")))
    return tiles


def inbox_lines(
    client: ApiClient, scope: dict[str, Any], cases: list[dict[str, Any]], lang: Lang
) -> list[Any]:
    """Whistles awaiting 报到 (the unit's, or all the centre's) and cases with 督办 cards."""
    now = datetime.now(UTC)
    whistles = client.get(
        "/api/whistles",
        unit=scope.get("unit") if scope["mode"] == "unit" else None,
        awaiting="true",
        limit=INBOX_MAX,
    )
    lines = [
        _inbox_line(
            w["incident_id"],
            t("flag_whistle", lang),
            "tag-whistle",
            w["case_no"],
            f"{w['department']} {t('wb_whistle_due', lang)} "
            + wr.clock_text(wr.minutes_left(w["due_at"], now), lang),
        )
        for w in whistles.get("items", [])
    ]
    for case in cases:
        card = (case.get("deadline") or {}).get("supervision")
        if card in ("yellow_card", "red_card"):
            tag = t(f"flag_{card}", lang)
            lines.append(
                _inbox_line(
                    case["id"], tag, f"tag-{card}", case["case_no"], case.get("category_name") or ""
                )
            )
    return lines[:INBOX_MAX] or [html.Div(t("wb_inbox_empty", lang), className="wb-empty")]


def table_rows(cases: list[dict[str, Any]], scope: dict[str, Any], lang: Lang) -> list[Any]:
    """The table's rows, soonest deadline first, with the words of the chosen language.

    The 承办 column says the unit's part (主办 / 协办 / 吹哨报到), or for a centre the
    lead unit.
    """
    rows = wr.case_rows(cases, datetime.now(UTC), scope.get("unit"), lang)
    units = {case["id"]: case.get("unit") or "—" for case in cases}
    for row in rows:
        light = row["light"]
        named = term("light", light, lang)
        row["light_label"] = t("wb_light_none", lang) if light == "none" else named
        unit_mode = scope["mode"] == "unit"
        row["part"] = t(f"wb_part_{row['part']}", lang) if unit_mode else units[row["id"]]
    return rows


def _inbox_line(case_id: int, tag: str, tone: str, case_no: str, text: str) -> html.Button:
    return html.Button(
        [
            html.B(tag, className=f"inbox-tag {tone}"),
            html.Span(case_no, className="inbox-no"),
            text,
        ],
        id={"type": _id("inbox-item"), "case": case_id},
        className="inbox-line",
        n_clicks=0,
    )


def case_map(client: ApiClient, cases: list[dict[str, Any]], lang: Lang, *, whole: bool) -> Any:
    """The map of the cases: the whole figure on the first draw, then a ``Patch``.

    A patch changes only the case points and the areas' values, so the grids are not
    sent again and the view the user zoomed to stays.
    """
    points = wr.case_points(cases)
    areas = readings.area_values(client.get("/api/stats/areas", level="large", metric="open"))
    if not whole:
        patch = Patch()
        measured = [a for a in areas if not a.few and a.value is not None]
        scarce = [a for a in areas if a.few or a.value is None]
        shapes = patch["data"][figures.MAP_TRACES.index("areas")]
        shapes["locations"] = [a.code for a in measured + scarce]
        shapes["z"] = [a.value for a in measured] + [None] * len(scarce)
        shapes["text"] = [a.name for a in measured + scarce]
        trace = figures.cases_trace(points, "light")
        dots = patch["data"][figures.CASES_TRACE]
        for name in ("lon", "lat", "customdata", "text"):
            dots[name] = list(getattr(trace, name))
        dots["marker"]["color"] = list(trace.marker.color)
        return patch
    large = grid_layer(client, "large")
    bbox = wr.points_bbox(points) or large.bbox
    figure = figures.grid_map(
        grids_geojson=f"{dashboard_settings().api_url}/api/grids?level=large&geometry=overview",
        areas=areas,
        outline_geojson=large.geojson,
        outline_names=list(large.labels.values()),
        points=points,
        colour_by="light",
        measure=t("open", lang),
        view=figures.view_of(bbox, width_px=720, height_px=470),
        basemap_url=dashboard_settings().basemap_url,
    )
    # the areas are the background here: the cases' lights are what the desk reads
    return figure.update_traces(marker_opacity=0.45, selector={"name": "areas"})
