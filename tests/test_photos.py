"""Photos: decoded fully, bombs and disguises refused, stored without EXIF, served nosniff."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from api.cases.images import check_photo
from api.context import AppContext
from api.exceptions import InvalidInput, PayloadTooLarge, UnsupportedMedia
from tests.driver import login, photo_files, report, row_counts, upload_photo

LIMITS = {"max_bytes": 10 * 1024 * 1024, "max_pixels": 50_000_000}
GPS_TAG, ORIENTATION_TAG = 0x8825, 0x0112


def encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def camera_jpeg() -> bytes:
    """A 40 × 20 JPEG shot rotated (EXIF orientation 6) with a GPS position in its EXIF."""
    exif = Image.Exif()
    exif[ORIENTATION_TAG] = 6
    exif[GPS_TAG] = {1: "N", 2: (22.0, 46.0, 30.0), 3: "E", 4: (115.0, 22.0, 10.0)}
    return encoded(Image.new("RGB", (40, 20), "green"), "JPEG", exif=exif.tobytes())


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` × ``height`` pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 1000))
        + chunk(b"IEND", b"")
    )


NOISE_JPEG = encoded(Image.effect_noise((200, 200), 60).convert("RGB"), "JPEG")
HTML_AS_JPEG = b"\xff\xd8\xff\xe0<html><script>alert(document.cookie)</script></html>" * 20


def test_camera_photo_is_turned_upright_and_loses_its_exif() -> None:
    checked = check_photo(camera_jpeg(), **LIMITS)
    assert checked.content_type == "image/jpeg"
    assert (checked.width, checked.height) == (20, 40)
    stored = Image.open(io.BytesIO(checked.data))
    assert stored.size == (20, 40) and stored.format == "JPEG"
    assert not stored.getexif() and "exif" not in stored.info


@pytest.mark.parametrize(
    ("mode", "fmt", "content_type"),
    [("RGBA", "PNG", "image/png"), ("P", "PNG", "image/png"), ("RGB", "WEBP", "image/webp")],
)
def test_png_and_webp_are_kept_in_their_format(mode: str, fmt: str, content_type: str) -> None:
    checked = check_photo(encoded(Image.new(mode, (30, 10)), fmt), **LIMITS)
    assert checked.content_type == content_type and (checked.width, checked.height) == (30, 10)
    assert Image.open(io.BytesIO(checked.data)).format == fmt


BAD_PHOTOS = [
    ("HTML behind a JPEG magic number", HTML_AS_JPEG, UnsupportedMedia),
    ("100,000 × 100,000 PNG in 1 KB", png_claiming(100_000, 100_000), PayloadTooLarge),
    ("10,000 × 6,000 PNG over 50 MP", png_claiming(10_000, 6_000), PayloadTooLarge),
    ("truncated JPEG", NOISE_JPEG[: len(NOISE_JPEG) // 2], InvalidInput),
    ("a GIF", encoded(Image.new("RGB", (4, 4)), "GIF"), UnsupportedMedia),
    ("empty", b"", InvalidInput),
]


@pytest.mark.parametrize(("what", "content", "error"), BAD_PHOTOS, ids=[c[0] for c in BAD_PHOTOS])
def test_bad_photos_raise_the_service_errors(
    what: str, content: bytes, error: type[Exception]
) -> None:
    with pytest.raises(error) as raised:
        check_photo(content, **LIMITS)
    assert raised.value.context["field"] == "file"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("what", "content", "status"),
    [
        ("HTML behind a JPEG magic number", HTML_AS_JPEG, 415),
        ("100,000 × 100,000 PNG in 1 KB", png_claiming(100_000, 100_000), 413),
    ],
)
def test_bad_photo_uploads_are_refused_and_nothing_is_written(
    client: TestClient, city_context: AppContext, what: str, content: bytes, status: int
) -> None:
    dispatcher = login(client, "dispatcher")
    case_id = report(client, dispatcher)["id"]
    before = row_counts(city_context)
    response = upload_photo(client, dispatcher, case_id, "photo.jpg", content)
    assert response.status_code == status, response.text
    assert response.json()["field"] == "file"
    assert row_counts(city_context) == before
    assert not photo_files(city_context)


def test_stored_photo_has_no_exif_and_is_served_nosniff(
    client: TestClient, city_context: AppContext
) -> None:
    dispatcher = login(client, "dispatcher")
    case_id = report(client, dispatcher)["id"]
    stored = upload_photo(client, dispatcher, case_id, "camera.jpg", camera_jpeg())
    assert stored.status_code == 201, stored.text
    served = client.get(stored.json()["url"], headers=dispatcher)
    assert served.headers["content-type"] == "image/jpeg"
    assert served.headers["x-content-type-options"] == "nosniff"
    image = Image.open(io.BytesIO(served.content))
    assert image.size == (20, 40) and not image.getexif()
    assert stored.json()["size_bytes"] == len(served.content)


def test_a_case_lists_its_photos_to_those_who_may_see_them(client: TestClient) -> None:
    dispatcher = login(client, "dispatcher")
    case_id = report(client, dispatcher)["id"]
    path = f"/api/incidents/{case_id}/photos"
    assert client.get(path, headers=dispatcher).json() == []
    png = encoded(Image.new("RGB", (8, 8), "red"), "PNG")
    stored = [
        upload_photo(client, dispatcher, case_id, "a.jpg", camera_jpeg()).json(),
        upload_photo(client, dispatcher, case_id, "b.png", png, "image/png").json(),
    ]
    listed = client.get(path, headers=dispatcher).json()
    assert [(p["id"], p["url"], p["content_type"]) for p in listed] == [
        (p["id"], p["url"], p["content_type"]) for p in stored
    ]
    assert len(client.get(path, headers=login(client, "analyst")).json()) == 2
    assert client.get(path, headers=login(client, "screen")).status_code == 403
    outsider = login(client, "gridworker_441502002002")  # another community's grid worker
    assert client.get(path, headers=outsider).status_code == 404
