"""The case vocabulary shared by intake, the API schema, the demo and the screens.

Each term is declared here once; the rest of the code imports it. Workflow terms (statuses,
actions, roles, ratings) live with their rules in :mod:`api.workflow`; grid levels and codes
in :mod:`geo.levels`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

__all__ = ["SOURCE_LABELS", "Source", "UnitKind"]


class Source(StrEnum):
    """Where a report came from (上报来源)."""

    patrol = "patrol"
    hotline = "hotline"
    wechat = "wechat"
    visit = "visit"
    deputy = "deputy"
    transfer = "transfer"
    sensor = "sensor"


SOURCE_LABELS: Final[dict[Source, str]] = {
    Source.patrol: "网格员巡查",
    Source.hotline: "12345热线",
    Source.wechat: "微信/小程序",
    Source.visit: "群众来访",
    Source.deputy: "代表委员",
    Source.transfer: "部门移交",
    Source.sensor: "视频/物联感知",
}
"""The Chinese name of each source, as DOMAIN.md lists them."""


class UnitKind(StrEnum):
    """What a unit is: a county department (职能部门) or a township centre (属地)."""

    department = "department"
    township = "township"
