"""Benchmark GridIndex.assign against a bare shapely STRtree query.

Run ``python -m bench.bench_assign [--points N] [--grids PATH]``. Without ``--grids`` it
builds 4,555 small grids as a Voronoi tessellation of random seeds over the Shanwei box
(lon 114.9-116.2, lat 22.6-23.5). It draws random points in the grids' bounds, times (best
of 3) the baseline ``STRtree(polygons).query(points, predicate="intersects")`` on prebuilt
points and ``GridIndex.assign(lon, lat)`` from coordinate arrays (so point construction,
tie resolution and code lookup count against it), and prints the throughput ratio.
Exits 1 if the ratio is below ``--min-ratio`` (default 0.5).
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from bench.common import best_of, print_versions, race, race_arguments
from geo.assign import GridIndex

BOX = (114.9, 22.6, 116.2, 23.5)  # min_lon, min_lat, max_lon, max_lat
N_GRIDS = 4_555


def voronoi_grids(
    n: int, rng: np.random.Generator
) -> tuple[np.ndarray, list[str], list[str], list[str]]:
    """Voronoi cells of ``n`` random seeds in BOX, clipped to it, with synthetic codes."""
    min_lon, min_lat, max_lon, max_lat = BOX
    seeds = np.column_stack([rng.uniform(min_lon, max_lon, n), rng.uniform(min_lat, max_lat, n)])
    box = shapely.box(*BOX)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=box))
    cells = shapely.intersection(cells, box)
    # voronoi_polygons does not keep the seed order: find each cell's seed again.
    centres = shapely.points(seeds)
    tree = shapely.STRtree(cells)
    seed_idx, cell_idx = tree.query(centres, predicate="intersects")
    order = np.full(len(cells), -1)
    order[cell_idx] = seed_idx
    # Medium grids: a 10 x 10 raster over the box; large: 2 x 2.
    fx = (seeds[:, 0] - min_lon) / (max_lon - min_lon)
    fy = (seeds[:, 1] - min_lat) / (max_lat - min_lat)
    mx = np.minimum((fx * 10).astype(int), 9)
    my = np.minimum((fy * 10).astype(int), 9)
    small, medium, large = [], [], []
    for i in order:
        large_code = f"L{my[i] // 5}{mx[i] // 5}"
        medium_code = f"{large_code}M{my[i]}{mx[i]}"
        small.append(f"{medium_code}S{i:05d}")
        medium.append(medium_code)
        large.append(large_code)
    return cells, small, medium, large


def demo_grids() -> tuple[np.ndarray, list[str], list[str], list[str]]:
    """The small grids of the demo city, with their medium and large parents."""
    from geo.demo_city import build_demo_city

    city = build_demo_city(Path(__file__).resolve().parents[1] / "data" / "shanwei", seed=2026)
    medium_parent = dict(zip(city.medium["code"], city.medium["parent_code"], strict=True))
    small = list(city.small["code"])
    medium = list(city.small["parent_code"])
    return np.asarray(city.small.geometry.values), small, medium, [medium_parent[m] for m in medium]


def file_grids(path: Path) -> tuple[np.ndarray, list[str], list[str], list[str]]:
    """Small grids from a vector file; codes from small/medium/large code columns if any."""
    import geopandas

    frame = geopandas.read_file(path)
    if frame.crs is not None and frame.crs.to_epsg() != 4326:
        frame = frame.to_crs(4326)
    frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
    n = len(frame)

    def column(names: tuple[str, ...], default: list[str]) -> list[str]:
        for name in names:
            if name in frame.columns:
                return [str(v) for v in frame[name]]
        return default

    small = column(("small_code", "code", "grid_code"), [f"S{i:06d}" for i in range(n)])
    medium = column(("medium_code",), [f"M{i // 10:05d}" for i in range(n)])
    large = column(("large_code",), [f"L{i // 100:04d}" for i in range(n)])
    return np.asarray(frame.geometry.values, dtype=object), small, medium, large


@dataclass(frozen=True)
class Grids:
    """Small grids with their parents' codes, where they come from and how long they took."""

    polygons: np.ndarray
    small: list[str]
    medium: list[str]
    large: list[str]
    source: str
    seconds: float

    @property
    def columns(self) -> tuple[list[str], np.ndarray, list[str], list[str]]:
        """The arguments of ``GridIndex`` and ``GridCovering``: codes, polygons, parents."""
        return self.small, self.polygons, self.medium, self.large


def load_grids(which: str, rng: np.random.Generator) -> Grids:
    """The grids ``--grids`` names: ``demo``, ``voronoi`` or a vector file."""
    start = time.perf_counter()
    if which == "demo":
        found, source = demo_grids(), "the 汕尾 demo city (seed 2026)"
    elif which == "voronoi":
        found = voronoi_grids(N_GRIDS, rng)
        source = f"Voronoi tessellation of {N_GRIDS} seeds over {BOX}"
    else:
        found, source = file_grids(Path(which)), which
    return Grids(*found, source=source, seconds=time.perf_counter() - start)


def main(argv: list[str] | None = None) -> int:
    args = race_arguments(argv, __doc__.splitlines()[0], repeat=3, min_ratio=0.5)
    rng = np.random.default_rng(args.seed)

    grids = load_grids(args.grids, rng)
    build_s, index = best_of(1, lambda: GridIndex(*grids.columns))

    min_lon, min_lat, max_lon, max_lat = index.bounds
    lon = rng.uniform(min_lon, max_lon, args.points)
    lat = rng.uniform(min_lat, max_lat, args.points)
    points = shapely.points(lon, lat)

    print_versions()
    print(f"grids: {len(index)} small grids from {grids.source} ({grids.seconds:.2f} s)")
    print(f"GridIndex build: {build_s * 1e3:.1f} ms")
    print(f"points: {args.points:,}, best of {args.repeat}")

    def assign() -> Any:
        return index.assign(lon, lat)

    run = race(grids.polygons, points, assign, args.repeat)
    matched = np.unique(run.pairs[0]).size
    inside = int(run.result.inside.sum())
    if matched != inside:
        print(f"MISMATCH: baseline matched {matched:,} points, assign {inside:,}")
        return 2

    return run.verdict("GridIndex.assign", "assign", f"{inside:,} of {args.points:,} points", args)


if __name__ == "__main__":
    sys.exit(main())
