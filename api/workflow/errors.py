"""The workflow's refusals, as members of the service's one exception tree.

Each is a kind of :class:`~api.exceptions.MinqingError`, so the HTTP edge maps it by the
same table as every other error: an unknown action or bad input is ``invalid_input`` (422),
an action the state does not allow is a ``conflict`` (409) that names the state and the
allowed actions, an actor who may not act is ``forbidden`` (403).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from api.exceptions import Conflict, Forbidden, InvalidInput, MinqingError
from api.workflow.vocabulary import ACTION_LABELS, ROLE_LABELS, STATUS_LABELS, Action, Role, Status

if TYPE_CHECKING:
    from api.workflow.records import Actor

__all__ = [
    "IllegalTransition",
    "InvalidActionInput",
    "NotPermitted",
    "RuleBroken",
    "UnknownAction",
    "WorkflowError",
]


def _action_text(action: Action) -> str:
    return f"{ACTION_LABELS[action]} ({action.value})"


def _status_text(status: Status) -> str:
    return f"「{STATUS_LABELS[status]}」({status.value})"


class WorkflowError(MinqingError):
    """Base class of all workflow refusals (each also has an HTTP-facing kind)."""


class UnknownAction(WorkflowError, InvalidInput):
    """The action name is not one of :class:`Action` (``invalid_input``, 422).

    Attributes
    ----------
    action : str
        The name that was sent.
    """

    def __init__(self, action: str) -> None:
        self.action = action
        known = ", ".join(a.value for a in Action)
        MinqingError.__init__(
            self,
            f"action: 未知操作「{action}」 / unknown action {action!r}; known actions: {known}",
            field="action",
        )


class IllegalTransition(WorkflowError, Conflict):
    """The action is not possible in the case's current state (``conflict``, 409).

    Attributes
    ----------
    status : Status
        The case's current status.
    action : Action
        The action tried.
    allowed : list of Action
        The actions possible in this state (for any actor).
    claimed_by : str or None
        For a lost claim: who signed for the case first.
    """

    def __init__(
        self,
        status: Status,
        action: Action,
        allowed: list[Action],
        *,
        claimed_by: str | None = None,
    ) -> None:
        self.status = status
        self.action = action
        self.allowed = list(allowed)
        zh_allowed = "、".join(_action_text(a) for a in allowed) or "无"
        en_allowed = ", ".join(a.value for a in allowed) or "none"
        message = (
            f"当前状态{_status_text(status)}不能执行{_action_text(action)}；可执行：{zh_allowed} / "
            f"action {action.value!r} is not allowed in status {status.value!r}; "
            f"allowed: {en_allowed}"
        )
        context: dict[str, object] = {
            "status": status.value,
            "allowed_actions": [a.value for a in allowed],
        }
        if claimed_by:
            message += f"; already claimed by {claimed_by}"
            context["claimed_by"] = claimed_by
        MinqingError.__init__(self, message, **context)


class NotPermitted(WorkflowError, Forbidden):
    """The actor may not do this action on this case (``forbidden``, 403).

    Attributes
    ----------
    actor : Actor
        Who tried.
    action : Action
        The action tried.
    reason : str
        Why not, as ``"中文 / English"``.
    """

    def __init__(self, actor: Actor, action: Action, reason: str) -> None:
        self.actor = actor
        self.action = action
        self.reason = reason
        zh, _, en = reason.partition(" / ")
        MinqingError.__init__(
            self,
            f"用户 {actor.username}（{ROLE_LABELS[Role(actor.role)]}）无权执行"
            f"{_action_text(action)}：{zh} / user {actor.username!r} ({actor.role}) "
            f"may not {action.value}" + (f": {en}" if en else ""),
            role=str(actor.role),
        )


class InvalidActionInput(WorkflowError, InvalidInput):
    """The input sent with an action is missing or wrong (``invalid_input``, 422).

    Attributes
    ----------
    field : str
        The :class:`ActionInput` field at fault.
    message : str
        What is wrong, in Chinese and English.
    """

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        MinqingError.__init__(self, f"{field}: {message}", field=field)


class RuleBroken(WorkflowError, Conflict):
    """The action is possible in this state but a rule of the practice forbids it now (409).

    Attributes
    ----------
    rule : str
        Which rule, e.g. ``"return_window"``, ``"one_extension"``.
    """

    def __init__(self, rule: str, message: str) -> None:
        self.rule = rule
        MinqingError.__init__(self, message, rule=rule)
