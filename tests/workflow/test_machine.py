"""The closed-loop state machine, called without HTTP or a database."""

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
    ActionInput,
    Actor,
    CaseSnapshot,
    IllegalTransition,
    InvalidActionInput,
    NotPermitted,
    Role,
    Stage,
    Status,
    Transition,
    UnknownAction,
    WorkflowError,
    allowed_actions,
    apply,
    stage_for,
)

SMALL, MEDIUM, LARGE = "44150200100101", "441502001001", "441502001"
GRIDS = (SMALL, MEDIUM, LARGE)

DISPATCHER = Actor("duty", Role.dispatcher)
OFFICER = Actor("li", Role.officer, department="cgj")
OFFICER_SAME_DEPT = Actor("wang", Role.officer, department="cgj")
OFFICER_CO_DEPT = Actor("zhou", Role.officer, department="zjj")
OFFICER_OTHER_DEPT = Actor("zhao", Role.officer, department="gaj")
GRIDWORKER = Actor("grid1", Role.gridworker, grid_codes=frozenset({SMALL}))
TOWN_GRIDWORKER = Actor("town1", Role.gridworker, grid_codes=frozenset({LARGE}))
OUTSIDE_GRIDWORKER = Actor("grid9", Role.gridworker, grid_codes=frozenset({"44150200100299"}))
ADMIN = Actor("root", Role.admin)
ANALYST = Actor("ana", Role.analyst)
SCREEN = Actor("wall", Role.screen)


def new_case() -> CaseSnapshot:
    return CaseSnapshot(status=Status.reported, grid_codes=GRIDS)


def do(case: CaseSnapshot, action: Action | str, actor: Actor, **data: Any) -> Transition:
    return apply(case, action, actor, ActionInput(**data))


def dispatched_case() -> CaseSnapshot:
    case = do(new_case(), Action.accept, DISPATCHER).case
    return do(case, Action.dispatch, DISPATCHER, department="cgj", co_departments=("zjj",)).case


def claimed_case() -> CaseSnapshot:
    return do(dispatched_case(), Action.claim, OFFICER).case


def closed_case() -> CaseSnapshot:
    case = do(claimed_case(), Action.handle, OFFICER, result="已清理").case
    case = do(case, Action.verify, GRIDWORKER, passed=True).case
    return do(case, Action.close, DISPATCHER).case


def on_site_closed_case() -> CaseSnapshot:
    case = do(new_case(), Action.resolve_on_site, GRIDWORKER, result="当场劝离").case
    case = do(case, Action.verify, DISPATCHER, passed=True).case
    return do(case, Action.close, DISPATCHER).case


# --------------------------------------------------------------------- happy path


def test_full_happy_path_with_one_rework() -> None:
    case = new_case()

    t = do(case, Action.accept, DISPATCHER)
    assert (t.from_status, t.to_status, t.stage) == (
        Status.reported,
        Status.accepted,
        Stage.dispatch,
    )

    t = do(t.case, Action.dispatch, DISPATCHER, department="cgj", co_departments=("zjj",))
    assert t.to_status is Status.dispatched
    assert t.stage is Stage.claim
    assert t.note == "派遣至 cgj；协办 zjj"
    assert (t.case.department, t.case.co_departments) == ("cgj", ("zjj",))

    t = do(t.case, Action.claim, OFFICER)
    assert t.to_status is Status.claimed
    assert t.stage is Stage.handle
    assert t.case.claimed_by == "li"

    t = do(t.case, Action.start, OFFICER)
    assert t.to_status is Status.in_progress
    assert t.stage is None  # the handle deadline keeps running

    t = do(t.case, Action.handle, OFFICER, result="已清理飞线")
    assert t.to_status is Status.handled
    assert t.stage is Stage.verify
    assert t.note == "处置反馈：已清理飞线"

    t = do(t.case, Action.verify, GRIDWORKER, passed=False, reason="仍有飞线")
    assert t.to_status is Status.claimed
    assert t.stage is Stage.handle  # a new handle deadline
    assert t.case.rework_count == 1
    assert t.case.claimed_by == "li"
    assert "仍有飞线" in (t.note or "")

    # 首问负责: claimed_by is recorded, but any officer of the department may handle.
    t = do(t.case, Action.handle, OFFICER_SAME_DEPT, result="已拆除飞线并加装充电桩")
    assert t.to_status is Status.handled
    assert t.case.claimed_by == "li"

    t = do(t.case, Action.verify, GRIDWORKER, passed=True)
    assert (t.to_status, t.stage) == (Status.verified, None)

    t = do(t.case, Action.close, DISPATCHER)
    assert t.to_status is Status.closed
    assert stage_for(t.to_status) is None

    t = do(t.case, Action.rate, DISPATCHER, rating="满意")
    assert t.to_status is Status.rated
    final = t.case
    assert final.rating == "满意"
    assert (final.rework_count, final.return_count, final.extension_count) == (1, 0, 0)
    assert final.escalation_level == 0
    assert not final.reopened
    assert not final.resolved_on_site
    assert allowed_actions(final) == []


def test_resolve_on_site_then_verify_close_rate() -> None:
    t = do(new_case(), Action.resolve_on_site, GRIDWORKER, result="当场劝离")
    assert (t.to_status, t.stage) == (Status.handled, Stage.verify)
    assert t.case.resolved_on_site
    assert t.case.department is None
    case = do(t.case, Action.verify, DISPATCHER, passed=True).case
    case = do(case, Action.close, DISPATCHER).case
    case = do(case, Action.rate, GRIDWORKER, rating="基本满意").case
    assert case.status is Status.rated
    assert case.resolved_on_site


def test_action_given_as_string() -> None:
    t = do(dispatched_case(), "return", OFFICER, reason="不属本部门职责")
    assert t.action is Action.return_
    assert t.to_status is Status.accepted


def test_snapshot_with_plain_string_status() -> None:
    case = CaseSnapshot(status="reported", grid_codes=GRIDS)  # type: ignore[arg-type]
    assert allowed_actions(case)[0] is Action.accept
    assert do(case, "accept", DISPATCHER).from_status is Status.reported


# --------------------------------------------------------------------- the matrix

EXPECTED_LEGAL: dict[Status, set[Action]] = {
    Status.reported: {Action.accept, Action.reject, Action.resolve_on_site, Action.escalate},
    Status.accepted: {Action.dispatch, Action.escalate},
    Status.dispatched: {Action.claim, Action.return_, Action.escalate, Action.extend},
    Status.claimed: {Action.start, Action.handle, Action.return_, Action.escalate, Action.extend},
    Status.in_progress: {Action.handle, Action.escalate, Action.extend},
    Status.handled: {Action.verify, Action.escalate},
    Status.verified: {Action.close, Action.escalate},
    Status.closed: {Action.rate},
    Status.rated: set(),
    Status.rejected: set(),
}

# Input that is valid for every action, so only legality decides.
FULL_INPUT = ActionInput(
    department="cgj",
    reason="理由",
    result="已处置",
    passed=True,
    rating="满意",
    hours=8,
)


def snapshot_in(status: Status) -> CaseSnapshot:
    department = "cgj" if status not in {Status.reported, Status.accepted} else None
    return CaseSnapshot(status=status, department=department, grid_codes=GRIDS)


def in_order(actions: set[Action]) -> list[Action]:
    return [a for a in Action if a in actions]


ILLEGAL_PAIRS = [(s, a) for s in Status for a in Action if a not in EXPECTED_LEGAL[s]]
LEGAL_PAIRS = [(s, a) for s in Status for a in Action if a in EXPECTED_LEGAL[s]]


@pytest.mark.parametrize("status", list(Status))
def test_allowed_actions_per_status(status: Status) -> None:
    assert allowed_actions(snapshot_in(status)) == in_order(EXPECTED_LEGAL[status])


@pytest.mark.parametrize(("status", "action"), ILLEGAL_PAIRS)
def test_every_illegal_pair_raises(status: Status, action: Action) -> None:
    case = snapshot_in(status)
    with pytest.raises(IllegalTransition) as info:
        apply(case, action, ADMIN, FULL_INPUT)
    err = info.value
    assert (err.status, err.action) == (status, action)
    assert err.allowed == in_order(EXPECTED_LEGAL[status])
    message = str(err)
    assert status.value in message and STATUS_LABELS[status] in message
    for allowed in err.allowed:
        assert allowed.value in message
    assert isinstance(err, WorkflowError)


@pytest.mark.parametrize(("status", "action"), LEGAL_PAIRS)
def test_every_legal_pair_succeeds_for_admin(status: Status, action: Action) -> None:
    t = apply(snapshot_in(status), action, ADMIN, FULL_INPUT)
    assert t.action is action
    assert t.from_status is status


def test_approve_extension_only_with_a_pending_request() -> None:
    case = claimed_case()
    with pytest.raises(IllegalTransition) as info:
        do(case, Action.approve_extension, DISPATCHER)
    assert Action.extend in info.value.allowed
    pending = do(case, Action.extend, OFFICER, hours=24, reason="等待配件").case
    assert Action.approve_extension in allowed_actions(pending)
    # One request at a time.
    assert Action.extend not in allowed_actions(pending)
    with pytest.raises(IllegalTransition):
        do(pending, Action.extend, OFFICER, hours=8, reason="再延")


def test_stage_for_each_status() -> None:
    assert {s: stage_for(s) for s in Status} == {
        Status.reported: Stage.accept,
        Status.accepted: Stage.dispatch,
        Status.dispatched: Stage.claim,
        Status.claimed: Stage.handle,
        Status.in_progress: Stage.handle,
        Status.handled: Stage.verify,
        Status.verified: Stage.verify,
        Status.closed: None,
        Status.rated: None,
        Status.rejected: None,
    }


def test_open_statuses_and_labels() -> None:
    assert set(Status) - OPEN_STATUSES == {Status.rejected, Status.closed, Status.rated}
    assert set(STATUS_LABELS) == set(Status)
    assert set(ACTION_LABELS) == set(Action)
    assert Action.return_.value == "return"
    assert RATINGS == ("满意", "基本满意", "不满意")


# --------------------------------------------------------------------- permissions


@pytest.mark.parametrize("actor", [ANALYST, SCREEN], ids=["analyst", "screen"])
@pytest.mark.parametrize(("status", "action"), LEGAL_PAIRS)
def test_read_only_roles_can_do_nothing(actor: Actor, status: Status, action: Action) -> None:
    case = snapshot_in(status)
    assert allowed_actions(case, actor) == []
    with pytest.raises(NotPermitted) as info:
        apply(case, action, actor, FULL_INPUT)
    assert info.value.actor == actor
    assert info.value.action is action


@pytest.mark.parametrize(
    "action", [Action.claim, Action.return_, Action.escalate], ids=lambda a: a.value
)
def test_officer_of_another_department_is_refused(action: Action) -> None:
    with pytest.raises(NotPermitted) as info:
        do(dispatched_case(), action, OFFICER_OTHER_DEPT, reason="不属本部门")
    assert "department" in info.value.reason


def test_co_department_officer_may_escalate_but_not_claim() -> None:
    case = dispatched_case()
    assert allowed_actions(case, OFFICER_CO_DEPT) == [Action.escalate]
    assert (
        do(case, Action.escalate, OFFICER_CO_DEPT, reason="需镇街协调").case.escalation_level == 1
    )
    with pytest.raises(NotPermitted):
        do(case, Action.claim, OFFICER_CO_DEPT)


def test_officer_without_department_is_refused() -> None:
    with pytest.raises(NotPermitted):
        do(dispatched_case(), Action.claim, Actor("nobody", Role.officer))


def test_allowed_actions_filtered_by_actor() -> None:
    case = claimed_case()
    assert allowed_actions(case, OFFICER) == [
        Action.return_,
        Action.start,
        Action.handle,
        Action.escalate,
        Action.extend,
    ]
    assert allowed_actions(case, DISPATCHER) == [Action.escalate]
    assert allowed_actions(case, GRIDWORKER) == [Action.escalate]
    assert allowed_actions(case, OUTSIDE_GRIDWORKER) == []
    assert allowed_actions(case, ADMIN) == allowed_actions(case)


@pytest.mark.parametrize(
    ("case_factory", "action", "actor"),
    [
        (new_case, Action.accept, OFFICER),
        (new_case, Action.accept, GRIDWORKER),
        (new_case, Action.resolve_on_site, DISPATCHER),
        (dispatched_case, Action.claim, DISPATCHER),
        (claimed_case, Action.handle, DISPATCHER),
        (claimed_case, Action.handle, GRIDWORKER),
        (closed_case, Action.rate, OFFICER),
    ],
    ids=[
        "officer-accept",
        "gridworker-accept",
        "dispatcher-resolve",
        "dispatcher-claim",
        "dispatcher-handle",
        "gridworker-handle",
        "officer-rate",
    ],
)
def test_role_matrix_refusals(case_factory: Any, action: Action, actor: Actor) -> None:
    with pytest.raises(NotPermitted):
        apply(case_factory(), action, actor, FULL_INPUT)


def test_gridworker_scope() -> None:
    with pytest.raises(NotPermitted) as info:
        do(new_case(), Action.resolve_on_site, OUTSIDE_GRIDWORKER, result="劝离")
    assert "grid" in info.value.reason
    assert "grid9" in str(info.value)
    # Small grid in scope, or the large grid (a township grid worker sees all below it).
    assert do(new_case(), Action.resolve_on_site, GRIDWORKER, result="劝离").case.resolved_on_site
    assert (
        do(new_case(), Action.escalate, TOWN_GRIDWORKER, reason="复杂").case.escalation_level == 1
    )


def test_check_order_illegal_before_permission_before_input() -> None:
    # An analyst trying an impossible action hears about the state first.
    with pytest.raises(IllegalTransition):
        do(new_case(), Action.close, ANALYST)
    # An officer of another department sending bad input hears about permission first.
    with pytest.raises(NotPermitted):
        do(claimed_case(), Action.handle, OFFICER_OTHER_DEPT)
    # Unknown names come before everything.
    with pytest.raises(UnknownAction) as info:
        do(new_case(), "frobnicate", ANALYST)
    assert info.value.action == "frobnicate"
    assert "frobnicate" in str(info.value)


# --------------------------------------------------------------------- input


@pytest.mark.parametrize(
    ("case_factory", "action", "actor", "data", "field"),
    [
        (new_case, Action.reject, DISPATCHER, {}, "reason"),
        (new_case, Action.reject, DISPATCHER, {"reason": "  "}, "reason"),
        (new_case, Action.resolve_on_site, GRIDWORKER, {}, "result"),
        (
            lambda: do(new_case(), "accept", DISPATCHER).case,
            Action.dispatch,
            DISPATCHER,
            {},
            "department",
        ),
        (
            lambda: do(new_case(), "accept", DISPATCHER).case,
            Action.dispatch,
            DISPATCHER,
            {"department": "cgj", "co_departments": ("zjj", "cgj")},
            "co_departments",
        ),
        (
            lambda: do(new_case(), "accept", DISPATCHER).case,
            Action.dispatch,
            DISPATCHER,
            {"department": "cgj", "co_departments": ("zjj", "zjj")},
            "co_departments",
        ),
        (dispatched_case, Action.return_, OFFICER, {}, "reason"),
        (claimed_case, Action.handle, OFFICER, {}, "result"),
        (claimed_case, Action.handle, OFFICER, {"result": ""}, "result"),
        (
            lambda: do(claimed_case(), "handle", OFFICER, result="x").case,
            Action.verify,
            GRIDWORKER,
            {},
            "passed",
        ),
        (closed_case, Action.rate, DISPATCHER, {}, "rating"),
        (closed_case, Action.rate, DISPATCHER, {"rating": "很好"}, "rating"),
        (claimed_case, Action.extend, OFFICER, {"reason": "等待配件"}, "hours"),
        (claimed_case, Action.extend, OFFICER, {"hours": 0, "reason": "x"}, "hours"),
        (claimed_case, Action.extend, OFFICER, {"hours": -4, "reason": "x"}, "hours"),
        (claimed_case, Action.extend, OFFICER, {"hours": 720.5, "reason": "x"}, "hours"),
        (claimed_case, Action.extend, OFFICER, {"hours": float("nan"), "reason": "x"}, "hours"),
        (claimed_case, Action.extend, OFFICER, {"hours": 24}, "reason"),
        (claimed_case, Action.escalate, OFFICER, {}, "reason"),
        (
            claimed_case,
            Action.escalate,
            OFFICER,
            {"reason": "x", "co_departments": ("cgj",)},
            "co_departments",
        ),
    ],
)
def test_input_errors_name_the_field(
    case_factory: Any, action: Action, actor: Actor, data: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidActionInput) as info:
        do(case_factory(), action, actor, **data)
    assert info.value.field == field
    assert str(info.value).startswith(f"{field}: ")
    assert info.value.message


def test_reject_as_duplicate() -> None:
    t = do(new_case(), Action.reject, DISPATCHER, duplicate_of="SW-2026-000123")
    assert t.to_status is Status.rejected
    assert t.stage is None
    assert "SW-2026-000123" in (t.note or "")


def test_extend_limit_720_hours_is_allowed() -> None:
    t = do(claimed_case(), Action.extend, OFFICER, hours=720, reason="工程招标")
    assert t.case.pending_extension_hours == 720


# ------------------------------------------------- return, reopen, escalate, extend


def test_return_goes_back_to_dispatch_and_counts() -> None:
    t = do(claimed_case(), Action.return_, OFFICER, reason="属供电公司职责")
    assert t.to_status is Status.accepted
    assert t.stage is Stage.dispatch
    assert t.case.return_count == 1
    assert (t.case.department, t.case.co_departments, t.case.claimed_by) == (None, (), None)
    assert t.note == "cgj 退回：属供电公司职责"
    # The dispatcher re-dispatches; a second return counts again.
    case = do(t.case, Action.dispatch, DISPATCHER, department="gdj").case
    case = do(case, Action.return_, Actor("gd", Role.officer, department="gdj"), reason="x").case
    assert case.return_count == 2


def test_first_unsatisfied_rating_reopens_second_one_rates() -> None:
    t = do(closed_case(), Action.rate, DISPATCHER, rating="不满意")
    assert t.to_status is Status.claimed
    assert t.stage is Stage.handle
    assert t.case.reopened
    assert t.case.rework_count == 1
    assert t.case.rating is None  # the first answer lives in the event log
    assert t.case.department == "cgj"

    case = do(t.case, Action.handle, OFFICER, result="再次清理").case
    case = do(case, Action.verify, GRIDWORKER, passed=True).case
    case = do(case, Action.close, DISPATCHER).case
    t = do(case, Action.rate, DISPATCHER, rating="不满意")
    assert t.to_status is Status.rated
    assert t.case.rating == "不满意"
    assert t.case.rework_count == 1


def test_on_site_case_reopens_to_dispatch() -> None:
    t = do(on_site_closed_case(), Action.rate, GRIDWORKER, rating="不满意")
    assert t.to_status is Status.accepted
    assert t.stage is Stage.dispatch
    assert t.case.reopened
    assert not t.case.resolved_on_site
    assert t.case.rework_count == 1


def test_failed_verification_of_on_site_case_goes_to_dispatch() -> None:
    case = do(new_case(), Action.resolve_on_site, GRIDWORKER, result="劝离").case
    t = do(case, Action.verify, DISPATCHER, passed=False)
    assert (t.to_status, t.stage) == (Status.accepted, Stage.dispatch)
    assert t.case.rework_count == 1


def test_escalate_up_to_county_then_error() -> None:
    case = claimed_case()
    t = do(case, Action.escalate, OFFICER, reason="需镇街协调", co_departments=("gaj",))
    assert (t.to_status, t.stage) == (Status.claimed, None)
    assert t.case.escalation_level == 1
    assert t.case.co_departments == ("zjj", "gaj")
    assert t.note == "上报至镇街：需镇街协调；协办 gaj"
    t = do(t.case, Action.escalate, DISPATCHER, reason="多部门联动", co_departments=("gaj",))
    assert t.case.escalation_level == 2
    assert t.case.co_departments == ("zjj", "gaj")
    assert t.note is not None and t.note.startswith("上报至县区")
    assert Action.escalate not in allowed_actions(t.case)
    with pytest.raises(IllegalTransition) as info:
        do(t.case, Action.escalate, ADMIN, reason="再上报")
    assert Action.escalate not in info.value.allowed


def test_extend_and_approve_move_counts() -> None:
    t = do(claimed_case(), Action.extend, OFFICER, hours=16, reason="等待配件")
    assert (t.to_status, t.stage, t.extension_hours) == (Status.claimed, None, None)
    assert t.case.pending_extension_hours == 16
    assert t.note == "申请延期 16 小时：等待配件"
    with pytest.raises(NotPermitted):
        do(t.case, Action.approve_extension, OFFICER)

    t = do(t.case, Action.approve_extension, DISPATCHER)
    assert t.to_status is Status.claimed
    assert t.stage is None
    assert t.extension_hours == 16  # the caller moves the handle deadline by this
    assert t.case.pending_extension_hours is None
    assert t.case.extension_count == 1

    case = do(t.case, Action.extend, OFFICER, hours=8, reason="雨天").case
    case = do(case, Action.approve_extension, ADMIN).case
    assert case.extension_count == 2


def test_pending_extension_dropped_when_the_stage_ends() -> None:
    case = do(claimed_case(), Action.extend, OFFICER, hours=16, reason="等待配件").case
    t = do(case, Action.handle, OFFICER, result="已修复")
    assert t.case.pending_extension_hours is None
    assert t.case.extension_count == 0


def test_note_appended() -> None:
    t = do(new_case(), Action.accept, DISPATCHER, note="12345 转办")
    assert t.note == "受理立案；12345 转办"


def test_snapshots_are_not_mutated() -> None:
    case = claimed_case()
    before = replace(case)
    do(case, Action.handle, OFFICER, result="已修复")
    assert case == before
