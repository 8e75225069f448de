"""OGC API – Features under /ogc: documents, links, items, filters, access, on both stores."""

from __future__ import annotations

from typing import Any

import pytest
import shapely
from fastapi.testclient import TestClient

from api.app import create_app
from api.context import AppContext
from tests.driver import act, login, report

COLLECTION_IDS = ["grids_large", "grids_medium", "grids_small", "incidents"]
PERSONAL = {"reporter_name", "reporter_phone", "description", "address", "reported_by"}


def _rels(document: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {link["rel"]: link for link in document["links"]}


def report_cases(client: TestClient) -> list[int]:
    """Five cases: two in the first large grid's first community, three elsewhere."""
    worker = login(client, "gridworker_441502001001")
    dispatcher = login(client, "dispatcher")
    ids = [int(report(client, worker)["id"]) for _ in range(2)]
    for small in ("44150200100201", "44150200200101", "44150200200204"):
        ids.append(int(report(client, dispatcher, small=small)["id"]))
    act(client, dispatcher, ids[0], "accept")
    act(client, dispatcher, ids[0], "dispatch", unit="xfj")
    return ids


def test_landing_conformance_and_collections(client: TestClient) -> None:
    landing = client.get("/ogc")
    assert landing.status_code == 200 and landing.headers["content-type"] == "application/json"
    rels = _rels(landing.json())
    assert rels["self"]["href"] == "http://testserver/ogc"
    assert rels["service-desc"]["href"] == "http://testserver/openapi.json"
    assert rels["conformance"]["href"] == "http://testserver/ogc/conformance"
    assert rels["data"]["href"] == "http://testserver/ogc/collections"
    assert client.get("/ogc/").json() == landing.json()
    conformance = client.get("/ogc/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in conformance
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson" in conformance
    collections = client.get("/ogc/collections").json()["collections"]
    assert [c["id"] for c in collections] == COLLECTION_IDS
    small = next(c for c in collections if c["id"] == "grids_small")
    assert small["extent"]["spatial"]["bbox"] == [[115.30, 22.76, 115.38, 22.80]]
    assert _rels(small)["items"]["href"] == "http://testserver/ogc/collections/grids_small/items"
    assert _rels(small)["items"]["type"] == "application/geo+json"
    assert _rels(small)["alternate"]["href"].endswith("/api/grids?level=small")
    incidents = client.get("/ogc/collections/incidents").json()
    assert "temporal" in incidents["extent"]
    queryables = client.get("/ogc/collections/incidents/queryables")
    assert queryables.headers["content-type"] == "application/schema+json"
    assert "closed" in queryables.json()["properties"]["status"]["enum"]
    missing = client.get("/ogc/collections/nothing")
    assert missing.status_code == 404 and missing.json()["field"] == "collectionId"


def test_grid_items_page_with_links_bbox_and_filters(client: TestClient) -> None:
    first = client.get("/ogc/collections/grids_small/items?limit=5")
    assert first.headers["content-type"] == "application/geo+json"
    body = first.json()
    assert body["numberMatched"] == 16 and body["numberReturned"] == 5
    assert "timeStamp" in body and "prev" not in _rels(body)
    codes = [f["id"] for f in body["features"]]
    next_url = _rels(body)["next"]["href"]
    while next_url:
        page = client.get(next_url).json()
        codes += [f["id"] for f in page["features"]]
        next_url = _rels(page).get("next", {}).get("href")
    assert codes == sorted(set(codes)) and len(codes) == 16
    assert all(
        shapely.from_geojson(str(f["geometry"]).replace("'", '"')).is_valid
        for f in body["features"]
    )
    inside = client.get("/ogc/collections/grids_small/items?bbox=115.301,22.761,115.309,22.779")
    assert [f["id"] for f in inside.json()["features"]] == ["44150200100101"]
    children = client.get("/ogc/collections/grids_small/items?parent_code=441502002001").json()
    assert children["numberMatched"] == 4
    one = client.get("/ogc/collections/grids_large/items/441502001")
    assert one.headers["content-type"] == "application/geo+json"
    assert one.json()["properties"]["name"] == "测试1街道"
    assert _rels(one.json())["collection"]["href"].endswith("/ogc/collections/grids_large")
    assert client.get("/ogc/collections/grids_large/items/441502009").status_code == 404
    huge = client.get("/ogc/collections/grids_small/items?limit=999999999").json()
    assert huge["numberReturned"] == 16
    unknown = client.get("/ogc/collections/grids_small/items?colour=red")
    assert unknown.status_code == 422 and unknown.json()["field"] == "colour"


def test_incidents_need_a_token_and_are_scoped(client: TestClient) -> None:
    ids = report_cases(client)
    anonymous = client.get("/ogc/collections/incidents/items")
    assert anonymous.status_code == 401
    assert client.get(f"/ogc/collections/incidents/items/{ids[0]}").status_code == 401
    analyst = login(client, "analyst")
    every = client.get("/ogc/collections/incidents/items", headers=analyst).json()
    assert sorted(f["id"] for f in every["features"]) == ids
    for feature in every["features"]:
        assert not PERSONAL & feature["properties"].keys()
        assert feature["geometry"]["type"] == "Point"
    officer = login(client, "officer_xfj")
    theirs = client.get("/ogc/collections/incidents/items", headers=officer).json()
    assert [f["id"] for f in theirs["features"]] == [ids[0]]
    assert (
        client.get(f"/ogc/collections/incidents/items/{ids[1]}", headers=officer).status_code == 404
    )
    dispatched = client.get(
        "/ogc/collections/incidents/items?status=dispatched", headers=analyst
    ).json()
    assert [f["id"] for f in dispatched["features"]] == [ids[0]]
    assert dispatched["features"][0]["properties"]["unit"] == "xfj"
    future = client.get(
        "/ogc/collections/incidents/items?datetime=2999-01-01T00:00:00Z/..", headers=analyst
    ).json()
    assert future["numberMatched"] == 0
    recent = client.get(
        "/ogc/collections/incidents/items?datetime=2020-01-01T00:00:00Z/..", headers=analyst
    ).json()
    assert recent["numberMatched"] == 5
    bad = client.get("/ogc/collections/incidents/items?datetime=yesterday", headers=analyst)
    assert bad.status_code == 422 and bad.json()["field"] == "datetime"


def test_a_setting_makes_the_anonymised_case_layer_public(
    city_context: AppContext, client: TestClient
) -> None:
    ids = report_cases(client)
    settings = city_context.settings.model_copy(update={"ogc_public_incidents": True})
    with TestClient(create_app(settings, dashboard=False)) as public:
        layer = public.get("/ogc/collections/incidents/items")
        assert layer.status_code == 200
        features = layer.json()["features"]
        assert sorted(f["id"] for f in features) == ids
        assert all(not PERSONAL & f["properties"].keys() for f in features)


@pytest.mark.parametrize("path", ["/ogc", "/ogc/collections", "/ogc/collections/grids_small/items"])
def test_other_formats_are_refused(client: TestClient, path: str) -> None:
    response = client.get(f"{path}?f=html")
    assert response.status_code == 422 and response.json()["field"] == "f"
