"""Tests for the synthetic 汕尾 grid hierarchy (geo.demo_city)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo.demo_city import (
    DISTRICT_ADCODES,
    LARGE_COUNT,
    MEDIUM_COUNT,
    SMALL_COUNT,
    DemoCity,
    build_demo_city,
    largest_remainder,
    load_districts,
)

BOUNDARIES = Path(__file__).resolve().parents[2] / "data" / "shanwei"
EQUAL_AREA = "EPSG:6933"
CODE_WIDTH = {"large": 9, "medium": 12, "small": 14}
CHILD_OF = {"large": "districts", "medium": "large", "small": "medium"}


@pytest.fixture(scope="module")
def progress_log() -> list[tuple[str, float]]:
    return []


@pytest.fixture(scope="module")
def city(progress_log: list[tuple[str, float]]) -> DemoCity:
    return build_demo_city(BOUNDARIES, seed=2026, progress=lambda m, f: progress_log.append((m, f)))


def _area_layer(frame: gpd.GeoDataFrame) -> np.ndarray:
    return np.asarray(frame.to_crs(EQUAL_AREA).geometry.values)


def _fingerprint(city: DemoCity) -> str:
    digest = hashlib.sha256()
    for frame in (city.districts, city.large, city.medium, city.small):
        for wkb in shapely.to_wkb(np.asarray(frame.geometry.values)):
            digest.update(wkb)
        cols = ["code", "name", "parent_code", "households", "population", "staff"]
        digest.update(frame[cols].to_json(force_ascii=False).encode())
    return digest.hexdigest()


# --------------------------------------------------------------- largest remainder


@pytest.mark.parametrize(
    ("total", "weights", "expected"),
    [
        (10, [1, 1, 1], [4, 3, 3]),
        (56, [463, 1800, 987, 1757], [5, 20, 11, 20]),
        (5, [1000, 1, 1], [3, 1, 1]),  # the minimum of one each is taken from the largest
        (7, [0, 0, 1], [1, 1, 5]),
    ],
)
def test_largest_remainder(total: int, weights: list[float], expected: list[int]) -> None:
    got = largest_remainder(total, weights)
    assert got.tolist() == expected
    assert got.sum() == total


def test_largest_remainder_maximum() -> None:
    got = largest_remainder(20, [100, 1, 1, 1], maximum=8)
    assert got.sum() == 20
    assert got.max() <= 8
    assert got.min() >= 1


@pytest.mark.parametrize(
    ("total", "weights", "kwargs"),
    [(2, [1, 1, 1], {}), (10, [0, 0], {}), (10, [1, 1], {"maximum": 4}), (3, [], {})],
)
def test_largest_remainder_rejects(total: int, weights: list[float], kwargs: dict) -> None:
    with pytest.raises(ValueError):
        largest_remainder(total, weights, **kwargs)


# --------------------------------------------------------------- districts


def test_districts_are_mainland_coverage() -> None:
    districts = load_districts(BOUNDARIES)
    assert list(districts) == list(DISTRICT_ADCODES)
    geoms = np.array(list(districts.values()), dtype=object)
    assert shapely.is_valid(geoms).all()
    assert shapely.coverage_is_valid(geoms)
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    assert ymin > 22.5 and ymax < 23.6, "offshore islets must be dropped"
    assert 114.8 < xmin and xmax < 116.3
    # Pairwise overlap is nil.
    projected = gpd.GeoSeries(geoms, crs="EPSG:4326").to_crs(EQUAL_AREA).values
    for i in range(4):
        for j in range(i + 1, 4):
            assert shapely.intersection(projected[i], projected[j]).area < 1.0  # m²


# --------------------------------------------------------------- full build


@pytest.mark.slow
def test_counts(city: DemoCity) -> None:
    assert len(city.districts) == 4
    assert len(city.large) == LARGE_COUNT == 56
    assert len(city.medium) == MEDIUM_COUNT == 868
    assert len(city.small) == SMALL_COUNT == 4555
    assert city.district_names["441502"] == "城区"
    assert city.large.groupby("parent_code").size().to_dict() == {
        "441502": 5,
        "441521": 20,
        "441523": 11,
        "441581": 20,
    }


@pytest.mark.slow
@pytest.mark.parametrize("level", ["district", "large", "medium", "small"])
def test_layer_schema_and_validity(city: DemoCity, level: str) -> None:
    frame = city.layer(level)
    assert frame.crs is not None and frame.crs.to_epsg() == 4326
    assert list(frame.columns) == [
        "code",
        "name",
        "level",
        "parent_code",
        "staff",
        "households",
        "population",
        "geometry",
    ]
    assert (frame["level"] == level).all()
    geoms = np.asarray(frame.geometry.values)
    assert (shapely.get_type_id(geoms) == 6).all(), "all MultiPolygon"
    assert shapely.is_valid(geoms).all()
    assert not shapely.is_empty(geoms).any()
    assert shapely.coverage_is_valid(geoms), "neighbours must share edges vertex for vertex"
    assert frame["code"].is_unique
    assert frame["code"].is_monotonic_increasing


@pytest.mark.slow
def test_unknown_layer(city: DemoCity) -> None:
    with pytest.raises(ValueError, match="unknown grid level"):
        city.layer("huge")


@pytest.mark.slow
@pytest.mark.parametrize("level", ["large", "medium", "small"])
def test_codes_are_hierarchical(city: DemoCity, level: str) -> None:
    frame = city.layer(level)
    parents = getattr(city, CHILD_OF[level])
    assert frame["code"].str.fullmatch(rf"\d{{{CODE_WIDTH[level]}}}").all()
    assert frame["parent_code"].isin(set(parents["code"])).all()
    assert all(c.startswith(p) for c, p in zip(frame["code"], frame["parent_code"], strict=True))
    # Sequences start at 1 within each parent and have no holes.
    width = 2 if level == "small" else 3
    seq = frame["code"].str[-width:].astype(int)
    for _, group in seq.groupby(frame["parent_code"]):
        assert sorted(group) == list(range(1, len(group) + 1))


@pytest.mark.slow
@pytest.mark.parametrize("level", ["large", "medium", "small"])
def test_children_inside_parent(city: DemoCity, level: str) -> None:
    frame = city.layer(level)
    parents = getattr(city, CHILD_OF[level]).set_index("code")
    child = _area_layer(frame)
    parent = np.asarray(
        parents.loc[frame["parent_code"]].set_crs("EPSG:4326").to_crs(EQUAL_AREA).geometry.values
    )
    ratio = shapely.area(shapely.intersection(child, parent)) / shapely.area(child)
    assert ratio.min() >= 0.999


@pytest.mark.slow
@pytest.mark.parametrize("level", ["district", "large", "medium", "small"])
def test_no_overlaps(city: DemoCity, level: str) -> None:
    geoms = _area_layer(city.layer(level))
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    overlap = shapely.area(shapely.intersection(geoms[left], geoms[right]))
    area = shapely.area(geoms)
    per_polygon = np.bincount(left, overlap, len(geoms)) + np.bincount(right, overlap, len(geoms))
    assert (per_polygon / area).max() < 0.001


@pytest.mark.slow
@pytest.mark.parametrize("level", ["large", "medium", "small"])
def test_children_cover_parents(city: DemoCity, level: str) -> None:
    parents = shapely.coverage_union_all(_area_layer(getattr(city, CHILD_OF[level])))
    children = shapely.coverage_union_all(_area_layer(city.layer(level)))
    gap = shapely.difference(parents, children).area
    spill = shapely.difference(children, parents).area
    assert gap / parents.area < 0.001
    assert spill / parents.area < 0.001


@pytest.mark.slow
def test_names(city: DemoCity) -> None:
    assert city.large["name"].is_unique
    assert city.large["name"].str.fullmatch(r".+(镇|街道|乡)").all()
    assert "香洲街道" in set(city.large["name"])
    assert city.large.set_index("code").loc["441502001", "name"] == "香洲街道"
    assert city.medium["name"].str.fullmatch(r".+(村|社区)").all()
    assert not city.medium.duplicated(["parent_code", "name"]).any()
    assert city.small["name"].str.fullmatch(r"第\d+网格").all()
    assert not city.small.duplicated(["parent_code", "name"]).any()


@pytest.mark.slow
def test_staff_and_households(city: DemoCity) -> None:
    for staff in city.small["staff"]:
        assert set(staff) == {"网格员", "网格长", "指导员", "邻长"}
        assert isinstance(staff["邻长"], list) and staff["邻长"]
        assert all(2 <= len(n) <= 3 for n in [staff["网格员"], *staff["邻长"]])
    assert all(set(s) == {"网格长", "指导员"} for s in city.medium["staff"])
    assert all(set(s) == {"负责人"} for s in city.large["staff"])
    assert city.small["households"].between(160, 220).all()
    assert 185 <= city.small["households"].mean() <= 195, "about 190 per small grid"
    ratio = city.small["population"] / city.small["households"]
    assert ratio.between(2.85, 3.35).all()
    assert 2.5e6 < city.small["population"].sum() < 2.9e6, "汕尾 has about 2.7 million people"
    for level in ("medium", "large", "district"):
        frame = city.layer(level)
        child_level = {"medium": "small", "large": "medium", "district": "large"}[level]
        sums = city.layer(child_level).groupby("parent_code")[["households", "population"]].sum()
        indexed = frame.set_index("code")
        assert (indexed["households"] == sums["households"].loc[indexed.index]).all()
        assert (indexed["population"] == sums["population"].loc[indexed.index]).all()


@pytest.mark.slow
def test_denser_areas_get_smaller_cells(city: DemoCity) -> None:
    small_area = city.small.to_crs(EQUAL_AREA).area
    per_medium = city.small.assign(area=small_area.values).groupby("parent_code")
    counts = per_medium.size()
    mean_area = per_medium["area"].mean()
    # Media with many small grids have smaller small grids.
    assert mean_area[counts >= counts.quantile(0.75)].median() < mean_area[counts <= 3].median()


@pytest.mark.slow
def test_progress_reported(city: DemoCity, progress_log: list[tuple[str, float]]) -> None:
    fractions = [f for _, f in progress_log]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert fractions == sorted(fractions)


@pytest.mark.slow
def test_deterministic(city: DemoCity) -> None:
    again = build_demo_city(BOUNDARIES, seed=2026)
    assert _fingerprint(again) == _fingerprint(city)
