"""A small, exact city for API tests: 2 large × 2 medium × 4 small grids in 城区, 汕尾."""

from __future__ import annotations

import geopandas as gpd
import shapely

from api.context import AppContext
from api.grids import replace_level
from api.reference import seed_demo_users, seed_reference, seed_township_units

ORIGIN = (115.30, 22.76)  # lon, lat of the south-west corner (WGS84)
CELL = 0.01  # degrees: a small grid is 0.01° × 0.01°, about 1 km


def _box(x0: float, y0: float, x1: float, y1: float) -> shapely.MultiPolygon:
    lon, lat = ORIGIN
    return shapely.MultiPolygon(
        [shapely.box(lon + x0 * CELL, lat + y0 * CELL, lon + x1 * CELL, lat + y1 * CELL)]
    )


def mini_city() -> dict[str, gpd.GeoDataFrame]:
    """Large grids side by side (4×4 cells each), mediums as halves, smalls as 2×2 quarters."""
    rows: dict[str, list[dict[str, object]]] = {"large": [], "medium": [], "small": []}
    for li in range(2):
        large = f"441502{li + 1:03d}"
        rows["large"].append(
            {
                "code": large,
                "name": f"测试{li + 1}街道",
                "parent_code": "441502",
                "geometry": _box(4 * li, 0, 4 * li + 4, 4),
            }
        )
        for mi in range(2):
            medium = f"{large}{mi + 1:03d}"
            x0 = 4 * li + 2 * mi
            rows["medium"].append(
                {
                    "code": medium,
                    "name": f"测试{li + 1}{mi + 1}社区",
                    "parent_code": large,
                    "geometry": _box(x0, 0, x0 + 2, 4),
                }
            )
            for si in range(4):
                sx, sy = x0 + si % 2, 2 * (si // 2)
                rows["small"].append(
                    {
                        "code": f"{medium}{si + 1:02d}",
                        "name": f"第{si + 1}网格",
                        "parent_code": medium,
                        "geometry": _box(sx, sy, sx + 1, sy + 2),
                    }
                )
    return {
        level: gpd.GeoDataFrame(
            {
                "code": [r["code"] for r in items],
                "name": [r["name"] for r in items],
                "parent_code": [r["parent_code"] for r in items],
                "households": 400,
                "population": 1120,
            },
            geometry=[r["geometry"] for r in items],
            crs="EPSG:4326",
        )
        for level, items in rows.items()
    }


def centre_of(code: str) -> tuple[float, float]:
    """WGS84 centre of a grid of the mini city."""
    for layer in mini_city().values():
        match = layer[layer["code"] == code]
        if len(match):
            point = match.geometry.iloc[0].centroid
            return point.x, point.y
    raise KeyError(code)


def install_mini_city(context: AppContext) -> None:
    """Grids, departments, categories and demo users into an upgraded store."""
    city = mini_city()
    with context.db.write_session() as session:
        for level in ("large", "medium", "small"):
            replace_level(session, city[level], level=level)
        seed_reference(session, context.settings.data_dir)
        seed_township_units(session)
        seed_demo_users(session, password=context.settings.demo_password)
