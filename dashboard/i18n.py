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
    # report
    "report_lead": (
        "巡查发现问题：地图定点、选择类别、描述情况、拍照上报",
        "Found on patrol: place the point, pick the category, describe it, add a photo",
    ),
    "report_signin_hint": ("网格员请登录后上报事件", "Grid workers: sign in to report"),
    "report_my_area": ("责任网格", "My grids"),
    "report_whole_city": ("全市", "Whole city"),
    "report_map_hint": (
        "点击地图放置事件位置，或在右侧输入坐标",
        "Click the map to place the case, or type its coordinates",
    ),
    "report_legend_mine": ("责任网格", "My grids"),
    "report_legend_nearby": ("附近同类在办事件", "Open look-alikes nearby"),
    "report_point": ("事件位置", "Case location"),
    "report_where": ("事件位置", "Where"),
    "report_what": ("事件类别", "Category"),
    "report_describe": ("事件描述", "Description"),
    "report_photo": ("现场照片", "Photo"),
    "report_lon": ("经度", "Longitude"),
    "report_lat": ("纬度", "Latitude"),
    "report_crs": ("坐标系", "CRS"),
    "report_point_hint": (
        "尚未定位：点击地图或输入经纬度",
        "No point yet: click the map or type longitude and latitude",
    ),
    "report_in_grid": ("所在网格", "Grid"),
    "report_category_hint": (
        "先选大类，再选小类；系统按小类确定承办单位和时限",
        "Pick a group, then a category; it sets the unit and time limits",
    ),
    "report_default_unit": ("默认承办", "Default unit"),
    "report_local": ("属地镇街（调委会 / 司法所）", "The township (mediation first)"),
    "report_limits": ("时限", "Time limits"),
    "report_urgent_default": ("本类默认为紧急事件", "Urgent by default"),
    "report_description_hint": (
        "发生了什么、在哪里、影响多少人（如：3号楼楼道内电动车飞线充电）",
        "What, where, who is affected (e.g. e-bike charged by a cable from a window)",
    ),
    "report_address_hint": ("详细地址（选填）", "Address (optional)"),
    "report_urgent": ("紧急", "Urgent"),
    "report_photo_drop": (
        "拖入照片或点击选择（JPEG / PNG / WebP，10 MB 以内）",
        "Drop a photo or click to choose (JPEG / PNG / WebP, up to 10 MB)",
    ),
    "report_photo_hint": ("未添加照片（可选）", "No photo attached (optional)"),
    "report_check": ("核对并上报", "Check and report"),
    "report_check_title": ("核对上报内容", "Check the report"),
    "report_confirm": ("确认上报", "Confirm"),
    "report_confirm_anyway": ("不是同一事件，继续上报", "Not the same: report it"),
    "report_same_case": ("是同一事件，不再上报", "Same case: do not report"),
    "report_back": ("返回修改", "Back to the form"),
    "report_none": ("无", "None"),
    "report_no_dupes": (
        "附近没有同类在办事件，可以上报。",
        "No open case of this category nearby: ready to report.",
    ),
    "report_dupes_found": (
        "附近 {radius} 米内、近 {days} 天有 {n} 件同类在办事件",
        "{n} open case(s) of this category within {radius} m in the last {days} days",
    ),
    "report_dupes_ask": (
        "如果是同一件事，请不要重复上报，指挥中心会跟进已有事件。",
        "If it is the same problem, do not report it again: the centre follows the open case.",
    ),
    "report_dropped": (
        "已取消上报，表单已清空。",
        "Not reported; the form is cleared.",
    ),
    "report_done": ("上报成功", "Reported"),
    "report_case_no": ("事件编号", "Case number"),
    "report_status": ("当前状态", "Status"),
    "report_accept_due": ("受理时限", "To be accepted by"),
    "report_photos_n": ("{n} 张", "{n}"),
    "report_intake_dupes": (
        "系统发现相似事件，指挥中心受理时将核对：",
        "Intake found look-alikes; the centre will check them when accepting:",
    ),
    "report_again": ("继续上报", "Report another"),
    "report_field_point": ("位置", "Location"),
    "report_field_lon": ("经度", "Longitude"),
    "report_field_lat": ("纬度", "Latitude"),
    "report_field_crs": ("坐标系", "CRS"),
    "report_field_category": ("类别", "Category"),
    "report_field_description": ("描述", "Description"),
    "report_field_photo": ("照片", "Photo"),
    "report_field_address": ("地址", "Address"),
    "report_field_source": ("来源", "Source"),
    "report_field_urgent": ("紧急", "Urgent"),
    "report_field_submission": ("提交", "Submission"),
    "report_field_form": ("上报", "Report"),
    "report_err_point": ("请点击地图或输入坐标确定位置", "click the map or type coordinates"),
    "report_err_lon_missing": ("请输入经度", "type the longitude"),
    "report_err_lat_missing": ("请输入纬度", "type the latitude"),
    "report_err_not_number": ("不是有效的数字", "not a number"),
    "report_err_lon_range": ("经度应在 -180 到 180 之间", "must lie between -180 and 180"),
    "report_err_lat_range": ("纬度应在 -90 到 90 之间", "must lie between -90 and 90"),
    "report_err_outside": (
        "该位置不在本市任何网格内，请核对坐标和坐标系",
        "this point lies outside every grid of the city: check the coordinates and CRS",
    ),
    "report_err_category": ("请选择事件小类", "pick a category (小类)"),
    "report_err_crs": ("不支持的坐标系", "unsupported CRS"),
    "report_err_description": ("请填写事件描述", "describe the case"),
    "report_err_description_long": ("描述不能超过 2000 字", "at most 2,000 characters"),
    "report_err_photo_type": (
        "只接受 JPEG、PNG 或 WebP 照片",
        "only JPEG, PNG or WebP photos",
    ),
    "report_err_photo_size": ("照片不能超过 10 MB", "at most 10 MB"),
    "report_err_key_reused": (
        "此表单已上报过内容不同的事件，请点“继续上报”开始新的一件",
        "this form already filed a different case: start a new report",
    ),
    "report_err_forbidden": (
        "当前账号无上报权限（上报由网格员、派遣员和承办单位使用）",
        "This account may not report cases (grid workers, dispatchers and units may)",
    ),
    "report_err_signed_out": ("登录已过期，请重新登录", "signed out: sign in again"),
    "report_source_patrol": ("网格员巡查", "Patrol"),
    "report_source_visit": ("群众来访", "Walk-in"),
    "report_source_hotline": ("12345 热线", "12345 hotline"),
    "report_source_wechat": ("微信/小程序", "WeChat"),
    "report_source_deputy": ("代表委员", "Deputies"),
    "report_source_transfer": ("部门移交", "Transferred"),
    "report_source_sensor": ("视频/物联感知", "Sensors"),
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
