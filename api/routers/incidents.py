"""Cases over HTTP: intake, the closed-loop actions, timeline, photos, the list.

Each route parses the request, calls one service function of :mod:`api.cases` and returns
its answer; the access decision of each route is one ``allowed(...)`` of the policy.
"""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Depends, File, Header, Query, Request, Response, UploadFile
from fastapi.encoders import jsonable_encoder
from fastapi.responses import FileResponse, JSONResponse
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from api.cases.access import get_visible
from api.cases.actions import perform, present_now
from api.cases.aggregates import (
    MAX_ZOOM,
    MapAggregate,
    cases_extent,
    cluster_counts,
    cluster_grid,
    grid_counts,
)
from api.cases.features import feature_select, feature_texts
from api.cases.formats import (
    CSV_MEDIA_TYPE,
    GEOJSON_MEDIA_TYPE,
    ListFormat,
    category_names,
    csv_chunks,
    flat_records,
    flat_select,
    geojson_chunks,
    negotiate,
)
from api.cases.intake import submit_report
from api.cases.photos import attach_photo, case_photos, photo_file
from api.cases.queries import (
    CaseFilter,
    CaseSort,
    case_page,
    case_page_after,
    count_matched,
    rows_after,
    timeline,
)
from api.cases.schemas import (
    ActionBody,
    EventPublic,
    IncidentCreate,
    IncidentCreated,
    IncidentPublic,
    PhotoPublic,
)
from api.context import AppContext
from api.deps import ContextDep, Reader, SessionDep, allowed
from api.exceptions import InvalidInput
from api.http.urls import request_url
from api.models import utcnow
from api.paging import Cursor, Page, PageMeta, cursor_links, page_links
from api.params import BBoxDep, IdPath, IsoAwareDateTime, PageDep
from api.vocabulary import Source
from api.workflow import Action, Actor, Light, Permission, Status, Tier

router = APIRouter(prefix="/incidents", tags=["incidents"])

CaseId = Annotated[int, IdPath("incident_id")]
DEFAULT_CLUSTER_ZOOM = 12
"""Clusters asked for without a zoom: cells of about 2 km (coarsened to the cap)."""


@router.post(
    "",
    status_code=201,
    summary="Report a case (上报)",
    response_model=IncidentCreated,
    operation_id="create_incident",
    responses={
        200: {
            "model": IncidentCreated,
            "description": "A replay: the case an earlier report with this key created",
            "headers": {
                "Idempotent-Replayed": {
                    "description": "Always true on a replay",
                    "schema": {"type": "string", "enum": ["true"]},
                }
            },
        }
    },
)
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


def case_filter_query(
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
    source: Annotated[list[Source] | None, Query(description="One or more sources")] = None,
    urgent: Annotated[bool | None, Query(description="Urgent cases only, or none")] = None,
    light: Annotated[
        list[Light] | None, Query(description="The running stage's light now (one or more)")
    ] = None,
    reported_from: Annotated[
        IsoAwareDateTime | None, Query(description="Reported at or after (ISO 8601 with offset)")
    ] = None,
    reported_to: Annotated[
        IsoAwareDateTime | None, Query(description="Reported before (ISO 8601 with offset)")
    ] = None,
    q: Annotated[
        str | None,
        Query(min_length=1, max_length=100, description="Text in description, address, case no"),
    ] = None,
) -> CaseFilter:
    """The case filters of a request: the list, its map and table forms, exports."""
    if reported_from and reported_to and reported_from >= reported_to:
        raise InvalidInput("reported_to", "must be later than reported_from")
    return CaseFilter(
        statuses=tuple(status or ()),
        unit=unit,
        tier=tier,
        assignee=assignee,
        category=category,
        grid=grid,
        bbox=bbox,
        sources=tuple(source or ()),
        urgent=urgent,
        lights=tuple(light or ()),
        reported_from=reported_from,
        reported_to=reported_to,
        text=q,
    )


CaseFilterDep = Annotated[CaseFilter, Depends(case_filter_query)]
FormatQuery = Annotated[
    ListFormat | None,
    Query(alias="format", description="json, geojson or csv (default: by Accept, else json)"),
]


@router.get("", summary="Cases visible to the caller")
def list_incidents(
    request: Request,
    session: SessionDep,
    context: ContextDep,
    principal: Reader,
    page: PageDep,
    filters: CaseFilterDep,
    list_format: FormatQuery = None,
    sort: Annotated[CaseSort, Query(description="Order; ties broken by id")] = CaseSort.newest,
    cursor: Annotated[
        str | None, Query(max_length=200, description="Start after this cursor (see links)")
    ] = None,
    aggregate: Annotated[
        MapAggregate | None,
        Query(description="GeoJSON: counts per grid of this level, or per cluster, instead"),
    ] = None,
    zoom: Annotated[
        int | None, Query(ge=0, le=MAX_ZOOM, description="Map zoom: clusters in 64 px cells")
    ] = None,
) -> Response:
    """A page of cases limited to the caller's scope, as JSON, GeoJSON or CSV (UTF-8 BOM).

    JSON has ``numberMatched``, ``numberReturned``, ``links`` and ``items``. ``cursor``
    (from a ``next`` link) pages stably while cases are added; ``offset`` still works.
    A GeoJSON page that would hold more than ``MINQING_MAP_POINTS_MAX`` points answers
    with counts instead (``"aggregated": true``): per cluster when ``zoom`` is given,
    else per small grid; ``aggregate=<level>|cluster`` asks for them anyway.
    """
    chosen = list_format or negotiate(request.headers.get("accept", ""))
    if cursor and page.offset:
        raise InvalidInput("offset", "cannot be combined with cursor; follow the next link")
    after = Cursor.parse(cursor, sort=sort.value) if cursor else None
    if chosen is ListFormat.json:
        body = _json_page(request, session, context, principal, filters, page, sort, after)
        return JSONResponse(jsonable_encoder(body))
    geojson = chosen is ListFormat.geojson
    select_rows = feature_select if geojson else flat_select
    query = select_rows(context, principal, filters, sort=sort)
    matched: int | None = None
    cap = context.settings.map_points_max
    if geojson and aggregate is None and page.limit > cap:
        matched = count_matched(session, query)
        if min(page.limit, matched - page.offset) > cap:
            aggregate = "small" if zoom is None else "cluster"
    if geojson and aggregate is not None:
        body = _aggregated(session, context, principal, filters, aggregate, zoom)
        return Response(orjson.dumps(body), media_type=GEOJSON_MEDIA_TYPE)
    if page.offset == 0:
        rows, next_cursor = rows_after(session, query, sort=sort, cursor=after, limit=page.limit)
        if matched is None and after is None and next_cursor is None:
            matched = len(rows)
    else:
        rows, next_cursor = list(session.exec(query.offset(page.offset).limit(page.limit))), None
    if not geojson:
        records = flat_records(rows, category_names(session), context.calendar, utcnow())
        return Response("".join(csv_chunks(records)), media_type=CSV_MEDIA_TYPE)
    if matched is None:
        matched = count_matched(session, query)
    links = _links(
        request, page, page.offset == 0, next_cursor, len(rows), matched, GEOJSON_MEDIA_TYPE
    )
    features = feature_texts(rows, context.calendar, utcnow())
    return Response(
        "".join(geojson_chunks(features, members=links.as_dict())), media_type=GEOJSON_MEDIA_TYPE
    )


def _aggregated(
    session: Session,
    context: AppContext,
    principal: Actor,
    filters: CaseFilter,
    aggregate: MapAggregate,
    zoom: int | None,
) -> dict[str, object]:
    """The aggregated map: counts per grid of a level or per cluster, and their total."""
    head: dict[str, object] = {"type": "FeatureCollection", "aggregated": True}
    if aggregate == "cluster":
        extent = cases_extent(session, filters.bbox)
        cells = cluster_grid(
            DEFAULT_CLUSTER_ZOOM if zoom is None else zoom,
            extent,
            context.settings.map_points_max,
        )
        features = cluster_counts(session, context, principal, filters, cells)
        head |= {"aggregate": "cluster", "zoom": cells.zoom, "cell_deg": cells.size}
    else:
        features = grid_counts(session, context, principal, filters, aggregate)
        head["aggregate"] = aggregate
    matched = sum(int(f["properties"]["count"]) for f in features)
    return {**head, "numberMatched": matched, "features": features}


def _links(
    request: Request,
    page: Page,
    keyset: bool,
    next_cursor: Cursor | None,
    returned: int,
    matched: int,
    media_type: str,
) -> PageMeta:
    url = str(request_url(request))
    if keyset:
        return cursor_links(
            url, next_cursor, returned=returned, matched=matched, media_type=media_type
        )
    return page_links(url, page, returned=returned, matched=matched, media_type=media_type)


def _json_page(
    request: Request,
    session: Session,
    context: AppContext,
    principal: Actor,
    filters: CaseFilter,
    page: Page,
    sort: CaseSort,
    after: Cursor | None,
) -> dict[str, object]:
    keyset = page.offset == 0
    if keyset:
        items, matched, next_cursor = case_page_after(
            session, context, principal, filters, limit=page.limit, cursor=after, sort=sort
        )
    else:
        items, matched = case_page(session, context, principal, filters, page, sort=sort)
        next_cursor = None
    links = _links(request, page, keyset, next_cursor, len(items), matched, "application/json")
    return {**links.as_dict(), "items": items}


@router.get(
    "/{incident_id}", summary="One case", response_model=IncidentPublic, operation_id="get_incident"
)
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
    operation_id="do_action",
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
    "/{incident_id}/events",
    summary="The case's timeline",
    response_model=list[EventPublic],
    operation_id="get_events",
)
def get_events(incident_id: CaseId, session: SessionDep, principal: Reader) -> list[EventPublic]:
    """Every transition with actor, role, unit and time, oldest first."""
    return timeline(session, principal, incident_id)


@router.post(
    "/{incident_id}/photos",
    status_code=201,
    summary="Attach a photo (JPEG, PNG or WebP)",
    response_model=PhotoPublic,
    operation_id="upload_photo",
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


@router.get(
    "/{incident_id}/photos",
    summary="The case's photos",
    response_model=list[PhotoPublic],
    operation_id="list_photos",
)
def list_photos(
    incident_id: CaseId,
    session: SessionDep,
    principal: Annotated[Actor, allowed(Permission.view_photos)],
) -> list[PhotoPublic]:
    """Every photo of the case (metadata and ``url``), oldest first."""
    return case_photos(session, principal, incident_id)


@router.get(
    "/{incident_id}/photos/{photo_id}",
    summary="A case photo",
    response_class=FileResponse,
    operation_id="get_photo",
)
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
