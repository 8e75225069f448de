"""Synthetic incident reports for demonstrations, tests and benchmarks: where and when.

:func:`generate_reports` draws reports the way a 汕尾 command centre receives them:

- **where**: in small grids picked in proportion to their households, with a few hot spots
  (about 1 % of the grids, six times busier, where half the reports are of one favourite
  category, so that the same category comes up again and again there); each point uniformly
  inside its grid polygon and returned in GCJ-02, as phones send them;
- **when**: over the last ``days`` days before ``end`` in Asia/Shanghai time, more in office
  hours than at night, fewer at weekends, slowly growing over the period;
- **what**: a category code drawn by weight, a place (village or community) name, an
  address, a reporter with a fake mobile number and the grid's 网格员 when the layer names one.

What happens to a report afterwards (its source, its text, its way through the closed loop)
is the service's business: see :mod:`api.demo`. Everything is drawn from generators seeded by
``seed``: the same inputs give the same reports.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely

from geo.crs import gcj02_to_wgs84, wgs84_to_gcj02

__all__ = ["ROADS", "TIMEZONE", "SyntheticReport", "generate_reports"]

FloatArray = npt.NDArray[np.float64]

#: Local time zone of the reports.
TIMEZONE = "Asia/Shanghai"

_HOT_SHARE = 0.01  # share of small grids that are hot spots
_HOT_FACTOR = 6.0  # how much busier a hot spot is
_HOT_FAVOURITE = 0.5  # share of a hot spot's reports in its favourite category
_WEEKEND_FACTOR = 0.65
_GROWTH = 0.3  # the last day is this much busier than the first (relative)
# Reports per hour of the day (relative).
_HOURLY = np.array(
    [0.2, 0.1, 0.08, 0.08, 0.1, 0.2, 0.5, 1.0, 1.8, 2.4, 2.5, 2.2]
    + [1.4, 1.3, 2.0, 2.3, 2.2, 1.9, 1.3, 1.1, 1.0, 0.8, 0.5, 0.3]
)

_PHONE_PREFIXES = (
    "130 131 132 133 135 136 137 138 139 150 151 152 153 155 156 157 158 159 "
    "166 177 180 181 182 183 185 186 187 188 189 199"
).split()
_SURNAMES = "陈林黄李张吴刘郑蔡彭庄叶余罗卓王杨许钟赖曾何周徐朱邱温洪马苏颜谢"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚文华辉建国志海丹玲燕鹏锋俊斌婷雪琳晓嘉宇浩"
_VILLAGE_A = "新东西南北上下大前后石田溪林赤白青龙凤鹤竹松桂梅莲"
_VILLAGE_B = "寮埔围厝塘湖坑田洋岭山溪墩尾港沟墘美安和兴丰光联"
#: Street names of the synthetic city (addresses here, descriptions in the demo).
ROADS = (
    "人民路",
    "中山路",
    "新港路",
    "建设路",
    "香洲路",
    "汕尾大道",
    "工业大道",
    "解放路",
    "红海路",
)


@dataclass(frozen=True)
class SyntheticReport:
    """Where, when and by whom a synthetic report was made.

    Attributes
    ----------
    external_id : str
        ``"SYN-<seed>-<i>"``, ``i`` counting from 0 in order of ``reported_at``.
    category : str
        Category code, drawn by weight (and by the grid's favourite at hot spots).
    lon, lat : float
        Position in ``crs``.
    crs : str
        Always ``"gcj02"``.
    reported_at : datetime.datetime
        Report time, timezone-aware (Asia/Shanghai).
    small_code, medium_code : str
        The small grid the point was drawn in and its parent (the small code itself when
        the layer has no ``parent_code``).
    place : str
        Village / community name of the medium grid, e.g. ``"新寮村"``.
    address : str or None
        Free-text address such as ``"新寮村3组15号"``, or None (one report in five).
    reporter_name, reporter_phone : str
        A plausible name and a fake 11-digit mobile number.
    grid_worker : str or None
        The small grid's 网格员 when the layer has ``staff``, else None.
    """

    external_id: str
    category: str
    lon: float
    lat: float
    crs: str
    reported_at: datetime
    small_code: str
    medium_code: str
    place: str
    address: str | None
    reporter_name: str
    reporter_phone: str
    grid_worker: str | None


def _local_zone() -> tzinfo:
    return ZoneInfo(TIMEZONE)


def _report_times(n: int, days: int, end: datetime, rng: np.random.Generator) -> list[datetime]:
    """Report times in the ``days`` days before ``end``: office hours, weekdays, growing."""
    zone = _local_zone()
    end_local = end.astimezone(zone)
    start_local = end_local - timedelta(days=days)
    first: date = start_local.date()
    n_dates = (end_local.date() - first).days + 1
    dates = [first + timedelta(days=k) for k in range(n_dates)]
    day_w = np.array(
        [
            (_WEEKEND_FACTOR if day.weekday() >= 5 else 1.0)
            * (1.0 + _GROWTH * k / max(n_dates - 1, 1))
            for k, day in enumerate(dates)
        ]
    )
    day_p = day_w / day_w.sum()
    hour_p = _HOURLY / _HOURLY.sum()
    base = datetime.combine(first, time(0), tzinfo=zone)
    lo = (start_local - base).total_seconds()
    hi = (end_local - base).total_seconds()
    seconds = np.empty(n)
    todo = np.arange(n)
    while todo.size:
        k = rng.choice(n_dates, size=todo.size, p=day_p)
        h = rng.choice(24, size=todo.size, p=hour_p)
        s = np.floor(k * 86400.0 + h * 3600.0 + rng.uniform(0, 3600, todo.size))
        ok = (s >= lo) & (s < hi)
        seconds[todo[ok]] = s[ok]
        todo = todo[~ok]
    return [base + timedelta(seconds=float(s)) for s in seconds]


def _points_in_grids(
    geoms: npt.NDArray[np.object_], grid: npt.NDArray[np.int64], rng: np.random.Generator
) -> tuple[FloatArray, FloatArray]:
    """Uniform points in the given grids, in GCJ-02, that convert back inside their grid."""
    shapely.prepare(geoms)
    bounds = shapely.bounds(geoms)
    n = grid.size
    lon = np.empty(n)
    lat = np.empty(n)
    todo = np.arange(n)
    for _ in range(1000):
        if todo.size == 0:
            break
        b = bounds[grid[todo]]
        x = rng.uniform(b[:, 0], b[:, 2])
        y = rng.uniform(b[:, 1], b[:, 3])
        g_lon, g_lat = wgs84_to_gcj02(x, y)
        back_lon, back_lat = gcj02_to_wgs84(g_lon, g_lat)
        cells = geoms[grid[todo]]
        ok = shapely.contains_xy(cells, x, y) & shapely.contains_xy(cells, back_lon, back_lat)
        lon[todo[ok]] = g_lon[ok]
        lat[todo[ok]] = g_lat[ok]
        todo = todo[~ok]
    if todo.size:
        raise ValueError("could not place points in some small grids (empty polygons?)")
    return lon, lat


def _person(rng: np.random.Generator) -> str:
    given = "".join(_GIVEN[int(i)] for i in rng.integers(len(_GIVEN), size=int(rng.integers(1, 3))))
    return _SURNAMES[int(rng.integers(len(_SURNAMES)))] + given


def _phone(rng: np.random.Generator) -> str:
    prefix = _PHONE_PREFIXES[int(rng.integers(len(_PHONE_PREFIXES)))]
    return prefix + "".join(str(int(v)) for v in rng.integers(0, 10, 8))


def _small_layer(small: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Check the small-grid layer and return it in EPSG:4326."""
    if not isinstance(small, gpd.GeoDataFrame):
        raise TypeError(f"small must be a GeoDataFrame, got {type(small).__name__}")
    if "code" not in small.columns:
        raise ValueError("the small-grid layer needs a 'code' column")
    if len(small) == 0:
        raise ValueError("the small-grid layer is empty")
    if small.crs is None:
        raise ValueError("the small-grid layer has no CRS; expected EPSG:4326")
    if small.crs.to_epsg() != 4326:
        small = small.to_crs(4326)
    if small.geometry.isna().any() or small.geometry.is_empty.any():
        raise ValueError("the small-grid layer has missing or empty geometries")
    return small


def _check_arguments(weights: Mapping[str, float], *, n: int, days: int, end: datetime) -> None:
    if end.tzinfo is None or end.utcoffset() is None:
        raise ValueError("end must be timezone-aware, e.g. datetime.now(ZoneInfo('Asia/Shanghai'))")
    if n < 0:
        raise ValueError(f"n must be 0 or more, got {n}")
    if days < 1:
        raise ValueError(f"days must be 1 or more, got {days}")
    if not weights:
        raise ValueError("at least one category is needed")
    if any(not w >= 0 for w in weights.values()) or sum(weights.values()) <= 0:
        raise ValueError("category weights must be 0 or more and not all zero")


def _grids_and_categories(
    layer: gpd.GeoDataFrame, weights: Mapping[str, float], n: int, rng: np.random.Generator
) -> tuple[npt.NDArray[np.int64], list[str]]:
    """Small grid index and category code of each report, with hot spots."""
    n_grids = len(layer)
    if "households" in layer.columns:
        busy = layer["households"].fillna(0).to_numpy(dtype=np.float64).clip(min=1.0)
    else:
        busy = np.ones(n_grids)
    n_hot = max(1, round(_HOT_SHARE * n_grids))
    hot = rng.choice(n_grids, size=min(n_hot, n_grids), replace=False, p=busy / busy.sum())
    codes = list(weights)
    cat_w = np.array([weights[c] for c in codes], dtype=np.float64)
    cat_p = cat_w / cat_w.sum()
    favourite = np.full(n_grids, -1, dtype=np.int64)
    favourite[hot] = rng.choice(len(codes), size=hot.size, p=cat_p)
    grid_w = busy.copy()
    grid_w[hot] *= _HOT_FACTOR
    grid = rng.choice(n_grids, size=n, p=grid_w / grid_w.sum()).astype(np.int64)
    cat = rng.choice(len(codes), size=n, p=cat_p)
    use_fav = (favourite[grid] >= 0) & (rng.random(n) < _HOT_FAVOURITE)
    cat[use_fav] = favourite[grid[use_fav]]
    return grid, [codes[int(k)] for k in cat]


def _grid_worker(staff: object) -> str | None:
    if isinstance(staff, Mapping) and staff.get("网格员"):
        return str(staff["网格员"])
    return None


def generate_reports(
    small: gpd.GeoDataFrame,
    category_weights: Mapping[str, float],
    *,
    n: int,
    days: int,
    end: datetime,
    seed: int = 0,
    place_names: Mapping[str, str] | None = None,
) -> list[SyntheticReport]:
    """Generate ``n`` synthetic reports: where, when, what category and who.

    Parameters
    ----------
    small : geopandas.GeoDataFrame
        The small-grid layer: ``code`` and polygon geometry (any CRS); optional
        ``households`` (busier grids get more reports), ``parent_code`` and ``staff``
        (a mapping naming the grid's ``网格员``).
    category_weights : mapping of str to float
        Category code to relative frequency (0 or more, not all 0).
    n : int
        Number of reports (0 or more).
    days : int
        Length of the reporting window in days before ``end`` (1 or more).
    end : datetime.datetime
        End of the window, timezone-aware.
    seed : int, default 0
        Random seed.
    place_names : mapping of str to str, optional
        Medium-grid code to village / community name; invented names are used otherwise.

    Returns
    -------
    list of SyntheticReport
        Sorted by ``reported_at``; ``external_id`` is ``"SYN-<seed>-<i>"``.

    Raises
    ------
    ValueError
        On a naive ``end``, ``n < 0``, ``days < 1``, no or bad category weights, or a bad
        layer.
    """
    _check_arguments(category_weights, n=n, days=days, end=end)
    layer = _small_layer(small)
    if n == 0:
        return []
    rng = np.random.default_rng([seed, 7])
    grid, category = _grids_and_categories(layer, category_weights, n, rng)
    lon, lat = _points_in_grids(np.asarray(layer.geometry.values, dtype=object), grid, rng)
    times = _report_times(n, days, end, rng)
    order = sorted(range(n), key=lambda k: (times[k], k))
    return _assemble(layer, order, grid, category, lon, lat, times, seed, place_names, rng)


def _assemble(
    layer: gpd.GeoDataFrame,
    order: list[int],
    grid: npt.NDArray[np.int64],
    category: list[str],
    lon: FloatArray,
    lat: FloatArray,
    times: list[datetime],
    seed: int,
    place_names: Mapping[str, str] | None,
    rng: np.random.Generator,
) -> list[SyntheticReport]:
    """The reports in time order, with places, addresses and people."""
    codes = layer["code"].astype(str).to_numpy()
    parent = layer["parent_code"].astype(str).to_numpy() if "parent_code" in layer else codes
    staff = layer["staff"].to_numpy() if "staff" in layer.columns else None
    with_address = rng.random(len(order)) < 0.8
    invented: dict[str, str] = {}
    reports: list[SyntheticReport] = []
    for rank, i in enumerate(order):
        g = int(grid[i])
        place = _place_name(parent[g], place_names, invented, rng)
        reports.append(
            SyntheticReport(
                external_id=f"SYN-{seed}-{rank}",
                category=category[i],
                lon=float(lon[i]),
                lat=float(lat[i]),
                crs="gcj02",
                reported_at=times[i],
                small_code=str(codes[g]),
                medium_code=str(parent[g]),
                place=place,
                address=_address(place, codes[g], rng) if with_address[i] else None,
                reporter_name=_person(rng),
                reporter_phone=_phone(rng),
                grid_worker=_grid_worker(staff[g]) if staff is not None else None,
            )
        )
    return reports


def _place_name(
    medium_code: str,
    place_names: Mapping[str, str] | None,
    invented: dict[str, str],
    rng: np.random.Generator,
) -> str:
    if place_names is not None and medium_code in place_names:
        return place_names[medium_code]
    if medium_code not in invented:
        a = _VILLAGE_A[int(rng.integers(len(_VILLAGE_A)))]
        b = _VILLAGE_B[int(rng.integers(len(_VILLAGE_B)))]
        invented[medium_code] = f"{a}{b}村"
    return invented[medium_code]


def _address(place: str, small_code: str, rng: np.random.Generator) -> str:
    number = 1 + int(rng.integers(88))
    if place.endswith("社区"):
        return f"{place}{ROADS[int(rng.integers(len(ROADS)))]}{number}号"
    group = int(small_code[-2:]) if small_code[-2:].isdigit() else 1
    return f"{place}{group}组{number}号"
