"""Who may act: the access table, reach, ownership and separation of duties."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from api.workflow import (
    POLICY,
    Action,
    Actor,
    CaseSnapshot,
    NotPermitted,
    Permission,
    PersonalData,
    Role,
    Status,
    Tier,
    allowed_actions,
    apply,
    can_see,
    may,
    personal_data,
)
from tests.workflow.loop import (
    ADMIN,
    ANALYST,
    CO_LEAD,
    CO_OFFICER,
    COLLEAGUE,
    COUNTY,
    GRIDWORKER,
    LEAD,
    OFFICER,
    OTHER_GRIDWORKER,
    OTHER_TOWNSHIP,
    OUTSIDER,
    POLICE,
    SCREEN,
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
    verified_case,
    whistled_case,
)

A = Action


def refused(case: CaseSnapshot, action: Action, actor: Actor, **data: Any) -> NotPermitted:
    """The refusal ``actor`` gets, checked against ``allowed_actions`` too."""
    assert action in allowed_actions(case)
    assert action not in allowed_actions(case, actor)
    with pytest.raises(NotPermitted) as info:
        apply(case, action, actor, replace(VALID_INPUT, **data))
    assert info.value.actor == actor and info.value.action is action
    assert actor.username in str(info.value)
    return info.value


# ------------------------------------------------------------------ the role table


@pytest.mark.parametrize("actor", [ANALYST, SCREEN], ids=lambda a: a.role)
@pytest.mark.parametrize(
    "build",
    [new_case, dispatched_case, in_progress_case, handled_case, verified_case, review_case],
    ids=lambda b: b.__name__,
)
def test_read_only_roles_do_nothing(actor: Actor, build: Any) -> None:
    case = build()
    assert allowed_actions(case, actor) == []
    for action in allowed_actions(case):
        assert "read-only" in refused(case, action, actor).reason


@pytest.mark.parametrize(
    ("build", "action", "actor"),
    [
        (new_case, A.accept, OFFICER),
        (new_case, A.accept, GRIDWORKER),
        (new_case, A.resolve_on_site, TOWNSHIP),
        (accepted_case, A.dispatch, LEAD),
        (dispatched_case, A.claim, TOWNSHIP),
        (claimed_case, A.assign, TOWNSHIP),
        (assigned_case, A.start, LEAD),
        (assigned_case, A.handle, LEAD),
        (in_progress_case, A.handle, TOWNSHIP),
        (in_progress_case, A.handle, GRIDWORKER),
        (handled_case, A.verify, OFFICER),
        (handled_case, A.verify, LEAD),
        (verified_case, A.callback, GRIDWORKER),
        (verified_case, A.callback, OFFICER),
        (review_case, A.review, LEAD),
        (in_progress_case, A.extend, TOWNSHIP),
        (in_progress_case, A.whistle, OFFICER),
    ],
    ids=lambda v: v.value if isinstance(v, Action) else getattr(v, "username", None),
)
def test_role_table_refusals(build: Any, action: Action, actor: Actor) -> None:
    reason = refused(build(), action, actor).reason
    assert f"a {actor.role.value} cannot do this" in reason


def test_route_guards_and_personal_data_follow_the_table() -> None:
    assert may(Role.officer, Permission.act) and may(Role.gridworker, Permission.report)
    assert not may(Role.analyst, Permission.act) and not may(Role.screen, Permission.report)
    assert not may(Role.screen, Permission.view_photos)
    assert personal_data(Role.dispatcher) is PersonalData.full
    assert personal_data(Role.officer) is PersonalData.masked
    assert personal_data(Role.analyst) is PersonalData.hidden
    assert set(POLICY) == set(Role)


# ------------------------------------------------------------------ reach


@pytest.mark.parametrize("action", [A.claim, A.return_, A.escalate], ids=str)
def test_officer_of_another_unit_is_refused(action: Action) -> None:
    assert "lead unit" in refused(dispatched_case(), action, OUTSIDER).reason


def test_co_unit_may_feed_back_but_not_claim() -> None:
    case = dispatched_case()
    assert allowed_actions(case, CO_OFFICER) == [A.co_feedback]
    assert allowed_actions(case, CO_LEAD) == [A.co_feedback]
    refused(case, A.claim, CO_OFFICER)


def test_officer_without_a_unit_is_refused() -> None:
    refused(dispatched_case(), A.claim, Actor("nobody", Role.officer))


def test_grid_worker_outside_the_grids_is_refused() -> None:
    assert "outside your grids" in refused(new_case(), A.resolve_on_site, OTHER_GRIDWORKER).reason
    assert do(new_case(), A.resolve_on_site, GRIDWORKER, result="劝离").case.resolved_on_site


def test_township_outside_its_area_is_refused() -> None:
    assert "outside your centre's area" in refused(new_case(), A.accept, OTHER_TOWNSHIP).reason
    assert allowed_actions(new_case(), OTHER_TOWNSHIP) == []


@pytest.mark.parametrize(
    ("build", "action"),
    [
        (new_case, A.accept),
        (accepted_case, A.dispatch),
        (handled_case, A.verify),
        (verified_case, A.callback),
        (review_case, A.review),
    ],
    ids=lambda v: v.value if isinstance(v, Action) else v.__name__,
)
def test_township_is_refused_on_a_county_case(build: Any, action: Action) -> None:
    case = replace(build(), tier=Tier.county)
    assert "county centre's queue" in refused(case, action, TOWNSHIP).reason
    assert action in allowed_actions(case, COUNTY)


def test_township_may_still_whistle_on_a_county_case() -> None:
    case = replace(in_progress_case(), tier=Tier.county)
    assert allowed_actions(case, TOWNSHIP) == [A.whistle]
    assert do(case, A.whistle, TOWNSHIP, departments=("gaj",)).summoned == ("gaj",)


# ------------------------------------------------------------------ ownership


@pytest.mark.parametrize(
    ("build", "action"), [(assigned_case, A.start), (in_progress_case, A.handle)]
)
def test_only_the_assignee_starts_and_handles(build: Any, action: Action) -> None:
    case = build()
    reason = refused(case, action, COLLEAGUE, reason="协办未反馈").reason
    assert "only the assignee li" in reason
    assert action in allowed_actions(case, OFFICER)
    assert do(case, action, ADMIN, result="已清理", reason="协办未反馈").action is action


def test_assign_by_the_lead_or_whoever_signed() -> None:
    case = claimed_case()  # signed by li
    assert "only the unit's lead or who signed" in refused(case, A.assign, COLLEAGUE).reason
    refused(case, A.assign, CO_LEAD)
    assert do(case, A.assign, OFFICER, officer="wang").case.assignee == "wang"
    assert do(case, A.assign, LEAD, officer="wang").case.assignee == "wang"


def test_lead_may_sign_and_assign() -> None:
    t = do(dispatched_case(), A.claim, LEAD)
    assert t.case.claimed_by == "chief"
    assert do(t.case, A.assign, LEAD, officer="li").case.assignee == "li"


def test_grid_worker_escalates_grid_cases_only() -> None:
    grid_case = new_case(tier=Tier.grid)
    assert do(grid_case, A.escalate, GRIDWORKER, reason="需镇街协调").case.tier is Tier.township
    assert "grid-tier cases only" in refused(new_case(), A.escalate, GRIDWORKER).reason


def test_only_a_township_centre_whistles() -> None:
    case = in_progress_case()
    assert "township centre" in refused(case, A.whistle, COUNTY, departments=("gaj",)).reason
    assert A.whistle in allowed_actions(case, TOWNSHIP)
    assert do(case, A.whistle, ADMIN, departments=("gaj",)).summoned == ("gaj",)


# ------------------------------------------------------------------ separation of duties


def test_grid_worker_who_resolved_on_site_does_not_verify() -> None:
    case = on_site_case()
    reason = refused(case, A.verify, GRIDWORKER, passed=True).reason
    assert "whoever handled or resolved a case may not verify" in reason
    colleague = Actor("grid2", Role.gridworker, grid_codes=GRIDWORKER.grid_codes)
    assert do(case, A.verify, colleague, passed=True).to_status is Status.verified
    assert A.verify in allowed_actions(case, TOWNSHIP)


def test_the_handler_neither_verifies_nor_calls_back_admin_included() -> None:
    case = do(in_progress_case(), A.handle, ADMIN, result="已清理", reason="协办未反馈").case
    assert case.handled_by == "root"
    refused(case, A.verify, ADMIN, passed=True)
    case = do(case, A.verify, TOWNSHIP, passed=True).case
    refused(case, A.callback, ADMIN, rating="满意", solved=True)
    assert do(case, A.callback, TOWNSHIP, rating="满意", solved=True).to_status is Status.closed


def test_the_centre_calls_back_not_the_grid_worker() -> None:
    case = do(on_site_case(), A.verify, TOWNSHIP, passed=True).case
    assert "a gridworker cannot do this" in refused(case, A.callback, GRIDWORKER).reason
    assert allowed_actions(case, TOWNSHIP) == [A.callback]


# ------------------------------------------------------------------ who sees the case


def test_can_see() -> None:
    case = whistled_case("gaj")
    seen = {
        COUNTY: True,
        TOWNSHIP: True,
        OTHER_TOWNSHIP: False,
        LEAD: True,
        OFFICER: True,
        CO_OFFICER: True,  # co-unit
        POLICE: True,  # summoned by the whistle
        GRIDWORKER: True,
        OTHER_GRIDWORKER: False,
        ANALYST: True,
        SCREEN: True,
        ADMIN: True,
    }
    assert {actor: can_see(actor, case) for actor in seen} == seen
    assert not can_see(POLICE, in_progress_case())
    assert can_see(Actor("resident", Role.officer, unit="gaj"), in_progress_case())
