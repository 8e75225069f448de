"""The interface's words in Chinese (first) and English: one table, one lookup.

The language travels in the page URL (``?lang=en``) so a shared link opens in the same
language; Chinese is the default.
"""

from __future__ import annotations

from typing import Final, Literal

Lang = Literal["zh", "en"]
LANGS: Final[tuple[Lang, ...]] = ("zh", "en")

TEXT: Final[dict[str, tuple[str, str]]] = {
    # shell
    "brand": ("民情地图", "Minqing map"),
    "brand_sub": ("联勤指挥中心 · 网格化基层治理", "Joint command centre · grid governance"),
    "other_lang": ("English", "中文"),
    "loading": ("加载中…", "Loading…"),
    "no_data": ("暂无数据", "No data yet"),
    "api_down": ("接口暂不可用", "The API is not answering"),
    "sign_in": ("登录", "Sign in"),
    "sign_out": ("退出", "Sign out"),
    "username": ("用户名", "Username"),
    "password": ("密码", "Password"),
    "signed_in_as": ("当前用户", "Signed in as"),
    # pages
    "page_home": ("首页", "Home"),
    "page_screen": ("指挥大屏", "Big screen"),
    "page_workbench": ("部门工作台", "Workbench"),
    "page_analysis": ("分析研判", "Analysis"),
    "page_report": ("事件上报", "Report"),
    # measures and counters
    "reported_today": ("今日上报", "Reported today"),
    "closed_today": ("今日办结", "Closed today"),
    "open": ("在办", "Open"),
    "overdue": ("超期", "Overdue"),
    "red_cards": ("督办红牌", "Red cards"),
    "yellow_cards": ("督办黄牌", "Yellow cards"),
    "resolution_rate": ("化解率", "Resolution rate"),
    "on_time_rate": ("按期办结率", "On-time rate"),
    "satisfaction_rate": ("满意率", "Satisfaction"),
    "count": ("事件数", "Cases"),
    "per_1000": ("每千户事件", "Per 1,000 households"),
    "funnel": ("闭环漏斗", "Loop funnel"),
    "tiers": ("办结层级", "Closed at tier"),
    "red_black": ("部门红黑榜", "Department ranking"),
    "township_rank": ("镇街排名", "Township ranking"),
    "ticker": ("实时动态", "Live"),
    "trend": ("近30日趋势", "Last 30 days"),
    "top_categories": ("高发类别", "Top categories"),
    "alerts": ("预警", "Alerts"),
    "hot_spots": ("热点", "Hot spots"),
    "whistles_waiting": ("吹哨待报到", "Whistles awaiting 报到"),
    "reported": ("上报", "Reported"),
    "closed": ("办结", "Closed"),
    "legend_points": ("事件状态", "Case status"),
    "grid_small": ("小网格", "Small grids"),
    "grid_medium": ("中网格", "Medium grids"),
    "grid_large": ("大网格", "Large grids"),
    "few_cases": ("样本不足", "Too few cases"),
}


def lang_of(value: object) -> Lang:
    """The language named by a URL value; Chinese unless it says ``en``."""
    return "en" if value == "en" else "zh"


def t(key: str, lang: Lang = "zh") -> str:
    """The word for ``key`` in ``lang`` (the key itself if the table lacks it)."""
    pair = TEXT.get(key)
    if pair is None:
        return key
    return pair[1] if lang == "en" else pair[0]
