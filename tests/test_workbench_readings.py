"""The workbench's readings and action forms as plain functions, without a browser."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from api.cases.schemas import ActionBody
from api.workflow import Action
from dashboard import actionforms
from dashboard import workbench_readings as wr
from dashboard.i18n import Lang
from dashboard.workbench_panels import table_rows

NOW = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)


def _case(
    case_id: int,
    status: str,
    *,
    unit: str = "xfj",
    due_in_min: float | None = 60,
    light: str | None = "green",
    **more: Any,
) -> dict[str, Any]:
    due = None if due_in_min is None else (NOW + timedelta(minutes=due_in_min)).isoformat()
    return {
        "id": case_id, "case_no": f"SW-{case_id:06d}", "status": status, "status_label": status,
        "category": "0201", "category_name": "电动车飞线充电", "unit": unit, "co_units": [],
        "lon": 115.3, "lat": 22.8, "reported_at": NOW.isoformat(), "whistles": [],
        "deadline": {"due_at": due, "light": light, "supervision": "none"},
        "allowed_actions": ["claim"], **more,
    }  # fmt: skip


def test_the_unit_strip_counts_only_the_cases_it_leads_and_keeps_the_soonest_signing_clock() -> (
    None
):
    cases = [
        _case(1, "dispatched", due_in_min=90),
        _case(2, "dispatched", due_in_min=30),
        _case(
            3, "dispatched", unit="zjj", due_in_min=5, co_units=[{"unit": "xfj", "state": "open"}]
        ),
        _case(4, "in_progress", light="yellow", rework_count=1),
        _case(5, "assigned", light="red", pending_extension_days=2.0),
    ]
    strip = wr.strip_counts(cases, "unit", "xfj")
    assert strip.counts == {
        "dispatched": 2, "in_hand": 2, "yellow": 1, "red": 1, "extension": 1, "rework": 1,
        "returned": 0,
    }  # fmt: skip
    assert strip.soonest_due == cases[1]["deadline"]["due_at"]  # the co-unit's case is not ours
    assert [wr.part_of(c, "xfj") for c in cases[1:4]] == ["lead", "co", "lead"]


def test_the_centre_strip_counts_its_queue_and_skips_cases_in_a_units_hands() -> None:
    cases = [_case(1, "reported"), _case(2, "accepted"), _case(3, "handled"), _case(4, "claimed")]
    assert [wr.in_queue(c, "centre") for c in cases] == [True, True, True, False]
    pending = _case(5, "in_progress", pending_extension_days=1.5)
    assert wr.in_queue(pending, "centre")
    strip = wr.strip_counts([*cases[:3], pending], "centre")
    assert strip.counts["reported"] == strip.counts["accepted"] == strip.counts["handled"] == 1
    assert strip.counts["extension"] == 1 and strip.counts["verified"] == 0
    assert not wr.in_queue(_case(6, "handled", allowed_actions=[]), "unit")


def test_rows_come_soonest_deadline_first_with_overdue_on_top_and_no_clock_last() -> None:
    cases = [
        _case(1, "claimed", due_in_min=600),
        _case(2, "claimed", due_in_min=None, light=None),
        _case(3, "claimed", due_in_min=-90, light="red", urgent=True),
        _case(4, "claimed", due_in_min=5, light="yellow"),
    ]
    rows = wr.case_rows(cases, NOW, "xfj")
    assert [r["id"] for r in rows] == [3, 4, 1, 2]
    assert [r["clock"] for r in rows] == ["超 1时30分", "剩 5分", "剩 10时00分", "—"]
    assert rows[0]["light"] == "red" and rows[0]["flags"] == "急" and rows[0]["key"] == "3"
    assert rows[-1]["light"] == "none"
    english = wr.case_rows(cases, NOW, "xfj", "en")
    assert [r["clock"] for r in english[:3]] == ["1h 30m late", "5m left", "10h 00m left"]
    assert english[0]["flags"] == "Urgent"


@pytest.mark.parametrize(
    ("lang", "names"),
    [("zh", ["红灯", "黄灯", "绿灯", "无时限"]), ("en", ["Red", "Yellow", "Green", "No clock"])],
)
def test_the_tables_light_and_status_columns_speak_the_pages_language(
    lang: Lang, names: list[str]
) -> None:
    cases = [
        _case(1, "claimed", due_in_min=600),
        _case(2, "claimed", due_in_min=None, light=None),
        _case(3, "claimed", due_in_min=-90, light="red"),
        _case(4, "claimed", due_in_min=5, light="yellow"),
    ]
    rows = table_rows(cases, {"mode": "unit", "unit": "xfj"}, lang)
    assert [r["light_label"] for r in rows] == names
    assert {r["status"] for r in rows} == {"已签收" if lang == "zh" else "Claimed"}


@pytest.mark.parametrize(
    ("minutes", "text"),
    [(0.5, "剩 0分"), (59, "剩 59分"), (61, "剩 1时01分"), (60 * 27, "剩 1天3时"),
     (-3000, "超 2天2时"), (None, "—")],
)  # fmt: skip
def test_clock_text(minutes: float | None, text: str) -> None:
    assert wr.clock_text(minutes) == text


def test_flags_name_cards_rework_extensions_and_whistles() -> None:
    case = _case(1, "in_progress", urgent=True, rework_count=2, pending_extension_days=1.0,
                 whistles=[{"department": "gaj", "reported_at": None}])  # fmt: skip
    case["deadline"]["supervision"] = "red_card"
    assert wr.flags_of(case) == ["急", "红牌", "返工2", "延期待批", "吹哨"]
    assert wr.flags_of(case, "en")[:3] == ["Urgent", "Red card", "Rework 2"]


def _unit(code: str, kind: str, place: int | None, percent: float | None) -> dict[str, Any]:
    rate = {"percent": percent, "numerator": 1, "denominator": 2}
    return {"code": code, "kind": kind, "place": place, "counts": {"returned": 3},
            "rates": {"handled_on_time_rate": rate}}  # fmt: skip


def test_the_city_median_leaves_out_unranked_units_and_other_kinds() -> None:
    answer = {
        "items": [
            _unit("a", "department", 1, 90.0),
            _unit("b", "department", 2, 80.0),
            _unit("c", "department", 3, 60.0),
            _unit("d", "department", None, 0.0),  # too few cases: not ranked
            _unit("e", "township", 1, 10.0),
        ]
    }
    assert wr.median_rate(answer, "handled_on_time_rate", "department") == 80.0
    assert wr.median_rate(answer, "handled_on_time_rate", "township") == 10.0
    assert wr.median_rate({"items": []}, "handled_on_time_rate", "department") is None
    assert wr.unit_rate(answer, "c", "handled_on_time_rate")["percent"] == 60.0
    assert wr.beside_median(60.0, 80.0) == ("全市中位 80.0%", "below")
    assert wr.beside_median(90.0, 80.0, "en") == ("City median 80.0%", "above")
    assert wr.beside_median(None, None)[1] == ""


def test_the_timeline_is_newest_first_and_lists_each_photo_once() -> None:
    events = [
        {"action": "report", "action_label": "上报", "actor": "g1", "unit": None,
         "note": "网格员巡查上报", "data": {}, "at": "2026-11-22T01:00:00Z"},
        {"action": "handle", "action_label": "处置反馈", "actor": "o1", "unit": "xfj",
         "note": "已拆除", "data": {"photo_ids": [7, 8]}, "at": "2026-11-22T03:00:00Z"},
        {"action": "verify", "action_label": "核查", "actor": "g1", "unit": None,
         "note": None, "data": {"photo_ids": [8]}, "at": "2026-11-22T04:00:00Z"},
    ]  # fmt: skip
    items = wr.timeline_items(events)
    assert [i["label"] for i in items] == ["核查", "处置反馈", "上报"]
    assert items[1] == {
        "at": "11-22 11:00", "label": "处置反馈", "who": "o1 · xfj", "note": "已拆除",
        "photos": [7, 8],
    }  # fmt: skip
    assert wr.photo_ids(events) == [7, 8]
    assert wr.reporter_text({"reporter_name": "张*", "reporter_phone": "138****5678"}) == (
        "张* · 138****5678"
    )
    assert wr.reporter_text({"reporter_name": None, "reporter_phone": None}) == "—"


# ---------------------------------------------------------------- action forms


def test_every_action_has_a_form_that_asks_only_fields_of_the_api_body() -> None:
    assert set(actionforms.ACTION_FIELDS) == {a.value for a in Action}
    body_fields = set(ActionBody.model_fields)
    for action, fields in actionforms.ACTION_FIELDS.items():
        for field in fields:
            assert field.name in body_fields or field.kind == "photo", (action, field.name)
    assert [a for a in actionforms.ACTION_FIELDS if actionforms.one_click(a)] == [
        "accept", "claim", "start", "approve_extension",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("action", "values", "body", "missing"),
    [
        ("claim", {}, {}, []),
        ("dispatch", {"unit": "xfj", "co_units": ["zjj"]},
         {"unit": "xfj", "co_units": ["zjj"]}, []),
        ("dispatch", {"co_units": []}, {}, ["unit"]),
        ("verify", {"passed": "no", "reason": " 仍有飞线 "},
         {"passed": False, "reason": "仍有飞线"}, []),
        ("callback", {"unreachable": ["yes"], "rating": "满意"}, {"unreachable": True}, []),
        ("callback", {"unreachable": [], "rating": "满意"}, {"rating": "满意"}, ["solved"]),
        ("callback", {"rating": "不满意", "solved": "no"},
         {"rating": "不满意", "solved": False}, []),
        ("whistle", {"departments": ["xfj"], "minutes": 30.0},
         {"departments": ["xfj"], "minutes": 30}, []),
        ("extend", {"days": "2", "reason": "需协调"}, {"days": 2.0, "reason": "需协调"}, []),
        ("extend", {"days": "两天", "reason": "x"}, {"reason": "x"}, ["days"]),
        ("reject", {}, {}, ["reason"]),
        ("reject", {"duplicate_of": "SW-1"}, {"duplicate_of": "SW-1"}, []),
        ("handle", {"result": "已处置", "photo": "ignored"}, {"result": "已处置"}, []),
    ],
)  # fmt: skip
def test_action_body_sends_what_was_filled_in_and_names_what_is_missing(
    action: str, values: dict[str, Any], body: dict[str, Any], missing: list[str]
) -> None:
    assert actionforms.action_body(action, values) == (body, missing)
    if not missing:
        ActionBody.model_validate(body)  # the API takes it as it is


def test_handle_asks_a_reason_only_while_a_co_unit_owes_its_feedback() -> None:
    case = {"co_units": [{"unit": "zjj", "state": "open"}]}
    assert actionforms.owing(case) and not actionforms.owing({"co_units": []})
    names = [f.name for f in actionforms.fields_for("handle", owing=True)]
    assert names == ["result", "photo", "reason"]
    assert actionforms.action_body("handle", {"result": "好"}, owing=True) == (
        {"result": "好"},
        ["reason"],
    )
    assert "协办单位未反馈" in actionforms.missing_text("handle", ["reason"])


def test_a_lost_claim_names_who_signed_first() -> None:
    body = {"status": "claimed", "claimed_by": "officer_xfj", "allowed_actions": ["assign"]}
    text = actionforms.refusal_text(409, body, "already claimed", "claim")
    assert "officer_xfj" in text and "抢先签收" in text
    assert "officer_xfj" in actionforms.refusal_text(409, body, "x", "claim", "en")
    moved = actionforms.refusal_text(409, {"status": "handled"}, "不能执行", "handle")
    assert moved.startswith("案件状态已变化")
    assert actionforms.refusal_text(409, {"rule": "one_extension"}, "只能延期一次", "extend") == (
        "未执行，不符合办理规则：只能延期一次"
    )
    assert actionforms.refusal_text(403, {}, "无权", "claim").startswith("无权执行")
