"""Distances on the Earth: great-circle distances and the length of a degree.

Everything here uses one sphere, of the mean Earth radius :data:`EARTH_RADIUS_M`, so that a
box drawn with :data:`METRES_PER_DEGREE` and a distance measured with :func:`haversine_m`
agree: a point ``r`` metres away always lies inside the box of half-width ``r``.
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np
import numpy.typing as npt

__all__ = ["EARTH_RADIUS_M", "METRES_PER_DEGREE", "haversine_m", "metres_per_degree_lon"]

EARTH_RADIUS_M: Final = 6_371_008.8
"""Mean Earth radius (IUGG), in metres."""

METRES_PER_DEGREE: Final = EARTH_RADIUS_M * math.pi / 180.0
"""Metres per degree of latitude, and of longitude at the equator: about 111,195 m.

Exact on the sphere of :data:`EARTH_RADIUS_M`; on the WGS84 ellipsoid a degree of latitude
is 110,574 m at the equator and 111,694 m at the poles, so the error is under 0.6 %.
"""


def metres_per_degree_lon(latitude: float) -> float:
    """Metres per degree of longitude at ``latitude`` (degrees).

    Parameters
    ----------
    latitude : float
        Latitude in degrees.

    Returns
    -------
    float
        ``METRES_PER_DEGREE * cos(latitude)``, kept above zero near the poles
        (``cos`` is floored at 1e-6) so that it can be divided by.
    """
    return METRES_PER_DEGREE * max(math.cos(math.radians(latitude)), 1e-6)


def haversine_m(
    lon1: npt.ArrayLike, lat1: npt.ArrayLike, lon2: npt.ArrayLike, lat2: npt.ArrayLike
) -> npt.NDArray[np.float64]:
    """Distance in metres between WGS84 points (vectorised, broadcasting).

    Parameters
    ----------
    lon1, lat1, lon2, lat2 : array_like
        Degrees.

    Returns
    -------
    numpy.ndarray
        Metres on a sphere of the mean Earth radius (error < 0.5 % — ample for
        "within 100 m" tests).
    """
    x1, y1, x2, y2 = (np.radians(np.asarray(v, dtype=float)) for v in (lon1, lat1, lon2, lat2))
    a = np.sin((y2 - y1) / 2) ** 2 + np.cos(y1) * np.cos(y2) * np.sin((x2 - x1) / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0, 1))), dtype=float)
