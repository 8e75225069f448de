"""Acceptance 2: an Open311 GeoReport v2 client posts a request and reads it back with its status.

The client speaks form posts and ``.json`` / ``.xml`` suffixes with an ``api_key``, as the
specification has it; the case goes through the same intake and loop as any other.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.city import centre_of
from tests.driver import SMALL, act, login

PREFIX = "/open311/v2"


def _key(client: TestClient, username: str) -> str:
    return login(client, username)["Authorization"].removeprefix("Bearer ")


def _post(client: TestClient, fmt: str, api_key: str, **fields: object) -> Any:
    lon, lat = centre_of(SMALL)
    form = {
        "api_key": api_key,
        "service_code": "0201",
        "lat": str(lat),
        "long": str(lon),
        "description": "楼道里有电动车飞线充电",
        "address_string": "城区测试路1号",
        "first_name": "三",
        "last_name": "张",
        "phone": "13812345678",
        **{k: str(v) for k, v in fields.items()},
    }
    return client.post(f"{PREFIX}/requests.{fmt}", data=form)


def test_services_are_the_small_categories(client: TestClient) -> None:
    listed = client.get(f"{PREFIX}/services.json").json()
    by_code = {s["service_code"]: s for s in listed}
    assert by_code["0201"]["service_name"] == "电动车飞线充电"
    assert all(len(code) == 4 for code in by_code)
    assert {"metadata", "type", "keywords", "group", "description"} <= by_code["0201"].keys()
    xml = client.get(f"{PREFIX}/services.xml")
    assert xml.headers["content-type"].startswith("text/xml")
    root = ET.fromstring(xml.content)
    assert root.tag == "services"
    assert len(root.findall("service")) == len(listed)


def test_client_posts_a_request_and_reads_it_back_json(client: TestClient) -> None:
    key = _key(client, "gridworker_441502001001")
    created = _post(client, "json", key)
    assert created.status_code == 201, created.text
    [answer] = created.json()
    request_id = answer["service_request_id"]
    assert request_id.startswith("SW-")
    read = client.get(f"{PREFIX}/requests/{request_id}.json", params={"api_key": key}).json()
    [request] = read
    assert request["service_request_id"] == request_id
    assert request["status"] == "open" and request["status_notes"].startswith("待受理")
    assert request["service_code"] == "0201" and request["service_name"] == "电动车飞线充电"
    assert request["address"] == "城区测试路1号"
    assert request["agency_responsible"] is None
    lon, lat = centre_of(SMALL)
    assert abs(request["long"] - lon) < 1e-9 and abs(request["lat"] - lat) < 1e-9
    datetime.fromisoformat(request["requested_datetime"])

    dispatcher = login(client, "dispatcher")
    case_id = next(
        c["id"]
        for c in client.get("/api/incidents", headers=dispatcher).json()["items"]
        if c["case_no"] == request_id
    )
    act(client, dispatcher, case_id, "accept")
    dispatched = act(client, dispatcher, case_id, "dispatch", unit="xfj")
    [request] = client.get(
        f"{PREFIX}/requests/{request_id}.json", headers={"Authorization": f"Bearer {key}"}
    ).json()
    assert request["status"] == "open" and request["status_notes"].startswith("待签收")
    units = {u["code"]: u["name"] for u in client.get("/api/units").json()}
    assert request["agency_responsible"] == units["xfj"]
    due = dispatched["deadlines"]["handle"] or dispatched["deadline"]["due_at"]
    assert datetime.fromisoformat(request["expected_datetime"]) == datetime.fromisoformat(due)

    listed = client.get(f"{PREFIX}/requests.json", params={"api_key": key, "status": "open"})
    assert request_id in {r["service_request_id"] for r in listed.json()}
    closed = client.get(f"{PREFIX}/requests.json", params={"api_key": key, "status": "closed"})
    assert closed.json() == []


def test_client_posts_a_request_and_reads_it_back_xml(client: TestClient) -> None:
    key = _key(client, "dispatcher")
    created = _post(client, "xml", key)
    assert created.status_code == 201
    root = ET.fromstring(created.content)
    request_id = root.findtext("request/service_request_id")
    assert root.tag == "service_requests" and request_id
    read = client.get(f"{PREFIX}/requests/{request_id}.xml", params={"api_key": key})
    assert read.headers["content-type"].startswith("text/xml")
    request = ET.fromstring(read.content).find("request")
    assert request is not None
    assert request.findtext("status") == "open"
    assert request.findtext("service_code") == "0201"
    assert request.findtext("status_notes", "").startswith("待受理")

    case_id = int(request_id.rsplit("-", 1)[1])
    act(client, login(client, "dispatcher"), case_id, "reject", reason="不属于受理范围")
    again = ET.fromstring(
        client.get(f"{PREFIX}/requests/{request_id}.xml", params={"api_key": key}).content
    )
    assert again.findtext("request/status") == "closed"
    assert "不属于受理范围" in again.findtext("request/status_notes", "")
    assert again.findtext("request/expected_datetime") == ""


def test_keys_roles_and_scope(client: TestClient) -> None:
    assert _post(client, "json", "not-a-token").status_code == 401
    analyst = _key(client, "analyst")
    assert _post(client, "json", analyst).status_code == 403
    mine = _post(client, "json", _key(client, "dispatcher")).json()[0]
    officer = _key(client, "officer_cgj")
    hidden = client.get(
        f"{PREFIX}/requests/{mine['service_request_id']}.json", params={"api_key": officer}
    )
    assert hidden.status_code == 404
    assert hidden.json() == [{"code": 404, "description": hidden.json()[0]["description"]}]
    assert client.get(f"{PREFIX}/requests.json").status_code == 401


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"service_code": "02"}, "service_code"),
        ({"service_code": "9999"}, "service_code"),
        ({"long": "east"}, "long"),
        ({"lat": "95"}, "lat"),
        ({"long": "120.0"}, "lat,long"),
        ({"description": ""}, "description"),
    ],
)
def test_bad_requests_name_the_field(
    client: TestClient, fields: dict[str, str], field: str
) -> None:
    response = _post(client, "json", _key(client, "dispatcher"), **fields)
    assert response.status_code == 422
    [error] = response.json()
    assert error["code"] == 422 and error["description"].startswith(field)
    xml = _post(client, "xml", _key(client, "dispatcher"), **fields)
    assert ET.fromstring(xml.content).findtext("error/code") == "422"
