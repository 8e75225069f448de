"""Coordinate reference systems: converting any supported CRS to WGS84.

Official survey data use CGCS2000 (EPSG:4490), geographic or projected (Gauss-Krüger zones
EPSG:4513-4554), which for a grid map is the same as WGS84; online maps in China use the
offset systems GCJ-02 and BD-09 (:mod:`geo.gcj02`, whose functions are re-exported here).
:func:`to_wgs84` takes either kind by name or EPSG code; :func:`geometry_to_wgs84` converts
shapely geometries.

Every function here is vectorised over numpy arrays: it takes array-likes or scalars of
longitudes and latitudes (degrees, x before y) and returns a ``(lon, lat)`` tuple of float64
arrays of the broadcast shape.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any, Final, TypeVar, overload

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from geo.gcj02 import (
    LonLat,
    as_float_arrays,
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    in_china,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

__all__ = [
    "SUPPORTED_POINT_CRS",
    "WGS84_LIKE_EPSG",
    "UnsupportedCRSError",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "geometry_gcj02_to_wgs84",
    "geometry_to_wgs84",
    "in_china",
    "is_wgs84_like",
    "to_wgs84",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

#: The named (non-EPSG) point coordinate systems understood by :func:`to_wgs84`.
SUPPORTED_POINT_CRS = ("wgs84", "gcj02", "bd09")


FloatArray = npt.NDArray[np.float64]
GeomT = TypeVar("GeomT", bound=shapely.Geometry | None)

_EPSG_RE = re.compile(r"^\s*epsg\s*:\s*(\d+)\s*$", re.IGNORECASE)

WGS84_LIKE_EPSG: Final = frozenset({4326, 4490})
"""EPSG codes of the geographic CRSs a grid map treats as WGS84: WGS84 and CGCS2000."""


class UnsupportedCRSError(ValueError):
    """A coordinate reference system that this module cannot convert to WGS84."""


def _identity(lon: npt.ArrayLike, lat: npt.ArrayLike) -> LonLat:
    """Return the coordinates as float64 arrays, unchanged."""
    x, y = as_float_arrays(lon, lat)
    return x.copy(), y.copy()


_NAMED: dict[str, Callable[[npt.ArrayLike, npt.ArrayLike], LonLat]] = {
    "wgs84": _identity,
    "gcj02": gcj02_to_wgs84,
    "bd09": bd09_to_wgs84,
}


def is_wgs84_like(crs: Any) -> bool:
    """Whether ``crs`` is longitude/latitude that a grid map takes as WGS84.

    Parameters
    ----------
    crs : pyproj.CRS or anything :meth:`pyproj.CRS.from_user_input` accepts

    Returns
    -------
    bool
        True for EPSG:4326, CGCS2000 (EPSG:4490) and OGC:CRS84.
    """
    crs = CRS.from_user_input(crs)
    if crs.to_epsg() in WGS84_LIKE_EPSG:
        return True
    return bool(crs.equals(CRS("OGC:CRS84")))


def _unsupported(crs: object, reason: str = "") -> UnsupportedCRSError:
    """Build the error for an unsupported CRS, naming it and the accepted forms."""
    detail = f" ({reason})" if reason else ""
    return UnsupportedCRSError(
        f"unsupported coordinate reference system {crs!r}{detail}; expected one of "
        f"{', '.join(SUPPORTED_POINT_CRS)} (any case) or an 'EPSG:nnnn' code of a "
        "geographic or projected CRS, e.g. 'EPSG:4490' or 'EPSG:4547'"
    )


@lru_cache(maxsize=64)
def _epsg_transformer(code: int) -> Transformer:
    """Return a cached transformer from ``EPSG:code`` to WGS84 longitude/latitude.

    Raises
    ------
    UnsupportedCRSError
        If pyproj does not know the code, or it is not a 2D geographic or projected CRS.
    """
    name = f"EPSG:{code}"
    try:
        source = CRS.from_epsg(code)
    except CRSError as exc:
        raise _unsupported(name, "unknown to pyproj") from exc
    if not (source.is_geographic or source.is_projected):
        raise _unsupported(name, f"{source.type_name} is neither geographic nor projected")
    # CGCS2000 and WGS84 agree to a few centimetres: convert a CGCS2000 CRS to its own
    # geographic base (EPSG:4490) and read that as WGS84, rather than letting PROJ pick
    # a datum shift. Any other datum is transformed to WGS84 by PROJ.
    geodetic = source.geodetic_crs
    target: CRS
    if geodetic is not None and geodetic.to_epsg() in WGS84_LIKE_EPSG:
        target = geodetic
    else:
        target = CRS.from_epsg(4326)
    return Transformer.from_crs(source, target, always_xy=True)


def _parse_crs(crs: str) -> str | int:
    """Normalise ``crs`` to a named CRS (lower case) or an EPSG code.

    Raises
    ------
    UnsupportedCRSError
        If ``crs`` is neither a supported name nor an ``EPSG:nnnn`` string.
    """
    if not isinstance(crs, str):
        raise _unsupported(crs, "not a string")
    name = crs.strip().lower()
    if name in _NAMED:
        return name
    match = _EPSG_RE.match(crs)
    if match is None:
        raise _unsupported(crs)
    return int(match.group(1))


def to_wgs84(lon: npt.ArrayLike, lat: npt.ArrayLike, crs: str) -> LonLat:
    """Convert coordinates in ``crs`` to WGS84 longitude and latitude.

    Parameters
    ----------
    lon, lat : array_like
        Coordinates in ``crs``: longitude/latitude in degrees for geographic systems,
        easting/northing (x, y) in metres for projected EPSG codes.
    crs : str
        ``"wgs84"``, ``"gcj02"`` or ``"bd09"`` (any case), or ``"EPSG:nnnn"`` for any
        geographic or projected CRS known to pyproj. CGCS2000 (EPSG:4490, and the
        Gauss-Krüger projections EPSG:4513-4554 after inverse projection) is treated as
        equal to WGS84.

    Returns
    -------
    tuple of numpy.ndarray
        WGS84 ``(lon, lat)`` as float64 arrays.

    Raises
    ------
    UnsupportedCRSError
        If ``crs`` is not one of the forms above.
    """
    parsed = _parse_crs(crs)
    if isinstance(parsed, str):
        return _NAMED[parsed](lon, lat)
    if parsed in WGS84_LIKE_EPSG:
        return _identity(lon, lat)
    transformer = _epsg_transformer(parsed)
    x, y = as_float_arrays(lon, lat)
    out_lon, out_lat = transformer.transform(x, y)
    return np.asarray(out_lon, dtype=np.float64), np.asarray(out_lat, dtype=np.float64)


def _coords_func(
    convert: Callable[[FloatArray, FloatArray], LonLat],
) -> Callable[[FloatArray], FloatArray]:
    """Adapt a ``(lon, lat)`` converter to the ``(N, 2) -> (N, 2)`` form of shapely."""

    def apply(coords: FloatArray) -> FloatArray:
        lon, lat = convert(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    return apply


@overload
def geometry_gcj02_to_wgs84(geom: GeomT) -> GeomT: ...
@overload
def geometry_gcj02_to_wgs84(geom: npt.ArrayLike) -> npt.NDArray[np.object_]: ...
def geometry_gcj02_to_wgs84(geom: Any) -> Any:
    """Convert a GCJ-02 geometry, or an array of them, to WGS84.

    Parameters
    ----------
    geom : shapely.Geometry or array_like of shapely.Geometry
        Geometries with GCJ-02 longitude/latitude coordinates. Z values are dropped.

    Returns
    -------
    shapely.Geometry or numpy.ndarray
        The same structure with every vertex converted by :func:`gcj02_to_wgs84`.
    """
    return geometry_to_wgs84(geom, "gcj02")


@overload
def geometry_to_wgs84(geom: GeomT, crs: str) -> GeomT: ...
@overload
def geometry_to_wgs84(geom: npt.ArrayLike, crs: str) -> npt.NDArray[np.object_]: ...
def geometry_to_wgs84(geom: Any, crs: str) -> Any:
    """Convert a geometry, or an array of them, from ``crs`` to WGS84.

    Parameters
    ----------
    geom : shapely.Geometry or array_like of shapely.Geometry
        Geometries in ``crs``. Z values are dropped.
    crs : str
        Any CRS accepted by :func:`to_wgs84`.

    Returns
    -------
    shapely.Geometry or numpy.ndarray
        The same structure with every vertex converted to WGS84 longitude/latitude.
        Missing geometries (None) stay None.

    Raises
    ------
    UnsupportedCRSError
        If ``crs`` is not supported; checked before any geometry is touched.
    """
    parsed = _parse_crs(crs)
    if isinstance(parsed, int):
        # Resolve the transformer now so that an unknown code fails early.
        if parsed not in WGS84_LIKE_EPSG:
            _epsg_transformer(parsed)

    def convert(x: FloatArray, y: FloatArray) -> LonLat:
        return to_wgs84(x, y, crs)

    return shapely.transform(geom, _coords_func(convert))
