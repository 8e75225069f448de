"""The case vocabulary shared by intake, the API schema, the demo and the screens.

Each term is declared here once; the rest of the code imports it. Workflow terms (statuses,
actions, roles, ratings) live with their rules in :mod:`api.workflow`; grid levels and codes
in :mod:`geo.levels`. :data:`PUBLISHED` names the vocabularies the API serves, with their
Chinese and English names, at ``/api/vocabulary``: the screens take their words for these
terms from there, never from a copy of their own.
"""

from __future__ import annotations

from typing import Final

from api import workflow
from api.workflow.vocabulary import LabelledEnum, labels_of

__all__ = ["PUBLISHED", "SOURCE_LABELS", "Source", "TimedSpan", "UnitKind", "vocabulary_table"]


class Source(LabelledEnum):
    """Where a report came from (上报来源), with its Chinese name as DOMAIN.md lists it."""

    patrol = "patrol", "网格员巡查", "Grid patrol"
    hotline = "hotline", "12345热线", "12345 hotline"
    wechat = "wechat", "微信/小程序", "WeChat"
    visit = "visit", "群众来访", "Walk-in"
    deputy = "deputy", "代表委员", "Deputies"
    transfer = "transfer", "部门移交", "Transferred"
    sensor = "sensor", "视频/物联感知", "Sensors"


SOURCE_LABELS: Final[dict[Source, str]] = labels_of(Source)
"""The Chinese name of each source."""


class UnitKind(LabelledEnum):
    """What a unit is: a county department (职能部门) or a township centre (属地)."""

    department = "department", "职能部门", "County department"
    township = "township", "镇街综治中心", "Township centre"


class TimedSpan(LabelledEnum):
    """A span of the loop whose length the durations statistic times (各环节用时)."""

    accept = "accept", "受理", "Accept"
    dispatch = "dispatch", "派遣", "Dispatch"
    handle = "handle", "处置", "Handle"
    close = "close", "核查回访结案", "Verify, call back, close"


PUBLISHED: Final[dict[str, tuple[LabelledEnum, ...]]] = {
    "status": tuple(workflow.Status),
    "open_status": tuple(s for s in workflow.Status if s in workflow.OPEN_STATUSES),
    "action": tuple(workflow.Action),
    "stage": tuple(workflow.Stage),
    "light": tuple(workflow.Light),
    "supervision": tuple(workflow.Supervision),
    "tier": tuple(workflow.Tier),
    "role": tuple(workflow.Role),
    "source": tuple(Source),
    "unit_kind": tuple(UnitKind),
    "timed_span": tuple(TimedSpan),
    "rating": tuple(workflow.Rating),
    "review_decision": tuple(workflow.ReviewDecision),
    "subtask_state": tuple(workflow.SubtaskState),
}
"""The vocabularies ``/api/vocabulary`` serves, each in declaration order (``open_status``:
the statuses of a case still open)."""


def vocabulary_table() -> dict[str, list[dict[str, str]]]:
    """Every published term as ``{"code", "zh", "en"}``, by vocabulary, in declaration order."""
    return {
        kind: [{"code": m.value, "zh": m.label, "en": m.english} for m in members]
        for kind, members in PUBLISHED.items()
    }
