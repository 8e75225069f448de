"""What each closed-loop action asks of the user, and the body it sends (pure).

One table, :data:`ACTION_FIELDS`, names the fields of ``POST /api/incidents/{id}/actions/
{action}`` (the API's ``ActionBody``) that each action needs — no more: an action with no
fields (签收, 开始处置, 受理立案, 批准延期) is done with one click.  :func:`action_body` turns
the form's values into the JSON body; :func:`refusal_text` turns the API's refusal into a
sentence for the user, naming who signed first when a claim came too late.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from dashboard.i18n import Lang, codes, term


@dataclass(frozen=True)
class Field:
    """One input of an action form.

    ``kind`` is ``text``, ``area`` (long text), ``number``, ``yesno``, ``choice`` (fixed
    options), ``unit`` (one unit), ``units`` (several units), ``flag`` (a check box) or
    ``photo`` (an upload, sent first and cited by its id).
    """

    name: str
    kind: str
    zh: str
    en: str
    required: bool = False
    options: tuple[tuple[str, str], ...] = ()


def _choices(kind: str) -> tuple[tuple[str, str], ...]:
    """The API's vocabulary ``kind`` as fixed choices, each named "中文 / English"."""
    return tuple((code, f"{term(kind, code)} / {term(kind, code, 'en')}") for code in codes(kind))


RATINGS: Final = _choices("rating")
DECISIONS: Final = _choices("review_decision")


def _f(name: str, kind: str, zh: str, en: str, *, required: bool = False, **more: Any) -> Field:
    return Field(name, kind, zh, en, required, **more)


_RESULT = _f("result", "area", "处置结果", "Result", required=True)
_PHOTO = _f("photo", "photo", "现场照片", "Photo")
_REASON = _f("reason", "area", "理由", "Reason", required=True)

ACTION_FIELDS: Final[dict[str, tuple[Field, ...]]] = {
    "accept": (),
    "reject": (
        _f("reason", "area", "不予受理理由", "Reason"),
        _f("duplicate_of", "text", "重复件（案件编号）", "Duplicate of (case no.)"),
    ),
    "answer": (_f("result", "area", "答复内容", "Answer", required=True),),
    "resolve_on_site": (_RESULT, _PHOTO),
    "dispatch": (
        _f("unit", "unit", "承办单位", "Lead unit", required=True),
        _f("co_units", "units", "协办单位", "Co-units"),
    ),
    "claim": (),
    "assign": (_f("officer", "text", "承办人（用户名）", "Officer (username)", required=True),),
    "start": (),
    "co_feedback": (_f("note", "area", "协办情况", "Co-unit report", required=True),),
    "handle": (_RESULT, _PHOTO),
    "return": (_f("reason", "area", "退回理由", "Reason for return", required=True),),
    "verify": (
        _f(
            "passed",
            "yesno",
            "核查结论",
            "Verified",
            required=True,
            options=(("yes", "通过 / passed"), ("no", "不通过 / failed")),
        ),
        _f("reason", "area", "说明", "Note"),
    ),  # fmt: skip
    "callback": (
        _f("unreachable", "flag", "回访未接通", "Could not reach the resident"),
        _f("rating", "choice", "群众评价", "Rating", options=RATINGS),
        _f(
            "solved",
            "yesno",
            "问题是否解决",
            "Solved",
            options=(("yes", "已解决 / yes"), ("no", "未解决 / no")),
        ),
    ),  # fmt: skip
    "review": (
        _f("decision", "choice", "甄别结论", "Decision", required=True, options=DECISIONS),
        _f("reason", "area", "甄别理由", "Reason", required=True),
    ),
    "escalate": (_f("reason", "area", "上报理由", "Reason", required=True),),
    "whistle": (
        _f("departments", "units", "点名部门", "Departments summoned", required=True),
        _f(
            "minutes",
            "number",
            "报到时限（分钟，空=默认）",
            "Minutes to report in (blank: default)",
        ),
    ),
    "report_in": (_f("note", "area", "报到情况", "Report-in note"),),
    "rate_report_in": (
        _f("unit", "unit", "被评价部门", "Department", required=True),
        _f("rating", "choice", "报到评价", "Rating", required=True, options=RATINGS),
    ),
    "extend": (
        _f("days", "number", "延期天数（工作日）", "Working days", required=True),
        _f("reason", "area", "延期理由", "Reason", required=True),
    ),
    "approve_extension": (),
}
"""The form of every action: the ``ActionBody`` fields it asks, in order."""

OPEN_SUBTASK_REASON: Final = _f(
    "reason",
    "area",
    "协办单位未反馈，先行办结的理由",
    "Co-units have not reported: reason to close",
    required=True,
)
"""Asked with ``handle`` only while a co-unit's sub-task is still open."""

CAUTION: Final = frozenset({"reject", "return", "escalate", "whistle"})
"""Actions shown apart: they send the case away or summon others."""


def owing(case: dict[str, Any]) -> bool:
    """Whether a co-unit of ``case`` still owes its feedback (its sub-task is open)."""
    return any(c.get("state") == "open" for c in case.get("co_units") or [])


def fields_for(action: str, *, owing: bool = False) -> tuple[Field, ...]:
    """The fields ``action`` asks (``handle`` asks a reason while a co-unit ``owing``)."""
    fields = ACTION_FIELDS.get(action, ())
    if action == "handle" and owing:
        fields = (*fields, OPEN_SUBTASK_REASON)
    return fields


def one_click(action: str) -> bool:
    """Whether the action needs no input (done at once when its button is pressed)."""
    return not ACTION_FIELDS.get(action)


def _blank(value: Any) -> bool:
    return (
        value is None
        or value == ""
        or value == []
        or (isinstance(value, str) and not value.strip())
    )


def _convert(field: Field, value: Any) -> Any:
    if field.kind == "yesno":
        return value == "yes"
    if field.kind == "flag":
        return bool(value)
    if field.kind == "number":
        number = float(value)
        return int(number) if field.name == "minutes" else number
    if field.kind == "units":
        return [value] if isinstance(value, str) else list(value)
    return value.strip() if isinstance(value, str) else value


def action_body(
    action: str, values: dict[str, Any], *, owing: bool = False
) -> tuple[dict[str, Any], list[str]]:
    """The JSON body of ``action`` from the form's ``values``, and the fields left blank.

    Blank optional fields are left out (the API applies its defaults); a photo is not part
    of the body (it is uploaded first and cited by ``photo_ids``).  A call-back that did not
    reach the resident sends only ``unreachable``.
    """
    body: dict[str, Any] = {}
    missing: list[str] = []
    fields = fields_for(action, owing=owing)
    unreachable = action == "callback" and bool(values.get("unreachable"))
    for field in fields:
        value = values.get(field.name)
        if field.kind == "photo" or (unreachable and field.name != "unreachable"):
            continue
        if _blank(value) or (field.kind == "flag" and not value):
            if field.required:
                missing.append(field.name)
            continue
        try:
            body[field.name] = _convert(field, value)
        except (TypeError, ValueError):
            missing.append(field.name)
    if action == "callback" and not unreachable:
        missing += [name for name in ("rating", "solved") if name not in body]
    if action == "reject" and not body:
        missing.append("reason")
    return body, missing


def missing_text(action: str, missing: list[str], lang: Lang = "zh") -> str:
    """A sentence naming the fields still to fill in."""
    names = {f.name: (f.zh, f.en) for f in (*ACTION_FIELDS.get(action, ()), OPEN_SUBTASK_REASON)}
    labels = [names.get(name, (name, name))[1 if lang == "en" else 0] for name in missing]
    if lang == "en":
        return "Please fill in: " + ", ".join(labels)
    return "请填写：" + "、".join(labels)


def refusal_text(
    status: int, body: dict[str, Any], detail: str, action: str, lang: Lang = "zh"
) -> str:
    """The API's refusal of an action as a sentence for the user.

    A claim that lost the race (409 naming ``claimed_by``) says who signed first; another
    409 says the case has moved on; 403 and 422 pass on the API's own words.
    """
    claimed_by = body.get("claimed_by")
    if status == 409 and action == "claim" and claimed_by:
        if lang == "en":
            return (
                f"Too late: {claimed_by} has already claimed this case. It is shown as it is now."
            )
        return f"签收未成功：该案件已由 {claimed_by} 抢先签收，无需重复签收。已刷新为最新状态。"
    if status == 409 and body.get("rule"):
        return ("Not done: " if lang == "en" else "未执行，不符合办理规则：") + detail
    if status == 409:
        head = (
            "The case has changed since you opened it"
            if lang == "en"
            else "案件状态已变化，操作未执行"
        )
        return f"{head}: {detail}"
    if status == 403:
        return ("Not permitted: " if lang == "en" else "无权执行：") + detail
    if status == 422:
        return ("Check the form: " if lang == "en" else "请检查填写内容：") + detail
    return ("The action failed: " if lang == "en" else "操作失败：") + f"{detail} ({status})"
