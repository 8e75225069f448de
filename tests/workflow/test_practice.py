"""The seeds' practice: whistles, sub-tasks, call-back and review, extensions, returns, tiers."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from api.workflow import (
    Action,
    CaseSnapshot,
    CoUnit,
    IllegalTransition,
    InvalidActionInput,
    NotPermitted,
    ReviewDecision,
    RuleBroken,
    Stage,
    Status,
    SubtaskState,
    Summons,
    Tier,
    allowed_actions,
    apply,
)
from api.workflow.steps import WHISTLE_MAX_MINUTES
from tests.workflow.loop import (
    ADMIN,
    CO_OFFICER,
    COUNTY,
    GRIDWORKER,
    LEAD,
    OFFICER,
    OUTSIDER,
    POLICE,
    TOWNSHIP,
    accepted_case,
    claimed_case,
    dispatched_case,
    do,
    handled_case,
    in_progress_case,
    new_case,
    on_site_case,
    review_case,
    summons_of,
    valid_input,
    verified_case,
    whistled_case,
)

A = Action

# ------------------------------------------------------------------ 吹哨报到


def test_whistle_summons_departments() -> None:
    t = do(in_progress_case(), A.whistle, TOWNSHIP, departments=("gaj", "scj"), minutes=30)
    assert (t.to_status, t.stage) == (Status.in_progress, None)
    assert t.summoned == ("gaj", "scj")  # the service sets their 报到 deadline
    assert t.case.whistles == (Summons("gaj", 1), Summons("scj", 1))
    assert t.note == "吹哨：gaj、scj 报到"
    again = do(t.case, A.whistle, TOWNSHIP, departments=("gaj",)).case
    assert [s.whistle_no for s in again.whistles] == [1, 1, 2]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "departments"),
        ({"departments": ("gaj", "gaj")}, "departments"),
        ({"departments": ("",)}, "departments"),
        ({"departments": ("gaj",), "minutes": 0}, "minutes"),
        ({"departments": ("gaj",), "minutes": WHISTLE_MAX_MINUTES + 1}, "minutes"),
    ],
)
def test_whistle_input(data: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidActionInput) as info:
        do(in_progress_case(), A.whistle, TOWNSHIP, **data)
    assert info.value.field == field


def test_report_in_by_a_summoned_unit_once() -> None:
    case = whistled_case("gaj", "scj")
    assert allowed_actions(case, POLICE) == [A.report_in]
    with pytest.raises(NotPermitted) as info:
        do(case, A.report_in, CO_OFFICER)
    assert "not summoned or already reported in" in info.value.reason

    t = do(case, A.report_in, POLICE, note="已到场")
    assert (t.to_status, t.note) == (Status.in_progress, "gaj 报到；已到场")
    assert summons_of(t.case, "gaj").reported
    assert not summons_of(t.case, "scj").reported
    assert A.report_in not in allowed_actions(t.case, OUTSIDER)  # same unit, already in
    with pytest.raises(NotPermitted):
        do(t.case, A.report_in, OUTSIDER)


def test_report_in_once_then_nothing_left_to_report() -> None:
    case = do(whistled_case("gaj"), A.report_in, POLICE).case
    with pytest.raises(IllegalTransition):
        do(case, A.report_in, POLICE)


def test_the_centre_rates_each_report_in() -> None:
    case = do(whistled_case("gaj", "scj"), A.report_in, POLICE).case
    assert A.rate_report_in in allowed_actions(case, TOWNSHIP)
    assert A.rate_report_in not in allowed_actions(case, POLICE)
    with pytest.raises(InvalidActionInput) as info:
        do(case, A.rate_report_in, TOWNSHIP, unit="scj", rating="满意")  # not arrived yet
    assert info.value.field == "unit"
    with pytest.raises(InvalidActionInput) as info:
        do(case, A.rate_report_in, TOWNSHIP, unit="gaj", rating="优秀")
    assert info.value.field == "rating"

    t = do(case, A.rate_report_in, TOWNSHIP, unit="gaj", rating="基本满意")
    assert summons_of(t.case, "gaj").rating == "基本满意"
    assert t.note == "评价 gaj 报到：基本满意"
    assert A.rate_report_in not in allowed_actions(t.case)


def test_the_township_rates_report_ins_it_summoned_on_a_county_case() -> None:
    case = replace(in_progress_case(), tier=Tier.county)
    case = do(case, A.whistle, TOWNSHIP, departments=("gaj",)).case
    case = do(case, A.report_in, POLICE).case
    assert A.rate_report_in in allowed_actions(case, TOWNSHIP)
    t = do(case, A.rate_report_in, TOWNSHIP, unit="gaj", rating="满意")
    assert summons_of(t.case, "gaj").rating == "满意"


# ------------------------------------------------------------------ co-unit sub-tasks


def test_handle_refused_while_a_sub_task_is_open() -> None:
    case = in_progress_case()
    with pytest.raises(RuleBroken) as info:
        do(case, A.handle, OFFICER, result="已清理")
    assert info.value.rule == "open_subtasks"
    assert "zjj" in str(info.value)

    t = do(case, A.handle, OFFICER, result="已清理", reason="住建局逾期未反馈")
    assert t.to_status is Status.handled
    assert t.case.co_units == (CoUnit("zjj", SubtaskState.closed_by_lead, "住建局逾期未反馈"),)


def test_sub_tasks_reported_stay_as_reported() -> None:
    case = do(accepted_case(), A.dispatch, TOWNSHIP, unit="cgj", co_units=("zjj", "gaj")).case
    case = do(case, A.co_feedback, CO_OFFICER, note="已核查").case
    assert A.co_feedback not in allowed_actions(case, CO_OFFICER)  # once
    assert A.co_feedback in allowed_actions(case, POLICE)
    case = do(case, A.claim, OFFICER).case
    case = do(case, A.assign, OFFICER, officer="li").case
    case = do(case, A.handle, OFFICER, result="已清理", reason="公安未反馈").case
    assert case.co_units == (
        CoUnit("zjj", SubtaskState.done, "已核查"),
        CoUnit("gaj", SubtaskState.closed_by_lead, "公安未反馈"),
    )


# ------------------------------------------------------------------ call-back and review


def test_ratings_are_kept_as_given() -> None:
    case = do(review_case(), A.review, TOWNSHIP, decision=ReviewDecision.reopen, reason="复查").case
    case = do(case, A.handle, OFFICER, result="再次清理").case
    case = do(case, A.verify, TOWNSHIP, passed=True).case
    case = do(case, A.callback, TOWNSHIP, rating="不满意", solved=True).case
    assert case.status is Status.review
    assert (case.first_rating, case.first_solved) == ("不满意", False)
    assert (case.rating, case.solved) == ("不满意", True)
    case = do(
        case, A.review, TOWNSHIP, decision=ReviewDecision.unreasonable, reason="诉求过高"
    ).case
    assert (case.status, case.reopen_count, case.unreasonable) == (Status.closed, 1, True)


def test_review_reopens_an_on_site_case_in_the_township_queue() -> None:
    case = do(on_site_case(), A.verify, TOWNSHIP, passed=True).case
    case = do(case, A.callback, TOWNSHIP, rating="不满意", solved=False).case
    t = do(case, A.review, TOWNSHIP, decision=ReviewDecision.reopen, reason="仍有噪音")
    assert (t.to_status, t.stage, t.restart_handling) == (Status.accepted, Stage.dispatch, False)
    assert (t.case.tier, t.case.reopen_count, t.case.rework_count) == (Tier.township, 1, 0)
    assert t.note == "甄别重办，交派遣员：仍有噪音"


# ------------------------------------------------------------------ extensions


def test_extension_requested_then_approved() -> None:
    t = do(in_progress_case(), A.extend, OFFICER, days=2, reason="等待配件")
    assert (t.to_status, t.stage, t.extension_days) == (Status.in_progress, None, None)
    assert t.case.pending_extension_days == 2.0
    assert t.note == "申请延期 2 个工作日：等待配件"
    with pytest.raises(NotPermitted):
        do(t.case, A.approve_extension, OFFICER)

    t = do(t.case, A.approve_extension, TOWNSHIP)
    assert t.extension_days == 2.0  # the service moves the handling deadline by this
    assert (t.case.pending_extension_days, t.case.extension_count) == (None, 1)
    assert t.note == "批准延期 2 个工作日"
    assert A.extend not in allowed_actions(t.case)
    with pytest.raises(RuleBroken) as info:
        do(t.case, A.extend, OFFICER, days=1, reason="再延")
    assert info.value.rule == "one_extension"


def test_extension_refused_once_overdue() -> None:
    case = in_progress_case(overdue=True)
    assert A.extend not in allowed_actions(case, OFFICER)
    with pytest.raises(RuleBroken) as info:
        do(case, A.extend, OFFICER, days=1, reason="等待配件")
    assert info.value.rule == "extend_before_deadline"


@pytest.mark.parametrize("days", [None, 0, -1, 3.5, float("nan"), float("inf")])
def test_extension_at_most_the_handling_limit(days: float | None) -> None:
    with pytest.raises(InvalidActionInput) as info:
        do(in_progress_case(handle_limit_days=3), A.extend, OFFICER, days=days, reason="x")
    assert info.value.field == "days"


def test_extension_of_the_whole_handling_limit() -> None:
    case = in_progress_case(handle_limit_days=3)
    assert do(case, A.extend, LEAD, days=3, reason="工程招标").case.pending_extension_days == 3


def test_approval_keeps_ever_overdue() -> None:
    case = do(in_progress_case(), A.extend, OFFICER, days=1, reason="等待配件").case
    case = replace(case, overdue=True)
    t = do(case, A.approve_extension, TOWNSHIP)
    assert t.extension_days == 1.0
    assert t.case.ever_overdue
    assert do(
        replace(t.case, overdue=False), A.handle, OFFICER, result="x", reason="y"
    ).case.ever_overdue


@pytest.mark.parametrize(
    ("build", "action", "actor", "ends"),
    [
        (in_progress_case, A.handle, OFFICER, {"result": "已清理", "reason": "协办未反馈"}),
        (claimed_case, A.return_, OFFICER, {"reason": "不属本单位"}),
        (in_progress_case, A.escalate, OFFICER, {"reason": "需县级协调"}),
    ],
    ids=["handle", "return", "escalate"],
)
def test_a_pending_extension_ends_with_the_handling_round(
    build: Any, action: Action, actor: Any, ends: dict[str, Any]
) -> None:
    case = do(build(), A.extend, OFFICER, days=1, reason="等待配件").case
    t = do(case, action, actor, **ends)
    assert t.case.pending_extension_days is None
    assert t.case.extension_count == 0
    assert A.approve_extension not in allowed_actions(t.case)


# ------------------------------------------------------------------ ever overdue


@pytest.mark.parametrize(
    ("build", "action", "actor", "data"),
    [
        (new_case, A.accept, TOWNSHIP, {}),
        (dispatched_case, A.claim, OFFICER, {}),
        (in_progress_case, A.whistle, TOWNSHIP, {"departments": ("gaj",)}),
        (in_progress_case, A.co_feedback, CO_OFFICER, {"note": "已协查"}),
        (handled_case, A.verify, TOWNSHIP, {"passed": True}),
        (verified_case, A.callback, TOWNSHIP, {"unreachable": True}),
    ],
    ids=lambda v: v.value if isinstance(v, Action) else None,
)
def test_a_transition_made_overdue_marks_the_case_for_good(
    build: Any, action: Action, actor: Any, data: dict[str, Any]
) -> None:
    case = replace(build(), overdue=True)
    marked = do(case, action, actor, **data).case
    assert marked.ever_overdue
    assert not do(build(), action, actor, **data).case.ever_overdue
    later = replace(marked, overdue=False)
    for action in allowed_actions(later, ADMIN):
        assert apply(later, action, ADMIN, valid_input(later, action)).case.ever_overdue


# ------------------------------------------------------------------ returns


def test_return_goes_back_to_dispatch_and_counts() -> None:
    t = do(claimed_case(), A.return_, LEAD, reason="属供电公司职责")
    assert (t.to_status, t.stage) == (Status.accepted, Stage.dispatch)
    assert (t.case.unit, t.case.co_units, t.case.claimed_by, t.case.return_count) == (
        None,
        (),
        None,
        1,
    )
    assert t.note == "cgj 退回：属供电公司职责"
    case = do(t.case, A.dispatch, TOWNSHIP, unit="gaj").case
    assert do(case, A.return_, POLICE, reason="x").case.return_count == 2


def test_return_refused_outside_the_window() -> None:
    case = dispatched_case(return_window_open=False)
    assert A.return_ not in allowed_actions(case, OFFICER)
    with pytest.raises(RuleBroken) as info:
        do(case, A.return_, OFFICER, reason="不属本单位")
    assert info.value.rule == "return_window"


# ------------------------------------------------------------------ up the tiers


def test_escalate_grid_to_township_to_county() -> None:
    t = do(new_case(tier=Tier.grid), A.escalate, GRIDWORKER, reason="需镇街协调")
    assert (t.to_status, t.stage, t.case.tier) == (Status.reported, None, Tier.township)
    assert t.note == "上报至镇街：需镇街协调"
    case = do(t.case, A.accept, TOWNSHIP).case
    case = do(case, A.dispatch, TOWNSHIP, unit="cgj", co_units=("zjj",)).case
    case = do(case, A.claim, OFFICER).case

    t = do(case, A.escalate, OFFICER, reason="多部门联动")
    assert (t.to_status, t.stage, t.case.tier) == (Status.accepted, Stage.dispatch, Tier.county)
    assert (t.case.unit, t.case.co_units, t.case.claimed_by, t.case.assignee) == (
        None,
        (),
        None,
        None,
    )
    assert allowed_actions(t.case, TOWNSHIP) == [A.whistle]
    assert A.dispatch in allowed_actions(t.case, COUNTY)


def test_no_escalation_above_the_county() -> None:
    case = replace(accepted_case(), tier=Tier.county)
    assert A.escalate not in allowed_actions(case)
    with pytest.raises(IllegalTransition) as info:
        do(case, A.escalate, ADMIN, reason="再上报")
    assert A.escalate not in info.value.allowed


def test_closing_tier_is_where_the_case_closed() -> None:
    case: CaseSnapshot = do(on_site_case(), A.verify, TOWNSHIP, passed=True).case
    assert case.closing_tier is None
    case = do(case, A.callback, TOWNSHIP, rating="满意", solved=True).case
    assert case.closing_tier is Tier.grid
    county = do(replace(verified_case(), tier=Tier.county), A.callback, COUNTY, unreachable=True)
    assert county.case.closing_tier is Tier.county
