"""Landing page: what the system is and where each user goes."""

from __future__ import annotations

import dash
from dash import Dash, dcc, html

from dashboard.i18n import lang_of, t

CARDS = (
    (
        "/screen",
        "page_screen",
        "指挥中心值班员：全市网格、实时事件、闭环状态一屏掌握。",
        "Command centre: the whole city, live cases and the loop on one wall.",
    ),
    (
        "/workbench",
        "page_workbench",
        "部门与镇街承办人：签收、交办、处置、反馈；派遣员受理与派遣。",
        "Units: sign, assign, handle, report back; dispatchers accept and dispatch.",
    ),
    (
        "/analysis",
        "page_analysis",
        "分析人员：按网格层级、类别、部门下钻、对比与导出。",
        "Analysts: drill down by grid, category and unit; compare and export.",
    ),
    (
        "/report",
        "page_report",
        "网格员：地图选点、选择类别、上传照片，上报事件。",
        "Grid workers: place the point, pick the category, attach a photo, report.",
    ),
)


def layout(lang: str = "zh", **_query: str) -> html.Div:
    """Entry cards, one per kind of user."""
    language = lang_of(lang)
    suffix = "?lang=en" if language == "en" else ""
    return html.Div(
        [
            html.H1(
                "民情地图 · 网格化治理平台"
                if language == "zh"
                else "Minqing map · grid governance",
                id="home-title",
            ),
            html.P("件件有落实、事事有回音", className="home-motto"),
            html.Div(
                [
                    dcc.Link(
                        html.Div(
                            [html.H2(t(key, language)), html.P(zh if language == "zh" else en)],
                            className="home-card",
                        ),
                        href=href + suffix,
                        id=f"home-card-{i}",
                    )
                    for i, (href, key, zh, en) in enumerate(CARDS)
                ],
                className="home-cards",
            ),
        ],
        className="home",
    )


dash.register_page(__name__, path="/", title="民情地图", name="首页", order=0, layout=layout)


def register_callbacks(app: Dash) -> None:
    """The landing page has no callbacks."""
