"""Grid layers fast: a whole level is encoded once, tagged, gzipped and rebuilt after an import."""

from __future__ import annotations

import gzip
import json
import re

from fastapi.testclient import TestClient

from api.context import AppContext
from api.grids import replace_level
from tests.city import mini_city


def _layer(client: TestClient, **headers: str) -> tuple[int, dict[str, str], bytes]:
    response = client.get("/api/grids?level=small&geometry=overview", headers=headers)
    return response.status_code, dict(response.headers), response.content


def test_whole_layer_has_an_etag_and_answers_304(client: TestClient) -> None:
    status, headers, body = _layer(client)
    assert status == 200 and headers["content-type"] == "application/geo+json"
    layer = json.loads(body)
    assert layer["numberMatched"] == layer["numberReturned"] == len(layer["features"]) == 16
    etag = headers["etag"]
    assert etag.startswith('"') and etag.endswith('"')
    again = client.get("/api/grids?level=small&geometry=overview", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    weak = client.get(
        "/api/grids?level=small&geometry=overview", headers={"If-None-Match": "W/" + etag}
    )
    assert weak.status_code == 304
    other_band = client.get(
        "/api/grids?level=small&geometry=exact", headers={"If-None-Match": etag}
    )
    assert other_band.status_code == 200


def test_whole_layer_is_gzipped_when_asked(client: TestClient) -> None:
    plain = client.get("/api/grids?level=small", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    with client.stream("GET", "/api/grids?level=small", headers={"Accept-Encoding": "gzip"}) as raw:
        assert raw.headers["content-encoding"] == "gzip"
        assert "Accept-Encoding" in raw.headers["vary"]
        compressed = b"".join(raw.iter_raw())
    assert gzip.decompress(compressed) == plain.content
    assert len(compressed) < len(plain.content)


def test_coordinates_are_rounded_to_the_band(client: TestClient) -> None:
    for band, digits in (("overview", 5), ("detail", 6), ("exact", 7)):
        text = client.get(f"/api/grids?level=small&geometry={band}").text
        geometries = [json.dumps(f["geometry"]) for f in json.loads(text)["features"]]
        decimals = [len(m) for g in geometries for m in re.findall(r"\.(\d+)", g)]
        assert decimals and max(decimals) <= digits, band


def test_pages_and_filters_agree_with_the_cached_layer(client: TestClient) -> None:
    whole = client.get("/api/grids?level=small").json()["features"]
    by_code = {f["id"]: f for f in whole}
    pages = [
        client.get(f"/api/grids?level=small&limit=5&offset={o}").json() for o in (0, 5, 10, 15)
    ]
    paged = [f for page in pages for f in page["features"]]
    assert [f["id"] for f in paged] == sorted(by_code)
    assert all(f == by_code[f["id"]] for f in paged)
    assert "etag" not in client.get("/api/grids?level=small&limit=5").headers
    children = client.get("/api/grids?level=small&parent=441502001001").json()
    assert {f["id"] for f in children["features"]} == {f"44150200100{i}" for i in range(101, 105)}
    assert children["features"][0] == by_code[children["features"][0]["id"]]
    inside = client.get("/api/grids?level=small&bbox=115.301,22.761,115.309,22.779").json()
    assert [f["id"] for f in inside["features"]] == ["44150200100101"]


def test_an_import_invalidates_the_cached_layer(
    city_context: AppContext, client: TestClient
) -> None:
    before = client.get("/api/grids?level=small")
    assert before.json()["features"][0]["properties"]["name"] == "第1网格"
    city = mini_city()
    small = city["small"].copy()
    small["name"] = [f"新{name}" for name in small["name"]]
    with city_context.db.write_session() as session:
        replace_level(session, small, level="small")
    after = client.get("/api/grids?level=small", headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200
    assert after.headers["etag"] != before.headers["etag"]
    assert after.json()["features"][0]["properties"]["name"] == "新第1网格"
