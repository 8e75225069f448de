"""The words of the demo: report descriptions, handling results and reasons.

Plain text tables and small pickers over a :class:`random.Random`, so that the history and
the simulator write the same kind of case notes.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from api.workflow import Action
from geo.synthetic import ROADS

__all__ = ["describe", "note_for", "on_site_result", "reason_for", "result_for"]

_SHOPS = ("农贸市场", "幼儿园", "卫生站", "便利店", "小学", "公交站", "文化广场", "祠堂")

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
_REVIEW_REASONS = (
    "经甄别，诉求合理，处置未到位，责令重办",
    "群众反映问题仍未解决，交承办单位重新办理",
)
_UNREASONABLE_REASONS = (
    "经甄别，诉求超出政策规定，已做好解释",
    "经核实已依法依规处置到位，诉求不合理",
)
_ANSWERS = (
    "已电话答复群众相关政策及办理流程",
    "已告知办理地点、所需材料和咨询电话",
    "已向群众解释政策规定，群众表示理解",
)
_CO_FEEDBACK = (
    "已派员到场配合处置，本单位职责部分已落实",
    "已提供相关资料并配合整改到位",
    "已联合执法，协办事项办结",
)
_REPORT_IN = ("已派员到场报到，参与联合处置", "已电话报到并明确专人对接", "已到场会商处置方案")


_NOTES: dict[Action, tuple[str, ...]] = {
    Action.answer: _ANSWERS,
    Action.co_feedback: _CO_FEEDBACK,
    Action.report_in: _REPORT_IN,
}

_REASONS: dict[Action, tuple[str, ...]] = {
    Action.reject: _REJECT_REASONS,
    Action.return_: _RETURN_REASONS,
    Action.verify: _REDO_REASONS,
    Action.extend: _EXTEND_REASONS,
    Action.escalate: _ESCALATE_REASONS,
    Action.review: _REVIEW_REASONS,
}


def _pick(options: Sequence[str], rng: random.Random) -> str:
    return options[rng.randrange(len(options))]


def describe(category_name: str, place: str, rng: random.Random) -> str:
    """What a reporter writes about a case of this category at this place."""
    templates = _TEMPLATES.get(category_name, _GENERIC_TEMPLATES)
    fields = {
        "place": place,
        "bld": f"{place}{rng.randint(1, 30)}栋",
        "road": _pick(ROADS, rng),
        "shop": _pick(_SHOPS, rng),
        "cause": _pick(_CAUSES, rng),
        "cause2": _pick(_CAUSES2, rng),
        "k": rng.randint(2, 11),
        "money": rng.randint(1, 40),
        "name": category_name,
    }
    return _pick(templates, rng).format(**fields)


def result_for(category_code: str, rng: random.Random) -> str:
    """What a department reports having done (by 大类, the first two digits)."""
    return _pick(_RESULTS.get(category_code[:2], _RESULTS["04"]), rng)


def on_site_result(rng: random.Random) -> str:
    """What a grid worker reports having done on the spot."""
    return _pick(_ON_SITE_RESULTS, rng)


def reason_for(action: Action, rng: random.Random, *, unreasonable: bool = False) -> str:
    """A reason for a reject, return, failed verification, extension, escalation or review.

    ``unreasonable`` picks the reason of a review that closes the case as unreasonable.
    """
    return _pick(_UNREASONABLE_REASONS if unreasonable else _REASONS[action], rng)


def note_for(action: Action, rng: random.Random) -> str:
    """What is written with an answer at intake, a co-unit's feedback or a 报到."""
    return _pick(_NOTES[action], rng)
