"""分析研判 page (being built)."""

from __future__ import annotations

import dash
from dash import Dash, html

from dashboard.i18n import lang_of, t


def layout(lang: str = "zh", **_query: str) -> html.Div:
    """The page frame with its title."""
    return html.Div(
        [html.H1(t("page_analysis", lang_of(lang)), id="analysis-title")],
        className="page page-analysis",
    )


dash.register_page(
    __name__, path="/analysis", title="分析研判 · 民情地图", name="分析研判", order=3, layout=layout
)


def register_callbacks(app: Dash) -> None:
    """No callbacks yet."""
