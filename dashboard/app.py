"""The Dash app shell: header, navigation from the page registry, language, session.

The dashboard is a client of the API only: it imports nothing from the service.  Each page
module registers itself (``dash.register_page``) and its callbacks
(``register_callbacks(app)``); widgets in :mod:`dashboard.components` do the same, so every
app built here — one per process, or one per test — carries all of them.
"""

from __future__ import annotations

import importlib
from collections.abc import Container
from functools import wraps
from typing import Any

import dash
import flask
from dash import Dash, Input, Output, dcc, html

from dashboard.i18n import lang_of, lang_of_search, t, term

PAGE_MODULES = ("home", "screen", "workbench", "analysis", "report")
"""The pages, in navigation order (each ``dashboard/pages/<name>.py``)."""
COMPONENT_MODULES = ("signin", "kpi", "casemap", "casedrawer", "filterbar")
"""Widgets with callbacks of their own (``dashboard/components/<name>.py``)."""


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
    for name in COMPONENT_MODULES:
        importlib.import_module(f"dashboard.components.{name}").register_callbacks(app)
    for name in PAGE_MODULES:
        importlib.import_module(f"dashboard.pages.{name}").register_callbacks(app)
    app.layout = shell_layout
    app.server.add_url_rule("/_glyphs/<fontstack>/<glyph_range>.pbf", "glyphs", empty_glyphs)
    _register_shell_callbacks(app)
    return app


def empty_glyphs(fontstack: str, glyph_range: str) -> flask.Response:
    """An empty glyph range: map labels need a glyph source, but Chinese is drawn locally.

    MapLibre draws CJK ideographs with the browser's own font; other characters of a label
    would need glyph files, which a closed network does not have, so they are left out.
    """
    return flask.Response(
        b"", mimetype="application/x-protobuf", headers={"Cache-Control": "max-age=86400"}
    )


def shell_layout() -> html.Div:
    """The frame every page sits in: header with navigation, the page, the session store."""
    return html.Div(
        [
            dcc.Location(id="shell-url"),
            dcc.Store(id="shell-session", storage_type="session"),
            html.Header(
                [
                    dcc.Link(t("brand"), href="/", className="shell-brand", id="shell-brand"),
                    html.Span(t("brand_sub"), className="shell-sub", id="shell-sub"),
                    html.Nav(nav_links("zh", "/"), className="shell-nav", id="shell-nav"),
                    html.Span(id="shell-user", className="shell-user"),
                    html.Button(t("sign_out"), id="shell-signout", className="shell-signout"),
                    dcc.Link(
                        t("other_lang"), href="?lang=en", id="shell-lang", className="shell-lang"
                    ),
                ],
                className="shell-header",
                id="shell-header",
            ),
            html.Main(dash.page_container, className="shell-main"),
        ],
        className="shell",
    )


def nav_links(lang: str, current: str) -> list[dcc.Link]:
    """One link per registered page, in order, labelled in ``lang``."""
    suffix = "?lang=en" if lang == "en" else ""
    pages = sorted(dash.page_registry.values(), key=lambda page: page.get("order") or 0)
    return [
        dcc.Link(
            t(f"page_{page['module'].rsplit('.', 1)[-1]}", lang_of(lang)),
            href=page["relative_path"] + suffix,
            className="shell-nav-link" + (" active" if page["path"] == current else ""),
            id=f"nav-{page['module'].rsplit('.', 1)[-1]}",
        )
        for page in pages
    ]


def _register_shell_callbacks(app: Dash) -> None:
    @app.callback(
        Output("shell-nav", "children"),
        Output("shell-lang", "children"),
        Output("shell-lang", "href"),
        Output("shell-sub", "children"),
        Output("shell-header", "className"),
        Input("shell-url", "pathname"),
        Input("shell-url", "search"),
    )
    def relabel(pathname: str | None, search: str | None) -> tuple[Any, ...]:
        lang = lang_of_search(search)
        path = pathname or "/"
        other = "zh" if lang == "en" else "en"
        header = "shell-header" + (" shell-header-hidden" if path == "/screen" else "")
        return (
            nav_links(lang, path),
            t("other_lang", lang),
            f"{path}?lang={other}",
            t("brand_sub", lang),
            header,
        )

    @app.callback(
        Output("shell-user", "children"),
        Output("shell-signout", "hidden"),
        Input("shell-session", "data"),
        Input("shell-url", "search"),
    )
    def show_user(session: dict[str, Any] | None, search: str | None) -> tuple[str, bool]:
        if not session:
            return "", True
        lang = lang_of_search(search)
        role = term("role", session.get("role", ""), lang)
        return f"{session.get('username', '')} · {role}", False


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
        if name == "outputs" and isinstance(items, dict):
            items = [items]  # a callback with one output sends it alone, not in a list
        if not isinstance(items, list) or not all(isinstance(i, item_type) for i in items):
            return name, "is not a list of the expected items", 422
    return None
