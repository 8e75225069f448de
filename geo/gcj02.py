"""GCJ-02 and BD-09: the offset coordinates of online maps in mainland China.

Online maps in mainland China do not publish WGS84 coordinates. AMap (高德), Tencent and
Google China use GCJ-02 (国测局坐标, "Mars coordinates"), an obfuscated WGS84 with a
non-linear offset of a few hundred metres; Baidu (百度) adds a second offset on top of
GCJ-02 (BD-09).

Every function here is vectorised over numpy arrays: it takes array-likes or scalars of
longitudes and latitudes (degrees, x before y) and returns a ``(lon, lat)`` tuple of float64
arrays of the broadcast shape (0-d arrays for scalar input, so ``float(lon)`` works).
Points outside China (:func:`in_china`, tested on the input) and NaN coordinates come back
unchanged, since no offset applies there.

The GCJ-02 forward transform is the published algorithm (Krasovsky 1940 ellipsoid,
``a = 6378245.0``, ``ee = 0.00669342162296594323``), with no offset outside the rectangle
``72.004 <= lon <= 137.8347``, ``0.8293 <= lat <= 55.8271``. GCJ-02 has no closed-form
inverse: :func:`gcj02_to_wgs84` inverts it by fixed-point iteration to 1e-9 degrees
(about 0.1 mm). BD-09 uses the standard ``x_pi = pi * 3000 / 180`` formulas.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

__all__ = [
    "LonLat",
    "as_float_arrays",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "in_china",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
LonLat = tuple[FloatArray, FloatArray]

# Krasovsky 1940 ellipsoid, as in the published GCJ-02 algorithm.
_A = 6378245.0
_EE = 0.00669342162296594323

# Rectangle outside which GCJ-02 applies no offset (the usual "out of China" test).
_CHINA_LON_MIN = 72.004
_CHINA_LON_MAX = 137.8347
_CHINA_LAT_MIN = 0.8293
_CHINA_LAT_MAX = 55.8271

_X_PI = np.pi * 3000.0 / 180.0

# GCJ-02 inversion: stop when the forward transform of the estimate is this close
# (degrees) to the input, or after this many iterations.
_INVERSE_TOL_DEG = 1e-9
_INVERSE_MAX_ITER = 30


def as_float_arrays(lon: npt.ArrayLike, lat: npt.ArrayLike) -> LonLat:
    """Return ``lon`` and ``lat`` as broadcast float64 arrays (copies are not forced)."""
    x, y = np.broadcast_arrays(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64))
    return x, y


def in_china(lon: npt.ArrayLike, lat: npt.ArrayLike) -> BoolArray:
    """Test whether points fall inside the rectangle where GCJ-02 applies an offset.

    This is the rough rectangle of the published algorithm
    (``72.004 <= lon <= 137.8347`` and ``0.8293 <= lat <= 55.8271``), not the national
    border: it includes parts of neighbouring countries.

    Parameters
    ----------
    lon, lat : array_like
        Longitudes and latitudes in degrees.

    Returns
    -------
    numpy.ndarray of bool
        True inside the rectangle; False outside it and for NaN coordinates.
    """
    x, y = as_float_arrays(lon, lat)
    return (
        (x >= _CHINA_LON_MIN)
        & (x <= _CHINA_LON_MAX)
        & (y >= _CHINA_LAT_MIN)
        & (y <= _CHINA_LAT_MAX)
    )


def _inside_only(
    lon: npt.ArrayLike, lat: npt.ArrayLike, func: Callable[[FloatArray, FloatArray], LonLat]
) -> LonLat:
    """Apply ``func`` to the points inside China; return the others unchanged.

    ``func`` gets 1-D arrays of finite coordinates inside the :func:`in_china` rectangle
    only, so infinite or huge inputs raise no floating-point warnings. The result has the
    broadcast shape of ``lon`` and ``lat``.
    """
    x, y = as_float_arrays(lon, lat)
    shape = x.shape
    x = x.ravel()
    y = y.ravel()
    inside = in_china(x, y)
    if inside.all():
        out_lon, out_lat = func(x, y)
    else:
        out_lon = x.copy()
        out_lat = y.copy()
        if inside.any():
            out_lon[inside], out_lat[inside] = func(x[inside], y[inside])
    return out_lon.reshape(shape), out_lat.reshape(shape)


# The published offset series, one row per axis: the constant, the factors of x, y, the
# axis's own square and sqrt(|x|), and the amplitudes of its 1/12 and 1/30 waves.
_LAT_SERIES = (-100.0, 2.0, 3.0, 0.2, 0.2, 160.0, 320.0)
_LON_SERIES = (300.0, 1.0, 2.0, 0.1, 0.1, 150.0, 300.0)


def _series(
    x: FloatArray, y: FloatArray, along: FloatArray, row: tuple[float, ...], common: FloatArray
) -> FloatArray:
    """One axis's raw GCJ-02 offset.

    ``x`` and ``y`` are measured from (105, 35); ``along`` is the axis's own (``y`` for the
    latitude, ``x`` for the longitude); ``common`` is the x wave both axes add.
    """
    constant, per_x, per_y, per_square, per_root, wave_12, wave_30 = row
    along_pi = along * np.pi
    total: FloatArray = (
        constant
        + per_x * x
        + per_y * y
        + per_square * along * along
        + 0.1 * x * y
        + per_root * np.sqrt(np.abs(x))
        + common
        + (20.0 * np.sin(along_pi) + 40.0 * np.sin(along_pi / 3.0)) * 2.0 / 3.0
        + (wave_12 * np.sin(along_pi / 12.0) + wave_30 * np.sin(along_pi / 30.0)) * 2.0 / 3.0
    )
    return total


def _gcj02_delta(lon: FloatArray, lat: FloatArray) -> LonLat:
    """GCJ-02 offset in degrees at WGS84 ``(lon, lat)``, without the out-of-China test."""
    x = lon - 105.0
    y = lat - 35.0
    x_pi = x * np.pi
    common = (20.0 * np.sin(6.0 * x_pi) + 20.0 * np.sin(2.0 * x_pi)) * 2.0 / 3.0
    d_lat = _series(x, y, y, _LAT_SERIES, common)
    d_lon = _series(x, y, x, _LON_SERIES, common)
    rad_lat = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    d_lon = (d_lon * 180.0) / (_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    return d_lon, d_lat


def wgs84_to_gcj02(lon: npt.ArrayLike, lat: npt.ArrayLike) -> LonLat:
    """Convert WGS84 coordinates to GCJ-02 (AMap, Tencent)."""
    return _inside_only(lon, lat, _wgs84_to_gcj02_inside)


def _wgs84_to_gcj02_inside(x: FloatArray, y: FloatArray) -> LonLat:
    """WGS84 -> GCJ-02 for 1-D arrays of points inside China."""
    d_lon, d_lat = _gcj02_delta(x, y)
    return x + d_lon, y + d_lat


def gcj02_to_wgs84(lon: npt.ArrayLike, lat: npt.ArrayLike) -> LonLat:
    """Convert GCJ-02 coordinates to WGS84 by iterative inversion.

    The estimate starts at the GCJ-02 point and is corrected by fixed-point iteration,
    ``w <- w - (gcj(w) - g)``, until the forward transform of every estimate is within
    1e-9 degrees of its input (at most 30 iterations; in practice 3 or 4, since the
    offset varies slowly). This is exact to well under a millimetre, where the common
    one-step approximation ``g - delta(g)`` is off by up to a few metres.
    """
    return _inside_only(lon, lat, _gcj02_to_wgs84_inside)


def _gcj02_to_wgs84_inside(target_lon: FloatArray, target_lat: FloatArray) -> LonLat:
    """GCJ-02 -> WGS84 by fixed-point iteration, for 1-D arrays of points inside China."""
    w_lon = target_lon.copy()
    w_lat = target_lat.copy()
    # Iterate only over the points that still move.
    active = np.arange(w_lon.size)
    for _ in range(_INVERSE_MAX_ITER):
        d_lon, d_lat = _gcj02_delta(w_lon[active], w_lat[active])
        err_lon = w_lon[active] + d_lon - target_lon[active]
        err_lat = w_lat[active] + d_lat - target_lat[active]
        w_lon[active] -= err_lon
        w_lat[active] -= err_lat
        moving = (np.abs(err_lon) > _INVERSE_TOL_DEG) | (np.abs(err_lat) > _INVERSE_TOL_DEG)
        active = active[moving]
        if active.size == 0:
            break
    return w_lon, w_lat


def gcj02_to_bd09(lon: npt.ArrayLike, lat: npt.ArrayLike) -> LonLat:
    """Convert GCJ-02 coordinates to BD-09 (Baidu)."""
    return _inside_only(lon, lat, _gcj02_to_bd09_inside)


def _gcj02_to_bd09_inside(x: FloatArray, y: FloatArray) -> LonLat:
    """GCJ-02 -> BD-09 for 1-D arrays of points inside China."""
    z = np.hypot(x, y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_gcj02(lon: npt.ArrayLike, lat: npt.ArrayLike) -> LonLat:
    """Convert BD-09 (Baidu) coordinates to GCJ-02.

    Uses the standard closed-form approximate inverse of :func:`gcj02_to_bd09`; a round
    trip through both is off by at most about 0.2 m.
    """
    return _inside_only(lon, lat, _bd09_to_gcj02_inside)


def _bd09_to_gcj02_inside(bd_lon: FloatArray, bd_lat: FloatArray) -> LonLat:
    """BD-09 -> GCJ-02 for 1-D arrays of points inside China."""
    x = bd_lon - 0.0065
    y = bd_lat - 0.006
    z = np.hypot(x, y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def wgs84_to_bd09(lon: npt.ArrayLike, lat: npt.ArrayLike) -> LonLat:
    """Convert WGS84 coordinates to BD-09 (Baidu), through GCJ-02."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: npt.ArrayLike, lat: npt.ArrayLike) -> LonLat:
    """Convert BD-09 (Baidu) coordinates to WGS84, through GCJ-02."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))
