"""The one test driver of the API: sign in, report a case, act on it, attach a photo.

Every HTTP test speaks through these helpers, so a change to the API's shape is made here
once. ``http`` is anything with ``post`` / ``get`` like ``TestClient`` or ``httpx.Client``.
:func:`row_counts` and :func:`photo_files` read what the store holds, for tests that check
nothing was written.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from sqlmodel import func, select

from api.cases.schemas import IncidentPublic
from api.context import AppContext
from api.models import Incident, IncidentEvent, IncidentPhoto
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


def minimal_report_body() -> dict[str, Any]:
    """A valid intake body with only the required fields, a WGS84 point in :data:`SMALL`."""
    lon, lat = centre_of(SMALL)
    return {
        "category": "0201",
        "description": "楼道飞线充电",
        "lon": lon,
        "lat": lat,
        "crs": "wgs84",
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


def jpeg_magic(size: int) -> bytes:
    """``size`` bytes that start like a JPEG and hold nothing else (zeros)."""
    return b"\xff\xd8\xff\xe0" + b"\0" * (size - 4)


def upload_photo(
    http: Any,
    headers: dict[str, str],
    case_id: int,
    name: str,
    content: bytes,
    content_type: str = "image/jpeg",
) -> Any:
    """Attach a photo to a case as a multipart upload and return the raw response."""
    return http.post(
        f"/api/incidents/{case_id}/photos",
        files={"file": (name, io.BytesIO(content), content_type)},
        headers=headers,
    )


def row_counts(context: AppContext) -> tuple[int, int, int]:
    """How many cases, events and photos the store holds."""
    with context.db.session() as session:
        return tuple(  # type: ignore[return-value]
            session.exec(select(func.count()).select_from(model)).one()
            for model in (Incident, IncidentEvent, IncidentPhoto)
        )


def photo_files(context: AppContext) -> list[Path]:
    """The photo files written under the work directory."""
    return list((context.settings.work_dir / "photos").rglob("*.*"))
