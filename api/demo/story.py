"""What happens to a demo case: a story drawn once, and the next step it asks of the workflow.

A :class:`Story` holds the turns a case will take (rejected at intake, resolved on the spot,
returned by a wrongly dispatched department, failing verification once, extended, escalated,
handled late, how the resident rates it). It holds no states and no transitions: at every
point :func:`next_step` looks at the actions the workflow allows
(:func:`api.workflow.allowed_actions`, as the service reports them) and picks the one the
story calls for, else the first of :data:`FORWARD`. The workflow decides where that leads.

The mix of outcomes (shares of all cases): 5 % rejected at intake, 12 % resolved on site
by the grid worker, the rest dispatched; of all cases 8 % returned once by a department and
redispatched, 7 % failing verification once (rework), 5 % extended, 3 % escalated and 10 %
handled after the handling deadline. First ratings are 80 % 满意, 15 % 基本满意 and 5 %
不满意; a first 不满意 reopens the case, which is handled again and rated a second time.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Protocol

from api.demo.texts import on_site_result, reason_for, result_for
from api.vocabulary import Source
from api.workflow import RATINGS, Action, ActionInput, Status

__all__ = [
    "EXTENSION_HOURS",
    "CaseCounters",
    "FORWARD",
    "RATING_SHARES",
    "SOURCE_SHARES",
    "Step",
    "Story",
    "draw_story",
    "next_step",
]

SOURCE_SHARES: dict[Source, float] = {
    Source.patrol: 0.46,
    Source.hotline: 0.20,
    Source.wechat: 0.14,
    Source.visit: 0.07,
    Source.deputy: 0.03,
    Source.transfer: 0.05,
    Source.sensor: 0.05,
}
"""How often each source reports (grid-worker patrol first)."""

RATING_SHARES = (0.80, 0.15, 0.05)
"""First ratings, in the order of :data:`api.workflow.RATINGS` (best first)."""
SECOND_RATING_SHARES = (0.6, 0.3, 0.1)
"""Ratings after a reopened case was handled again."""

EXTENSION_HOURS = (24, 48, 72)
"""Extensions a department asks for (working hours unless the case is urgent)."""

FORWARD: tuple[Action, ...] = (
    Action.accept,
    Action.dispatch,
    Action.claim,
    Action.start,
    Action.handle,
    Action.verify,
    Action.close,
    Action.rate,
)
"""What the staff do when the story asks nothing special: the first of these allowed."""

_P_REJECT = 0.05
_P_ON_SITE = 0.12
_DISPATCHED = 1.0 - _P_REJECT - _P_ON_SITE
_P_RETURN = 0.08 / _DISPATCHED
_P_REWORK = 0.07 / _DISPATCHED
_P_EXTEND = 0.05 / _DISPATCHED
_P_ESCALATE = 0.03 / _DISPATCHED
_P_LATE = 0.10 / _DISPATCHED


class CaseCounters(Protocol):
    """What a story looks at: a workflow :class:`~api.workflow.CaseSnapshot` or a stored case."""

    @property
    def status(self) -> str: ...  # noqa: D102
    @property
    def escalation_level(self) -> int: ...  # noqa: D102
    @property
    def return_count(self) -> int: ...  # noqa: D102
    @property
    def rework_count(self) -> int: ...  # noqa: D102
    @property
    def extension_count(self) -> int: ...  # noqa: D102
    @property
    def reopened(self) -> bool: ...  # noqa: D102


@dataclass(frozen=True)
class Story:
    """The turns one case takes; how they happen is up to the workflow.

    Attributes
    ----------
    source : Source
        Where the report came from.
    rejected, on_site : bool
        Rejected at intake; resolved on the spot by the grid worker.
    returned, rework, extended : bool
        First dispatched to a wrong department, which returns it; fails its first
        verification; the department asks for (and gets) an extension.
    escalate_in : Status or None
        Escalated once while in this status (``accepted`` or ``claimed``).
    late : bool
        First handled after its handling deadline.
    ratings : tuple of str
        The resident's first rating and, if the first reopens the case, the second.
    """

    source: Source
    rejected: bool = False
    on_site: bool = False
    returned: bool = False
    rework: bool = False
    extended: bool = False
    escalate_in: Status | None = None
    late: bool = False
    ratings: tuple[str, str] = ("满意", "满意")


@dataclass(frozen=True)
class Step:
    """The action a story asks for next, its input, and whether it comes late."""

    action: Action
    data: ActionInput
    late: bool = False


def draw_story(rng: random.Random) -> Story:
    """Draw the turns of one case with the shares of the module docstring."""
    source = rng.choices(list(SOURCE_SHARES), weights=list(SOURCE_SHARES.values()))[0]
    ratings = (
        rng.choices(RATINGS, weights=RATING_SHARES)[0],
        rng.choices(RATINGS, weights=SECOND_RATING_SHARES)[0],
    )
    u = rng.random()
    if u < _P_REJECT:
        return Story(source, rejected=True, ratings=ratings)
    if u < _P_REJECT + _P_ON_SITE:
        return Story(source, on_site=True, ratings=ratings)
    late = rng.random() < _P_LATE
    escalated = rng.random() < _P_ESCALATE
    return Story(
        source,
        returned=rng.random() < _P_RETURN,
        rework=rng.random() < _P_REWORK,
        extended=not late and rng.random() < _P_EXTEND / (1 - _P_LATE),
        escalate_in=rng.choice((Status.accepted, Status.claimed)) if escalated else None,
        late=late,
        ratings=ratings,
    )


def _special(case: CaseCounters, allowed: Collection[Action], story: Story) -> Action | None:
    """The action the story calls for now, if the workflow allows it."""
    status = Status(case.status)
    wanted = (
        (Action.reject, story.rejected),
        (Action.resolve_on_site, story.on_site),
        (Action.approve_extension, True),
        (Action.escalate, story.escalate_in == status and case.escalation_level == 0),
        (Action.return_, story.returned and case.return_count == 0),
        (
            Action.extend,
            story.extended and case.extension_count == 0 and status == Status.in_progress,
        ),
    )
    return next((action for action, want in wanted if want and action in allowed), None)


def next_step(
    case: CaseCounters,
    allowed: Collection[Action],
    story: Story,
    *,
    category: str,
    department: str,
    departments: Sequence[str],
    rng: random.Random,
) -> Step | None:
    """The next action of a case: what its story calls for, else the first of FORWARD.

    Parameters
    ----------
    case : CaseCounters
        The case as it stands (a workflow snapshot or the stored case).
    allowed : collection of Action
        What the workflow allows on it now (for any actor).
    story : Story
        The case's turns.
    category : str
        The case's category code (the handling result depends on its 大类).
    department : str
        The category's department (where a correct dispatch goes).
    departments : sequence of str
        All department codes (a wrong dispatch goes to another of them).
    rng : random.Random
        For the texts and the wrong department.

    Returns
    -------
    Step or None
        None when nothing is left to do (or allowed).
    """
    action = _special(case, allowed, story) or next((a for a in FORWARD if a in allowed), None)
    if action is None:
        return None
    data = ActionInput()
    first_round = case.rework_count == 0
    if action in (Action.reject, Action.return_, Action.escalate):
        data = ActionInput(reason=reason_for(action, rng))
    elif action is Action.resolve_on_site:
        data = ActionInput(result=on_site_result(rng))
    elif action is Action.dispatch:
        wrong = [d for d in departments if d != department]
        misdirected = story.returned and case.return_count == 0 and wrong
        data = ActionInput(department=rng.choice(wrong) if misdirected else department)
    elif action is Action.extend:
        hours = float(rng.choice(EXTENSION_HOURS))
        data = ActionInput(hours=hours, reason=reason_for(action, rng))
    elif action is Action.handle:
        data = ActionInput(result=result_for(category, rng))
        return Step(action, data, late=story.late and first_round)
    elif action is Action.verify:
        passed = not (story.rework and first_round)
        data = ActionInput(passed=passed, reason=None if passed else reason_for(action, rng))
    elif action is Action.rate:
        data = ActionInput(rating=story.ratings[1] if case.reopened else story.ratings[0])
    return Step(action, data)
