"""指挥大屏 page (content arrives with the screens issue)."""

from __future__ import annotations

from dash import html


def layout(**_query: str) -> html.Div:
    """The page frame with its title."""
    return html.Div(
        [
            html.H1("指挥大屏", id="screen-title"),
            html.P("城市网格、实时事件与闭环指标将在此大屏显示。", className="page-note"),
        ],
        className="page page-screen",
    )
