"""事件上报: a grid worker places the point, picks the category, describes, attaches a photo.

The flow: fill the form (a click on the map or typed coordinates with their CRS; the API
says which grid the point falls in) → 核对 (check): the page asks the case list for open
cases of the same 小类 near the point and shows them beside a summary, with the choice to
report anyway or not → 确认上报 (confirm): intake with an ``Idempotency-Key`` made once per
form, so a double click or a retry files one case, then the photo → the case number, its
grids, its clock and any look-alikes intake itself names.
"""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime
from typing import Any

import dash
from dash import (
    ClientsideFunction,
    Dash,
    Input,
    Output,
    State,
    clientside_callback,
    html,
    no_update,
)
from shapely.geometry import shape

from dashboard import figures, readings
from dashboard import report_readings as rr
from dashboard.client import ApiClient, ApiError, api_client
from dashboard.components.casemap import map_id
from dashboard.components.signin import SignIn
from dashboard.deps import ins, outs, states
from dashboard.geodata import grid_layer
from dashboard.i18n import Lang, lang_of, t
from dashboard.report_form import FormState
from dashboard.report_layout import (
    PAGE,
    confirm_body,
    form_layout,
    legend,
    problem_lines,
    result_body,
    route_hint,
)
from dashboard.settings import dashboard_settings

REPORTING_ROLES = frozenset({"admin", "dispatcher", "lead", "officer", "gridworker"})
"""Roles the API's access policy lets report; others are told why the form is closed."""
MAP = f"{PAGE}-map"
LEVELS = ("large", "medium", "small")


def _id(name: str) -> str:
    return f"{PAGE}-{name}"


def layout(lang: str = "zh", **_query: str) -> html.Div:
    """The page with a fresh submission key (one case per form, however often it is sent)."""
    return form_layout(lang_of(lang), key=uuid.uuid4().hex)


dash.register_page(
    __name__, path="/report", title="事件上报 · 民情地图", name="事件上报", order=4, layout=layout
)


def _names(client: ApiClient) -> dict[str, str]:
    """Grid code → name, every level."""
    return {
        code: label[0]
        for level in LEVELS
        for code, label in grid_layer(client, level).labels.items()
    }


def _my_area(client: ApiClient, codes: list[str]) -> tuple[dict[str, Any], list[str], Any]:
    """The user's own grids: their features, the small grids inside them, their bounds."""
    features = [
        feature
        for level in LEVELS
        for feature in grid_layer(client, level).geojson.get("features", [])
        if feature["properties"]["code"] in codes
    ]
    bounds = rr.area_bounds([shape(f["geometry"]).bounds for f in features])
    small = [c for c in grid_layer(client, "small").labels if codes and c.startswith(tuple(codes))]
    return {"type": "FeatureCollection", "features": features}, small, bounds


def _look_alikes(client: ApiClient, category: str, lon: float, lat: float) -> list[rr.Nearby]:
    """Open cases of ``category`` near the point, reported in the window, that I may see."""
    box = rr.search_bbox(lon, lat, rr.DUPLICATE_RADIUS_M)
    answer = client.get(
        "/api/incidents",
        bbox=",".join(f"{v:.6f}" for v in box),
        category=category,
        status=list(readings.OPEN_STATUSES),
        reported_from=rr.window_start(datetime.now(UTC)),
        limit=50,
    )
    return rr.nearby_cases(answer.get("items", []), lon, lat)


def _named_by_intake(client: ApiClient, case: dict[str, Any]) -> list[rr.Nearby]:
    """The look-alikes intake named, each read in full (status, category, description)."""
    items = []
    for brief in case.get("possible_duplicates") or []:
        try:
            items.append(client.get(f"/api/incidents/{brief['id']}"))
        except ApiError:
            items.append(brief)  # still shown, with what intake said of it
    return rr.nearby_cases(items, case["lon"], case["lat"], radius_m=math.inf)


FORM_STATES = [
    *(State(_id(name), prop) for name, prop in FormState.FIELDS),
    State("shell-session", "data"),
    State(_id("lang"), "data"),
]
"""The form's fields, then the session and the language: what check and confirm read."""


def _read_form(values: tuple[Any, ...]) -> tuple[FormState, dict[str, Any] | None, Lang]:
    """The form, the session and the language from :data:`FORM_STATES`' values."""
    return FormState.of(values[:-2]), values[-2], values[-1]


def _refusal(error: rr.FormProblem | ApiError, lang: Lang) -> Any:
    """What the form or the API refused, as the message lines under the form."""
    if isinstance(error, ApiError):
        return problem_lines(rr.api_problems(error.status, error.body, error.detail), lang)
    return problem_lines([error], lang)


def register_callbacks(app: Dash) -> None:
    """Sign-in, the map, the point, the category tree, the photo, check and confirm."""

    @app.callback(
        *outs(_id, "signin.children", "body.hidden"),
        Input("shell-session", "data"),
        State(_id("lang"), "data"),
    )
    def authorise(session: dict[str, Any] | None, lang: Lang) -> tuple[Any, bool]:
        if not session:
            return SignIn(_id("signin-form"), lang, hint=t("report_signin_hint", lang)), True
        if session.get("role") not in REPORTING_ROLES:
            return html.P(t("report_err_forbidden", lang), className="report-refused"), True
        return None, False

    @app.callback(
        Output(map_id(MAP), "figure"),
        Output(map_id(MAP, "legend"), "children"),
        *outs(_id, "categories.data", "group.options", "area.children"),
        Input(_id("body"), "hidden"),
        State("shell-session", "data"),
        State(_id("lang"), "data"),
    )
    def load(hidden: bool, session: dict[str, Any] | None, lang: Lang) -> tuple[Any, ...]:
        if hidden or not session:
            return (no_update,) * 5
        client = api_client(session["token"])
        codes = list(session.get("grid_codes") or [])
        mine_geojson, mine, bounds = _my_area(client, codes)
        large, small = grid_layer(client, "large"), grid_layer(client, "small")
        settings = dashboard_settings()
        figure = figures.report_map(
            grids_geojson=f"{settings.api_url}/api/grids?level=small&geometry=overview",
            small_grids=[(code, label[0]) for code, label in small.labels.items()],
            mine=mine,
            mine_geojson=mine_geojson,
            outline_geojson=large.geojson,
            names=[
                (rr.map_label(name), lon, lat)
                for name, lon, lat in [*large.labels.values(), *(small.labels[c] for c in mine)]
            ],
            view=figures.view_of(bounds or large.bbox, width_px=1100, height_px=800),
            basemap_url=settings.basemap_url,
        )
        tree = rr.category_tree(client.get("/api/categories"))
        units = client.get("/api/units")
        store = rr.category_store(tree, {u["code"]: u["short_name"] or u["name"] for u in units})
        names = _names(client)
        area = " · ".join(names.get(code, code) for code in codes) or t("report_whole_city", lang)
        who = f"{session.get('username', '')} · {t('report_my_area', lang)}：{area}"
        options = [{"label": group.name, "value": group.code} for group in tree]
        return figure, legend(lang), store, options, who

    clientside_callback(
        ClientsideFunction("report", "drawMarks"),
        Output(map_id(MAP), "figure", allow_duplicate=True),
        *ins(_id, "point.data", "marks.data"),
        State(map_id(MAP), "figure"),
        prevent_initial_call=True,
    )
    clientside_callback(
        ClientsideFunction("report", "bindClicks"),
        Output(_id("bound"), "data"),
        Input(map_id(MAP), "figure"),
        State(_id("bound"), "data"),
    )

    clientside_callback(
        ClientsideFunction("report", "fillPoint"),
        *outs(_id, "lon.value", "lat.value", "crs.value"),
        Input(_id("click"), "data"),
        prevent_initial_call=True,
    )

    @app.callback(
        *outs(_id, "point.data", "located.children", "located.className"),
        *ins(_id, "lon.value", "lat.value", "crs.value"),
        State(_id("lang"), "data"),
        prevent_initial_call=True,
    )
    def locate(lon_text: Any, lat_text: Any, crs: str, lang: Lang) -> tuple[Any, ...]:
        if lon_text in (None, "") and lat_text in (None, ""):
            return None, t("report_point_hint", lang), "report-located"
        try:
            lon = rr.parse_coordinate(lon_text, "lon")
            lat = rr.parse_coordinate(lat_text, "lat")
            client = api_client()
            found = client.get("/api/grids/locate", lon=lon, lat=lat, crs=crs)
        except rr.FormProblem as problem:
            return None, problem_lines([problem], lang), "report-located bad"
        except ApiError as error:
            key = "report_err_outside" if error.status == 404 else "=" + error.detail
            problem = rr.FormProblem("point", key)
            lines = problem_lines([problem], lang)
            return None, lines, "report-located bad"
        path = rr.grid_path(found["grid"], _names(client))
        point = {"lon": lon, "lat": lat, "crs": crs, "wgs84": [found["lon"], found["lat"]],
                 "grid": found["grid"], "path": path}  # fmt: skip
        text = f"{t('report_in_grid', lang)}：{path}"
        return point, text, "report-located good"

    @app.callback(
        *outs(_id, "category.options", "category.value"),
        Input(_id("group"), "value"),
        State(_id("categories"), "data"),
        prevent_initial_call=True,
    )
    def pick_group(group: str | None, store: dict[str, Any] | None) -> tuple[Any, Any]:
        leaves = (store or {}).get("groups", {}).get(group or "", [])
        return [{"label": leaf["name"], "value": leaf["code"]} for leaf in leaves], None

    @app.callback(
        *outs(_id, "route.children", "urgent.value"),
        Input(_id("category"), "value"),
        *states(_id, "group.value", "categories.data", "lang.data"),
    )
    def pick_category(code: str | None, group: str | None, store: Any, lang: Lang) -> tuple:
        leaves = (store or {}).get("groups", {}).get(group or "", [])
        leaf = next((leaf for leaf in leaves if leaf["code"] == code), None)
        if leaf is None:
            return t("report_category_hint", lang), []
        units = (store or {}).get("units", {})
        unit = units.get(leaf["unit"], leaf["unit"]) if leaf["unit"] else t("report_local", lang)
        return route_hint(leaf, unit, lang), ["urgent"] if leaf["urgent"] else []

    @app.callback(
        Output(_id("photo-preview"), "children"),
        Input(_id("photo"), "contents"),
        *states(_id, "photo.filename", "lang.data"),
    )
    def photo(contents: str | None, filename: str | None, lang: Lang) -> Any:
        try:
            attached = rr.decode_photo(contents, filename)
        except rr.FormProblem as problem:
            return problem_lines([problem], lang)
        if attached is None:
            return t("report_photo_hint", lang)
        return html.Figure(
            [
                html.Img(src=contents, className="report-thumb"),
                html.Figcaption(f"{attached.filename} · {len(attached.data) / 1024:.0f} KB"),
            ],
            className="report-photo-card",
        )

    @app.callback(
        *outs(
            _id,
            "stage.data",
            "confirm-body.children",
            "confirm.children",
            "drop.hidden",
            "messages.children",
            "marks.data",
        ),
        Input(_id("check"), "n_clicks"),
        *FORM_STATES,
        prevent_initial_call=True,
    )
    def check(clicks: int | None, *values: Any) -> tuple[Any, ...]:
        form, session, lang = _read_form(values)
        if not clicks or not session:
            return (no_update,) * 6
        try:
            body, attached = form.body(), form.photo()
            lon, lat = (form.point or {})["wgs84"]
            found = _look_alikes(api_client(session["token"]), body["category"], lon, lat)
        except (rr.FormProblem, ApiError) as error:
            return (*(no_update,) * 4, _refusal(error, lang), no_update)
        label = t("report_confirm_anyway" if found else "report_confirm", lang)
        card = confirm_body(form, body, attached, found, lang)
        return "confirm", card, label, not found, None, rr.check_marks(found)

    @app.callback(
        Output(_id("stage"), "data", allow_duplicate=True),
        Output(_id("result-body"), "children"),
        Output(_id("messages"), "children", allow_duplicate=True),
        Output(_id("key"), "data"),
        Input(_id("confirm"), "n_clicks"),
        State(_id("key"), "data"),
        *FORM_STATES,
        prevent_initial_call=True,
        running=[(Output(_id("confirm"), "disabled"), True, False)],
    )
    def confirm(clicks: int | None, key: str, *values: Any) -> tuple[Any, ...]:
        form, session, lang = _read_form(values)
        if not clicks or not session:
            return (no_update,) * 4
        client = api_client(session["token"])
        try:
            body, attached = form.body(), form.photo()
            answer = client.request(
                "POST", "/api/incidents", json=body, headers={"Idempotency-Key": key}
            )
        except (rr.FormProblem, ApiError) as error:
            return "edit", None, _refusal(error, lang), no_update
        case = answer.json()
        photo_problems = None
        if answer.status_code == 201 and attached is not None:
            try:
                client.request(
                    "POST",
                    f"/api/incidents/{case['id']}/photos",
                    files={"file": (attached.filename, attached.data, attached.content_type)},
                )
            except ApiError as error:
                photo_problems = rr.api_problems(error.status, error.body, error.detail)
        photos = len(client.get(f"/api/incidents/{case['id']}/photos"))
        card = result_body(case, form, photos, photo_problems, _named_by_intake(client, case), lang)
        return "done", card, None, uuid.uuid4().hex

    @app.callback(
        *outs(_id, "stage.data", "marks.data", allow_duplicate=True),
        Input(_id("back"), "n_clicks"),
        prevent_initial_call=True,
    )
    def back(clicks: int | None) -> tuple[Any, Any]:
        return ("edit", None) if clicks else (no_update, no_update)

    @app.callback(
        *outs(_id, "form.hidden", "confirm-card.hidden", "result-card.hidden"),
        Input(_id("stage"), "data"),
    )
    def show_stage(stage: str | None) -> tuple[bool, bool, bool]:
        return stage in ("confirm", "done"), stage != "confirm", stage != "done"

    @app.callback(
        *[Output(_id(name), prop, allow_duplicate=True) for name, prop, _ in FormState.CLEARED],
        *outs(_id, "stage.data", "messages.children", "marks.data", allow_duplicate=True),
        *ins(_id, "again.n_clicks", "drop.n_clicks"),
        State(_id("lang"), "data"),
        prevent_initial_call=True,
    )
    def start_again(again: int | None, drop: int | None, lang: Lang) -> tuple[Any, ...]:
        if not (again or drop):
            return (no_update,) * (len(FormState.CLEARED) + 3)
        dropped = dash.ctx.triggered_id == _id("drop")
        note = html.P(t("report_dropped", lang), className="report-note") if dropped else None
        cleared = [value for _, _, value in FormState.CLEARED]
        return (*cleared, "edit", note, None)

    clientside_callback(
        "function (text) { return `${(text || '').trim().length} / 2000`; }",
        Output(_id("count"), "children"),
        Input(_id("description"), "value"),
    )
