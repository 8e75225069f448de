"""The live change feed: one message per transition, read from the event log in order.

The event log's id is the cursor.  :func:`feed_page` reads the transitions after a cursor
that the caller may see (the case's scope now), without personal data.  Ids are handed out
before a transaction commits, so a later id can become visible before an earlier one; the
feed only moves past a missing id once the event after it is older than
``MINQING_FEED_GAP_GRACE_S`` (a rolled back write leaves a hole for good), so a reader
that resumes from its last id misses nothing.

Readers wait for news with :class:`FeedWakeup`: PostgreSQL ``LISTEN`` on PostGIS (every
event insert sends ``NOTIFY`` on commit, from whichever process wrote it), a short poll
of the log on SQLite.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from api.cases.access import visibility_clause
from api.cases.present import EVENT_LABELS, stage_clock
from api.cases.schemas import GridRef
from api.context import AppContext
from api.models import Category, Incident, IncidentEvent, Unit, utcnow
from api.workflow import Actor, Status

__all__ = ["FEED_CHANNEL", "FeedMessage", "FeedWakeup", "feed_page", "latest_event_id"]

FEED_CHANNEL = "minqing_events"
"""The PostgreSQL notification channel of new events (payload: the event id)."""

log = logging.getLogger("minqing.feed")
T = TypeVar("T")


class FeedMessage(BaseModel):
    """One transition as the live feed sends it (no names or phone numbers)."""

    event_id: int
    case_id: int
    case_no: str
    action: str
    status: Status
    status_label: str
    light: str | None
    grid: GridRef
    unit: str | None
    lon: float
    lat: float
    at: datetime
    text: str


@event.listens_for(IncidentEvent, "after_insert")
def _notify_on_insert(_mapper: Any, connection: Connection, target: IncidentEvent) -> None:
    """Queue a ``NOTIFY`` in the writing transaction (PostgreSQL sends it on commit)."""
    if connection.dialect.name == "postgresql":
        connection.execute(
            text("SELECT pg_notify(:channel, :payload)"),
            {"channel": FEED_CHANNEL, "payload": str(target.id)},
        )


def latest_event_id(session: Session) -> int:
    """The newest event id (0 for an empty log)."""
    newest = session.exec(select(IncidentEvent.id).order_by(col(IncidentEvent.id).desc()))
    return int(newest.first() or 0)


def settled_until(session: Session, after: int, *, limit: int, grace: timedelta) -> int:
    """The last id up to which no event after ``after`` can still appear (see the module)."""
    rows = session.exec(
        select(IncidentEvent.id, IncidentEvent.at)
        .where(col(IncidentEvent.id) > after)
        .order_by(col(IncidentEvent.id))
        .limit(limit)
    ).all()
    recent = utcnow() - grace
    until = after
    for event_id, at in rows:
        if event_id is None or (event_id != until + 1 and at > recent):
            break
        until = event_id
    return until


def _ticker(category: str | None, action: str, unit: str | None) -> str:
    label = EVENT_LABELS.get(action, action)
    subject = category or "案件"
    return f"{subject}：{label}" + (f" → {unit}" if action == "dispatch" and unit else "")


def feed_page(
    session: Session, context: AppContext, actor: Actor, *, after: int, limit: int
) -> tuple[list[FeedMessage], int]:
    """The visible transitions after event ``after``, and the id to resume after next.

    At most ``limit`` events are scanned; the returned id may pass over events outside
    the caller's scope, never over one still in flight.
    """
    grace = timedelta(seconds=context.settings.feed_gap_grace_s)
    until = settled_until(session, after, limit=limit, grace=grace)
    if until == after:
        return [], after
    query = (
        select(IncidentEvent, Incident, Category.name, Unit.short_name)
        .join(Incident, col(Incident.id) == col(IncidentEvent.incident_id))
        .join(Category, col(Category.code) == col(Incident.category_code), isouter=True)
        .join(Unit, col(Unit.code) == col(Incident.unit_code), isouter=True)
        .where(col(IncidentEvent.id) > after, col(IncidentEvent.id) <= until)
        .order_by(col(IncidentEvent.id))
    )
    scope = visibility_clause(actor)
    if scope is not None:
        query = query.where(scope)
    now = utcnow()
    messages = [
        _message(ev, case, category, unit, context, now)
        for ev, case, category, unit in session.exec(query)
    ]
    return messages, until


def _message(
    ev: IncidentEvent,
    case: Incident,
    category: str | None,
    unit_name: str | None,
    context: AppContext,
    now: datetime,
) -> FeedMessage:
    clock = stage_clock(case, context.calendar)
    return FeedMessage(
        event_id=int(ev.id or 0),
        case_id=int(case.id or 0),
        case_no=case.case_no,
        action=ev.action,
        status=ev.to_status,
        status_label=ev.to_status.label,
        light=None if clock is None else clock.light(now).value,
        grid=GridRef(small=case.small_code, medium=case.medium_code, large=case.large_code),
        unit=case.unit_code,
        lon=case.lon,
        lat=case.lat,
        at=ev.at,
        text=_ticker(category, ev.action, unit_name or case.unit_code),
    )


class FeedWakeup:
    """Tells waiting feed readers that new events may be in the log.

    On PostGIS one ``LISTEN`` connection per process runs while anyone subscribes; on
    SQLite readers just look again after ``MINQING_FEED_POLL_S``.
    """

    def __init__(self, context: AppContext) -> None:
        self.settings = context.settings
        self.listens = context.db.store == "postgis"
        self.conninfo = context.db.url.set(drivername="postgresql").render_as_string(
            hide_password=False
        )
        self.generation = 0
        self._news = asyncio.Event()
        self._subscribers = 0
        self._listener: asyncio.Task[None] | None = None
        self._pending: dict[Hashable, asyncio.Future[Any]] = {}

    @contextlib.asynccontextmanager
    async def subscribed(self) -> AsyncIterator[FeedWakeup]:
        """Count one reader in while the block runs (the first starts the listener)."""
        self._subscribers += 1
        if self.listens and self._listener is None:
            self._listener = asyncio.create_task(self._listen())
        try:
            yield self
        finally:
            self._subscribers -= 1
            if self._subscribers == 0 and self._listener is not None:
                self._listener.cancel()
                self._listener = None

    async def shared(self, key: Hashable, read: Callable[[], Awaitable[T]]) -> T:
        """``read()``, done once for all readers that ask with the same ``key`` meanwhile.

        Readers woken by one notification ask for the same page at once; on PostGIS they
        share one query (the key holds the generation the reader has seen, so a shared
        answer is never older than the reader's own would be).  On SQLite each reads.
        """
        if not self.listens:
            return await read()
        pending = self._pending.get(key)
        if pending is None:
            pending = self._pending[key] = asyncio.ensure_future(read())
            pending.add_done_callback(lambda _done: self._pending.pop(key, None))
        return await asyncio.shield(pending)

    async def wait(self, seen: int, *, soon: bool = False) -> None:
        """Return once news arrived after generation ``seen``, or after the poll interval.

        ``soon``: an id is still in flight, look again after the poll interval anyway.
        """
        if not self.listens:
            await asyncio.sleep(self.settings.feed_poll_s)
            return
        if self.generation != seen:
            return
        timeout = self.settings.feed_poll_s if soon else self.settings.feed_heartbeat_s
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._news.wait(), timeout)

    def _announce(self) -> None:
        self.generation += 1
        self._news.set()
        self._news = asyncio.Event()

    async def _listen(self) -> None:
        import psycopg

        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    self.conninfo, autocommit=True
                ) as conn:
                    await conn.execute(f"LISTEN {FEED_CHANNEL}")
                    self._announce()  # anything written while not listening
                    async for _note in conn.notifies():
                        self._announce()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - keep listening after a lost connection
                log.warning("feed listener lost its connection: %s", exc)
                await asyncio.sleep(1.0)
