"""GET /api/incidents: every filter, sort, cursor paging, and JSON, GeoJSON and CSV forms."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient
from sqlmodel import select

from api.app import create_app
from api.context import AppContext
from api.models import Incident
from tests.driver import act, login, report


def _ids(response: object) -> set[int]:
    body = response.json()  # type: ignore[attr-defined]
    return {item["id"] for item in body["items"]}


def _list(client: TestClient, headers: dict[str, str], **params: object) -> dict:
    response = client.get("/api/incidents", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _set_clock(context: AppContext, case_id: int, *, started: datetime, due: datetime) -> None:
    """Put a case's running stage at a given place on its clock (as if time had passed)."""
    with context.db.write_session() as session:
        incident = session.get(Incident, case_id)
        assert incident is not None
        incident.stage_started_at, incident.stage_due_at, incident.urgent = started, due, True
        session.add(incident)


def test_filters_combine_and_each_narrows(client: TestClient, city_context: AppContext) -> None:
    worker = login(client, "dispatcher")
    a = report(client, worker, description="楼道100%堆放杂物", source="hotline")["id"]
    b = report(
        client,
        worker,
        category="0101",
        small="44150200200101",
        address="幸福路3号",
        source="wechat",
    )["id"]
    c = report(client, worker, urgent=True, description="井盖缺失")["id"]
    act(client, worker, c, "accept")
    analyst = login(client, "analyst")

    assert _ids(client.get("/api/incidents", headers=analyst)) == {a, b, c}
    cases = {
        "category=02": {a, c},
        "category=0101": {b},
        "category=01": {b},
        "grid=441502002": {b},
        "grid=44150200100101": {a, c},
        "source=hotline": {a},
        "source=hotline&source=wechat": {a, b},
        "status=accepted": {c},
        "status=accepted&status=reported": {a, b, c},
        "urgent=true": {c},
        "q=100%25": {a},
        "q=%25": {a},
        "q=幸福路": {b},
        "q=_": set(),
        "bbox=115.34,22.76,115.38,22.80": {b},
    }
    for query, expected in cases.items():
        response = client.get(f"/api/incidents?{query}", headers=analyst)
        assert response.status_code == 200, (query, response.text)
        assert _ids(response) == expected, query
    case_no = client.get(f"/api/incidents/{b}", headers=analyst).json()["case_no"]
    assert _ids(client.get(f"/api/incidents?q={case_no}", headers=analyst)) == {b}

    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    earlier = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    ranged = _list(client, analyst, reported_from=earlier, reported_to=later)
    assert ranged["numberMatched"] == 3
    assert _list(client, analyst, reported_from=later)["numberMatched"] == 0
    refused = client.get(
        "/api/incidents", params={"reported_from": later, "reported_to": earlier}, headers=analyst
    )
    assert refused.status_code == 422 and refused.json()["field"] == "reported_to"


def test_light_filter_agrees_with_each_cases_light(
    client: TestClient, city_context: AppContext
) -> None:
    dispatcher = login(client, "dispatcher")
    green, yellow, red = (report(client, dispatcher)["id"] for _ in range(3))
    now = datetime.now(UTC)
    _set_clock(city_context, yellow, started=now - timedelta(hours=9), due=now + timedelta(hours=1))
    _set_clock(city_context, red, started=now - timedelta(hours=9), due=now - timedelta(hours=1))
    _set_clock(city_context, green, started=now - timedelta(hours=1), due=now + timedelta(hours=9))
    for light, case_id in (("green", green), ("yellow", yellow), ("red", red)):
        items = _list(client, dispatcher, light=light)["items"]
        assert [i["id"] for i in items] == [case_id], light
        assert items[0]["deadline"]["light"] == light
    both = _list(client, dispatcher, light=["yellow", "red"])
    assert {i["id"] for i in both["items"]} == {yellow, red}


def test_cursor_pages_return_every_case_once_while_cases_arrive(client: TestClient) -> None:
    dispatcher = login(client, "dispatcher")
    first = [report(client, dispatcher)["id"] for _ in range(5)]
    page = _list(client, dispatcher, limit=2)
    seen = [i["id"] for i in page["items"]]
    added = report(client, dispatcher)["id"]
    while True:
        nexts = [link["href"] for link in page["links"] if link["rel"] == "next"]
        if not nexts:
            break
        query = parse_qs(urlsplit(nexts[0]).query)
        assert "cursor" in query and "offset" not in query
        response = client.get(nexts[0], headers=dispatcher)
        assert response.status_code == 200, response.text
        page = response.json()
        seen += [i["id"] for i in page["items"]]
    assert seen == sorted(first, reverse=True), "newest first, each once, the late one not shown"
    assert added not in seen

    oldest = _list(client, dispatcher, sort="reported_at", limit=4)
    assert [i["id"] for i in oldest["items"]] == sorted(first)[:4]
    mixed = client.get(
        "/api/incidents",
        params={"sort": "-updated_at", "cursor": _cursor_of(oldest)},
        headers=dispatcher,
    )
    assert mixed.status_code == 422 and mixed.json()["field"] == "cursor"
    garbage = client.get("/api/incidents", params={"cursor": "not-a-cursor"}, headers=dispatcher)
    assert garbage.status_code == 422 and garbage.json()["field"] == "cursor"
    by_offset = _list(client, dispatcher, limit=2, offset=2)
    assert [i["id"] for i in by_offset["items"]] == sorted(first + [added], reverse=True)[2:4]
    assert {link["rel"] for link in by_offset["links"]} == {"self", "next", "prev"}


def _cursor_of(page: dict) -> str:
    href = next(link["href"] for link in page["links"] if link["rel"] == "next")
    return parse_qs(urlsplit(href).query)["cursor"][0]


def test_geojson_and_csv_come_from_the_same_query(client: TestClient) -> None:
    dispatcher = login(client, "dispatcher")
    ids = {report(client, dispatcher, description='废弃家具, "沙发" 堆放')["id"] for _ in range(3)}
    report(client, dispatcher, category="0101")
    analyst = login(client, "analyst")

    geo = client.get("/api/incidents?format=geojson&category=02", headers=analyst)
    assert geo.status_code == 200 and geo.headers["content-type"] == "application/geo+json"
    body = geo.json()
    assert body["type"] == "FeatureCollection" and body["numberMatched"] == 3
    assert {f["id"] for f in body["features"]} == ids
    feature = body["features"][0]
    assert feature["geometry"]["type"] == "Point"
    assert feature["properties"]["status_label"] == "待受理"
    assert "reporter_phone" not in feature["properties"]
    by_accept = client.get(
        "/api/incidents?category=02", headers={**analyst, "Accept": "application/geo+json"}
    )
    assert by_accept.json()["features"] == body["features"]

    table = client.get("/api/incidents?category=02", headers={**dispatcher, "Accept": "text/csv"})
    assert table.status_code == 200 and table.headers["content-type"].startswith("text/csv")
    assert table.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(table.content.decode("utf-8-sig"))))
    assert {int(r["id"]) for r in rows} == ids
    assert rows[0]["description"] == '废弃家具, "沙发" 堆放'
    assert "13812345678" not in table.text and "张三" not in table.text


def test_a_map_query_over_the_cap_answers_counts_per_grid(city_context: AppContext) -> None:
    settings = city_context.settings.model_copy(update={"map_points_max": 2})
    with TestClient(create_app(settings, dashboard=False)) as client:
        dispatcher = login(client, "dispatcher")
        for small in ("44150200100101", "44150200100101", "44150200100102"):
            report(client, dispatcher, small=small)
        body = client.get("/api/incidents?format=geojson", headers=dispatcher).json()
        assert body["aggregated"] is True and body["numberMatched"] == 3
        counts = {f["properties"]["grid"]: f["properties"]["count"] for f in body["features"]}
        assert counts == {"44150200100101": 2, "44150200100102": 1}
        medium = client.get(
            "/api/incidents?format=geojson&aggregate=medium", headers=dispatcher
        ).json()
        assert [f["properties"]["count"] for f in medium["features"]] == [3]
        small_page = client.get("/api/incidents?format=geojson&limit=2", headers=dispatcher)
        assert len(small_page.json()["features"]) == 2
    with city_context.db.session() as session:
        assert len(session.exec(select(Incident.id)).all()) == 3


def test_an_officer_lists_only_its_units_cases(client: TestClient) -> None:
    dispatcher = login(client, "dispatcher")
    mine = report(client, dispatcher)["id"]
    other = report(client, dispatcher)["id"]
    for case_id, unit in ((mine, "xfj"), (other, "cgj")):
        act(client, dispatcher, case_id, "accept")
        act(client, dispatcher, case_id, "dispatch", unit=unit)
    officer = login(client, "officer_xfj")
    for form in ("json", "geojson", "csv"):
        response = client.get(f"/api/incidents?format={form}", headers=officer)
        assert response.status_code == 200
        assert str(other) not in {
            "json": lambda r: {str(i["id"]) for i in r.json()["items"]},
            "geojson": lambda r: {str(f["id"]) for f in r.json()["features"]},
            "csv": lambda r: {
                row["id"] for row in csv.DictReader(io.StringIO(r.content.decode("utf-8-sig")))
            },
        }[form](response)
    assert _ids(client.get("/api/incidents", headers=officer)) == {mine}


def test_next_links_keep_every_value_of_a_repeated_filter(client: TestClient) -> None:
    dispatcher = login(client, "dispatcher")
    cases = [report(client, dispatcher)["id"] for _ in range(4)]
    for case_id in cases[:2]:
        act(client, dispatcher, case_id, "accept")
    for first in (
        "/api/incidents?status=reported&status=accepted&limit=1",
        "/api/incidents?format=geojson&status=reported&status=accepted&limit=1",
        "/api/incidents?status=reported&status=accepted&limit=1&offset=1",
    ):
        page, seen = client.get(first, headers=dispatcher).json(), []
        while True:
            seen += [item["id"] for item in page.get("items", page.get("features", []))]
            nexts = [link["href"] for link in page["links"] if link["rel"] == "next"]
            if not nexts:
                break
            assert parse_qs(urlsplit(nexts[0]).query)["status"] == ["reported", "accepted"]
            page = client.get(nexts[0], headers=dispatcher).json()
        newest_first = sorted(cases, reverse=True)
        assert seen == (newest_first[1:] if "offset" in first else newest_first), first
