"""The analyst map over a real server whose small grids are drawn from tiles (no browser).

The mini city (2 large, 4 medium, 16 small grids) served with ``tiles_above_features=5``:
the view never reads the small grids whole, colours the ones inside the selection and
draws the others from ``/api/tiles/grids_small``; the large and medium levels stay GeoJSON.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from api.context import AppContext
from dashboard import analysis_panels as panels
from dashboard.analysis_state import AnalysisView
from dashboard.client import ApiClient
from tests.city import install_mini_city
from tests.conftest import store_settings
from tests.driver import login, report
from tests.server import running_server

MEDIUM = "441502001001"
SMALLS = [f"{MEDIUM}0{n}" for n in range(1, 5)]


@pytest.fixture(scope="module")
def analyst(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiClient]:
    """The analyst's client to the mini city served with a low tile threshold."""
    settings = store_settings("sqlite", Path(tmp_path_factory.mktemp("analysis-tiles")))
    context = AppContext.build(settings.model_copy(update={"tiles_above_features": 5}))
    context.db.upgrade()
    install_mini_city(context)
    try:
        with running_server(create_app(context.settings, dashboard=False)) as base:
            with httpx.Client(base_url=base, timeout=30) as http:
                report(http, login(http, "gridworker_441502001001"), small=SMALLS[1])
                token = login(http, "analyst")["Authorization"].removeprefix("Bearer ")
            yield ApiClient(base, token)
    finally:
        context.db.dispose()


def _drawn(client: ApiClient, grid: str) -> tuple[panels.Place, list[object]]:
    view = AnalysisView(grid=grid, measure="count")
    place = panels.place_of(client, view)
    return place, panels.map_panel(client, view, place, "zh")


def test_inside_a_medium_grid_its_small_grids_are_coloured_and_the_rest_are_tiles(
    analyst: ApiClient,
) -> None:
    place, (figure, title, note, rows) = _drawn(analyst, MEDIUM)
    assert place.level == "small" and place.tiles.tiled == {"small"}
    assert [node.code for node in place.chain] == ["441502001", MEDIUM]
    assert sorted(f["properties"]["code"] for f in place.shown["features"]) == SMALLS
    coloured = figure.data[0]
    assert set(coloured.locations) <= set(SMALLS) and SMALLS[1] in coloured.locations
    assert len(figure.data[0].geojson["features"]) == 4, "only the selection as GeoJSON"
    layers = figure.layout.map.layers
    assert [(layer.type, layer.sourcelayer) for layer in layers] == [
        ("fill", "grids_small"),
        ("line", "grids_small"),
    ]
    assert layers[0].source[0].endswith("/api/tiles/grids_small/{z}/{x}/{y}.mvt")
    assert "小网格 16 个 > 5" in note and title.startswith("小网格")
    assert figure.data[2].geojson["features"][0]["properties"]["code"] == MEDIUM


def test_a_tiled_small_grid_is_found_by_its_code_with_its_parents(analyst: ApiClient) -> None:
    place, (figure, *_rest) = _drawn(analyst, SMALLS[1])
    assert [node.code for node in place.chain] == ["441502001", MEDIUM, SMALLS[1]]
    assert [f["properties"]["code"] for f in figure.data[0].geojson["features"]] == [SMALLS[1]]
    place, _ = _drawn(analyst, "44150200100199")
    assert place.chain == [] and place.level == "large", "an unknown grid shows the city"


def test_the_city_and_the_large_grids_stay_geojson(analyst: ApiClient) -> None:
    for grid, level in (("", "large"), ("441502001", "medium")):
        place, (figure, _title, note, _rows) = _drawn(analyst, grid)
        assert place.level == level and place.shown is None
        assert not figure.layout.map.layers and "矢量瓦片" not in note
