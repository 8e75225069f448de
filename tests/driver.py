"""The one test driver of the API: sign in, report a case, act on it, read it back.

Every HTTP test speaks through these helpers, so a change to the API's shape is made here
once. ``http`` is anything with ``post`` / ``get`` like ``TestClient`` or ``httpx.Client``.
"""

from __future__ import annotations

from typing import Any

from api.cases.schemas import IncidentPublic
from geo.crs import wgs84_to_gcj02
from tests.city import centre_of

SMALL = "44150200100101"
PASSWORD = "minqing-demo"


def login(http: Any, username: str, password: str = PASSWORD) -> dict[str, str]:
    """Sign in and return the Authorization header."""
    response = http.post("/api/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def report_body(small: str = SMALL, **overrides: object) -> dict[str, Any]:
    """A valid intake body for a point in the middle of ``small``, sent as GCJ-02."""
    lon, lat = centre_of(small)
    glon, glat = wgs84_to_gcj02(lon, lat)
    return {
        "category": "0201",
        "description": "3栋2单元楼道内电动车飞线充电",
        "lon": float(glon),
        "lat": float(glat),
        "crs": "gcj02",
        "source": "patrol",
        "reporter_name": "张三",
        "reporter_phone": "13812345678",
        **overrides,
    }


def report(http: Any, headers: dict[str, str], **overrides: object) -> dict[str, Any]:
    """Report a case and return the created case (asserting 201)."""
    response = http.post("/api/incidents", json=report_body(**overrides), headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def act(
    http: Any, headers: dict[str, str], case_id: int, action: str, **body: object
) -> dict[str, Any]:
    """Do one action and return the case afterwards, checked against the public shape."""
    response = http.post(f"/api/incidents/{case_id}/actions/{action}", json=body, headers=headers)
    assert response.status_code == 200, f"{action}: {response.text}"
    return IncidentPublic.model_validate(response.json()).model_dump(mode="json")


def try_act(http: Any, headers: dict[str, str], case_id: int, action: str, **body: object) -> Any:
    """Do one action and return the raw response (for refusals)."""
    return http.post(f"/api/incidents/{case_id}/actions/{action}", json=body, headers=headers)
