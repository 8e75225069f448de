"""The live change feed over HTTP: Server-Sent Events, and a page of events for pollers.

Both read :func:`api.cases.feed.feed_page`, scoped to what the caller may see.  An SSE
message's ``id`` is the event id, so a reconnecting browser (``Last-Event-ID``) resumes
where it stopped.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import JSONResponse
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from api.cases.feed import FeedMessage, FeedWakeup, feed_page, latest_event_id
from api.context import AppContext
from api.deps import ContextDep, QueryTokenReader, Reader, SessionDep
from api.exceptions import InvalidInput
from api.params import MAX_ID
from api.workflow import Actor

router = APIRouter(tags=["live"])

SSE_MEDIA_TYPE = "text/event-stream"
BATCH = 500
"""Events scanned per look at the log."""
EventId = Annotated[int | None, Query(ge=0, le=MAX_ID, description="Event id to start after")]


def _wakeup(request: Request, context: AppContext) -> FeedWakeup:
    """The app's one :class:`FeedWakeup`, made on first use."""
    wakeup: FeedWakeup | None = getattr(request.app.state, "feed_wakeup", None)
    if wakeup is None:
        wakeup = request.app.state.feed_wakeup = FeedWakeup(context)
    return wakeup


def _read(context: AppContext, actor: Actor, after: int) -> tuple[list[FeedMessage], int]:
    with context.db.session() as session:
        return feed_page(session, context, actor, after=after, limit=BATCH)


def _start(context: AppContext, after: int | None) -> int:
    if after is not None:
        return after
    with context.db.session() as session:
        return latest_event_id(session)


async def _messages(
    context: AppContext, actor: Actor, wakeup: FeedWakeup, after: int
) -> AsyncIterator[ServerSentEvent]:
    async with wakeup.subscribed():
        yield ServerSentEvent(comment="ready")
        while True:
            seen = wakeup.generation
            messages, until = await wakeup.shared(
                (seen, actor, after), partial(run_in_threadpool, _read, context, actor, after)
            )
            for message in messages:
                # An unnamed event: ``EventSource.onmessage`` (and components built on it,
                # such as the dashboard's) receive only those.
                yield ServerSentEvent(data=message.model_dump_json(), id=str(message.event_id))
            scanned_all = until - after < BATCH
            after = until
            if scanned_all:
                latest = await wakeup.shared(
                    (seen, "latest"), partial(run_in_threadpool, _start, context, None)
                )
                await wakeup.wait(seen, soon=latest > until)


@router.get("/stream", summary="Live feed of transitions (Server-Sent Events)")
async def stream(
    request: Request,
    context: ContextDep,
    principal: QueryTokenReader,
    after: EventId = None,
    last_event_id: Annotated[
        str | None, Header(max_length=20, description="Resume after this event id")
    ] = None,
) -> Response:
    """One message per case transition the caller may see, as it happens.

    Messages are plain SSE ``message`` events (``EventSource.onmessage`` receives them).
    Each message's data: case id and number, new status, light, grid codes, unit,
    lon / lat, time and a short ticker text; its ``id`` is the event id.  Starts after
    ``Last-Event-ID`` (or ``after``), else with the next transition.  The request must
    accept ``text/event-stream`` (as ``EventSource`` does); others get 406 and should
    poll ``GET /api/events``.
    """
    if SSE_MEDIA_TYPE not in request.headers.get("accept", ""):
        return JSONResponse(
            {
                "detail": f"this feed is {SSE_MEDIA_TYPE}: send 'Accept: {SSE_MEDIA_TYPE}', "
                "or poll GET /api/events?after=<event id>",
                "error": "not_acceptable",
                "field": "accept",
            },
            status_code=406,
        )
    if last_event_id is not None:
        if not last_event_id.isdigit() or int(last_event_id) > MAX_ID:
            raise InvalidInput("Last-Event-ID", f"must be an event id (digits, at most {MAX_ID})")
        after = int(last_event_id)
    start = await run_in_threadpool(_start, context, after)
    wakeup = _wakeup(request, context)
    return EventSourceResponse(
        _messages(context, principal, wakeup, start),
        ping=int(max(1, context.settings.feed_heartbeat_s)),
    )


@router.get("/events", summary="Transitions after an event id (for polling clients)")
def list_events(
    session: SessionDep,
    context: ContextDep,
    principal: Reader,
    after: EventId = None,
    limit: Annotated[int, Query(ge=1, le=BATCH, description="Events scanned at most")] = 100,
) -> dict[str, object]:
    """The transitions the caller may see after ``after`` and the id to ask after next.

    ``items`` as in the live feed; ``last_event_id`` may be larger than the last item's id
    when events outside the caller's scope were passed over.  Without ``after``: none,
    and the newest id to start from.
    """
    if after is None:
        return {"items": [], "last_event_id": latest_event_id(session)}
    items, until = feed_page(session, context, principal, after=after, limit=limit)
    return {"items": items, "last_event_id": until}
