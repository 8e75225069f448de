"""The demo's stories: the mix of turns cases take, and the next step picked among those allowed."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace

import pytest

from api.demo.story import FORWARD, WHISTLE_MINUTES, Story, draw_story, next_step
from api.demo.texts import describe
from api.vocabulary import Source
from api.workflow import (
    RATINGS,
    Action,
    CaseSnapshot,
    CoUnit,
    ReviewDecision,
    Status,
    Summons,
)

N = 6000


@pytest.fixture(scope="module")
def stories() -> list[Story]:
    rng = random.Random(11)
    return [draw_story(rng) for _ in range(N)]


def _share(stories: list[Story], flag: str) -> float:
    return sum(1 for s in stories if getattr(s, flag)) / len(stories)


def test_outcome_mix(stories: list[Story]) -> None:
    """The turns come in the shares the demo plans (of all cases)."""
    assert 0.04 < _share(stories, "rejected") < 0.06
    assert 0.085 < _share(stories, "on_site") < 0.115
    assert 0.13 < _share(stories, "co_unit") < 0.17
    assert 0.04 < _share(stories, "whistle") < 0.06
    assert 0.03 < _share(stories, "returned") < 0.05
    assert 0.03 < _share(stories, "extended") < 0.05
    assert 0.055 < _share(stories, "rework") < 0.085
    assert 0.02 < _share(stories, "escalate_in") < 0.04
    assert 0.085 < _share(stories, "late") < 0.115
    assert 0.02 < _share(stories, "unreachable") < 0.04
    assert {s.whistle for s in stories} == {0, 1, 2}
    assert all(s.whistle for s in stories if s.late_report_in), "a late 报到 needs a whistle"
    assert not any(s.late and s.extended for s in stories), "an extended case is not late"
    plain = [s for s in stories if s.rejected or s.on_site]
    assert not any(
        s.returned or s.rework or s.late or s.escalate_in or s.co_unit or s.whistle for s in plain
    )
    first = Counter(s.ratings[0] for s in stories)
    assert set(first) == set(RATINGS)
    assert 0.75 < first["满意"] / N < 0.81 and 0.045 < first["不满意"] / N < 0.075
    reopened = sum(s.review is ReviewDecision.reopen for s in stories) / N
    assert 0.7 < reopened < 0.8, "most 不满意 are reopened, some closed as unreasonable"


def test_sources_mix(stories: list[Story]) -> None:
    counts = Counter(s.source for s in stories)
    assert set(counts) == set(Source)
    assert counts.most_common(1)[0][0] is Source.patrol
    assert 0.42 < counts[Source.patrol] / N < 0.50


def _case(status: Status, **fields: object) -> CaseSnapshot:
    grids = ("44150200100101", "441502001001", "441502001")
    return CaseSnapshot(status=status, grid_codes=grids, **fields)  # type: ignore[arg-type]


def _next(
    case: CaseSnapshot, allowed: set[Action], story: Story, *, unit: str | None = "xfj"
) -> tuple[Action, dict] | None:
    step = next_step(
        case,
        allowed,
        story,
        category="0201",
        unit=unit,
        departments=("cgj", "xfj", "zjj"),
        rng=random.Random(1),
    )
    return None if step is None else (step.action, step.data.__dict__)


PLAIN = Story(Source.hotline)
REPORTED = {Action.accept, Action.reject, Action.resolve_on_site, Action.escalate}


def test_next_step_takes_the_first_forward_action_allowed() -> None:
    assert _next(_case(Status.reported), REPORTED, PLAIN)[0] is FORWARD[0]
    claimed = _case(Status.claimed, unit="xfj", claimed_by="officer_xfj")
    action, data = _next(claimed, {Action.assign, Action.return_, Action.escalate}, PLAIN)
    assert action is Action.assign and data["officer"] == "officer_xfj"
    assigned = _case(Status.assigned, unit="xfj", assignee="officer_xfj")
    allowed = {Action.assign, Action.start, Action.handle, Action.whistle}
    assert _next(assigned, allowed, PLAIN)[0] is Action.start, "assigned once is enough"
    assert _next(_case(Status.closed), set(), PLAIN) is None
    # Nothing the story asks for is done when the workflow does not allow it.
    assert _next(_case(Status.in_progress), {Action.escalate}, Story(Source.hotline)) is None


def test_next_step_follows_the_story() -> None:
    action, data = _next(_case(Status.reported), REPORTED, Story(Source.patrol, rejected=True))
    assert action is Action.reject and data["reason"]
    action, data = _next(_case(Status.reported), REPORTED, Story(Source.patrol, on_site=True))
    assert action is Action.resolve_on_site and data["result"]
    returned = Story(Source.hotline, returned=True)
    action, data = _next(_case(Status.accepted), {Action.dispatch}, returned)
    assert action is Action.dispatch and data["unit"] != "xfj", "first to a wrong unit"
    again = _case(Status.accepted, return_count=1)
    assert _next(again, {Action.dispatch}, returned)[1]["unit"] == "xfj"
    dispatched = _case(Status.dispatched, unit="cgj")
    assert _next(dispatched, {Action.claim, Action.return_}, returned)[0] is Action.return_
    rework = Story(Source.hotline, rework=True)
    assert _next(_case(Status.handled), {Action.verify}, rework)[1]["passed"] is False
    redone = _case(Status.handled, rework_count=1)
    assert _next(redone, {Action.verify}, rework)[1]["passed"] is True


def test_dispatch_goes_to_the_unit_or_the_township_with_a_co_unit() -> None:
    co = Story(Source.hotline, co_unit=True)
    _, data = _next(_case(Status.accepted), {Action.dispatch}, co)
    assert data["unit"] == "xfj" and len(data["co_units"]) == 1
    assert data["co_units"][0] in ("cgj", "zjj")
    _, data = _next(_case(Status.accepted), {Action.dispatch}, PLAIN, unit=None)
    assert data["unit"] == "441502001" and data["co_units"] == (), "the township (属地)"


def test_answerable_cases_are_answered_at_intake() -> None:
    action, data = _next(_case(Status.reported), REPORTED | {Action.answer}, PLAIN)
    assert action is Action.answer and data["result"]


def test_call_back_and_review_follow_the_story() -> None:
    unhappy = Story(Source.hotline, ratings=("不满意", "基本满意"))
    verified = _case(Status.verified, handled_by="officer_xfj")
    _, data = _next(verified, {Action.callback}, unhappy)
    assert data["rating"] == "不满意" and data["solved"] is False
    _, data = _next(_case(Status.review, first_rating="不满意"), {Action.review}, unhappy)
    assert data["decision"] is ReviewDecision.reopen and data["reason"]
    again = _case(Status.verified, first_rating="不满意", reopen_count=1)
    _, data = _next(again, {Action.callback}, unhappy)
    assert data["rating"] == "基本满意" and data["solved"] is True
    second_review = _case(Status.review, first_rating="不满意", reopen_count=1)
    _, data = _next(second_review, {Action.review}, unhappy)
    assert data["decision"] is ReviewDecision.unreasonable, "reopened once at most"
    unreachable = Story(Source.hotline, unreachable=True)
    assert _next(verified, {Action.callback}, unreachable)[1]["unreachable"] is True


def test_whistle_and_its_reports() -> None:
    story = Story(Source.hotline, whistle=2, late_report_in=True)
    working = _case(Status.in_progress, unit="xfj", co_units=(CoUnit("cgj"),))
    action, data = _next(working, {Action.whistle, Action.handle}, story)
    assert action is Action.whistle and data["departments"] == ("zjj",), "not lead or co-unit"
    assert data["minutes"] in WHISTLE_MINUTES
    summoned = _case(
        Status.in_progress, unit="xfj", whistles=(Summons("cgj", 1), Summons("zjj", 1))
    )
    allowed = {Action.report_in, Action.handle}
    first = next_step(
        summoned, allowed, story, category="0201", unit="xfj", departments=(), rng=random.Random()
    )
    assert first is not None and first.action is Action.report_in and not first.late
    one_in = replace(summoned, whistles=(Summons("cgj", 1, reported=True), Summons("zjj", 1)))
    last = next_step(
        one_in, allowed, story, category="0201", unit="xfj", departments=(), rng=random.Random()
    )
    assert last is not None and last.late, "the last department summoned reports late"
    rated = _next(one_in, {Action.rate_report_in, Action.report_in}, story)
    assert rated[0] is Action.report_in, "报到 first, then the ratings"
    _, data = _next(one_in, {Action.rate_report_in, Action.handle}, story)
    assert data["unit"] == "cgj" and data["rating"] in ("满意", "基本满意")


def test_extension_within_the_limit_then_approved() -> None:
    story = Story(Source.hotline, extended=True)
    working = _case(Status.in_progress, unit="xfj", handle_limit_days=1.0)
    action, data = _next(working, {Action.extend, Action.handle}, story)
    assert action is Action.extend and data["days"] == 1.0 and data["reason"]
    pending = replace(working, pending_extension_days=1.0)
    assert _next(pending, {Action.approve_extension, Action.handle}, story)[0] is (
        Action.approve_extension
    )
    overdue = replace(working, overdue=True)
    assert _next(overdue, {Action.extend, Action.handle}, story)[0] is Action.handle


def test_handle_is_late_only_the_first_time() -> None:
    late = Story(Source.hotline, late=True)
    allowed = {Action.handle}
    first = next_step(
        _case(Status.in_progress),
        allowed,
        late,
        category="0201",
        unit="xfj",
        departments=(),
        rng=random.Random(),
    )
    again = next_step(
        _case(Status.in_progress, rework_count=1),
        allowed,
        late,
        category="0201",
        unit="xfj",
        departments=(),
        rng=random.Random(),
    )
    assert first is not None and first.late and again is not None and not again.late


def test_descriptions_follow_the_category() -> None:
    rng = random.Random(3)
    texts = [describe("电动车飞线充电", "新寮村", rng) for _ in range(20)]
    assert all("充电" in t and "新寮村" in t for t in texts)
    assert "群众反映" in describe("没有模板的类别", "新寮村", rng)
