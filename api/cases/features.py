"""The case list as GeoJSON features, each one's properties encoded by the store.

A map page of the case list (and its GeoJSON export) sends many small features. The
store builds each feature's properties as JSON text from the columns they hold
(``json_build_object`` on PostGIS, ``json_object`` on SQLite, see :mod:`api.store`);
Python then adds only what needs it: the point (its floats written exactly as Python
writes them) and the running stage's light, which is graded on the work calendar
(:func:`~api.workflow.deadlines.light`), from a few light columns that are NULL for every
case with no running stage. No ORM object or pydantic model is built per row.

The properties are the flat record's (:data:`~api.cases.formats.FLAT_FIELDS`) without
the point: no reporter data, whoever asks. The rows come from the case list's one query
(:func:`~api.cases.queries.case_select`), so the caller's scope applies as everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, case
from sqlmodel import col

from api.cases.formats import STORED_FIELDS, TIME_FIELDS
from api.cases.queries import CaseFilter, CaseSort, case_select
from api.context import AppContext
from api.models import Category, Incident
from api.settings import StoreKind
from api.store import as_utc, iso_utc_text, json_boolean, json_object_text, plain_time
from api.workflow import Actor, StageClock, Status, WorkCalendar

__all__ = ["feature_select", "feature_texts", "properties_text"]


@cache
def properties_text(store: StoreKind) -> ColumnElement[str]:
    """The JSON text of a case's properties, without its light (added in Python).

    Built once per store: the expression holds no value of a request.
    """
    status = col(Incident.status)
    status_label = case({s: s.label for s in Status}, value=status)
    members: list[tuple[str, Any]] = [
        ("id", col(Incident.id)),
        ("case_no", col(Incident.case_no)),
        ("category_code", col(Incident.category_code)),
        ("category_name", col(Category.name)),
        ("status", status),
        ("status_label", status_label),
        ("tier", col(Incident.tier)),
        ("source", col(Incident.source)),
        ("urgent", json_boolean(store, col(Incident.urgent))),
    ]
    members += [(name, col(getattr(Incident, name))) for name in STORED_FIELDS]
    members += [(name, iso_utc_text(store, getattr(Incident, name))) for name in TIME_FIELDS]
    return json_object_text(store, members)


def feature_select(
    context: AppContext, actor: Actor, filters: CaseFilter, *, sort: CaseSort = CaseSort.newest
) -> Any:
    """The filtered cases as (id, point, properties text, light columns, sort value).

    The times come as the driver reads them (:func:`~api.store.plain_time`): only a
    running stage's clock and the last row's sort value are used.
    """
    store = context.db.store
    query = case_select(
        context,
        actor,
        filters,
        col(Incident.id),
        col(Incident.lon),
        col(Incident.lat),
        properties_text(store).label("properties"),
        col(Incident.stage),
        plain_time(Incident.stage_started_at).label("stage_started_at"),
        plain_time(Incident.stage_due_at).label("stage_due_at"),
        col(Incident.urgent),
        plain_time(getattr(Incident, sort.column)).label(sort.column),
        sort=sort,
    )
    return query.outerjoin(Category, col(Category.code) == col(Incident.category_code))


def feature_texts(rows: Iterable[Any], calendar: WorkCalendar, now: datetime) -> Iterator[str]:
    """Rows of :func:`feature_select` as encoded GeoJSON point features."""
    for case_id, lon, lat, properties, stage, started, due, urgent, _sort in rows:
        # the light goes where the properties object closes (most cases have no stage)
        light = "null"
        if stage is not None and started is not None and due is not None:
            clock = StageClock(as_utc(started), as_utc(due), urgent=urgent, calendar=calendar)
            graded = clock.light(now)
            light = f'"{graded.value}"'
        yield (
            f'{{"type":"Feature","id":{case_id},"geometry":{{"type":"Point",'
            f'"coordinates":[{lon!r},{lat!r}]}},'
            f'"properties":{properties[:-1]},"light":{light}}}}}'
        )
