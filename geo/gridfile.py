"""Reading grid boundary files (Shapefile, GeoJSON, GeoPackage) into grid layers.

Real boundary files come from surveying bureaus and GIS contractors: Shapefiles (loose or
zipped) in CGCS2000 or a Gauss-Krüger projection, GeoJSON exported from web maps (sometimes
in GCJ-02), GeoPackages with several layers. :func:`read_grid_file` reads any of them with
pyogrio and returns a *grid layer* in EPSG:4326 with the columns that
:func:`geo.hierarchy.validate_layer` checks: ``code``, ``name``, ``level``, ``parent_code``,
``source_row`` and ``geometry``.

It does not judge the grids (invalid polygons, wrong codes, overlaps): that is the job of
:mod:`geo.hierarchy`. It only fails, with :class:`GridFileError`, when the file as a whole
cannot be used.
"""

from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath
from typing import Final, NotRequired, TypedDict, Unpack

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from geopandas import GeoDataFrame
from pyogrio.errors import DataLayerError, DataSourceError, FieldError
from pyproj import CRS
from pyproj.exceptions import CRSError

from geo.crs import UnsupportedCRSError, geometry_to_wgs84
from geo.levels import GridLevel, normalize_code, parse_level
from geo.shapes import promote_polygons

__all__ = ["SUPPORTED_SUFFIXES", "GridFileError", "GridFileOptions", "read_grid_file"]

#: File name suffixes that :func:`read_grid_file` reads, with the format's name.
SUPPORTED_SUFFIXES: Final[dict[str, str]] = {
    ".shp": "Shapefile",
    ".zip": "zipped Shapefile",
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".gpkg": "GeoPackage",
}

# The coordinate systems that are not EPSG codes (GCJ-02 and BD-09 have none); converted
# with geo.crs.
_PSEUDO_CRS: Final[dict[str, str]] = {
    "gcj02": "gcj02",
    "gcj-02": "gcj02",
    "bd09": "bd09",
    "bd-09": "bd09",
}
_WGS84_NAMES: Final = frozenset({"wgs84", "wgs-84"})
_CGCS2000: Final = 4490
_COLUMNS: Final = ["code", "name", "level", "parent_code", "source_row", "geometry"]


class GridFileError(ValueError):
    """A grid boundary file that cannot be read as a grid layer; the message says why."""


class GridFileOptions(TypedDict):
    """How to read a grid file: the keyword options of :func:`read_grid_file`.

    ``code_field`` and ``name_field`` are required; the rest default to None. A caller that
    passes them along (the import command) builds one and spreads it with ``**``.
    """

    code_field: str
    name_field: str
    parent_field: NotRequired[str | None]
    crs: NotRequired[str | None]
    layer: NotRequired[str | None]
    encoding: NotRequired[str | None]


def read_grid_file(
    path: Path | str, *, level: GridLevel, **options: Unpack[GridFileOptions]
) -> GeoDataFrame:
    """Read a grid boundary file as a grid layer in WGS84.

    Parameters
    ----------
    path : pathlib.Path or str
        A Shapefile (``.shp``, or a ``.zip`` holding one), GeoJSON (``.geojson``, ``.json``)
        or GeoPackage (``.gpkg``).
    level : {"large", "medium", "small"}
        The grid level of every feature in the file.
    code_field, name_field : str
        The attribute fields holding the grid code and the grid name. Matched exactly, or
        else ignoring case (Shapefile field names are often upper case).
    parent_field : str, optional
        The attribute field holding the parent grid's code (for the large level: the
        6-digit county code, if any).
    crs : str, optional
        The coordinate system of the file's coordinates, overriding the one the file
        declares: ``"wgs84"``, ``"gcj02"`` (AMap, Tencent), ``"bd09"`` (Baidu) or any
        pyproj CRS string such as ``"EPSG:4547"``. Required when the file declares none
        (a Shapefile without ``.prj``), except for GeoJSON, which is WGS84 by definition.
    layer : str, optional
        The layer to read from a file with several layers (GeoPackage, zip archive).
    encoding : str, optional
        The text encoding of a Shapefile's attributes when it has no ``.cpg`` file, e.g.
        ``"GBK"`` for older Chinese data.

    Returns
    -------
    GeoDataFrame
        In EPSG:4326, one row per feature in file order, with columns ``code`` (str,
        stripped; numbers as integer digits, never ``"….0"``), ``name`` (str), ``level``,
        ``parent_code`` (str, None without ``parent_field``), ``source_row`` (1-based row
        in the file) and ``geometry`` (MultiPolygon; Polygons are promoted, Z values
        dropped, other geometry types kept as they are for the validator to report). Codes
        and names that are empty become None. CGCS2000 (EPSG:4490, and the projections
        based on it) is taken as equal to WGS84.

    Raises
    ------
    GridFileError
        If the file is missing, not in a supported format or unreadable, has several layers
        and ``layer`` is not given, lacks a field, or its CRS is missing or unsupported.
    ValueError
        If ``level`` is not a grid level.

    Examples
    --------
    >>> grids = read_grid_file(  # doctest: +SKIP
    ...     "网格/小网格.shp", level="small", code_field="WGBM", name_field="WGMC",
    ...     parent_field="SJWGBM",
    ... )
    """
    level = parse_level(level)
    parent_field, crs = options.get("parent_field"), options.get("crs")
    layer, encoding = options.get("layer"), options.get("encoding")
    path = Path(path)
    file_format = _check_path(path)
    source: str | Path = path
    if file_format == SUPPORTED_SUFFIXES[".zip"]:
        source = _zip_shapefile(path, layer)
        layer = None
    layer = _check_layer(path, source, layer, file_format)

    try:
        frame = gpd.read_file(source, engine="pyogrio", layer=layer, encoding=encoding)
    except (DataSourceError, DataLayerError, FieldError, OSError, ValueError) as exc:
        raise GridFileError(f"{path}: cannot read it as a {file_format}: {exc}") from exc
    if not isinstance(frame, GeoDataFrame) or frame.geometry.name not in frame.columns:
        raise GridFileError(f"{path}: has no geometry column; is it a boundary file?")

    columns = [str(c) for c in frame.columns if c != frame.geometry.name]
    code_col = _find_field(path, columns, options["code_field"], "code_field")
    name_col = _find_field(path, columns, options["name_field"], "name_field")
    parent_col = (
        None if parent_field is None else _find_field(path, columns, parent_field, "parent_field")
    )

    geoms = _to_wgs84(path, frame, crs, file_format)
    geoms = promote_polygons(shapely.force_2d(geoms))

    n = len(frame)
    parent_codes = (
        [normalize_code(v) for v in frame[parent_col]] if parent_col is not None else [None] * n
    )
    # object columns, so that a missing code is None (a str column would hold NaN)
    return GeoDataFrame(
        {
            "code": pd.Series([normalize_code(v) for v in frame[code_col]], dtype=object),
            "name": pd.Series([_text(v) for v in frame[name_col]], dtype=object),
            "level": pd.Series([level] * n, dtype=object),
            "parent_code": pd.Series(parent_codes, dtype=object),
            "source_row": np.arange(1, n + 1, dtype=np.int64),
        },
        geometry=gpd.GeoSeries(geoms, crs="EPSG:4326"),
        crs="EPSG:4326",
    )[_COLUMNS]


def _check_path(path: Path) -> str:
    """Check that ``path`` is an existing file of a supported kind; return the format name."""
    if not path.exists():
        raise GridFileError(f"{path}: no such file")
    if path.is_dir():
        raise GridFileError(f"{path}: is a directory; give the .shp, .zip, .geojson or .gpkg")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        expected = ", ".join(SUPPORTED_SUFFIXES)
        raise GridFileError(
            f"{path}: unsupported file type {suffix or '(no suffix)'!r}; expected {expected}"
        )
    return SUPPORTED_SUFFIXES[suffix]


def _zip_shapefile(path: Path, layer: str | None) -> str:
    """Return the GDAL path of the Shapefile inside a zip archive (in any folder).

    ``layer`` chooses among several Shapefiles by name (without ``.shp``) or member path.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.namelist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise GridFileError(f"{path}: cannot read it as a zip archive: {exc}") from exc
    shapefiles = [
        m
        for m in members
        if PurePosixPath(m).suffix.lower() == ".shp" and not m.startswith("__MACOSX/")
    ]
    if not shapefiles:
        raise GridFileError(f"{path}: the zip archive holds no .shp file")
    names = ", ".join(PurePosixPath(m).stem for m in shapefiles)
    if layer is not None:
        shapefiles = [m for m in shapefiles if layer in (m, PurePosixPath(m).stem)]
        if not shapefiles:
            raise GridFileError(f"{path}: has no Shapefile {layer!r}; Shapefiles: {names}")
    if len(shapefiles) > 1:
        raise GridFileError(
            f"{path}: holds {len(shapefiles)} Shapefiles ({names}); choose one with layer="
        )
    return f"/vsizip/{path.resolve().as_posix()}/{shapefiles[0]}"


def _check_layer(path: Path, source: str | Path, layer: str | None, file_format: str) -> str | None:
    """Return the layer to read, refusing to guess among several."""
    try:
        names = [str(name) for name in pyogrio.list_layers(source)[:, 0]]
    except (DataSourceError, OSError) as exc:
        raise GridFileError(f"{path}: cannot read it as a {file_format}: {exc}") from exc
    if not names:
        raise GridFileError(f"{path}: holds no layers")
    if layer is None:
        if len(names) > 1:
            raise GridFileError(
                f"{path}: holds {len(names)} layers ({', '.join(names)}); choose one with layer="
            )
        return None
    if layer not in names:
        raise GridFileError(f"{path}: has no layer {layer!r}; layers: {', '.join(names)}")
    return layer


def _find_field(path: Path, columns: list[str], wanted: str, argument: str) -> str:
    """Return the column matching ``wanted`` exactly, or else ignoring case."""
    if wanted in columns:
        return wanted
    folded = [c for c in columns if c.casefold() == wanted.casefold()]
    if len(folded) == 1:
        return folded[0]
    available = ", ".join(columns) if columns else "none"
    raise GridFileError(
        f"{path}: has no field {wanted!r} ({argument}); available fields: {available}"
    )


def _to_wgs84(path: Path, frame: GeoDataFrame, crs: str | None, file_format: str) -> np.ndarray:
    """Return the geometries converted to WGS84 longitude/latitude, as an object array."""
    source = _source_crs(path, frame, crs, file_format)
    if isinstance(source, str):  # GCJ-02 / BD-09 longitude/latitude
        raw = np.asarray(frame.geometry.array, dtype=object)
        _check_lonlat(path, raw, source)
        try:
            return np.asarray(geometry_to_wgs84(raw, source), dtype=object)
        except UnsupportedCRSError as exc:  # pragma: no cover - names are checked above
            raise GridFileError(f"{path}: unsupported CRS {crs!r}: {exc}") from exc

    series = frame.geometry.set_crs(source, allow_override=True)
    geodetic = source.geodetic_crs
    try:
        if source.to_epsg() in (4326, _CGCS2000):
            converted = series
        elif geodetic is not None and geodetic.to_epsg() == _CGCS2000:
            # CGCS2000 and WGS84 agree to well under a metre: project back to CGCS2000
            # longitude/latitude and read that as WGS84, rather than apply a datum shift.
            converted = series.to_crs(_CGCS2000)
        else:
            converted = series.to_crs("EPSG:4326")
    except CRSError as exc:
        raise GridFileError(
            f"{path}: unsupported CRS {source.to_string()!r}: cannot convert it to WGS84 ({exc})"
        ) from exc
    geoms = np.asarray(converted.array, dtype=object)
    _check_lonlat(path, geoms, source.to_string())
    return geoms


def _source_crs(path: Path, frame: GeoDataFrame, crs: str | None, file_format: str) -> CRS | str:
    """Work out the CRS of the file's coordinates: a pyproj CRS, or "gcj02" / "bd09"."""
    if crs is not None:
        key = crs.strip().lower()
        if key in _PSEUDO_CRS:
            return _PSEUDO_CRS[key]
        if key in _WGS84_NAMES:
            return CRS.from_epsg(4326)
        try:
            declared = CRS.from_user_input(crs)
        except CRSError as exc:
            raise GridFileError(
                f"{path}: unsupported CRS {crs!r}; expected wgs84, gcj02, bd09 or an EPSG code "
                "such as 'EPSG:4490' or 'EPSG:4547'"
            ) from exc
        if not (declared.is_geographic or declared.is_projected):
            raise GridFileError(
                f"{path}: unsupported CRS {crs!r}: {declared.type_name} is neither geographic "
                "nor projected"
            )
        return declared
    if frame.crs is not None:
        return CRS.from_user_input(frame.crs)
    if file_format == "GeoJSON":
        return CRS.from_epsg(4326)  # RFC 7946: GeoJSON is WGS84 longitude/latitude
    hint = " (the .prj file is missing)" if file_format.endswith("Shapefile") else ""
    raise GridFileError(
        f"{path}: declares no coordinate system{hint}; pass crs=, e.g. 'EPSG:4490' for "
        "CGCS2000 longitude/latitude, 'EPSG:4547' for CGCS2000 Gauss-Krüger CM 114E, "
        "or 'gcj02' for AMap coordinates"
    )


def _check_lonlat(path: Path, geoms: np.ndarray, crs_name: str) -> None:
    """Fail when coordinates that should be longitude/latitude are clearly not."""
    present = geoms[~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)]
    if not len(present):
        return
    minx, miny, maxx, maxy = shapely.total_bounds(present)
    if not (-180.0 <= minx <= maxx <= 180.0 and -90.0 <= miny <= maxy <= 90.0):
        raise GridFileError(
            f"{path}: coordinates ({minx:.0f}, {miny:.0f}) – ({maxx:.0f}, {maxy:.0f}) are not "
            f"longitude/latitude in {crs_name}; is crs= right?"
        )


def _text(value: object) -> str | None:
    """Return a name as a stripped string, None when missing or blank."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value).strip()
    return text or None
