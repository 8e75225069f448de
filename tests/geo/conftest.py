"""Fixtures for the grid file and hierarchy tests (prefixed ``hier_`` / ``gridfile_``)."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

#: South-west corner and cell size (degrees) of the lattice the test grids are drawn on,
#: in 城区, 汕尾 (about 515 m x 555 m per cell).
HIER_ORIGIN = (115.40, 22.80)
HIER_CELL = 0.005
HIER_COUNTY = "441502"


def hier_box(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    """A lon/lat rectangle given in lattice cells."""
    lon0, lat0 = HIER_ORIGIN
    return shapely.box(
        lon0 + x0 * HIER_CELL, lat0 + y0 * HIER_CELL, lon0 + x1 * HIER_CELL, lat0 + y1 * HIER_CELL
    )


def hier_frame(rows: list[dict], level: str) -> gpd.GeoDataFrame:
    """A grid layer (the columns read_grid_file returns) from dicts with code/parent/geometry."""
    return gpd.GeoDataFrame(
        {
            "code": [r["code"] for r in rows],
            "name": [r.get("name", f"网格{i + 1}") for i, r in enumerate(rows)],
            "level": level,
            "parent_code": [r.get("parent_code") for r in rows],
            "source_row": list(range(1, len(rows) + 1)),
        },
        geometry=[r["geometry"] for r in rows],
        crs="EPSG:4326",
    )


def hier_build() -> dict[str, gpd.GeoDataFrame]:
    """2 large x 2 medium x 2 small grids tiling an 8 x 4 cell rectangle.

    Large ``441502001`` is cells x 0-4, ``441502002`` x 4-8 (y 0-4); each large grid is cut
    into a south (``…001``, y 0-2) and north (``…002``, y 2-4) medium grid; each medium grid
    into a west (``…01``) and east (``…02``) small grid.
    """
    large, medium, small = [], [], []
    for li in range(2):
        lcode = f"{HIER_COUNTY}{li + 1:03d}"
        x0 = 4 * li
        large.append(
            {
                "code": lcode,
                "name": f"街道{li + 1}",
                "parent_code": HIER_COUNTY,
                "geometry": hier_box(x0, 0, x0 + 4, 4),
            }
        )
        for mi in range(2):
            mcode = f"{lcode}{mi + 1:03d}"
            y0 = 2 * mi
            medium.append(
                {
                    "code": mcode,
                    "name": f"社区{li + 1}-{mi + 1}",
                    "parent_code": lcode,
                    "geometry": hier_box(x0, y0, x0 + 4, y0 + 2),
                }
            )
            for si in range(2):
                small.append(
                    {
                        "code": f"{mcode}{si + 1:02d}",
                        "name": f"第{si + 1}网格",
                        "parent_code": mcode,
                        "geometry": hier_box(x0 + 2 * si, y0, x0 + 2 * si + 2, y0 + 2),
                    }
                )
    return {
        "large": hier_frame(large, "large"),
        "medium": hier_frame(medium, "medium"),
        "small": hier_frame(small, "small"),
    }


@pytest.fixture
def hier_grids() -> dict[str, gpd.GeoDataFrame]:
    """A clean three-level hierarchy in EPSG:4326: {"large": ..., "medium": ..., "small": ...}."""
    return hier_build()
