"""Benchmark geo.synthetic.generate_reports against bare point sampling in the same grids.

Run ``python -m bench.bench_synthetic [--reports N] [--grids N]``. It builds ``--grids``
small grids as a Voronoi tessellation over 城区, 汕尾, then times (best of ``--repeat``) the
baseline, drawing as many uniform points in the grids' bounding boxes, keeping those inside
(``shapely.contains_xy``) and wrapping each in a report object, and ``generate_reports``
for the same number of reports (hot spots, report times, GCJ-02 round trip, names and
addresses). It prints the time ratio
and exits 1 if it is above ``--max-ratio``: the generator should stay within a small factor
of the work it cannot avoid, whatever the machine's load.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import geopandas as gpd
import numpy as np
import shapely

from api.catalog import read_categories
from geo.synthetic import SyntheticReport, generate_reports

BOX = (115.30, 22.75, 115.45, 22.85)
DATA_DIR = Path(__file__).resolve().parents[1] / "data"


def voronoi_layer(n: int, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """``n`` Voronoi small grids over BOX with households."""
    box = shapely.box(*BOX)
    seeds = rng.uniform(BOX[:2], BOX[2:], (n, 2))
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=box))
    cells = shapely.intersection(cells, box)
    codes = [f"441502001{i // 5 + 1:03d}{i % 5 + 1:02d}" for i in range(len(cells))]
    return gpd.GeoDataFrame(
        {"code": codes, "households": rng.integers(300, 501, len(cells))},
        geometry=[shapely.MultiPolygon([c]) for c in cells],
        crs="EPSG:4326",
    )


def baseline(layer: gpd.GeoDataFrame, n: int, rng: np.random.Generator) -> list[SyntheticReport]:
    """What any generator must do: ``n`` points in random grids (rejection sampling in their
    bounds) and ``n`` report objects holding them."""
    geoms = np.asarray(layer.geometry.values, dtype=object)
    shapely.prepare(geoms)
    bounds = shapely.bounds(geoms)
    grid = rng.integers(len(geoms), size=n)
    out = np.empty((n, 2))
    todo = np.arange(n)
    while todo.size:
        b = bounds[grid[todo]]
        x = rng.uniform(b[:, 0], b[:, 2])
        y = rng.uniform(b[:, 1], b[:, 3])
        ok = shapely.contains_xy(geoms[grid[todo]], x, y)
        out[todo[ok]] = np.column_stack([x[ok], y[ok]])
        todo = todo[~ok]
    at = datetime(2026, 3, 2, tzinfo=ZoneInfo("Asia/Shanghai"))
    codes = layer["code"].tolist()
    return [
        SyntheticReport(
            f"B-{i}",
            "0201",
            float(x),
            float(y),
            "wgs84",
            at,
            codes[g],
            codes[g][:12],
            "新寮村",
            None,
            "陈伟",
            "13800000000",
            None,
        )  # fmt: skip
        for i, ((x, y), g) in enumerate(zip(out, grid, strict=True))
    ]


def best_of(repeat: int, func: Callable[[], Any]) -> float:
    """The best wall time of ``repeat`` calls."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--reports", type=int, default=20_000, help="reports to generate")
    parser.add_argument("--grids", type=int, default=200, help="small grids in the layer")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each (best kept)")
    parser.add_argument("--max-ratio", type=float, default=25.0, help="fail above this ratio")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(20240601)
    layer = voronoi_layer(args.grids, rng)
    weights = {c.code: c.weight for c in read_categories(DATA_DIR) if c.reportable}
    end = datetime(2026, 3, 2, 10, 30, tzinfo=ZoneInfo("Asia/Shanghai"))

    def generate() -> None:
        generate_reports(layer, weights, n=args.reports, days=90, end=end, seed=1)

    base_s = best_of(args.repeat, lambda: baseline(layer, args.reports, rng))
    generate_s = best_of(args.repeat, generate)
    ratio = generate_s / base_s
    print(
        f"python {platform.python_version()}, shapely {shapely.__version__}, numpy {np.__version__}"
    )
    print(f"{args.reports:,} reports in {len(layer)} small grids, best of {args.repeat}")
    print(f"baseline (points and report objects): {base_s:.3f} s")
    print(f"generate_reports: {generate_s:.3f} s ({args.reports / generate_s:,.0f} reports/s)")
    print(f"generate/baseline time ratio: {ratio:.1f}")
    if ratio > args.max_ratio:
        print(f"FAIL: ratio {ratio:.1f} > {args.max_ratio}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
