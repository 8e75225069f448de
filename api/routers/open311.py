"""Open311 GeoReport v2 under ``/open311/v2``: services, service requests, JSON and XML.

The format is the path's suffix, as the specification has it (``services.json``,
``requests/SW-20261121-000123.xml``). ``api_key`` is a bearer token from
``POST /api/auth/token``, sent as the ``api_key`` field or parameter or as an
``Authorization: Bearer`` header. Errors in a route answer Open311's
``[{"code", "description"}]`` (``<errors><error>…``) with the service's status code.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.deps import PUBLIC, Allowed, ContextDep, SessionDep, get_principal
from api.errors import status_code_for
from api.exceptions import InvalidInput, MinqingError
from api.open311 import RequestFilter, create_request, find_request, find_requests, services, to_xml
from api.rfc3339 import parse_instant
from api.workflow import Actor, Permission

OPEN311_CONTENT: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/json": {}, "text/xml": {}}},
    201: {"content": {"application/json": {}, "text/xml": {}}},
    "4XX": {"description": "Open311 errors", "content": {"application/json": {}, "text/xml": {}}},
}
"""Every Open311 answer comes as JSON or XML, as the path's ``.json`` / ``.xml`` asks."""

router = APIRouter(
    prefix="/open311/v2",
    tags=["open311"],
    default_response_class=Response,
    responses=OPEN311_CONTENT,
    generate_unique_id_function=lambda route: route.name,
)
"""Every route answers in the path's format; its operation id is its function's name."""

Format = Literal["json", "xml"]
XML = "text/xml; charset=utf-8"

_bearer = HTTPBearer(auto_error=False, description="Token from POST /api/auth/token")


class ApiKey(Allowed):
    """The route guard of Open311: the token in ``api_key`` (field or parameter) or the header."""

    async def __call__(  # type: ignore[override]
        self,
        request: Request,
        context: ContextDep,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Actor:
        """Let the key's user through if the access policy grants the permission."""
        token = credentials.credentials if credentials else request.query_params.get("api_key")
        content_type = request.headers.get("content-type", "")
        if token is None and content_type.startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")
        ):
            value = (await request.form()).get("api_key")
            token = value if isinstance(value, str) and value else None
        given = HTTPAuthorizationCredentials(scheme="Bearer", credentials=token) if token else None
        return super().__call__(get_principal(context, given))


def _render(fmt: Format, root: str, item: str, records: Any, status_code: int = 200) -> Response:
    if fmt == "xml":
        return Response(to_xml(root, item, records), status_code=status_code, media_type=XML)
    return JSONResponse(jsonable_encoder(records), status_code=status_code)


def _answer(fmt: Format, root: str, item: str, build: Callable[[], Any], ok: int = 200) -> Response:
    """Render what ``build`` returns, or the error it raises, in Open311's form."""
    try:
        records = build()
    except MinqingError as exc:
        code = status_code_for(exc)
        errors = [{"code": code, "description": exc.message}]
        return _render(fmt, "errors", "error", errors, status_code=code)
    return _render(fmt, root, item, records, status_code=ok)


def _instant(name: str, text: str | None) -> datetime | None:
    return None if text is None else parse_instant(name, text)


@router.get("/services.{fmt}", summary="Service list: every 小类", dependencies=PUBLIC)
def open311_services(fmt: Format, session: SessionDep) -> Response:
    """The categories residents can report, as Open311 services."""
    return _answer(fmt, "services", "service", lambda: services(session))


@router.get("/requests.{fmt}", summary="Service requests in the caller's scope")
def open311_requests(
    fmt: Format,
    session: SessionDep,
    principal: Annotated[Actor, Depends(ApiKey(Permission.read_cases))],
    service_request_id: Annotated[
        str | None, Query(max_length=2000, description="Case numbers, comma separated")
    ] = None,
    service_code: Annotated[str | None, Query(max_length=20)] = None,
    start_date: Annotated[str | None, Query(max_length=40)] = None,
    end_date: Annotated[str | None, Query(max_length=40)] = None,
    status: Annotated[str | None, Query(max_length=20, description="open, closed")] = None,
) -> Response:
    """The newest requests (at most 1,000) matching the filters."""

    def build() -> Any:
        statuses = [s.strip() for s in (status or "").split(",") if s.strip()]
        if any(s not in ("open", "closed") for s in statuses):
            raise InvalidInput("status", "write open, closed or open,closed")
        ids = [i.strip() for i in (service_request_id or "").split(",") if i.strip()]
        filters = RequestFilter(
            ids=ids,
            service_code=service_code,
            start=_instant("start_date", start_date),
            end=_instant("end_date", end_date),
            status=statuses,  # type: ignore[arg-type]
        )
        return find_requests(session, principal, filters)

    return _answer(fmt, "service_requests", "request", build)


@router.post("/requests.{fmt}", status_code=201, summary="Create a service request (上报)")
def open311_create_request(
    fmt: Format,
    context: ContextDep,
    principal: Annotated[Actor, Depends(ApiKey(Permission.report))],
    service_code: Annotated[str | None, Form(max_length=20)] = None,
    lat: Annotated[str | None, Form(max_length=40)] = None,
    long: Annotated[str | None, Form(max_length=40)] = None,
    description: Annotated[str | None, Form(max_length=4000)] = None,
    address_string: Annotated[str | None, Form(max_length=400)] = None,
    first_name: Annotated[str | None, Form(max_length=50)] = None,
    last_name: Annotated[str | None, Form(max_length=50)] = None,
    phone: Annotated[str | None, Form(max_length=40)] = None,
    api_key: Annotated[str | None, Form(max_length=2000)] = None,
) -> Response:
    """Report a case through the same intake as ``POST /api/incidents``.

    The point is WGS84 (``lat`` / ``long``); the answer names the case number, which is the
    ``service_request_id`` to read it back with.
    """
    form = {
        "service_code": service_code,
        "lat": lat,
        "long": long,
        "description": description,
        "address_string": address_string,
        "first_name": first_name,
        "last_name": last_name,
        "phone": phone,
    }
    return _answer(
        fmt, "service_requests", "request", lambda: [create_request(context, principal, form)], 201
    )


@router.get("/requests/{service_request_id}.{fmt}", summary="One service request")
def open311_request(
    service_request_id: str,
    fmt: Format,
    session: SessionDep,
    principal: Annotated[Actor, Depends(ApiKey(Permission.read_cases))],
) -> Response:
    """The request with its status, status notes, agency and expected date, as a list of one."""
    return _answer(
        fmt,
        "service_requests",
        "request",
        lambda: [find_request(session, principal, service_request_id)],
    )
