"""What the point-assignment benchmarks share: the version line, the timed race, the verdict."""

from __future__ import annotations

import argparse
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely


def best_of(repeat: int, func: Callable[[], Any]) -> tuple[float, Any]:
    """Return the best wall time of ``repeat`` calls, and the last result."""
    best = float("inf")
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    return best, result


def race_arguments(
    argv: list[str] | None, description: str, *, repeat: int, min_ratio: float
) -> argparse.Namespace:
    """Parse the options of a point-assignment race (``--points``, ``--grids``, …)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--points", type=int, default=1_000_000, help="number of points")
    parser.add_argument(
        "--grids",
        default="demo",
        help="'demo' (the 4,555 small grids of the 汕尾 demo city), 'voronoi', or a vector file",
    )
    parser.add_argument(
        "--repeat", type=int, default=repeat, help="timed runs of each (best is kept)"
    )
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--min-ratio", type=float, default=min_ratio, help="fail below this ratio")
    return parser.parse_args(argv)


def print_versions() -> None:
    """Print the versions the figures depend on."""
    print(
        f"python {platform.python_version()}, shapely {shapely.__version__}, "
        f"GEOS {shapely.geos_version_string}, numpy {np.__version__}"
    )


@dataclass(frozen=True)
class Race:
    """The best times of the STRtree baseline and a candidate, with their last results."""

    base_s: float
    pairs: np.ndarray
    cand_s: float
    result: Any

    def verdict(self, name: str, short: str, inside: str, args: argparse.Namespace) -> int:
        """Print both throughputs and their ratio; 1 below ``args.min_ratio``, else 0.

        ``name`` is the candidate's (``"GridIndex.assign"``), ``short`` its name in the
        ratio line (``"assign"``), ``inside`` what is said of the points inside.
        """
        ratio = self.base_s / self.cand_s
        for label, seconds in (("strtree query", self.base_s), (name, self.cand_s)):
            print(f"{label}: {seconds:.3f} s ({args.points / seconds / 1e6:.2f} M points/s)")
        print(f"inside: {inside}")
        print(f"{short}/strtree throughput ratio: {ratio:.2f}")
        if ratio < args.min_ratio:
            print(f"FAIL: ratio {ratio:.2f} < {args.min_ratio}", file=sys.stderr)
            return 1
        return 0


def race(
    polygons: np.ndarray, points: np.ndarray, candidate: Callable[[], Any], repeat: int
) -> Race:
    """Time a bare STRtree query of ``points`` against ``candidate``, best of ``repeat``.

    Both are warmed up first (the first query builds the tree and prepares the polygons),
    then the timed runs alternate.
    """

    def baseline() -> np.ndarray:
        return shapely.STRtree(polygons).query(points, predicate="intersects")

    baseline()
    candidate()
    base_s = cand_s = float("inf")
    pairs = result = None
    for _ in range(repeat):
        t, pairs = best_of(1, baseline)
        base_s = min(base_s, t)
        t, result = best_of(1, candidate)
        cand_s = min(cand_s, t)
    return Race(base_s, pairs, cand_s, result)
