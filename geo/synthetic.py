"""Synthetic incident reports for demonstrations, tests and benchmarks.

:func:`generate_incidents` draws reports the way a 汕尾 command centre receives them:

- **where**: in small grids picked in proportion to their households, with a few hot spots
  (about 1 % of the grids, six times busier, where half the reports are of one favourite
  category, so that the same category comes up again and again there); each point uniformly
  inside its grid polygon and returned in GCJ-02, as phones send them;
- **when**: over the last ``days`` days before ``end`` in Asia/Shanghai time, more in office
  hours than at night, fewer at weekends, slowly growing over the period;
- **what**: category by the category weights, a description from per-category templates,
  a source (mostly grid-worker patrol), a reporter with a fake mobile number and an address;
- **then**: a planned lifecycle, a list of :class:`PlannedStep` that replays through the
  closed loop (accept, dispatch, claim, start, handle, verify, close, rate, and the
  rejections, on-the-spot fixes, returns, rework, extensions, escalations and overdue cases
  of real life). Steps that would happen after ``end`` are dropped, so recent cases are
  still open at various stages.

The mix of outcomes (shares of all cases, before truncation at ``end``): about 5 % rejected
at intake, 12 % resolved on site by the grid worker, the rest dispatched; of all cases about
8 % returned once by a department and redispatched, 7 % failing verification once (rework),
5 % extended, 3 % escalated and 10 % overdue (handled after the category's time limit).
Ratings are 80 % 满意, 15 % 基本满意 and 5 % 不满意; a first 不满意 reopens the case, which
is then handled again and rated a second time.

Everything is drawn from generators seeded by ``seed``: the same inputs give the same
incidents.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely

from geo.crs import gcj02_to_wgs84, wgs84_to_gcj02

__all__ = [
    "ACTIONS",
    "RATINGS",
    "SOURCES",
    "TIMEZONE",
    "CategorySpec",
    "PlannedStep",
    "SyntheticIncident",
    "generate_incidents",
    "parse_duration",
]

FloatArray = npt.NDArray[np.float64]

#: Local time zone of the reports.
TIMEZONE = "Asia/Shanghai"

#: Report sources: code to label, in the order of their share (patrol first).
SOURCES: dict[str, str] = {
    "patrol": "网格员巡查",
    "hotline": "12345热线",
    "wechat": "微信小程序",
    "visit": "群众来访",
    "deputy": "代表委员",
    "transfer": "部门移交",
    "sensor": "视频感知",
}
_SOURCE_SHARES = (0.46, 0.2, 0.14, 0.07, 0.03, 0.05, 0.05)

#: Every action a plan may contain (names as in the workflow state machine).
ACTIONS = (
    "accept",
    "reject",
    "resolve_on_site",
    "dispatch",
    "claim",
    "return",
    "start",
    "handle",
    "verify",
    "close",
    "rate",
    "escalate",
    "extend",
    "approve_extension",
)

#: Resident ratings, best first.
RATINGS = ("满意", "基本满意", "不满意")
_RATING_SHARES = (0.80, 0.15, 0.05)

# Outcome shares of all cases (see the module docstring).
_P_REJECT = 0.05
_P_ON_SITE = 0.12
_P_DISPATCHED = 1.0 - _P_REJECT - _P_ON_SITE
_P_RETURN = 0.08 / _P_DISPATCHED
_P_REWORK = 0.07 / _P_DISPATCHED
_P_EXTEND = 0.05 / _P_DISPATCHED
_P_ESCALATE = 0.03 / _P_DISPATCHED
_P_OVERDUE = 0.10 / _P_DISPATCHED

_HOT_SHARE = 0.01  # share of small grids that are hot spots
_HOT_FACTOR = 6.0  # how much busier a hot spot is
_HOT_FAVOURITE = 0.5  # share of a hot spot's reports in its favourite category
_WEEKEND_FACTOR = 0.65
_GROWTH = 0.3  # the last day is this much busier than the first (relative)
# Reports per hour of the day (relative).
_HOURLY = np.array(
    [0.2, 0.1, 0.08, 0.08, 0.1, 0.2, 0.5, 1.0, 1.8, 2.4, 2.5, 2.2]
    + [1.4, 1.3, 2.0, 2.3, 2.2, 1.9, 1.3, 1.1, 1.0, 0.8, 0.5, 0.3]
)

_PHONE_PREFIXES = (
    "130 131 132 133 135 136 137 138 139 150 151 152 153 155 156 157 158 159 "
    "166 177 180 181 182 183 185 186 187 188 189 199"
).split()
_SURNAMES = "陈林黄李张吴刘郑蔡彭庄叶余罗卓王杨许钟赖曾何周徐朱邱温洪马苏颜谢"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚文华辉建国志海丹玲燕鹏锋俊斌婷雪琳晓嘉宇浩"
_VILLAGE_A = "新东西南北上下大前后石田溪林赤白青龙凤鹤竹松桂梅莲"
_VILLAGE_B = "寮埔围厝塘湖坑田洋岭山溪墩尾港沟墘美安和兴丰光联"
_ROADS = (
    "人民路",
    "中山路",
    "新港路",
    "建设路",
    "香洲路",
    "汕尾大道",
    "工业大道",
    "解放路",
    "红海路",
)
_SHOPS = ("农贸市场", "幼儿园", "卫生站", "便利店", "小学", "公交站", "文化广场", "祠堂")

_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([mhd])\s*$", re.IGNORECASE)


def parse_duration(text: str) -> timedelta:
    """Parse a category time limit such as ``"30m"``, ``"4h"`` or ``"3d"``.

    Parameters
    ----------
    text : str
        A number followed by ``m`` (minutes), ``h`` (hours) or ``d`` (days).

    Returns
    -------
    datetime.timedelta
        The duration.

    Raises
    ------
    ValueError
        If ``text`` is not in that form.
    """
    match = _DURATION_RE.match(text or "")
    if match is None:
        raise ValueError(f"bad duration {text!r}; expected e.g. '30m', '4h' or '3d'")
    value = float(match.group(1))
    unit = match.group(2).lower()
    return (
        timedelta(minutes=value)
        if unit == "m"
        else timedelta(hours=value * (24 if unit == "d" else 1))
    )


@dataclass(frozen=True)
class CategorySpec:
    """A 小类 (sub-category) as the generator needs it.

    Parameters
    ----------
    code : str
        Category code, e.g. ``"0201"``; the first two digits are its 大类.
    name : str
        Category name, e.g. ``"电动车飞线充电"``; it selects the description templates.
    department : str
        Default department code, e.g. ``"xfj"``.
    weight : float
        Relative frequency.
    urgent : bool
        Whether cases of this category are urgent (calendar-time limits, faster steps).
    handle_limit : datetime.timedelta, default 3 days
        Time limit of the handling stage; overdue cases take longer than this.
    """

    code: str
    name: str
    department: str
    weight: float
    urgent: bool
    handle_limit: timedelta = timedelta(days=3)

    @classmethod
    def from_row(cls, row: Mapping[str, str]) -> CategorySpec | None:
        """Build a spec from a row of ``data/categories.csv``; None for a 大类 row.

        Parameters
        ----------
        row : mapping of str to str
            A ``csv.DictReader`` row with ``code``, ``name``, ``parent_code``,
            ``department``, ``weight``, ``urgent`` and optionally ``handle_limit``.

        Returns
        -------
        CategorySpec or None
            None when ``parent_code`` is empty (top-level groups are not reported).
        """
        if not (row.get("parent_code") or "").strip():
            return None
        limit = (row.get("handle_limit") or "").strip()
        return cls(
            code=row["code"].strip(),
            name=row["name"].strip(),
            department=row["department"].strip(),
            weight=float(row.get("weight") or 1),
            urgent=(row.get("urgent") or "0").strip().lower() in {"1", "true", "yes"},
            handle_limit=parse_duration(limit) if limit else timedelta(days=3),
        )


class PlannedStep(NamedTuple):
    """One planned action of a case: what, when (after the report) and with what input.

    ``payload`` keys are the workflow's input fields: ``department`` (dispatch),
    ``reason`` (reject, return, escalate, extend, failed verify), ``result`` (handle,
    resolve_on_site), ``passed`` (verify), ``rating`` (rate), ``hours`` (extend).
    """

    action: str
    offset: timedelta
    payload: dict[str, Any]


@dataclass
class SyntheticIncident:
    """A synthetic report with its planned lifecycle.

    Attributes
    ----------
    external_id : str
        ``"SYN-<seed>-<i>"``, ``i`` counting from 0 in order of ``reported_at``.
    category : str
        Category code.
    description : str
        What the reporter wrote.
    source : str
        Source code, a key of :data:`SOURCES`.
    reporter_name, reporter_phone : str
        Reporter (for patrol reports, the small grid's 网格员 when the layer has staff);
        a fake 11-digit mobile number.
    address : str or None
        Free-text address such as ``"新寮村3组15号"``, or None.
    lon, lat : float
        Position in ``crs`` (GCJ-02).
    crs : str
        Always ``"gcj02"``.
    urgent : bool
        The category's urgency.
    reported_at : datetime.datetime
        Report time, timezone-aware (Asia/Shanghai).
    small_code : str
        Code of the small grid the point was drawn in.
    plan : list of PlannedStep
        Planned actions in time order, none later than ``end``.
    """

    external_id: str
    category: str
    description: str
    source: str
    reporter_name: str
    reporter_phone: str
    address: str | None
    lon: float
    lat: float
    crs: str
    urgent: bool
    reported_at: datetime
    small_code: str
    plan: list[PlannedStep] = field(default_factory=list)


# --------------------------------------------------------------------------- texts

_TEMPLATES: dict[str, tuple[str, ...]] = {
    "邻里纠纷": (
        "{place}两户村民因{cause}发生争执，情绪较激动，需要调解",
        "{bld}住户反映楼上邻居{cause}，多次沟通无果",
    ),
    "婚姻家庭": (
        "{place}一户家庭夫妻长期争吵，女方要求社区介入调解",
        "{place}老人反映子女不履行赡养义务，生活困难",
    ),
    "劳资纠纷(拖欠工薪)": (
        "{place}附近工地{k}名工人反映被拖欠工资约{money}万元",
        "{place}一家{shop}员工反映老板拖欠{k}个月工资",
    ),
    "物业管理": (
        "{bld}业主反映物业公司{cause2}，要求协调处理",
        "{place}小区物业撤场后无人管理，垃圾无人清运",
    ),
    "征地拆迁": (
        "{place}村民对征地补偿标准有异议，聚集反映诉求",
        "{place}拆迁户反映安置房迟迟未交付",
    ),
    "山林土地": ("{place}两村因山林界址不清发生争议", "{place}村民反映承包地被他人占用"),
    "房屋宅基地": (
        "{place}两户村民因宅基地边界发生纠纷",
        "{place}村民反映邻居建房占用其宅基地",
    ),
    "电动车飞线充电": (
        "{bld}楼道内有电动车飞线充电，存在消防隐患",
        "{place}{shop}门口有人从窗户拉线给电动车充电",
        "{bld}一楼楼梯间停放多辆电动车并私拉电线充电",
    ),
    "消防设施缺损": (
        "{bld}消防栓无水，灭火器过期",
        "{place}{shop}疏散指示灯损坏，灭火器缺失",
    ),
    "占用消防通道": (
        "{place}消防通道被车辆长期占用",
        "{bld}楼下消防通道堆放杂物，消防车无法通行",
    ),
    "危房": (
        "{place}一处老旧房屋墙体开裂，有倒塌危险",
        "{bld}外墙瓷砖脱落，威胁行人安全",
    ),
    "燃气泄漏隐患": (
        "{bld}楼道内闻到明显燃气味，疑似泄漏",
        "{place}{shop}使用过期液化气瓶，存在安全隐患",
    ),
    "道路塌陷": (
        "{road}{place}路段路面塌陷约{k}平方米",
        "{place}路口出现坑洞，已有车辆受损",
    ),
    "乱堆杂物(废弃家具)": (
        "{bld}楼下堆放废弃沙发、床垫等大件垃圾",
        "{place}{shop}旁乱堆建筑材料和杂物",
    ),
    "暴露垃圾": ("{place}路边有暴露垃圾未及时清理", "{road}绿化带内有大量生活垃圾"),
    "垃圾满溢": (
        "{place}垃圾桶满溢，周边臭味明显",
        "{place}{shop}门口垃圾收集点已满，无人清运",
    ),
    "私搭乱建": (
        "{place}有村民在自家楼顶违规加建铁皮房",
        "{bld}一楼住户私自搭建雨棚占用公共空间",
    ),
    "占道经营": (
        "{road}{shop}附近流动摊贩占道经营，影响通行",
        "{place}{shop}门口商户占用人行道摆卖",
    ),
    "噪声扰民": ("{place}工地夜间施工噪声扰民", "{place}{shop}夜间音响声音过大，影响休息"),
    "油烟污染": ("{place}餐饮店油烟直排，影响周边居民", "{bld}楼下烧烤店油烟扰民"),
    "供水": ("{place}片区停水已超过{k}小时", "{bld}自来水水质浑浊发黄"),
    "路灯": ("{road}{place}路段{k}盏路灯不亮", "{place}村道路灯损坏，夜间出行不便"),
    "道路破损": ("{road}{place}路段路面破损严重", "{place}村道坑洼不平，雨天积水"),
    "社保": ("{place}居民咨询城乡居民养老保险缴费问题", "{place}老人反映养老金未按时到账"),
    "就业": ("{place}{k}名返乡青年希望获得就业技能培训", "{place}脱贫户家属希望推荐就近就业岗位"),
    "医疗": ("{place}卫生站缺少常用药品", "{place}居民反映家庭医生签约服务未落实"),
    "教育": ("{place}家长反映{shop}附近上下学时段交通拥堵", "{place}适龄儿童入学咨询"),
    "返贫监测": ("{place}一户家庭因病收入骤减，存在返贫风险", "{place}监测户房屋漏雨，需要帮扶"),
    "独居老人": (
        "{place}独居老人{k}天未见出门，需上门查看",
        "{place}独居老人行动不便，需要助餐服务",
    ),
    "留守儿童": ("{place}留守儿童放学后无人看护", "{place}留守儿童学习生活困难，需要关爱帮扶"),
    "严重精神障碍患者": (
        "{place}一名精神障碍患者情绪不稳定，家属求助",
        "{place}精神障碍患者未按时服药",
    ),
    "意见建议(微心愿/微建议)": (
        "{place}群众建议在{shop}附近增设休闲座椅",
        "{place}居民微心愿：希望修缮村文化活动室",
    ),
    "政策咨询": ("{place}群众咨询农村危房改造补助政策", "{place}居民咨询新生儿医保办理流程"),
}
_GENERIC_TEMPLATES = ("{place}群众反映{name}问题，请相关部门协调处理",)
_CAUSES = ("噪音", "漏水", "停车", "排水", "占用公共通道", "宠物扰民")
_CAUSES2 = ("电梯长期故障不修", "公共区域卫生差", "擅自提高物业费", "停车管理混乱")

# Results of handling, by 大类 (the first two digits of the category code).
_RESULTS: dict[str, tuple[str, ...]] = {
    "01": (
        "经调解双方达成一致，已签订调解协议",
        "已约谈当事人，矛盾已化解",
        "已依法告知维权途径并跟进处理",
    ),
    "02": (
        "已现场整改，隐患已消除",
        "已责令当事人限期整改并复查到位",
        "已拆除私拉电线，开展消防安全宣传",
    ),
    "03": ("已组织人员清理完毕，恢复整洁", "已依法查处并督促整改到位", "已清运完毕并加强巡查"),
    "04": ("已联系相关单位维修，现已恢复正常", "已答复群众并办理完毕", "已纳入计划并完成整改"),
    "05": ("已上门走访，落实帮扶措施", "已落实专人定期探访", "已协调相关部门提供救助"),
    "06": ("已答复群众并做好解释工作", "建议已转相关部门研究采纳", "已电话回复群众"),
}
_ON_SITE_RESULTS = (
    "网格员现场劝导，已整改",
    "网格员现场协调解决",
    "已现场清理完毕",
    "已现场调解，双方和解",
)
_REJECT_REASONS = (
    "重复上报，已有相同事件在办",
    "不属于受理范围，已告知群众相关渠道",
    "信息不全，无法核实",
    "经核实问题不存在",
)
_RETURN_REASONS = (
    "不属于本部门职责，请重新派遣",
    "派遣有误，应由属地镇街处理",
    "位置信息不准确，无法找到现场",
)
_REDO_REASONS = ("现场核查问题仍然存在", "整改不到位，群众仍有意见", "处置结果与实际不符")
_EXTEND_REASONS = ("需协调多个部门联合处置", "等待材料和设备到位", "涉及资金审批，需延长办理时间")
_ESCALATE_REASONS = (
    "涉及多个部门，需上级协调",
    "群众诉求强烈，需镇街层面处置",
    "问题复杂，超出网格处置能力",
)


class _Draws:
    """Per-incident random numbers, consumed in order (deterministic and fast)."""

    def __init__(self, row: Sequence[float]) -> None:
        self._row = list(row)
        self._i = 0

    def random(self) -> float:
        value = self._row[self._i % len(self._row)]
        self._i += 1
        return value

    def uniform(self, low: float, high: float) -> float:
        return low + (high - low) * self.random()

    def chance(self, p: float) -> bool:
        return self.random() < p

    def pick(self, options: Sequence[str]) -> str:
        return options[min(int(self.random() * len(options)), len(options) - 1)]

    def weighted(self, options: Sequence[str], shares: Sequence[float]) -> str:
        u = self.random() * sum(shares)
        for option, share in zip(options, shares, strict=True):
            u -= share
            if u < 0:
                return option
        return options[-1]


class _Plan:
    """Builds a list of planned steps with strictly increasing offsets."""

    def __init__(self, draws: _Draws) -> None:
        self.steps: list[PlannedStep] = []
        self.t = timedelta(0)
        self.d = draws

    def add(self, action: str, low_minutes: float, high_minutes: float, **payload: Any) -> None:
        minutes = max(self.d.uniform(low_minutes, high_minutes), 1.0)
        self.t += timedelta(seconds=round(minutes * 60))
        self.steps.append(PlannedStep(action, self.t, payload))

    def at(self, action: str, offset: timedelta, **payload: Any) -> None:
        self.t = max(offset, self.t + timedelta(minutes=1))
        self.t = timedelta(seconds=round(self.t.total_seconds()))
        self.steps.append(PlannedStep(action, self.t, payload))


def _rating(d: _Draws) -> str:
    return d.weighted(RATINGS, _RATING_SHARES)


def _department_flow(
    p: _Plan,
    category: CategorySpec,
    departments: Sequence[str],
    *,
    returned: bool,
    rework: bool,
    extend: bool,
    escalate: bool,
    overdue: bool,
) -> None:
    """Dispatch → claim → start → handle → verify (from an accepted case)."""
    d = p.d
    fast = category.urgent
    limit_min = category.handle_limit.total_seconds() / 60.0
    results = _RESULTS.get(category.code[:2], _RESULTS["04"])
    if escalate and d.chance(0.5):
        p.add("escalate", 5, 60, reason=d.pick(_ESCALATE_REASONS))
        escalate = False
    if returned:
        others = [x for x in departments if x != category.department]
        wrong = d.pick(others) if others and d.chance(0.7) else category.department
        p.add("dispatch", 3 if fast else 10, 30 if fast else 120, department=wrong)
        p.add("return", 30, 300, reason=d.pick(_RETURN_REASONS))
        p.add("dispatch", 5, 90, department=category.department)
    else:
        p.add("dispatch", 3 if fast else 10, 30 if fast else 120, department=category.department)
    p.add("claim", 5 if fast else 15, 30 if fast else 240)
    claimed = p.t
    if escalate:
        p.add("escalate", 10, 120, reason=d.pick(_ESCALATE_REASONS))
    if overdue:
        duration = limit_min * d.uniform(1.3, 2.5)
    elif extend:
        duration = limit_min * d.uniform(0.5, 0.8)
    else:
        duration = limit_min * d.uniform(0.15, 0.8)
    p.add("start", 5, min(180.0, max(10.0, 0.2 * duration)))
    if extend:
        hours = int(d.pick(("24", "48", "72")))
        p.add("extend", 0.2 * duration, 0.5 * duration, hours=hours, reason=d.pick(_EXTEND_REASONS))
        p.add("approve_extension", 20, 240)
        duration += hours * 60 * d.uniform(0.3, 0.9)
    p.at("handle", claimed + timedelta(minutes=duration), result=d.pick(results))
    p.add("verify", 30 if fast else 60, 180 if fast else 720, passed=True)
    if rework:
        # Replace the passing verification by a failure and a second round.
        last = p.steps.pop()
        p.steps.append(
            PlannedStep("verify", last.offset, {"passed": False, "reason": d.pick(_REDO_REASONS)})
        )
        p.add("start", 60, 480)
        p.add("handle", 0.1 * limit_min, 0.5 * limit_min, result=d.pick(results))
        p.add("verify", 30 if fast else 60, 180 if fast else 720, passed=True)


def _plan(d: _Draws, category: CategorySpec, departments: Sequence[str]) -> list[PlannedStep]:
    """A full lifecycle for one case, before truncation at the end of the window."""
    p = _Plan(d)
    fast = category.urgent
    u = d.random()
    if u < _P_REJECT:
        p.add("reject", 10, 120, reason=d.pick(_REJECT_REASONS))
        return p.steps
    if u < _P_REJECT + _P_ON_SITE:
        p.add("resolve_on_site", 10, 120, result=d.pick(_ON_SITE_RESULTS))
        p.add("verify", 60, 480, passed=True)
        p.add("close", 5, 60)
        rating = _rating(d)
        p.add("rate", 120, 2880, rating=rating)
        if rating == "不满意":  # reopened: back to the dispatcher, handled by a department
            _department_flow(
                p, category, departments, returned=False, rework=False, extend=False,
                escalate=False, overdue=False,
            )  # fmt: skip
            p.add("close", 5, 90)
            p.add("rate", 120, 4320, rating=d.weighted(RATINGS[:2], _RATING_SHARES[:2]))
        return p.steps
    p.add("accept", 2 if fast else 5, 15 if fast else 55)
    overdue = d.chance(_P_OVERDUE)
    _department_flow(
        p,
        category,
        departments,
        returned=d.chance(_P_RETURN),
        rework=d.chance(_P_REWORK),
        extend=not overdue and d.chance(_P_EXTEND / (1 - _P_OVERDUE)),
        escalate=d.chance(_P_ESCALATE),
        overdue=overdue,
    )
    p.add("close", 5, 90)
    rating = _rating(d)
    p.add("rate", 120, 4320, rating=rating)
    if rating == "不满意":  # reopened: the department handles it again
        results = _RESULTS.get(category.code[:2], _RESULTS["04"])
        p.add("start", 60, 600)
        limit_min = category.handle_limit.total_seconds() / 60.0
        p.add("handle", 0.1 * limit_min, 0.6 * limit_min, result=d.pick(results))
        p.add("verify", 60, 720, passed=True)
        p.add("close", 5, 90)
        p.add("rate", 120, 4320, rating=d.weighted(RATINGS, (0.6, 0.3, 0.1)))
    return p.steps


# --------------------------------------------------------------------------- generator


def _local_zone() -> tzinfo:
    return ZoneInfo(TIMEZONE)


def _report_times(n: int, days: int, end: datetime, rng: np.random.Generator) -> list[datetime]:
    """Report times in the ``days`` days before ``end``: office hours, weekdays, growing."""
    zone = _local_zone()
    end_local = end.astimezone(zone)
    start_local = end_local - timedelta(days=days)
    first: date = start_local.date()
    n_dates = (end_local.date() - first).days + 1
    dates = [first + timedelta(days=k) for k in range(n_dates)]
    day_w = np.array(
        [
            (_WEEKEND_FACTOR if day.weekday() >= 5 else 1.0)
            * (1.0 + _GROWTH * k / max(n_dates - 1, 1))
            for k, day in enumerate(dates)
        ]
    )
    day_p = day_w / day_w.sum()
    hour_p = _HOURLY / _HOURLY.sum()
    base = datetime.combine(first, time(0), tzinfo=zone)
    lo = (start_local - base).total_seconds()
    hi = (end_local - base).total_seconds()
    seconds = np.empty(n)
    todo = np.arange(n)
    while todo.size:
        k = rng.choice(n_dates, size=todo.size, p=day_p)
        h = rng.choice(24, size=todo.size, p=hour_p)
        s = np.floor(k * 86400.0 + h * 3600.0 + rng.uniform(0, 3600, todo.size))
        ok = (s >= lo) & (s < hi)
        seconds[todo[ok]] = s[ok]
        todo = todo[~ok]
    return [base + timedelta(seconds=float(s)) for s in seconds]


def _points_in_grids(
    geoms: npt.NDArray[np.object_], grid: npt.NDArray[np.int64], rng: np.random.Generator
) -> tuple[FloatArray, FloatArray]:
    """Uniform points in the given grids, in GCJ-02, that convert back inside their grid."""
    shapely.prepare(geoms)
    bounds = shapely.bounds(geoms)
    n = grid.size
    lon = np.empty(n)
    lat = np.empty(n)
    todo = np.arange(n)
    for _ in range(1000):
        if todo.size == 0:
            break
        b = bounds[grid[todo]]
        x = rng.uniform(b[:, 0], b[:, 2])
        y = rng.uniform(b[:, 1], b[:, 3])
        g_lon, g_lat = wgs84_to_gcj02(x, y)
        back_lon, back_lat = gcj02_to_wgs84(g_lon, g_lat)
        cells = geoms[grid[todo]]
        ok = shapely.contains_xy(cells, x, y) & shapely.contains_xy(cells, back_lon, back_lat)
        lon[todo[ok]] = g_lon[ok]
        lat[todo[ok]] = g_lat[ok]
        todo = todo[~ok]
    if todo.size:
        raise ValueError("could not place points in some small grids (empty polygons?)")
    return lon, lat


def _person(rng: np.random.Generator) -> str:
    given = "".join(_GIVEN[int(i)] for i in rng.integers(len(_GIVEN), size=int(rng.integers(1, 3))))
    return _SURNAMES[int(rng.integers(len(_SURNAMES)))] + given


def _phone(rng: np.random.Generator) -> str:
    prefix = _PHONE_PREFIXES[int(rng.integers(len(_PHONE_PREFIXES)))]
    return prefix + "".join(str(int(v)) for v in rng.integers(0, 10, 8))


def _small_layer(small: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Check the small-grid layer and return it in EPSG:4326."""
    if not isinstance(small, gpd.GeoDataFrame):
        raise TypeError(f"small must be a GeoDataFrame, got {type(small).__name__}")
    if "code" not in small.columns:
        raise ValueError("the small-grid layer needs a 'code' column")
    if len(small) == 0:
        raise ValueError("the small-grid layer is empty")
    if small.crs is None:
        raise ValueError("the small-grid layer has no CRS; expected EPSG:4326")
    if small.crs.to_epsg() != 4326:
        small = small.to_crs(4326)
    if small.geometry.isna().any() or small.geometry.is_empty.any():
        raise ValueError("the small-grid layer has missing or empty geometries")
    return small


def generate_incidents(
    small: gpd.GeoDataFrame,
    categories: Sequence[CategorySpec],
    *,
    n: int,
    days: int,
    end: datetime,
    seed: int = 0,
    place_names: Mapping[str, str] | None = None,
) -> list[SyntheticIncident]:
    """Generate ``n`` synthetic incident reports with planned lifecycles.

    Parameters
    ----------
    small : geopandas.GeoDataFrame
        The small-grid layer: ``code`` and polygon geometry (any CRS; EPSG:4326 is
        assumed by the demo city); optional ``households`` (busier grids get more reports),
        ``parent_code`` and ``staff`` (patrol reports come from the grid's 网格员).
    categories : sequence of CategorySpec
        The 小类 to draw from, by weight.
    n : int
        Number of incidents (0 or more).
    days : int
        Length of the reporting window in days before ``end`` (1 or more).
    end : datetime.datetime
        End of the window, timezone-aware; plans are cut at this instant.
    seed : int, default 0
        Random seed.
    place_names : mapping of str to str, optional
        Medium-grid code to village / community name, used in addresses and
        descriptions; invented names are used otherwise.

    Returns
    -------
    list of SyntheticIncident
        Sorted by ``reported_at``; ``external_id`` is ``"SYN-<seed>-<i>"``.

    Raises
    ------
    ValueError
        On a naive ``end``, ``n < 0``, ``days < 1``, no categories or a bad layer.
    """
    if end.tzinfo is None or end.utcoffset() is None:
        raise ValueError("end must be timezone-aware, e.g. datetime.now(ZoneInfo('Asia/Shanghai'))")
    if n < 0:
        raise ValueError(f"n must be 0 or more, got {n}")
    if days < 1:
        raise ValueError(f"days must be 1 or more, got {days}")
    if not categories:
        raise ValueError("at least one category is needed")
    layer = _small_layer(small)
    if n == 0:
        return []
    rng = np.random.default_rng([seed, 7])
    codes = layer["code"].astype(str).to_numpy()
    geoms = np.asarray(layer.geometry.values, dtype=object)
    n_grids = len(layer)

    # Where: busier grids (households), a few hot spots with a favourite category.
    if "households" in layer.columns:
        busy = layer["households"].fillna(0).to_numpy(dtype=np.float64).clip(min=1.0)
    else:
        busy = np.ones(n_grids)
    n_hot = max(1, round(_HOT_SHARE * n_grids))
    hot = rng.choice(n_grids, size=min(n_hot, n_grids), replace=False, p=busy / busy.sum())
    cat_w = np.array([max(c.weight, 0.0) for c in categories], dtype=np.float64)
    if cat_w.sum() <= 0:
        raise ValueError("category weights must not all be zero")
    cat_p = cat_w / cat_w.sum()
    favourite = np.full(n_grids, -1, dtype=np.int64)
    favourite[hot] = rng.choice(len(categories), size=hot.size, p=cat_p)
    grid_w = busy.copy()
    grid_w[hot] *= _HOT_FACTOR
    grid = rng.choice(n_grids, size=n, p=grid_w / grid_w.sum()).astype(np.int64)
    cat = rng.choice(len(categories), size=n, p=cat_p)
    use_fav = (favourite[grid] >= 0) & (rng.random(n) < _HOT_FAVOURITE)
    cat[use_fav] = favourite[grid[use_fav]]

    lon, lat = _points_in_grids(geoms, grid, rng)
    times = _report_times(n, days, end, rng)
    order = sorted(range(n), key=lambda i: (times[i], i))
    source = rng.choice(len(SOURCES), size=n, p=np.array(_SOURCE_SHARES) / sum(_SOURCE_SHARES))
    draws = rng.random((n, 64))
    with_address = rng.random(n) < 0.8

    departments = sorted({c.department for c in categories if c.department})
    parent = (
        layer["parent_code"].astype(str).to_numpy()
        if "parent_code" in layer.columns
        else codes.copy()
    )
    staff = layer["staff"].to_numpy() if "staff" in layer.columns else None
    invented: dict[str, str] = {}
    source_codes = list(SOURCES)

    incidents: list[SyntheticIncident] = []
    for rank, i in enumerate(order):
        d = _Draws(draws[i])
        category = categories[int(cat[i])]
        g = int(grid[i])
        place = _place_name(parent[g], place_names, invented, rng)
        src = source_codes[int(source[i])]
        reporter = _person(rng)
        if src == "patrol" and staff is not None and isinstance(staff[g], Mapping):
            reporter = str(staff[g].get("网格员") or reporter)
        address = _address(place, codes[g], d) if with_address[i] else None
        plan = _plan(d, category, departments)
        reported_at = times[i]
        plan = [s for s in plan if reported_at + s.offset <= end]
        incidents.append(
            SyntheticIncident(
                external_id=f"SYN-{seed}-{rank}",
                category=category.code,
                description=_describe(category, place, d),
                source=src,
                reporter_name=reporter,
                reporter_phone=_phone(rng),
                address=address,
                lon=float(lon[i]),
                lat=float(lat[i]),
                crs="gcj02",
                urgent=category.urgent,
                reported_at=reported_at,
                small_code=str(codes[g]),
                plan=plan,
            )
        )
    return incidents


def _place_name(
    medium_code: str,
    place_names: Mapping[str, str] | None,
    invented: dict[str, str],
    rng: np.random.Generator,
) -> str:
    if place_names is not None and medium_code in place_names:
        return place_names[medium_code]
    if medium_code not in invented:
        a = _VILLAGE_A[int(rng.integers(len(_VILLAGE_A)))]
        b = _VILLAGE_B[int(rng.integers(len(_VILLAGE_B)))]
        invented[medium_code] = f"{a}{b}村"
    return invented[medium_code]


def _address(place: str, small_code: str, d: _Draws) -> str:
    number = 1 + int(d.random() * 88)
    if place.endswith("社区"):
        return f"{place}{d.pick(_ROADS)}{number}号"
    group = int(small_code[-2:]) if small_code[-2:].isdigit() else 1
    return f"{place}{group}组{number}号"


def _describe(category: CategorySpec, place: str, d: _Draws) -> str:
    templates = _TEMPLATES.get(category.name, _GENERIC_TEMPLATES)
    fields = {
        "place": place,
        "bld": f"{place}{1 + int(d.random() * 30)}栋",
        "road": d.pick(_ROADS),
        "shop": d.pick(_SHOPS),
        "cause": d.pick(_CAUSES),
        "cause2": d.pick(_CAUSES2),
        "k": 2 + int(d.random() * 10),
        "money": 1 + int(d.random() * 40),
        "name": category.name,
    }
    return d.pick(templates).format(**fields)
