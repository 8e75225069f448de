"""The case list as a table and as a map: flat records, CSV and GeoJSON.

One flat record per case (no reporter data, whoever asks), built from the columns it
sends and nothing else. CSV is encoded from those records, GeoJSON from features whose
properties the store encodes (:mod:`api.cases.features`, the same fields without the
point), each as a stream of text chunks, so a page and a whole export share one encoder.
When a map would receive more points than it can draw, :mod:`api.cases.aggregates`
answers with counts instead.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from enum import StrEnum
from itertools import islice
from typing import Any

import orjson
from sqlmodel import Session, col, select

from api.cases.present import stage_clock
from api.cases.queries import CaseFilter, CaseSort, case_select
from api.context import AppContext
from api.models import Category, Incident
from api.workflow import Actor, Status, WorkCalendar

__all__ = [
    "CSV_MEDIA_TYPE",
    "ListFormat",
    "negotiate",
    "FLAT_FIELDS",
    "STORED_FIELDS",
    "TIME_FIELDS",
    "GEOJSON_MEDIA_TYPE",
    "csv_chunks",
    "flat_records",
    "flat_select",
    "geojson_chunks",
    "light_of",
]

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
GEOJSON_MEDIA_TYPE = "application/geo+json"
UTF8_BOM = "\ufeff"
"""Starts every CSV so that Excel reads the Chinese text as UTF-8."""


class ListFormat(StrEnum):
    """The forms a case list comes in."""

    json = "json"
    geojson = "geojson"
    csv = "csv"


def negotiate(accept: str) -> ListFormat:
    """The form an ``Accept`` header asks for (JSON unless GeoJSON or CSV is named first)."""
    for part in accept.split(","):
        media = part.split(";")[0].strip().lower()
        if media == "application/geo+json":
            return ListFormat.geojson
        if media == "text/csv":
            return ListFormat.csv
        if media in ("application/json", "*/*"):
            return ListFormat.json
    return ListFormat.json


_COLUMNS = (
    Incident.id,
    Incident.case_no,
    Incident.category_code,
    Incident.status,
    Incident.tier,
    Incident.source,
    Incident.urgent,
    Incident.unit_code,
    Incident.small_code,
    Incident.medium_code,
    Incident.large_code,
    Incident.address,
    Incident.description,
    Incident.lon,
    Incident.lat,
    Incident.reported_at,
    Incident.updated_at,
    Incident.closed_at,
    Incident.stage,
    Incident.stage_started_at,
    Incident.stage_due_at,
)

STORED_FIELDS = ("unit_code", "small_code", "medium_code", "large_code", "address", "description")
"""Case columns a flat record and a map feature's properties carry as stored."""

TIME_FIELDS = ("reported_at", "updated_at", "closed_at", "stage_due_at")
"""Case times a flat record and a map feature's properties carry (ISO 8601, UTC)."""

FLAT_FIELDS = (
    "id",
    "case_no",
    "category_code",
    "category_name",
    "status",
    "status_label",
    "light",
    "tier",
    "source",
    "urgent",
    *STORED_FIELDS,
    "lon",
    "lat",
    *TIME_FIELDS,
)
"""The fields of a flat record, in CSV column order."""


def flat_select(
    context: AppContext, actor: Actor, filters: CaseFilter, *, sort: CaseSort = CaseSort.newest
) -> Any:
    """The filtered cases as the columns a flat record needs (the list's one query)."""
    return case_select(context, actor, filters, *(col(c) for c in _COLUMNS), sort=sort)


def category_names(session: Session) -> dict[str, str]:
    """Category code → name, read once per request."""
    return dict(session.exec(select(Category.code, Category.name)).all())


def light_of(row: Any, calendar: WorkCalendar, now: datetime) -> str | None:
    """The light of a row's running stage now (None when no stage runs)."""
    clock = stage_clock(row, calendar)
    return None if clock is None else clock.light(now).value


def flat_records(
    rows: Iterable[Any], names: Mapping[str, str], calendar: WorkCalendar, now: datetime
) -> Iterator[dict[str, Any]]:
    """Rows of :func:`flat_select` as flat records (times as ISO 8601 text)."""
    for row in rows:
        status = Status(row.status)
        record = {
            "id": row.id,
            "case_no": row.case_no,
            "category_code": row.category_code,
            "category_name": names.get(row.category_code),
            "status": status.value,
            "status_label": status.label,
            "light": light_of(row, calendar, now),
            "tier": str(row.tier),
            "source": str(row.source),
            "urgent": bool(row.urgent),
            "unit_code": row.unit_code,
            "small_code": row.small_code,
            "medium_code": row.medium_code,
            "large_code": row.large_code,
            "address": row.address,
            "description": row.description,
            "lon": row.lon,
            "lat": row.lat,
        }
        for name in ("reported_at", "updated_at", "closed_at", "stage_due_at"):
            value = getattr(row, name)
            record[name] = value.isoformat() if value else None
        yield record


def csv_chunks(records: Iterable[Mapping[str, Any]], *, batch: int = 500) -> Iterator[str]:
    """CSV text (UTF-8 BOM, header line, then one line per record), in chunks."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FLAT_FIELDS, extrasaction="ignore")
    buffer.write(UTF8_BOM)
    writer.writeheader()
    for n, record in enumerate(records, start=1):
        writer.writerow(record)
        if n % batch == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def geojson_chunks(
    features: Iterable[str], *, members: Mapping[str, Any] | None = None, batch: int = 500
) -> Iterator[str]:
    """A FeatureCollection streamed from encoded features, ``members`` written after them.

    Features are joined ``batch`` at a time, so each chunk is one string operation.
    """
    yield '{"type":"FeatureCollection","features":['
    features = iter(features)
    separator = ""
    while chunk := list(islice(features, batch)):
        yield separator + ",".join(chunk)
        separator = ","
    tail = "".join(
        f",{orjson.dumps(k).decode()}:{orjson.dumps(v).decode()}"
        for k, v in (members or {}).items()
    )
    yield "]" + tail + "}"
