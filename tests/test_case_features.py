"""The map's GeoJSON features, encoded by the store, hold exactly the flat records' content.

The case list's GeoJSON (and its export) has each feature's properties built as JSON by
the database and the light added in Python; the CSV still comes from the flat records
built in Python. Both stores: every field, escapes, nulls, booleans, times with and
without microseconds, and lights graded on the work calendar.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from api.cases.formats import category_names, flat_records, flat_select
from api.cases.queries import CaseFilter
from api.context import AppContext
from api.models import Incident, utcnow
from api.workflow import Actor, Role
from tests.driver import act, login, report


def _expected(context: AppContext) -> list[dict[str, Any]]:
    """The features as the flat records (built in Python) say they are, newest first."""
    analyst = Actor(username="analyst", role=Role.analyst)
    with context.db.session() as session:
        rows = session.exec(flat_select(context, analyst, CaseFilter())).all()
        records = flat_records(rows, category_names(session), context.calendar, utcnow())
        return [
            {
                "type": "Feature",
                "id": r["id"],
                "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
                "properties": {k: v for k, v in r.items() if k not in ("lon", "lat")},
            }
            for r in records
        ]


def _clock(context: AppContext, case_id: int, started: datetime, due: datetime) -> None:
    with context.db.write_session() as session:
        incident = session.get(Incident, case_id)
        assert incident is not None
        incident.stage_started_at, incident.stage_due_at = started, due
        session.add(incident)


def test_store_encoded_features_equal_the_flat_records(
    client: TestClient, city_context: AppContext
) -> None:
    dispatcher = login(client, "dispatcher")
    plain = report(client, dispatcher)["id"]
    tricky = 'quote " backslash \\ tab \t newline \n 中文 \u0001 end'
    odd = report(client, dispatcher, description=tricky, address="幸福路3号")["id"]
    urgent = report(client, dispatcher, urgent=True, category="0101")["id"]
    act(client, dispatcher, urgent, "accept")
    act(client, dispatcher, urgent, "dispatch", unit="xfj")
    now = datetime.now(UTC)
    # red (past due), yellow (urgent: 90 % of the clock used), and a whole-second due time
    _clock(city_context, plain, now - timedelta(days=3), now - timedelta(hours=1))
    _clock(city_context, urgent, now - timedelta(hours=9), now + timedelta(hours=1))
    whole = (now + timedelta(days=2)).replace(microsecond=0)
    _clock(city_context, odd, now - timedelta(minutes=5), whole)

    analyst = login(client, "analyst")
    response = client.get("/api/incidents", params={"format": "geojson"}, headers=analyst)
    assert response.status_code == 200 and response.headers["content-type"] == (
        "application/geo+json"
    )
    body = response.json()
    assert body["features"] == _expected(city_context)
    assert body["numberMatched"] == body["numberReturned"] == 3
    by_id = {f["id"]: f["properties"] for f in body["features"]}
    assert by_id[plain]["light"] == "red" and by_id[urgent]["light"] == "yellow"
    assert by_id[urgent]["urgent"] is True and by_id[plain]["urgent"] is False
    assert by_id[urgent]["unit_code"] == "xfj" and by_id[plain]["address"] is None
    assert by_id[odd]["description"] == tricky and by_id[odd]["address"] == "幸福路3号"
    assert by_id[odd]["stage_due_at"] == whole.isoformat()
    assert by_id[plain]["status_label"] == "待受理" and by_id[plain]["closed_at"] is None

    exported = client.get("/api/exports/incidents.geojson", headers=analyst).json()
    assert exported["features"] == body["features"]
    page = client.get(
        "/api/incidents", params={"format": "geojson", "limit": 2}, headers=analyst
    ).json()
    assert page["features"] == body["features"][:2] and page["numberMatched"] == 3
    rest = client.get(next(x["href"] for x in page["links"] if x["rel"] == "next"), headers=analyst)
    assert rest.json()["features"] == body["features"][2:]
