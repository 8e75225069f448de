"""Population-weighted k-means: where the children of a parent are centred."""

from __future__ import annotations

import numpy as np
import shapely

from geo.demo_city.plane import FloatArray, sample_uniform, sq_dist


def weighted_kmeans(
    pts: FloatArray,
    w: FloatArray,
    k: int,
    rng: np.random.Generator,
    *,
    fixed: FloatArray | None = None,
    iterations: int = 12,
) -> FloatArray:
    """Weighted k-means (k-means++ start, Lloyd steps); centres snapped to sample points.

    ``fixed``, if given, is the first centre and is never moved.
    """
    centres = _kmeans_pp_start(pts, w, k, rng, fixed=fixed)
    for _ in range(iterations):
        centres = _lloyd_step(pts, w, centres, fixed=fixed)
    return _snap_to_samples(centres, pts, fixed=fixed)


def _kmeans_pp_start(
    pts: FloatArray, w: FloatArray, k: int, rng: np.random.Generator, *, fixed: FloatArray | None
) -> FloatArray:
    """k-means++ seeding: each next centre drawn with weight × squared distance."""
    n = len(pts)
    centres = np.empty((k, 2))
    if fixed is not None:
        centres[0] = fixed
    else:
        centres[0] = pts[rng.choice(n, p=w / w.sum())]
    d2 = ((pts - centres[0]) ** 2).sum(axis=1)
    for j in range(1, k):
        q = w * d2
        total = q.sum()
        idx = int(rng.choice(n, p=q / total)) if total > 0 else int(rng.integers(n))
        centres[j] = pts[idx]
        d2 = np.minimum(d2, ((pts - centres[j]) ** 2).sum(axis=1))
    return centres


def _lloyd_step(
    pts: FloatArray, w: FloatArray, centres: FloatArray, *, fixed: FloatArray | None
) -> FloatArray:
    """Move every centre to the weighted mean of its points (a centre with none stays)."""
    k = len(centres)
    label = sq_dist(pts, centres).argmin(axis=1)
    mass = np.bincount(label, w, minlength=k)
    sx = np.bincount(label, w * pts[:, 0], minlength=k)
    sy = np.bincount(label, w * pts[:, 1], minlength=k)
    ok = mass > 0
    new = centres.copy()
    new[ok, 0] = sx[ok] / mass[ok]
    new[ok, 1] = sy[ok] / mass[ok]
    if fixed is not None:
        new[0] = fixed
    return new


def _snap_to_samples(
    centres: FloatArray, pts: FloatArray, *, fixed: FloatArray | None
) -> FloatArray:
    """Snap every free centre to a distinct sample point (so seeds lie inside the parent)."""
    used = np.zeros(len(pts), dtype=bool)
    seeds = centres.copy()
    dist = sq_dist(centres, pts)
    for j in range(len(centres)):
        if fixed is not None and j == 0:
            continue
        pick = int(np.argmin(dist[j]))
        if used[pick]:
            pick = int(np.argmin(np.where(used, np.inf, dist[j])))
        used[pick] = True
        seeds[j] = pts[pick]
    return seeds


def split_seed(
    cell: shapely.Geometry,
    seed: FloatArray,
    pts: FloatArray,
    rng: np.random.Generator,
) -> tuple[FloatArray, FloatArray]:
    """Two seeds that split ``cell`` in two (2-means on the points inside it)."""
    shapely.prepare(cell)
    inside = pts[shapely.contains_xy(cell, pts[:, 0], pts[:, 1])]
    if len(inside) < 8:
        inside = sample_uniform(cell, 64, rng)
    far = inside[int(np.argmax(((inside - seed) ** 2).sum(axis=1)))]
    two = weighted_kmeans(inside, np.ones(len(inside)), 2, rng, fixed=None, iterations=8)
    if np.allclose(two[0], two[1]):
        two = np.vstack([seed, far])
    return two[0], two[1]
