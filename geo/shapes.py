"""Polygon coercion: every grid geometry is stored and served as a MultiPolygon.

One rule, used by the file reader, the validator, the display simplifier, the demo city
and the store: a Polygon becomes a one-part MultiPolygon, a collection keeps its polygons,
and what has no polygonal area (missing, empty, only points or lines) becomes None.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import MultiPolygon, Polygon

__all__ = ["as_multipolygon", "promote_polygons", "to_multipolygons"]

GeomArray = npt.NDArray[np.object_]

_MISSING: Final = -1
_POLYGON: Final = int(shapely.GeometryType.POLYGON)
_MULTIPOINT: Final = int(shapely.GeometryType.MULTIPOINT)
_MULTIPOLYGON: Final = int(shapely.GeometryType.MULTIPOLYGON)


def promote_polygons(geoms: npt.ArrayLike) -> GeomArray:
    """Return a copy of ``geoms`` (1-D) in which every Polygon is a one-part MultiPolygon.

    Everything else is left as it was, for input whose faults must stay visible: an empty
    or a point geometry is left for the validator to report. :func:`to_multipolygons`
    coerces those too.
    """
    out = np.array(geoms, dtype=object).reshape(-1)
    single = shapely.get_type_id(out) == _POLYGON
    if single.any():
        out[single] = shapely.multipolygons(out[single][:, np.newaxis])
    return out


def to_multipolygons(geoms: npt.ArrayLike) -> GeomArray:
    """Return the polygonal part of each geometry as a MultiPolygon, or None.

    Parameters
    ----------
    geoms : array_like of shapely.Geometry
        Geometries, None allowed.

    Returns
    -------
    numpy.ndarray of object
        A new 1-D array aligned with ``geoms``: MultiPolygons unchanged, Polygons as
        one-part MultiPolygons, collections as the MultiPolygon of their non-empty
        polygons, and None for missing, empty and non-polygonal geometries.

    Examples
    --------
    >>> square = shapely.box(0, 0, 1, 1)
    >>> [g if g is None else g.geom_type for g in to_multipolygons(
    ...     [square, shapely.Point(0, 0), None, shapely.GeometryCollection([square])])]
    ['MultiPolygon', None, None, 'MultiPolygon']
    """
    out = promote_polygons(geoms)
    out[shapely.is_empty(out)] = None
    other = ~np.isin(shapely.get_type_id(out), (_MISSING, _MULTIPOLYGON))
    for i in np.flatnonzero(other).tolist():
        polygons = [p for p in _flatten(out[i]) if isinstance(p, Polygon) and not p.is_empty]
        out[i] = MultiPolygon(polygons) if polygons else None
    return out


def as_multipolygon(geom: Any) -> MultiPolygon | None:
    """Return the polygonal part of one geometry as a MultiPolygon, or None if it has none.

    Parameters
    ----------
    geom : shapely.Geometry or None
        Any geometry.

    Returns
    -------
    shapely.MultiPolygon or None
        As :func:`to_multipolygons` does for each element.
    """
    result: MultiPolygon | None = to_multipolygons([geom])[0]
    return result


def _flatten(geom: Any) -> Iterator[Any]:
    """Yield the single-part geometries inside ``geom``, however deeply nested."""
    for part in shapely.get_parts(geom):
        if shapely.get_type_id(part) >= _MULTIPOINT:  # multi-part or collection
            yield from _flatten(part)
        else:
            yield part
