"""A synthetic but plausible grid hierarchy for 汕尾 (Shanwei), built from real boundaries.

汕尾 publishes its grid counts (56 large, 868 medium and 4,555 small grids) but not the grid
polygons. :func:`build_demo_city` makes a stand-in that has the right counts, nests exactly
and looks like towns and villages on a map, so that the rest of the system can be developed,
demonstrated and benchmarked on realistic data.

How the city is built:

1. The four district boundaries (城区 441502, 海丰县 441521, 陆河县 441523, 陆丰市 441581)
   are read from GeoJSON in GCJ-02 and converted to WGS84 with :mod:`geo.crs`. Each district
   keeps only its mainland: polygon parts of at least :data:`ISLET_MIN_AREA_KM2` km² whose
   centroid lies north of :data:`MAINLAND_MIN_LAT`. This drops the offshore islets and the
   far southern banks (东沙, down to 20.58°N). The four districts are then made into a clean
   polygon coverage (:func:`shapely.coverage_clean`; an area claimed twice goes to the
   earlier district, as if later districts were clipped by earlier ones).
2. The work is done in a local plane (an equirectangular projection centred on the city,
   in metres). A synthetic population density is laid over the city: a Gaussian bump on each
   county seat, two or three smaller urban cores per district, then one bump on the centre of
   every town, over a rural base level.
3. Large grids are shared among the districts in proportion to area, medium grids among the
   large grids and small grids among the medium grids in proportion to population, always
   with the largest-remainder method and at least one child per parent
   (:func:`largest_remainder`).
4. A parent is split into its children by population-weighted k-means (a weighted Lloyd
   relaxation) on random points inside it; the cluster centres seed a Voronoi diagram whose
   edges are bent by a few random harmonics so that the borders look like field and village
   borders rather than straight lines. The parent boundary and the bent edges are noded and
   polygonised; each face goes to the seed that lies inside it, and faces with no seed (bits
   cut off by a crooked coast) go to the neighbour with which they share the longest border.
   Children that come out empty or as slivers are reseeded (the largest sibling is split in
   two) until every parent has exactly its allotted count. Denser areas therefore get more,
   smaller cells.
5. Each level is then made edge-matched across parents with :func:`shapely.coverage_clean`,
   converted back to WGS84 longitude/latitude, and given codes, names, staff and household
   counts.

Everything is drawn from random generators seeded by ``seed`` (and the level and parent
index), so one seed always gives byte-identical geometry.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import MultiPolygon, Polygon, shape

from geo.crs import geometry_gcj02_to_wgs84

__all__ = [
    "CITY_ADCODE",
    "COUNTY_SEATS",
    "DISTRICT_ADCODES",
    "DISTRICT_NAMES",
    "ISLET_MIN_AREA_KM2",
    "LARGE_COUNT",
    "MAINLAND_MIN_LAT",
    "MEDIUM_COUNT",
    "SMALL_COUNT",
    "DemoCity",
    "ProgressCallback",
    "build_demo_city",
    "largest_remainder",
    "load_districts",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
GeomArray = npt.NDArray[np.object_]

#: Called as ``progress(message, fraction_done)`` while the city is built.
ProgressCallback = Callable[[str, float], None]

CITY_ADCODE = "441500"
#: The four county-level districts, in the order used for codes and overlap resolution.
DISTRICT_ADCODES: tuple[str, ...] = ("441502", "441521", "441523", "441581")
DISTRICT_NAMES: dict[str, str] = {
    "441502": "城区",
    "441521": "海丰县",
    "441523": "陆河县",
    "441581": "陆丰市",
}
#: Published 汕尾 grid counts.
LARGE_COUNT = 56
MEDIUM_COUNT = 868
SMALL_COUNT = 4555

#: Polygon parts smaller than this (km²) are islets and are dropped.
ISLET_MIN_AREA_KM2 = 5.0
#: Polygon parts whose centroid lies south of this latitude are offshore banks and dropped.
MAINLAND_MIN_LAT = 22.5

#: Approximate WGS84 position of each district's seat (城区 香洲, 海丰 海城, 陆河 河田,
#: 陆丰 东海); the densest urban core of each district is put there.
COUNTY_SEATS: dict[str, tuple[float, float]] = {
    "441502": (115.375, 22.787),
    "441521": (115.323, 22.967),
    "441523": (115.657, 23.302),
    "441581": (115.645, 22.945),
}

# Real town and street names per district, in the order they are handed out (nearest to
# the county seat first). Extra large grids get invented names.
_REAL_TOWNS: dict[str, tuple[str, ...]] = {
    "441502": ("香洲街道", "凤山街道", "新港街道", "马宫街道", "东涌镇", "红草镇", "捷胜镇"),
    "441521": (
        "海城镇", "附城镇", "城东镇", "梅陇镇", "可塘镇", "公平镇", "赤坑镇", "大湖镇",
        "联安镇", "陶河镇", "赤石镇", "鹅埠镇", "小漠镇", "鲘门镇", "黄羌镇", "平东镇",
    ),
    "441523": ("河田镇", "水唇镇", "螺溪镇", "东坑镇", "新田镇", "上护镇", "南万镇", "河口镇"),
    "441581": (
        "东海街道", "城东街道", "河西街道", "碣石镇", "甲子镇", "南塘镇", "博美镇", "潭西镇",
        "桥冲镇", "大安镇", "八万镇", "陂洋镇", "西南镇", "河东镇", "上英镇", "金厢镇",
        "湖东镇", "甲东镇", "甲西镇", "内湖镇",
    ),
}  # fmt: skip

_TOWN_FIRST = "东西南北新上下大小石龙凤金银安和兴平丰福永长清白青云华明"
_TOWN_SECOND = "溪田湖塘岭山坑洋埔港坪园林桥沙头浦江阳寮湾岗"
_COMMUNITY_FIRST = "香凤翠金银华新康泰福安宁和兴盛荣锦碧明文德育丽春桂海滨通城"
_COMMUNITY_SECOND = "城园苑湖港华兴安平山江河岭坡洲湾阳南北东西门桥街"
_VILLAGE_FIRST = "新东西南北上下大小前后中高石田溪坑林陈黄吴彭叶罗赤白青龙凤鹤马牛竹松桂梅莲蔡郑庄"
_VILLAGE_SECOND = "寮埔围厝塘湖坑田洋岭山溪墩尾头港沟墘美安和兴丰光联河坪径圩寨"
_SURNAMES = "陈林黄李张吴刘郑蔡彭庄叶余罗卓王杨许钟赖曾何周徐朱邱温洪马苏颜谢魏詹卢黎杜戴"
# Rough frequencies for the surnames above: 陈 and 林 dominate in 海陆丰.
_SURNAME_WEIGHTS = (
    [18.0, 9.0, 7.0, 6.0, 6.0, 5.0, 5.0, 4.0, 4.0, 4.0, 3.0, 3.0, 3.0, 3.0, 2.0, 3.0]
    + [2.0] * 10
    + [1.0] * (len(_SURNAMES) - 26)
)
_GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚文华辉建国志海丹玲燕鹏锋俊斌"
    "婷雪琳晓嘉宇浩思佳永少振东学耀泽荣坤銮钦英秀桂红梅兰春淑惠德汉忠"
)

# Local plane: equirectangular, centred on the city (metres). Areas are within 0.5 % of
# true over the city, which is plenty for sharing grids out.
_LON0 = 115.55
_LAT0 = 23.0
_M_PER_DEG_LAT = 6_371_008.8 * math.pi / 180.0
_M_PER_DEG_LON = _M_PER_DEG_LAT * math.cos(math.radians(_LAT0))

#: Relative population density of each district (陆河 is mountainous and thinly settled).
_DISTRICT_DENSITY: dict[str, float] = {
    "441502": 1.2,
    "441521": 1.0,
    "441523": 0.5,
    "441581": 1.25,
}

_MAX_ATTEMPTS = 40
_SLIVER_AREA_FRACTION = 0.04  # of the parent's mean child area
_SLIVER_COMPACTNESS = 0.06  # Polsby-Popper 4 pi A / P^2


@dataclass(frozen=True)
class _LevelSpec:
    """How one level is cut out of its parents."""

    name: str
    index: int
    seg_len: float  # metres between vertices on a bent Voronoi edge
    amplitude: float  # harmonic amplitude as a fraction of the edge length
    gamma: float  # k-means weight = density ** gamma
    samples_per_child: int
    min_samples: int
    max_children: int


_LARGE = _LevelSpec("large", 1, 300.0, 0.09, 0.35, 80, 1200, 999)
_MEDIUM = _LevelSpec("medium", 2, 140.0, 0.07, 1.0, 50, 600, 60)
_SMALL = _LevelSpec("small", 3, 60.0, 0.06, 1.0, 50, 300, 99)


@dataclass
class DemoCity:
    """The synthetic grid hierarchy of one demo city.

    Every layer is a GeoDataFrame in EPSG:4326 with the columns ``code``, ``name``,
    ``level``, ``parent_code``, ``staff``, ``households``, ``population`` and ``geometry``
    (MultiPolygon), sorted by code.

    Attributes
    ----------
    districts : geopandas.GeoDataFrame
        The four districts' mainland (level ``"district"``, parent ``"441500"``).
    large, medium, small : geopandas.GeoDataFrame
        The 大网格, 中网格 and 小网格 layers; a large grid's parent is its district adcode.
    district_names : dict of str to str
        District adcode to name, e.g. ``{"441502": "城区", ...}``.
    """

    districts: gpd.GeoDataFrame
    large: gpd.GeoDataFrame
    medium: gpd.GeoDataFrame
    small: gpd.GeoDataFrame
    district_names: dict[str, str]

    def layer(self, level: str) -> gpd.GeoDataFrame:
        """Return the layer for ``level`` ("district", "large", "medium" or "small").

        Raises
        ------
        ValueError
            If ``level`` is not one of the four names.
        """
        layers = {
            "district": self.districts,
            "large": self.large,
            "medium": self.medium,
            "small": self.small,
        }
        if level not in layers:
            raise ValueError(f"unknown grid level {level!r}; expected one of {sorted(layers)}")
        return layers[level]


# --------------------------------------------------------------------------- helpers


def largest_remainder(
    total: int,
    weights: Sequence[float] | npt.ArrayLike,
    *,
    minimum: int = 1,
    maximum: int | None = None,
) -> IntArray:
    """Share ``total`` items among parties in proportion to ``weights``.

    Hamilton's largest-remainder method: every party gets the integer part of its quota
    and the leftover items go to the largest fractional parts (ties to the lower index).
    Parties below ``minimum`` (or above ``maximum``) are then topped up (or cut) one item
    at a time from (or to) the party furthest above (or below) its quota.

    Parameters
    ----------
    total : int
        Number of items to share.
    weights : array_like of float
        Non-negative weights, one per party, not all zero.
    minimum, maximum : int, optional
        Bounds on every party's share.

    Returns
    -------
    numpy.ndarray of int64
        The shares, summing to ``total``.

    Raises
    ------
    ValueError
        If the bounds cannot be met or the weights are unusable.
    """
    w = np.asarray(weights, dtype=np.float64)
    n = w.size
    if n == 0 or not np.all(np.isfinite(w)) or (w < 0).any() or w.sum() <= 0:
        raise ValueError("weights must be finite, non-negative and not all zero")
    if total < minimum * n or (maximum is not None and total > maximum * n):
        raise ValueError(f"cannot share {total} among {n} parties within the bounds")
    quota = total * w / w.sum()
    counts = np.floor(quota).astype(np.int64)
    leftover = int(total - counts.sum())
    order = np.lexsort((np.arange(n), -(quota - counts)))
    counts[order[:leftover]] += 1
    while (counts < minimum).any():
        counts[int(np.argmin(counts))] += 1
        surplus = np.where(counts > minimum, counts - quota, -np.inf)
        counts[int(np.argmax(surplus))] -= 1
    if maximum is not None:
        while (counts > maximum).any():
            counts[int(np.argmax(counts))] -= 1
            deficit = np.where(counts < maximum, quota - counts, -np.inf)
            counts[int(np.argmax(deficit))] += 1
    return counts


def _area(geom: shapely.Geometry) -> float:
    """Planar area of one geometry."""
    return float(shapely.area(geom))


def _coverage_clean(geoms: GeomArray, *, merge_strategy: str = "longest_border") -> GeomArray:
    """Edge-match a polygon coverage (:func:`shapely.coverage_clean`, shapely >= 2.2)."""
    cleaned = shapely.coverage_clean(geoms, merge_strategy=merge_strategy)  # type: ignore[attr-defined]
    return np.asarray(cleaned, dtype=object)


def _to_plane(geom: Any) -> Any:
    """Project lon/lat geometries to the local plane (metres)."""

    def fwd(c: FloatArray) -> FloatArray:
        return np.column_stack(
            ((c[:, 0] - _LON0) * _M_PER_DEG_LON, (c[:, 1] - _LAT0) * _M_PER_DEG_LAT)
        )

    return shapely.transform(geom, fwd)


def _to_lonlat(geom: Any) -> Any:
    """Unproject local-plane geometries back to lon/lat degrees."""

    def inv(c: FloatArray) -> FloatArray:
        return np.column_stack((c[:, 0] / _M_PER_DEG_LON + _LON0, c[:, 1] / _M_PER_DEG_LAT + _LAT0))

    return shapely.transform(geom, inv)


def _plane_xy(lon: float, lat: float) -> FloatArray:
    """Project one lon/lat point to the local plane."""
    return np.array([(lon - _LON0) * _M_PER_DEG_LON, (lat - _LAT0) * _M_PER_DEG_LAT])


def _as_multipolygon(geom: shapely.Geometry) -> MultiPolygon:
    """Return the polygonal parts of ``geom`` as one MultiPolygon (maybe empty)."""
    if isinstance(geom, MultiPolygon):
        return geom
    if isinstance(geom, Polygon):
        return MultiPolygon([geom])
    parts = [p for p in shapely.get_parts(geom) if isinstance(p, Polygon | MultiPolygon)]
    polys: list[Polygon] = []
    for p in parts:
        polys.extend(shapely.get_parts(p).tolist())
    return MultiPolygon(polys)


def _geodesic_area_km2(geom: Polygon) -> float:
    """Approximate area of a lon/lat polygon in km² (local equirectangular scale)."""
    lat = geom.centroid.y
    scale = _M_PER_DEG_LAT * _M_PER_DEG_LAT * math.cos(math.radians(lat))
    return float(geom.area * scale / 1e6)


def load_districts(boundaries_dir: Path) -> dict[str, MultiPolygon]:
    """Read the four district boundaries and return their mainland as a clean coverage.

    Parameters
    ----------
    boundaries_dir : pathlib.Path
        Directory holding ``441502.geojson`` … ``441581.geojson``: bare GeoJSON
        (Multi)Polygon geometries in GCJ-02.

    Returns
    -------
    dict of str to shapely.MultiPolygon
        District adcode to its mainland in WGS84 lon/lat, in :data:`DISTRICT_ADCODES`
        order. Islets (parts under :data:`ISLET_MIN_AREA_KM2` km² or south of
        :data:`MAINLAND_MIN_LAT`) are dropped; overlaps go to the earlier district and the
        districts share their borders vertex for vertex.

    Raises
    ------
    FileNotFoundError
        If a district file is missing.
    ValueError
        If a district has no mainland part left.
    """
    mainlands = []
    for adcode in DISTRICT_ADCODES:
        path = Path(boundaries_dir) / f"{adcode}.geojson"
        with path.open(encoding="utf-8") as fh:
            raw = json.load(fh)
        geom = shape(raw.get("geometry", raw) if raw.get("type") == "Feature" else raw)
        geom = shapely.make_valid(geometry_gcj02_to_wgs84(geom))
        parts = [
            p
            for p in _as_multipolygon(geom).geoms
            if _geodesic_area_km2(p) >= ISLET_MIN_AREA_KM2 and p.centroid.y >= MAINLAND_MIN_LAT
        ]
        if not parts:
            raise ValueError(f"district {adcode} in {path} has no mainland polygon")
        mainlands.append(MultiPolygon(parts))
    planar = _to_plane(np.array(mainlands, dtype=object))
    cleaned = _coverage_clean(planar, merge_strategy="min_index")
    lonlat = _to_lonlat(cleaned)
    return {adcode: _as_multipolygon(g) for adcode, g in zip(DISTRICT_ADCODES, lonlat, strict=True)}


# --------------------------------------------------------------------------- density


@dataclass(frozen=True)
class _Density:
    """Population density: a rural base plus Gaussian bumps (arbitrary units)."""

    centres: FloatArray
    weights: FloatArray
    sigmas: FloatArray
    base: float = 1.0

    def __call__(self, xy: FloatArray) -> FloatArray:
        """Evaluate the density at plane points ``xy`` of shape (n, 2)."""
        out = np.full(len(xy), self.base)
        inv = -1.0 / (2.0 * self.sigmas**2)
        for start in range(0, len(xy), 4096):
            chunk = xy[start : start + 4096]
            d2 = _sq_dist(chunk, self.centres)
            out[start : start + 4096] += np.exp(d2 * inv) @ self.weights
        return out

    def with_bumps(self, centres: FloatArray, weights: FloatArray, sigmas: FloatArray) -> _Density:
        """Return a density with extra bumps."""
        return _Density(
            np.vstack([self.centres, centres]),
            np.concatenate([self.weights, weights]),
            np.concatenate([self.sigmas, sigmas]),
            self.base,
        )


def _sample_uniform(geom: shapely.Geometry, n: int, rng: np.random.Generator) -> FloatArray:
    """Draw ``n`` points uniformly inside ``geom`` by rejection in its bounding box."""
    shapely.prepare(geom)
    xmin, ymin, xmax, ymax = shapely.bounds(geom).tolist()
    fill = max(_area(geom) / max((xmax - xmin) * (ymax - ymin), 1e-12), 0.02)
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


# --------------------------------------------------------------------------- partition


def _sq_dist(a: FloatArray, b: FloatArray) -> FloatArray:
    """Squared distances between every row of ``a`` and every row of ``b``."""
    dx = a[:, 0, None] - b[None, :, 0]
    dy = a[:, 1, None] - b[None, :, 1]
    return dx * dx + dy * dy


def _weighted_kmeans(
    pts: FloatArray,
    w: FloatArray,
    k: int,
    rng: np.random.Generator,
    *,
    fixed: FloatArray | None = None,
    iterations: int = 12,
) -> FloatArray:
    """Weighted k-means (k-means++ start, Lloyd steps); centres snapped to sample points.

    ``fixed``, if given, is the first centre and is never moved.
    """
    n = len(pts)
    p = w / w.sum()
    centres = np.empty((k, 2))
    if fixed is not None:
        centres[0] = fixed
    else:
        centres[0] = pts[rng.choice(n, p=p)]
    d2 = ((pts - centres[0]) ** 2).sum(axis=1)
    for j in range(1, k):
        q = w * d2
        total = q.sum()
        idx = int(rng.choice(n, p=q / total)) if total > 0 else int(rng.integers(n))
        centres[j] = pts[idx]
        d2 = np.minimum(d2, ((pts - centres[j]) ** 2).sum(axis=1))
    for _ in range(iterations):
        label = _sq_dist(pts, centres).argmin(axis=1)
        mass = np.bincount(label, w, minlength=k)
        sx = np.bincount(label, w * pts[:, 0], minlength=k)
        sy = np.bincount(label, w * pts[:, 1], minlength=k)
        ok = mass > 0
        new = centres.copy()
        new[ok, 0] = sx[ok] / mass[ok]
        new[ok, 1] = sy[ok] / mass[ok]
        if fixed is not None:
            new[0] = fixed
        centres = new
    # Snap every free centre to a distinct sample point (so seeds lie inside the parent).
    used = np.zeros(n, dtype=bool)
    seeds = centres.copy()
    dist = _sq_dist(centres, pts)
    for j in range(k):
        if fixed is not None and j == 0:
            continue
        pick = int(np.argmin(dist[j]))
        if used[pick]:
            pick = int(np.argmin(np.where(used, np.inf, dist[j])))
        used[pick] = True
        seeds[j] = pts[pick]
    return seeds


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


def _voronoi_cells(
    parent: shapely.Geometry,
    seeds: FloatArray,
    rng: np.random.Generator,
    seg_len: float,
    amplitude: float,
) -> list[shapely.Geometry | None]:
    """Cut ``parent`` into one cell per seed (None where a seed lost its cell)."""
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
        return [None] * len(seeds)
    rep = shapely.get_coordinates(shapely.point_on_surface(faces))
    shapely.prepare(parent)
    faces = faces[shapely.contains_xy(parent, rep[:, 0], rep[:, 1])]
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
            # Isolated faces (parts of a multipart parent): nearest labelled face.
            labelled = np.flatnonzero(label >= 0)
            if labelled.size == 0:
                return
            sub = shapely.STRtree(faces[labelled])
            for f in todo:
                near = sub.nearest(faces[f])
                label[f] = label[labelled[int(near)]]
            return
        shared = shapely.length(shapely.intersection(boundaries[src], boundaries[dst]))
        best: dict[int, tuple[float, int]] = {}
        for s, d, length in zip(src.tolist(), dst.tolist(), shared.tolist(), strict=True):
            if s not in best or length > best[s][0]:
                best[s] = (length, d)
        for s, (_, d) in best.items():
            label[s] = label[d]
        todo = np.flatnonzero(label < 0)


def _is_sliver(cell: shapely.Geometry, mean_area: float) -> bool:
    """Whether a cell is too small or too thin to be a credible grid."""
    area = _area(cell)
    if area < _SLIVER_AREA_FRACTION * mean_area:
        return True
    perimeter = float(shapely.length(cell))
    return 4.0 * math.pi * area / (perimeter * perimeter) < _SLIVER_COMPACTNESS


def _split_seed(
    cell: shapely.Geometry,
    seed: FloatArray,
    pts: FloatArray,
    rng: np.random.Generator,
) -> tuple[FloatArray, FloatArray]:
    """Two seeds that split ``cell`` in two (2-means on the points inside it)."""
    shapely.prepare(cell)
    inside = pts[shapely.contains_xy(cell, pts[:, 0], pts[:, 1])]
    if len(inside) < 8:
        inside = _sample_uniform(cell, 64, rng)
    far = inside[int(np.argmax(((inside - seed) ** 2).sum(axis=1)))]
    two = _weighted_kmeans(inside, np.ones(len(inside)), 2, rng, fixed=None, iterations=8)
    if np.allclose(two[0], two[1]):
        two = np.vstack([seed, far])
    return two[0], two[1]


def _partition(
    parent: shapely.Geometry,
    k: int,
    pts: FloatArray,
    weights: FloatArray,
    rng: np.random.Generator,
    spec: _LevelSpec,
    *,
    fixed: FloatArray | None = None,
) -> tuple[list[shapely.Geometry], FloatArray]:
    """Cut ``parent`` into exactly ``k`` non-empty, non-sliver cells; return cells and seeds."""
    if k == 1:
        seed = fixed if fixed is not None else pts[int(np.argmax(weights))]
        return [parent], np.asarray([seed])
    seeds = _weighted_kmeans(pts, weights, k, rng, fixed=fixed)
    mean_area = _area(parent) / k
    for attempt in range(_MAX_ATTEMPTS):
        # Straight edges in the last attempts, in case bending keeps producing slivers.
        amplitude = spec.amplitude if attempt < _MAX_ATTEMPTS - 10 else 0.0
        cells = _voronoi_cells(parent, seeds, rng, spec.seg_len, amplitude)
        bad = [i for i, c in enumerate(cells) if c is None or _is_sliver(c, mean_area)]
        if not bad:
            return [c for c in cells if c is not None], seeds
        # Drop the bad seeds; split the largest good cells in two to make up the count.
        areas = np.array([0.0 if c is None or i in bad else _area(c) for i, c in enumerate(cells)])
        for b in bad:
            big = int(np.argmax(areas))
            cell = cells[big]
            assert cell is not None
            s1, s2 = _split_seed(cell, seeds[big], pts, rng)
            if fixed is not None and big == 0:
                s1 = seeds[0]
            seeds[big], seeds[b] = s1, s2
            areas[big] = 0.0
        jitter = rng.normal(0.0, 1e-3, seeds.shape)
        if fixed is not None:
            jitter[0] = 0.0
        seeds = seeds + jitter
    raise RuntimeError(f"could not cut a {spec.name} parent into {k} cells")


# --------------------------------------------------------------------------- names


class _Names:
    """Draws Chinese person and place names from syllable lists."""

    _BATCH = 4096

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng
        w = np.asarray(_SURNAME_WEIGHTS)
        self._surname_p = w / w.sum()
        self._people: list[str] = []

    def person(self) -> str:
        """A plausible person name: a surname and one or two given-name characters."""
        if not self._people:
            # Drawn in batches: scalar draws from a numpy generator are slow.
            rng = self._rng
            n = self._BATCH
            surnames = rng.choice(len(_SURNAMES), size=n, p=self._surname_p)
            given = rng.integers(len(_GIVEN), size=(n, 2))
            single = rng.random(n) < 0.3
            self._people = [
                _SURNAMES[s] + _GIVEN[g[0]] + ("" if one else _GIVEN[g[1]])
                for s, g, one in zip(
                    surnames.tolist(), given.tolist(), single.tolist(), strict=True
                )
            ]
            self._people.reverse()
        return self._people.pop()

    def people(self, n: int) -> list[str]:
        """``n`` person names."""
        return [self.person() for _ in range(n)]

    def place(self, first: str, second: str, suffix: str, taken: set[str]) -> str:
        """A name ``first-syllable + second-syllable + suffix`` not in ``taken``."""
        rng = self._rng
        for attempt in range(1000):
            a = first[int(rng.integers(len(first)))]
            b = second[int(rng.integers(len(second)))]
            if a == b:
                continue
            stem = a + b
            if attempt > 200:  # crowded: add a third syllable
                stem += second[int(rng.integers(len(second)))]
            if stem + suffix not in taken:
                taken.add(stem + suffix)
                return stem + suffix
        raise RuntimeError("ran out of place names")  # pragma: no cover


# --------------------------------------------------------------------------- build


@dataclass
class _Cell:
    """One grid while it is being built (plane coordinates)."""

    geom: shapely.Geometry
    seed: FloatArray
    parent: int  # index into the parent level's list (district index for large grids)
    population: float = 0.0
    samples: FloatArray | None = None


def _estimate_population(
    cells: list[_Cell],
    density: _Density,
    factors: Sequence[float],
    n: int,
    rng_for: Callable[[int], np.random.Generator],
) -> None:
    """Sample points in every cell; population = area × mean density × district factor."""
    for i, (cell, factor) in enumerate(zip(cells, factors, strict=True)):
        pts = _sample_uniform(cell.geom, n, rng_for(i))
        cell.samples = pts
        cell.population = _area(cell.geom) * float(density(pts).mean()) * factor


def _split_level(
    parents: list[_Cell],
    counts: IntArray,
    density: _Density,
    spec: _LevelSpec,
    seed: int,
    *,
    fixed: Sequence[FloatArray | None] | None = None,
    progress: Callable[[float], None] | None = None,
) -> list[_Cell]:
    """Cut every parent into its allotted number of cells, then edge-match the level."""
    children: list[_Cell] = []
    for i, (parent, k) in enumerate(zip(parents, counts.tolist(), strict=True)):
        rng = np.random.default_rng([seed, spec.index, i])
        n_pts = max(spec.min_samples, spec.samples_per_child * k)
        pts = parent.samples if parent.samples is not None else np.empty((0, 2))
        if len(pts) < n_pts:
            pts = np.vstack([pts, _sample_uniform(parent.geom, n_pts - len(pts), rng)])
        weights = density(pts) ** spec.gamma
        cells, seeds = _partition(
            parent.geom,
            k,
            pts,
            weights,
            rng,
            spec,
            fixed=None if fixed is None else fixed[i],
        )
        children.extend(_Cell(c, s, i) for c, s in zip(cells, seeds, strict=True))
        if progress is not None and (i % 16 == 0 or i == len(parents) - 1):
            progress((i + 1) / len(parents))
    geoms = np.array([c.geom for c in children], dtype=object)
    cleaned = _coverage_clean(geoms)
    for child, geom in zip(children, cleaned, strict=True):
        child.geom = _as_multipolygon(geom)
        if child.geom.is_empty or not child.geom.is_valid:
            raise RuntimeError(f"a {spec.name} grid collapsed while edge-matching the level")
    return children


def _order_children(cells: list[_Cell], anchors: Sequence[FloatArray]) -> IntArray:
    """Order cells by parent, then by distance of their seed from the parent's anchor."""
    parent = np.array([c.parent for c in cells])
    dist = np.array([float(np.hypot(*(c.seed - anchors[c.parent]))) for c in cells])
    return np.lexsort((dist, parent)).astype(np.int64)


def build_demo_city(
    boundaries_dir: Path,
    *,
    seed: int = 2026,
    progress: ProgressCallback | None = None,
) -> DemoCity:
    """Build the demo 汕尾 grid hierarchy: 56 large, 868 medium and 4,555 small grids.

    Parameters
    ----------
    boundaries_dir : pathlib.Path
        Directory with the district GeoJSON files (``441502.geojson`` etc., GCJ-02).
    seed : int, default 2026
        Random seed; the same seed always gives byte-identical geometries and attributes.
    progress : callable, optional
        Called as ``progress(message, fraction_done)`` during the build.

    Returns
    -------
    DemoCity
        The districts and the three grid layers, in EPSG:4326.
    """

    def report(message: str, fraction: float) -> None:
        if progress is not None:
            progress(message, min(max(fraction, 0.0), 1.0))

    report("reading district boundaries", 0.0)
    districts_ll = load_districts(boundaries_dir)
    district_geoms = [_to_plane(districts_ll[a]) for a in DISTRICT_ADCODES]
    rng = np.random.default_rng([seed, 0])

    # Urban cores: the county seat and a couple of secondary centres per district.
    seats = [_plane_xy(*COUNTY_SEATS[a]) for a in DISTRICT_ADCODES]
    centres, weights, sigmas = [], [], []
    for geom, seat in zip(district_geoms, seats, strict=True):
        if not shapely.contains_xy(geom, seat[0], seat[1]):
            seat[:] = shapely.get_coordinates(shapely.point_on_surface(geom))[0]
        centres.append(seat)
        weights.append(12.0)
        sigmas.append(2800.0)
        for xy in _sample_uniform(geom, int(rng.integers(2, 4)), rng):
            centres.append(xy)
            weights.append(float(rng.uniform(4.0, 8.0)))
            sigmas.append(float(rng.uniform(1200.0, 2200.0)))
    core = _Density(np.array(centres), np.array(weights), np.array(sigmas), base=1.0)

    # Large grids (towns and streets), shared among districts by area.
    report("cutting districts into large grids", 0.05)
    district_cells = [_Cell(g, s, -1, _area(g)) for g, s in zip(district_geoms, seats, strict=True)]
    n_large = largest_remainder(LARGE_COUNT, [c.population for c in district_cells])
    large = _split_level(district_cells, n_large, core, _LARGE, seed, fixed=seats)

    # Every town centre gets its own density bump.
    town_xy = np.array([c.seed for c in large])
    density = core.with_bumps(
        town_xy, rng.uniform(3.0, 8.0, len(large)), rng.uniform(700.0, 1400.0, len(large))
    )

    report("cutting large grids into medium grids", 0.15)
    large_factor = [_DISTRICT_DENSITY[DISTRICT_ADCODES[c.parent]] for c in large]
    _estimate_population(
        large, density, large_factor, 1500, lambda i: np.random.default_rng([seed, 11, i])
    )
    n_medium = largest_remainder(
        MEDIUM_COUNT, [c.population for c in large], maximum=_MEDIUM.max_children
    )
    medium = _split_level(
        large,
        n_medium,
        density,
        _MEDIUM,
        seed,
        progress=lambda f: report("cutting large grids into medium grids", 0.15 + 0.2 * f),
    )

    report("cutting medium grids into small grids", 0.35)
    medium_factor = [large_factor[c.parent] for c in medium]
    _estimate_population(
        medium, density, medium_factor, 300, lambda i: np.random.default_rng([seed, 12, i])
    )
    n_small = largest_remainder(
        SMALL_COUNT, [c.population for c in medium], maximum=_SMALL.max_children
    )
    small = _split_level(
        medium,
        n_small,
        density,
        _SMALL,
        seed,
        progress=lambda f: report("cutting medium grids into small grids", 0.35 + 0.55 * f),
    )

    report("naming grids", 0.92)
    city = _assemble(districts_ll, district_cells, large, medium, small, density, seed)
    report("done", 1.0)
    return city


def _assemble(
    districts_ll: dict[str, MultiPolygon],
    district_cells: list[_Cell],
    large: list[_Cell],
    medium: list[_Cell],
    small: list[_Cell],
    density: _Density,
    seed: int,
) -> DemoCity:
    """Order, code, name and staff the cells; build the GeoDataFrames."""
    rng = np.random.default_rng([seed, 99])
    names = _Names(rng)

    # Orders: children by distance from the parent's seed (the town or village centre).
    large_order = _order_children(large, [c.seed for c in district_cells])
    large_code: dict[int, str] = {}
    large_name: dict[int, str] = {}
    taken_towns = {n for towns in _REAL_TOWNS.values() for n in towns}
    seq: dict[int, int] = {}
    for i in large_order.tolist():
        d = large[i].parent
        seq[d] = seq.get(d, 0) + 1
        adcode = DISTRICT_ADCODES[d]
        large_code[i] = f"{adcode}{seq[d]:03d}"
        real = _REAL_TOWNS[adcode]
        if seq[d] <= len(real):
            large_name[i] = real[seq[d] - 1]
        else:
            large_name[i] = names.place(_TOWN_FIRST, _TOWN_SECOND, "镇", taken_towns)

    medium_order = _order_children(medium, [c.seed for c in large])
    medium_code: dict[int, str] = {}
    medium_name: dict[int, str] = {}
    seq = {}
    taken_by_large: dict[int, set[str]] = {}
    for i in medium_order.tolist():
        p = medium[i].parent
        seq[p] = seq.get(p, 0) + 1
        medium_code[i] = f"{large_code[p]}{seq[p]:03d}"
        taken = taken_by_large.setdefault(p, set())
        urban = float(density(medium[i].seed[None, :])[0]) > 6.0
        if urban:
            medium_name[i] = names.place(_COMMUNITY_FIRST, _COMMUNITY_SECOND, "社区", taken)
        else:
            medium_name[i] = names.place(_VILLAGE_FIRST, _VILLAGE_SECOND, "村", taken)

    small_order = _order_children(small, [c.seed for c in medium])
    small_code: dict[int, str] = {}
    small_name: dict[int, str] = {}
    seq = {}
    for i in small_order.tolist():
        p = small[i].parent
        seq[p] = seq.get(p, 0) + 1
        small_code[i] = f"{medium_code[p]}{seq[p]:02d}"
        small_name[i] = f"第{seq[p]}网格"

    # Staff and households, top down for staff, bottom up for households.
    large_staff = {i: {"负责人": names.person()} for i in large_order.tolist()}
    medium_staff = {
        i: {"网格长": names.person(), "指导员": names.person()} for i in medium_order.tolist()
    }
    small_staff: dict[int, dict[str, Any]] = {}
    small_hh: dict[int, int] = {}
    small_pop: dict[int, int] = {}
    for i in small_order.tolist():
        parent_staff = medium_staff[small[i].parent]
        small_staff[i] = {
            "网格员": names.person(),
            "网格长": parent_staff["网格长"],
            "指导员": parent_staff["指导员"],
            "邻长": names.people(int(rng.integers(4, 9))),
        }
        small_hh[i] = int(rng.integers(300, 501))
        small_pop[i] = round(small_hh[i] * float(rng.uniform(2.6, 3.0)))

    def sums(
        children: list[_Cell], hh: dict[int, int], pop: dict[int, int], n: int
    ) -> tuple[dict[int, int], dict[int, int]]:
        out_hh = dict.fromkeys(range(n), 0)
        out_pop = dict.fromkeys(range(n), 0)
        for i, c in enumerate(children):
            out_hh[c.parent] += hh[i]
            out_pop[c.parent] += pop[i]
        return out_hh, out_pop

    medium_hh, medium_pop = sums(small, small_hh, small_pop, len(medium))
    large_hh, large_pop = sums(medium, medium_hh, medium_pop, len(large))
    district_hh, district_pop = sums(large, large_hh, large_pop, len(district_cells))

    def frame(
        order: IntArray,
        cells: list[_Cell],
        level: str,
        code: dict[int, str],
        name: dict[int, str],
        parent_code: Callable[[int], str],
        staff: dict[int, dict[str, Any]],
        hh: dict[int, int],
        pop: dict[int, int],
    ) -> gpd.GeoDataFrame:
        idx = sorted(order.tolist(), key=lambda i: code[i])
        geoms = _to_lonlat(np.array([cells[i].geom for i in idx], dtype=object))
        geoms = np.array([_as_multipolygon(g) for g in geoms], dtype=object)
        return gpd.GeoDataFrame(
            {
                "code": [code[i] for i in idx],
                "name": [name[i] for i in idx],
                "level": level,
                "parent_code": [parent_code(i) for i in idx],
                "staff": [staff[i] for i in idx],
                "households": np.array([hh[i] for i in idx], dtype=np.int64),
                "population": np.array([pop[i] for i in idx], dtype=np.int64),
            },
            geometry=geoms,
            crs="EPSG:4326",
        )

    large_gdf = frame(
        large_order,
        large,
        "large",
        large_code,
        large_name,
        lambda i: DISTRICT_ADCODES[large[i].parent],
        large_staff,
        large_hh,
        large_pop,
    )
    medium_gdf = frame(
        medium_order,
        medium,
        "medium",
        medium_code,
        medium_name,
        lambda i: large_code[medium[i].parent],
        medium_staff,
        medium_hh,
        medium_pop,
    )
    small_gdf = frame(
        small_order,
        small,
        "small",
        small_code,
        small_name,
        lambda i: medium_code[small[i].parent],
        small_staff,
        small_hh,
        small_pop,
    )
    district_gdf = gpd.GeoDataFrame(
        {
            "code": list(DISTRICT_ADCODES),
            "name": [DISTRICT_NAMES[a] for a in DISTRICT_ADCODES],
            "level": "district",
            "parent_code": CITY_ADCODE,
            "staff": [{} for _ in DISTRICT_ADCODES],
            "households": np.array([district_hh[d] for d in range(4)], dtype=np.int64),
            "population": np.array([district_pop[d] for d in range(4)], dtype=np.int64),
        },
        geometry=[districts_ll[a] for a in DISTRICT_ADCODES],
        crs="EPSG:4326",
    )
    return DemoCity(
        districts=district_gdf,
        large=large_gdf,
        medium=medium_gdf,
        small=small_gdf,
        district_names=dict(DISTRICT_NAMES),
    )
