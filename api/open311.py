"""Open311 GeoReport v2 over the case service: services, service requests, JSON and XML.

A 小类 is a *service*; a case is a *service request* whose ``service_request_id`` is its
case number. ``status`` is ``open`` or ``closed`` with ``status_notes`` (the loop status and
the newest note), ``agency_responsible`` is the lead unit and ``expected_datetime`` the
current handling deadline. Requests are created through the same intake as ``POST
/api/incidents`` and read in the caller's scope. No FastAPI here; the router renders.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Final, Literal

from pydantic import ValidationError
from sqlalchemy import func
from sqlmodel import Session, col, select

from api.cases.access import visibility_clause
from api.cases.intake import submit_report
from api.cases.schemas import IncidentCreate
from api.context import AppContext
from api.exceptions import InvalidInput, NotFound
from api.models import Category, Incident, IncidentEvent, Unit
from api.vocabulary import Source
from api.workflow import Actor, Status

__all__ = [
    "CLOSED_STATUSES",
    "RequestFilter",
    "create_request",
    "find_requests",
    "services",
    "to_xml",
]

CLOSED_STATUSES: Final = frozenset({Status.closed, Status.rejected})
"""Loop statuses an Open311 client sees as ``closed``; every other one is ``open``."""
REQUESTS_MAX: Final = 1000
"""At most this many requests are answered by one ``GET requests`` (newest first)."""
_FIELD_NAMES: Final = {"category": "service_code", "lon": "long", "lon,lat": "lat,long"}

Open311Status = Literal["open", "closed"]


def services(session: Session) -> list[dict[str, Any]]:
    """Every 小类 as an Open311 service, grouped by its 大类."""
    categories = session.exec(select(Category).order_by(col(Category.code))).all()
    groups = {c.code: c.name for c in categories if c.parent_code is None}
    return [
        {
            "service_code": c.code,
            "service_name": c.name,
            "description": f"{groups.get(c.parent_code or '', '')} / {c.name}",
            "metadata": False,
            "type": "realtime",
            "keywords": "",
            "group": groups.get(c.parent_code or "", ""),
        }
        for c in categories
        if c.parent_code is not None
    ]


def _status_notes(session: Session, incident_ids: Sequence[int]) -> dict[int, str | None]:
    newest = (
        select(func.max(IncidentEvent.id))
        .where(col(IncidentEvent.incident_id).in_(incident_ids))
        .group_by(col(IncidentEvent.incident_id))
    )
    rows = session.exec(
        select(IncidentEvent.incident_id, IncidentEvent.note).where(
            col(IncidentEvent.id).in_(newest)
        )
    ).all()
    return dict(rows)


def _record(
    incident: Incident, *, names: Mapping[str, str], units: Mapping[str, str], note: str | None
) -> dict[str, Any]:
    closed = incident.status in CLOSED_STATUSES
    notes = incident.status.label + (f"：{note}" if note else "")
    due = None if closed else (incident.handle_due_at or incident.stage_due_at)
    return {
        "service_request_id": incident.case_no,
        "status": "closed" if closed else "open",
        "status_notes": notes,
        "service_name": names.get(incident.category_code),
        "service_code": incident.category_code,
        "description": incident.description,
        "agency_responsible": units.get(incident.unit_code or ""),
        "service_notice": None,
        "requested_datetime": incident.reported_at,
        "updated_datetime": incident.updated_at,
        "expected_datetime": due,
        "address": incident.address,
        "address_id": None,
        "zipcode": None,
        "lat": incident.lat,
        "long": incident.lon,
        "media_url": None,
    }


class RequestFilter:
    """The filters of ``GET requests``: ids, service, date range and open / closed."""

    def __init__(
        self,
        *,
        ids: Sequence[str] = (),
        service_code: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        status: Sequence[Open311Status] = (),
    ) -> None:
        self.ids, self.service_code, self.start, self.end = ids, service_code, start, end
        self.status = status

    def clauses(self) -> list[Any]:
        """The SQL conditions."""
        where: list[Any] = []
        if self.ids:
            where.append(col(Incident.case_no).in_(self.ids))
        if self.service_code:
            where.append(col(Incident.category_code) == self.service_code)
        if self.start:
            where.append(col(Incident.reported_at) >= self.start)
        if self.end:
            where.append(col(Incident.reported_at) <= self.end)
        if set(self.status) == {"closed"}:
            where.append(col(Incident.status).in_(CLOSED_STATUSES))
        elif set(self.status) == {"open"}:
            where.append(col(Incident.status).not_in(CLOSED_STATUSES))
        return where


def find_requests(session: Session, actor: Actor, filters: RequestFilter) -> list[dict[str, Any]]:
    """The service requests the caller may see, newest first (at most :data:`REQUESTS_MAX`)."""
    query = select(Incident).where(*filters.clauses())
    scope = visibility_clause(actor)
    if scope is not None:
        query = query.where(scope)
    query = query.order_by(col(Incident.reported_at).desc(), col(Incident.id).desc())
    incidents = session.exec(query.limit(REQUESTS_MAX)).all()
    names = dict(session.exec(select(Category.code, Category.name)).all())
    units = dict(session.exec(select(Unit.code, Unit.name)).all())
    notes = _status_notes(session, [i.id for i in incidents if i.id is not None])
    return [_record(i, names=names, units=units, note=notes.get(i.id or 0)) for i in incidents]


def find_request(session: Session, actor: Actor, request_id: str) -> dict[str, Any]:
    """One service request by its case number, or :class:`NotFound`."""
    found = find_requests(session, actor, RequestFilter(ids=[request_id]))
    if not found:
        raise NotFound(f"no service request {request_id!r} is visible to you", field="id")
    return found[0]


def _coordinate(form: Mapping[str, str | None], name: str) -> float:
    """A form's coordinate as a number (forms send text), or the field named as wrong."""
    text = form.get(name)
    try:
        return float(text or "")
    except ValueError:
        raise InvalidInput(name, f"a decimal number is required, got {text!r}") from None


def create_request(
    context: AppContext, actor: Actor, form: Mapping[str, str | None]
) -> dict[str, Any]:
    """Intake of an Open311 ``POST requests`` form; the answer names the new case.

    Raises
    ------
    InvalidInput
        A missing or malformed field, named as Open311 names it (``service_code``, ``long``).
    """
    name = " ".join(p for p in (form.get("last_name"), form.get("first_name")) if p) or None
    try:
        data = IncidentCreate(
            category=form.get("service_code") or "",
            description=form.get("description") or "",
            lon=_coordinate(form, "long"),
            lat=_coordinate(form, "lat"),
            source=Source.wechat,
            reporter_name=name,
            reporter_phone=form.get("phone") or None,
            address=form.get("address_string") or None,
        )
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else "body"
        raise InvalidInput(_FIELD_NAMES.get(field, field), error["msg"]) from None
    try:
        created, _new = submit_report(context, data, actor, idempotency_key=None)
    except InvalidInput as exc:
        field = str(exc.context.get("field"))
        if field not in _FIELD_NAMES:
            raise
        raise InvalidInput(_FIELD_NAMES[field], exc.message.removeprefix(f"{field}: ")) from None
    return {
        "service_request_id": created.case_no,
        "service_notice": f"已受理登记，案件编号 {created.case_no}",
        "account_id": None,
    }


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def to_xml(root: str, item: str, records: Iterable[Mapping[str, Any]]) -> bytes:
    """Open311's XML: ``<root><item><field>value</field>…</item>…</root>``."""
    tree = ET.Element(root)
    for record in records:
        element = ET.SubElement(tree, item)
        for key, value in record.items():
            ET.SubElement(element, key).text = _text(value)
    return ET.tostring(tree, encoding="utf-8", xml_declaration=True)
