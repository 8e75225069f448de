"""Landing page: what the system is and where each user goes."""

from __future__ import annotations

from dash import dcc, html

CARDS = (
    ("/screen", "指挥大屏", "指挥中心值班员：全市网格、实时事件、闭环状态一屏掌握。"),
    ("/workbench", "部门工作台", "职能部门承办人：签收、处置、反馈本部门事件。"),
    ("/analyst", "分析研判", "分析人员：按网格层级、类别、部门筛选、对比与导出。"),
)


def layout(**_query: str) -> html.Div:
    """Three entry cards, one per kind of user."""
    return html.Div(
        [
            html.H1("民情地图 · 网格化治理平台", id="home-title"),
            html.P("件件有落实、事事有回音", className="home-motto"),
            html.Div(
                [
                    dcc.Link(
                        html.Div([html.H2(title), html.P(text)], className="home-card"),
                        href=href,
                        id=f"home-card-{i}",
                    )
                    for i, (href, title, text) in enumerate(CARDS)
                ],
                className="home-cards",
            ),
        ],
        className="home",
    )
