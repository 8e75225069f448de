"""Bulk point to grid assignment through an interior-cell covering of the small grids.

A :class:`GridCovering` lays a regular cell grid over the small grids and classifies every
cell: **interior** (wholly inside one grid: its points need no polygon test), **outside**
(inside no grid) or **boundary** (some grid boundary passes through it). Boundary cells are
split into ``4 x 4`` children, level after level, so that the cells left on a boundary at the
finest level are thin: only the points that fall in them get the exact test, which is
:meth:`geo.assign.GridIndex.assign` itself. Every other point is assigned by integer
arithmetic on its cell in numpy.

The results are those of :class:`~geo.assign.GridIndex`, ties included: a point on an edge
shared by several grids always lies in a boundary cell, so the exact test (lowest small code
wins) decides it; points outside every grid or not finite are outside.

How cells are classified
    The grid boundaries (outer and inner rings) are densified to segments shorter than half
    a finest cell, and every finest cell within a tiny pad of a segment's bounding box is
    marked as boundary; a coarser cell is boundary when one of its finest cells is. A cell
    that is not boundary holds no boundary point, even padded, so all of it lies inside the
    same grids as its centre. Neighbouring free cells form regions found by label
    propagation in numpy, and only one centre per region is tested, so building the
    covering costs a few exact tests per boundary cell, not one per cell.

The pad (a millionth of a finest cell) is far above the rounding error of the cell
arithmetic, so a point rounded into a neighbouring cell still lies in that cell's padded box.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely

from geo.assign import Assignment, GridIndex, ObjectArray

__all__ = ["CoveringSummary", "GridCovering"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

BRANCHING = 4
"""Children per side of a split cell (a power of two, so levels are bit shifts)."""
_BITS = BRANCHING.bit_length() - 1

OUTSIDE = -1
"""Cell value: the cell lies in no grid."""
BOUNDARY = -2
"""Cell value at the finest level: a grid boundary passes through the cell (exact test)."""
# At coarser levels a value v <= -2 names the block of children ``-2 - v`` one level down.

CELLS_PER_GRID_SIDE = 32
"""Default finest cell: the median small grid's side over this many cells."""
MAX_TOP_CELLS = 4_000_000
"""The top-level raster is coarsened until it has at most this many cells."""
_PAD = 1e-6
"""Pad of a cell when marking boundaries, in finest cells."""


@dataclass(frozen=True)
class CoveringSummary:
    """How the cells of a covering are classified, level by level (coarsest first).

    Attributes
    ----------
    cell_sizes : tuple of float
        Cell side of each level, in degrees.
    interior, outside, boundary : tuple of int
        Number of cells of each kind at each level; the boundary cells of a level are
        split into the cells of the next, those of the finest level get the exact test.
    """

    cell_sizes: tuple[float, ...]
    interior: tuple[int, ...]
    outside: tuple[int, ...]
    boundary: tuple[int, ...]


class GridCovering:
    """An interior-cell covering of the small grids, assigning WGS84 points in bulk.

    Parameters
    ----------
    small_codes, polygons, medium_codes, large_codes
        As for :class:`geo.assign.GridIndex`, which checks them and does the exact tests.
    cell_size : float, optional
        Side of a finest cell in degrees. Default: the median grid's side (square root of
        its area) over :data:`CELLS_PER_GRID_SIDE`, so most cells are interior.
    levels : int
        Number of cell levels (at least 1); each splits the boundary cells of the one above
        into ``4 x 4``. The top level's cells are ``4 ** (levels - 1)`` finest cells wide.

    Raises
    ------
    ValueError, TypeError
        As :class:`~geo.assign.GridIndex` does for unusable inputs; ValueError for a
        non-positive ``cell_size`` or ``levels`` below 1.

    Examples
    --------
    >>> import numpy as np, shapely
    >>> covering = GridCovering(["b", "a"], [shapely.box(1, 0, 2, 1), shapely.box(0, 0, 1, 1)],
    ...                         ["m", "m"], ["L", "L"])
    >>> covering.assign(np.array([0.5, 1.0, 1.5, 9.0]), np.array([0.5, 0.5, 0.5, 9.0])).small
    array(['a', 'a', 'b', None], dtype=object)
    """

    def __init__(
        self,
        small_codes: Collection[str],
        polygons: Collection[Any],
        medium_codes: Collection[str],
        large_codes: Collection[str],
        *,
        cell_size: float | None = None,
        levels: int = 4,
    ) -> None:
        if levels < 1:
            raise ValueError(f"levels must be at least 1, got {levels}")
        if cell_size is not None and not cell_size > 0:
            raise ValueError(f"cell_size must be a positive number of degrees, got {cell_size}")
        self.index = GridIndex(small_codes, polygons, medium_codes, large_codes)
        small = np.asarray(list(small_codes), dtype=object)
        order = np.argsort(small, kind="stable")
        geoms = np.asarray(list(polygons), dtype=object)[order]
        self._sorted_small: ObjectArray = small[order]
        self._codes = tuple(
            _with_outside(np.asarray(list(codes), dtype=object)[order])
            for codes in (small_codes, medium_codes, large_codes)
        )
        self.levels = levels
        self.cell_size = cell_size or _default_cell_size(geoms)
        if len(geoms):
            self._lay_out(geoms)
            self._classify(geoms)
        else:
            self._tables: list[npt.NDArray[np.int32]] = [np.full((1, 1), OUTSIDE, np.int32)]
            self._counts: list[tuple[int, int, int]] = [(0, 1, 0)]
            self.origin = (0.0, 0.0)
            self._shape = (1, 1)

    def __len__(self) -> int:
        return len(self.index)

    def __repr__(self) -> str:
        return (
            f"<GridCovering of {len(self)} small grids, {self.levels} levels, "
            f"finest cell {self.cell_size:.3g}°>"
        )

    @property
    def finest_shape(self) -> tuple[int, int]:
        """Rows and columns of the finest cell raster, whose south-west corner is ``origin``."""
        return self._shape

    def summary(self) -> CoveringSummary:
        """How many cells of each kind each level holds."""
        sizes = tuple(
            self.cell_size * BRANCHING ** (self.levels - 1 - i) for i in range(len(self._counts))
        )
        interior, outside, boundary = (tuple(c[k] for c in self._counts) for k in range(3))
        return CoveringSummary(sizes, interior, outside, boundary)

    def _lay_out(self, geoms: ObjectArray) -> None:
        """Fix the finest cell size, the origin and the top-level raster shape."""
        min_x, min_y, max_x, max_y = (float(v) for v in shapely.total_bounds(geoms))
        while True:
            s = self.cell_size
            top = s * BRANCHING ** (self.levels - 1)
            # One finest cell of margin on every side: no grid point is near the raster edge.
            self.origin = (min_x - s, min_y - s)
            nx0 = int((max_x - self.origin[0] + s) / top) + 1
            ny0 = int((max_y - self.origin[1] + s) / top) + 1
            if nx0 * ny0 <= MAX_TOP_CELLS:
                break
            self.cell_size *= 2
        scale = BRANCHING ** (self.levels - 1)
        self._top_shape = (ny0, nx0)
        self._shape = (ny0 * scale, nx0 * scale)

    def _classify(self, geoms: ObjectArray) -> None:
        """Build the cell tables of every level from the marked boundary cells."""
        finest = _boundary_cells(geoms, self.origin, self.cell_size, self._shape[1])
        rows, cols = np.divmod(finest, self._shape[1])
        self._tables = []
        self._counts = []
        parents: IntArray | None = None  # sorted boundary keys of the level above
        for level in range(self.levels):
            shift = _BITS * (self.levels - 1 - level)
            width = self._shape[1] >> shift
            keys = _unique((rows >> shift) * width + (cols >> shift))
            if parents is None:
                blocks = np.zeros(1, dtype=np.int64)  # the whole top raster as one block
                shape = self._top_shape
                corner_r = corner_c = np.zeros(1, dtype=np.int64)
            else:
                blocks = parents
                shape = (BRANCHING, BRANCHING)
                corner_r, corner_c = np.divmod(parents, width // BRANCHING)
                corner_r, corner_c = corner_r * BRANCHING, corner_c * BRANCHING
            # Boundary mask of the cells of each block.
            key_r, key_c = np.divmod(keys, width)
            block_of = np.searchsorted(blocks, _parent_keys(key_r, key_c, width, parents))
            where = (block_of, key_r - corner_r[block_of], key_c - corner_c[block_of])
            mask = np.zeros((blocks.size, *shape), dtype=bool)
            mask[where] = True
            size = self.cell_size * (1 << shift)
            table = self._label_free_cells(~mask, corner_r, corner_c, size)
            last = level == self.levels - 1
            # A split cell names its block of children: the cell's rank among the keys.
            table[where] = BOUNDARY if last else BOUNDARY - np.arange(keys.size)
            self._tables.append(table.reshape(-1, shape[1]) if parents is None else table)
            self._counts.append((int((table >= 0).sum()), int((table == OUTSIDE).sum()), keys.size))
            parents = keys

    def _label_free_cells(
        self, free: npt.NDArray[np.bool_], corner_r: IntArray, corner_c: IntArray, size: float
    ) -> npt.NDArray[np.int32]:
        """Code rank (or OUTSIDE) of every free cell, by one exact test per free region."""
        n_blocks, height, width = free.shape
        labels = _region_labels(free).reshape(n_blocks, -1)
        flat_free = free.reshape(n_blocks, -1)
        block, cell = np.nonzero(flat_free & (labels == np.arange(height * width)))
        r = corner_r[block] + cell // width
        c = corner_c[block] + cell % width
        x = self.origin[0] + (c + 0.5) * size
        y = self.origin[1] + (r + 0.5) * size
        seeds = np.full(labels.shape, OUTSIDE, dtype=np.int32)
        seeds[block, cell] = self._exact_ranks(x, y)
        values = np.take_along_axis(seeds, np.where(flat_free, labels, 0), axis=1)
        return np.where(flat_free, values, OUTSIDE).reshape(free.shape).astype(np.int32)

    def _exact_ranks(self, x: FloatArray, y: FloatArray) -> npt.NDArray[np.int64]:
        """Code rank of each point by the exact test, OUTSIDE where in no grid."""
        result = self.index.assign(x, y)
        ranks = np.full(x.size, OUTSIDE, dtype=np.int64)
        if result.inside.any():
            ranks[result.inside] = np.searchsorted(self._sorted_small, result.small[result.inside])
        return ranks

    def _ranks(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[IntArray, tuple[int, ...]]:
        """Code rank of every point (OUTSIDE where in no grid) and the broadcast shape."""
        x, y = np.broadcast_arrays(
            np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
        )
        shape = x.shape
        x, y = x.ravel(), y.ravel()
        ranks = np.full(x.size, OUTSIDE, dtype=np.int64)
        if x.size == 0 or len(self) == 0:
            return ranks, shape
        inverse = 1.0 / self.cell_size
        u = (x - self.origin[0]) * inverse
        v = (y - self.origin[1]) * inverse
        n_rows, n_cols = self._shape
        # NaN compares False: non-finite points stay outside.
        ids = np.flatnonzero((u >= 0) & (u < n_cols) & (v >= 0) & (v < n_rows))
        col = u[ids].astype(np.int64)
        row = v[ids].astype(np.int64)
        top_shift = _BITS * (self.levels - 1)
        values = self._tables[0][row >> top_shift, col >> top_shift].astype(np.int64)
        for level in range(1, self.levels):
            split = np.flatnonzero(values <= BOUNDARY)
            shift = _BITS * (self.levels - 1 - level)
            sub_r = (row[split] >> shift) & (BRANCHING - 1)
            sub_c = (col[split] >> shift) & (BRANCHING - 1)
            values[split] = self._tables[level][BOUNDARY - values[split], sub_r, sub_c]
        exact = values == BOUNDARY
        if exact.any():
            values[exact] = self._exact_ranks(x[ids[exact]], y[ids[exact]])
        ranks[ids] = values
        return ranks, shape

    def assign(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> Assignment:
        """Assign WGS84 points to small grids and their medium and large parents.

        Parameters
        ----------
        lon, lat : array_like
            WGS84 longitudes and latitudes in degrees, broadcastable to one shape.

        Returns
        -------
        geo.assign.Assignment
            The same as :meth:`geo.assign.GridIndex.assign` on the same points: None where
            a point is outside every grid or not finite, the lowest small code on ties.
        """
        ranks, shape = self._ranks(lon, lat)
        ranks[ranks == OUTSIDE] = len(self)  # the trailing None of the code tables
        small, medium, large = (codes[ranks].reshape(shape) for codes in self._codes)
        return Assignment(
            small=small, medium=medium, large=large, inside=(ranks < len(self)).reshape(shape)
        )


def _default_cell_size(geoms: ObjectArray) -> float:
    """The median grid's side over CELLS_PER_GRID_SIDE, in degrees (1 for no grids)."""
    if geoms.size == 0:
        return 1.0
    sides = np.sqrt(shapely.area(geoms))
    bounds = shapely.bounds(geoms)
    extent = np.maximum(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1])
    side = float(np.median(np.where(sides > 0, sides, extent)))
    return max(side, 1e-7) / CELLS_PER_GRID_SIDE


def _boundary_cells(
    geoms: ObjectArray, origin: tuple[float, float], cell: float, n_cols: int
) -> IntArray:
    """Sorted keys ``row * n_cols + col`` of the finest cells that a grid boundary touches."""
    lines = shapely.get_parts(shapely.segmentize(shapely.boundary(geoms), cell / 2))
    coords, line_ids = shapely.get_coordinates(lines, return_index=True)
    same_line = line_ids[1:] == line_ids[:-1]
    pad = _PAD * cell
    cells = []
    for axis in (0, 1):
        start, end = coords[:-1, axis][same_line], coords[1:, axis][same_line]
        low = np.floor((np.minimum(start, end) - (origin[axis] + pad)) / cell)
        high = np.floor((np.maximum(start, end) - (origin[axis] - pad)) / cell)
        cells.append((low.astype(np.int64), high.astype(np.int64)))
    (c0, c1), (r0, r1) = cells
    # A segment's padded box spans at most 2 x 2 cells: its corners' cells.
    wide, tall = c1 != c0, r1 != r0
    both = wide & tall
    keys = np.concatenate(
        [
            r0 * n_cols + c0,
            r0[wide] * n_cols + c1[wide],
            r1[tall] * n_cols + c0[tall],
            r1[both] * n_cols + c1[both],
        ]
    )
    return _unique(keys)


def _unique(keys: IntArray) -> IntArray:
    """Sorted distinct keys (a sort and a diff: faster than ``numpy.unique`` on these)."""
    if keys.size:  # runs of one cell along a line first: a shorter sort
        keys = keys[np.concatenate(([True], keys[1:] != keys[:-1]))]
    keys = np.sort(keys)
    return keys[np.concatenate(([True], keys[1:] != keys[:-1]))] if keys.size else keys


def _parent_keys(rows: IntArray, cols: IntArray, width: int, parents: IntArray | None) -> IntArray:
    """Key of each cell's parent one level up (0, the single top block, at the top)."""
    if parents is None:
        return np.zeros(rows.size, dtype=np.int64)
    return (rows >> _BITS) * (width >> _BITS) + (cols >> _BITS)


def _region_labels(free: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
    """Label 4-connected regions of free cells in each block by their lowest flat index.

    Label propagation with pointer jumping, all in numpy; cells that are not free keep a
    label no free cell has.
    """
    n_blocks, height, width = free.shape
    cells = height * width
    labels = np.where(free, np.arange(cells).reshape(height, width), cells).astype(np.int64)
    while True:
        new = labels.copy()
        np.minimum(new[:, 1:], labels[:, :-1], out=new[:, 1:])
        np.minimum(new[:, :-1], labels[:, 1:], out=new[:, :-1])
        np.minimum(new[:, :, 1:], labels[:, :, :-1], out=new[:, :, 1:])
        np.minimum(new[:, :, :-1], labels[:, :, 1:], out=new[:, :, :-1])
        new[~free] = cells
        flat = new.reshape(n_blocks, cells)
        # Pointer jumping: a label's own label is in the same region and no larger.
        jumped = np.take_along_axis(
            np.pad(flat, ((0, 0), (0, 1)), constant_values=cells), flat, axis=1
        )
        new = jumped.reshape(free.shape)
        if np.array_equal(new, labels):
            return labels
        labels = new


def _with_outside(codes: ObjectArray) -> ObjectArray:
    """Return ``codes`` with a trailing None, the value looked up for "outside"."""
    out = np.empty(codes.size + 1, dtype=object)
    out[:-1] = codes
    out[-1] = None
    return out
