"""Benchmark bulk assignment through GridCovering against a bare shapely STRtree query.

Run ``python -m bench.bench_covering [--points N] [--grids demo|voronoi|PATH]``. It builds
the 4,555 small grids of the 汕尾 demo city (as ``bench.bench_assign`` does), draws
``--points`` uniform GCJ-02 points over the grids' bounds (as a year of 12345 records comes)
and converts them to WGS84 with ``geo.crs.gcj02_to_wgs84``. Then, best of ``--repeat``, it
times the baseline ``STRtree(polygons).query(points, predicate="intersects")`` on prebuilt
points and ``GridCovering.assign(lon, lat)`` from the coordinate arrays (codes of the small,
medium and large grid, ties to the lowest code). It checks that the covering gives exactly
:meth:`GridIndex.assign`'s codes and the baseline's matches (lowest code of each point's
hits), prints the throughput ratio and exits 1 below ``--min-ratio`` (default 3, the issue's
bar), 2 on any difference.
"""

from __future__ import annotations

import sys

import numpy as np
import shapely

from bench.bench_assign import load_grids
from bench.common import best_of, print_versions, race, race_arguments
from geo.assign import Assignment, GridIndex
from geo.covering import GridCovering
from geo.crs import gcj02_to_wgs84, wgs84_to_gcj02


def gcj02_points(
    bounds: tuple[float, float, float, float], n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` uniform GCJ-02 points over the GCJ-02 box of ``bounds`` (WGS84)."""
    (lon0, lon1), (lat0, lat1) = wgs84_to_gcj02([bounds[0], bounds[2]], [bounds[1], bounds[3]])
    return rng.uniform(lon0, lon1, n), rng.uniform(lat0, lat1, n)


def baseline_codes(pairs: np.ndarray, small: list[str], n: int) -> np.ndarray:
    """Each point's lowest small code among the baseline's hits (None for no hit)."""
    codes = np.asarray(small, dtype=object)
    rank = np.empty(len(small), dtype=np.int64)
    rank[np.argsort(codes, kind="stable")] = np.arange(len(small))
    best = np.full(n, len(small), dtype=np.int64)
    np.minimum.at(best, pairs[0], rank[pairs[1]])
    return np.append(np.sort(codes), None)[best]


def differences(covering: Assignment, index: Assignment, baseline: np.ndarray) -> list[str]:
    """What differs between the covering's answer and the references (empty if nothing)."""
    problems = []
    for field in ("small", "medium", "large", "inside"):
        n = int((getattr(covering, field) != getattr(index, field)).sum())
        if n:
            problems.append(f"{n:,} points differ from GridIndex.assign in {field}")
    if n := int((covering.small != baseline).sum()):
        problems.append(f"{n:,} points differ from the baseline's lowest-code match")
    return problems


def main(argv: list[str] | None = None) -> int:
    args = race_arguments(argv, __doc__.splitlines()[0], repeat=5, min_ratio=3.0)
    rng = np.random.default_rng(args.seed)

    grids = load_grids(args.grids, rng)
    build_s, covering = best_of(1, lambda: GridCovering(*grids.columns))
    index = GridIndex(*grids.columns)

    gcj_lon, gcj_lat = gcj02_points(index.bounds, args.points, rng)
    convert_s, (lon, lat) = best_of(1, lambda: gcj02_to_wgs84(gcj_lon, gcj_lat))
    points = shapely.points(lon, lat)
    summary = covering.summary()

    print_versions()
    print(f"grids: {len(index)} small grids from {grids.source} ({grids.seconds:.2f} s)")
    print(
        f"covering build: {build_s:.2f} s, {covering.levels} levels, finest cell "
        f"{covering.cell_size * 111_000:.0f} m; finest cells interior {summary.interior[-1]:,}, "
        f"outside {summary.outside[-1]:,}, boundary {summary.boundary[-1]:,}"
    )
    print(f"points: {args.points:,} GCJ-02 → WGS84 in {convert_s:.3f} s, best of {args.repeat}")

    def assign() -> Assignment:
        return covering.assign(lon, lat)

    run = race(grids.polygons, points, assign, args.repeat)
    problems = differences(
        run.result, index.assign(lon, lat), baseline_codes(run.pairs, grids.small, lon.size)
    )
    for problem in problems:
        print(f"MISMATCH: {problem}")
    if problems:
        return 2
    inside = int(run.result.inside.sum())
    return run.verdict(
        "GridCovering.assign",
        "covering",
        f"{inside:,} of {args.points:,}; identical to GridIndex",
        args,
    )


if __name__ == "__main__":
    sys.exit(main())
