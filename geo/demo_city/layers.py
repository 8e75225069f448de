"""From built cells to the demo city's layers: order, codes, names, staff and households."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
from shapely.geometry import MultiPolygon

from geo.demo_city.names import COMMUNITY_SYLLABLES, TOWN_SYLLABLES, VILLAGE_SYLLABLES, NameDrawer
from geo.demo_city.plane import FloatArray, to_lonlat
from geo.demo_city.population import Cell, Density
from geo.demo_city.shanwei import CITY_ADCODE, DISTRICT_ADCODES, DISTRICT_NAMES, REAL_TOWNS
from geo.shapes import to_multipolygons

_URBAN_DENSITY = 6.0  # a village centred above this density is an urban community (社区)
SMALL_HOUSEHOLDS = (160, 221)
"""Households per small grid, uniform (low, high exclusive): about 190 on average, so that
4,555 small grids hold 汕尾's ≈ 2.7 million people."""
HOUSEHOLD_SIZE = (2.9, 3.3)
"""People per household, uniform."""


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


@dataclass
class _Level:
    """One level's cells with what is handed out to them, keyed by cell index."""

    name: str
    cells: list[Cell]
    order: list[int]  # by parent, then distance from the parent's centre
    number: dict[int, int]  # 1-based number among its siblings
    code: dict[int, str]
    label: dict[int, str]
    parent_code: dict[int, str]
    staff: dict[int, dict[str, Any]]
    households: dict[int, int]
    population: dict[int, int]


def assemble(
    districts_ll: dict[str, MultiPolygon],
    district_cells: list[Cell],
    cells: tuple[list[Cell], list[Cell], list[Cell]],
    density: Density,
    seed: int,
) -> DemoCity:
    """Order, code, name and staff the ``(large, medium, small)`` cells; build the layers."""
    rng = np.random.default_rng([seed, 99])
    names = NameDrawer(rng)
    large = _new_level("large", cells[0], [c.seed for c in district_cells])
    medium = _new_level("medium", cells[1], [c.seed for c in cells[0]])
    small = _new_level("small", cells[2], [c.seed for c in cells[1]])
    _name_large(large, names)
    _name_medium(medium, large, density, names)
    for i in small.order:
        small.parent_code[i] = medium.code[small.cells[i].parent]
        small.code[i] = f"{small.parent_code[i]}{small.number[i]:02d}"
        small.label[i] = f"第{small.number[i]}网格"
    _staff_and_households(large, medium, small, names, rng)
    district_households = _sum_to_parents(large, large.households, len(district_cells))
    district_population = _sum_to_parents(large, large.population, len(district_cells))
    district_gdf = gpd.GeoDataFrame(
        {
            "code": list(DISTRICT_ADCODES),
            "name": [DISTRICT_NAMES[a] for a in DISTRICT_ADCODES],
            "level": "district",
            "parent_code": CITY_ADCODE,
            "staff": [{} for _ in DISTRICT_ADCODES],
            "households": np.array([district_households[d] for d in range(4)], dtype=np.int64),
            "population": np.array([district_population[d] for d in range(4)], dtype=np.int64),
        },
        geometry=[districts_ll[a] for a in DISTRICT_ADCODES],
        crs="EPSG:4326",
    )
    return DemoCity(
        districts=district_gdf,
        large=_frame(large),
        medium=_frame(medium),
        small=_frame(small),
        district_names=dict(DISTRICT_NAMES),
    )


def _new_level(name: str, cells: list[Cell], anchors: Sequence[FloatArray]) -> _Level:
    """A level with its cells ordered and numbered among their siblings, nothing handed out."""
    parent = np.array([c.parent for c in cells])
    dist = np.array([float(np.hypot(*(c.seed - anchors[c.parent]))) for c in cells])
    order = np.lexsort((dist, parent)).astype(np.int64).tolist()
    number: dict[int, int] = {}
    siblings: dict[int, int] = {}
    for i in order:
        p = cells[i].parent
        siblings[p] = siblings.get(p, 0) + 1
        number[i] = siblings[p]
    return _Level(name, cells, order, number, {}, {}, {}, {}, {}, {})


def _name_large(large: _Level, names: NameDrawer) -> None:
    """Codes and names of the towns: real names nearest the county seat, then invented ones."""
    taken = {n for towns in REAL_TOWNS.values() for n in towns}
    for i in large.order:
        adcode = DISTRICT_ADCODES[large.cells[i].parent]
        number = large.number[i]
        large.parent_code[i] = adcode
        large.code[i] = f"{adcode}{number:03d}"
        real = REAL_TOWNS[adcode]
        if number <= len(real):
            large.label[i] = real[number - 1]
        else:
            large.label[i] = names.place(TOWN_SYLLABLES, "镇", taken)


def _name_medium(medium: _Level, large: _Level, density: Density, names: NameDrawer) -> None:
    """Codes and names of the communities (dense places) and villages, unique per town."""
    taken_by_large: dict[int, set[str]] = {}
    for i in medium.order:
        cell = medium.cells[i]
        medium.parent_code[i] = large.code[cell.parent]
        medium.code[i] = f"{medium.parent_code[i]}{medium.number[i]:03d}"
        taken = taken_by_large.setdefault(cell.parent, set())
        if float(density(cell.seed[None, :])[0]) > _URBAN_DENSITY:
            medium.label[i] = names.place(COMMUNITY_SYLLABLES, "社区", taken)
        else:
            medium.label[i] = names.place(VILLAGE_SYLLABLES, "村", taken)


def _staff_and_households(
    large: _Level, medium: _Level, small: _Level, names: NameDrawer, rng: np.random.Generator
) -> None:
    """Staff top down; households and population drawn per small grid and summed upwards."""
    large.staff.update({i: {"负责人": names.person()} for i in large.order})
    medium.staff.update(
        {i: {"网格长": names.person(), "指导员": names.person()} for i in medium.order}
    )
    for i in small.order:
        parent_staff = medium.staff[small.cells[i].parent]
        small.staff[i] = {
            "网格员": names.person(),
            "网格长": parent_staff["网格长"],
            "指导员": parent_staff["指导员"],
            "邻长": names.people(int(rng.integers(4, 9))),
        }
        small.households[i] = int(rng.integers(*SMALL_HOUSEHOLDS))
        small.population[i] = round(small.households[i] * float(rng.uniform(*HOUSEHOLD_SIZE)))
    for child, parent in ((small, medium), (medium, large)):
        parent.households.update(_sum_to_parents(child, child.households, len(parent.cells)))
        parent.population.update(_sum_to_parents(child, child.population, len(parent.cells)))


def _sum_to_parents(children: _Level, values: dict[int, int], n_parents: int) -> dict[int, int]:
    """Sum a per-child count over each parent (parents without children get 0)."""
    sums = dict.fromkeys(range(n_parents), 0)
    for i, cell in enumerate(children.cells):
        sums[cell.parent] += values[i]
    return sums


def _frame(level: _Level) -> gpd.GeoDataFrame:
    """One level as a GeoDataFrame in EPSG:4326, sorted by code."""
    idx = sorted(level.order, key=lambda i: level.code[i])
    geoms = to_multipolygons(to_lonlat(np.array([level.cells[i].geom for i in idx], dtype=object)))
    return gpd.GeoDataFrame(
        {
            "code": [level.code[i] for i in idx],
            "name": [level.label[i] for i in idx],
            "level": level.name,
            "parent_code": [level.parent_code[i] for i in idx],
            "staff": [level.staff[i] for i in idx],
            "households": np.array([level.households[i] for i in idx], dtype=np.int64),
            "population": np.array([level.population[i] for i in idx], dtype=np.int64),
        },
        geometry=geoms,
        crs="EPSG:4326",
    )
