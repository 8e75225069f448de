"""The demo's stories: the mix of turns cases take, and the next step picked among those allowed."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from api.demo.story import FORWARD, Story, draw_story, next_step
from api.demo.texts import describe
from api.vocabulary import Source
from api.workflow import RATINGS, Action, CaseSnapshot, Status

N = 6000


@pytest.fixture(scope="module")
def stories() -> list[Story]:
    rng = random.Random(11)
    return [draw_story(rng) for _ in range(N)]


def _share(stories: list[Story], flag: str) -> float:
    return sum(1 for s in stories if getattr(s, flag)) / len(stories)


def test_outcome_mix(stories: list[Story]) -> None:
    assert 0.04 < _share(stories, "rejected") < 0.06
    assert 0.10 < _share(stories, "on_site") < 0.14
    assert 0.065 < _share(stories, "returned") < 0.095
    assert 0.055 < _share(stories, "rework") < 0.085
    assert 0.04 < _share(stories, "extended") < 0.06
    assert 0.02 < _share(stories, "escalate_in") < 0.04
    assert 0.085 < _share(stories, "late") < 0.115
    assert not any(s.late and s.extended for s in stories), "an extended case is not late"
    plain = [s for s in stories if s.rejected or s.on_site]
    assert not any(s.returned or s.rework or s.late or s.escalate_in for s in plain)
    first = Counter(s.ratings[0] for s in stories)
    assert set(first) == set(RATINGS)
    assert 0.77 < first["满意"] / N < 0.83 and 0 < first["不满意"] < first["基本满意"]


def test_sources_mix(stories: list[Story]) -> None:
    counts = Counter(s.source for s in stories)
    assert set(counts) == set(Source)
    assert counts.most_common(1)[0][0] is Source.patrol
    assert 0.42 < counts[Source.patrol] / N < 0.50


def _case(status: Status, **fields: object) -> CaseSnapshot:
    return CaseSnapshot(status=status, **fields)  # type: ignore[arg-type]


def _next(case: CaseSnapshot, allowed: set[Action], story: Story) -> tuple[Action, dict] | None:
    step = next_step(
        case,
        allowed,
        story,
        category="0201",
        department="xfj",
        departments=("cgj", "xfj", "zjj"),
        rng=random.Random(1),
    )
    return None if step is None else (step.action, step.data.__dict__)


PLAIN = Story(Source.hotline)


def test_next_step_takes_the_first_forward_action_allowed() -> None:
    reported = {Action.accept, Action.reject, Action.resolve_on_site, Action.escalate}
    assert _next(_case(Status.reported), reported, PLAIN)[0] is FORWARD[0]
    assert (
        _next(_case(Status.claimed), {Action.start, Action.handle, Action.return_}, PLAIN)[0]
        is Action.start
    )
    assert _next(_case(Status.rated), set(), PLAIN) is None
    # Nothing the story asks for is done when the workflow does not allow it.
    assert _next(_case(Status.in_progress), {Action.escalate}, Story(Source.hotline)) is None


def test_next_step_follows_the_story() -> None:
    reported = {Action.accept, Action.reject, Action.resolve_on_site, Action.escalate}
    action, data = _next(_case(Status.reported), reported, Story(Source.patrol, rejected=True))
    assert action is Action.reject and data["reason"]
    action, data = _next(_case(Status.reported), reported, Story(Source.patrol, on_site=True))
    assert action is Action.resolve_on_site and data["result"]
    returned = Story(Source.hotline, returned=True)
    action, data = _next(_case(Status.accepted), {Action.dispatch}, returned)
    assert action is Action.dispatch and data["department"] != "xfj", "first to a wrong one"
    again = _case(Status.accepted, return_count=1)
    assert _next(again, {Action.dispatch}, returned)[1]["department"] == "xfj"
    rework = Story(Source.hotline, rework=True)
    assert _next(_case(Status.handled), {Action.verify}, rework)[1]["passed"] is False
    redone = _case(Status.handled, rework_count=1)
    assert _next(redone, {Action.verify}, rework)[1]["passed"] is True
    unhappy = Story(Source.hotline, ratings=("不满意", "基本满意"))
    assert _next(_case(Status.closed), {Action.rate}, unhappy)[1]["rating"] == "不满意"
    reopened = _case(Status.closed, reopened=True)
    assert _next(reopened, {Action.rate}, unhappy)[1]["rating"] == "基本满意"


def test_handle_is_late_only_the_first_time() -> None:
    first, again = (
        next_step(
            case,
            {Action.handle},
            Story(Source.hotline, late=True),
            category="0201",
            department="xfj",
            departments=(),
            rng=random.Random(),
        )
        for case in (_case(Status.in_progress), _case(Status.in_progress, rework_count=1))
    )
    assert first is not None and first.late and again is not None and not again.late


def test_descriptions_follow_the_category() -> None:
    rng = random.Random(3)
    texts = [describe("电动车飞线充电", "新寮村", rng) for _ in range(20)]
    assert all("充电" in t and "新寮村" in t for t in texts)
    assert "群众反映" in describe("没有模板的类别", "新寮村", rng)
