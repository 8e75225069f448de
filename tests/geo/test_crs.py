"""Tests for geo.crs: GCJ-02 / BD-09 / EPSG conversions to WGS84."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import shapely
from pyproj import Geod, Transformer

from geo.crs import (
    SUPPORTED_POINT_CRS,
    UnsupportedCRSError,
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    geometry_gcj02_to_wgs84,
    geometry_to_wgs84,
    in_china,
    to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

GEOD = Geod(ellps="WGS84")


def distance_m(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Geodesic distance in metres between two sets of points."""
    lon1, lat1, lon2, lat2 = np.broadcast_arrays(
        *(np.asarray(v, dtype=np.float64) for v in (lon1, lat1, lon2, lat2))
    )
    _, _, dist = GEOD.inv(lon1, lat1, lon2, lat2)
    return np.asarray(dist)


# --- published reference pairs ------------------------------------------------------------
#
# (wgs_lon, wgs_lat, gcj_lon, gcj_lat). Sources:
# - googollee/eviltransform, python/test.py and go/transform_test.go (TESTS table:
#   Shanghai, Shenzhen, Beijing);
# - dromara/hutool, hutool-core/src/test/java/cn/hutool/core/util/CoordinateUtilTest.java
#   (wgs84ToGcj02Test, whose values follow wandergis/coordtransform).
WGS84_GCJ02_REFERENCE = [
    pytest.param(121.5272106, 31.1774276, 121.531541859215, 31.17530398364597, id="shanghai"),
    pytest.param(113.912316, 22.543847, 113.9171764808363, 22.540796131694766, id="shenzhen"),
    pytest.param(116.377817, 39.911954, 116.38404722455657, 39.91334545536069, id="beijing"),
    pytest.param(116.404, 39.915, 116.41024449916938, 39.91640428150164, id="hutool-beijing"),
]

# (gcj_lon, gcj_lat, bd_lon, bd_lat), from dromara/hutool CoordinateUtilTest.java
# (gcj02ToBd09Test).
GCJ02_BD09_REFERENCE = [
    pytest.param(116.404, 39.915, 116.41036949371029, 39.92133699351022, id="hutool-gcj2bd"),
]

# (bd_lon, bd_lat, gcj_lon, gcj_lat), from dromara/hutool CoordinateUtilTest.java
# (bd09toGcj02Test).
BD09_GCJ02_REFERENCE = [
    pytest.param(116.404, 39.915, 116.39762729119315, 39.90865673957631, id="hutool-bd2gcj"),
]

# (wgs_lon, wgs_lat, bd_lon, bd_lat), from dromara/hutool CoordinateUtilTest.java
# (wgs84toBd09Test, and wgs84toBd09Test2 which cites tool.lu/coordinate).
WGS84_BD09_REFERENCE = [
    pytest.param(116.404, 39.915, 116.41662724378733, 39.922699552216216, id="hutool-beijing"),
    pytest.param(
        122.99395597, 44.99804071, 123.00636516028885, 45.0063690918959, id="tool.lu-jilin"
    ),
]

REFERENCE_TOL_M = 0.1
ROUND_TRIP_TOL_M = 0.5


@pytest.mark.parametrize(("lon", "lat", "exp_lon", "exp_lat"), WGS84_GCJ02_REFERENCE)
def test_wgs84_to_gcj02_reference(lon, lat, exp_lon, exp_lat):
    got_lon, got_lat = wgs84_to_gcj02(lon, lat)
    assert distance_m(got_lon, got_lat, exp_lon, exp_lat) < REFERENCE_TOL_M


@pytest.mark.parametrize(("lon", "lat", "exp_lon", "exp_lat"), WGS84_GCJ02_REFERENCE)
def test_gcj02_to_wgs84_reference(lon, lat, exp_lon, exp_lat):
    got_lon, got_lat = gcj02_to_wgs84(exp_lon, exp_lat)
    assert distance_m(got_lon, got_lat, lon, lat) < REFERENCE_TOL_M


@pytest.mark.parametrize(("lon", "lat", "exp_lon", "exp_lat"), GCJ02_BD09_REFERENCE)
def test_gcj02_to_bd09_reference(lon, lat, exp_lon, exp_lat):
    got_lon, got_lat = gcj02_to_bd09(lon, lat)
    assert distance_m(got_lon, got_lat, exp_lon, exp_lat) < REFERENCE_TOL_M


@pytest.mark.parametrize(("lon", "lat", "exp_lon", "exp_lat"), BD09_GCJ02_REFERENCE)
def test_bd09_to_gcj02_reference(lon, lat, exp_lon, exp_lat):
    got_lon, got_lat = bd09_to_gcj02(lon, lat)
    assert distance_m(got_lon, got_lat, exp_lon, exp_lat) < REFERENCE_TOL_M


@pytest.mark.parametrize(("lon", "lat", "exp_lon", "exp_lat"), WGS84_BD09_REFERENCE)
def test_wgs84_to_bd09_reference(lon, lat, exp_lon, exp_lat):
    got_lon, got_lat = wgs84_to_bd09(lon, lat)
    assert distance_m(got_lon, got_lat, exp_lon, exp_lat) < REFERENCE_TOL_M


@pytest.mark.parametrize(("lon", "lat", "exp_lon", "exp_lat"), WGS84_BD09_REFERENCE)
def test_bd09_to_wgs84_reference(lon, lat, exp_lon, exp_lat):
    # The standard BD-09 -> GCJ-02 formula is a closed-form approximate inverse, good to
    # about 0.2 m, so the inverse direction gets the round-trip tolerance.
    got_lon, got_lat = bd09_to_wgs84(exp_lon, exp_lat)
    assert distance_m(got_lon, got_lat, lon, lat) < ROUND_TRIP_TOL_M


# --- round trips over a lattice across China -----------------------------------------------


@pytest.fixture(scope="module")
def china_lattice() -> tuple[np.ndarray, np.ndarray]:
    """Every 0.5 degrees over lon 73-135, lat 18-53 (8,875 points)."""
    lon, lat = np.meshgrid(np.arange(73.0, 135.0 + 1e-9, 0.5), np.arange(18.0, 53.0 + 1e-9, 0.5))
    return lon.ravel(), lat.ravel()


ROUND_TRIPS = [
    pytest.param(wgs84_to_gcj02, gcj02_to_wgs84, id="wgs84-gcj02-wgs84"),
    pytest.param(gcj02_to_wgs84, wgs84_to_gcj02, id="gcj02-wgs84-gcj02"),
    pytest.param(wgs84_to_bd09, bd09_to_wgs84, id="wgs84-bd09-wgs84"),
    pytest.param(bd09_to_wgs84, wgs84_to_bd09, id="bd09-wgs84-bd09"),
    pytest.param(gcj02_to_bd09, bd09_to_gcj02, id="gcj02-bd09-gcj02"),
]


@pytest.mark.parametrize(("forward", "backward"), ROUND_TRIPS)
def test_round_trip_lattice(china_lattice, forward, backward):
    lon, lat = china_lattice
    back_lon, back_lat = backward(*forward(lon, lat))
    err = distance_m(back_lon, back_lat, lon, lat)
    print(f"{forward.__name__} -> {backward.__name__}: max round-trip error {err.max():.3e} m")
    assert err.max() < ROUND_TRIP_TOL_M


def test_gcj02_inverse_is_exact(china_lattice):
    """The forward transform of the inverse is within 1e-9 degrees of the input."""
    lon, lat = china_lattice
    w_lon, w_lat = gcj02_to_wgs84(lon, lat)
    f_lon, f_lat = wgs84_to_gcj02(w_lon, w_lat)
    assert np.abs(f_lon - lon).max() <= 1e-9
    assert np.abs(f_lat - lat).max() <= 1e-9


def test_gcj02_offset_is_hundreds_of_metres(china_lattice):
    """Sanity check that the lattice really exercises the offset."""
    lon, lat = china_lattice
    dist = distance_m(*wgs84_to_gcj02(lon, lat), lon, lat)
    assert dist.min() > 1.0
    assert dist.max() < 1500.0


# --- outside China --------------------------------------------------------------------------

OUTSIDE_CHINA = [
    pytest.param(2.3522, 48.8566, id="paris"),
    pytest.param(-74.006, 40.7128, id="new-york"),
    pytest.param(139.6917, 35.6895, id="tokyo"),
    pytest.param(151.2093, -33.8688, id="sydney"),
    pytest.param(103.8198, 0.5, id="south-of-0.8293"),
    pytest.param(71.9, 40.0, id="west-of-72.004"),
    pytest.param(100.0, 56.0, id="north-of-55.8271"),
]

ALL_POINT_TRANSFORMS = [
    wgs84_to_gcj02,
    gcj02_to_wgs84,
    gcj02_to_bd09,
    bd09_to_gcj02,
    wgs84_to_bd09,
    bd09_to_wgs84,
]


@pytest.mark.parametrize("func", ALL_POINT_TRANSFORMS)
@pytest.mark.parametrize(("lon", "lat"), OUTSIDE_CHINA)
def test_outside_china_unchanged(func, lon, lat):
    assert not in_china(lon, lat)
    got_lon, got_lat = func(lon, lat)
    assert float(got_lon) == lon
    assert float(got_lat) == lat


@pytest.mark.parametrize("func", ALL_POINT_TRANSFORMS)
def test_nan_stays_nan(func):
    got_lon, got_lat = func([np.nan, 116.4], [39.9, np.nan])
    assert np.isnan(got_lon[0]) and got_lat[0] == 39.9
    assert got_lon[1] == 116.4 and np.isnan(got_lat[1])


@pytest.mark.parametrize(
    ("lon", "lat", "expected"),
    [
        (116.4, 39.9, True),
        (72.004, 0.8293, True),
        (137.8347, 55.8271, True),
        (72.0, 30.0, False),
        (np.nan, 30.0, False),
        (np.inf, 30.0, False),
    ],
)
def test_in_china(lon, lat, expected):
    result = in_china(lon, lat)
    assert result.dtype == np.bool_
    assert bool(result) is expected


# --- shapes and dtypes ----------------------------------------------------------------------


@pytest.mark.parametrize("func", ALL_POINT_TRANSFORMS)
def test_scalar_input_gives_0d_float64(func):
    lon, lat = func(116.4, 39.9)
    assert lon.shape == () and lat.shape == ()
    assert lon.dtype == np.float64 and lat.dtype == np.float64
    assert math.isfinite(float(lon)) and math.isfinite(float(lat))


@pytest.mark.parametrize("func", ALL_POINT_TRANSFORMS)
def test_array_input_keeps_shape(func):
    lon = np.full((3, 4), 116.4, dtype=np.float32)
    lat = np.linspace(22.0, 40.0, 12).reshape(3, 4)
    out_lon, out_lat = func(lon, lat)
    assert out_lon.shape == (3, 4) and out_lat.shape == (3, 4)
    assert out_lon.dtype == np.float64
    # Element-wise: each element equals the scalar conversion.
    s_lon, s_lat = func(float(lon[2, 1]), float(lat[2, 1]))
    assert out_lon[2, 1] == float(s_lon) and out_lat[2, 1] == float(s_lat)


@pytest.mark.parametrize("func", ALL_POINT_TRANSFORMS)
def test_mixed_inside_outside_2d(func):
    lon = np.array([[116.4, 2.35], [np.nan, 121.5]])
    lat = np.array([[39.9, 48.85], [30.0, 31.2]])
    out_lon, out_lat = func(lon, lat)
    assert out_lon.shape == (2, 2)
    assert out_lon[0, 1] == 2.35 and out_lat[0, 1] == 48.85
    assert np.isnan(out_lon[1, 0]) and out_lat[1, 0] == 30.0
    for i, j in [(0, 0), (1, 1)]:
        s_lon, s_lat = func(lon[i, j], lat[i, j])
        assert out_lon[i, j] == float(s_lon) and out_lat[i, j] == float(s_lat)
        assert out_lon[i, j] != lon[i, j]


@pytest.mark.parametrize("func", ALL_POINT_TRANSFORMS)
def test_non_finite_and_huge_input_warn_nothing(func):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out_lon, out_lat = func([np.inf, -np.inf, np.nan, 1e308], [1.0, 30.0, np.nan, -1e308])
    np.testing.assert_array_equal(out_lon, [np.inf, -np.inf, np.nan, 1e308])
    np.testing.assert_array_equal(out_lat, [1.0, 30.0, np.nan, -1e308])


def test_empty_input():
    lon, lat = gcj02_to_wgs84(np.array([]), np.array([]))
    assert lon.shape == (0,) and lat.shape == (0,)


def test_inputs_not_modified():
    lon = np.array([116.4, 121.5])
    lat = np.array([39.9, 31.2])
    gcj02_to_wgs84(lon, lat)
    bd09_to_wgs84(lon, lat)
    assert lon.tolist() == [116.4, 121.5] and lat.tolist() == [39.9, 31.2]


# --- to_wgs84 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("crs", "expected_func"),
    [
        ("wgs84", None),
        ("WGS84", None),
        ("gcj02", gcj02_to_wgs84),
        ("GCJ02", gcj02_to_wgs84),
        ("bd09", bd09_to_wgs84),
        ("Bd09", bd09_to_wgs84),
        ("EPSG:4326", None),
        ("epsg:4490", None),
    ],
)
def test_to_wgs84_geographic(crs, expected_func):
    lon = np.array([116.404, 113.912316, 121.5272106])
    lat = np.array([39.915, 22.543847, 31.1774276])
    got_lon, got_lat = to_wgs84(lon, lat, crs)
    exp_lon, exp_lat = (lon, lat) if expected_func is None else expected_func(lon, lat)
    np.testing.assert_allclose(got_lon, exp_lon, rtol=0, atol=1e-12)
    np.testing.assert_allclose(got_lat, exp_lat, rtol=0, atol=1e-12)


def test_supported_point_crs():
    assert SUPPORTED_POINT_CRS == ("wgs84", "gcj02", "bd09")
    for name in SUPPORTED_POINT_CRS:
        to_wgs84(116.4, 39.9, name)


@pytest.mark.parametrize(
    ("epsg", "lon", "lat"),
    [
        pytest.param(4547, 114.0, 22.5, id="4547-on-central-meridian"),
        pytest.param(4547, 115.3, 22.9, id="4547-shanwei"),
        pytest.param(4547, 112.6, 23.1, id="4547-west"),
        pytest.param(4526, 114.05, 22.55, id="4526-zone-38-with-prefix"),
        pytest.param(3857, 115.3, 22.9, id="3857-web-mercator"),
    ],
)
def test_to_wgs84_projected_round_trip(epsg, lon, lat):
    to_projected = Transformer.from_crs("EPSG:4490", f"EPSG:{epsg}", always_xy=True)
    x, y = to_projected.transform(lon, lat)
    got_lon, got_lat = to_wgs84(x, y, f"EPSG:{epsg}")
    assert distance_m(got_lon, got_lat, lon, lat) < 0.001


def test_epsg_4547_central_meridian():
    """EPSG:4547 has false easting 500 km and no zone prefix: x = 500000 is lon 114E."""
    lon, lat = to_wgs84(500_000.0, 2_500_000.0, "EPSG:4547")
    assert float(lon) == pytest.approx(114.0, abs=1e-9)
    assert 22.0 < float(lat) < 23.0


def test_epsg_4547_vectorised():
    x = np.array([480_000.0, 500_000.0, 530_000.0])
    y = np.array([2_480_000.0, 2_500_000.0, 2_540_000.0])
    lon, lat = to_wgs84(x, y, "EPSG:4547")
    assert lon.shape == (3,) and lon.dtype == np.float64
    back_x, back_y = Transformer.from_crs("EPSG:4490", "EPSG:4547", always_xy=True).transform(
        lon, lat
    )
    np.testing.assert_allclose(back_x, x, atol=1e-4)
    np.testing.assert_allclose(back_y, y, atol=1e-4)


@pytest.mark.parametrize(
    "crs",
    [
        "mercator",
        "",
        "gcj-02",
        "EPSG:",
        "EPSG:999999",
        "EPSG:5773",  # EGM96 height: a vertical CRS
        "+proj=longlat +datum=WGS84",
    ],
)
def test_unsupported_crs(crs):
    with pytest.raises(UnsupportedCRSError, match="unsupported coordinate reference system") as ei:
        to_wgs84(116.4, 39.9, crs)
    assert repr(crs) in str(ei.value)
    assert isinstance(ei.value, ValueError)


def test_unsupported_crs_non_string():
    with pytest.raises(UnsupportedCRSError, match="4326"):
        to_wgs84(116.4, 39.9, 4326)  # type: ignore[arg-type]


# --- geometries -------------------------------------------------------------------------------

GCJ_POLYGON = shapely.Polygon(
    [(115.30, 22.70), (115.40, 22.70), (115.40, 22.80), (115.30, 22.80), (115.30, 22.70)],
    holes=[[(115.33, 22.73), (115.36, 22.73), (115.36, 22.76), (115.33, 22.73)]],
)


def _assert_vertices_converted(result, source, func):
    coords = shapely.get_coordinates(source)
    exp_lon, exp_lat = func(coords[:, 0], coords[:, 1])
    got = shapely.get_coordinates(result)
    np.testing.assert_allclose(got[:, 0], exp_lon, rtol=0, atol=1e-12)
    np.testing.assert_allclose(got[:, 1], exp_lat, rtol=0, atol=1e-12)


def test_geometry_gcj02_to_wgs84_polygon():
    result = geometry_gcj02_to_wgs84(GCJ_POLYGON)
    assert isinstance(result, shapely.Polygon)
    assert len(result.interiors) == 1
    _assert_vertices_converted(result, GCJ_POLYGON, gcj02_to_wgs84)


def test_geometry_gcj02_to_wgs84_array():
    geoms = np.array([GCJ_POLYGON, shapely.Point(116.4, 39.9), None, shapely.Point(2.35, 48.85)])
    result = geometry_gcj02_to_wgs84(geoms)
    assert isinstance(result, np.ndarray) and result.shape == (4,)
    assert result[2] is None
    _assert_vertices_converted(result[[0, 1, 3]], geoms[[0, 1, 3]], gcj02_to_wgs84)
    assert result[3].equals(geoms[3])  # outside China


@pytest.mark.parametrize(
    ("crs", "func"),
    [("gcj02", gcj02_to_wgs84), ("BD09", bd09_to_wgs84), ("wgs84", None), ("EPSG:4490", None)],
)
def test_geometry_to_wgs84_named(crs, func):
    result = geometry_to_wgs84(GCJ_POLYGON, crs)
    if func is None:
        assert result.equals_exact(GCJ_POLYGON, tolerance=0)
    else:
        _assert_vertices_converted(result, GCJ_POLYGON, func)


def test_geometry_to_wgs84_epsg_4547():
    wgs = shapely.box(113.9, 22.5, 114.1, 22.6)
    to_gk = Transformer.from_crs("EPSG:4490", "EPSG:4547", always_xy=True)
    projected = shapely.transform(wgs, lambda c: np.column_stack(to_gk.transform(c[:, 0], c[:, 1])))
    result = geometry_to_wgs84(projected, "EPSG:4547")
    np.testing.assert_allclose(
        shapely.get_coordinates(result), shapely.get_coordinates(wgs), rtol=0, atol=1e-9
    )


def test_geometry_to_wgs84_unsupported_crs():
    with pytest.raises(UnsupportedCRSError, match="'EPSG:999999'"):
        geometry_to_wgs84(GCJ_POLYGON, "EPSG:999999")
