"""The local plane the demo city is cut in, and planar helpers.

The plane is equirectangular, centred on the city, in metres. Areas are within 0.5 % of
true over the city, which is plenty for sharing grids out.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import numpy.typing as npt
import shapely

from geo.distance import METRES_PER_DEGREE, metres_per_degree_lon

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
GeomArray = npt.NDArray[np.object_]

LON0: Final = 115.55
"""Longitude of the plane's origin."""
LAT0: Final = 23.0
"""Latitude of the plane's origin."""
_M_PER_DEG_LON: Final = metres_per_degree_lon(LAT0)


def to_plane(geom: Any) -> Any:
    """Project lon/lat geometries to the local plane (metres)."""

    def fwd(c: FloatArray) -> FloatArray:
        return np.column_stack(
            ((c[:, 0] - LON0) * _M_PER_DEG_LON, (c[:, 1] - LAT0) * METRES_PER_DEGREE)
        )

    return shapely.transform(geom, fwd)


def to_lonlat(geom: Any) -> Any:
    """Unproject local-plane geometries back to lon/lat degrees."""

    def inv(c: FloatArray) -> FloatArray:
        return np.column_stack(
            (c[:, 0] / _M_PER_DEG_LON + LON0, c[:, 1] / METRES_PER_DEGREE + LAT0)
        )

    return shapely.transform(geom, inv)


def plane_xy(lon: float, lat: float) -> FloatArray:
    """Project one lon/lat point to the local plane."""
    return np.array([(lon - LON0) * _M_PER_DEG_LON, (lat - LAT0) * METRES_PER_DEGREE])


def area(geom: shapely.Geometry) -> float:
    """Planar area of one geometry."""
    return float(shapely.area(geom))


def coverage_clean(geoms: GeomArray, *, merge_strategy: str = "longest_border") -> GeomArray:
    """Edge-match a polygon coverage (:func:`shapely.coverage_clean`, shapely >= 2.2)."""
    cleaned = shapely.coverage_clean(geoms, merge_strategy=merge_strategy)  # type: ignore[attr-defined]
    return np.asarray(cleaned, dtype=object)


def sq_dist(a: FloatArray, b: FloatArray) -> FloatArray:
    """Squared distances between every row of ``a`` and every row of ``b``."""
    dx = a[:, 0, None] - b[None, :, 0]
    dy = a[:, 1, None] - b[None, :, 1]
    return dx * dx + dy * dy


def sample_uniform(geom: shapely.Geometry, n: int, rng: np.random.Generator) -> FloatArray:
    """Draw ``n`` points uniformly inside ``geom`` by rejection in its bounding box."""
    shapely.prepare(geom)
    xmin, ymin, xmax, ymax = shapely.bounds(geom).tolist()
    fill = max(area(geom) / max((xmax - xmin) * (ymax - ymin), 1e-12), 0.02)
    chunks: list[FloatArray] = []
    got = 0
    while got < n:
        m = int((n - got) / fill * 1.25) + 16
        x = rng.uniform(xmin, xmax, m)
        y = rng.uniform(ymin, ymax, m)
        ok = shapely.contains_xy(geom, x, y)
        chunks.append(np.column_stack((x[ok], y[ok])))
        got += int(ok.sum())
    return np.vstack(chunks)[:n]
