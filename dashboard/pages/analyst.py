"""分析研判 page (content arrives with the screens issue)."""

from __future__ import annotations

from dash import html


def layout(**_query: str) -> html.Div:
    """The page frame with its title."""
    return html.Div(
        [
            html.H1("分析研判", id="analyst-title"),
            html.P("网格下钻、筛选、专题图与导出将在此显示。", className="page-note"),
        ],
        className="page page-analyst",
    )
