"""The closed-loop machine: legality of every status × action, and the transitions."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from api.workflow import (
    ACTION_LABELS,
    OPEN_STATUSES,
    RATINGS,
    STATUS_LABELS,
    Action,
    Actor,
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
    UnknownAction,
    WorkflowError,
    allowed_actions,
    apply,
    stage_for,
)
from tests.workflow.loop import (
    ADMIN,
    ANALYST,
    CO_OFFICER,
    COLLEAGUE,
    EVERYONE,
    GRIDS,
    GRIDWORKER,
    LEAD,
    OFFICER,
    TOWNSHIP,
    VALID_INPUT,
    accepted_case,
    assigned_case,
    claimed_case,
    dispatched_case,
    do,
    handled_case,
    in_progress_case,
    new_case,
    on_site_case,
    review_case,
    valid_input,
    verified_case,
)

A = Action

# ------------------------------------------------------------------ legality by status

EXPECTED_LEGAL: dict[Status, set[Action]] = {
    Status.reported: {A.accept, A.reject, A.resolve_on_site, A.escalate, A.whistle},
    Status.accepted: {A.dispatch, A.reject, A.escalate, A.whistle},
    Status.dispatched: {A.claim, A.return_, A.escalate, A.whistle, A.extend},
    Status.claimed: {A.assign, A.return_, A.escalate, A.whistle, A.extend},
    Status.assigned: {A.assign, A.start, A.handle, A.escalate, A.whistle, A.extend},
    Status.in_progress: {A.assign, A.handle, A.escalate, A.whistle, A.extend},
    Status.handled: {A.verify},
    Status.verified: {A.callback},
    Status.review: {A.review},
    Status.closed: set(),
    Status.rejected: set(),
}
"""What a plain township case (no sub-task, whistle or pending extension) allows."""

UNIT_STATUSES = (Status.dispatched, Status.claimed, Status.assigned, Status.in_progress)
BEFORE_HANDLED = (Status.reported, Status.accepted, *UNIT_STATUSES)


def snapshot_in(status: Status, **fields: Any) -> CaseSnapshot:
    unit = "cgj" if status not in (Status.reported, Status.accepted) else None
    assignee = "li" if status in (Status.assigned, Status.in_progress) else None
    return CaseSnapshot(status=status, grid_codes=GRIDS, unit=unit, assignee=assignee, **fields)


def in_order(actions: set[Action]) -> list[Action]:
    return [a for a in Action if a in actions]


ILLEGAL_PAIRS = [(s, a) for s in Status for a in Action if a not in EXPECTED_LEGAL[s]]
LEGAL_PAIRS = [(s, a) for s in Status for a in Action if a in EXPECTED_LEGAL[s]]


@pytest.mark.parametrize("status", list(Status), ids=str)
def test_allowed_actions_per_status(status: Status) -> None:
    assert allowed_actions(snapshot_in(status)) == in_order(EXPECTED_LEGAL[status])


@pytest.mark.parametrize(("status", "action"), ILLEGAL_PAIRS, ids=str)
def test_every_illegal_pair_names_status_and_allowed_actions(
    status: Status, action: Action
) -> None:
    with pytest.raises(IllegalTransition) as info:
        apply(snapshot_in(status), action, ADMIN, VALID_INPUT)
    err = info.value
    assert (err.status, err.action) == (status, action)
    assert err.allowed == in_order(EXPECTED_LEGAL[status])
    message = str(err)
    assert status.value in message and STATUS_LABELS[status] in message
    assert action.value in message and ACTION_LABELS[action] in message
    assert all(allowed.value in message for allowed in err.allowed)
    assert err.context["allowed_actions"] == [a.value for a in err.allowed]
    assert "claimed_by" not in err.context
    assert isinstance(err, WorkflowError)


@pytest.mark.parametrize(("status", "action"), LEGAL_PAIRS, ids=str)
def test_every_legal_pair_succeeds_for_admin(status: Status, action: Action) -> None:
    t = apply(snapshot_in(status), action, ADMIN, VALID_INPUT)
    assert (t.action, t.from_status) == (action, status)


def test_lost_claim_names_who_signed() -> None:
    case = claimed_case()
    with pytest.raises(IllegalTransition) as info:
        do(case, Action.claim, COLLEAGUE)
    assert info.value.context["claimed_by"] == OFFICER.username
    assert "already claimed by li" in str(info.value)
    assert info.value.allowed == allowed_actions(case)


# ------------------------------------------------------------------ conditional legality


def _legal(case: CaseSnapshot, action: Action) -> bool:
    return action in allowed_actions(case)


@pytest.mark.parametrize("status", list(Status), ids=str)
def test_answer_only_for_answerable_reported_cases(status: Status) -> None:
    assert _legal(snapshot_in(status, answerable=True), A.answer) is (status is Status.reported)
    assert not _legal(snapshot_in(status, answerable=False), A.answer)


@pytest.mark.parametrize("status", list(Status), ids=str)
def test_escalate_before_handling_and_below_the_county(status: Status) -> None:
    for tier in (Tier.grid, Tier.township):
        assert _legal(snapshot_in(status, tier=tier), A.escalate) is (status in BEFORE_HANDLED)
    assert not _legal(snapshot_in(status, tier=Tier.county), A.escalate)


@pytest.mark.parametrize("status", list(Status), ids=str)
def test_co_feedback_while_a_sub_task_is_open(status: Status) -> None:
    open_task = (CoUnit("zjj"), CoUnit("gaj", SubtaskState.done))
    assert _legal(snapshot_in(status, co_units=open_task), A.co_feedback) is (
        status in UNIT_STATUSES
    )
    settled = (CoUnit("zjj", SubtaskState.done), CoUnit("gaj", SubtaskState.closed_by_lead))
    assert not _legal(snapshot_in(status, co_units=settled), A.co_feedback)


@pytest.mark.parametrize("status", list(Status), ids=str)
def test_report_in_and_its_rating(status: Status) -> None:
    waiting = (Summons("gaj", 1),)
    assert _legal(snapshot_in(status, whistles=waiting), A.report_in) is (status in BEFORE_HANDLED)
    assert not _legal(snapshot_in(status, whistles=waiting), A.rate_report_in)
    arrived = (Summons("gaj", 1, reported=True),)
    assert not _legal(snapshot_in(status, whistles=arrived), A.report_in)
    assert _legal(snapshot_in(status, whistles=arrived), A.rate_report_in)
    rated = (Summons("gaj", 1, reported=True, rating="满意"),)
    assert not _legal(snapshot_in(status, whistles=rated), A.rate_report_in)


@pytest.mark.parametrize("status", list(Status), ids=str)
def test_extension_request_then_approval(status: Status) -> None:
    pending = snapshot_in(status, pending_extension_days=1.0)
    assert not _legal(pending, A.extend)
    assert _legal(pending, A.approve_extension) is (status in UNIT_STATUSES)
    assert not _legal(snapshot_in(status), A.approve_extension)


# ------------------------------------------------------------------ the full story


def test_full_story_with_one_reopening() -> None:
    t = do(new_case(), A.accept, TOWNSHIP)
    assert (t.from_status, t.to_status, t.stage) == (
        Status.reported,
        Status.accepted,
        Stage.dispatch,
    )

    t = do(t.case, A.dispatch, TOWNSHIP, unit="cgj", co_units=("zjj",))
    assert (t.to_status, t.stage, t.restart_handling) == (Status.dispatched, Stage.claim, True)
    assert t.note == "派遣至 cgj；协办 zjj"
    assert (t.case.unit, t.case.co_units) == ("cgj", (CoUnit("zjj"),))

    t = do(t.case, A.claim, OFFICER)
    assert (t.to_status, t.stage, t.case.claimed_by) == (Status.claimed, Stage.handle, "li")
    t = do(t.case, A.assign, LEAD, officer="li")
    assert (t.to_status, t.stage, t.case.assignee) == (Status.assigned, None, "li")
    t = do(t.case, A.start, OFFICER)
    assert (t.to_status, t.stage) == (Status.in_progress, None)  # the handling clock runs on

    t = do(t.case, A.co_feedback, CO_OFFICER, note="已核查房屋产权")
    assert t.to_status is Status.in_progress
    assert t.case.co_units == (CoUnit("zjj", SubtaskState.done, "已核查房屋产权"),)
    assert t.note == "zjj 协办反馈：已核查房屋产权"

    t = do(t.case, A.handle, OFFICER, result="已清理飞线")
    assert (t.to_status, t.stage, t.case.handled_by) == (Status.handled, Stage.verify, "li")
    assert t.note == "处置反馈：已清理飞线"
    t = do(t.case, A.verify, TOWNSHIP, passed=True)
    assert (t.to_status, t.stage) == (Status.verified, Stage.callback)

    t = do(t.case, A.callback, TOWNSHIP, rating="不满意", solved=False)
    assert (t.to_status, t.stage) == (Status.review, Stage.callback)
    assert (t.case.first_rating, t.case.first_solved) == ("不满意", False)
    assert t.note == "回访：不满意，未解决，转甄别"

    t = do(t.case, A.review, TOWNSHIP, decision=ReviewDecision.reopen, reason="飞线复现")
    assert (t.to_status, t.stage, t.restart_handling) == (Status.in_progress, Stage.handle, True)
    assert (t.case.assignee, t.case.handled_by, t.case.reopen_count) == ("li", None, 1)

    t = do(t.case, A.handle, OFFICER, result="加装充电桩")
    t = do(t.case, A.verify, TOWNSHIP, passed=True)
    t = do(t.case, A.callback, TOWNSHIP, rating="满意", solved=True)
    assert (t.to_status, t.stage) == (Status.closed, None)
    assert stage_for(t.to_status) is None

    final = t.case
    assert (final.rework_count, final.reopen_count, final.return_count) == (0, 1, 0)
    assert (final.first_rating, final.rating) == ("不满意", "满意")
    assert (final.first_solved, final.solved) == (False, True)
    assert final.closing_tier is Tier.township
    assert not (final.unreachable or final.unreasonable or final.ever_overdue)
    assert allowed_actions(final) == []


# ------------------------------------------------------------------ transitions


def test_verify_fail_sends_the_case_back_to_its_assignee() -> None:
    t = do(handled_case(), A.verify, TOWNSHIP, passed=False, reason="仍有飞线")
    assert (t.to_status, t.stage, t.restart_handling) == (Status.in_progress, Stage.handle, True)
    assert (t.case.rework_count, t.case.assignee, t.case.handled_by) == (1, "li", None)
    assert t.note == "核查不通过，退回cgj重新处置：仍有飞线"


def test_verify_fail_of_an_on_site_case_goes_to_the_township_queue() -> None:
    case = on_site_case()
    assert (case.status, case.tier, case.handled_by) == (Status.handled, Tier.grid, "grid1")
    assert case.resolved_on_site
    t = do(case, A.verify, TOWNSHIP, passed=False)
    assert (t.to_status, t.stage, t.restart_handling) == (Status.accepted, Stage.dispatch, False)
    assert (t.case.tier, t.case.rework_count) == (Tier.township, 1)
    assert not t.case.resolved_on_site
    assert t.case.handled_by is None


def test_unreachable_call_back_closes_without_a_rating() -> None:
    t = do(verified_case(), A.callback, TOWNSHIP, unreachable=True)
    assert (t.to_status, t.stage) == (Status.closed, None)
    assert t.case.unreachable
    assert (t.case.first_rating, t.case.rating, t.case.first_solved) == (None, None, None)
    assert t.note == "回访未接通，结案"


@pytest.mark.parametrize("rating", ["满意", "基本满意"])
def test_satisfied_call_back_closes(rating: str) -> None:
    t = do(verified_case(), A.callback, TOWNSHIP, rating=rating, solved=True)
    assert t.to_status is Status.closed
    assert (t.case.first_rating, t.case.rating) == (rating, rating)


def test_review_unreasonable_closes_flagged() -> None:
    t = do(
        review_case(), A.review, TOWNSHIP, decision=ReviewDecision.unreasonable, reason="超出政策"
    )
    assert (t.to_status, t.stage) == (Status.closed, None)
    assert t.case.unreasonable
    assert (t.case.first_rating, t.case.rating, t.case.reopen_count) == ("不满意", "不满意", 0)
    assert t.case.closing_tier is Tier.township


def test_answer_at_intake_closes_at_the_case_tier() -> None:
    t = do(new_case(answerable=True, tier=Tier.county), A.answer, ADMIN, result="按政策答复")
    assert (t.from_status, t.to_status, t.stage) == (Status.reported, Status.closed, None)
    assert t.case.closing_tier is Tier.county
    assert t.note == "直接答复：按政策答复"
    with pytest.raises(IllegalTransition):
        do(new_case(), A.answer, TOWNSHIP, result="按政策答复")


def test_reject_as_duplicate() -> None:
    t = do(new_case(), A.reject, TOWNSHIP, duplicate_of="SW-2026-000123")
    assert (t.to_status, t.stage) == (Status.rejected, None)
    assert t.note == "不予受理：重复件，同 SW-2026-000123"
    assert t.case.closing_tier is None


def test_reassign_keeps_the_status() -> None:
    t = do(in_progress_case(), A.assign, LEAD, officer="wang")
    assert (t.to_status, t.case.assignee) == (Status.in_progress, "wang")
    assert do(t.case, A.handle, COLLEAGUE, result="已清理", reason="x").to_status is Status.handled


def test_action_given_as_string_and_note_appended() -> None:
    t = do(dispatched_case(), "return", OFFICER, reason="不属本单位职责", note="建议派供电")
    assert (t.action, t.to_status) == (A.return_, Status.accepted)
    assert t.note == "cgj 退回：不属本单位职责；建议派供电"


def test_snapshots_are_not_mutated() -> None:
    case = in_progress_case()
    before = replace(case)
    do(case, A.handle, OFFICER, result="已清理", reason="协办未反馈")
    assert case == before


def test_vocabulary() -> None:
    assert set(Status) - OPEN_STATUSES == {Status.rejected, Status.closed}
    assert RATINGS == ("满意", "基本满意", "不满意")
    assert A.return_.value == "return"
    assert Status.closed.label == "已结案"
    assert [stage_for(s) for s in (Status.verified, Status.review)] == [Stage.callback] * 2


# ------------------------------------------------------------------ check order and input


def test_check_order() -> None:
    with pytest.raises(UnknownAction) as unknown:
        do(new_case(), "close", ANALYST)
    assert unknown.value.action == "close"
    with pytest.raises(IllegalTransition):
        do(new_case(), A.verify, ANALYST)
    with pytest.raises(NotPermitted):
        do(in_progress_case(), A.handle, COLLEAGUE)  # no result either
    with pytest.raises(RuleBroken):
        do(in_progress_case(overdue=True), A.extend, OFFICER, days=99)


@pytest.mark.parametrize(
    ("build", "action", "actor", "data", "field"),
    [
        (new_case, A.reject, TOWNSHIP, {"reason": "  "}, "reason"),
        (new_case, A.resolve_on_site, GRIDWORKER, {}, "result"),
        (accepted_case, A.dispatch, TOWNSHIP, {}, "unit"),
        (accepted_case, A.dispatch, TOWNSHIP, {"unit": "cgj", "co_units": ("cgj",)}, "co_units"),
        (accepted_case, A.dispatch, TOWNSHIP, {"unit": "cgj", "co_units": ("a", "a")}, "co_units"),
        (accepted_case, A.dispatch, TOWNSHIP, {"unit": "cgj", "co_units": (" ",)}, "co_units"),
        (dispatched_case, A.return_, OFFICER, {}, "reason"),
        (claimed_case, A.assign, LEAD, {}, "officer"),
        (in_progress_case, A.co_feedback, CO_OFFICER, {}, "note"),
        (assigned_case, A.handle, OFFICER, {"reason": "x"}, "result"),
        (handled_case, A.verify, TOWNSHIP, {}, "passed"),
        (verified_case, A.callback, TOWNSHIP, {"solved": True}, "rating"),
        (verified_case, A.callback, TOWNSHIP, {"rating": "很好", "solved": True}, "rating"),
        (verified_case, A.callback, TOWNSHIP, {"rating": "满意"}, "solved"),
        (review_case, A.review, TOWNSHIP, {"reason": "x"}, "decision"),
        (review_case, A.review, TOWNSHIP, {"decision": ReviewDecision.reopen}, "reason"),
        (in_progress_case, A.escalate, OFFICER, {}, "reason"),
        (in_progress_case, A.extend, OFFICER, {"days": 1}, "reason"),
    ],
)
def test_input_errors_name_the_field(
    build: Any, action: Action, actor: Actor, data: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidActionInput) as info:
        do(build(), action, actor, **data)
    assert info.value.field == field
    assert str(info.value).startswith(f"{field}: ")


# ------------------------------------------------------------------ allowed_actions = apply


def _accepted_by_apply(case: CaseSnapshot, action: Action, actor: Actor) -> bool:
    try:
        apply(case, action, actor, valid_input(case, action))
    except (IllegalTransition, NotPermitted, RuleBroken):
        return False
    return True


CASES_ALONG_THE_LOOP = {
    "reported": new_case,
    "answerable": lambda: new_case(answerable=True),
    "accepted": accepted_case,
    "dispatched": dispatched_case,
    "claimed": claimed_case,
    "assigned": assigned_case,
    "in_progress": in_progress_case,
    "whistled": lambda: do(in_progress_case(), A.whistle, TOWNSHIP, departments=("gaj",)).case,
    "pending_extension": lambda: do(in_progress_case(), A.extend, OFFICER, days=1, reason="x").case,
    "extended": lambda: in_progress_case(extension_count=1),
    "overdue": lambda: in_progress_case(overdue=True),
    "return_window_shut": lambda: dispatched_case(return_window_open=False),
    "handled": handled_case,
    "on_site": on_site_case,
    "verified": verified_case,
    "review": review_case,
    "county": lambda: replace(dispatched_case(), tier=Tier.county),
    "grid": lambda: new_case(tier=Tier.grid),
}


@pytest.mark.parametrize("build", CASES_ALONG_THE_LOOP.values(), ids=CASES_ALONG_THE_LOOP.keys())
def test_allowed_actions_are_exactly_what_apply_accepts(build: Any) -> None:
    case = build()
    for actor in EVERYONE:
        accepted = [a for a in Action if _accepted_by_apply(case, a, actor)]
        assert allowed_actions(case, actor) == accepted, actor.username
