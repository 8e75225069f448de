"""事件上报 page (being built)."""

from __future__ import annotations

import dash
from dash import Dash, html

from dashboard.i18n import lang_of, t


def layout(lang: str = "zh", **_query: str) -> html.Div:
    """The page frame with its title."""
    return html.Div(
        [html.H1(t("page_report", lang_of(lang)), id="report-title")], className="page page-report"
    )


dash.register_page(
    __name__, path="/report", title="事件上报 · 民情地图", name="事件上报", order=4, layout=layout
)


def register_callbacks(app: Dash) -> None:
    """No callbacks yet."""
