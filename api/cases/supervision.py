"""Supervision (督办): cards raised on open cases as their handling deadline passes.

A sweep, run every minute by the service (and by the demo's simulator), looks at the open
cases in a unit's hands: when a case's supervision card rises (none → yellow → red) it
records a ``supervise`` event with the card and its time, and marks the case as ever
overdue once its handling deadline has passed, whatever happens to the deadline later.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from api.context import AppContext
from api.exceptions import MinqingError
from api.models import Incident, IncidentEvent, utcnow
from api.workflow import Actor, Role, StageClock, Status, Supervision

__all__ = ["SUPERVISE_ACTION", "SYSTEM_ACTOR", "supervise", "supervise_forever", "sweep"]

log = logging.getLogger(__name__)

SUPERVISE_ACTION = "supervise"
"""The timeline step of a supervision card (a system step, not an action a caller sends)."""

SYSTEM_ACTOR = "system"

_IN_HAND = (Status.dispatched, Status.claimed, Status.assigned, Status.in_progress)
_RANK = {Supervision.none: 0, Supervision.yellow_card: 1, Supervision.red_card: 2}
_LABELS = {Supervision.yellow_card: "黄牌督办", Supervision.red_card: "红牌督办"}


def supervise(session: Session, context: AppContext, now: datetime) -> int:
    """Raise the cards that are due on the open cases; returns how many were recorded."""
    cases = session.exec(
        select(Incident).where(
            col(Incident.status).in_(_IN_HAND),
            col(Incident.handle_due_at).is_not(None),
            col(Incident.handle_due_at) <= now,
        )
    ).all()
    recorded = 0
    for case in cases:
        recorded += _raise_card(session, context, case, now)
    return recorded


def _raise_card(session: Session, context: AppContext, case: Incident, now: datetime) -> int:
    assert case.id is not None and case.handle_due_at is not None
    started = case.dispatched_at or case.reported_at
    clock = StageClock(started, case.handle_due_at, urgent=case.urgent, calendar=context.calendar)
    card = clock.supervision(now)
    if _RANK[card] <= _RANK[Supervision(case.supervision)]:
        return 0
    version = case.version
    changed = session.execute(
        update(Incident)
        .where(col(Incident.id) == case.id, col(Incident.version) == version)
        .values(supervision=card.value, ever_overdue=True, version=version + 1)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        return 0  # someone acted meanwhile; the next sweep looks again
    session.add(
        IncidentEvent.by(
            Actor(SYSTEM_ACTOR, Role.admin, unit=case.unit_code),
            incident_id=case.id,
            seq=version + 1,
            action=SUPERVISE_ACTION,
            from_status=case.status,
            to_status=case.status,
            note=f"{_LABELS[card]}：处置时限 {case.handle_due_at.isoformat()} 已过",
            data={"card": card.value, "due_at": case.handle_due_at.isoformat()},
            at=now,
        )
    )
    session.flush()
    return 1


def sweep(context: AppContext) -> int:
    """One supervision sweep in its own transaction, as of now."""
    with context.db.write_session() as session:
        return supervise(session, context, utcnow())


async def supervise_forever(context: AppContext) -> None:
    """Sweep every ``supervise_every_s`` seconds until cancelled; a failed sweep is logged."""
    every = context.settings.supervise_every_s
    while True:
        try:
            await asyncio.to_thread(sweep, context)
        except (MinqingError, SQLAlchemyError, OSError) as exc:
            # the store may be restarting: try again at the next sweep
            log.warning("supervision sweep failed: %s", exc)
        await asyncio.sleep(every)
