"""Areas of longitude/latitude geometries in square metres."""

from __future__ import annotations

import functools
from typing import Any, Final

import numpy as np
import shapely
from geopandas import GeoDataFrame, GeoSeries
from numpy.typing import NDArray
from pyproj import Transformer

from geo.crs import is_wgs84_like

__all__ = ["EQUAL_AREA_CRS", "area_m2"]

EQUAL_AREA_CRS: Final = "EPSG:6933"
"""WGS 84 / NSIDC EASE-Grid 2.0 Global: the equal-area projection areas are measured in."""


@functools.cache
def _equal_area_transformer() -> Transformer:
    return Transformer.from_crs("EPSG:4326", EQUAL_AREA_CRS, always_xy=True)


def area_m2(geoms: Any) -> NDArray[np.float64]:
    """Return the areas of longitude/latitude geometries in square metres.

    The geometries are projected to an equal-area projection (EPSG:6933, the cylindrical
    equal-area EASE-Grid 2.0 on the WGS 84 ellipsoid) and measured there.

    Parameters
    ----------
    geoms : GeoSeries, array_like of shapely.Geometry or shapely.Geometry
        Geometries in EPSG:4326 (or CGCS2000, EPSG:4490). A GeoSeries in another CRS is
        converted first; anything without a CRS is taken as EPSG:4326.

    Returns
    -------
    numpy.ndarray of float64
        The area of each geometry (same shape as the input): 0 for empty and non-polygonal
        geometries, NaN for missing ones.

    Examples
    --------
    >>> import shapely
    >>> float(area_m2([shapely.box(115.40, 22.80, 115.41, 22.81)])[0].round(-2))
    1137000.0
    """
    if isinstance(geoms, GeoSeries | GeoDataFrame):
        series = geoms.geometry if isinstance(geoms, GeoDataFrame) else geoms
        if series.crs is not None and not is_wgs84_like(series.crs):
            series = series.to_crs("EPSG:4326")
        arr = np.asarray(series.array, dtype=object)
    else:
        arr = np.asarray(geoms, dtype=object)
    transformer = _equal_area_transformer()

    def project(coords: NDArray[np.float64]) -> NDArray[np.float64]:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    projected = shapely.transform(arr, project)
    return np.asarray(shapely.area(projected), dtype=np.float64)
