"""Cutting one parent into k children: bent Voronoi cells around weighted k-means seeds.

The cluster centres seed a Voronoi diagram whose edges are bent by a few random harmonics,
so that the borders look like field and village borders rather than straight lines. The
parent boundary and the bent edges are noded and polygonised; each face goes to the seed
that lies inside it, and faces with no seed (bits cut off by a crooked coast) go to the
neighbour with which they share the longest border. Children that come out empty or as
slivers are reseeded (the largest sibling is split in two) until the parent has exactly
its allotted count.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import numpy as np
import shapely

from geo.demo_city.kmeans import split_seed, weighted_kmeans
from geo.demo_city.plane import FloatArray, GeomArray, IntArray, area

_MAX_ATTEMPTS: Final = 40
_STRAIGHT_ATTEMPTS: Final = 10  # the last attempts use straight edges
_SLIVER_AREA_FRACTION: Final = 0.04  # of the parent's mean child area
_SLIVER_COMPACTNESS: Final = 0.06  # Polsby-Popper 4 pi A / P^2


@dataclass(frozen=True)
class LevelSpec:
    """How one level is cut out of its parents."""

    name: str
    index: int
    seg_len: float  # metres between vertices on a bent Voronoi edge
    amplitude: float  # harmonic amplitude as a fraction of the edge length
    gamma: float  # k-means weight = density ** gamma
    samples_per_child: int
    min_samples: int
    max_children: int


def partition(
    parent: shapely.Geometry,
    k: int,
    pts: FloatArray,
    weights: FloatArray,
    rng: np.random.Generator,
    spec: LevelSpec,
    *,
    fixed: FloatArray | None = None,
) -> tuple[list[shapely.Geometry], FloatArray]:
    """Cut ``parent`` into exactly ``k`` non-empty, non-sliver cells; return cells and seeds."""
    if k == 1:
        seed = fixed if fixed is not None else pts[int(np.argmax(weights))]
        return [parent], np.asarray([seed])
    seeds = weighted_kmeans(pts, weights, k, rng, fixed=fixed)
    mean_area = area(parent) / k
    for attempt in range(_MAX_ATTEMPTS):
        # Straight edges in the last attempts, in case bending keeps producing slivers.
        bent = attempt < _MAX_ATTEMPTS - _STRAIGHT_ATTEMPTS
        cells = _voronoi_cells(parent, seeds, rng, spec.seg_len, spec.amplitude if bent else 0.0)
        bad = [i for i, c in enumerate(cells) if c is None or _is_sliver(c, mean_area)]
        if not bad:
            return [c for c in cells if c is not None], seeds
        seeds = _reseed(cells, bad, seeds, pts, rng, fixed=fixed)
    raise RuntimeError(f"could not cut a {spec.name} parent into {k} cells")


def _reseed(
    cells: list[shapely.Geometry | None],
    bad: list[int],
    seeds: FloatArray,
    pts: FloatArray,
    rng: np.random.Generator,
    *,
    fixed: FloatArray | None,
) -> FloatArray:
    """Drop the bad seeds; split the largest good cells in two to make up the count."""
    areas = np.array([0.0 if c is None or i in bad else area(c) for i, c in enumerate(cells)])
    for b in bad:
        big = int(np.argmax(areas))
        cell = cells[big]
        assert cell is not None
        s1, s2 = split_seed(cell, seeds[big], pts, rng)
        if fixed is not None and big == 0:
            s1 = seeds[0]
        seeds[big], seeds[b] = s1, s2
        areas[big] = 0.0
    jitter = rng.normal(0.0, 1e-3, seeds.shape)
    if fixed is not None:
        jitter[0] = 0.0
    return seeds + jitter


def _is_sliver(cell: shapely.Geometry, mean_area: float) -> bool:
    """Whether a cell is too small or too thin to be a credible grid."""
    cell_area = area(cell)
    if cell_area < _SLIVER_AREA_FRACTION * mean_area:
        return True
    perimeter = float(shapely.length(cell))
    return 4.0 * math.pi * cell_area / (perimeter * perimeter) < _SLIVER_COMPACTNESS


def _voronoi_cells(
    parent: shapely.Geometry,
    seeds: FloatArray,
    rng: np.random.Generator,
    seg_len: float,
    amplitude: float,
) -> list[shapely.Geometry | None]:
    """Cut ``parent`` into one cell per seed (None where a seed lost its cell)."""
    faces = _bent_voronoi_faces(parent, seeds, rng, seg_len, amplitude)
    if faces.size == 0:
        return [None] * len(seeds)
    label = np.full(len(faces), -1, dtype=np.int64)
    tree = shapely.STRtree(faces)
    hits = tree.query(shapely.points(seeds), predicate="within")
    for s, f in zip(hits[0], hits[1], strict=True):
        if label[f] < 0:
            label[f] = s
    _merge_unlabelled(faces, label, tree)
    cells: list[shapely.Geometry | None] = []
    for s in range(len(seeds)):
        mine = faces[label == s]
        if mine.size == 0:
            cells.append(None)
        elif mine.size == 1:
            cells.append(mine[0])
        else:
            cells.append(shapely.coverage_union_all(mine))
    return cells


def _bent_voronoi_faces(
    parent: shapely.Geometry,
    seeds: FloatArray,
    rng: np.random.Generator,
    seg_len: float,
    amplitude: float,
) -> GeomArray:
    """The faces inside ``parent`` of its boundary noded with the bent Voronoi edges."""
    xmin, ymin, xmax, ymax = shapely.bounds(parent).tolist()
    pad = 0.1 * max(xmax - xmin, ymax - ymin) + 100.0
    envelope = shapely.box(xmin - pad, ymin - pad, xmax + pad, ymax + pad)
    edges = shapely.voronoi_polygons(
        shapely.multipoints(seeds), extend_to=envelope, only_edges=True
    )
    lines = _bend_edges(np.asarray(shapely.get_parts(edges)), rng, seg_len, amplitude)
    boundary = shapely.get_parts(shapely.boundary(parent))
    noded = shapely.union_all(np.concatenate([lines, boundary]))
    faces = np.asarray(shapely.get_parts(shapely.polygonize(shapely.get_parts(noded))))
    if faces.size == 0:
        return faces
    rep = shapely.get_coordinates(shapely.point_on_surface(faces))
    shapely.prepare(parent)
    return faces[shapely.contains_xy(parent, rep[:, 0], rep[:, 1])]


def _bend_edges(
    lines: GeomArray, rng: np.random.Generator, seg_len: float, amplitude: float
) -> GeomArray:
    """Bend straight two-point edges by a sum of random sine harmonics (ends fixed)."""
    if amplitude <= 0 or len(lines) == 0:
        return lines
    coords = shapely.get_coordinates(lines)
    a = coords[0::2]
    b = coords[1::2]
    vec = b - a
    length = np.hypot(vec[:, 0], vec[:, 1])
    n_seg = np.clip(np.ceil(length / seg_len), 1, 64).astype(np.int64)
    harmonics = np.arange(1, 6)
    coef = rng.normal(0.0, 1.0, (len(a), harmonics.size)) * (amplitude / harmonics**1.3)
    counts = n_seg + 1
    edge = np.repeat(np.arange(len(a)), counts)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    t = (np.arange(edge.size) - starts) / n_seg[edge]
    disp = (coef[edge] * np.sin(np.pi * np.outer(t, harmonics))).sum(axis=1) * length[edge]
    safe = np.where(length > 0, length, 1.0)
    perp = np.column_stack((-vec[:, 1], vec[:, 0])) / safe[:, None]
    pts = a[edge] + t[:, None] * vec[edge] + disp[:, None] * perp[edge]
    # Keep the end points bit-exact so that edges still meet at Voronoi vertices.
    first = starts == np.arange(edge.size)
    last = np.r_[first[1:], True]
    pts[first] = a[edge[first]]
    pts[last] = b[edge[last]]
    return np.asarray(shapely.linestrings(pts, indices=edge), dtype=object)


def _merge_unlabelled(faces: GeomArray, label: IntArray, tree: shapely.STRtree) -> None:
    """Give every face without a seed the label of its longest-bordering labelled face."""
    todo = np.flatnonzero(label < 0)
    if todo.size == 0:
        return
    boundaries = shapely.boundary(faces)
    while todo.size:
        src, dst = tree.query(faces[todo], predicate="intersects")
        src = todo[src]
        keep = (label[dst] >= 0) & (src != dst)
        src, dst = src[keep], dst[keep]
        if src.size == 0:
            _label_from_nearest(faces, label, todo)
            return
        shared = shapely.length(shapely.intersection(boundaries[src], boundaries[dst]))
        best: dict[int, tuple[float, int]] = {}
        for s, d, length in zip(src.tolist(), dst.tolist(), shared.tolist(), strict=True):
            if s not in best or length > best[s][0]:
                best[s] = (length, d)
        for s, (_, d) in best.items():
            label[s] = label[d]
        todo = np.flatnonzero(label < 0)


def _label_from_nearest(faces: GeomArray, label: IntArray, todo: IntArray) -> None:
    """Isolated faces (parts of a multipart parent) take the label of the nearest labelled face."""
    labelled = np.flatnonzero(label >= 0)
    if labelled.size == 0:
        return
    nearest_tree = shapely.STRtree(faces[labelled])
    for f in todo:
        near = nearest_tree.nearest(faces[f])
        label[f] = label[labelled[int(near)]]
