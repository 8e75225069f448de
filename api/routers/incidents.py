"""Cases: intake, the closed-loop actions, timeline, photos, listing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Header, Query, Response, UploadFile
from fastapi.responses import FileResponse
from sqlalchemy import func, or_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select

from api import incidents as service
from api.deps import ContextDep, PrincipalDep, SessionDep
from api.errors import Conflict, InvalidInput
from api.models import (
    ActionBody,
    EventPublic,
    Incident,
    IncidentCreate,
    IncidentCreated,
    IncidentList,
    IncidentPublic,
    PhotoPublic,
)
from api.params import BBoxDep, PageDep
from api.store import bbox_overlaps
from api.workflow import ActionInput

router = APIRouter(prefix="/incidents", tags=["incidents"])


@router.post("", status_code=201, summary="Report a case (上报)", response_model=IncidentCreated)
def create_incident(
    data: IncidentCreate,
    context: ContextDep,
    principal: PrincipalDep,
    response: Response,
    idempotency_key: Annotated[
        str | None, Header(max_length=100, description="Retry-safe key: one case per key")
    ] = None,
) -> IncidentCreated:
    """Intake: convert the point to WGS84, find its grids, start the clock.

    The same ``Idempotency-Key`` (or ``external_id``) always answers with the same case.
    """
    try:
        with context.db.write_session() as session:
            result = service.intake(
                session, context, data, principal, idempotency_key=idempotency_key
            )
            names = service.category_names(session)
            body = IncidentCreated(
                **service.to_public(
                    result.incident, principal, context, category_names=names
                ).model_dump(),
                possible_duplicates=[
                    {
                        "id": d.id,
                        "case_no": d.case_no,
                        "status": d.status,
                        "lon": d.lon,
                        "lat": d.lat,
                    }
                    for d in result.possible_duplicates
                ],
            )
    except IntegrityError:
        # A concurrent retry with the same key won the insert: answer with its case.
        with context.db.session() as session:
            existing = service.find_existing(
                session, idempotency_key=idempotency_key, external_id=data.external_id
            )
            if existing is None:
                raise Conflict("the case could not be stored; try again") from None
            names = service.category_names(session)
            body = IncidentCreated(
                **service.to_public(existing, principal, context, category_names=names).model_dump()
            )
        response.status_code = 200
        return body
    if not result.created:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    return body


@router.get("", summary="Cases visible to the caller", response_model=IncidentList)
def list_incidents(
    session: SessionDep,
    context: ContextDep,
    principal: PrincipalDep,
    page: PageDep,
    bbox: BBoxDep,
    status: Annotated[list[str] | None, Query(description="One or more statuses")] = None,
    department: Annotated[str | None, Query()] = None,
    category: Annotated[str | None, Query(description="小类 or 大类 code")] = None,
    grid: Annotated[str | None, Query(description="A grid code of any level")] = None,
) -> IncidentList:
    """A page of cases, newest first, limited to the caller's scope."""
    where: list[ColumnElement[bool]] = []
    scope = service.visibility_clause(principal)
    if scope is not None:
        where.append(scope)
    if status:
        where.append(col(Incident.status).in_(status))
    if department:
        where.append(col(Incident.department_code) == department)
    if category:
        where.append(col(Incident.category_code).startswith(category))
    if grid:
        where.append(
            or_(
                col(Incident.small_code) == grid,
                col(Incident.medium_code) == grid,
                col(Incident.large_code) == grid,
            )
        )
    if bbox:
        where.append(
            bbox_overlaps(
                context.db.store,
                geom=Incident.geom,
                bbox_columns=(Incident.lon, Incident.lat),  # type: ignore[arg-type]
                bbox=bbox,
            )
        )
    matched = session.exec(select(func.count()).select_from(Incident).where(*where)).one()
    rows = session.exec(
        select(Incident)
        .where(*where)
        .order_by(col(Incident.reported_at).desc(), col(Incident.id).desc())
        .offset(page.offset)
        .limit(page.limit)
    ).all()
    names = service.category_names(session)
    items = [service.to_public(r, principal, context, category_names=names) for r in rows]
    return IncidentList(number_matched=matched, number_returned=len(items), items=items)


@router.get("/{incident_id}", summary="One case", response_model=IncidentPublic)
def get_incident(
    incident_id: int, session: SessionDep, context: ContextDep, principal: PrincipalDep
) -> IncidentPublic:
    """The case with its clock, light and the actions the caller may take now."""
    incident = service.get_visible(session, principal, incident_id)
    return service.to_public(
        incident, principal, context, category_names=service.category_names(session)
    )


@router.post(
    "/{incident_id}/actions/{action}",
    summary="Move a case through the closed loop",
    response_model=IncidentPublic,
)
def do_action(
    incident_id: int,
    action: str,
    context: ContextDep,
    principal: PrincipalDep,
    body: ActionBody | None = None,
) -> IncidentPublic:
    """Apply one closed-loop action to the case.

    Actions: accept, reject, resolve_on_site, dispatch, claim, return, start, handle,
    verify, close, rate, escalate, extend, approve_extension.

    An action the case's state does not allow answers 409 with the state and the
    allowed actions.
    """
    body = body or ActionBody()
    data = ActionInput(
        department=body.department,
        co_departments=tuple(body.co_departments),
        reason=body.reason,
        duplicate_of=body.duplicate_of,
        result=body.result,
        passed=body.passed,
        rating=body.rating,
        hours=body.hours,
        note=body.note,
    )
    with context.db.write_session() as session:
        incident = service.act(
            session, context, incident_id, action, data, principal, photo_ids=body.photo_ids
        )
        return service.to_public(
            incident, principal, context, category_names=service.category_names(session)
        )


@router.get(
    "/{incident_id}/events", summary="The case's timeline", response_model=list[EventPublic]
)
def get_events(incident_id: int, session: SessionDep, principal: PrincipalDep) -> list[EventPublic]:
    """Every transition with actor, role, department and time, oldest first."""
    return [service.event_public(e) for e in service.timeline(session, principal, incident_id)]


@router.post(
    "/{incident_id}/photos",
    status_code=201,
    summary="Attach a photo (JPEG, PNG or WebP)",
    response_model=PhotoPublic,
)
async def upload_photo(
    incident_id: int,
    context: ContextDep,
    principal: PrincipalDep,
    file: Annotated[UploadFile, File(description="JPEG, PNG or WebP, up to 10 MB")],
) -> PhotoPublic:
    """Store a photo for the case; the body of ``handle`` / ``resolve_on_site`` may cite it."""
    content = await file.read(context.settings.photo_max_bytes + 1)
    with context.db.write_session() as session:
        photo = service.save_photo(
            session, context, principal, incident_id, content, declared_type=file.content_type
        )
        assert photo.id is not None
        return PhotoPublic(
            id=photo.id,
            incident_id=incident_id,
            content_type=photo.content_type,
            size_bytes=photo.size_bytes,
            sha256=photo.sha256,
            uploaded_by=photo.uploaded_by,
            uploaded_at=photo.uploaded_at,
            url=f"/api/incidents/{incident_id}/photos/{photo.id}",
        )


@router.get("/{incident_id}/photos/{photo_id}", summary="A case photo", response_class=FileResponse)
def get_photo(
    incident_id: int,
    photo_id: int,
    session: SessionDep,
    context: ContextDep,
    principal: PrincipalDep,
) -> FileResponse:
    """The photo file, for roles that may see the case."""
    path, media_type = service.photo_path(session, context, principal, incident_id, photo_id)
    if not path.exists():
        raise InvalidInput("photo_id", f"photo {photo_id} is recorded but its file is missing")
    return FileResponse(path, media_type=media_type)
