"""Tests for display simplification (geo.display)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo.demo_city import load_districts
from geo.display import (
    TOLERANCES_M,
    display_geometries,
    geometry_size_bytes,
    metres_to_degrees,
)
from geo.distance import METRES_PER_DEGREE

BOUNDARIES = Path(__file__).resolve().parents[2] / "data" / "shanwei"
EQUAL_AREA = "EPSG:6933"


def _wiggly_coverage(seed: int = 3, n_lines: int = 14) -> np.ndarray:
    """A polygon coverage with many vertices: noisy lines across a box, noded, polygonised."""
    rng = np.random.default_rng(seed)
    x0, y0, size = 115.3, 22.8, 0.1
    lines = [shapely.box(x0, y0, x0 + size, y0 + size).boundary]
    for _ in range(n_lines):
        t = np.linspace(-0.1, 1.1, 200)
        if rng.random() < 0.5:
            ys = y0 + size * (rng.uniform(0.1, 0.9) + np.cumsum(rng.normal(0, 0.006, t.size)))
            coords = np.column_stack((x0 + size * t, ys))
        else:
            xs = x0 + size * (rng.uniform(0.1, 0.9) + np.cumsum(rng.normal(0, 0.006, t.size)))
            coords = np.column_stack((xs, y0 + size * t))
        lines.append(shapely.LineString(coords))
    noded = shapely.union_all(lines)
    faces = np.asarray(shapely.get_parts(shapely.polygonize(shapely.get_parts(noded))))
    box = shapely.box(x0, y0, x0 + size, y0 + size)
    faces = faces[shapely.within(shapely.point_on_surface(faces), box)]
    return np.array([shapely.MultiPolygon([f]) for f in faces], dtype=object)


@pytest.fixture(scope="module")
def districts() -> gpd.GeoSeries:
    return gpd.GeoSeries(list(load_districts(BOUNDARIES).values()), crs="EPSG:4326")


@pytest.fixture(scope="module")
def wiggly() -> np.ndarray:
    layer = _wiggly_coverage()
    assert shapely.coverage_is_valid(layer)
    assert len(layer) > 50
    return layer


def _projected(geoms: np.ndarray) -> np.ndarray:
    return np.asarray(gpd.GeoSeries(geoms, crs="EPSG:4326").to_crs(EQUAL_AREA).values)


def _pairwise_overlap(geoms: np.ndarray) -> float:
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = left < right
    return float(shapely.area(shapely.intersection(geoms[left[keep]], geoms[right[keep]])).sum())


@pytest.mark.parametrize(
    ("layer", "level"), [("districts", "district"), ("wiggly", "small"), ("wiggly", "medium")]
)
def test_bands_stay_a_coverage(request: pytest.FixtureRequest, layer: str, level: str) -> None:
    exact = np.asarray(request.getfixturevalue(layer), dtype=object)
    bands = display_geometries(exact, level=level)
    assert set(bands) == set(TOLERANCES_M[level]) == {"overview", "detail"}
    exact_m = _projected(exact)
    exact_union = shapely.coverage_union_all(exact_m)
    for band, simplified in bands.items():
        assert len(simplified) == len(exact)
        assert (shapely.get_type_id(simplified) == 6).all(), band
        assert shapely.is_valid(simplified).all(), band
        assert not shapely.is_empty(simplified).any(), band
        assert shapely.coverage_is_valid(simplified), f"{band}: neighbours no longer share edges"
        simple_m = _projected(simplified)
        # No overlap created between neighbours (beyond floating-point dust).
        assert _pairwise_overlap(simple_m) < 1e-6 * exact_union.area
        # Together they still cover the same area: no gaps opened, outline moved only a bit.
        simple_union = shapely.union_all(simple_m)
        tol = TOLERANCES_M[level][band]
        moved = shapely.symmetric_difference(exact_union, simple_union).area
        assert moved < tol * exact_union.length, band
        assert abs(shapely.area(simple_m).sum() - simple_union.area) < 1e-6 * simple_union.area


@pytest.mark.parametrize("level", ["district", "small"])
def test_sizes_shrink(request: pytest.FixtureRequest, level: str) -> None:
    exact = np.asarray(
        request.getfixturevalue("districts" if level == "district" else "wiggly"), dtype=object
    )
    bands = display_geometries(exact, level=level)
    for fmt in ("geojson", "wkb"):
        full = geometry_size_bytes(exact, fmt=fmt)
        detail = geometry_size_bytes(bands["detail"], fmt=fmt)
        overview = geometry_size_bytes(bands["overview"], fmt=fmt)
        assert overview < detail < full, fmt
    assert geometry_size_bytes(bands["overview"]) < 0.5 * geometry_size_bytes(exact)


def test_geoseries_input_and_tolerance_override(districts: gpd.GeoSeries) -> None:
    bands = display_geometries(districts, level="district", tolerances={"coarse": 2000.0})
    assert list(bands) == ["coarse"]
    assert (
        shapely.get_num_coordinates(bands["coarse"]).sum()
        < 0.2 * shapely.get_num_coordinates(np.asarray(districts.values)).sum()
    )


def test_never_empty_with_huge_tolerance(wiggly: np.ndarray) -> None:
    bands = display_geometries(wiggly, level="small", tolerances={"huge": 50_000.0})
    huge = bands["huge"]
    assert not shapely.is_empty(huge).any()
    assert shapely.is_valid(huge).all()
    assert (shapely.get_type_id(huge) == 6).all()


def test_missing_geometries_stay_missing(wiggly: np.ndarray) -> None:
    layer = np.concatenate([wiggly[:5], [None]])
    bands = display_geometries(layer, level="medium")
    for simplified in bands.values():
        assert simplified[-1] is None
        assert all(g is not None for g in simplified[:-1])


def test_overlapping_input_is_cleaned_first() -> None:
    boxes = np.array(
        [shapely.box(115.0, 22.0, 115.011, 22.01), shapely.box(115.01, 22.0, 115.02, 22.01)],
        dtype=object,
    )
    bands = display_geometries(boxes, level="small")
    for simplified in bands.values():
        assert shapely.area(shapely.intersection(simplified[0], simplified[1])) < 1e-12
        assert shapely.is_valid(simplified).all()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"level": "huge"}, "unknown grid level"),
        ({"level": "small", "tolerances": {"x": -1}}, "non-negative"),
    ],
)
def test_bad_arguments(wiggly: np.ndarray, kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        display_geometries(wiggly, **kwargs)


def test_projected_geoseries_rejected(districts: gpd.GeoSeries) -> None:
    with pytest.raises(ValueError, match="longitude/latitude"):
        display_geometries(districts.to_crs(EQUAL_AREA), level="district")


@pytest.mark.parametrize(
    ("metres", "latitude", "expected"),
    [
        (METRES_PER_DEGREE / 1000, 0.0, 0.001),
        (0.0, 23.0, 0.0),
        (METRES_PER_DEGREE / 1000, 60.0, 0.001 / np.sqrt(0.5)),
    ],
)
def test_metres_to_degrees(metres: float, latitude: float, expected: float) -> None:
    assert metres_to_degrees(metres, latitude) == pytest.approx(expected)


def test_geometry_size_bytes() -> None:
    square = shapely.box(115.123456789, 22.1, 115.2, 22.2)
    assert geometry_size_bytes([square], fmt="wkb") == 1 + 4 + 4 + 4 + 5 * 16
    assert geometry_size_bytes([square, None], fmt="wkb") == 93
    assert geometry_size_bytes([]) == 0
    rounded = geometry_size_bytes([square], precision=6)
    full = geometry_size_bytes([square], precision=None)
    assert rounded == len(shapely.to_geojson(shapely.box(115.123457, 22.1, 115.2, 22.2)))
    assert rounded < full
    with pytest.raises(ValueError, match="unknown format"):
        geometry_size_bytes([square], fmt="kml")  # type: ignore[arg-type]
