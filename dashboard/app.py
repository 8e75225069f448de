"""The Dash app shell: header, navigation to the three screens, language toggle."""

from __future__ import annotations

import dash
from dash import Dash, dcc, html

from api.settings import Settings
from dashboard.pages import analyst, bigscreen, home, workbench

NAV = (
    ("/", "首页", "Home"),
    ("/screen", "指挥大屏", "Big screen"),
    ("/workbench", "部门工作台", "Workbench"),
    ("/analyst", "分析研判", "Analyst"),
)


def api_base_url(settings: Settings) -> str:
    """Where the dashboard reaches the API (same process unless configured)."""
    return settings.api_url or f"http://{settings.host}:{settings.port}"


def create_dash(settings: Settings) -> Dash:
    """Build the Dash app; it is mounted at ``/`` by the API's app factory."""
    app = Dash(
        __name__,
        use_pages=True,
        pages_folder="",
        title="民情地图",
        suppress_callback_exceptions=True,
        update_title="",
    )
    app.server.config["MINQING_API_URL"] = api_base_url(settings)
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
