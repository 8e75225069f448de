"""The maps' switch to vector tiles, as plain functions: the index, the layers, the patches."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from dashboard import figures, live, map_tiles, theme
from dashboard.geodata import tile_index_of

ROOT = "http://127.0.0.1:8931/api/tiles"
TEMPLATE = ROOT + "/incidents/{z}/{x}/{y}.mvt"


def _index(large: int, medium: int, small: int, above: int) -> dict[str, object]:
    layers: list[dict[str, object]] = [
        {
            "id": f"grids_{level}",
            "features": count,
            "use_tiles": count > above,
            "tiles": [f"{ROOT}/grids_{level}/{{z}}/{{x}}/{{y}}.mvt"],
        }
        for level, count in (("large", large), ("medium", medium), ("small", small))
    ]
    layers.append({"id": "incidents", "features": None, "use_tiles": None, "tiles": [TEMPLATE]})
    return {"tiles_above_features": above, "basemap": None, "layers": layers}


@pytest.mark.parametrize(
    ("sizes", "above", "tiled", "coloured"),
    [
        ((56, 868, 4555), 10_000, set(), "small"),  # 汕尾: everything as GeoJSON
        ((2, 4, 16), 5, {"small"}, "medium"),  # the mini city with a low threshold
        ((120, 12_000, 100_000), 10_000, {"medium", "small"}, "large"),  # a province
        ((2, 4, 16), 1, {"large", "medium", "small"}, None),  # nothing left to colour
    ],
)
def test_the_colours_move_to_the_nearest_level_still_drawn_as_geojson(
    sizes: tuple[int, int, int], above: int, tiled: set[str], coloured: str | None
) -> None:
    index = tile_index_of(_index(*sizes, above=above))
    assert index.tiled == tiled
    assert index.coloured_level("small") == coloured
    assert index.features["small"] == sizes[2]
    assert index.grid_url("small") == f"{ROOT}/grids_small/{{z}}/{{x}}/{{y}}.mvt"
    assert index.urls["incidents"] == TEMPLATE


def test_cases_from_tiles_are_one_layer_per_status_in_its_colour() -> None:
    statuses = ["reported", "dispatched", "claimed"]
    layers = map_tiles.case_layers(
        TEMPLATE, token="tok/en+1", colour_by="status", statuses=statuses, version=42
    )
    assert [layer["color"] for layer in layers] == [theme.status_colour(s) for s in statuses]
    for layer, status in zip(layers, statuses, strict=True):
        assert layer["sourcetype"] == "vector" and layer["type"] == "circle"
        assert layer["sourcelayer"] == "incidents"
        url = layer["source"][0]
        assert url.startswith(ROOT + "/incidents/{z}/{x}/{y}.mvt?"), "placeholders unescaped"
        assert parse_qs(urlsplit(url).query) == {"status": [status], "access_token": ["tok/en+1"]}
        assert urlsplit(url).fragment == "v=42", "the version stays in the browser"


def test_cases_by_light_lie_over_a_grey_layer_of_every_open_case() -> None:
    layers = map_tiles.case_layers(
        TEMPLATE, token="t", colour_by="light", statuses=["reported", "claimed"]
    )
    colours = [layer["color"] for layer in layers]
    assert colours == [theme.OTHER] + [theme.light_colour(c) for c in ("green", "yellow", "red")]
    first, red = (parse_qs(urlsplit(layers[i]["source"][0]).query) for i in (0, -1))
    assert first["status"] == ["reported", "claimed"] and "light" not in first
    assert red["light"] == ["red"] and red["status"] == ["reported", "claimed"]


def test_the_grid_map_draws_tile_layers_over_its_traces_only_when_given() -> None:
    view = figures.MapView(115.32, 22.78, 11)
    plain = figures.grid_map(grids_geojson="/api/grids?level=small", areas=[], view=view)
    assert not plain.layout.map.layers, "the GeoJSON path has no tile layers"
    grid = map_tiles.grid_lines(f"{ROOT}/grids_small/{{z}}/{{x}}/{{y}}.mvt", "small", colour="#fff")
    cases = map_tiles.case_layers(TEMPLATE, token="t", colour_by="status", statuses=["reported"])
    tiled = figures.grid_map(
        grids_geojson="/api/grids?level=medium", areas=[], view=view, layers=[grid, *cases]
    )
    assert [trace.name for trace in tiled.data] == list(figures.MAP_TRACES)
    drawn = tiled.layout.map.layers
    assert [(layer.type, layer.sourcelayer) for layer in drawn] == [
        ("line", "grids_small"),
        ("circle", "incidents"),
    ]
    assert drawn[0].sourcetype == "vector" and list(drawn[0].source) == grid["source"]
    assert map_tiles.case_sources([grid, *cases]) == {"1": cases[0]["source"][0]}


def test_a_live_change_gives_the_case_layers_urls_of_a_new_version() -> None:
    url = map_tiles.versioned(map_tiles.tile_url(TEMPLATE, status="claimed", access_token="t"), 7)
    newer = map_tiles.versioned(url, 9)
    assert newer.endswith("/{z}/{x}/{y}.mvt?status=claimed&access_token=t#v=9")
    patch = live.patch_tiles({"2": url, "3": url}, 9)
    operations = patch.to_plotly_json()["operations"]
    assert [op["location"] for op in operations] == [
        ["layout", "map", "layers", 2, "source"],
        ["layout", "map", "layers", 3, "source"],
    ]
    assert operations[0]["params"]["value"] == [map_tiles.versioned(url, 9)]
