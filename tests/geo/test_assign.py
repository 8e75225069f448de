"""Tests for geo.assign: GridIndex point-to-grid assignment."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import shapely

from geo.assign import Assignment, GridIndex

# A synthetic hierarchy over [0, 4] x [0, 4] degrees: 2 x 2 large squares of side 2, each
# split into 2 x 2 medium squares of side 1, each split into 2 x 2 small squares of side 0.5
# (64 small grids). Codes carry the column and row, so the lowest code is predictable.


def _hierarchy() -> tuple[list[str], list[shapely.Polygon], list[str], list[str]]:
    small, polygons, medium, large = [], [], [], []
    for col in range(8):
        for row in range(8):
            large_code = f"L{col // 4}{row // 4}"
            medium_code = f"{large_code}-M{col // 2}{row // 2}"
            small.append(f"{medium_code}-S{col}{row}")
            medium.append(medium_code)
            large.append(large_code)
            polygons.append(shapely.box(col * 0.5, row * 0.5, (col + 1) * 0.5, (row + 1) * 0.5))
    return small, polygons, medium, large


def small_code(col: int, row: int) -> str:
    return f"L{col // 4}{row // 4}-M{col // 2}{row // 2}-S{col}{row}"


def expected(col: int, row: int) -> tuple[str, str, str]:
    return (
        small_code(col, row),
        f"L{col // 4}{row // 4}-M{col // 2}{row // 2}",
        f"L{col // 4}{row // 4}",
    )


@pytest.fixture(scope="module")
def hierarchy():
    return _hierarchy()


@pytest.fixture(scope="module", params=["given-order", "reversed", "shuffled"])
def index(request, hierarchy) -> GridIndex:
    """The same index built from the grids in several orders: results must not differ."""
    small, polygons, medium, large = hierarchy
    order = np.arange(len(small))
    if request.param == "reversed":
        order = order[::-1]
    elif request.param == "shuffled":
        order = np.random.default_rng(7).permutation(len(small))
    return GridIndex(
        [small[i] for i in order],
        [polygons[i] for i in order],
        [medium[i] for i in order],
        [large[i] for i in order],
    )


# --- point tables ---------------------------------------------------------------------------

INTERIOR = [
    pytest.param(0.25, 0.25, expected(0, 0), id="first-cell"),
    pytest.param(3.75, 3.75, expected(7, 7), id="last-cell"),
    pytest.param(1.3, 2.9, expected(2, 5), id="middle"),
    pytest.param(2.01, 1.99, expected(4, 3), id="near-large-corner"),
]

# On a shared boundary the lowest small code wins. The codes sort by large, then medium,
# then column, then row, so the winner is known without looking at the geometry.
SHARED_EDGE = [
    pytest.param(0.5, 0.25, expected(0, 0), id="small-edge-same-medium"),
    pytest.param(1.0, 0.25, expected(1, 0), id="medium-edge-same-large"),
    pytest.param(2.0, 0.75, expected(3, 1), id="large-edge-vertical"),
    pytest.param(2.75, 2.0, expected(5, 3), id="large-edge-horizontal"),
    pytest.param(0.25, 0.5, expected(0, 0), id="small-edge-horizontal"),
]

SHARED_CORNER = [
    pytest.param(0.5, 0.5, expected(0, 0), id="small-corner"),
    pytest.param(1.0, 1.0, expected(1, 1), id="medium-corner"),
    pytest.param(2.0, 2.0, expected(3, 3), id="large-corner-4-larges"),
    pytest.param(3.0, 1.0, expected(5, 1), id="medium-corner-inside-large"),
]

OUTER_BOUNDARY = [
    pytest.param(0.0, 0.0, expected(0, 0), id="outer-corner"),
    pytest.param(4.0, 2.25, expected(7, 4), id="outer-edge-east"),
    pytest.param(1.25, 4.0, expected(2, 7), id="outer-edge-north"),
]

OUTSIDE = [
    pytest.param(5.0, 5.0, id="far"),
    pytest.param(-0.000001, 2.0, id="just-west"),
    pytest.param(2.0, 4.000001, id="just-north"),
    pytest.param(-180.0, -90.0, id="world-corner"),
    pytest.param(np.nan, 1.0, id="nan-lon"),
    pytest.param(1.0, np.nan, id="nan-lat"),
    pytest.param(np.inf, 1.0, id="inf"),
    pytest.param(1.0, -np.inf, id="minus-inf"),
]


@pytest.mark.parametrize(
    ("lon", "lat", "codes"), INTERIOR + SHARED_EDGE + SHARED_CORNER + OUTER_BOUNDARY
)
def test_assign_inside(index, lon, lat, codes):
    result = index.assign(np.array([lon]), np.array([lat]))
    assert (result.small[0], result.medium[0], result.large[0]) == codes
    assert result.inside.tolist() == [True]
    assert index.assign_one(lon, lat) == codes


@pytest.mark.parametrize(("lon", "lat"), OUTSIDE)
def test_assign_outside(index, lon, lat):
    result = index.assign(np.array([lon]), np.array([lat]))
    assert result.small.tolist() == [None]
    assert result.medium.tolist() == [None]
    assert result.large.tolist() == [None]
    assert result.inside.tolist() == [False]
    assert index.assign_one(lon, lat) is None


def test_assign_mixed_batch(index):
    lon = np.array([0.25, np.nan, 2.0, 9.0, 3.75, 2.0])
    lat = np.array([0.25, 1.0, 2.0, 9.0, 3.75, np.inf])
    result = index.assign(lon, lat)
    assert result.small.tolist() == [
        small_code(0, 0),
        None,
        small_code(3, 3),
        None,
        small_code(7, 7),
        None,
    ]
    assert result.inside.tolist() == [True, False, True, False, True, False]
    assert result.small.dtype == object and result.inside.dtype == np.bool_
    assert len(result) == 6


def test_assign_empty(index):
    result = index.assign(np.array([]), np.array([]))
    for arr in (result.small, result.medium, result.large, result.inside):
        assert arr.shape == (0,)


def test_assign_scalar_and_broadcast(index):
    scalar = index.assign(1.25, 1.25)
    assert scalar.small.shape == () and scalar.small.item() == small_code(2, 2)
    row = index.assign([0.25, 1.25, 9.0], 0.75)
    assert row.small.tolist() == [small_code(0, 1), small_code(2, 1), None]
    grid = index.assign(np.full((2, 3), 0.25), np.full((2, 3), 3.75))
    assert grid.small.shape == (2, 3) and set(grid.small.ravel()) == {small_code(0, 7)}


def test_assign_does_not_modify_input(index):
    lon = np.array([3.0, np.nan, 0.1])
    lat = np.array([1.0, 2.0, 0.1])
    index.assign(lon, lat)
    np.testing.assert_array_equal(lon, [3.0, np.nan, 0.1])
    np.testing.assert_array_equal(lat, [1.0, 2.0, 0.1])


def test_assignment_is_frozen(index):
    result = index.assign([0.25], [0.25])
    assert isinstance(result, Assignment)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.small = np.array([None])  # type: ignore[misc]


def test_len_and_bounds(index):
    assert len(index) == 64
    assert index.bounds == (0.0, 0.0, 4.0, 4.0)
    assert "64 small grids" in repr(index)


# --- brute force agreement ------------------------------------------------------------------


def brute_force(small, polygons, lon, lat) -> np.ndarray:
    """Lowest code among the polygons that cover each point (polygon.covers)."""
    points = shapely.points(lon, lat)
    result = np.full(len(lon), None, dtype=object)
    for i in sorted(range(len(small)), key=lambda i: small[i], reverse=True):
        result[shapely.covers(polygons[i], points)] = small[i]
    return result


def test_random_points_agree_with_brute_force(index, hierarchy):
    small, polygons, _, _ = hierarchy
    rng = np.random.default_rng(2024)
    n = 100_000
    lon = rng.uniform(-0.5, 4.5, n)
    lat = rng.uniform(-0.5, 4.5, n)
    # A quarter of the points snapped to the 0.25 lattice: on edges and corners, and ties.
    snap = rng.random(n) < 0.25
    lon[snap] = np.round(lon[snap] * 4) / 4
    lat[snap] = np.round(lat[snap] * 4) / 4
    result = index.assign(lon, lat)
    truth = brute_force(small, polygons, lon, lat)
    np.testing.assert_array_equal(result.small, truth)
    np.testing.assert_array_equal(result.inside, truth != None)  # noqa: E711
    # Parents follow the small grid.
    lookup = dict(zip(small, zip(hierarchy[2], hierarchy[3], strict=True), strict=True))
    inside = result.inside
    assert all(
        lookup[s] == (m, g)
        for s, m, g in zip(
            result.small[inside], result.medium[inside], result.large[inside], strict=True
        )
    )


def test_voronoi_cells_agree_with_brute_force():
    """Irregular polygons, with points on their shared vertices (3-way ties) and edges."""
    rng = np.random.default_rng(11)
    box = shapely.box(114.9, 22.6, 115.2, 22.8)
    seeds = shapely.multipoints(rng.uniform([114.9, 22.6], [115.2, 22.8], (300, 2)))
    cells = shapely.intersection(
        shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=box)), box
    )
    codes = [f"G{code:04d}" for code in rng.permutation(len(cells))]
    index = GridIndex(codes, cells, ["M"] * len(cells), ["L"] * len(cells))

    vertices = shapely.get_coordinates(cells)
    edge_mid = shapely.get_coordinates(
        shapely.line_interpolate_point(shapely.boundary(cells), 0.3, normalized=True)
    )
    randoms = rng.uniform([114.85, 22.55], [115.25, 22.85], (50_000, 2))
    xy = np.concatenate([vertices, edge_mid, randoms])
    result = index.assign(xy[:, 0], xy[:, 1])
    truth = brute_force(codes, cells, xy[:, 0], xy[:, 1])
    np.testing.assert_array_equal(result.small, truth)
    assert result.inside[: len(vertices)].all()
    sample = rng.choice(len(xy), 200, replace=False)
    for i in sample:
        got = index.assign_one(xy[i, 0], xy[i, 1])
        assert (got[0] if got else None) == truth[i]


def test_query_pairs_out_of_order_still_resolve(hierarchy):
    """Tie resolution does not depend on shapely returning pairs grouped by point."""
    small, polygons, medium, large = hierarchy
    index = GridIndex(small, polygons, medium, large)
    tree = index._tree

    class ShuffledTree:
        def query(self, geoms, predicate=None):
            pairs = tree.query(geoms, predicate=predicate)
            return pairs[:, np.random.default_rng(3).permutation(pairs.shape[1])]

    index._tree = ShuffledTree()  # type: ignore[assignment]
    lon = np.array([2.0, 0.25, 1.0, 0.5, 3.0])
    lat = np.array([2.0, 0.25, 1.0, 0.5, 1.0])
    result = index.assign(lon, lat)
    assert result.small.tolist() == [
        small_code(3, 3),
        small_code(0, 0),
        small_code(1, 1),
        small_code(0, 0),
        small_code(5, 1),
    ]


# --- multipolygons and input types ------------------------------------------------------------


def test_multipolygon_grid_and_numpy_inputs():
    parts = shapely.MultiPolygon([shapely.box(0, 0, 1, 1), shapely.box(2, 0, 3, 1)])
    index = GridIndex(
        np.array(["B", "A"]),
        np.array([parts, shapely.box(1, 0, 2, 1)], dtype=object),
        np.array(["m1", "m2"]),
        ("L", "L"),
    )
    result = index.assign([0.5, 1.5, 2.5, 1.0, 2.0], [0.5, 0.5, 0.5, 0.5, 0.5])
    assert result.small.tolist() == ["B", "A", "B", "A", "A"]
    assert result.medium.tolist() == ["m1", "m2", "m1", "m2", "m2"]
    assert all(type(code) is str for code in result.small)


def test_geoseries_input():
    geopandas = pytest.importorskip("geopandas")
    series = geopandas.GeoSeries([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)], crs=4326)
    index = GridIndex(["a", "b"], series, ["m", "m"], ["l", "l"])
    assert index.assign_one(1.5, 0.5) == ("b", "m", "l")


def test_empty_index():
    index = GridIndex([], [], [], [])
    assert len(index) == 0
    assert all(np.isnan(index.bounds))
    result = index.assign([1.0, 2.0], [1.0, 2.0])
    assert result.small.tolist() == [None, None] and not result.inside.any()
    assert index.assign_one(1.0, 1.0) is None


# --- validation -------------------------------------------------------------------------------

BOX = shapely.box(0, 0, 1, 1)


@pytest.mark.parametrize(
    ("small", "polygons", "medium", "large", "match"),
    [
        pytest.param(
            ["a", "b"],
            [BOX],
            ["m", "m"],
            ["l", "l"],
            r"small_codes=2, polygons=1",
            id="polygons-short",
        ),
        pytest.param(["a"], [BOX], ["m", "m"], ["l"], r"medium_codes=2", id="medium-long"),
        pytest.param(["a"], [BOX], ["m"], [], r"large_codes=0", id="large-short"),
        pytest.param(
            ["a", "b", "a"],
            [BOX, BOX, BOX],
            ["m"] * 3,
            ["l"] * 3,
            r"duplicate small grid code 'a'",
            id="dup",
        ),
        pytest.param(
            ["a", "b"], [BOX, None], ["m"] * 2, ["l"] * 2, r"'b' is missing \(None\)", id="none"
        ),
        pytest.param(
            ["a"], ["POLYGON EMPTY"], ["m"], ["l"], r"'a' is not a geometry: str", id="wkt"
        ),
        pytest.param(
            ["a", "b"],
            [BOX, shapely.Point(0, 0)],
            ["m"] * 2,
            ["l"] * 2,
            r"'b' is a Point",
            id="point",
        ),
        pytest.param(
            ["a"],
            [shapely.LineString([(0, 0), (1, 1)])],
            ["m"],
            ["l"],
            r"'a' is a LineString, expected Polygon or MultiPolygon",
            id="line",
        ),
        pytest.param(["a"], [shapely.Polygon()], ["m"], ["l"], r"'a' is empty", id="empty"),
        pytest.param(
            ["a", "gk"],
            [BOX, shapely.box(500_000, 2_500_000, 501_000, 2_501_000)],
            ["m"] * 2,
            ["l"] * 2,
            r"'gk' has bounds .* not WGS84 longitude/latitude",
            id="projected",
        ),
    ],
)
def test_invalid_input(small, polygons, medium, large, match):
    with pytest.raises(ValueError, match=match):
        GridIndex(small, polygons, medium, large)


@pytest.mark.parametrize(
    ("small", "medium", "large", "match"),
    [
        pytest.param([1], ["m"], ["l"], r"small_codes\[0\] must be a str, got int", id="small-int"),
        pytest.param(
            ["a"], [None], ["l"], r"medium_codes\[0\] must be a str, got NoneType", id="medium"
        ),
        pytest.param(
            ["a"], ["m"], [b"l"], r"large_codes\[0\] must be a str, got bytes", id="large"
        ),
    ],
)
def test_non_str_codes(small, medium, large, match):
    with pytest.raises(TypeError, match=match):
        GridIndex(small, [BOX], medium, large)
