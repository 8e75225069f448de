"""Tests for geo.covering: the interior-cell covering gives GridIndex's answers, ties included."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from geo.assign import GridIndex
from geo.covering import GridCovering

# Five grids in 汕尾 (WGS84): four squares of 0.01° meeting at one vertex, codes chosen so the
# lowest code is not the south-west one, a triangle east of them sharing an edge, and a square
# ring around a hole that holds a small grid of its own.
X0, Y0, D = 115.30, 22.76, 0.01
GRIDS = {
    "C": shapely.box(X0, Y0, X0 + D, Y0 + D),  # south-west
    "B": shapely.box(X0 + D, Y0, X0 + 2 * D, Y0 + D),  # south-east
    "D": shapely.box(X0, Y0 + D, X0 + D, Y0 + 2 * D),  # north-west
    "A": shapely.box(X0 + D, Y0 + D, X0 + 2 * D, Y0 + 2 * D),  # north-east
    "E": shapely.Polygon([(X0 + 2 * D, Y0), (X0 + 3 * D, Y0), (X0 + 2 * D, Y0 + D)]),
    "R": shapely.box(X0, Y0 + 3 * D, X0 + 3 * D, Y0 + 6 * D).difference(
        shapely.box(X0 + D, Y0 + 4 * D, X0 + 2 * D, Y0 + 5 * D)
    ),
    "H": shapely.MultiPolygon([shapely.box(X0 + D, Y0 + 4 * D, X0 + 2 * D, Y0 + 5 * D)]),
}
MEDIUM = {"A": "m1", "B": "m1", "C": "m2", "D": "m2", "E": "m3", "R": "m3", "H": "m3"}
LARGE = {"m1": "L1", "m2": "L1", "m3": "L2"}


def build(cls: type, codes: list[str], **options: object) -> GridCovering | GridIndex:
    medium = [MEDIUM[c] for c in codes]
    return cls(codes, [GRIDS[c] for c in codes], medium, [LARGE[m] for m in medium], **options)


@pytest.fixture(
    scope="module",
    params=[
        pytest.param({}, id="default"),
        pytest.param({"levels": 1, "cell_size": 0.003}, id="one-level"),
        pytest.param({"levels": 2, "cell_size": D / 4}, id="cells-on-grid-edges"),
        pytest.param({"levels": 5, "cell_size": 0.0001}, id="deep"),
    ],
)
def covering(request: pytest.FixtureRequest) -> GridCovering:
    codes = list(GRIDS)[::-1]  # given out of code order: answers must not depend on it
    return build(GridCovering, codes, **request.param)


@pytest.fixture(scope="module")
def index() -> GridIndex:
    return build(GridIndex, sorted(GRIDS))


POINTS = {
    "inside C": ((X0 + 0.3 * D, Y0 + 0.4 * D), "C"),
    "inside A": ((X0 + 1.7 * D, Y0 + 1.2 * D), "A"),
    "inside the triangle": ((X0 + 2.2 * D, Y0 + 0.2 * D), "E"),
    "edge C|B goes to B": ((X0 + D, Y0 + 0.5 * D), "B"),
    "edge C|D goes to C": ((X0 + 0.5 * D, Y0 + D), "C"),
    "edge A|B goes to A": ((X0 + 1.5 * D, Y0 + D), "A"),
    "edge A|D goes to A": ((X0 + D, Y0 + 1.5 * D), "A"),
    "vertex of four goes to A": ((X0 + D, Y0 + D), "A"),
    "edge B|E goes to B": ((X0 + 2 * D, Y0 + 0.5 * D), "B"),
    "vertex of A, B and E": ((X0 + 2 * D, Y0 + D), "A"),
    "outer edge of C": ((X0, Y0 + 0.5 * D), "C"),
    "outer corner of C": ((X0, Y0), "C"),
    "in the ring": ((X0 + 0.5 * D, Y0 + 4.5 * D), "R"),
    "in the hole's grid": ((X0 + 1.5 * D, Y0 + 4.5 * D), "H"),
    "on the hole's edge": ((X0 + D, Y0 + 4.5 * D), "H"),
    "gap between the blocks": ((X0 + 1.5 * D, Y0 + 2.5 * D), None),
    "beyond the hypotenuse": ((X0 + 2.8 * D, Y0 + 0.8 * D), None),
    "far west": ((100.0, 22.0), None),
    "far east": ((179.9, 89.0), None),
    "nan": ((float("nan"), Y0), None),
    "inf": ((X0, float("inf")), None),
}


@pytest.mark.parametrize(("point", "code"), POINTS.values(), ids=list(POINTS))
def test_point(covering: GridCovering, point: tuple[float, float], code: str | None) -> None:
    result = covering.assign(np.array([point[0]]), np.array([point[1]]))
    assert result.small.tolist() == [code]
    assert result.inside.tolist() == [code is not None]
    if code is not None:
        assert result.medium[0] == MEDIUM[code]
        assert result.large[0] == LARGE[MEDIUM[code]]


def test_all_points_at_once_equal_grid_index(covering: GridCovering, index: GridIndex) -> None:
    lon, lat = np.array([p for p, _ in POINTS.values()]).T
    got, want = covering.assign(lon, lat), index.assign(lon, lat)
    for field in ("small", "medium", "large", "inside"):
        assert getattr(got, field).tolist() == getattr(want, field).tolist()


@pytest.mark.parametrize("corner", [False, True], ids=["cell-edge", "cell-corner"])
@pytest.mark.parametrize("column", [0, 1, 7, 40])
def test_points_exactly_on_cell_borders(
    covering: GridCovering, index: GridIndex, column: int, corner: bool
) -> None:
    """Points on the borders between finest cells, the worst case of the cell arithmetic."""
    x = covering.origin[0] + column * covering.cell_size
    rows = np.arange(covering.finest_shape[0])
    y = covering.origin[1] + (rows if corner else rows + 0.5) * covering.cell_size
    lon = np.full(rows.size, x)
    assert covering.assign(lon, y).small.tolist() == index.assign(lon, y).small.tolist()


def test_random_points_and_grid_shapes(covering: GridCovering, index: GridIndex) -> None:
    rng = np.random.default_rng(11)
    min_x, min_y, max_x, max_y = index.bounds
    lon = rng.uniform(min_x - D, max_x + D, 20_000)
    lat = rng.uniform(min_y - D, max_y + D, 20_000)
    # Snap a quarter to a 0.0025° lattice: many land exactly on grid edges and vertices.
    snap = rng.random(lon.size) < 0.25
    lon[snap] = np.round(lon[snap] / (D / 4)) * (D / 4)
    lat[snap] = np.round(lat[snap] / (D / 4)) * (D / 4)
    got, want = covering.assign(lon, lat), index.assign(lon, lat)
    assert got.small.tolist() == want.small.tolist()
    assert got.inside.sum() > 0 and (~got.inside).sum() > 0


def test_voronoi_tiling_equals_grid_index() -> None:
    """Irregular polygons with many shared edges: every answer equals GridIndex's."""
    rng = np.random.default_rng(5)
    seeds = shapely.multipoints(rng.uniform(0, 1, (300, 2)) * 0.2 + (115.0, 22.7))
    cells = shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=seeds.envelope))
    cells = shapely.intersection(cells, seeds.envelope)
    codes = [f"S{i:04d}" for i in rng.permutation(len(cells))]
    medium = [c[:3] for c in codes]
    covering = GridCovering(codes, cells, medium, medium)
    index = GridIndex(codes, cells, medium, medium)
    # Random points and every vertex of every cell (each on two or three cells' boundaries).
    vertices = shapely.get_coordinates(cells)
    lon = np.concatenate([rng.uniform(114.99, 115.21, 50_000), vertices[:, 0]])
    lat = np.concatenate([rng.uniform(22.69, 22.91, 50_000), vertices[:, 1]])
    assert covering.assign(lon, lat).small.tolist() == index.assign(lon, lat).small.tolist()
    summary = covering.summary()
    assert summary.interior[-1] > summary.boundary[-1]


def test_shapes_follow_the_input(covering: GridCovering) -> None:
    scalar = covering.assign(X0 + 0.5 * D, Y0 + 0.5 * D)
    assert scalar.small.shape == () and scalar.small.item() == "C"
    grid = covering.assign(np.full((2, 3), X0 + 0.5 * D), Y0 + 0.5 * D)
    assert grid.small.shape == (2, 3) and set(grid.small.ravel()) == {"C"}
    empty = covering.assign(np.array([]), np.array([]))
    assert len(empty) == 0


def test_no_grids_means_everything_outside() -> None:
    covering = GridCovering([], [], [], [])
    assert covering.assign(np.array([115.0]), np.array([22.0])).small.tolist() == [None]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"levels": 0}, "levels"),
        ({"cell_size": 0.0}, "cell_size"),
        ({"cell_size": -1}, "cell_size"),
    ],
)
def test_bad_options_are_refused(options: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build(GridCovering, sorted(GRIDS), **options)


def test_bad_grids_are_refused_like_grid_index() -> None:
    with pytest.raises(ValueError, match="duplicate small grid code 'A'"):
        GridCovering(["A", "A"], [GRIDS["A"], GRIDS["B"]], ["m", "m"], ["L", "L"])
