"""Bad input gets a 4xx naming the field or state, and nothing is written."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from api.context import AppContext
from tests.driver import (
    act,
    jpeg_magic,
    login,
    minimal_report_body,
    photo_files,
    report,
    row_counts,
    try_act,
    upload_photo,
)

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
    before = row_counts(city_context)
    body = {**minimal_report_body(), **change}
    response = client.post("/api/incidents", json=body, headers=login(client, "dispatcher"))
    assert response.status_code == status, response.text
    assert response.json()["field"] == field
    assert field.split(",")[0] in response.json()["detail"]
    assert row_counts(city_context) == before


def test_nan_coordinates_are_refused(client: TestClient, city_context: AppContext) -> None:
    before = row_counts(city_context)
    raw = '{"category": "0201", "description": "x", "lon": NaN, "lat": 22.77}'
    response = client.post(
        "/api/incidents",
        content=raw,
        headers={**login(client, "dispatcher"), "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["field"] == "lon"
    assert row_counts(city_context) == before


@pytest.mark.parametrize(
    ("what", "content", "name", "status"),
    [
        # above photo_max_bytes, within the edge's body limit: the photo check answers
        ("photo over 10 MB", jpeg_magic(10 * 1024 * 1024 + 1024), "big.jpg", 413),
        ("a PDF as photo", b"%PDF-1.7\n" + b"\0" * 2000, "scan.jpg", 415),
        ("empty file", b"", "empty.jpg", 422),
    ],
)
def test_bad_photos_are_refused(
    client: TestClient, city_context: AppContext, what: str, content: bytes, name: str, status: int
) -> None:
    dispatcher = login(client, "dispatcher")
    case_id = report(client, dispatcher)["id"]
    before = row_counts(city_context)
    response = upload_photo(client, dispatcher, case_id, name, content)
    assert response.status_code == status, response.text
    assert response.json()["field"] == "file"
    assert row_counts(city_context) == before
    assert not photo_files(city_context)


def test_good_photo_is_stored_and_served_by_role(
    client: TestClient, city_context: AppContext
) -> None:
    dispatcher = login(client, "dispatcher")
    case_id = report(client, dispatcher)["id"]
    encoded = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(encoded, format="PNG")  # a real PNG, not magic + zeros
    png = encoded.getvalue()
    stored = upload_photo(client, dispatcher, case_id, "a.png", png, "image/png")
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
    act(client, officer, case_id, "handle", result="已整改", photo_ids=[stored.json()["id"]])
    events = client.get(f"/api/incidents/{case_id}/events", headers=dispatcher).json()
    assert events[-1]["data"]["photo_ids"] == [stored.json()["id"]]


def test_action_on_a_closed_case_names_the_state(
    client: TestClient, city_context: AppContext
) -> None:
    dispatcher = login(client, "dispatcher")
    case_id = report(client, dispatcher)["id"]
    act(client, dispatcher, case_id, "reject", reason="重复上报")
    before = row_counts(city_context)
    response = try_act(client, dispatcher, case_id, "accept")
    assert response.status_code == 409
    assert response.json()["status"] == "rejected" and response.json()["allowed_actions"] == []
    assert row_counts(city_context) == before


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
    before = row_counts(city_context)
    response = try_act(client, dispatcher, case_id, action, **body)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    assert row_counts(city_context) == before


def test_unknown_action_and_unknown_case(client: TestClient) -> None:
    dispatcher = login(client, "dispatcher")
    case_id = report(client, dispatcher)["id"]
    response = try_act(client, dispatcher, case_id, "teleport")
    assert response.status_code == 422 and "accept" in response.json()["detail"]
    assert response.json()["field"] in ("action", "path.action")
    assert client.get("/api/incidents/999999", headers=dispatcher).status_code == 404


def test_no_token_is_401(client: TestClient) -> None:
    response = client.post("/api/incidents", json=minimal_report_body())
    assert response.status_code == 401
    assert (
        client.get("/api/incidents", headers={"Authorization": "Bearer forged.token"}).status_code
        == 401
    )
