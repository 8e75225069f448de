"""Cases over HTTP: intake, the closed-loop actions, timeline, photos, the list.

Each route parses the request, calls one service function of :mod:`api.cases` and returns
its answer; the access decision of each route is one ``allowed(...)`` of the policy.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Header, Query, Request, Response, UploadFile
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool

from api.cases.access import get_visible
from api.cases.actions import perform, present_now
from api.cases.intake import submit_report
from api.cases.photos import attach_photo, photo_file
from api.cases.queries import CaseFilter, case_page, timeline
from api.cases.schemas import (
    ActionBody,
    EventPublic,
    IncidentCreate,
    IncidentCreated,
    IncidentPublic,
    PhotoPublic,
)
from api.deps import ContextDep, SessionDep, allowed
from api.http.urls import request_url
from api.paging import page_links
from api.params import BBoxDep, IdPath, PageDep
from api.workflow import Action, Actor, Permission, Status, Tier

router = APIRouter(prefix="/incidents", tags=["incidents"])

Reader = Annotated[Actor, allowed(Permission.read_cases)]
CaseId = Annotated[int, IdPath("incident_id")]


@router.post("", status_code=201, summary="Report a case (上报)", response_model=IncidentCreated)
def create_incident(
    data: IncidentCreate,
    context: ContextDep,
    principal: Annotated[Actor, allowed(Permission.report)],
    response: Response,
    idempotency_key: Annotated[
        str | None,
        Header(min_length=1, max_length=100, description="Retry-safe key: one case per key"),
    ] = None,
) -> IncidentCreated:
    """Intake: convert the point to WGS84, find its grids, start the clock.

    The same reporter sending the same ``Idempotency-Key`` (or ``external_id``) with the
    same body gets the same case (200, ``Idempotent-Replayed: true``); with another body,
    409 naming the case.
    """
    body, created = submit_report(context, data, principal, idempotency_key=idempotency_key)
    if not created:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    return body


@router.get("", summary="Cases visible to the caller")
def list_incidents(
    request: Request,
    session: SessionDep,
    context: ContextDep,
    principal: Reader,
    page: PageDep,
    bbox: BBoxDep,
    status: Annotated[list[Status] | None, Query(description="One or more statuses")] = None,
    unit: Annotated[str | None, Query(max_length=20, description="Lead unit")] = None,
    tier: Annotated[Tier | None, Query(description="The tier whose queue holds it")] = None,
    assignee: Annotated[str | None, Query(max_length=80)] = None,
    category: Annotated[
        str | None, Query(pattern=r"^[0-9]{2,4}$", description="小类 or 大类 code")
    ] = None,
    grid: Annotated[
        str | None, Query(max_length=20, description="A grid code of any level")
    ] = None,
) -> dict[str, object]:
    """A page of cases, newest first, limited to the caller's scope.

    The answer has ``numberMatched``, ``numberReturned``, ``links`` and ``items``.
    """
    filters = CaseFilter(
        statuses=tuple(status or ()),
        unit=unit,
        tier=tier,
        assignee=assignee,
        category=category,
        grid=grid,
        bbox=bbox,
    )
    items, matched = case_page(session, context, principal, filters, page)
    meta = page_links(
        str(request_url(request)),
        page,
        returned=len(items),
        matched=matched,
        media_type="application/json",
    )
    return {**meta.as_dict(), "items": items}


@router.get("/{incident_id}", summary="One case", response_model=IncidentPublic)
def get_incident(
    incident_id: CaseId, session: SessionDep, context: ContextDep, principal: Reader
) -> IncidentPublic:
    """The case with its clock, light and the actions the caller may take now."""
    incident = get_visible(session, principal, incident_id)
    return present_now(session, context, incident, principal)


@router.post(
    "/{incident_id}/actions/{action}",
    summary="Move a case through the closed loop",
    response_model=IncidentPublic,
)
def do_action(
    incident_id: CaseId,
    action: Action,
    context: ContextDep,
    principal: Annotated[Actor, allowed(Permission.act)],
    body: ActionBody | None = None,
) -> IncidentPublic:
    """Apply one closed-loop action to the case.

    An action the case's state does not allow answers 409 with the state and the allowed
    actions; an action the caller may not do, 403.
    """
    return perform(context, incident_id, action, body or ActionBody(), principal)


@router.get(
    "/{incident_id}/events", summary="The case's timeline", response_model=list[EventPublic]
)
def get_events(incident_id: CaseId, session: SessionDep, principal: Reader) -> list[EventPublic]:
    """Every transition with actor, role, unit and time, oldest first."""
    return timeline(session, principal, incident_id)


@router.post(
    "/{incident_id}/photos",
    status_code=201,
    summary="Attach a photo (JPEG, PNG or WebP)",
    response_model=PhotoPublic,
)
async def upload_photo(
    incident_id: CaseId,
    context: ContextDep,
    principal: Annotated[Actor, allowed(Permission.attach_photos)],
    file: Annotated[UploadFile, File(description="JPEG, PNG or WebP, up to 10 MB")],
) -> PhotoPublic:
    """Store a photo for the case; the body of ``handle`` / ``resolve_on_site`` may cite it."""
    content = await file.read(context.settings.photo_max_bytes + 1)
    return await run_in_threadpool(
        attach_photo, context, principal, incident_id, content, declared_type=file.content_type
    )


@router.get("/{incident_id}/photos/{photo_id}", summary="A case photo", response_class=FileResponse)
def get_photo(
    incident_id: CaseId,
    photo_id: Annotated[int, IdPath("photo_id")],
    session: SessionDep,
    context: ContextDep,
    principal: Annotated[Actor, allowed(Permission.view_photos)],
) -> FileResponse:
    """The photo file, for roles that may see the case and its photos."""
    path, media_type = photo_file(session, context, principal, incident_id, photo_id)
    return FileResponse(path, media_type=media_type)
