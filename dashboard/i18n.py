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
    # workbench
    "wb_title_unit": ("部门工作台", "Unit workbench"),
    "wb_title_centre": ("派遣工作台", "Dispatch workbench"),
    "wb_signin_hint": (
        "承办单位和派遣员登录后办理本单位案件",
        "Sign in to work on your unit's or centre's cases",
    ),
    "wb_no_workbench": (
        "该账号没有工作台（只读或网格员账号），请使用事件上报或分析研判",
        "This account has no workbench (read-only or grid worker): use Report or Analysis",
    ),
    "wb_refresh": ("刷新", "Refresh"),
    "wb_search": ("搜索编号、类别、地点…", "Search number, category, place…"),
    "wb_updated": ("更新于", "Updated"),
    "wb_map": ("案件分布", "My cases on the map"),
    "wb_table": ("待办案件（按时限排序）", "Cases by deadline"),
    "wb_inbox": ("吹哨与督办", "Whistles and supervision"),
    "wb_inbox_empty": ("暂无吹哨或督办", "No whistles or supervision notices"),
    "wb_k_dispatched": ("待签收", "To claim"),
    "wb_k_in_hand": ("在办", "In hand"),
    "wb_k_yellow": ("黄灯", "Yellow"),
    "wb_k_red": ("超期", "Overdue"),
    "wb_k_extension": ("延期待批", "Extension pending"),
    "wb_k_rework": ("返工/重办", "Rework"),
    "wb_k_returned": ("退回(30天)", "Returned (30 d)"),
    "wb_k_reported": ("待受理", "To accept"),
    "wb_k_accepted": ("待派遣", "To dispatch"),
    "wb_k_handled": ("待核查", "To verify"),
    "wb_k_verified": ("待回访", "To call back"),
    "wb_k_review": ("待甄别", "To review"),
    "wb_k_on_time_unit": ("按期处置率", "Handled on time"),
    "wb_k_on_time_centre": ("按期结案率", "Closed on time"),
    "wb_k_satisfaction": ("满意率", "Satisfaction"),
    "wb_soonest": ("最早", "First"),
    "wb_col_light": ("灯", "Light"),
    "wb_col_clock": ("剩余时限", "Time left"),
    "wb_col_due": ("到期", "Due"),
    "wb_col_case_no": ("案件编号", "Case no."),
    "wb_col_category": ("类别", "Category"),
    "wb_col_status": ("状态", "Status"),
    "wb_col_place": ("地点", "Place"),
    "wb_col_flags": ("标记", "Flags"),
    "wb_col_part": ("承办", "Unit"),
    "wb_part_lead": ("主办", "Lead"),
    "wb_part_co": ("协办", "Co-unit"),
    "wb_part_summoned": ("吹哨报到", "Summoned"),
    "wb_col_reported": ("上报时间", "Reported"),
    "wb_light_green": ("绿灯", "Green"),
    "wb_light_yellow": ("黄灯", "Yellow"),
    "wb_light_red": ("红灯", "Red"),
    "wb_light_none": ("无时限", "No clock"),
    "wb_photo_drop": ("拖入或点击上传现场照片（可选）", "Drop or click to add a photo (optional)"),
    "wb_photo_ready": ("提交时上传", "sent with the form"),
    "wb_submit": ("提交", "Submit"),
    "wb_cancel": ("取消", "Cancel"),
    "wb_done": ("完成", " done"),
    "wb_yes": ("是", "Yes"),
    "wb_no_actions": ("当前无可执行操作", "Nothing for you to do on this case now"),
    "wb_cannot_open": ("无法打开案件", "Cannot open the case"),
    "wb_description": ("诉求内容", "Description"),
    "wb_address": ("地址", "Address"),
    "wb_grid": ("所在网格", "Grid"),
    "wb_reporter": ("反映人", "Reporter"),
    "wb_reported_at": ("上报时间", "Reported"),
    "wb_unit": ("承办单位", "Lead unit"),
    "wb_co_units": ("协办单位", "Co-units"),
    "wb_claimed_by": ("签收人", "Claimed by"),
    "wb_assignee": ("承办人", "Assignee"),
    "wb_due": ("本环节到期", "Stage due"),
    "wb_handle_due": ("处置到期", "Handling due"),
    "wb_whistles": ("吹哨报到", "Whistles"),
    "wb_extension": ("申请延期", "Extension asked"),
    "wb_photos": ("照片", "Photos"),
    "wb_timeline": ("办理过程", "Timeline"),
    "wb_sub_open": ("待反馈", "open"),
    "wb_sub_done": ("已反馈", "done"),
    "wb_sub_closed_by_lead": ("主办关闭", "closed by lead"),
    "wb_whistle_due": ("报到", "report in"),
    "wb_working_days": ("个工作日", "working days"),
    "wb_side_above": ("▲ 高于中位", "▲ above"),
    "wb_side_below": ("▼ 低于中位", "▼ below"),
    "wb_side_even": ("＝ 持平", "= even"),
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
