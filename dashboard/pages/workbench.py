"""部门工作台 page (content arrives with the screens issue)."""

from __future__ import annotations

from dash import html


def layout(**_query: str) -> html.Div:
    """The page frame with its title."""
    return html.Div(
        [
            html.H1("部门工作台", id="workbench-title"),
            html.P("本部门事件地图与列表将在此显示。", className="page-note"),
        ],
        className="page page-workbench",
    )
