"""Issue 4 acceptance: bad input gets a 4xx naming the field or state; nothing is written."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlmodel import func, select

from api.context import AppContext
from api.models import Incident, IncidentEvent, IncidentPhoto
from tests.city import centre_of
from tests.driver import act, login, report


def counts(context: AppContext) -> tuple[int, int, int]:
    with context.db.session() as session:
        return tuple(  # type: ignore[return-value]
            session.exec(select(func.count()).select_from(model)).one()
            for model in (Incident, IncidentEvent, IncidentPhoto)
        )


def good_body() -> dict:
    lon, lat = centre_of("44150200100101")
    return {
        "category": "0201",
        "description": "楼道飞线充电",
        "lon": lon,
        "lat": lat,
        "crs": "wgs84",
    }


BAD_INTAKE = [
    ("unknown category", {"category": "9999"}, 422, "category"),
    ("a 大类 is not enough", {"category": "02"}, 422, "category"),
    ("latitude 95", {"lat": 95}, 422, "lat"),
    ("longitude -200", {"lon": -200}, 422, "lon"),
    ("a point in the sea", {"lon": 115.6, "lat": 22.3}, 422, "lon,lat"),
    ("empty description", {"description": ""}, 422, "description"),
    ("blank description", {"description": "   "}, 422, "description"),
    ("unknown crs", {"crs": "epsg:3857"}, 422, "crs"),
    ("unknown source", {"source": "pigeon"}, 422, "source"),
    ("bad phone", {"reporter_phone": "call me"}, 422, "reporter_phone"),
    ("missing point", {"lon": None}, 422, "lon"),
]


@pytest.mark.parametrize(
    ("what", "change", "status", "field"), BAD_INTAKE, ids=[c[0] for c in BAD_INTAKE]
)
def test_bad_intake_is_refused_naming_the_field(
    client: TestClient, city_context: AppContext, what: str, change: dict, status: int, field: str
) -> None:
    before = counts(city_context)
    body = {**good_body(), **change}
    response = client.post("/api/incidents", json=body, headers=login(client, "dispatcher"))
    assert response.status_code == status, response.text
    assert response.json()["field"] == field
    assert field.split(",")[0] in response.json()["detail"]
    assert counts(city_context) == before


def test_nan_coordinates_are_refused(client: TestClient, city_context: AppContext) -> None:
    before = counts(city_context)
    raw = '{"category": "0201", "description": "x", "lon": NaN, "lat": 22.77}'
    response = client.post(
        "/api/incidents",
        content=raw,
        headers={**login(client, "dispatcher"), "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["field"] == "lon"
    assert counts(city_context) == before


def _jpeg(size: int) -> bytes:
    return b"\xff\xd8\xff\xe0" + b"\0" * (size - 4)


@pytest.mark.parametrize(
    ("what", "content", "name", "status"),
    [
        # above photo_max_bytes, within the edge's body limit: the photo check answers
        ("photo over 10 MB", _jpeg(10 * 1024 * 1024 + 1024), "big.jpg", 413),
        ("a PDF as photo", b"%PDF-1.7\n" + b"\0" * 2000, "scan.jpg", 415),
        ("empty file", b"", "empty.jpg", 422),
    ],
)
def test_bad_photos_are_refused(
    client: TestClient, city_context: AppContext, what: str, content: bytes, name: str, status: int
) -> None:
    dispatcher = login(client, "dispatcher")
    case_id = report(client, dispatcher)["id"]
    before = counts(city_context)
    response = client.post(
        f"/api/incidents/{case_id}/photos",
        files={"file": (name, io.BytesIO(content), "image/jpeg")},
        headers=dispatcher,
    )
    assert response.status_code == status, response.text
    assert response.json()["field"] == "file"
    assert counts(city_context) == before
    assert not list((city_context.settings.work_dir / "photos").rglob("*.*"))


def test_good_photo_is_stored_and_served_by_role(
    client: TestClient, city_context: AppContext
) -> None:
    dispatcher = login(client, "dispatcher")
    case_id = report(client, dispatcher)["id"]
    encoded = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(encoded, format="PNG")  # a real PNG, not magic + zeros
    png = encoded.getvalue()
    stored = client.post(
        f"/api/incidents/{case_id}/photos",
        files={"file": ("a.png", io.BytesIO(png), "image/png")},
        headers=dispatcher,
    )
    assert stored.status_code == 201, stored.text
    url = stored.json()["url"]
    assert client.get(url, headers=dispatcher).content == png
    assert client.get(url, headers=login(client, "screen")).status_code == 403
    assert client.get(url, headers=login(client, "officer_cgj")).status_code == 404
    act(client, dispatcher, case_id, "accept")
    act(client, dispatcher, case_id, "dispatch", unit="xfj")
    officer = login(client, "officer_xfj")
    act(client, officer, case_id, "claim")
    act(client, officer, case_id, "assign", officer="officer_xfj")
    handled = client.post(
        f"/api/incidents/{case_id}/actions/handle",
        json={"result": "已整改", "photo_ids": [stored.json()["id"]]},
        headers=officer,
    )
    assert handled.status_code == 200
    events = client.get(f"/api/incidents/{case_id}/events", headers=dispatcher).json()
    assert events[-1]["data"]["photo_ids"] == [stored.json()["id"]]


def test_action_on_a_closed_case_names_the_state(
    client: TestClient, city_context: AppContext
) -> None:
    dispatcher = login(client, "dispatcher")
    case_id = report(client, dispatcher)["id"]
    act(client, dispatcher, case_id, "reject", reason="重复上报")
    before = counts(city_context)
    response = client.post(f"/api/incidents/{case_id}/actions/accept", json={}, headers=dispatcher)
    assert response.status_code == 409
    assert response.json()["status"] == "rejected" and response.json()["allowed_actions"] == []
    assert counts(city_context) == before


@pytest.mark.parametrize(
    ("action", "body", "field"),
    [
        ("dispatch", {}, "unit"),
        ("dispatch", {"unit": "nosuch"}, "unit"),
        ("reject", {}, "reason"),
        ("reject", {"duplicate_of": "SW-00000000-999999"}, "duplicate_of"),
    ],
)
def test_bad_action_input_names_the_field(
    client: TestClient, city_context: AppContext, action: str, body: dict, field: str
) -> None:
    dispatcher = login(client, "dispatcher")
    case_id = report(client, dispatcher)["id"]
    if action == "dispatch":
        act(client, dispatcher, case_id, "accept")
    before = counts(city_context)
    response = client.post(
        f"/api/incidents/{case_id}/actions/{action}", json=body, headers=dispatcher
    )
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    assert counts(city_context) == before


def test_unknown_action_and_unknown_case(client: TestClient) -> None:
    dispatcher = login(client, "dispatcher")
    case_id = report(client, dispatcher)["id"]
    response = client.post(
        f"/api/incidents/{case_id}/actions/teleport", json={}, headers=dispatcher
    )
    assert response.status_code == 422 and "accept" in response.json()["detail"]
    assert response.json()["field"] in ("action", "path.action")
    assert client.get("/api/incidents/999999", headers=dispatcher).status_code == 404


def test_no_token_is_401(client: TestClient) -> None:
    response = client.post("/api/incidents", json=good_body())
    assert response.status_code == 401
    assert (
        client.get("/api/incidents", headers={"Authorization": "Bearer forged.token"}).status_code
        == 401
    )
