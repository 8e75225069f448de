"""Acceptance 1: the tools analysts use read /ogc unmodified from a real server.

GDAL's OAPIF driver (``ogrinfo`` / ``ogr2ogr`` of Debian's gdal-bin) lists the four
collections, reads every small grid with a valid geometry, and pages through the cases
returning each exactly once; OWSLib reads the collections and their items.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import shapely
from owslib.ogcapi.features import Features

from api.app import create_app
from api.context import AppContext
from tests.city import mini_city
from tests.driver import login, report
from tests.server import running_server

COLLECTION_IDS = ["grids_large", "grids_medium", "grids_small", "incidents"]


@pytest.fixture
def gdal() -> None:
    """Skip without gdal-bin, except in CI, where its absence is a missing install step."""
    if shutil.which("ogrinfo") is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("ogrinfo not found: .ci/run must install gdal-bin")
        pytest.skip("GDAL's ogrinfo is not installed (Debian package gdal-bin)")


@pytest.fixture
def server(city_context: AppContext) -> Iterator[str]:
    """The app over the mini city on a real uvicorn server."""
    settings = city_context.settings.model_copy(update={"supervise_every_s": 0})
    with running_server(create_app(settings, dashboard=False)) as base:
        yield base


def _gdal(*args: str, token: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GDAL_HTTP_TIMEOUT": "30"}
    if token:
        env["GDAL_HTTP_HEADERS"] = f"Authorization: Bearer {token}"
    result = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result


def _read(base: str, layer: str, out: Path, *options: str, token: str | None = None) -> dict:
    _gdal("ogr2ogr", "-f", "GeoJSON", str(out), f"OAPIF:{base}/ogc", layer, *options, token=token)
    return dict(json.loads(out.read_text()))


def test_gdal_lists_the_collections_and_reads_every_small_grid(
    gdal: None, server: str, tmp_path: Path
) -> None:
    listing = _gdal("ogrinfo", "-ro", "-q", f"OAPIF:{server}/ogc").stdout
    for collection_id in COLLECTION_IDS:
        assert f": {collection_id} " in listing, listing
    small = _read(server, "grids_small", tmp_path / "small.geojson", "-oo", "PAGE_SIZE=5")
    expected = mini_city()["small"]
    by_code = dict(zip(expected["code"], expected.geometry, strict=True))
    features = small["features"]
    assert sorted(f["properties"]["code"] for f in features) == sorted(by_code)
    for feature in features:
        geometry = shapely.from_geojson(json.dumps(feature["geometry"]))
        assert geometry.is_valid and geometry.geom_type == "MultiPolygon"
        assert geometry.equals_exact(by_code[feature["properties"]["code"]], tolerance=1e-6)


def test_gdal_pages_through_every_case_exactly_once(
    gdal: None, server: str, tmp_path: Path
) -> None:
    with httpx.Client(base_url=server) as http:
        dispatcher = login(http, "dispatcher")
        smalls = ("44150200100101", "44150200100202", "44150200200103", "44150200200204")
        case_nos = {report(http, dispatcher, small=smalls[i % 4])["case_no"] for i in range(11)}
        token = login(http, "analyst")["Authorization"].removeprefix("Bearer ")
    cases = _read(
        server, "incidents", tmp_path / "cases.geojson", "-oo", "PAGE_SIZE=3", token=token
    )
    read = [f["properties"]["case_no"] for f in cases["features"]]
    assert sorted(read) == sorted(case_nos) and len(read) == len(set(read)) == 11
    assert all(f["geometry"]["type"] == "Point" for f in cases["features"])


def test_owslib_reads_collections_and_items(server: str) -> None:
    api = Features(f"{server}/ogc")
    assert [c["id"] for c in api.collections()["collections"]] == COLLECTION_IDS
    assert (
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
        in (api.conformance()["conformsTo"])
    )
    assert api.collection("grids_large")["extent"]["spatial"]["bbox"][0][0] == 115.30
    items = api.collection_items("grids_medium", limit=2)
    assert items["numberMatched"] == 4 and len(items["features"]) == 2
    assert api.collection_item("grids_small", "44150200100101")["properties"]["name"] == "第1网格"
