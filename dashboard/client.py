"""The dashboard's one client to the API: every page reads and acts through it.

The base URL is ``MINQING_DASHBOARD_API_URL`` or, by default, the server that serves the page
(the API and the dashboard share one process).  The signed-in user's token travels in the
browser's session store and is handed to :func:`api_client` by each callback.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import flask
import httpx

from dashboard.settings import dashboard_settings

__all__ = [
    "ApiClient",
    "ApiError",
    "api_base",
    "api_client",
    "features",
    "matched",
    "screen_token",
    "sign_in",
    "tile_index",
]

_HTTP = httpx.Client(timeout=15.0, headers={"User-Agent": "minqing-dashboard"})
"""One pooled HTTP client for all callbacks (keep-alive to the API)."""


class ApiError(Exception):
    """The API refused or failed: its status and its ``detail`` text."""

    def __init__(self, status: int, detail: str, body: dict[str, Any] | None = None) -> None:
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.detail = detail
        self.body = body or {}


def api_base() -> str:
    """The API's base URL: configured, or the host of the page's own request."""
    configured = dashboard_settings().api_url
    if configured:
        return configured
    if flask.has_request_context():
        return flask.request.host_url.rstrip("/")
    raise RuntimeError("no API URL: set MINQING_DASHBOARD_API_URL outside a page request")


class ApiClient:
    """Calls to the API as one user (or anonymously), raising :class:`ApiError` on refusal."""

    def __init__(self, base_url: str, token: str | None = None) -> None:
        self.base_url = base_url
        self.token = token

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Accept": "application/json", **(extra or {})}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def request(
        self, method: str, path: str, *, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> httpx.Response:
        """Send one request; an error status becomes :class:`ApiError` with the API's detail.

        A GET on a pooled connection the server had just closed (keep-alive timeout) is
        sent once more on a new one.
        """
        send = {"headers": self._headers(headers), "timeout": dashboard_settings().timeout_s}
        try:
            try:
                response = _HTTP.request(method, self.base_url + path, **send, **kwargs)
            except httpx.RemoteProtocolError:
                if method != "GET":
                    raise
                response = _HTTP.request(method, self.base_url + path, **send, **kwargs)
        except httpx.HTTPError as error:
            raise ApiError(503, f"API unreachable: {error}") from error
        if response.status_code >= 400:
            body = _json_or_none(response)
            detail = str(body.get("detail")) if isinstance(body, dict) else response.text[:200]
            raise ApiError(response.status_code, detail, body if isinstance(body, dict) else None)
        return response

    def get(self, path: str, **params: Any) -> Any:
        """GET ``path`` with query ``params`` (None values left out); the JSON answer."""
        query = {k: v for k, v in params.items() if v is not None and v != ""}
        return self.request("GET", path, params=query).json()

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        """POST a JSON ``body`` (or ``files=``/``data=``); the JSON answer."""
        if body is not None:
            kwargs["json"] = body
        return self.request("POST", path, **kwargs).json()


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def api_client(token: str | None = None) -> ApiClient:
    """A client to the API as the holder of ``token`` (anonymous without one)."""
    return ApiClient(api_base(), token)


def sign_in(username: str, password: str) -> dict[str, Any]:
    """Sign in; the API's token answer (``access_token``, role, unit…)."""
    response = api_client().request(
        "POST", "/api/auth/token", data={"username": username, "password": password}
    )
    return dict(response.json())


_SCREEN_TOKEN: dict[str, tuple[str, float]] = {}
_SCREEN_LOCK = threading.Lock()
SCREEN_TOKEN_TTL_S = 600.0


def screen_token() -> str | None:
    """The wall screen's token (``MINQING_SCREEN_USER``), signed in once and reused for a while."""
    settings = dashboard_settings()
    if not settings.screen_user:
        return None
    key = f"{api_base()}|{settings.screen_user}"
    with _SCREEN_LOCK:
        cached = _SCREEN_TOKEN.get(key)
        if cached and time.monotonic() - cached[1] < SCREEN_TOKEN_TTL_S:
            return cached[0]
        token = str(sign_in(settings.screen_user, settings.screen_password)["access_token"])
        _SCREEN_TOKEN[key] = (token, time.monotonic())
        return token


def features(client: ApiClient, path: str, *, most: int, **params: Any) -> list[dict[str, Any]]:
    """GeoJSON features of ``path``, following ``next`` links until ``most`` are read."""
    found: list[dict[str, Any]] = []
    page = client.get(path, **params)
    while True:
        found.extend(page.get("features", []))
        following = next((link for link in page.get("links", []) if link["rel"] == "next"), None)
        if following is None or len(found) >= most:
            return found[:most]
        page = client.request("GET", _path_of(following["href"])).json()


def _path_of(href: str) -> str:
    """The path and query of an API link (links are absolute; the client has its own base)."""
    parts = httpx.URL(href)
    return parts.raw_path.decode("ascii")


def matched(client: ApiClient, path: str, **params: Any) -> int:
    """How many items of a list endpoint match ``params`` (one row read, ``numberMatched``)."""
    return int(client.get(path, limit=1, **params)["numberMatched"])


def tile_index(client: ApiClient) -> dict[str, Any]:
    """``/api/tiles``: each vector tile layer's size, URL template and whether to use tiles."""
    return dict(client.get("/api/tiles"))
