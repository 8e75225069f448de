"""The one access policy: who sees which cases, does which actions, sees which personal data.

A table keyed by :class:`~api.workflow.vocabulary.Role` (:data:`POLICY`) that a reader can
check line by line. Everything else derives from it: the workflow's permission check
(:func:`refusal`), the Python visibility check (:func:`can_see`), the SQL filter of the case
service (:mod:`api.cases.access`, one SQL form per :class:`Reach`), the route guards of the
HTTP edge (:func:`may`) and the masking of reporters (:func:`personal_data`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from api.workflow.records import Actor, CaseSnapshot
from api.workflow.vocabulary import Action, Role

__all__ = [
    "POLICY",
    "Permission",
    "PersonalData",
    "Reach",
    "RolePolicy",
    "can_see",
    "may",
    "personal_data",
    "reaches",
    "refusal",
]


class Reach(StrEnum):
    """How far a role reaches into the cases: which cases it sees or may act on."""

    every_case = "every_case"
    """Every case of the county."""
    centre_cases = "centre_cases"
    """A dispatcher's area: every case for the county centre, the large grid's for a
    township centre."""
    unit_cases = "unit_cases"
    """Cases of the user's unit: as lead unit, co-unit or a department summoned by a whistle."""
    lead_unit_cases = "lead_unit_cases"
    """Cases whose lead unit (承办单位) is the user's unit."""
    grid_cases = "grid_cases"
    """Cases in one of the user's grids (any level)."""


class PersonalData(StrEnum):
    """What a role sees of a reporter's name and phone."""

    full = "full"
    masked = "masked"
    hidden = "hidden"


class Permission(StrEnum):
    """What an HTTP route needs; each route declares exactly one (or is public)."""

    read_cases = "read_cases"
    report = "report"
    act = "act"
    view_photos = "view_photos"
    attach_photos = "attach_photos"
    signed_in = "signed_in"
    public = "public"


@dataclass(frozen=True)
class RolePolicy:
    """One row of the policy table.

    Parameters
    ----------
    sees : Reach
        Which cases the role may know exist (its own reports always, besides).
    personal_data : PersonalData
        What it sees of reporters.
    may_report : bool
        Whether it may report cases (上报).
    view_photos, attach_photos : bool
        Whether it may open, and attach, case photos.
    actions : Mapping[Action, Reach]
        The actions it may do, each on the cases of the given reach.
    """

    sees: Reach
    personal_data: PersonalData
    may_report: bool
    view_photos: bool
    attach_photos: bool
    actions: Mapping[Action, Reach]


def _row(
    sees: Reach,
    personal_data: PersonalData,
    grants: Iterable[Permission],
    *actions: tuple[Reach, Iterable[Action]],
) -> RolePolicy:
    """One row: what the role sees, which of report and photos it holds, what it may do where."""
    granted = frozenset(grants)
    return RolePolicy(
        sees=sees,
        personal_data=personal_data,
        may_report=Permission.report in granted,
        view_photos=Permission.view_photos in granted,
        attach_photos=Permission.attach_photos in granted,
        actions=MappingProxyType({a: reach for reach, done in actions for a in done}),
    )


_A = Action
_STAFF: Final = (Permission.report, Permission.view_photos, Permission.attach_photos)
"""Reporting and photos: every role that takes part in the loop."""
_DISPATCHING: Final = (
    _A.accept,
    _A.reject,
    _A.answer,
    _A.dispatch,
    _A.verify,
    _A.callback,
    _A.review,
    _A.escalate,
    _A.whistle,
    _A.rate_report_in,
    _A.approve_extension,
)
_LEAD_UNIT: Final = (_A.claim, _A.assign, _A.return_, _A.extend, _A.escalate)
"""What a lead unit's head does on its unit's cases."""
_HANDLING: Final = (*_LEAD_UNIT, _A.start, _A.handle)
"""What an officer does besides: the handling itself."""
_CO_UNIT: Final = (_A.co_feedback, _A.report_in)
_ON_SITE: Final = (_A.resolve_on_site, _A.verify, _A.escalate)


def _unit_row(lead_unit_actions: Iterable[Action]) -> RolePolicy:
    """A row for a unit's member: ``lead_unit_actions`` where its unit leads the case.

    It sees its unit's cases (reporters masked) and does the co-unit duties on all of them.
    """
    return _row(
        Reach.unit_cases,
        PersonalData.masked,
        _STAFF,
        (Reach.lead_unit_cases, lead_unit_actions),
        (Reach.unit_cases, _CO_UNIT),
    )


POLICY: Final[Mapping[Role, RolePolicy]] = MappingProxyType(
    {
        Role.admin: _row(Reach.every_case, PersonalData.full, _STAFF, (Reach.every_case, Action)),
        Role.dispatcher: _row(
            Reach.centre_cases, PersonalData.full, _STAFF, (Reach.centre_cases, _DISPATCHING)
        ),
        Role.lead: _unit_row(_LEAD_UNIT),
        Role.officer: _unit_row(_HANDLING),
        Role.gridworker: _row(
            Reach.grid_cases, PersonalData.masked, _STAFF, (Reach.grid_cases, _ON_SITE)
        ),
        Role.analyst: _row(Reach.every_case, PersonalData.hidden, [Permission.view_photos]),
        Role.screen: _row(Reach.every_case, PersonalData.hidden, []),
    }
)
"""The access table: one row per role."""

_OUT_OF_REACH: Final[Mapping[Reach, str]] = {
    Reach.every_case: "",
    Reach.centre_cases: "案件不在本中心辖区 / the case is outside your centre's area",
    Reach.unit_cases: (
        "案件不属于本单位（承办、协办或被吹哨） / the case is not your unit's "
        "as lead unit, co-unit or summoned department"
    ),
    Reach.lead_unit_cases: "仅承办单位可执行 / only the lead unit of the case may do this",
    Reach.grid_cases: "案件不在本人网格范围内 / the case is outside your grids",
}


def _in_grids(actor: Actor, case: CaseSnapshot) -> bool:
    return not actor.grid_codes.isdisjoint(case.grid_codes)


def reaches(reach: Reach, actor: Actor, case: CaseSnapshot) -> bool:
    """Whether ``case`` lies within ``reach`` of ``actor`` (the Python form of the rule)."""
    if reach is Reach.every_case:
        return True
    if reach is Reach.centre_cases:
        return not actor.grid_codes or _in_grids(actor, case)
    if reach is Reach.grid_cases:
        return _in_grids(actor, case)
    if actor.unit is None:
        return False
    if reach is Reach.lead_unit_cases:
        return actor.unit == case.unit
    units = {case.unit, *case.co_unit_codes(), *(s.unit for s in case.whistles)}
    return actor.unit in units


def can_see(actor: Actor, case: CaseSnapshot) -> bool:
    """Whether ``actor`` may know that ``case`` exists: its reach, or its own report."""
    if case.reported_by is not None and case.reported_by == actor.username:
        return True
    return reaches(POLICY[Role(actor.role)].sees, actor, case)


def refusal(case: CaseSnapshot, action: Action, actor: Actor) -> str | None:
    """Why ``actor`` may not do ``action`` on ``case`` (``"中文 / English"``), or None."""
    role = Role(actor.role)
    reach = POLICY[role].actions.get(action)
    if reach is None:
        if not POLICY[role].actions:
            return "该角色只读 / this role is read-only"
        return f"{role.label}不能执行此操作 / a {role.value} cannot do this"
    if not reaches(reach, actor, case):
        return _OUT_OF_REACH[reach]
    return None


def may(role: Role | str, permission: Permission) -> bool:
    """Whether ``role`` holds ``permission`` (the route guard's question)."""
    row = POLICY[Role(role)]
    granted = {
        Permission.public: True,
        Permission.read_cases: True,
        Permission.signed_in: True,
        Permission.report: row.may_report,
        Permission.act: bool(row.actions),
        Permission.view_photos: row.view_photos,
        Permission.attach_photos: row.attach_photos,
    }
    return granted[permission]


def personal_data(role: Role | str) -> PersonalData:
    """What ``role`` sees of a reporter's name and phone."""
    return POLICY[Role(role)].personal_data
