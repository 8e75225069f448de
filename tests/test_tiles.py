"""Vector tiles: the grids and cases a tile holds, checked by two independent decoders.

A zoom-12 tile of the small grids over the mini city must decode (mapbox-vector-tile, and
GDAL's MVT driver through ``ogrinfo``) to exactly the grids a shapely intersection with the
tile finds, each drawn where pyproj puts it; on both stores.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import mapbox_vector_tile
import pytest
import shapely
from fastapi.testclient import TestClient
from pyproj import Transformer
from shapely.geometry import shape

from api.app import create_app
from api.context import AppContext
from api.grids import replace_level
from geo.tiles import TILE_EXTENT, tile_lonlat_bounds, tile_mercator_bounds
from tests.city import mini_city
from tests.driver import act, login, report

Z = 12
TO_MERCATOR = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)


def tile_of(lon: float, lat: float, z: int = Z) -> tuple[int, int]:
    """The x, y of the tile holding a WGS84 point (the slippy-map formula)."""
    n = 2**z
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return int((lon + 180) / 360 * n), int(y)


# The mini city (115.30-115.38, 22.76-22.80) straddles two zoom-12 tiles: x 3359 and 3360.
CITY_TILES = [tile_of(115.305, 22.77), tile_of(115.375, 22.77)]


def expected_small_grids(x: int, y: int) -> dict[str, Any]:
    """Small grids meeting tile ``Z/x/y``, and their part inside it in EPSG:3857."""
    small = mini_city()["small"]
    box = shapely.box(*tile_lonlat_bounds(Z, x, y))
    found = {}
    for code, geometry in zip(small["code"], small.geometry, strict=True):
        if shapely.intersects(geometry, box):
            part = shapely.intersection(geometry, box)
            found[code] = shapely.transform(part, lambda xy: _mercator(xy))
    return found


def _mercator(xy: Any) -> Any:
    import numpy as np

    mx, my = TO_MERCATOR.transform(xy[:, 0], xy[:, 1])
    return np.column_stack((mx, my))


def _decoded_in_mercator(geometry: dict[str, Any], x: int, y: int) -> Any:
    minx, _miny, maxx, maxy = tile_mercator_bounds(Z, x, y)
    unit = (maxx - minx) / TILE_EXTENT
    tile_space = shape(geometry)
    return shapely.transform(
        tile_space, lambda xy: (xy * [unit, -unit]) + [minx, maxy]
    ).intersection(shapely.box(*tile_mercator_bounds(Z, x, y)))


def _unit_m(x: int, y: int) -> float:
    minx, _miny, maxx, _maxy = tile_mercator_bounds(Z, x, y)
    return (maxx - minx) / TILE_EXTENT


@pytest.mark.parametrize(("x", "y"), CITY_TILES)
def test_a_small_grid_tile_decodes_to_the_grids_that_meet_it(
    client: TestClient, x: int, y: int
) -> None:
    response = client.get(f"/api/tiles/grids_small/{Z}/{x}/{y}.mvt")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    expected = expected_small_grids(x, y)
    assert 0 < len(expected) < 16
    layer = mapbox_vector_tile.decode(response.content, default_options={"y_coord_down": True})[
        "grids_small"
    ]
    assert layer["extent"] == TILE_EXTENT
    features = {f["properties"]["code"]: f for f in layer["features"]}
    assert sorted(features) == sorted(expected) and len(layer["features"]) == len(expected)
    for code, feature in features.items():
        drawn = _decoded_in_mercator(feature["geometry"], x, y)
        assert drawn.hausdorff_distance(expected[code]) <= 1.5 * _unit_m(x, y), code
        assert feature["properties"]["parent_code"] == code[:12]
        assert feature["properties"]["households"] == 400


def test_the_two_city_tiles_hold_every_small_grid_once_or_twice(client: TestClient) -> None:
    codes: list[str] = []
    for x, y in CITY_TILES:
        body = client.get(f"/api/tiles/grids_small/{Z}/{x}/{y}.mvt").content
        codes += [
            f["properties"]["code"]
            for f in mapbox_vector_tile.decode(body)["grids_small"]["features"]
        ]
    assert set(codes) == set(mini_city()["small"]["code"])


_OGR_FEATURE = re.compile(r"code \(String\) = (\d+)\n(?:.*\n)*?\s+((?:MULTI)?POLYGON \(.*\))")


@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="GDAL's ogrinfo is not installed")
@pytest.mark.parametrize(("x", "y"), CITY_TILES)
def test_gdal_reads_the_same_grids_from_the_tile(
    client: TestClient, tmp_path: Path, x: int, y: int
) -> None:
    path = tmp_path / f"{y}.mvt"
    path.write_bytes(client.get(f"/api/tiles/grids_small/{Z}/{x}/{y}.mvt").content)
    options = ["-oo", f"X={x}", "-oo", f"Y={y}", "-oo", f"Z={Z}"]
    out = subprocess.run(
        ["ogrinfo", "-ro", "-al", "-q", *options, str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    read = {code: shapely.from_wkt(wkt) for code, wkt in _OGR_FEATURE.findall(out)}
    expected = expected_small_grids(x, y)
    assert sorted(read) == sorted(expected)
    assert out.count("OGRFeature(grids_small)") == len(expected)
    for code, geometry in read.items():
        assert geometry.hausdorff_distance(expected[code]) <= 1.5 * _unit_m(x, y), code


def test_a_tile_away_from_the_city_is_empty(client: TestClient) -> None:
    response = client.get("/api/tiles/grids_small/12/0/0.mvt")
    assert response.status_code == 200 and response.content == b""
    assert mapbox_vector_tile.decode(response.content) == {}


def test_grid_tiles_are_cached_tagged_and_rebuilt_after_an_import(
    city_context: AppContext, client: TestClient
) -> None:
    x, y = CITY_TILES[0]
    url = f"/api/tiles/grids_small/{Z}/{x}/{y}.mvt"
    first = client.get(url, headers={"Accept-Encoding": "identity"})
    etag = first.headers["etag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    with client.stream("GET", url, headers={"Accept-Encoding": "gzip"}) as raw:
        assert raw.headers["content-encoding"] == "gzip"
    small = mini_city()["small"]
    small["name"] = "改名网格"
    with city_context.db.write_session() as session:
        replace_level(session, small, level="small")
    after = client.get(url, headers={"If-None-Match": etag})
    assert after.status_code == 200 and after.headers["etag"] != etag
    names = {
        f["properties"]["name"]
        for f in mapbox_vector_tile.decode(after.content)["grids_small"]["features"]
    }
    assert names == {"改名网格"}


@pytest.mark.parametrize("layer", ["grids_large", "grids_medium"])
def test_every_grid_level_has_tiles(client: TestClient, layer: str) -> None:
    level = layer.removeprefix("grids_")
    x, y = CITY_TILES[1]
    body = client.get(f"/api/tiles/{layer}/{Z}/{x}/{y}.mvt").content
    codes = {f["properties"]["code"] for f in mapbox_vector_tile.decode(body)[layer]["features"]}
    box = shapely.box(*tile_lonlat_bounds(Z, x, y))
    grids = mini_city()[level]
    assert codes == {
        c for c, g in zip(grids["code"], grids.geometry, strict=True) if g.intersects(box)
    }


BAD_TILES = [
    ("/api/tiles/grids_small/12/4096/1781.mvt", 422, "path.x"),
    ("/api/tiles/grids_small/1/0/2.mvt", 422, "path.y"),
    ("/api/tiles/grids_small/23/0/0.mvt", 422, "path.z"),
    ("/api/tiles/grids_small/-1/0/0.mvt", 422, "path.z"),
    ("/api/tiles/grids_small/12/a/0.mvt", 422, "path.x"),
    ("/api/tiles/grids_tiny/12/0/0.mvt", 422, "path.layer"),
    ("/api/tiles/grids_small/12/0/0.mvt?bbox=1,2,3,4", 422, "query.bbox"),
]


@pytest.mark.parametrize(("url", "status", "field"), BAD_TILES)
def test_a_bad_tile_address_is_refused_with_its_field(
    client: TestClient, url: str, status: int, field: str
) -> None:
    response = client.get(url)
    assert response.status_code == status, response.text
    body = response.json()
    assert body["field"] == field and body["detail"]


def _case_tile(client: TestClient, headers: dict[str, str], query: str = "") -> dict[int, Any]:
    x, y = CITY_TILES[1]
    response = client.get(f"/api/tiles/incidents/{Z}/{x}/{y}.mvt{query}", headers=headers)
    assert response.status_code == 200, response.text
    layers = mapbox_vector_tile.decode(response.content)
    return {f["id"]: f for f in layers.get("incidents", {}).get("features", [])}


def test_a_case_tile_holds_what_the_caller_may_see_and_nothing_personal(
    client: TestClient,
) -> None:
    dispatcher = login(client, "dispatcher")
    worker = login(client, "gridworker_441502001001")
    own_grid = report(client, worker, small="44150200100102")["id"]
    other_grid = report(client, dispatcher, small="44150200100202")["id"]
    act(client, dispatcher, other_grid, "accept")
    act(client, dispatcher, other_grid, "dispatch", unit="xfj")
    seen = _case_tile(client, dispatcher)
    assert set(seen) == {own_grid, other_grid}
    for feature in seen.values():
        assert feature["geometry"]["type"] == "Point"
        assert set(feature["properties"]) <= {"status", "light", "category"}
        assert {"status", "category"} <= set(feature["properties"])
    assert seen[other_grid]["properties"] == {
        "status": "dispatched",
        "light": "green",
        "category": "0201",
    }
    assert set(_case_tile(client, worker)) == {own_grid}
    assert set(_case_tile(client, login(client, "officer_xfj"))) == {other_grid}
    assert _case_tile(client, login(client, "officer_zjj")) == {}
    assert set(_case_tile(client, dispatcher, "?status=reported")) == {own_grid}
    assert _case_tile(client, dispatcher, "?bbox=100,10,101,11") == {}
    west_of_the_case = "?bbox=115.3,22.7,115.31,22.9"
    assert _case_tile(client, dispatcher, west_of_the_case) == {}
    assert set(_case_tile(client, dispatcher, "?bbox=115.31,22.7,115.34,22.9")) == {
        own_grid,
        other_grid,
    }
    listed = client.get("/api/incidents", headers=login(client, "screen")).json()["items"]
    assert set(_case_tile(client, login(client, "screen"))) == {c["id"] for c in listed}


def test_a_case_tile_needs_a_token(client: TestClient) -> None:
    x, y = CITY_TILES[0]
    response = client.get(f"/api/tiles/incidents/{Z}/{x}/{y}.mvt")
    assert response.status_code == 401 and response.json()["error"] == "unauthorized"


def test_a_map_brings_the_case_tiles_token_in_the_query(client: TestClient) -> None:
    """A map's tile requests send no headers: ``access_token`` is taken, as on the feed."""
    dispatcher = login(client, "dispatcher")
    case = report(client, login(client, "gridworker_441502001001"), small="44150200100102")
    token = dispatcher["Authorization"].removeprefix("Bearer ")
    assert set(_case_tile(client, {}, f"?status=reported&access_token={token}")) == {case["id"]}
    x, y = CITY_TILES[1]
    wrong = client.get(f"/api/tiles/incidents/{Z}/{x}/{y}.mvt?access_token=not-a-token")
    assert wrong.status_code == 401


def test_the_tile_index_says_when_to_switch_to_tiles(city_context: AppContext) -> None:
    settings = city_context.settings.model_copy(update={"tiles_above_features": 10})
    with TestClient(create_app(settings, dashboard=False)) as client:
        index = client.get("/api/tiles").json()
    assert index["tiles_above_features"] == 10
    layers = {layer["id"]: layer for layer in index["layers"]}
    assert layers["grids_small"]["features"] == 16 and layers["grids_small"]["use_tiles"]
    assert layers["grids_medium"]["features"] == 4 and not layers["grids_medium"]["use_tiles"]
    assert layers["incidents"]["features"] is None
    assert layers["grids_small"]["tiles"] == [
        "http://testserver/api/tiles/grids_small/{z}/{x}/{y}.mvt"
    ]


def test_the_openapi_document_names_the_tile_media_type(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/tiles/{layer}/{z}/{x}/{y}.mvt", "/api/tiles/incidents/{z}/{x}/{y}.mvt"):
        content = paths[path]["get"]["responses"]["200"]["content"]
        assert list(content) == ["application/vnd.mapbox-vector-tile"], path
