"""Tests for geo.gridfile.read_grid_file: formats, CRSs, codes, and errors."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo.gridfile import GridFileError, read_grid_file
from geo.hierarchy import validate_hierarchy
from geo.levels import LEVELS

# CGCS2000 / 3-degree Gauss-Kruger CM 114E, the projection the test files are written in
# and the one in which distances are measured (metres).
GK_CM114 = "EPSG:4547"
TOLERANCE_M = 0.5


def hausdorff_m(a: gpd.GeoSeries, b: gpd.GeoSeries) -> np.ndarray:
    """Hausdorff distance (m) between aligned WGS84 geometries, measured in EPSG:4547."""
    pa = np.asarray(a.set_crs(4326, allow_override=True).to_crs(GK_CM114).array, dtype=object)
    pb = np.asarray(b.set_crs(4326, allow_override=True).to_crs(GK_CM114).array, dtype=object)
    return shapely.hausdorff_distance(pa, pb)


def to_file_frame(
    grids: gpd.GeoDataFrame, *, crs: str, fields: tuple[str, str, str], code_dtype: str = "str"
) -> gpd.GeoDataFrame:
    """A grid layer as a boundary file would hold it: own field names, CRS and code type."""
    code, name, parent = fields
    frame = gpd.GeoDataFrame(
        {
            code: grids["code"].astype(code_dtype),
            name: grids["name"],
            parent: grids["parent_code"].astype(code_dtype),
        },
        geometry=grids.geometry,
        crs=grids.crs,
    )
    return frame.to_crs(crs)


# --- writers: each writes the three levels and returns {level: (path, read kwargs)} ---------

Written = dict[str, tuple[Path, dict]]
SHP_FIELDS = ("WGBM", "WGMC", "SJWGBM")  # 网格编码 / 网格名称 / 上级网格编码
GPKG_FIELDS = ("grid_code", "grid_name", "parent")


def write_shapefiles(
    tmp: Path, hier: dict[str, gpd.GeoDataFrame], code_dtype: str = "int64"
) -> Written:
    """One Shapefile per level in EPSG:4547 with numeric codes."""
    out: Written = {}
    for level in LEVELS:
        path = tmp / f"{level}.shp"
        frame = to_file_frame(hier[level], crs=GK_CM114, fields=SHP_FIELDS, code_dtype=code_dtype)
        frame.to_file(path, engine="pyogrio")
        out[level] = (path, {})
    return out


def write_shapefiles_float_codes(tmp: Path, hier: dict[str, gpd.GeoDataFrame]) -> Written:
    """Codes stored as DBF reals, as some exports do: read back as float64."""
    return write_shapefiles(tmp, hier, code_dtype="float64")


def write_zipped_shapefiles(tmp: Path, hier: dict[str, gpd.GeoDataFrame]) -> Written:
    """Each level's Shapefile zipped inside a folder, as users upload them."""
    out: Written = {}
    for level in write_shapefiles(tmp, hier):
        archive = tmp / f"{level}.zip"
        with zipfile.ZipFile(archive, "w") as zf:
            for part in tmp.glob(f"{level}.*"):
                if part.suffix != ".zip":
                    zf.write(part, f"网格数据/{part.name}")
        for part in tmp.glob(f"{level}.*"):
            if part.suffix != ".zip":
                part.unlink()
        out[level] = (archive, {})
    return out


def write_shapefiles_without_prj(tmp: Path, hier: dict[str, gpd.GeoDataFrame]) -> Written:
    """Shapefiles whose .prj got lost: the CRS is declared on reading."""
    out = write_shapefiles(tmp, hier)
    for level, (shp, _) in out.items():
        shp.with_suffix(".prj").unlink()
        out[level] = (shp, {"crs": GK_CM114})
    return out


def write_geopackage(tmp: Path, hier: dict[str, gpd.GeoDataFrame]) -> Written:
    """One GeoPackage in CGCS2000 longitude/latitude, one layer per level, string codes."""
    path = tmp / "grids.gpkg"
    for level in LEVELS:
        frame = to_file_frame(hier[level], crs="EPSG:4490", fields=GPKG_FIELDS)
        frame.to_file(path, layer=level, engine="pyogrio")
    return {level: (path, {"layer": level}) for level in LEVELS}


def write_geojson(tmp: Path, hier: dict[str, gpd.GeoDataFrame]) -> Written:
    """GeoJSON in WGS84 (no CRS member needed)."""
    out: Written = {}
    for level in LEVELS:
        path = tmp / f"{level}.geojson"
        to_file_frame(hier[level], crs="EPSG:4326", fields=GPKG_FIELDS).to_file(
            path, driver="GeoJSON", engine="pyogrio"
        )
        out[level] = (path, {})
    return out


ROUND_TRIPS = [
    pytest.param(write_shapefiles, SHP_FIELDS, id="shapefile-epsg4547-int-codes"),
    pytest.param(write_shapefiles_float_codes, SHP_FIELDS, id="shapefile-epsg4547-float-codes"),
    pytest.param(write_zipped_shapefiles, SHP_FIELDS, id="zipped-shapefile-in-folder"),
    pytest.param(write_shapefiles_without_prj, SHP_FIELDS, id="shapefile-no-prj-crs-argument"),
    pytest.param(write_geopackage, GPKG_FIELDS, id="geopackage-epsg4490-layers"),
    pytest.param(write_geojson, GPKG_FIELDS, id="geojson-wgs84"),
]


@pytest.mark.parametrize(("writer", "fields"), ROUND_TRIPS)
def test_round_trip(
    tmp_path: Path,
    hier_grids: dict[str, gpd.GeoDataFrame],
    writer: Callable[[Path, dict[str, gpd.GeoDataFrame]], Written],
    fields: tuple[str, str, str],
) -> None:
    written = writer(tmp_path, hier_grids)
    code_field, name_field, parent_field = fields
    read = {}
    for level in LEVELS:
        path, kwargs = written[level]
        got = read_grid_file(
            path,
            level=level,
            code_field=code_field,
            name_field=name_field,
            parent_field=parent_field,
            **kwargs,
        )
        want = hier_grids[level]
        assert list(got.columns) == [
            "code",
            "name",
            "level",
            "parent_code",
            "source_row",
            "geometry",
        ]
        assert got.crs.to_epsg() == 4326
        assert got["code"].tolist() == want["code"].tolist()  # str, no ".0"
        assert all(isinstance(c, str) for c in got["code"])
        assert got["parent_code"].tolist() == want["parent_code"].tolist()
        assert got["name"].tolist() == want["name"].tolist()  # Chinese names survive
        assert (got["level"] == level).all()
        assert got["source_row"].tolist() == list(range(1, len(want) + 1))
        assert set(got.geom_type) == {"MultiPolygon"}
        assert hausdorff_m(got.geometry, want.geometry).max() < TOLERANCE_M
        read[level] = got
    # what was read is a clean hierarchy again
    assert validate_hierarchy(read["large"], read["medium"], read["small"]).problems == []


def test_parent_field_optional(tmp_path: Path, hier_grids: dict[str, gpd.GeoDataFrame]) -> None:
    path, _ = write_geojson(tmp_path, hier_grids)["small"]
    got = read_grid_file(path, level="small", code_field="grid_code", name_field="grid_name")
    assert got["parent_code"].isna().all()


def test_field_names_match_ignoring_case(
    tmp_path: Path, hier_grids: dict[str, gpd.GeoDataFrame]
) -> None:
    path, _ = write_shapefiles(tmp_path, hier_grids)["medium"]
    got = read_grid_file(path, level="medium", code_field="wgbm", name_field="wgmc")
    assert got["code"].tolist() == hier_grids["medium"]["code"].tolist()


def test_codes_and_names_are_cleaned(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        {
            "code": [" 441502001 ", "441502002.0", "", None],
            "name": [" 凤山街道 ", "香洲街道", "  ", None],
        },
        geometry=[shapely.box(115.40, 22.80, 115.41, 22.81)] * 4,
        crs="EPSG:4326",
    )
    path = tmp_path / "large.gpkg"
    frame.to_file(path, engine="pyogrio")
    got = read_grid_file(path, level="large", code_field="code", name_field="name")
    assert got["code"].tolist() == ["441502001", "441502002", None, None]
    assert got["name"].tolist() == ["凤山街道", "香洲街道", None, None]


def test_polygons_promoted_z_dropped_other_types_kept(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        {"code": ["441502001", "441502002", "441502003"], "name": ["a", "b", "c"]},
        geometry=[
            shapely.Polygon([(115.40, 22.80, 5), (115.41, 22.80, 5), (115.41, 22.81, 5)]),
            shapely.MultiPolygon([shapely.box(115.42, 22.80, 115.43, 22.81)]),
            shapely.LineString([(115.44, 22.80), (115.45, 22.81)]),
        ],
        crs="EPSG:4326",
    )
    path = tmp_path / "mixed.gpkg"
    frame.to_file(path, engine="pyogrio")
    got = read_grid_file(path, level="large", code_field="code", name_field="name")
    assert got.geom_type.tolist() == ["MultiPolygon", "MultiPolygon", "LineString"]
    assert not got.has_z.any()


# --- GCJ-02 / BD-09 declared by the caller ---------------------------------------------------


@pytest.mark.parametrize("pseudo", ["gcj02", "bd09", "GCJ-02"])
def test_pseudo_crs_converted_with_geo_crs(
    tmp_path: Path, hier_grids: dict[str, gpd.GeoDataFrame], pseudo: str
) -> None:
    crs = pytest.importorskip("geo.crs")
    wgs = hier_grids["small"]
    to_pseudo = crs.wgs84_to_bd09 if pseudo == "bd09" else crs.wgs84_to_gcj02

    def forward(coords: np.ndarray) -> np.ndarray:
        return np.column_stack(to_pseudo(coords[:, 0], coords[:, 1]))

    shifted = wgs.set_geometry(shapely.transform(np.asarray(wgs.geometry.array), forward))
    path = tmp_path / "amap.geojson"
    shifted.to_file(path, driver="GeoJSON", engine="pyogrio")

    plain = read_grid_file(path, level="small", code_field="code", name_field="name")
    assert hausdorff_m(plain.geometry, wgs.geometry).min() > 100  # the offset is real
    got = read_grid_file(path, level="small", code_field="code", name_field="name", crs=pseudo)
    assert hausdorff_m(got.geometry, wgs.geometry).max() < TOLERANCE_M


# --- errors ----------------------------------------------------------------------------------


def test_missing_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "没有这个文件.shp"
    with pytest.raises(GridFileError, match="没有这个文件.shp.*no such file"):
        read_grid_file(path, level="small", code_field="WGBM", name_field="WGMC")


@pytest.mark.parametrize(
    ("field_args", "missing"),
    [
        pytest.param({"code_field": "GRID_CODE"}, "GRID_CODE", id="code"),
        pytest.param({"name_field": "MC"}, "MC", id="name"),
        pytest.param({"parent_field": "PARENT"}, "PARENT", id="parent"),
    ],
)
def test_missing_field_names_field_and_lists_available(
    tmp_path: Path, hier_grids: dict[str, gpd.GeoDataFrame], field_args: dict, missing: str
) -> None:
    path, _ = write_shapefiles(tmp_path, hier_grids)["small"]
    kwargs = {"code_field": "WGBM", "name_field": "WGMC", "parent_field": "SJWGBM"} | field_args
    with pytest.raises(GridFileError) as info:
        read_grid_file(path, level="small", **kwargs)
    message = str(info.value)
    assert "small.shp" in message
    assert repr(missing) in message
    assert "WGBM, WGMC, SJWGBM" in message


def test_shapefile_without_crs_needs_crs_argument(
    tmp_path: Path, hier_grids: dict[str, gpd.GeoDataFrame]
) -> None:
    path, _ = write_shapefiles(tmp_path, hier_grids)["small"]
    path.with_suffix(".prj").unlink()
    with pytest.raises(GridFileError, match=r"small\.shp.*no coordinate system.*\.prj.*crs="):
        read_grid_file(path, level="small", code_field="WGBM", name_field="WGMC")


def test_geojson_without_crs_is_wgs84(tmp_path: Path) -> None:
    path = tmp_path / "bare.geojson"
    path.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", '
        '"properties": {"code": 441502001, "name": "凤山街道"}, "geometry": {"type": "Polygon", '
        '"coordinates": [[[115.4, 22.8], [115.41, 22.8], [115.41, 22.81], [115.4, 22.8]]]}}]}',
        encoding="utf-8",
    )
    got = read_grid_file(path, level="large", code_field="code", name_field="name")
    assert got.crs.to_epsg() == 4326
    assert got["code"].tolist() == ["441502001"]
    assert got.total_bounds.tolist() == [115.4, 22.8, 115.41, 22.81]


@pytest.mark.parametrize("crs", ["EPSG:999999", "mars", "gcj03"])
def test_unsupported_crs_is_named(
    tmp_path: Path, hier_grids: dict[str, gpd.GeoDataFrame], crs: str
) -> None:
    path, _ = write_geojson(tmp_path, hier_grids)["large"]
    with pytest.raises(GridFileError, match=rf"large\.geojson.*unsupported CRS '{crs}'"):
        read_grid_file(path, level="large", code_field="grid_code", name_field="grid_name", crs=crs)


def test_wrong_declared_crs_is_caught(
    tmp_path: Path, hier_grids: dict[str, gpd.GeoDataFrame]
) -> None:
    """Gauss-Kruger metres declared as longitude/latitude are out of range."""
    path, _ = write_shapefiles_without_prj(tmp_path, hier_grids)["large"]
    with pytest.raises(GridFileError, match=r"large\.shp.*not longitude/latitude"):
        read_grid_file(path, level="large", code_field="WGBM", name_field="WGMC", crs="gcj02")


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        pytest.param(
            "grids.gpkg", b"not a geopackage", "cannot read it as a GeoPackage", id="gpkg"
        ),
        pytest.param("grids.geojson", b"{not json", "cannot read it as a GeoJSON", id="geojson"),
        pytest.param("grids.zip", b"PK not a zip", "cannot read it as a zip", id="zip"),
        pytest.param("grids.csv", b"code,name\n", "unsupported file type '.csv'", id="csv"),
    ],
)
def test_unreadable_format(tmp_path: Path, name: str, content: bytes, match: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(GridFileError, match=rf"{name}.*{match}"):
        read_grid_file(path, level="small", code_field="code", name_field="name")


def test_several_layers_need_a_choice(
    tmp_path: Path, hier_grids: dict[str, gpd.GeoDataFrame]
) -> None:
    path, _ = write_geopackage(tmp_path, hier_grids)["small"]
    with pytest.raises(GridFileError, match=r"grids\.gpkg.*3 layers \(large, medium, small\)"):
        read_grid_file(path, level="small", code_field="grid_code", name_field="grid_name")
    with pytest.raises(GridFileError, match=r"no layer 'tiny'"):
        read_grid_file(
            path, level="small", code_field="grid_code", name_field="grid_name", layer="tiny"
        )


def test_zip_with_several_shapefiles_needs_a_choice(
    tmp_path: Path, hier_grids: dict[str, gpd.GeoDataFrame]
) -> None:
    write_shapefiles(tmp_path, hier_grids)
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in sorted(tmp_path.glob("*.*")):
            if part.suffix != ".zip":
                zf.write(part, part.name)
    with pytest.raises(GridFileError, match=r"all\.zip.*3 Shapefiles"):
        read_grid_file(archive, level="medium", code_field="WGBM", name_field="WGMC")
    got = read_grid_file(
        archive, level="medium", code_field="WGBM", name_field="WGMC", layer="medium"
    )
    assert got["code"].tolist() == hier_grids["medium"]["code"].tolist()


def test_unknown_level_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown grid level 'tiny'"):
        read_grid_file(tmp_path / "x.shp", level="tiny", code_field="c", name_field="n")  # type: ignore[arg-type]


def test_shapefile_encoding_without_cpg(tmp_path: Path) -> None:
    """Older Chinese Shapefiles are GBK without a .cpg file: encoding= reads their names."""
    frame = gpd.GeoDataFrame(
        {"WGBM": [441502001], "WGMC": ["凤山街道"]},
        geometry=[shapely.box(115.40, 22.80, 115.41, 22.81)],
        crs="EPSG:4326",
    )
    path = tmp_path / "gbk.shp"
    frame.to_file(path, engine="pyogrio", encoding="GBK")
    path.with_suffix(".cpg").unlink()
    kwargs = {"level": "large", "code_field": "WGBM", "name_field": "WGMC"}
    assert read_grid_file(path, **kwargs)["name"].tolist() != ["凤山街道"]  # mojibake
    assert read_grid_file(path, encoding="GBK", **kwargs)["name"].tolist() == ["凤山街道"]
