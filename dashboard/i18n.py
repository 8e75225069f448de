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
    # analysis
    "whole_city": ("全市", "Whole city"),
    "m_count": ("事件数", "Cases"),
    "m_open": ("在办", "Open"),
    "m_overdue": ("超期", "Overdue"),
    "m_per_1000_households": ("每千户事件", "Per 1,000 households"),
    "m_resolution_rate": ("化解率", "Resolution rate"),
    "m_satisfaction_rate": ("满意率", "Satisfaction"),
    "few_note": (
        "灰色：样本不足（少于 {n} 件），不参与比较",
        "Grey: too few cases (under {n}) to compare",
    ),
    "in_window": ("所选时段", "In the period"),
    "now": ("当前", "Now"),
    "closed_on_time_rate": ("按期结案率", "Closed on time"),
    "repeat_rate": ("重复投诉率", "Repeat reports"),
    "trend_window": ("上报与办结趋势", "Reported and closed per day"),
    "source_mix": ("来源构成", "Sources"),
    "heat_table": ("类别 × 区域", "Category × area"),
    "area_scorecard": ("区域评分卡", "Area scorecard"),
    "unit_scorecard": ("部门评分卡", "Unit scorecard"),
    "unit_rates": ("退回 · 返工 · 延期率", "Return · rework · extension rates"),
    "stage_hours": ("各环节用时（中位数）", "Median hours per stage"),
    "hours": ("小时", "hours"),
    "repeat_complaints": ("重复投诉", "Repeat complaints"),
    "no_hot_spots": ("暂无热点", "No hot spots"),
    "hot_rule": (
        "热点：近 {days} 天同一小网格同一小类上报 ≥ {times} 次",
        "Hot spot: the same 小类 at least {times} times in one small grid within {days} days",
    ),
    "long_running": ("久拖未结（骨头案）", "Long-running cases"),
    "case_table": ("事件列表", "Cases"),
    "table_note": (
        "共 {matched:,} 件，表中为最新 {shown:,} 件；导出可得全部",
        "{matched:,} cases; the newest {shown:,} shown, export for all",
    ),
    "export_csv": ("导出 CSV", "Export CSV"),
    "export_geojson": ("导出 GeoJSON", "Export GeoJSON"),
    "share_link": ("复制链接", "Copy link"),
    "share_hint": ("复制当前视图的链接", "Copy a link to this view"),
    "analysis_signin": ("请登录后查看分析", "Sign in to see the analysis"),
    "return_rate": ("退回率", "Return rate"),
    "rework_rate": ("返工率", "Rework rate"),
    "extension_rate": ("延期率", "Extension rate"),
    "handling_rate": ("处置率", "Handling rate"),
    "handled_on_time_rate": ("按期处置率", "Handled on time"),
    "reopen_rate": ("重办率", "Reopen rate"),
    "area": ("区域", "Area"),
    "score": ("得分", "Score"),
    "case_no": ("事件编号", "Case no."),
    "days_open": ("历时(天)", "Days"),
    "grid_code": ("网格编码", "Grid code"),
    "reported_at": ("上报时间", "Reported"),
    "address": ("地址", "Address"),
    "date_range": ("上报日期", "Reported between"),
    "preset_week": ("近7天", "7 days"),
    "preset_month": ("近30天", "30 days"),
    "preset_this_month": ("本月", "This month"),
    "preset_quarter": ("本季度", "This quarter"),
    "category": ("类别", "Category"),
    "all": ("全部", "All"),
    "status": ("状态", "Status"),
    "status_reported": ("待受理", "Reported"),
    "status_accepted": ("已立案", "Accepted"),
    "status_rejected": ("不予受理", "Rejected"),
    "status_dispatched": ("待签收", "Dispatched"),
    "status_claimed": ("已签收", "Claimed"),
    "status_assigned": ("已交办", "Assigned"),
    "status_in_progress": ("处置中", "In progress"),
    "status_handled": ("待核查", "Handled"),
    "status_verified": ("待回访", "Verified"),
    "status_review": ("甄别中", "In review"),
    "status_closed": ("已结案", "Closed"),
    "unit": ("承办单位", "Unit"),
    "source": ("来源", "Source"),
    "source_patrol": ("网格员巡查", "Grid patrol"),
    "source_hotline": ("12345热线", "12345 hotline"),
    "source_wechat": ("微信/小程序", "WeChat"),
    "source_visit": ("群众来访", "Visit"),
    "source_deputy": ("代表委员", "Deputies"),
    "source_transfer": ("部门移交", "Transfer"),
    "source_sensor": ("视频/物联感知", "Sensors"),
    "urgency": ("紧急程度", "Urgency"),
    "urgent_only": ("紧急", "Urgent"),
    "not_urgent": ("一般", "Normal"),
    "light": ("亮灯", "Light"),
    "light_green": ("绿灯", "Green"),
    "light_yellow": ("黄灯", "Yellow"),
    "light_red": ("红灯", "Red"),
    "tier": ("所在层级", "Tier"),
    "tier_grid": ("网格", "Grid"),
    "tier_township": ("镇街", "Township"),
    "tier_county": ("县区", "County"),
    "search": ("关键词", "Text"),
    "search_hint": ("编号、地址、描述", "Case no., address, text"),
    "reset": ("清空筛选", "Clear filters"),
    "stage_accept": ("受理", "Accept"),
    "stage_dispatch": ("派遣", "Dispatch"),
    "stage_handle": ("处置", "Handle"),
    "stage_close": ("核查回访结案", "Verify, call back, close"),
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
