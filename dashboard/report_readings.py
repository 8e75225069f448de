"""The report form's pure parts: the category tree, coordinates, photos, look-alikes, errors.

No I/O: the 上报 page (:mod:`dashboard.pages.report`) reads the API and calls these; the
tests feed them hand-written answers.  Problems are returned as i18n keys
(:data:`dashboard.i18n.TEXT`) with the field they concern, so the page can say them in
either language.
"""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

__all__ = [
    "CRS_CHOICES",
    "DUPLICATE_RADIUS_M",
    "DUPLICATE_WINDOW_DAYS",
    "CategoryGroup",
    "CategoryLeaf",
    "FormProblem",
    "Nearby",
    "Photo",
    "api_problems",
    "category_store",
    "category_tree",
    "check_marks",
    "decode_photo",
    "distance_m",
    "nearby_cases",
    "parse_coordinate",
    "report_body",
    "search_bbox",
    "window_start",
]

DUPLICATE_RADIUS_M: Final = 100.0
"""How near a look-alike must be: the API's default ``MINQING_DUPLICATE_RADIUS_M``.

The check before confirming uses it to ask the case list; after intake, the API's own
``possible_duplicates`` (with the server's setting) are shown as given."""
DUPLICATE_WINDOW_DAYS: Final = 7
"""How recent a look-alike must be: the API's default ``MINQING_DUPLICATE_WINDOW_DAYS``."""
CRS_CHOICES: Final = (
    ("wgs84", "WGS84 / CGCS2000 (GPS)"),
    ("gcj02", "GCJ-02 (高德 / 腾讯 / 微信)"),
    ("bd09", "BD-09 (百度)"),
)
"""The coordinate systems intake takes (the API's ``PointCRS``), with what uses them."""
PHOTO_TYPES: Final = ("image/jpeg", "image/png", "image/webp")
PHOTO_MAX_BYTES: Final = 10 * 1024 * 1024
DESCRIPTION_MAX: Final = 2000
EARTH_RADIUS_M: Final = 6_371_008.8
METRES_PER_DEGREE: Final = math.pi * EARTH_RADIUS_M / 180


@dataclass
class FormProblem(Exception):
    """What is wrong with one field of the form: the field and an i18n key."""

    field: str
    key: str


@dataclass(frozen=True)
class CategoryLeaf:
    """A 小类: its code and name, default unit, urgency and stage limits."""

    code: str
    name: str
    unit: str | None
    urgent: bool
    limits: Mapping[str, str]


@dataclass(frozen=True)
class CategoryGroup:
    """A 大类 with its 小类, in code order."""

    code: str
    name: str
    children: tuple[CategoryLeaf, ...] = field(default=())


def category_tree(answer: Iterable[Mapping[str, Any]]) -> list[CategoryGroup]:
    """``/api/categories`` as 大类 → 小类, both in code order; empty 大类 left out."""
    rows = sorted(answer, key=lambda row: str(row["code"]))
    leaves: dict[str, list[CategoryLeaf]] = {}
    for row in rows:
        if row.get("parent"):
            leaves.setdefault(str(row["parent"]), []).append(
                CategoryLeaf(
                    code=str(row["code"]),
                    name=str(row["name"]),
                    unit=row.get("unit"),
                    urgent=bool(row.get("urgent")),
                    limits=dict(row.get("limits") or {}),
                )
            )
    return [
        CategoryGroup(str(row["code"]), str(row["name"]), tuple(leaves[str(row["code"])]))
        for row in rows
        if not row.get("parent") and leaves.get(str(row["code"]))
    ]


def category_store(tree: Sequence[CategoryGroup], units: Mapping[str, str]) -> dict[str, Any]:
    """What the page keeps of the tree: 小类 per 大类, full names, unit names."""
    return {
        "groups": {
            group.code: [
                {"code": leaf.code, "name": leaf.name, "unit": leaf.unit,
                 "urgent": leaf.urgent, "limits": dict(leaf.limits)}
                for leaf in group.children
            ]
            for group in tree
        },
        "names": {leaf.code: f"{g.name} / {leaf.name}" for g in tree for leaf in g.children},
        "units": dict(units),
    }  # fmt: skip


def parse_coordinate(text: object, axis: str) -> float:
    """A typed longitude (``axis="lon"``) or latitude; :class:`FormProblem` if unusable.

    Takes a comma as decimal mark (``22,77``) and surrounding spaces or a degree sign.
    """
    value = str(text if text is not None else "").strip().rstrip("°").replace(",", ".")
    if not value:
        raise FormProblem(axis, f"report_err_{axis}_missing")
    try:
        number = float(value)
    except ValueError:
        raise FormProblem(axis, "report_err_not_number") from None
    limit = 180.0 if axis == "lon" else 90.0
    if not math.isfinite(number) or abs(number) > limit:
        raise FormProblem(axis, f"report_err_{axis}_range")
    return number


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres (haversine, mean Earth radius)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlam = phi2 - phi1, math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlam / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def search_bbox(lon: float, lat: float, radius_m: float) -> tuple[float, float, float, float]:
    """A box (west, south, east, north) that holds the circle of ``radius_m`` round a point."""
    dlat = radius_m / METRES_PER_DEGREE
    dlon = radius_m / (METRES_PER_DEGREE * max(math.cos(math.radians(lat)), 1e-6))
    return (
        max(-180.0, lon - dlon),
        max(-90.0, lat - dlat),
        min(180.0, lon + dlon),
        min(90.0, lat + dlat),
    )


def window_start(now: datetime, days: int = DUPLICATE_WINDOW_DAYS) -> str:
    """The ``reported_from`` of the look-alike search: ISO 8601 with its offset."""
    return (now - timedelta(days=days)).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Nearby:
    """An open case near the point: enough to recognise it, nothing personal."""

    id: int
    case_no: str
    status: str
    status_label: str
    distance_m: float
    lon: float
    lat: float
    category_name: str = ""
    description: str = ""
    reported_at: str = ""


def nearby_cases(
    items: Iterable[Mapping[str, Any]],
    lon: float,
    lat: float,
    *,
    radius_m: float = DUPLICATE_RADIUS_M,
    most: int = 10,
) -> list[Nearby]:
    """Cases from ``/api/incidents`` within ``radius_m`` of the point, nearest first."""
    found = []
    for item in items:
        metres = distance_m(lon, lat, float(item["lon"]), float(item["lat"]))
        if metres <= radius_m:
            found.append(
                Nearby(
                    id=int(item["id"]),
                    case_no=str(item["case_no"]),
                    status=str(item["status"]),
                    status_label=str(item.get("status_label") or item["status"]),
                    distance_m=metres,
                    lon=float(item["lon"]),
                    lat=float(item["lat"]),
                    category_name=str(item.get("category_name") or ""),
                    description=_excerpt(str(item.get("description") or "")),
                    reported_at=str(item.get("reported_at") or ""),
                )
            )
    return sorted(found, key=lambda n: (n.distance_m, n.id))[:most]


def check_marks(found: Sequence[Nearby]) -> dict[str, Any]:
    """What the check draws on the map: the searched circle and the look-alikes."""
    marks = [
        [n.lon, n.lat, f"{n.case_no} · {n.status_label} · {n.distance_m:.0f} m"] for n in found
    ]
    return {"radius_m": DUPLICATE_RADIUS_M, "found": marks}


def _excerpt(text: str, most: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= most else text[: most - 1] + "…"


@dataclass(frozen=True)
class Photo:
    """An attached photo, decoded from the upload widget."""

    filename: str
    content_type: str
    data: bytes


def decode_photo(contents: str | None, filename: str | None) -> Photo | None:
    """The upload widget's data URL as a photo (None if nothing attached).

    Raises :class:`FormProblem` for a type intake refuses or a file over 10 MB; the API
    checks the image itself again.
    """
    if not contents:
        return None
    head, _, payload = contents.partition(",")
    content_type = head.removeprefix("data:").split(";", 1)[0].lower()
    if content_type == "image/jpg":
        content_type = "image/jpeg"
    if content_type not in PHOTO_TYPES or ";base64" not in head:
        raise FormProblem("photo", "report_err_photo_type")
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise FormProblem("photo", "report_err_photo_type") from None
    if len(data) > PHOTO_MAX_BYTES:
        raise FormProblem("photo", "report_err_photo_size")
    return Photo(filename or "photo", content_type, data)


def report_body(
    *,
    lon: float,
    lat: float,
    crs: str,
    category: str | None,
    description: str | None,
    source: str = "patrol",
    address: str | None = None,
    urgent: bool | None = None,
) -> dict[str, Any]:
    """The JSON body of ``POST /api/incidents``; :class:`FormProblem` for a missing field."""
    if not category:
        raise FormProblem("category", "report_err_category")
    text = (description or "").strip()
    if not text:
        raise FormProblem("description", "report_err_description")
    if len(text) > DESCRIPTION_MAX:
        raise FormProblem("description", "report_err_description_long")
    if crs not in {code for code, _ in CRS_CHOICES}:
        raise FormProblem("crs", "report_err_crs")
    body: dict[str, Any] = {
        "category": category,
        "description": text,
        "lon": float(lon),
        "lat": float(lat),
        "crs": crs,
        "source": source,
    }
    if address and address.strip():
        body["address"] = address.strip()
    if urgent is not None:
        body["urgent"] = bool(urgent)
    return body


API_FIELDS: Final = {
    "category": "category",
    "description": "description",
    "lon": "lon",
    "lat": "lat",
    "lon,lat": "point",
    "crs": "crs",
    "source": "source",
    "address": "address",
    "urgent": "urgent",
    "file": "photo",
    "Idempotency-Key": "submission",
    "external_id": "submission",
}
"""The API's field names as the form's fields (each has a ``report_field_*`` label)."""
KNOWN_DETAILS: Final = (
    ("outside every grid", "report_err_outside"),
    ("unknown category", "report_err_category"),
    ("must not be empty", "report_err_description"),
    ("different body", "report_err_key_reused"),
)
"""English details of the API that have a fuller Chinese explanation (substring → key)."""


def api_problems(status: int, body: Mapping[str, Any] | None, detail: str) -> list[FormProblem]:
    """An API refusal as form problems: one per named field, each with a key or the detail.

    ``FormProblem.key`` is an i18n key when the detail is a known one, else ``"=" +`` the
    API's own words, which the page shows after the field's label.
    """
    body = body or {}
    problems = body.get("problems") or [
        {"field": body.get("field") or "", "message": body.get("detail") or detail}
    ]
    found = []
    for problem in problems:
        name = str(problem.get("field") or "")
        message = str(problem.get("message") or detail)
        form_field = API_FIELDS.get(name, API_FIELDS.get(name.split(".")[-1], "form"))
        key = next((k for text, k in KNOWN_DETAILS if text in message), None)
        if key is None and status in (401, 403):
            key = "report_err_forbidden" if status == 403 else "report_err_signed_out"
        found.append(FormProblem(form_field, key or "=" + message))
    return found


WIDE_DIGITS: Final = str.maketrans("0123456789", "０１２３４５６７８９")


def map_label(text: str) -> str:
    """A name as the map can draw it offline: digits as full-width forms.

    MapLibre draws CJK characters with the browser's font but needs glyph files for the
    rest, which a closed network lacks (``第1网格`` would show as ``第网格``).
    """
    return text.translate(WIDE_DIGITS)


def grid_path(grid: Mapping[str, str], names: Mapping[str, str], sep: str = " › ") -> str:
    """The large › medium › small names of a grid triple (codes where a name is missing)."""
    return sep.join(names.get(grid[level], grid[level]) for level in ("large", "medium", "small"))


def area_bounds(
    boxes: Sequence[tuple[float, float, float, float]],
) -> tuple[float, float, float, float] | None:
    """The box holding every ``(west, south, east, north)`` of ``boxes`` (None if none)."""
    if not boxes:
        return None
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )
