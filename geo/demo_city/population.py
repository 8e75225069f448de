"""A synthetic population density over the city, and the population of the cells cut from it.

The density is a rural base level plus Gaussian bumps: one on each county seat, two or three
smaller urban cores per district, then one on the centre of every town.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import shapely

from geo.demo_city.plane import FloatArray, area, sample_uniform, sq_dist

_CHUNK = 4096


@dataclass(frozen=True)
class Density:
    """Population density: a rural base plus Gaussian bumps (arbitrary units)."""

    centres: FloatArray
    weights: FloatArray
    sigmas: FloatArray
    base: float = 1.0

    def __call__(self, xy: FloatArray) -> FloatArray:
        """Evaluate the density at plane points ``xy`` of shape (n, 2)."""
        out = np.full(len(xy), self.base)
        inv = -1.0 / (2.0 * self.sigmas**2)
        for start in range(0, len(xy), _CHUNK):
            chunk = xy[start : start + _CHUNK]
            d2 = sq_dist(chunk, self.centres)
            out[start : start + _CHUNK] += np.exp(d2 * inv) @ self.weights
        return out

    def with_bumps(self, centres: FloatArray, weights: FloatArray, sigmas: FloatArray) -> Density:
        """Return a density with extra bumps."""
        return Density(
            np.vstack([self.centres, centres]),
            np.concatenate([self.weights, weights]),
            np.concatenate([self.sigmas, sigmas]),
            self.base,
        )


def urban_core(
    districts: Sequence[shapely.Geometry], seats: Sequence[FloatArray], rng: np.random.Generator
) -> Density:
    """The density of the urban cores: each county seat and two or three secondary centres.

    A seat that lies outside its district (a coarse position on a crooked coast) is moved,
    in place, to a point inside the district.
    """
    centres, weights, sigmas = [], [], []
    for geom, seat in zip(districts, seats, strict=True):
        if not shapely.contains_xy(geom, seat[0], seat[1]):
            seat[:] = shapely.get_coordinates(shapely.point_on_surface(geom))[0]
        centres.append(seat)
        weights.append(12.0)
        sigmas.append(2800.0)
        for xy in sample_uniform(geom, int(rng.integers(2, 4)), rng):
            centres.append(xy)
            weights.append(float(rng.uniform(4.0, 8.0)))
            sigmas.append(float(rng.uniform(1200.0, 2200.0)))
    return Density(np.array(centres), np.array(weights), np.array(sigmas), base=1.0)


@dataclass
class Cell:
    """One grid while it is being built (plane coordinates)."""

    geom: shapely.Geometry
    seed: FloatArray
    parent: int  # index into the parent level's list (district index for large grids)
    population: float = 0.0
    samples: FloatArray | None = None


def estimate_population(
    cells: list[Cell],
    density: Density,
    factors: Sequence[float],
    n: int,
    rng_for: Callable[[int], np.random.Generator],
) -> None:
    """Sample points in every cell; population = area × mean density × district factor."""
    for i, (cell, factor) in enumerate(zip(cells, factors, strict=True)):
        pts = sample_uniform(cell.geom, n, rng_for(i))
        cell.samples = pts
        cell.population = area(cell.geom) * float(density(pts).mean()) * factor
