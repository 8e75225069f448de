"""Tests for geo.hierarchy: validation of grid layers against their parents."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod

from geo.gridfile import read_grid_file
from geo.hierarchy import (
    SEVERITY,
    ProblemKind,
    ValidationReport,
    area_m2,
    validate_hierarchy,
    validate_layer,
)
from geo.levels import CODE_WIDTH, LEVELS, PARENT_LEVEL, normalize_code, parse_level
from tests.geo.conftest import HIER_CELL, HIER_ORIGIN, hier_box, hier_frame

# The clean fixture (see conftest.hier_build), in lattice cells:
#   medium 441502001001: x 0-4, y 0-2   small …0101: x 0-2   …0102: x 2-4
#   medium 441502001002: x 0-4, y 2-4   small …0201: x 0-2   …0202: x 2-4
#   medium 441502002001: x 4-8, y 0-2   small …0101: x 4-6   …0102: x 6-8
#   medium 441502002002: x 4-8, y 2-4   small …0201: x 4-6   …0202: x 6-8
M1, M2, M3, M4 = "441502001001", "441502001002", "441502002001", "441502002002"
S1, S2 = M1 + "01", M1 + "02"
S8 = M4 + "02"
DEG = 1.0 / HIER_CELL  # lattice cells per degree


def hier_poly(*cells: tuple[float, float]) -> shapely.Polygon:
    """A lon/lat polygon from lattice-cell vertices (rings may self-intersect)."""
    lon0, lat0 = HIER_ORIGIN
    return shapely.Polygon([(lon0 + x * HIER_CELL, lat0 + y * HIER_CELL) for x, y in cells])


def hier_rows(layer: gpd.GeoDataFrame) -> list[dict[str, Any]]:
    return [
        {"code": r.code, "name": r.name, "parent_code": r.parent_code, "geometry": r.geometry}
        for r in layer.itertuples()
    ]


def hier_found(report: ValidationReport) -> set[tuple[str | None, str]]:
    return {(p.code, p.kind) for p in report.problems}


BOW_TIE = hier_poly((0, 0), (2, 2), (2, 0), (0, 2), (0, 0))  # over S1's square, crossing at (1, 1)

# --- one defect at a time, on the clean small layer -------------------------------------------
# (changes: {row index: {field: new value}}, expected {(code, kind)})
SINGLE_DEFECTS = [
    pytest.param({}, set(), id="clean"),
    pytest.param(
        {0: {"geometry": BOW_TIE}},
        {(S1, "invalid_geometry"), (M1, "gap")},  # the repaired bow-tie is two triangles
        id="bow-tie",
    ),
    pytest.param(
        {0: {"geometry": hier_box(0, 0, 2.5, 2)}},
        {(S1, "sibling_overlap"), (S2, "sibling_overlap")},
        id="overlap",
    ),
    pytest.param(
        {0: {"geometry": hier_box(0, 0, 2 + 1e-7 * DEG, 2)}},  # ~1 cm
        set(),
        id="overlap-below-tolerance",
    ),
    pytest.param(
        {0: {"geometry": hier_box(0, 0, 2 - 0.0005 * DEG, 2)}},  # ~51 m x 1.1 km
        {(M1, "gap")},
        id="gap",
    ),
    pytest.param(
        {0: {"geometry": hier_box(0, 0, 2 - 1e-7 * DEG, 2)}},  # ~1 cm x 1.1 km = 12 m²
        set(),
        id="gap-below-tolerance",
    ),
    pytest.param(
        {7: {"geometry": hier_box(6, 2, 8.5, 4)}},
        {(S8, "outside_parent")},
        id="outside-parent",
    ),
    pytest.param(
        {7: {"geometry": hier_box(6, 2, 8 + 1e-6 * DEG, 4)}},  # 0.01 % outside
        set(),
        id="outside-below-tolerance",
    ),
    pytest.param({0: {"code": None}}, {(None, "missing_code")}, id="missing-code"),
    pytest.param({0: {"code": "  "}}, {(None, "missing_code")}, id="blank-code"),
    pytest.param({1: {"code": S1}}, {(S1, "duplicate_code")}, id="duplicate-code"),
    pytest.param({0: {"code": M1 + "1"}}, {(M1 + "1", "bad_code_format")}, id="code-too-short"),
    pytest.param({0: {"code": M1 + "0A"}}, {(M1 + "0A", "bad_code_format")}, id="code-not-digits"),
    pytest.param(
        {0: {"code": M1 + "０１"}},  # full-width digits
        {(M1 + "０１", "bad_code_format")},
        id="code-full-width-digits",
    ),
    pytest.param({1: {"code": M2 + "09"}}, {(M2 + "09", "bad_code_prefix")}, id="bad-code-prefix"),
    pytest.param(
        {0: {"parent_code": None}},
        {(S1, "missing_parent"), (M1, "gap")},  # M1 misses the child that names no parent
        id="no-parent-code",
    ),
    pytest.param(
        {0: {"parent_code": "441502001009"}},
        # an unknown parent: the code does not start with it, and M1 misses a child
        {(S1, "missing_parent"), (S1, "bad_code_prefix"), (M1, "gap")},
        id="unknown-parent",
    ),
    pytest.param({0: {"geometry": None}}, {(S1, "empty_geometry"), (M1, "gap")}, id="no-geometry"),
    pytest.param(
        {0: {"geometry": shapely.Polygon()}},
        {(S1, "empty_geometry"), (M1, "gap")},
        id="empty-geometry",
    ),
    pytest.param(
        {0: {"geometry": hier_poly((0, 0), (1, 0), (2, 0), (0, 0))}},  # zero area
        {(S1, "empty_geometry"), (M1, "gap")},
        id="collapsed-polygon",
    ),
    pytest.param(
        {0: {"geometry": shapely.LineString([(115.40, 22.80), (115.41, 22.81)])}},
        {(S1, "not_polygon"), (M1, "gap")},
        id="not-polygon",
    ),
]


@pytest.mark.parametrize(("changes", "expected"), SINGLE_DEFECTS)
def test_single_defect(
    hier_grids: dict[str, gpd.GeoDataFrame],
    changes: dict[int, dict[str, Any]],
    expected: set[tuple[str | None, str]],
) -> None:
    rows = hier_rows(hier_grids["small"])
    for index, fields in changes.items():
        rows[index] |= fields
    report = validate_layer(hier_frame(rows, "small"), level="small", parents=hier_grids["medium"])
    assert hier_found(report) == expected
    assert report.ok == all(SEVERITY[kind] == "warning" for _, kind in expected)
    for problem in report.problems:
        assert problem.severity == SEVERITY[problem.kind]
        assert problem.detail


def test_clean_hierarchy_has_no_problems(hier_grids: dict[str, gpd.GeoDataFrame]) -> None:
    report = validate_hierarchy(hier_grids["large"], hier_grids["medium"], hier_grids["small"])
    assert report.problems == []
    assert report.ok
    assert report.to_rows() == []
    assert len(report.repaired) == 14
    assert report.repaired["level"].tolist() == ["large"] * 2 + ["medium"] * 4 + ["small"] * 8
    for level in LEVELS:
        parents = hier_grids[PARENT_LEVEL[level]] if level in PARENT_LEVEL else None
        assert validate_layer(hier_grids[level], level=level, parents=parents).problems == []


# --- a deliberately broken file ----------------------------------------------------------------

BROKEN_SMALL = [
    # medium 441502001001: a bow-tie (repaired to two triangles, leaving two gaps)
    {"code": S1, "parent_code": M1, "geometry": BOW_TIE},
    {"code": S2, "parent_code": M1, "geometry": hier_box(2, 0, 4, 2)},
    # medium 441502001002: two overlapping siblings
    {"code": M2 + "01", "parent_code": M2, "geometry": hier_box(0, 2, 2.5, 4)},
    {"code": M2 + "02", "parent_code": M2, "geometry": hier_box(2, 2, 4, 4)},
    # medium 441502002001: a child sticking 20 % out of its parent
    {"code": M3 + "01", "parent_code": M3, "geometry": hier_box(4, 0, 6, 2)},
    {"code": M3 + "02", "parent_code": M3, "geometry": hier_box(6, 0, 8.5, 2)},
    # medium 441502002002: a missing code, a bad prefix, a duplicate code, and a gap
    {"code": None, "parent_code": M4, "geometry": hier_box(4, 2, 5, 4)},
    {"code": M2 + "03", "parent_code": M4, "geometry": hier_box(5, 2, 6, 4)},
    {"code": M4 + "01", "parent_code": M4, "geometry": hier_box(6, 2, 7, 4)},
    {"code": M4 + "01", "parent_code": M4, "geometry": hier_box(7, 2, 8, 3)},  # gap: 7-8 x 3-4
]

BROKEN_EXPECTED = {
    (S1, "invalid_geometry"),
    (M1, "gap"),
    (M2 + "01", "sibling_overlap"),
    (M2 + "02", "sibling_overlap"),
    (M3 + "02", "outside_parent"),
    (None, "missing_code"),
    (M2 + "03", "bad_code_prefix"),
    (M4 + "01", "duplicate_code"),
    (M4, "gap"),
}


@pytest.fixture
def hier_broken_file(tmp_path: Path) -> Path:
    """BROKEN_SMALL written as a GeoJSON file with its own field names."""
    frame = hier_frame(BROKEN_SMALL, "small").rename(
        columns={"code": "WGBM", "name": "WGMC", "parent_code": "SJWGBM"}
    )
    path = tmp_path / "small_broken.geojson"
    frame.drop(columns=["level", "source_row"]).to_file(path, driver="GeoJSON", engine="pyogrio")
    return path


def test_broken_file_report(
    hier_grids: dict[str, gpd.GeoDataFrame], hier_broken_file: Path
) -> None:
    layer = read_grid_file(
        hier_broken_file,
        level="small",
        code_field="WGBM",
        name_field="WGMC",
        parent_field="SJWGBM",
    )
    report = validate_layer(layer, level="small", parents=hier_grids["medium"])

    assert hier_found(report) == BROKEN_EXPECTED
    assert not report.ok
    assert {p.kind for p in report.warnings} == {"invalid_geometry", "gap"}
    by_kind = {(p.code, p.kind): p for p in report.problems}

    bow_tie = by_kind[(S1, "invalid_geometry")]
    assert bow_tie.row == 1
    assert bow_tie.detail.startswith("repaired: Self-intersection[")
    assert by_kind[(M2 + "01", "sibling_overlap")].detail.startswith(f"overlaps {M2}02 by ")
    assert by_kind[(M2 + "02", "sibling_overlap")].detail.startswith(f"overlaps {M2}01 by ")
    assert "m²" in by_kind[(M2 + "01", "sibling_overlap")].detail
    outside = by_kind[(M3 + "02", "outside_parent")]
    assert outside.detail.startswith(f"20.0 % of the grid lies outside its parent {M3}")
    assert by_kind[(None, "missing_code")].row == 7
    assert by_kind[(M4 + "01", "duplicate_code")].row == 10
    assert "row 9" in by_kind[(M4 + "01", "duplicate_code")].detail
    gaps = [p for p in report.problems if p.kind == "gap"]
    assert len(gaps) == 3  # two triangles left by the bow-tie, one in M4
    for gap in gaps:
        assert gap.row is None
        assert gap.code in gap.detail and "m²" in gap.detail
    m4_gap = next(p for p in gaps if p.code == M4)
    expected_m2 = area_m2([hier_box(7, 3, 8, 4)])[0]
    assert m4_gap.detail.startswith(f"{expected_m2:,.0f} m² of medium grid {M4}")

    repaired = report.repaired
    assert len(repaired) == len(BROKEN_SMALL)
    assert repaired.is_valid.all()
    assert set(repaired.geom_type) == {"MultiPolygon"}
    two_triangles = shapely.make_valid(BOW_TIE)
    assert repaired.geometry.iloc[0].symmetric_difference(two_triangles).area < 1e-12
    assert repaired["source_row"].tolist() == list(range(1, 11))


def test_to_rows_sorted_by_code_then_kind(
    hier_grids: dict[str, gpd.GeoDataFrame], hier_broken_file: Path
) -> None:
    layer = read_grid_file(
        hier_broken_file, level="small", code_field="WGBM", name_field="WGMC",
        parent_field="SJWGBM",
    )  # fmt: skip
    rows = validate_layer(layer, level="small", parents=hier_grids["medium"]).to_rows()
    assert all(len(row) == 4 and all(isinstance(v, str) for v in row) for row in rows)
    keys = [(code, kind) for code, kind, _, _ in rows]
    assert keys[-1] == ("(row 7)", "missing_code")  # grids without a code come last
    assert keys[:-1] == sorted(keys[:-1])
    assert (S1, "invalid_geometry", "warning") == rows[keys.index((S1, "invalid_geometry"))][:3]


def test_pure_warning_layer_is_ok(hier_grids: dict[str, gpd.GeoDataFrame]) -> None:
    rows = hier_rows(hier_grids["small"])
    rows[0]["geometry"] = BOW_TIE
    rows[7]["geometry"] = hier_box(6, 2, 8, 3.5)  # leaves a gap in M4
    report = validate_layer(hier_frame(rows, "small"), level="small", parents=hier_grids["medium"])
    assert report.ok
    assert report.errors == []
    assert {p.kind for p in report.warnings} == {"invalid_geometry", "gap"}
    assert report.repaired.is_valid.all()


# --- the large level --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param({}, set(), id="clean"),
        pytest.param({0: {"parent_code": None}}, set(), id="no-county-is-fine"),
        pytest.param(
            {0: {"parent_code": "441521"}},
            {("441502001", "bad_code_prefix")},
            id="wrong-county",
        ),
        pytest.param(
            {1: {"parent_code": "441521", "code": "441521001", "geometry": hier_box(3, 0, 8, 4)}},
            # large grids of different counties are still siblings
            {("441502001", "sibling_overlap"), ("441521001", "sibling_overlap")},
            id="overlap-across-counties",
        ),
        pytest.param({0: {"code": "44150200"}}, {("44150200", "bad_code_format")}, id="short-code"),
    ],
)
def test_large_level(
    hier_grids: dict[str, gpd.GeoDataFrame],
    changes: dict[int, dict[str, Any]],
    expected: set[tuple[str | None, str]],
) -> None:
    rows = hier_rows(hier_grids["large"])
    for index, fields in changes.items():
        rows[index] |= fields
    report = validate_layer(hier_frame(rows, "large"), level="large")
    assert hier_found(report) == expected


def test_medium_without_parents_checks_codes_only(
    hier_grids: dict[str, gpd.GeoDataFrame],
) -> None:
    rows = hier_rows(hier_grids["medium"])
    rows[0]["parent_code"] = None
    rows[1]["geometry"] = hier_box(0, 2, 4, 5)  # outside its parent, but no parents given
    report = validate_layer(hier_frame(rows, "medium"), level="medium")
    assert hier_found(report) == {(M1, "missing_parent")}


def test_missing_parent_names_where_the_grid_lies(
    hier_grids: dict[str, gpd.GeoDataFrame],
) -> None:
    rows = hier_rows(hier_grids["small"])
    rows[2]["parent_code"] = None
    report = validate_layer(hier_frame(rows, "small"), level="small", parents=hier_grids["medium"])
    (problem,) = [p for p in report.problems if p.kind == "missing_parent"]
    assert problem.detail == f"no parent code; 100.0 % of it lies in medium grid {M2}"


def test_medium_broken_in_hierarchy(hier_grids: dict[str, gpd.GeoDataFrame]) -> None:
    rows = hier_rows(hier_grids["medium"])
    rows[3]["geometry"] = hier_box(4, 2, 8, 4.4)  # 441502002002 sticks out of 441502002
    medium = hier_frame(rows, "medium")
    report = validate_hierarchy(hier_grids["large"], medium, hier_grids["small"])
    # M4 sticks out of its large grid; its small grids no longer fill it
    assert hier_found(report) == {(M4, "outside_parent"), (M4, "gap")}


# --- stored siblings ---------------------------------------------------------------------------


def test_siblings_existing(hier_grids: dict[str, gpd.GeoDataFrame]) -> None:
    small = hier_grids["small"]
    stored, new = small.iloc[:6], small.iloc[6:].copy()  # importing M4's two grids
    # without the stored siblings, M1-M3 have no children
    alone = validate_layer(new, level="small", parents=hier_grids["medium"])
    assert hier_found(alone) == {(M1, "gap"), (M2, "gap"), (M3, "gap")}
    assert all("has no small grids" in p.detail for p in alone.problems)
    assert (
        validate_layer(
            new, level="small", parents=hier_grids["medium"], siblings_existing=stored
        ).problems
        == []
    )

    # a new grid that overlaps a stored sibling; only the new grid is reported
    rows = hier_rows(new) + [
        {"code": M3 + "03", "parent_code": M3, "geometry": hier_box(5, 0, 6, 1)}
    ]
    report = validate_layer(
        hier_frame(rows, "small"),
        level="small",
        parents=hier_grids["medium"],
        siblings_existing=stored,
    )
    assert hier_found(report) == {(M3 + "03", "sibling_overlap")}
    assert report.problems[0].detail.startswith(f"overlaps {M3}01 (stored) by ")

    # stored grids with the codes of new grids are replaced, not duplicated or overlapped
    replacing = small.iloc[:2].copy()
    report = validate_layer(
        replacing, level="small", parents=hier_grids["medium"], siblings_existing=small
    )
    assert report.problems == []


# --- input checks -----------------------------------------------------------------------------


def test_input_checks(hier_grids: dict[str, gpd.GeoDataFrame]) -> None:
    small, medium = hier_grids["small"], hier_grids["medium"]
    with pytest.raises(TypeError, match="layer must be a GeoDataFrame"):
        validate_layer(pd.DataFrame(small), level="small")
    with pytest.raises(ValueError, match="unknown grid level 'tiny'"):
        validate_layer(small, level="tiny")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="large grids have no parent layer"):
        validate_layer(hier_grids["large"], level="large", parents=medium)
    with pytest.raises(ValueError, match=r"parents is in EPSG:4547; convert it to EPSG:4326"):
        validate_layer(small, level="small", parents=medium.to_crs(4547))
    with pytest.raises(ValueError, match="not longitude/latitude"):
        validate_layer(small.to_crs(4547).set_crs(None, allow_override=True), level="small")
    with pytest.raises(ValueError, match="has no 'code' column"):
        validate_layer(small.rename(columns={"code": "WGBM"}), level="small")
    with pytest.raises(ValueError, match="overlap_tolerance must be a share"):
        validate_layer(small, level="small", overlap_tolerance=1.5)
    # CGCS2000 longitude/latitude is accepted as it is
    assert validate_layer(small.set_crs(4490, allow_override=True), level="small").ok


# --- helpers -----------------------------------------------------------------------------------

GEOD = Geod(ellps="WGS84")


@pytest.mark.parametrize(
    "geom",
    [
        pytest.param(shapely.box(115.40, 22.80, 115.44, 22.82), id="shanwei-box"),
        pytest.param(shapely.box(0.0, 0.0, 0.01, 0.01), id="equator"),
        pytest.param(shapely.box(126.6, 45.7, 126.7, 45.8), id="harbin"),
        pytest.param(
            shapely.Polygon(
                [(115.40, 22.80), (115.41, 22.80), (115.405, 22.81)],
                [[(115.404, 22.802), (115.406, 22.802), (115.405, 22.803)]],
            ),
            id="triangle-with-hole",
        ),
    ],
)
def test_area_m2_matches_geodesic_area(geom: shapely.Geometry) -> None:
    geodesic = GEOD.geometry_area_perimeter(shapely.geometry.polygon.orient(geom))[0]
    assert area_m2([geom])[0] == pytest.approx(geodesic, rel=1e-4)


def test_area_m2_inputs() -> None:
    box = shapely.box(115.40, 22.80, 115.41, 22.81)
    series = gpd.GeoSeries([box, shapely.Polygon(), None], crs="EPSG:4326")
    areas = area_m2(series)
    assert areas[0] == pytest.approx(abs(GEOD.geometry_area_perimeter(box)[0]), rel=1e-5)
    assert areas[1] == 0.0
    assert np.isnan(areas[2])
    np.testing.assert_allclose(area_m2(series.to_crs(4547))[:1], areas[:1], rtol=1e-6)
    assert area_m2(gpd.GeoDataFrame(geometry=series))[0] == areas[0]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("441502001", "441502001"),
        (" 441502001\t", "441502001"),
        (441502001, "441502001"),
        (np.int64(44150200100101), "44150200100101"),
        (44150200100101.0, "44150200100101"),
        ("441502001.0", "441502001"),
        ("441502001.5", "441502001.5"),
        ("", None),
        ("   ", None),
        (None, None),
        (float("nan"), None),
        (pd.NA, None),
    ],
)
def test_normalize_code(value: object, expected: str | None) -> None:
    assert normalize_code(value) == expected


def test_severity_table_covers_every_kind() -> None:
    assert set(SEVERITY) == set(ProblemKind.__args__)  # type: ignore[attr-defined]
    assert CODE_WIDTH == {"large": 9, "medium": 12, "small": 14}


# --- scale ------------------------------------------------------------------------------------


def hier_city(n_medium: int = 868, seed: int = 7) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Voronoi medium grids over Shanwei's mainland, each cut into ~5 Voronoi small grids."""
    rng = np.random.default_rng(seed)
    frame = shapely.box(115.0, 22.6, 116.0, 23.4)
    seeds = shapely.multipoints(rng.uniform([115.0, 22.6], [116.0, 23.4], (n_medium, 2)))
    medium = shapely.intersection(
        shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=frame)), frame
    )
    medium = shapely.segmentize(medium, 0.0005)  # vertices every ~50 m, like real boundaries
    mcodes = [f"441502{i // 20 + 1:03d}{i % 20 + 1:03d}" for i in range(len(medium))]
    small, scodes, sparents = [], [], []
    for geom, mcode in zip(medium, mcodes, strict=True):
        minx, miny, maxx, maxy = geom.bounds
        pts = shapely.multipoints(rng.uniform([minx, miny], [maxx, maxy], (5, 2)))
        cells = shapely.get_parts(shapely.voronoi_polygons(pts, extend_to=geom.envelope.buffer(1)))
        cells = [c for c in shapely.intersection(cells, geom) if c.area > 0]
        small += cells
        scodes += [f"{mcode}{j + 1:02d}" for j in range(len(cells))]
        sparents += [mcode] * len(cells)
    medium_frame = gpd.GeoDataFrame(
        {"code": mcodes, "parent_code": [c[:9] for c in mcodes]}, geometry=medium, crs=4326
    )
    small_frame = gpd.GeoDataFrame(
        {"code": scodes, "parent_code": sparents}, geometry=small, crs=4326
    )
    return medium_frame, small_frame


def test_city_scale_is_fast() -> None:
    medium, small = hier_city()
    assert len(medium) == 868 and len(small) > 4000
    # damage a few grids so that every check has work to do
    small.loc[0, "geometry"] = shapely.affinity.translate(small.geometry[0], 0.05)
    small.loc[1, "code"] = small.loc[2, "code"]
    start = time.perf_counter()
    report = validate_layer(small, level="small", parents=medium)
    elapsed = time.perf_counter() - start
    kinds = {p.kind for p in report.problems}
    assert {"outside_parent", "gap", "duplicate_code"} <= kinds
    assert elapsed < 20  # about 2 s on a laptop core


def test_layer_without_any_geometry(hier_grids: dict[str, gpd.GeoDataFrame]) -> None:
    rows = [{"code": S1, "parent_code": M1, "geometry": None}]
    report = validate_layer(hier_frame(rows, "small"), level="small", parents=hier_grids["medium"])
    assert (S1, "empty_geometry") in hier_found(report)
    assert (M2, "gap") in hier_found(report)  # no small grids at all


@pytest.mark.parametrize("value", LEVELS)
def test_parse_level(value: str) -> None:
    assert parse_level(value) == value
    with pytest.raises(ValueError, match=f"unknown grid level '{value.title()}'"):
        parse_level(value.title())
