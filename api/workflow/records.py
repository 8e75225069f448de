"""The records the rules work on: who acts, the case as the rules see it, the input, the outcome.

Plain frozen dataclasses; the service builds them from stored rows and stores what
:class:`Transition` says.
"""

from __future__ import annotations

from dataclasses import dataclass

from api.workflow.vocabulary import Action, Role, Stage, Status

__all__ = ["ActionInput", "Actor", "CaseSnapshot", "Transition"]


@dataclass(frozen=True)
class Actor:
    """The user doing an action.

    Parameters
    ----------
    username : str
        Login name; recorded as ``claimed_by`` on a claim.
    role : Role
        The user's role.
    department : str or None
        Department code of an officer (``None`` for other roles).
    grid_codes : frozenset of str
        Grid codes (any level) a grid worker looks after. A case is in scope when
        any of its small / medium / large grid codes is in this set.
    full_name : str
        The person's name, for display.
    """

    username: str
    role: Role
    department: str | None = None
    grid_codes: frozenset[str] = frozenset()
    full_name: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "role", Role(self.role))
        object.__setattr__(self, "grid_codes", frozenset(self.grid_codes))


@dataclass(frozen=True)
class CaseSnapshot:
    """What the rules need to know about a case.

    Parameters
    ----------
    status : Status
        Current status.
    department : str or None
        Main (承办) department code, set by ``dispatch``.
    co_departments : tuple of str
        Co-operating (协办) department codes.
    grid_codes : tuple of str
        The case's grid codes, ``(small, medium, large)``.
    claimed_by : str or None
        Username of the officer who claimed the case (首问负责).
    escalation_level : int
        0 网格, 1 镇街, 2 县区.
    rework_count : int
        How often the case was sent back for rework (failed verification or reopened).
    return_count : int
        How often a department returned the case as wrongly dispatched.
    extension_count : int
        How many extensions were approved.
    reopened : bool
        Whether a first 不满意 rating already reopened the case.
    pending_extension_hours : float or None
        Hours of an extension request awaiting approval.
    resolved_on_site : bool
        Whether a grid worker resolved the case on the spot (就地处置).
    rating : str or None
        The resident's final rating, one of :data:`RATINGS`.
    reported_by : str or None
        Username of whoever reported the case (always sees it).
    """

    status: Status
    department: str | None = None
    co_departments: tuple[str, ...] = ()
    grid_codes: tuple[str, ...] = ()
    claimed_by: str | None = None
    escalation_level: int = 0
    rework_count: int = 0
    return_count: int = 0
    extension_count: int = 0
    reopened: bool = False
    pending_extension_hours: float | None = None
    resolved_on_site: bool = False
    rating: str | None = None
    reported_by: str | None = None


@dataclass(frozen=True)
class ActionInput:
    """What the user sent with an action; which fields matter depends on the action.

    Parameters
    ----------
    department : str or None
        ``dispatch``: the main department (required).
    co_departments : tuple of str
        ``dispatch`` / ``escalate``: co-operating departments.
    reason : str or None
        ``reject`` (or ``duplicate_of``), ``return``, ``escalate``, ``extend``: required.
        ``verify`` with ``passed=False``: optional explanation.
    duplicate_of : str or None
        ``reject``: the case this one duplicates.
    result : str or None
        ``handle`` / ``resolve_on_site``: what was done (required).
    passed : bool or None
        ``verify``: whether the on-site check passed (required).
    rating : str or None
        ``rate``: one of :data:`RATINGS` (required).
    hours : float or None
        ``extend``: requested extra time in hours, 0 < hours ≤ 720 (required).
    note : str or None
        Free text appended to the event note of any action.
    """

    department: str | None = None
    co_departments: tuple[str, ...] = ()
    reason: str | None = None
    duplicate_of: str | None = None
    result: str | None = None
    passed: bool | None = None
    rating: str | None = None
    hours: float | None = None
    note: str | None = None


@dataclass(frozen=True)
class Transition:
    """The outcome of a legal, permitted action with valid input.

    Parameters
    ----------
    action : Action
        The action done.
    from_status, to_status : Status
        Status before and after (equal for escalate / extend / approve_extension).
    case : CaseSnapshot
        The new snapshot to store.
    stage : Stage or None
        The deadline stage that starts now: the caller sets a new deadline from the
        stage's limit. ``None`` means keep the current deadline; when
        ``stage_for(to_status)`` is also ``None`` the case left the loop and no clock runs.
    note : str or None
        Human-readable summary for the event log, e.g. ``"派遣至 cgj；协办 zjj"``.
    extension_hours : float or None
        Only for ``approve_extension``: move the current stage deadline by this many
        hours (working hours unless the case is urgent; see
        :func:`api.workflow.deadlines.extend_deadline`).
    """

    action: Action
    from_status: Status
    to_status: Status
    case: CaseSnapshot
    stage: Stage | None
    note: str | None
    extension_hours: float | None = None
