"""What happens to a demo case: a story drawn once, and the next step it asks of the workflow.

A :class:`Story` holds the turns a case will take (rejected at intake, resolved on the spot,
returned by a wrongly dispatched unit, co-handled, whistled, extended, failing verification,
escalated, handled late, how the resident answers the call-back). It holds no states and no
transitions: at every point :func:`next_step` looks at the actions the workflow allows
(:func:`api.workflow.allowed_actions`) and picks the one the story calls for, else the first
of :data:`FORWARD`. The workflow decides where that leads.

The mix (shares of all cases): 5 % rejected at intake, 10 % resolved on site by the grid
worker, consultations (政策咨询) answered at intake, the rest dispatched to the category's unit
(or the township of the case's large grid). Of all cases about 15 % have one co-unit, 5 % are
whistled (one or two departments summoned, one of them reporting late in half of them), 4 %
returned within the window and redispatched, 4 % extended before the deadline, 7 % fail
their first verification (rework), 3 % are escalated to the county and 10 % are handled
after the handling deadline. At the call-back 3 % cannot be reached; first ratings are 78 %
满意, 16 % 基本满意 and 6 % 不满意, and a 不满意 goes to review (甄别): three in four are
reopened (重办) and rated again, the rest closed as unreasonable.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from api.demo.cast import officer_name
from api.demo.texts import note_for, on_site_result, reason_for, result_for
from api.vocabulary import Source
from api.workflow import (
    RATINGS,
    UNSATISFIED,
    Action,
    ActionInput,
    CaseSnapshot,
    ReviewDecision,
    Status,
)

__all__ = [
    "EXTENSION_DAYS",
    "FORWARD",
    "RATING_SHARES",
    "SOURCE_SHARES",
    "WHISTLE_MINUTES",
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

RATING_SHARES = (0.78, 0.16, 0.06)
"""First ratings, in the order of :data:`api.workflow.RATINGS` (best first)."""
SECOND_RATING_SHARES = (0.6, 0.3, 0.1)
"""Ratings after a reopened case was handled again (a second 不满意 is closed as unreasonable)."""

EXTENSION_DAYS = (1.0, 2.0, 3.0)
"""Working days a unit asks for (never more than the category's handling limit)."""
WHISTLE_MINUTES = (30, 60, 120)
"""报到 limits a township centre sets when it blows the whistle."""

FORWARD: tuple[Action, ...] = (
    Action.accept,
    Action.dispatch,
    Action.claim,
    Action.assign,
    Action.start,
    Action.co_feedback,
    Action.handle,
    Action.verify,
    Action.callback,
    Action.review,
)
"""What the staff do when the story asks nothing special: the first of these allowed."""

_P_REJECT = 0.05
_P_ON_SITE = 0.10
_DISPATCHED = 1.0 - _P_REJECT - _P_ON_SITE
_P_CO_UNIT = 0.15 / _DISPATCHED
_P_WHISTLE = 0.05 / _DISPATCHED
_P_RETURN = 0.04 / _DISPATCHED
_P_REWORK = 0.07 / _DISPATCHED
_P_EXTEND = 0.04 / _DISPATCHED
_P_ESCALATE = 0.03 / _DISPATCHED
_P_LATE = 0.10 / _DISPATCHED
_P_UNREACHABLE = 0.03
_P_REOPEN = 0.75


@dataclass(frozen=True)
class Story:
    """The turns one case takes; how they happen is up to the workflow.

    Attributes
    ----------
    source : Source
        Where the report came from.
    rejected, on_site : bool
        Rejected at intake; resolved on the spot by the grid worker.
    returned : bool
        First dispatched to a wrong unit, which returns it within the window.
    co_unit : bool
        Dispatched with one co-unit (协办), which reports its part.
    whistle : int
        Departments the township centre summons (0: no whistle).
    late_report_in : bool
        The last department summoned reports in after its 报到 deadline.
    rework, extended : bool
        Fails its first verification; the unit asks for (and gets) an extension.
    escalate_in : Status or None
        Escalated to the county once while in this status (``accepted`` or ``claimed``).
    late : bool
        First handled after its handling deadline.
    unreachable : bool
        The first call-back does not reach the resident.
    review : ReviewDecision
        What review makes of a first 不满意.
    ratings : tuple of str
        The resident's first rating and, if the case is reopened, the second.
    """

    source: Source
    rejected: bool = False
    on_site: bool = False
    returned: bool = False
    co_unit: bool = False
    whistle: int = 0
    late_report_in: bool = False
    rework: bool = False
    extended: bool = False
    escalate_in: Status | None = None
    late: bool = False
    unreachable: bool = False
    review: ReviewDecision = ReviewDecision.reopen
    ratings: tuple[str, str] = ("满意", "满意")


@dataclass(frozen=True)
class Step:
    """The action a story asks for next, its input, and whether it comes late."""

    action: Action
    data: ActionInput
    late: bool = False


def _dispatched_turns(rng: random.Random) -> dict[str, object]:
    late = rng.random() < _P_LATE
    whistle = rng.choice((1, 1, 1, 2, 2)) if rng.random() < _P_WHISTLE else 0
    return {
        "returned": rng.random() < _P_RETURN,
        "co_unit": rng.random() < _P_CO_UNIT,
        "whistle": whistle,
        "late_report_in": whistle > 0 and rng.random() < 0.5,
        "rework": rng.random() < _P_REWORK,
        "extended": not late and rng.random() < _P_EXTEND / (1 - _P_LATE),
        "escalate_in": (
            rng.choice((Status.accepted, Status.claimed)) if rng.random() < _P_ESCALATE else None
        ),
        "late": late,
    }


def draw_story(rng: random.Random) -> Story:
    """Draw the turns of one case with the shares of the module docstring."""
    source = rng.choices(list(SOURCE_SHARES), weights=list(SOURCE_SHARES.values()))[0]
    common = {
        "ratings": (
            rng.choices(RATINGS, weights=RATING_SHARES)[0],
            rng.choices(RATINGS, weights=SECOND_RATING_SHARES)[0],
        ),
        "unreachable": rng.random() < _P_UNREACHABLE,
        "review": ReviewDecision.reopen
        if rng.random() < _P_REOPEN
        else ReviewDecision.unreasonable,
    }
    u = rng.random()
    if u < _P_REJECT:
        return Story(source, rejected=True, **common)  # type: ignore[arg-type]
    if u < _P_REJECT + _P_ON_SITE:
        return Story(source, on_site=True, **common)  # type: ignore[arg-type]
    return Story(source, **common, **_dispatched_turns(rng))  # type: ignore[arg-type]


def _special(case: CaseSnapshot, allowed: Collection[Action], story: Story) -> Action | None:
    """The action the story (or the practice: answer, 报到, approve) calls for now."""
    status = case.status
    in_progress = status is Status.in_progress and case.rework_count == case.reopen_count == 0
    wanted = (
        (Action.reject, story.rejected),
        (Action.answer, True),
        (Action.resolve_on_site, story.on_site),
        (Action.report_in, True),
        (Action.rate_report_in, True),
        (Action.approve_extension, True),
        (Action.escalate, story.escalate_in is status),
        (
            Action.return_,
            story.returned
            and case.return_count == 0
            and status is Status.dispatched
            and case.return_window_open,
        ),
        (
            Action.extend,
            story.extended and case.extension_count == 0 and in_progress and not case.overdue,
        ),
        (Action.whistle, story.whistle > 0 and not case.whistles and in_progress),
    )
    return next((action for action, want in wanted if want and action in allowed), None)


@dataclass(frozen=True)
class _Context:
    """What a step's input depends on besides the case and the story."""

    category: str
    unit: str
    departments: Sequence[str]
    rng: random.Random


def _dispatch(case: CaseSnapshot, story: Story, ctx: _Context) -> Step:
    rng = ctx.rng
    others = [d for d in ctx.departments if d != ctx.unit]
    if story.returned and case.return_count == 0 and others:
        return Step(Action.dispatch, ActionInput(unit=rng.choice(others)))
    co = (rng.choice(others),) if story.co_unit and others else ()
    return Step(Action.dispatch, ActionInput(unit=ctx.unit, co_units=co))


def _whistle(case: CaseSnapshot, story: Story, ctx: _Context) -> Step:
    busy = {case.unit, *case.co_unit_codes()}
    free = [d for d in ctx.departments if d not in busy]
    summoned = tuple(ctx.rng.sample(free, k=min(story.whistle, len(free))))
    minutes = ctx.rng.choice(WHISTLE_MINUTES)
    return Step(Action.whistle, ActionInput(departments=summoned, minutes=minutes))


def _late_summons(case: CaseSnapshot, story: Story) -> str | None:
    """The summoned department that reports in late, if the story has one."""
    return case.whistles[-1].unit if story.late_report_in and case.whistles else None


def _report_in(case: CaseSnapshot, story: Story, ctx: _Context) -> Step:
    unit = next(s.unit for s in case.whistles if not s.reported)
    late = unit == _late_summons(case, story)
    return Step(Action.report_in, ActionInput(note=note_for(Action.report_in, ctx.rng)), late=late)


def _rate_report_in(case: CaseSnapshot, story: Story, ctx: _Context) -> Step:
    unit = next(s.unit for s in case.whistles if s.reported and s.rating is None)
    rating = UNSATISFIED if unit == _late_summons(case, story) else ctx.rng.choice(RATINGS[:2])
    return Step(Action.rate_report_in, ActionInput(unit=unit, rating=rating))


def _extend(case: CaseSnapshot, story: Story, ctx: _Context) -> Step:
    days = min(ctx.rng.choice(EXTENSION_DAYS), case.handle_limit_days)
    reason = reason_for(Action.extend, ctx.rng)
    return Step(Action.extend, ActionInput(days=days, reason=reason))


def _verify(case: CaseSnapshot, story: Story, ctx: _Context) -> Step:
    passed = not (story.rework and case.rework_count == 0)
    reason = None if passed else reason_for(Action.verify, ctx.rng)
    return Step(Action.verify, ActionInput(passed=passed, reason=reason))


def _callback(case: CaseSnapshot, story: Story, ctx: _Context) -> Step:
    first = case.first_rating is None
    if first and story.unreachable:
        return Step(Action.callback, ActionInput(unreachable=True))
    rating = story.ratings[0] if first else story.ratings[1]
    return Step(Action.callback, ActionInput(rating=rating, solved=rating != UNSATISFIED))


def _review(case: CaseSnapshot, story: Story, ctx: _Context) -> Step:
    decision = story.review if case.reopen_count == 0 else ReviewDecision.unreasonable
    unreasonable = decision is ReviewDecision.unreasonable
    reason = reason_for(Action.review, ctx.rng, unreasonable=unreasonable)
    return Step(Action.review, ActionInput(decision=decision, reason=reason))


def _handle(case: CaseSnapshot, story: Story, ctx: _Context) -> Step:
    first_round = case.rework_count == case.reopen_count == 0
    result = result_for(ctx.category, ctx.rng)
    return Step(Action.handle, ActionInput(result=result), late=story.late and first_round)


_INPUTS: dict[Action, Callable[[CaseSnapshot, Story, _Context], Step]] = {
    Action.dispatch: _dispatch,
    Action.whistle: _whistle,
    Action.report_in: _report_in,
    Action.rate_report_in: _rate_report_in,
    Action.extend: _extend,
    Action.verify: _verify,
    Action.callback: _callback,
    Action.review: _review,
    Action.handle: _handle,
    Action.assign: lambda case, _s, _c: Step(
        Action.assign, ActionInput(officer=officer_name(case.unit or ""))
    ),
    Action.resolve_on_site: lambda _case, _s, c: Step(
        Action.resolve_on_site, ActionInput(result=on_site_result(c.rng))
    ),
    Action.answer: lambda _case, _s, c: Step(
        Action.answer, ActionInput(result=note_for(Action.answer, c.rng))
    ),
    Action.co_feedback: lambda _case, _s, c: Step(
        Action.co_feedback, ActionInput(note=note_for(Action.co_feedback, c.rng))
    ),
}
"""The input of each action that needs one (reasons come from :func:`reason_for`)."""


def _done(case: CaseSnapshot, action: Action) -> bool:
    """A forward action already done this round (reassigning is allowed, never needed)."""
    return action is Action.assign and case.status is not Status.claimed


_WITH_REASON = (Action.reject, Action.return_, Action.escalate)


def next_step(
    case: CaseSnapshot,
    allowed: Collection[Action],
    story: Story,
    *,
    category: str,
    unit: str | None,
    departments: Sequence[str],
    rng: random.Random,
) -> Step | None:
    """The next action of a case: what its story calls for, else the first of FORWARD.

    Parameters
    ----------
    case : CaseSnapshot
        The case as the service sees it now (``api.cases.actions.snapshot_now``).
    allowed : collection of Action
        What the workflow allows on it now (for anyone).
    story : Story
        The case's turns.
    category : str
        The case's category code (the handling result depends on its 大类).
    unit : str or None
        The category's lead unit; None: the township of the case's large grid (属地).
    departments : sequence of str
        All department codes (a wrong dispatch, a co-unit, a whistle pick among them).
    rng : random.Random
        For the texts and the picks.

    Returns
    -------
    Step or None
        None when nothing is left to do (or allowed).
    """
    forward = (a for a in FORWARD if a in allowed and not _done(case, a))
    action = _special(case, allowed, story) or next(forward, None)
    if action is None:
        return None
    ctx = _Context(category, unit or case.grid_codes[2], departments, rng)
    if action in _INPUTS:
        return _INPUTS[action](case, story, ctx)
    if action in _WITH_REASON:
        return Step(action, ActionInput(reason=reason_for(action, rng)))
    return Step(action, ActionInput())
