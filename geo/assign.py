"""Point to grid assignment: which small grid, and so which medium and large grid, a point is in.

A :class:`GridIndex` is built once over the small grids (the leaves of the grid hierarchy),
each with the codes of its medium and large parents. It answers for whole numpy arrays of
WGS84 points in one vectorised call: one ``STRtree.query(points, predicate="intersects")``
over the prepared polygons (a bounding-box pre-filter, then the exact predicate, both in
GEOS), then tie resolution in numpy.

Points on a boundary
    A point on an edge shared by two grids intersects both, and a point on a corner may
    intersect four. Such ties are resolved deterministically: **the grid with the lowest
    small code wins**, codes compared as Python strings (code point order). The answer does
    not depend on the order in which grids were given.

Points outside every grid, and points with NaN or infinite coordinates, are *outside*.

The index checks its input types and codes, but not polygon validity or that the small
grids tile without overlap: that is the job of the hierarchy loader. Overlapping grids
are not an error here; a point in an overlap goes to the lowest code, like any tie.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely

__all__ = ["Assignment", "GridIndex"]

ObjectArray = npt.NDArray[np.object_]
Codes = Collection[str]

# Side of the raster whose Morton order sorts the query points (2 ** 8: 16-bit keys).
_SORT_CELLS = 256

# shapely type ids of the polygonal geometry types.
_POLYGONAL_TYPE_IDS = (3, 6)  # Polygon, MultiPolygon


@dataclass(frozen=True, eq=False)
class Assignment:
    """The grids that an array of points fall in, aligned with the points.

    Attributes
    ----------
    small, medium, large : numpy.ndarray of object
        Codes (str) of the small grid and of its medium and large parents for each point,
        None where the point is outside every grid.
    inside : numpy.ndarray of bool
        True where the point is inside (or on the boundary of) some small grid.
    """

    small: ObjectArray
    medium: ObjectArray
    large: ObjectArray
    inside: npt.NDArray[np.bool_]

    def __len__(self) -> int:
        return int(self.inside.size)


def _as_codes(values: Codes, name: str) -> ObjectArray:
    """Return ``values`` as a 1-D object array of plain str, or raise TypeError."""
    codes = list(values)
    for i, code in enumerate(codes):
        if not isinstance(code, str):
            raise TypeError(f"{name}[{i}] must be a str, got {type(code).__name__}: {code!r}")
    arr = np.empty(len(codes), dtype=object)
    arr[:] = [str(code) for code in codes]
    return arr


class GridIndex:
    """A spatial index of the small grids, assigning WGS84 points to grid codes.

    Parameters
    ----------
    small_codes : sequence of str
        Unique codes of the small grids.
    polygons : sequence or numpy.ndarray of shapely Polygon / MultiPolygon
        Boundary of each small grid, in WGS84 longitude/latitude, aligned with
        ``small_codes``. Must be non-empty polygonal geometries.
    medium_codes, large_codes : sequence of str
        Code of the medium and of the large grid that contain each small grid, aligned
        with ``small_codes``.

    Raises
    ------
    ValueError
        If the inputs have different lengths, a geometry is missing, empty or not
        polygonal, a small code is repeated, or the polygons' bounds are not longitude
        and latitude. The message names the offending small code.
    TypeError
        If a code is not a str.

    Notes
    -----
    The grids are stored sorted by small code, so that the STR-tree index of a grid is
    also the rank of its code and ties resolve to the lowest code with a single
    ``numpy.minimum.reduceat``. The polygons are prepared in place (``shapely.prepare``).

    :meth:`assign` queries the points in Morton (Z-order) order of a 256 x 256 raster over
    the grid bounds, so that consecutive queries walk the same tree nodes and polygons;
    on a million random points this makes the query about twice as fast.

    Examples
    --------
    >>> import shapely
    >>> index = GridIndex(
    ...     ["A1", "A2"],
    ...     [shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)],
    ...     ["A", "A"],
    ...     ["X", "X"],
    ... )
    >>> index.assign_one(1.0, 0.5)  # on the shared edge: lowest code wins
    ('A1', 'A', 'X')
    >>> index.assign_one(5.0, 5.0) is None
    True
    """

    def __init__(
        self,
        small_codes: Codes,
        polygons: Collection[Any],
        medium_codes: Codes,
        large_codes: Codes,
    ) -> None:
        lengths = {
            "small_codes": len(small_codes),
            "polygons": len(polygons),
            "medium_codes": len(medium_codes),
            "large_codes": len(large_codes),
        }
        if len(set(lengths.values())) != 1:
            detail = ", ".join(f"{name}={n}" for name, n in lengths.items())
            raise ValueError(f"GridIndex inputs must have the same length, got {detail}")

        small = _as_codes(small_codes, "small_codes")
        medium = _as_codes(medium_codes, "medium_codes")
        large = _as_codes(large_codes, "large_codes")
        geoms = np.empty(len(small), dtype=object)
        geoms[:] = list(polygons)

        _check_unique(small)
        _check_polygons(geoms, small)

        # Sort by small code: tree index == code rank.
        order = np.argsort(small, kind="stable")
        self._geoms: ObjectArray = geoms[order]
        # One extra trailing None so that index len(self) means "outside".
        self._small = _with_outside(small[order])
        self._medium = _with_outside(medium[order])
        self._large = _with_outside(large[order])
        shapely.prepare(self._geoms)
        self._tree = shapely.STRtree(self._geoms)
        # Box of the spatial sort key: the grid bounds, never of zero width or height.
        if len(self):
            min_x, min_y, max_x, max_y = self.bounds
            self._sort_box = (min_x, min_y, max(max_x, min_x + 1e-9), max(max_y, min_y + 1e-9))
        else:
            self._sort_box = (0.0, 0.0, 1.0, 1.0)

    def __len__(self) -> int:
        return int(self._geoms.size)

    def __repr__(self) -> str:
        return f"<GridIndex of {len(self)} small grids, bounds={self.bounds}>"

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """Total bounds ``(min_lon, min_lat, max_lon, max_lat)`` of all grids (NaN if none)."""
        if len(self) == 0:
            return (np.nan, np.nan, np.nan, np.nan)
        minx, miny, maxx, maxy = shapely.total_bounds(self._geoms)
        return (float(minx), float(miny), float(maxx), float(maxy))

    def _spatial_order(
        self, x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.intp]:
        """Return the permutation that sorts points by a Morton key over the grid bounds.

        The key is a 16-bit Z-order code of a 256 x 256 raster over :attr:`bounds`
        (points outside are clamped to the edge cells), sorted with numpy's radix sort.
        """
        min_x, min_y, max_x, max_y = self._sort_box
        col = np.clip((x - min_x) * ((_SORT_CELLS - 1) / (max_x - min_x)), 0, _SORT_CELLS - 1)
        row = np.clip((y - min_y) * ((_SORT_CELLS - 1) / (max_y - min_y)), 0, _SORT_CELLS - 1)
        key = _morton_key(col.astype(np.uint16), row.astype(np.uint16))
        return np.argsort(key, kind="stable")

    def _ranks(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> npt.NDArray[np.intp]:
        """Return, for each point, the rank of its small code among the sorted codes.

        This is the vectorised core of :meth:`assign`, over the same arguments; the rank
        is ``len(self)`` for points outside every grid.
        """
        x, y = np.broadcast_arrays(
            np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
        )
        shape = x.shape
        x = x.ravel()
        y = y.ravel()
        n = x.size
        ranks = np.full(n, len(self), dtype=np.intp)
        if n == 0 or len(self) == 0:
            return ranks.reshape(shape)

        finite = np.isfinite(x) & np.isfinite(y)
        point_ids = np.flatnonzero(finite) if not finite.all() else None
        if point_ids is not None:
            x = x[point_ids]
            y = y[point_ids]
        # Query in spatial (Morton) order: neighbouring points then hit the same tree
        # nodes and polygons, which more than pays for the sort on large inputs.
        order = self._spatial_order(x, y)
        points = shapely.points(x[order], y[order])
        hit_point, hit_grid = self._tree.query(points, predicate="intersects")
        del points
        if hit_point.size:
            if hit_point.size > 1 and not bool(np.all(hit_point[1:] >= hit_point[:-1])):
                # shapely returns pairs ordered by input point; keep correct if it ever stops.
                pair_order = np.lexsort((hit_grid, hit_point))
                hit_point = hit_point[pair_order]
                hit_grid = hit_grid[pair_order]
            starts = np.flatnonzero(np.diff(hit_point, prepend=-1))
            if starts.size == hit_point.size:  # no ties: one grid per matched point
                best = hit_grid
            else:  # lowest code rank among each point's matches
                best = np.minimum.reduceat(hit_grid, starts)
                hit_point = hit_point[starts]
            hit_point = order[hit_point]
            if point_ids is not None:
                hit_point = point_ids[hit_point]
            ranks[hit_point] = best
        return ranks.reshape(shape)

    def assign(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> Assignment:
        """Assign WGS84 points to small grids and their medium and large parents.

        Parameters
        ----------
        lon, lat : array_like
            WGS84 longitudes and latitudes in degrees, broadcastable to one shape
            (usually two 1-D arrays).

        Returns
        -------
        Assignment
            Codes aligned with the points, None where a point is outside every grid or
            has a NaN or infinite coordinate. A point on the boundary of several grids
            (shared edge or corner) is assigned to the one with the lowest small code.

        Examples
        --------
        >>> import numpy as np, shapely
        >>> index = GridIndex(["b", "a"], [shapely.box(1, 0, 2, 1), shapely.box(0, 0, 1, 1)],
        ...                   ["m", "m"], ["L", "L"])
        >>> result = index.assign(np.array([0.5, 1.0, 1.5, 9.0]), np.array([0.5, 0.5, 0.5, 9.0]))
        >>> result.small.tolist(), result.inside.tolist()
        (['a', 'a', 'b', None], [True, True, True, False])
        """
        ranks = self._ranks(lon, lat)
        flat = ranks.ravel()  # index with a 1-D array so that 0-d input gives 0-d arrays
        return Assignment(
            small=self._small[flat].reshape(ranks.shape),
            medium=self._medium[flat].reshape(ranks.shape),
            large=self._large[flat].reshape(ranks.shape),
            inside=ranks < len(self),
        )

    def assign_one(self, lon: float, lat: float) -> tuple[str, str, str] | None:
        """Assign one WGS84 point.

        Parameters
        ----------
        lon, lat : float
            WGS84 longitude and latitude in degrees.

        Returns
        -------
        tuple of str or None
            ``(small, medium, large)`` codes, or None if the point is outside every grid
            or not finite. Ties resolve to the lowest small code, as in :meth:`assign`.
        """
        x = float(lon)
        y = float(lat)
        if not (np.isfinite(x) and np.isfinite(y)) or len(self) == 0:
            return None
        hits = self._tree.query(shapely.Point(x, y), predicate="intersects")
        if hits.size == 0:
            return None
        rank = int(hits.min())
        return (self._small[rank], self._medium[rank], self._large[rank])


def _morton_key(col: npt.NDArray[np.uint16], row: npt.NDArray[np.uint16]) -> npt.NDArray[Any]:
    """Interleave the bits of 8-bit ``col`` and ``row`` into a 16-bit Z-order key."""

    def spread(v: npt.NDArray[Any]) -> npt.NDArray[Any]:
        # Move the low 8 bits of v to the even bit positions.
        v = (v | (v << 4)) & 0x0F0F
        v = (v | (v << 2)) & 0x3333
        return (v | (v << 1)) & 0x5555

    return (spread(col) | (spread(row) << 1)).astype(np.uint16)


def _with_outside(codes: ObjectArray) -> ObjectArray:
    """Return ``codes`` with a trailing None, the value looked up for "outside"."""
    out = np.empty(codes.size + 1, dtype=object)
    out[:-1] = codes
    out[-1] = None
    return out


def _check_unique(codes: ObjectArray) -> None:
    """Raise ValueError naming the first repeated code."""
    seen: set[str] = set()
    for code in codes:
        if code in seen:
            raise ValueError(f"duplicate small grid code {code!r}")
        seen.add(code)


def _first(mask: npt.NDArray[np.bool_]) -> int | None:
    """Return the index of the first True in ``mask``, or None."""
    hits = np.flatnonzero(mask)
    return int(hits[0]) if hits.size else None


def _check_polygons(geoms: ObjectArray, codes: ObjectArray) -> None:
    """Raise ValueError naming the first small grid whose geometry is unusable."""
    if geoms.size == 0:
        return
    if (i := _first(~shapely.is_geometry(geoms))) is not None:
        value = geoms[i]
        what = "missing (None)" if value is None else f"not a geometry: {type(value).__name__}"
        raise ValueError(f"geometry of small grid {codes[i]!r} is {what}")
    if (i := _first(~np.isin(shapely.get_type_id(geoms), _POLYGONAL_TYPE_IDS))) is not None:
        raise ValueError(
            f"geometry of small grid {codes[i]!r} is a {geoms[i].geom_type}, "
            "expected Polygon or MultiPolygon"
        )
    if (i := _first(shapely.is_empty(geoms))) is not None:
        raise ValueError(f"geometry of small grid {codes[i]!r} is empty")
    bounds = shapely.bounds(geoms)
    lonlat = (
        np.isfinite(bounds).all(axis=1)
        & (bounds[:, 0] >= -180.0)
        & (bounds[:, 2] <= 180.0)
        & (bounds[:, 1] >= -90.0)
        & (bounds[:, 3] <= 90.0)
    )
    if (i := _first(~lonlat)) is not None:
        raise ValueError(
            f"geometry of small grid {codes[i]!r} has bounds {tuple(bounds[i].tolist())}, "
            "which are not WGS84 longitude/latitude (convert it with geo.crs first)"
        )
