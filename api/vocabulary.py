"""The case vocabulary shared by intake, the API schema, the demo and the screens.

Each term is declared here once; the rest of the code imports it. Workflow terms (statuses,
actions, roles, ratings) live with their rules in :mod:`api.workflow`; grid levels and codes
in :mod:`geo.levels`.
"""

from __future__ import annotations

from typing import Final

from api.workflow.vocabulary import LabelledEnum, labels_of

__all__ = ["SOURCE_LABELS", "Source", "UnitKind"]


class Source(LabelledEnum):
    """Where a report came from (上报来源), with its Chinese name as DOMAIN.md lists it."""

    patrol = "patrol", "网格员巡查"
    hotline = "hotline", "12345热线"
    wechat = "wechat", "微信/小程序"
    visit = "visit", "群众来访"
    deputy = "deputy", "代表委员"
    transfer = "transfer", "部门移交"
    sensor = "sensor", "视频/物联感知"


SOURCE_LABELS: Final[dict[Source, str]] = labels_of(Source)
"""The Chinese name of each source."""


class UnitKind(LabelledEnum):
    """What a unit is: a county department (职能部门) or a township centre (属地)."""

    department = "department", "职能部门"
    township = "township", "镇街综治中心"
