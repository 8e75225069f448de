"""The demo city builder: districts to large, medium and small grids, level by level."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np

from geo.demo_city.apportion import largest_remainder
from geo.demo_city.districts import load_districts
from geo.demo_city.layers import DemoCity, assemble
from geo.demo_city.partition import LevelSpec, partition
from geo.demo_city.plane import (
    FloatArray,
    IntArray,
    area,
    coverage_clean,
    plane_xy,
    sample_uniform,
    to_plane,
)
from geo.demo_city.population import Cell, Density, estimate_population, urban_core
from geo.demo_city.shanwei import (
    COUNTY_SEATS,
    DISTRICT_ADCODES,
    DISTRICT_DENSITY,
    LARGE_COUNT,
    MEDIUM_COUNT,
    SMALL_COUNT,
)
from geo.shapes import to_multipolygons

ProgressCallback = Callable[[str, float], None]
"""Called as ``progress(message, fraction_done)`` while the city is built."""

_LARGE: Final = LevelSpec("large", 1, 300.0, 0.09, 0.35, 80, 1200, 999)
_MEDIUM: Final = LevelSpec("medium", 2, 140.0, 0.07, 1.0, 50, 600, 60)
_SMALL: Final = LevelSpec("small", 3, 60.0, 0.06, 1.0, 50, 300, 99)


@dataclass(frozen=True)
class _PopulationCut:
    """A level shared among its parents by population, then cut out of them."""

    spec: LevelSpec
    total: int  # grids of this level in the whole city
    samples: int  # random points per parent to estimate its population
    stream: int  # random stream of those points
    message: str
    progress: tuple[float, float]  # (start, span) of the build's progress


_POPULATION_CUTS: Final = (
    _PopulationCut(
        _MEDIUM, MEDIUM_COUNT, 1500, 11, "cutting large grids into medium grids", (0.15, 0.2)
    ),
    _PopulationCut(
        _SMALL, SMALL_COUNT, 300, 12, "cutting medium grids into small grids", (0.35, 0.55)
    ),
)
"""The medium and the small level, in order."""


def build_demo_city(
    boundaries_dir: Path,
    *,
    seed: int = 2026,
    progress: ProgressCallback | None = None,
) -> DemoCity:
    """Build the demo 汕尾 grid hierarchy: 56 large, 868 medium and 4,555 small grids.

    Parameters
    ----------
    boundaries_dir : pathlib.Path
        Directory with the district GeoJSON files (``441502.geojson`` etc., GCJ-02).
    seed : int, default 2026
        Random seed; the same seed always gives byte-identical geometries and attributes.
    progress : callable, optional
        Called as ``progress(message, fraction_done)`` during the build.

    Returns
    -------
    DemoCity
        The districts and the three grid layers, in EPSG:4326.
    """
    stage = _Stages(progress)
    stage("reading district boundaries", 0.0)
    districts_ll = load_districts(boundaries_dir)
    district_geoms = [to_plane(districts_ll[a]) for a in DISTRICT_ADCODES]
    rng = np.random.default_rng([seed, 0])
    seats = [plane_xy(*COUNTY_SEATS[a]) for a in DISTRICT_ADCODES]
    core = urban_core(district_geoms, seats, rng)

    # Large grids (towns and streets), shared among districts by area.
    stage("cutting districts into large grids", 0.05)
    district_cells = [Cell(g, s, -1, area(g)) for g, s in zip(district_geoms, seats, strict=True)]
    n_large = largest_remainder(LARGE_COUNT, [c.population for c in district_cells])
    large = _split_level(district_cells, n_large, core, _LARGE, seed, fixed=seats)

    # Every town centre gets its own density bump.
    density = core.with_bumps(
        np.array([c.seed for c in large]),
        rng.uniform(3.0, 8.0, len(large)),
        rng.uniform(700.0, 1400.0, len(large)),
    )
    factors = [DISTRICT_DENSITY[DISTRICT_ADCODES[c.parent]] for c in large]
    levels = [large]
    for cut in _POPULATION_CUTS:
        children = _split_by_population(
            levels[-1], factors, density, cut, seed, progress=stage(cut.message, *cut.progress)
        )
        factors = [factors[c.parent] for c in children]
        levels.append(children)
    _, medium, small = levels

    stage("naming grids", 0.92)
    city = assemble(districts_ll, district_cells, (large, medium, small), density, seed)
    stage("done", 1.0)
    return city


class _Stages:
    """Reports the stages of a build to a :data:`ProgressCallback` (or to nobody)."""

    def __init__(self, progress: ProgressCallback | None) -> None:
        self._progress = progress

    def __call__(self, message: str, start: float, span: float = 0.0) -> Callable[[float], None]:
        """Report that a stage starts; return its callback for the fraction of it done."""

        def done(fraction: float) -> None:
            if self._progress is not None:
                self._progress(message, min(max(start + span * fraction, 0.0), 1.0))

        done(0.0)
        return done


def _split_by_population(
    parents: list[Cell],
    factors: Sequence[float],
    density: Density,
    cut: _PopulationCut,
    seed: int,
    *,
    progress: Callable[[float], None],
) -> list[Cell]:
    """Share ``cut.total`` children among ``parents`` by estimated population; cut them out.

    Each parent's population is estimated from random points, scaled by its district's
    density factor.
    """
    estimate_population(
        parents,
        density,
        factors,
        cut.samples,
        lambda i: np.random.default_rng([seed, cut.stream, i]),
    )
    counts = largest_remainder(
        cut.total, [c.population for c in parents], maximum=cut.spec.max_children
    )
    return _split_level(parents, counts, density, cut.spec, seed, progress=progress)


def _split_level(
    parents: list[Cell],
    counts: IntArray,
    density: Density,
    spec: LevelSpec,
    seed: int,
    *,
    fixed: Sequence[FloatArray | None] | None = None,
    progress: Callable[[float], None] | None = None,
) -> list[Cell]:
    """Cut every parent into its allotted number of cells, then edge-match the level."""
    children: list[Cell] = []
    for i, (parent, k) in enumerate(zip(parents, counts.tolist(), strict=True)):
        rng = np.random.default_rng([seed, spec.index, i])
        n_pts = max(spec.min_samples, spec.samples_per_child * k)
        pts = parent.samples if parent.samples is not None else np.empty((0, 2))
        if len(pts) < n_pts:
            pts = np.vstack([pts, sample_uniform(parent.geom, n_pts - len(pts), rng)])
        weights = density(pts) ** spec.gamma
        anchor = None if fixed is None else fixed[i]
        cells, seeds = partition(parent.geom, k, pts, weights, rng, spec, fixed=anchor)
        children.extend(Cell(c, s, i) for c, s in zip(cells, seeds, strict=True))
        if progress is not None and (i % 16 == 0 or i == len(parents) - 1):
            progress((i + 1) / len(parents))
    cleaned = to_multipolygons(coverage_clean(np.array([c.geom for c in children], dtype=object)))
    for child, geom in zip(children, cleaned, strict=True):
        if geom is None or not geom.is_valid:
            raise RuntimeError(f"a {spec.name} grid collapsed while edge-matching the level")
        child.geom = geom
    return children
