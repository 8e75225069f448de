"""Synthetic reports (geo.synthetic): where, when and by whom, drawn reproducibly."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import geopandas as gpd
import numpy as np
import pytest
import shapely

from api.catalog import read_categories
from geo.crs import gcj02_to_wgs84
from geo.synthetic import SyntheticReport, generate_reports

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
SHANGHAI = ZoneInfo("Asia/Shanghai")
END = datetime(2026, 3, 2, 10, 30, tzinfo=SHANGHAI)  # a Monday morning
DAYS = 120


def _small_layer(n_cells: int = 200, seed: int = 5) -> gpd.GeoDataFrame:
    """Irregular small grids (Voronoi cells) in 城区, 汕尾, with households and staff."""
    rng = np.random.default_rng(seed)
    box = shapely.box(115.30, 22.75, 115.45, 22.85)
    pts = rng.uniform([115.30, 22.75], [115.45, 22.85], (n_cells, 2))
    cells = shapely.get_parts(
        shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=box, ordered=True)
    )
    cells = shapely.intersection(cells, box)
    codes = [f"441502001{i // 5 + 1:03d}{i % 5 + 1:02d}" for i in range(n_cells)]
    return gpd.GeoDataFrame(
        {
            "code": codes,
            "parent_code": [c[:12] for c in codes],
            "households": rng.integers(300, 501, n_cells),
            "staff": [{"网格员": f"网格员{i}"} for i in range(n_cells)],
        },
        geometry=[shapely.MultiPolygon([c]) for c in cells],
        crs="EPSG:4326",
    )


@pytest.fixture(scope="module")
def weights() -> dict[str, float]:
    """Category code to weight, for the 小类 of the shipped categories.csv."""
    return {c.code: c.weight for c in read_categories(DATA_DIR) if c.reportable}


@pytest.fixture(scope="module")
def small() -> gpd.GeoDataFrame:
    return _small_layer()


@pytest.fixture(scope="module")
def reports(small: gpd.GeoDataFrame, weights: dict[str, float]) -> list[SyntheticReport]:
    return generate_reports(small, weights, n=6000, days=DAYS, end=END, seed=11)


# --------------------------------------------------------------- the reports


def test_count_ids_and_order(reports: list[SyntheticReport]) -> None:
    assert len(reports) == 6000
    assert [i.external_id for i in reports] == [f"SYN-11-{k}" for k in range(6000)]
    times = [i.reported_at for i in reports]
    assert times == sorted(times)


def test_fields(reports: list[SyntheticReport], weights: dict[str, float]) -> None:
    for report in reports:
        assert report.category in weights
        assert report.crs == "gcj02"
        assert re.fullmatch(r"1[3-9]\d{9}", report.reporter_phone)
        assert 2 <= len(report.reporter_name) <= 3
        assert report.address is None or re.search(r"\d+号$", report.address)
        assert report.place
        assert report.address is None or report.address.startswith(report.place)
        assert report.medium_code == report.small_code[:12]
    assert 0.75 < sum(r.address is not None for r in reports) / len(reports) < 0.85


def test_grid_worker_from_the_layer_staff(
    reports: list[SyntheticReport], small: gpd.GeoDataFrame
) -> None:
    staff = dict(zip(small["code"], small["staff"], strict=True))
    assert all(r.grid_worker == staff[r.small_code]["网格员"] for r in reports)


def test_points_in_their_grid(reports: list[SyntheticReport], small: gpd.GeoDataFrame) -> None:
    by_code = dict(zip(small["code"], small.geometry.values, strict=True))
    geoms = np.array([by_code[i.small_code] for i in reports], dtype=object)
    lon = np.array([i.lon for i in reports])
    lat = np.array([i.lat for i in reports])
    w_lon, w_lat = gcj02_to_wgs84(lon, lat)
    assert shapely.contains_xy(geoms, w_lon, w_lat).all()
    # The reported coordinates really are GCJ-02: a few hundred metres off WGS84.
    offset_m = np.hypot((lon - w_lon) * 102_500, (lat - w_lat) * 110_800)
    assert 100 < offset_m.min() and offset_m.max() < 1000


def test_busier_grids_and_hot_spots(reports: list[SyntheticReport]) -> None:
    per_grid = Counter(i.small_code for i in reports)
    per_pair = Counter((i.small_code, i.category) for i in reports)
    typical = np.median(list(per_grid.values()))
    assert max(per_grid.values()) > 3 * typical
    assert max(per_pair.values()) >= 30, "a hot spot sees the same category again and again"


def test_report_times(reports: list[SyntheticReport]) -> None:
    times = [i.reported_at for i in reports]
    assert all(t.tzinfo is not None and t.utcoffset() == timedelta(hours=8) for t in times)
    assert min(times) >= END - timedelta(days=DAYS)
    assert max(times) <= END
    hours = Counter(t.hour for t in times)
    day = sum(hours[h] for h in range(8, 18))
    night = sum(hours[h] for h in (0, 1, 2, 3, 4, 5))
    assert day > 8 * night
    weekday = sum(1 for t in times if t.weekday() < 5) / 5
    weekend = sum(1 for t in times if t.weekday() >= 5) / 2
    assert weekend < 0.85 * weekday
    middle = END - timedelta(days=DAYS / 2)
    assert sum(t >= middle for t in times) > 1.05 * sum(t < middle for t in times)


# --------------------------------------------------------------- determinism, errors


def test_deterministic(small: gpd.GeoDataFrame, weights: dict[str, float]) -> None:
    a = generate_reports(small, weights, n=500, days=30, end=END, seed=3)
    b = generate_reports(small, weights, n=500, days=30, end=END, seed=3)
    c = generate_reports(small, weights, n=500, days=30, end=END, seed=4)
    assert [dataclasses.asdict(x) for x in a] == [dataclasses.asdict(x) for x in b]
    assert [x.lon for x in a] != [x.lon for x in c]


def test_place_names_and_projected_layer(
    small: gpd.GeoDataFrame, weights: dict[str, float]
) -> None:
    names = dict.fromkeys(small["parent_code"], "碧桂园社区")
    out = generate_reports(
        small.to_crs("EPSG:32650"), weights, n=200, days=10, end=END, place_names=names
    )
    assert all(i.address is None or i.address.startswith("碧桂园社区") for i in out)
    by_code = dict(zip(small["code"], small.geometry.values, strict=True))
    lon, lat = gcj02_to_wgs84([i.lon for i in out], [i.lat for i in out])
    geoms = np.array([by_code[i.small_code] for i in out], dtype=object)
    assert shapely.contains_xy(geoms, lon, lat).all()


def test_zero_and_minimal_layer(weights: dict[str, float]) -> None:
    bare = gpd.GeoDataFrame(
        {"code": ["44150200100101"]}, geometry=[shapely.box(115.3, 22.8, 115.31, 22.81)], crs=4326
    )
    assert generate_reports(bare, weights, n=0, days=1, end=END) == []
    out = generate_reports(bare, weights, n=20, days=1, end=END)
    assert len(out) == 20 and {i.small_code for i in out} == {"44150200100101"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"end": datetime(2026, 3, 1)}, "timezone-aware"),
        ({"n": -1}, "n must be"),
        ({"days": 0}, "days must be"),
        ({"category_weights": {}}, "category"),
        ({"category_weights": {"0201": 0.0}}, "not all zero"),
        ({"category_weights": {"0201": -1.0}}, "0 or more"),
    ],
)
def test_bad_arguments(
    small: gpd.GeoDataFrame, weights: dict[str, float], kwargs: dict, message: str
) -> None:
    args = {"category_weights": weights, "n": 10, "days": 5, "end": END} | kwargs
    with pytest.raises(ValueError, match=message):
        generate_reports(small, **args)
