"""The aggregated map of GET /api/incidents: counts per cluster (zoom-sized cells), both stores."""

from __future__ import annotations

import math

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.cases.aggregates import CELLS_PER_TILE, cluster_grid
from api.context import AppContext
from tests.driver import login, report

# Four WGS84 points in the mini city (115.30–115.38 E, 22.76–22.80 N). At zoom 12 a cell
# is 360 / (2**12 * 4) = 0.02197265625°, so the cells are floor(lon / size), floor(lat / size):
A1, A2 = (115.301, 22.761), (115.306, 22.7605)  # (5247, 1035) both: 1035 * size = 22.7417…
B = (115.345, 22.775)  # (5249, 1036)
C = (115.375, 22.795)  # (5250, 1037)
SIZE_12 = 0.02197265625


def _report_at(client: TestClient, headers: dict[str, str], point: tuple[float, float]) -> None:
    report(client, headers, lon=point[0], lat=point[1], crs="wgs84")


def _clusters(body: dict) -> dict[tuple[int, int], tuple[int, list[float]]]:
    """Cell index (from the cell's south-west corner) → count and the cluster's point."""
    size = body["cell_deg"]
    return {
        (round(f["properties"]["cell"][0] / size), round(f["properties"]["cell"][1] / size)): (
            f["properties"]["count"],
            f["geometry"]["coordinates"],
        )
        for f in body["features"]
    }


def test_the_cell_size_follows_the_zoom_and_coarsens_to_the_cap() -> None:
    city = (115.30, 22.76, 115.38, 22.80)
    assert cluster_grid(12, city, 100).size == pytest.approx(SIZE_12)
    assert SIZE_12 == 360 / (2**12 * CELLS_PER_TILE)
    # zoom 12 over the city: x cells 5247..5251 (5), y cells 1035..1037 (3) = 15 cells
    assert cluster_grid(12, city, 15).zoom == 12
    # 14 allowed: zoom 11 (cells of 0.0439°) holds 3 × 2 = 6; zoom 9 the first with 2 or fewer
    assert cluster_grid(12, city, 14).zoom == 11
    assert cluster_grid(12, city, 2).zoom == 9
    # a zoom past the last is the last (zoom 22: 3,729 × 1,866 = 6,958,314 cells over the city)
    assert cluster_grid(30, city, 6_000_000).zoom == 21
    assert cluster_grid(30, city, 10**8).zoom == 22


def test_clusters_count_the_filtered_cases_per_cell(client: TestClient) -> None:
    dispatcher = login(client, "dispatcher")
    for point in (A1, A2, B, C):
        _report_at(client, dispatcher, point)
    response = client.get(
        "/api/incidents",
        params={"format": "geojson", "aggregate": "cluster", "zoom": 12},
        headers=dispatcher,
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/geo+json"
    body = response.json()
    assert body["aggregated"] is True and body["aggregate"] == "cluster"
    assert body["zoom"] == 12 and body["cell_deg"] == pytest.approx(SIZE_12)
    assert body["numberMatched"] == 4
    clusters = _clusters(body)
    assert set(clusters) == {(5247, 1035), (5249, 1036), (5250, 1037)}
    count, point = clusters[(5247, 1035)]
    assert count == 2
    assert point == pytest.approx([(A1[0] + A2[0]) / 2, (A1[1] + A2[1]) / 2], abs=2e-6)
    assert clusters[(5249, 1036)][0] == 1
    assert clusters[(5249, 1036)][1] == pytest.approx(list(B), abs=2e-6)
    for feature in body["features"]:
        minx, miny, maxx, maxy = feature["properties"]["cell"]
        assert maxx - minx == pytest.approx(SIZE_12) and maxy - miny == pytest.approx(SIZE_12)
        lon, lat = feature["geometry"]["coordinates"]
        assert minx <= lon < maxx and miny <= lat < maxy

    # the one filter path: a bbox around B and C only
    west = math.floor(B[0] / SIZE_12) * SIZE_12
    narrowed = client.get(
        "/api/incidents",
        params={
            "format": "geojson",
            "aggregate": "cluster",
            "zoom": 12,
            "bbox": f"{west},22.77,115.38,22.80",
        },
        headers=dispatcher,
    ).json()
    assert _clusters(narrowed).keys() == {(5249, 1036), (5250, 1037)}
    assert narrowed["numberMatched"] == 2


def test_a_map_over_the_cap_with_a_zoom_gets_at_most_cap_clusters(
    city_context: AppContext,
) -> None:
    settings = city_context.settings.model_copy(update={"map_points_max": 2})
    with TestClient(create_app(settings, dashboard=False)) as client:
        dispatcher = login(client, "dispatcher")
        for point in (A1, A2, B, C):
            _report_at(client, dispatcher, point)
        body = client.get(
            "/api/incidents", params={"format": "geojson", "zoom": 12}, headers=dispatcher
        ).json()
        # over the cap of 2: the zoom drops to 9 (cells of 0.17578125°, two over the city):
        # A1, A2 lie in x cell floor(115.301 / 0.17578125) = 655, B and C in 656
        assert body["aggregate"] == "cluster" and body["zoom"] == 9
        assert len(body["features"]) <= 2
        assert {k: v[0] for k, v in _clusters(body).items()} == {(655, 129): 2, (656, 129): 2}
        points = client.get(
            "/api/incidents",
            params={"format": "geojson", "zoom": 12, "limit": 2},
            headers=dispatcher,
        ).json()
        assert "aggregated" not in points and len(points["features"]) == 2
        assert points["numberMatched"] == 4
