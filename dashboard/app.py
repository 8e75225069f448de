"""The Dash app shell: header and navigation to the three screens.

The dashboard is a client of the API only: it imports nothing from the service.
"""

from __future__ import annotations

from collections.abc import Container
from functools import wraps
from typing import Any

import dash
import flask
from dash import Dash, dcc, html

from dashboard.pages import analyst, bigscreen, home, workbench

NAV = (
    ("/", "首页", "Home"),
    ("/screen", "指挥大屏", "Big screen"),
    ("/workbench", "部门工作台", "Workbench"),
    ("/analyst", "分析研判", "Analyst"),
)


def create_dash() -> Dash:
    """Build the Dash app; it is mounted at ``/`` by the API's app factory."""
    app = Dash(
        __name__,
        use_pages=True,
        pages_folder="",
        title="民情地图",
        suppress_callback_exceptions=True,
        update_title="",
    )
    _guard_callback_requests(app)
    for module, path, title in (
        (home, "/", "民情地图"),
        (bigscreen, "/screen", "指挥大屏 · 民情地图"),
        (workbench, "/workbench", "部门工作台 · 民情地图"),
        (analyst, "/analyst", "分析研判 · 民情地图"),
    ):
        dash.register_page(module.__name__, path=path, title=title, layout=module.layout)
    app.layout = html.Div(
        [
            dcc.Location(id="shell-url"),
            html.Header(
                [
                    html.Div("民情地图", className="shell-brand"),
                    html.Span("联勤指挥中心 · 网格化基层治理", className="shell-sub"),
                    html.Nav(
                        [
                            dcc.Link(zh, href=path, className="shell-nav-link", id=f"nav-{i}")
                            for i, (path, zh, _en) in enumerate(NAV)
                        ],
                        className="shell-nav",
                    ),
                ],
                className="shell-header",
            ),
            html.Main(dash.page_container, className="shell-main"),
        ],
        className="shell",
    )
    return app


CALLBACK_ENDPOINT = "_dash-update-component"
#: List fields of a callback request and the type of their items.
CALLBACK_LISTS: dict[str, type | tuple[type, ...]] = {
    "inputs": (dict, list),
    "state": (dict, list),
    "outputs": (dict, list),
    "changedPropIds": str,
}


def _guard_callback_requests(app: Dash) -> None:
    """Answer a malformed callback request with a short JSON 400 / 422, not a 500 page."""
    endpoint = app.config.routes_pathname_prefix + CALLBACK_ENDPOINT
    dispatch = app.server.view_functions[endpoint]

    @wraps(dispatch)
    def checked_dispatch(*args: Any, **kwargs: Any) -> Any:
        body = flask.request.get_json(silent=True)
        problem = callback_body_problem(body, known_outputs=app.callback_map)
        if problem:
            field, message, status = problem
            error = {"detail": f"{field}: {message}", "error": "invalid_input", "field": field}
            return flask.jsonify(error), status
        return dispatch(*args, **kwargs)

    app.server.view_functions[endpoint] = checked_dispatch


def callback_body_problem(
    body: object, *, known_outputs: Container[str]
) -> tuple[str, str, int] | None:
    """What is wrong with a callback request body: (field, message, status), or ``None``."""
    if not isinstance(body, dict):
        return "body", "a callback request is a JSON object", 400
    output = body.get("output")
    if not isinstance(output, str) or output not in known_outputs:
        return "output", "names no callback of this dashboard", 422
    for name, item_type in CALLBACK_LISTS.items():
        items = body.get(name, [])
        if not isinstance(items, list) or not all(isinstance(i, item_type) for i in items):
            return name, "is not a list of the expected items", 422
    return None
