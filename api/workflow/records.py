"""The records the rules work on: who acts, the case as the rules see it, the input, the outcome.

Plain frozen dataclasses. The service builds a :class:`CaseSnapshot` from the stored case,
including the facts that need a clock or the calendar (``overdue``, ``return_window_open``,
``handle_limit_days``), so that the rules themselves never read a clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from api.workflow.vocabulary import Action, ReviewDecision, Role, Stage, Status, SubtaskState, Tier

__all__ = ["ActionInput", "Actor", "CaseSnapshot", "CoUnit", "Summons", "Transition"]


@dataclass(frozen=True)
class Actor:
    """The user doing an action."""

    username: str
    """Login name."""
    role: Role
    """The user's role."""
    unit: str | None = None
    """The unit an officer or lead belongs to: a department code (e.g. ``xfj``) or a
    township centre (the large grid's code)."""
    grid_codes: frozenset[str] = frozenset()
    """Grids (any level) a grid worker looks after, or the large grid of a township
    dispatcher (empty for the county centre)."""
    full_name: str = ""
    """The person's name, for display."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "role", Role(self.role))
        object.__setattr__(self, "grid_codes", frozenset(self.grid_codes))

    @property
    def tier(self) -> Tier | None:
        """A dispatcher's tier: the county centre, or a township centre (its large grid)."""
        if self.role is not Role.dispatcher:
            return None
        return Tier.township if self.grid_codes else Tier.county


@dataclass(frozen=True)
class CoUnit:
    """A co-unit (协办) of a case and the state of its sub-task."""

    unit: str
    state: SubtaskState = SubtaskState.open
    note: str | None = None


@dataclass(frozen=True)
class Summons:
    """One department summoned by a whistle (吹哨), and its 报到."""

    unit: str
    whistle_no: int
    reported: bool = False
    rating: str | None = None


@dataclass(frozen=True)
class CaseSnapshot:
    """What the rules need to know about a case (and what they change).

    The service stores every field but the derived ones (``answerable``, ``overdue``,
    ``return_window_open``, ``handle_limit_days``) in the case's column of the same name.
    """

    status: Status
    """Current status."""
    tier: Tier = Tier.township
    """The tier whose centre owns the case now."""
    grid_codes: tuple[str, ...] = ()
    """The case's grids, ``(small, medium, large)``."""
    unit: str | None = None
    """The lead unit (承办单位) set by ``dispatch``."""
    co_units: tuple[CoUnit, ...] = ()
    """Co-units (协办) and their sub-tasks."""
    claimed_by: str | None = None
    """Who signed for the unit (签收)."""
    assignee: str | None = None
    """Who must act (交办)."""
    handled_by: str | None = None
    """Who handled or resolved it."""
    reported_by: str | None = None
    """Who reported it."""
    answerable: bool = False
    """The category may be answered at intake (政策咨询)."""
    rework_count: int = 0
    """Failed verifications (返工)."""
    reopen_count: int = 0
    """Reopenings after review (重办)."""
    return_count: int = 0
    """Returns by the unit (退回)."""
    extension_count: int = 0
    """Extensions approved (at most one per case)."""
    pending_extension_days: float | None = None
    """Working days of an extension awaiting approval."""
    resolved_on_site: bool = False
    """A grid worker resolved it on the spot (就地处置)."""
    first_rating: str | None = None
    """The first call-back rating."""
    rating: str | None = None
    """The latest call-back rating."""
    first_solved: bool | None = None
    """Whether the resident said the problem was solved, at the first call-back."""
    solved: bool | None = None
    """The same, at the latest call-back."""
    unreachable: bool = False
    """The call-back could not reach the resident."""
    unreasonable: bool = False
    """Closed after review as an unreasonable complaint."""
    ever_overdue: bool = False
    """The handling deadline passed while the case was open (never reset)."""
    closing_tier: Tier | None = None
    """The tier at which the case closed."""
    whistles: tuple[Summons, ...] = ()
    """Every department summoned by a whistle, with its 报到."""
    overdue: bool = False
    """The handling deadline has passed now (set by the service from the clock)."""
    return_window_open: bool = True
    """A return is still within its window after dispatch (set by the service)."""
    handle_limit_days: float = 3.0
    """The category's handling limit in working days (the most an extension may add)."""

    def co_unit_codes(self) -> tuple[str, ...]:
        """The co-units' codes, in the order they were named."""
        return tuple(c.unit for c in self.co_units)

    def open_subtasks(self) -> tuple[CoUnit, ...]:
        """Co-unit sub-tasks still awaiting feedback."""
        return tuple(c for c in self.co_units if c.state is SubtaskState.open)


@dataclass(frozen=True)
class ActionInput:
    """What the user sent with an action; which fields matter depends on the action.

    ``unit`` / ``co_units`` (dispatch), ``officer`` (assign), ``result`` (handle,
    resolve_on_site, answer), ``reason`` (reject, return, escalate, extend, review, handle
    closing open sub-tasks), ``duplicate_of`` (reject), ``passed`` (verify), ``rating`` /
    ``solved`` / ``unreachable`` (callback), ``decision`` (review), ``departments`` /
    ``minutes`` (whistle), ``days`` (extend), ``note`` (any; co_feedback, report_in).
    """

    unit: str | None = None
    co_units: tuple[str, ...] = ()
    officer: str | None = None
    reason: str | None = None
    duplicate_of: str | None = None
    result: str | None = None
    passed: bool | None = None
    rating: str | None = None
    solved: bool | None = None
    unreachable: bool = False
    decision: ReviewDecision | None = None
    departments: tuple[str, ...] = ()
    minutes: int | None = None
    days: float | None = None
    note: str | None = None


@dataclass(frozen=True)
class Transition:
    """The outcome of a legal, permitted action with valid input."""

    action: Action
    """The action done."""
    from_status: Status
    """Status before the action."""
    to_status: Status
    """Status after it."""
    case: CaseSnapshot
    """The new snapshot to store."""
    stage: Stage | None
    """The deadline stage that starts now (None: keep the running clock; when
    ``stage_for(to_status)`` is None too, no clock runs)."""
    note: str
    """Human-readable summary for the event log, e.g. ``"派遣至 xfj；协办 cgj"``."""
    restart_handling: bool = False
    """A new handling round starts now (dispatch, rework, reopening): the service sets a
    new handling deadline from now."""
    extension_days: float | None = None
    """``approve_extension``: move the handling deadline by this many working days."""
    summoned: tuple[str, ...] = field(default_factory=tuple)
    """``whistle``: the departments summoned now (the service sets their 报到 deadline)."""
