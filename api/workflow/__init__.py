"""The closed-loop workflow: state machine, working-time calendar and deadlines.

Plain Python with no web or database imports, so the rules can be tested and reused
without HTTP. Modules:

- ``vocabulary``: statuses, actions, roles, stages, ratings and their labels;
- ``records``: the actor, the case snapshot, the action input, the transition;
- ``access``: the one access policy (who sees and does what);
- ``machine``: legality and the transitions;
- ``errors``: the refusals, members of :mod:`api.exceptions`;
- ``calendar`` and ``deadlines``: working time, limits, lights and cards.

The case service turns a stored case into a :class:`~api.workflow.records.CaseSnapshot`,
calls :func:`~api.workflow.machine.apply` and stores the
:class:`~api.workflow.records.Transition` it returns.
"""

from api.workflow.access import (
    POLICY,
    Permission,
    PersonalData,
    Reach,
    RolePolicy,
    can_see,
    may,
    personal_data,
    reaches,
    refusal,
)
from api.workflow.calendar import DEFAULT_OFFICE_HOURS, SHANGHAI, WorkCalendar
from api.workflow.deadlines import (
    DEFAULT_STAGE_LIMITS,
    LIGHT_LABELS,
    RED_CARD_SHARE,
    SUPERVISION_LABELS,
    YELLOW_SHARE,
    Light,
    StageClock,
    StageLimits,
    Supervision,
    TimeLimit,
    deadline,
    extend_deadline,
)
from api.workflow.errors import (
    IllegalTransition,
    InvalidActionInput,
    NotPermitted,
    RuleBroken,
    UnknownAction,
    WorkflowError,
)
from api.workflow.machine import allowed_actions, apply
from api.workflow.records import (
    ActionInput,
    Actor,
    CaseSnapshot,
    CoUnit,
    Summons,
    Transition,
)
from api.workflow.vocabulary import (
    ACTION_LABELS,
    OPEN_STATUSES,
    RATINGS,
    ROLE_LABELS,
    SATISFIED,
    STAGE_LABELS,
    STATUS_LABELS,
    UNSATISFIED,
    Action,
    LabelledEnum,
    Rating,
    ReviewDecision,
    Role,
    Stage,
    Status,
    SubtaskState,
    Tier,
    stage_for,
)

__all__ = [
    "ACTION_LABELS",
    "DEFAULT_OFFICE_HOURS",
    "DEFAULT_STAGE_LIMITS",
    "LIGHT_LABELS",
    "OPEN_STATUSES",
    "POLICY",
    "RATINGS",
    "RED_CARD_SHARE",
    "ROLE_LABELS",
    "SATISFIED",
    "SHANGHAI",
    "STAGE_LABELS",
    "STATUS_LABELS",
    "SUPERVISION_LABELS",
    "UNSATISFIED",
    "YELLOW_SHARE",
    "Action",
    "ActionInput",
    "Actor",
    "CaseSnapshot",
    "CoUnit",
    "IllegalTransition",
    "InvalidActionInput",
    "Light",
    "NotPermitted",
    "Permission",
    "PersonalData",
    "Reach",
    "LabelledEnum",
    "Rating",
    "ReviewDecision",
    "Role",
    "RolePolicy",
    "RuleBroken",
    "Stage",
    "StageClock",
    "StageLimits",
    "Status",
    "SubtaskState",
    "Summons",
    "Supervision",
    "Tier",
    "TimeLimit",
    "Transition",
    "UnknownAction",
    "WorkCalendar",
    "WorkflowError",
    "allowed_actions",
    "apply",
    "can_see",
    "deadline",
    "extend_deadline",
    "may",
    "personal_data",
    "reaches",
    "refusal",
    "stage_for",
]
