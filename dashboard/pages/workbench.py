"""部门工作台 page (being built)."""

from __future__ import annotations

import dash
from dash import Dash, html

from dashboard.i18n import lang_of, t


def layout(lang: str = "zh", **_query: str) -> html.Div:
    """The page frame with its title."""
    return html.Div(
        [html.H1(t("page_workbench", lang_of(lang)), id="workbench-title")],
        className="page page-workbench",
    )


dash.register_page(
    __name__,
    path="/workbench",
    title="部门工作台 · 民情地图",
    name="部门工作台",
    order=2,
    layout=layout,
)


def register_callbacks(app: Dash) -> None:
    """No callbacks yet."""
