"""``minqing import-grids`` / ``check-grids`` on both stores: files in different CRSs import
alike, and a broken file or missing parents is one clear error with nothing written.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
import shapely.affinity
from pyproj import Transformer
from sqlmodel import select
from typer.testing import CliRunner

from api.cli import app
from api.context import AppContext
from api.grids import load_layer
from api.models import Grid
from api.settings import Settings
from tests.city import mini_city

runner = CliRunner()


def invoke(settings: Settings, *args: str) -> tuple[int, str]:
    env = {
        "MINQING_DATABASE_URL": settings.database_url,
        "MINQING_RUNTIME_DIR": str(settings.work_dir),
    }
    result = runner.invoke(app, list(args), env=env, terminal_width=240)
    return result.exit_code, result.output


def write_levels(
    folder: Path, city: dict[str, gpd.GeoDataFrame], *, driver: str, suffix: str, crs: str
) -> dict[str, Path]:
    paths = {}
    for level, layer in city.items():
        frame = layer.rename(
            columns={"code": "GRID_CODE", "name": "GRID_NAME", "parent_code": "PARENT"}
        )
        frame = frame[["GRID_CODE", "GRID_NAME", "PARENT", "geometry"]].to_crs(crs)
        path = folder / f"{level}{suffix}"
        frame.to_file(path, driver=driver, engine="pyogrio")
        paths[level] = path
    return paths


def import_args(path: Path, level: str, *, code_field: str = "GRID_CODE") -> list[str]:
    return [
        "import-grids",
        str(path),
        "--level",
        level,
        "--code-field",
        code_field,
        "--name-field",
        "GRID_NAME",
        "--parent-field",
        "PARENT",
    ]


def import_all(settings: Settings, paths: dict[str, Path]) -> None:
    for level in ("large", "medium", "small"):
        code, output = invoke(settings, *import_args(paths[level], level))
        assert code == 0, output
        assert f"stored {len(mini_city()[level])} {level} grids" in output


def stored(context: AppContext, level: str) -> gpd.GeoDataFrame:
    with context.db.session() as session:
        return load_layer(session, level)


def test_shapefile_4547_and_geopackage_4490_import_alike(
    context: AppContext, tmp_path: Path
) -> None:
    city = mini_city()
    (tmp_path / "shp").mkdir()
    (tmp_path / "gpkg").mkdir()
    shp = write_levels(
        tmp_path / "shp", city, driver="ESRI Shapefile", suffix=".shp", crs="EPSG:4547"
    )
    gpkg = write_levels(tmp_path / "gpkg", city, driver="GPKG", suffix=".gpkg", crs="EPSG:4490")

    import_all(context.settings, shp)
    from_shapefile = {level: stored(context, level) for level in city}
    import_all(context.settings, gpkg)
    from_geopackage = {level: stored(context, level) for level in city}

    to_metres = Transformer.from_crs("EPSG:4326", "EPSG:4547", always_xy=True)
    for level in city:
        a, b = from_shapefile[level], from_geopackage[level]
        assert list(a["code"]) == list(b["code"]) == sorted(city[level]["code"])
        for ga, gb in zip(a.geometry, b.geometry, strict=True):
            pa, pb = (
                shapely.transform(
                    g, lambda xy: np.column_stack(to_metres.transform(xy[:, 0], xy[:, 1]))
                )
                for g in (ga, gb)
            )
            assert shapely.hausdorff_distance(pa, pb) < 0.5
    code, output = invoke(context.settings, "check-grids")
    assert code == 0 and "0 errors" in output


def test_broken_file_is_reported_and_nothing_is_written(
    context: AppContext, tmp_path: Path
) -> None:
    city = mini_city()
    (tmp_path / "ok").mkdir()
    import_all(
        context.settings,
        write_levels(tmp_path / "ok", city, driver="GeoJSON", suffix=".geojson", crs="EPSG:4326"),
    )
    before = stored(context, "small")

    small = city["small"].copy()
    lon0, lat0, _, _ = small.geometry.iloc[0].bounds
    # 1. a self-intersecting "bow-tie" ring
    small.loc[0, "geometry"] = shapely.MultiPolygon(
        [
            shapely.Polygon(
                [
                    (lon0, lat0),
                    (lon0 + 0.01, lat0 + 0.02),
                    (lon0 + 0.01, lat0),
                    (lon0, lat0 + 0.02),
                    (lon0, lat0),
                ]
            )
        ]
    )
    # 2. two overlapping siblings: grid 02 grows over grid 04 (same medium)
    small.loc[1, "geometry"] = small.geometry.iloc[1].union(small.geometry.iloc[3]).buffer(0)
    # 3. a child outside its parent: moved 0.2° east, beyond the whole city
    small.loc[5, "geometry"] = shapely.affinity.translate(small.geometry.iloc[5], xoff=0.2)
    # 4. a missing code
    small.loc[6, "code"] = None
    # 5. a code that does not start with its parent's code
    small.loc[9, "code"] = "44150200200999"
    broken = {"small": small}
    (tmp_path / "bad").mkdir()
    paths = write_levels(
        tmp_path / "bad", broken, driver="GeoJSON", suffix=".geojson", crs="EPSG:4326"
    )

    code, output = invoke(context.settings, *import_args(paths["small"], "small"))
    assert code == 1
    expected = {
        (city["small"]["code"][0], "invalid_geometry"),
        (city["small"]["code"][1], "sibling_overlap"),
        (city["small"]["code"][5], "outside_parent"),
        ("(row 7)", "missing_code"),
        ("44150200200999", "bad_code_prefix"),
    }
    for grid_code, problem in expected:
        line = next(
            (line for line in output.splitlines() if grid_code in line and problem in line), None
        )
        assert line is not None, f"{grid_code} {problem} not reported:\n{output}"
    assert "nothing written" in output
    after = stored(context, "small")
    assert list(after["code"]) == list(before["code"])
    assert all(a.equals(b) for a, b in zip(after.geometry, before.geometry, strict=True))


def test_unknown_field_and_missing_parents_are_one_clear_error(
    context: AppContext, tmp_path: Path
) -> None:
    city = mini_city()
    paths = write_levels(tmp_path, city, driver="GeoJSON", suffix=".geojson", crs="EPSG:4326")
    code, output = invoke(
        context.settings,
        "import-grids",
        str(paths["small"]),
        "--level",
        "small",
        "--code-field",
        "NOPE",
        "--name-field",
        "GRID_NAME",
    )
    assert code == 2 and "NOPE" in output and "GRID_CODE" in output
    code, output = invoke(context.settings, *import_args(paths["small"], "small"))
    assert code == 2 and "import them first" in output
    with context.db.session() as session:
        assert session.exec(select(Grid)).all() == []
