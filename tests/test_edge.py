"""The HTTP edge: NUL characters, body limits, API 404 / 405 / HEAD, hosts, odd tokens, Dash.

Each refusal is checked over HTTP on both stores, with its error body and nothing written.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.context import AppContext
from tests.driver import (
    jpeg_magic,
    login,
    minimal_report_body,
    photo_files,
    report,
    row_counts,
    upload_photo,
)

MB = 1024 * 1024


def assert_error(response: Any, status: int, error: str, field: str | None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["error"] == error and body["detail"]
    if field is not None:
        assert body["field"] == field
    return body


@pytest.fixture
def dash_client(city_context: AppContext) -> Iterator[TestClient]:
    """The app as served: API and dashboard in one process."""
    with TestClient(create_app(city_context.settings, dashboard=True)) as test_client:
        yield test_client


# ------------------------------------------------------------------ NUL characters


def test_nul_in_login_form_is_422(client: TestClient, city_context: AppContext) -> None:
    for data, field in (
        ({"username": "dispatcher\x00", "password": "minqing-demo"}, "username"),
        ({"username": "dispatcher", "password": "minqing-demo\x00"}, "password"),
    ):
        response = client.post("/api/auth/token", data=data)
        assert_error(response, 422, "invalid_input", field)


NUL_REQUESTS = [
    ("path", "GET", "/api/incidents/1%00", None, "path"),
    ("query", "GET", "/api/grids?level=sm%00all", None, "query.level"),
    ("query name", "GET", "/api/incidents?st%00atus=new", None, "query.status"),
    ("intake field", "POST", "/api/incidents", {"description": "飞线\x00充电"}, "description"),
    ("intake reporter", "POST", "/api/incidents", {"reporter_name": "张\x00三"}, "reporter_name"),
]


@pytest.mark.parametrize(
    ("what", "method", "url", "change", "field"), NUL_REQUESTS, ids=[c[0] for c in NUL_REQUESTS]
)
def test_nul_anywhere_is_422_and_nothing_is_written(
    client: TestClient,
    city_context: AppContext,
    what: str,
    method: str,
    url: str,
    change: dict | None,
    field: str,
) -> None:
    dispatcher = login(client, "dispatcher")
    before = row_counts(city_context)
    body = {**minimal_report_body(), **change} if change is not None else None
    response = client.request(method, url, json=body, headers=dispatcher)
    assert_error(response, 422, "invalid_input", field)
    assert row_counts(city_context) == before


def test_nul_in_an_action_reason_is_422(client: TestClient, city_context: AppContext) -> None:
    dispatcher = login(client, "dispatcher")
    case_id = report(client, dispatcher)["id"]
    before = row_counts(city_context)
    response = client.post(
        f"/api/incidents/{case_id}/actions/reject",
        json={"reason": "重复\x00上报"},
        headers=dispatcher,
    )
    assert_error(response, 422, "invalid_input", "reason")
    assert row_counts(city_context) == before
    assert (
        client.get(f"/api/incidents/{case_id}", headers=dispatcher).json()["status"] == "reported"
    )


# ------------------------------------------------------------------ body limits


def test_oversized_json_is_413_by_content_length(
    client: TestClient, city_context: AppContext
) -> None:
    before = row_counts(city_context)
    response = client.post(
        "/api/incidents",
        content=b'{"description": "' + b"x" * (2 * MB) + b'"}',
        headers={**login(client, "dispatcher"), "Content-Type": "application/json"},
    )
    body = assert_error(response, 413, "payload_too_large", "body")
    assert body["limit_bytes"] == city_context.settings.max_api_body_bytes
    assert row_counts(city_context) == before


def test_oversized_photo_upload_is_413_before_the_route(
    client: TestClient, city_context: AppContext
) -> None:
    dispatcher = login(client, "dispatcher")
    case_id = report(client, dispatcher)["id"]
    before = row_counts(city_context)
    response = upload_photo(client, dispatcher, case_id, "big.jpg", jpeg_magic(20 * MB + 4))
    body = assert_error(response, 413, "payload_too_large", "body")
    assert body["limit_bytes"] == city_context.settings.body_limit
    assert row_counts(city_context) == before
    assert not photo_files(city_context)


MULTIPART_HEAD = (
    b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n'
    b"Content-Type: image/jpeg\r\n\r\n"
)


class StreamedRequest:
    """Drive the ASGI app directly with a body in 1 MB chunks, counting what it pulls."""

    def __init__(self, app: FastAPI, total: int, headers: list[tuple[bytes, bytes]]) -> None:
        self.app, self.total, self.headers = app, total, headers
        self.pulled = 0
        self.first = MULTIPART_HEAD if any(b"multipart" in v for _, v in headers) else b""
        self.messages: list[dict] = []

    async def receive(self) -> dict:
        if self.pulled >= self.total:
            return {"type": "http.disconnect"}
        chunk, self.first = self.first + b" " * (MB - len(self.first)), b""
        self.pulled += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": self.pulled < self.total}

    async def send(self, message: dict) -> None:
        self.messages.append(message)

    async def run(self, path: str) -> int:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "root_path": "",
            "query_string": b"",
            "headers": [(b"host", b"testserver"), *self.headers],
            "client": ("127.0.0.1", 5000),
            "server": ("testserver", 80),
        }
        await self.app(scope, self.receive, self.send)
        return int(next(m for m in self.messages if m["type"] == "http.response.start")["status"])


@pytest.mark.parametrize(
    ("what", "content_type", "content_length"),
    [
        ("JSON with Content-Length", b"application/json", str(50 * MB).encode()),
        ("chunked JSON", b"application/json", None),
        ("chunked multipart", b"multipart/form-data; boundary=x", None),
    ],
)
def test_a_50_mb_body_is_refused_without_being_read(
    client: TestClient,
    city_context: AppContext,
    what: str,
    content_type: bytes,
    content_length: bytes | None,
) -> None:
    headers = [(b"content-type", content_type)]
    if content_length is not None:
        headers.append((b"content-length", content_length))
    request = StreamedRequest(client.app, 50 * MB, headers)  # type: ignore[arg-type]
    before = row_counts(city_context)
    status = client.portal.call(request.run, "/api/incidents/1/photos")  # type: ignore[union-attr]
    assert status == 413
    limit = city_context.settings.body_limit if b"multipart" in content_type else MB
    assert request.pulled <= limit + MB, f"read {request.pulled / MB:.0f} MB before refusing"
    if content_length is not None:
        assert request.pulled == 0
    assert row_counts(city_context) == before


# ------------------------------------------------------------------ the API namespace


def test_unknown_api_paths_are_json_404_not_the_dashboard(dash_client: TestClient) -> None:
    for method in ("GET", "POST", "DELETE"):
        response = dash_client.request(method, "/api/nonexistent")
        assert_error(response, 404, "not_found", "path")
    assert dash_client.get("/").headers["content-type"].startswith("text/html")


def test_wrong_method_is_json_405_with_allow(dash_client: TestClient) -> None:
    for url, allowed in (("/api/grids", "GET, HEAD"), ("/healthz", "GET, HEAD")):
        response = dash_client.post(url)
        body = assert_error(response, 405, "method_not_allowed", "method")
        assert response.headers["allow"] == allowed and body["allowed"] == allowed.split(", ")
    response = dash_client.delete("/api/incidents")
    assert response.status_code == 405 and "POST" in response.headers["allow"]


def test_head_works_wherever_get_does(dash_client: TestClient) -> None:
    dispatcher = login(dash_client, "dispatcher")
    for url, headers in (
        ("/healthz", {}),
        ("/api/grids?level=small&limit=2", {}),
        ("/api/incidents", dispatcher),
        ("/api/categories", {}),
    ):
        got = dash_client.get(url, headers=headers)
        head = dash_client.head(url, headers=headers)
        assert got.status_code == head.status_code == 200, (url, head.status_code)
        assert head.content == b""
        assert head.headers["content-type"] == got.headers["content-type"]
    assert dash_client.head("/api/incidents").status_code == 401
    assert dash_client.head("/api/nonexistent").status_code == 404


# ------------------------------------------------------------------ tokens, hosts, headers


def test_non_ascii_bearer_token_is_401(client: TestClient) -> None:
    for token in ("é", "a.é", "é.b", "令牌.签名"):
        response = client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}".encode()})
        assert_error(response, 401, "unauthorized", None)
        assert response.headers["www-authenticate"] == "Bearer"


def test_every_response_says_nosniff(dash_client: TestClient) -> None:
    for response in (
        dash_client.get("/healthz"),
        dash_client.get("/"),
        dash_client.get("/api/nonexistent"),
        dash_client.post("/api/auth/token", data={"username": "x", "password": "y"}),
    ):
        assert response.headers["x-content-type-options"] == "nosniff"


def test_untrusted_host_is_400_and_never_echoed(client: TestClient) -> None:
    response = client.get("/api/grids?level=small&limit=1", headers={"Host": "evil.example"})
    assert_error(response, 400, "untrusted_host", "host")
    links = client.get("/api/grids?level=small&limit=1").json()["links"]
    assert links[0]["href"].startswith("http://testserver/api/grids?")
    assert client.get("/healthz", headers={"Host": "127.0.0.1:8000"}).status_code == 200


def test_public_url_is_the_base_of_paging_links(city_context: AppContext) -> None:
    settings = city_context.settings.model_copy(update={"public_url": "https://mq.example.org/gov"})
    with TestClient(create_app(settings, dashboard=False)) as client:
        body = client.get(
            "/api/grids?level=small&limit=1&offset=1", headers={"Host": "evil.example"}
        ).json()
    hrefs = {link["rel"]: link["href"] for link in body["links"]}
    assert hrefs["self"] == "https://mq.example.org/gov/api/grids?level=small&limit=1&offset=1"
    assert hrefs["next"].startswith("https://mq.example.org/gov/api/grids?")
    assert "offset=2" in hrefs["next"] and "offset=0" in hrefs["prev"]
    assert all("evil" not in href for href in hrefs.values())


# ------------------------------------------------------------------ Dash callbacks


@pytest.mark.parametrize(
    ("content", "status", "field"),
    [
        (b"not json", 400, "body"),
        (b"[]", 400, "body"),
        (b"{}", 422, "output"),
        (b'{"output": 5}', 422, "output"),
        (b'{"output": "nosuch.children"}', 422, "output"),
    ],
)
def test_malformed_dash_callback_is_a_short_json_error(
    dash_client: TestClient, content: bytes, status: int, field: str
) -> None:
    response = dash_client.post(
        "/_dash-update-component", content=content, headers={"Content-Type": "application/json"}
    )
    assert_error(response, status, "invalid_input", field)


def test_single_output_dash_callback_passes_the_guard() -> None:
    from dashboard.app import callback_body_problem

    one = {"id": "analysis-view", "property": "data"}
    body = {"output": "analysis-view.data", "outputs": one, "inputs": [], "changedPropIds": []}
    assert callback_body_problem(body, known_outputs={"analysis-view.data"}) is None
    assert callback_body_problem({**body, "outputs": 5}, known_outputs={"analysis-view.data"})
