"""The indicator counts in SQL: the same rules as :data:`api.indicators.CASE_COUNTS`.

Each count of :data:`~api.indicators.CASE_COUNTS` has its SQL form here, summed with one
``GROUP BY`` per answer; ``tests/indicators/test_sql_agrees.py`` checks the two forms case
by case on both stores, as the access policy's two forms are checked. The facts of the
event log (signed in time, responded in time, repeats) are correlated sub-queries. The
few differences between the stores (times in the event data, adding time, local days)
are the hooks at the top.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, and_, case, cast, exists, func, literal, not_, or_, select
from sqlalchemy.orm import Mapped, aliased
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from api.cases.queries import CaseFilter
from api.cases.queries import case_where as case_conditions
from api.context import AppContext
from api.indicators import CASE_COUNTS, IN_HAND, CaseRow, Tally
from api.models import Incident, IncidentEvent, IncidentWhistle
from api.settings import StoreKind
from api.workflow import OPEN_STATUSES, SATISFIED, Actor, Status, Tier

__all__ = [
    "StatsQuery",
    "case_count_clauses",
    "case_rows",
    "count_by",
    "local_day",
    "plus_seconds",
    "tally_by",
]


# ---------------------------------------------------------------- the store hooks


def as_time(store: StoreKind, value: Any) -> ColumnElement[Any]:
    """A time column or ISO text (from event data) as something comparable on the store."""
    if store == "sqlite":
        return func.datetime(value)
    return cast(value, DateTime(timezone=True))


def plus_seconds(store: StoreKind, value: Any, seconds: float) -> ColumnElement[Any]:
    """``value`` + ``seconds`` (negative: earlier), comparable with :func:`as_time`."""
    if store == "sqlite":
        return func.datetime(value, f"{seconds:+f} seconds")
    return value + func.make_interval(0, 0, 0, 0, 0, 0, seconds)


def local_day(store: StoreKind, value: Any) -> ColumnElement[str]:
    """The local calendar day (``YYYY-MM-DD``, China standard time, UTC+8) of a time column."""
    if store == "sqlite":
        return func.date(value, "+8 hours")
    return func.to_char(func.timezone("Asia/Shanghai", value), "YYYY-MM-DD")


# ---------------------------------------------------------------- what is counted


@dataclass(frozen=True)
class StatsQuery:
    """Which cases a statistic counts: the caller's scope, the case filters, a window.

    ``start`` ≤ reported < ``end``; clock-dependent counts are taken ``as_of``.
    """

    context: AppContext
    actor: Actor
    filters: CaseFilter
    start: datetime
    end: datetime
    as_of: datetime

    @property
    def store(self) -> StoreKind:
        """The store the counts run on."""
        return self.context.settings.store

    def scope(self) -> list[ColumnElement[bool]]:
        """The WHERE of the case list: the caller's scope and the filters, any time."""
        return case_conditions(self.context, self.actor, self.filters)

    def conditions(self) -> list[ColumnElement[bool]]:
        """The WHERE of the cases counted: the case list's filters and the window."""
        return [
            *self.scope(),
            col(Incident.reported_at) >= self.start,
            col(Incident.reported_at) < self.end,
        ]


def _signed_in_time(store: StoreKind) -> ColumnElement[bool]:
    """The current lead unit signed within the signing limit set at its dispatch."""
    dispatch, claim, last = (aliased(IncidentEvent) for _ in range(3))
    last_dispatch = (
        select(func.max(col(last.seq)))
        .where(col(last.incident_id) == col(dispatch.incident_id), col(last.action) == "dispatch")
        .scalar_subquery()
    )
    return exists(
        select(literal(1))
        .select_from(dispatch)
        .join(claim, col(claim.incident_id) == col(dispatch.incident_id))
        .where(
            col(dispatch.incident_id) == col(Incident.id),
            col(dispatch.action) == "dispatch",
            col(dispatch.seq) == last_dispatch,
            col(claim.action) == "claim",
            col(claim.seq) > col(dispatch.seq),
            as_time(store, col(claim.at))
            <= as_time(store, col(dispatch.data)["due_at"].as_string()),
        )
    )


def _responded_in_time(store: StoreKind, limit_s: float) -> ColumnElement[bool]:
    """The first step after intake (accept, reject, answer, …) came within the limit."""
    step = aliased(IncidentEvent)
    return exists(
        select(literal(1)).where(
            col(step.incident_id) == col(Incident.id),
            col(step.seq) == 2,
            as_time(store, col(step.at)) <= plus_seconds(store, col(Incident.reported_at), limit_s),
        )
    )


def _repeats(store: StoreKind, recent_days: int) -> ColumnElement[bool]:
    """A repeat report: rejected as a duplicate, or a 小类 already reported in its grid.

    The earlier case of the same 小类 in the same small grid was still open when this one
    came in, or had closed within ``recent_days`` before.
    """
    rejection = aliased(IncidentEvent)
    earlier = aliased(Incident)
    as_duplicate = exists(
        select(literal(1)).where(
            col(rejection.incident_id) == col(Incident.id),
            col(rejection.action) == "reject",
            col(rejection.data)["duplicate_of"].as_string().is_not(None),
        )
    )
    recent = plus_seconds(store, col(Incident.reported_at), -recent_days * 86400.0)

    def earlier_case(still: ColumnElement[bool]) -> ColumnElement[bool]:
        return exists(
            select(literal(1)).where(
                col(earlier.small_code) == col(Incident.small_code),
                col(earlier.category_code) == col(Incident.category_code),
                still,
                col(earlier.id) != col(Incident.id),
                col(earlier.reported_at) < col(Incident.reported_at),
                col(earlier.status) != Status.rejected,
            )
        )

    # Two look-ups, each a short range of ix_incident_grid_category_closed (migration 0005):
    # the grid and 小类's open cases, and those closed since ``recent``; never their past.
    still_open = earlier_case(col(earlier.closed_at).is_(None))
    closed_lately = earlier_case(as_time(store, col(earlier.closed_at)) >= recent)
    return or_(as_duplicate, still_open, closed_lately)


def event_facts(context: AppContext) -> dict[str, ColumnElement[bool]]:
    """The :class:`~api.indicators.CaseRow` facts taken from the event log, in SQL."""
    store, settings = context.settings.store, context.settings
    return {
        "signed_in_time": _signed_in_time(store),
        "responded_in_time": _responded_in_time(store, settings.response_limit_hours * 3600),
        "repeats": _repeats(store, settings.duplicate_window_days),
    }


def case_count_clauses(context: AppContext, as_of: datetime) -> dict[str, ColumnElement[bool]]:
    """The SQL form of every rule of :data:`~api.indicators.CASE_COUNTS`, as of ``as_of``."""
    i = Incident
    status = col(i.status)
    closed = status == Status.closed
    collected = status != Status.rejected
    dispatched = col(i.dispatched_at).is_not(None)
    ever_overdue = col(i.ever_overdue).is_(True)
    past_due = and_(col(i.handle_due_at).is_not(None), col(i.handle_due_at) <= as_of)
    ever_handled = and_(
        dispatched,
        or_(col(i.handled_at).is_not(None), col(i.rework_count) > 0, col(i.reopen_count) > 0),
    )
    due_to_handle = and_(dispatched, or_(ever_handled, ever_overdue, past_due))
    claimed = and_(dispatched, col(i.claimed_by).is_not(None))
    called_back = col(i.called_back_at).is_not(None)
    rated = col(i.first_rating).is_not(None)
    facts = event_facts(context)
    clauses: dict[str, ColumnElement[bool]] = {
        "cases": literal(True),
        "collected": collected,
        "open": status.in_(OPEN_STATUSES),
        "resolved": and_(closed, not_(col(i.unreasonable).is_(True))),
        "on_site": and_(collected, col(i.resolved_on_site).is_(True)),
        "closed": closed,
        "due_to_close": and_(collected, or_(closed, ever_overdue, past_due)),
        "closed_on_time": and_(closed, not_(ever_overdue)),
        "dispatched": or_(dispatched, col(i.return_count) > 0),
        "returned": col(i.return_count) > 0,
        "signed": claimed,
        "signed_in_time": and_(claimed, facts["signed_in_time"]),
        "due_to_handle": due_to_handle,
        "handled": ever_handled,
        "handled_on_time": and_(ever_handled, not_(ever_overdue)),
        "reworked": and_(dispatched, col(i.rework_count) > 0),
        "overdue_open": and_(status.in_(IN_HAND), past_due),
        "ever_overdue": ever_overdue,
        "extended": and_(due_to_handle, col(i.extension_count) > 0),
        "called_back": called_back,
        "reopened": and_(called_back, col(i.reopen_count) > 0),
        "rated": rated,
        "satisfied": col(i.first_rating).in_(SATISFIED),
        "unreachable": col(i.unreachable).is_(True),
        "solved": and_(rated, col(i.first_solved).is_(True)),
        "responded": facts["responded_in_time"],
        "repeated": facts["repeats"],
        **{f"closed_{tier.value}": and_(closed, col(i.closing_tier) == tier) for tier in Tier},
    }
    assert clauses.keys() == CASE_COUNTS.keys(), "the SQL form must have every count"
    return clauses


# ---------------------------------------------------------------- grouped tallies


def count_by(
    session: Session,
    query: StatsQuery,
    group: ColumnElement[Any] | Mapped[Any] | None,
    names: Sequence[str],
    *,
    where: Sequence[ColumnElement[bool]] | None = None,
) -> dict[Any, dict[str, int]]:
    """The counts ``names`` per value of ``group`` (one key ``None`` without a group).

    Over the counted cases, or over ``where`` when given.
    """
    key: Any = group if group is not None else literal(None)
    clauses = case_count_clauses(query.context, query.as_of)
    sums = [func.sum(case((clauses[name], 1), else_=0)).label(name) for name in names]
    conditions = query.conditions() if where is None else list(where)
    rows = session.execute(select(key.label("key"), *sums).where(*conditions).group_by(key))
    return {row.key: {name: int(getattr(row, name) or 0) for name in names} for row in rows}


def tally_by(
    session: Session,
    query: StatsQuery,
    group: ColumnElement[Any] | Mapped[Any] | None,
    *,
    summons_group: ColumnElement[Any] | Mapped[Any] | None = None,
) -> dict[Any, Tally]:
    """One tally per value of ``group`` (a single key ``None`` without a group).

    Summons are grouped by ``summons_group`` when given (the summoned department for a
    unit ranking), otherwise by ``group``.
    """
    key: Any = group if group is not None else literal(None)
    counted = count_by(session, query, group, list(CASE_COUNTS))
    tallies: dict[Any, Tally] = {found: Tally(cases=counts) for found, counts in counted.items()}
    for found, (due, on_time, awaiting) in _summons_by(
        session, query, summons_group if summons_group is not None else key
    ).items():
        current = tallies.get(found, Tally())
        tallies[found] = Tally(
            cases=current.cases, summons=due, summons_on_time=on_time, summons_awaiting=awaiting
        )
    return tallies


def _summons_by(session: Session, query: StatsQuery, key: Any) -> dict[Any, tuple[int, int, int]]:
    """(due, answered on time, awaiting) summons per key, on the counted cases."""
    w = IncidentWhistle
    answered = col(w.reported_at).is_not(None)
    due = or_(answered, col(w.due_at) <= query.as_of)
    on_time = and_(answered, col(w.reported_at) <= col(w.due_at))
    rows = session.execute(
        select(
            key.label("key"),
            func.sum(case((due, 1), else_=0)),
            func.sum(case((on_time, 1), else_=0)),
            func.sum(case((not_(answered), 1), else_=0)),
        )
        .join(Incident, col(Incident.id) == col(w.incident_id))
        .where(*query.conditions())
        .group_by(key)
    ).all()
    return {row[0]: (int(row[1] or 0), int(row[2] or 0), int(row[3] or 0)) for row in rows}


def case_rows(session: Session, query: StatsQuery) -> list[CaseRow]:
    """The counted cases as :class:`~api.indicators.CaseRow` (for checks and small sets)."""
    i = Incident
    facts = event_facts(query.context)
    plain = [
        col(getattr(i, name))
        for name in (
            "status",
            "handle_due_at",
            "resolved_on_site",
            "unreasonable",
            "ever_overdue",
            "rework_count",
            "reopen_count",
            "return_count",
            "extension_count",
            "first_rating",
            "first_solved",
            "unreachable",
            "closing_tier",
        )
    ]
    stamped = {
        "dispatched": i.dispatched_at,
        "claimed": i.claimed_by,
        "handled": i.handled_at,
        "called_back": i.called_back_at,
    }
    rows = session.execute(
        select(
            *plain,
            *(col(column).is_not(None).label(name) for name, column in stamped.items()),
            *(clause.label(name) for name, clause in facts.items()),
        )
        .where(*query.conditions())
        .order_by(col(i.id))
    ).all()
    flags = {f.name for f in fields(CaseRow) if f.type == "bool"}
    found: list[CaseRow] = []
    for row in rows:
        values: dict[str, Any] = {k: bool(v) if k in flags else v for k, v in row._mapping.items()}
        found.append(CaseRow(**values))
    return found


def summons_of(session: Session, query: StatsQuery) -> Sequence[IncidentWhistle]:
    """The summons on the counted cases."""
    return (
        session.execute(
            select(IncidentWhistle)
            .join(Incident, col(Incident.id) == col(IncidentWhistle.incident_id))
            .where(*query.conditions())
        )
        .scalars()
        .all()
    )
