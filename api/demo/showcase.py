"""The loop's turns a live demo shows early: whistles, escalations, call-backs, reviews.

Left to the shares of :mod:`api.demo.story`, most turns are rare (a whistle on one case in
twenty, an escalation on one in thirty, a 不满意 at one call-back in sixteen), so a demo
could run many minutes before the big screen shows one. A :class:`Turn` names the action,
the statuses a case is in when it can happen and how a story is changed to ask for it; the
simulator (:mod:`api.demo.simulator`) asks for each turn once in its first ticks, on a case
that is in the right state now or, if none is, on the next live report (which it then
follows through its loop), and afterwards once a minute in rotation. The workflow still
decides whether the turn is allowed and what it leads to.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, replace

from api.demo.story import Story
from api.workflow import UNSATISFIED, Action, ReviewDecision, Status

__all__ = ["TURNS", "Turn", "planted"]

StoryChange = Callable[[Story, Status, random.Random], Story]


@dataclass(frozen=True)
class Turn:
    """One turn of the loop: its action, when it can happen, how a story asks for it."""

    action: Action
    statuses: tuple[Status, ...]
    change: StoryChange
    then: Action | None = None
    """What the turn leads to that the screen should show too (报到 after a whistle)."""

    def story_for(self, story: Story, status: Status, rng: random.Random) -> Story:
        """``story`` asking for this turn of a case now in ``status``."""
        return self.change(story, status, rng)


def _whistle(story: Story, _status: Status, rng: random.Random) -> Story:
    return replace(story, whistle=rng.choice((1, 2)), late_report_in=rng.random() < 0.5)


def _escalate(story: Story, status: Status, _rng: random.Random) -> Story:
    return replace(story, escalate_in=status)


def _unsatisfied(story: Story, _status: Status, rng: random.Random) -> Story:
    decision = ReviewDecision.reopen if rng.random() < 0.75 else ReviewDecision.unreasonable
    return replace(
        story, unreachable=False, ratings=(UNSATISFIED, story.ratings[1]), review=decision
    )


def _as_is(story: Story, _status: Status, _rng: random.Random) -> Story:
    return story


def _returned(story: Story, _status: Status, _rng: random.Random) -> Story:
    return replace(story, returned=True)


def _extended(story: Story, _status: Status, _rng: random.Random) -> Story:
    return replace(story, extended=True, late=False)


TURNS: tuple[Turn, ...] = (
    Turn(Action.whistle, (Status.in_progress,), _whistle, then=Action.report_in),
    Turn(Action.escalate, (Status.accepted, Status.claimed), _escalate),
    Turn(Action.callback, (Status.verified,), _unsatisfied, then=Action.review),
    Turn(Action.review, (Status.review,), _as_is),
    Turn(Action.return_, (Status.dispatched,), _returned, then=Action.dispatch),
    Turn(Action.extend, (Status.in_progress,), _extended, then=Action.approve_extension),
)
"""The turns shown early, in order: 吹哨 (then 报到 and its rating), 上报, a 不满意 call-back
(then 甄别), 甄别, 退回, 延期 (then its approval)."""


def planted(story: Story, turn: Turn, rng: random.Random) -> Story:
    """A new report's story that will take ``turn`` when the case gets there.

    The case is dispatched (neither rejected nor resolved on the spot) so that it reaches
    the turn's status.
    """
    dispatched = replace(story, rejected=False, on_site=False)
    return turn.story_for(dispatched, turn.statuses[0], rng)
