"""The checks on grid areas: inside the parent, no overlapping siblings, no gaps in a parent."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import shapely
from numpy.typing import NDArray

from geo.area import area_m2
from geo.hierarchy.code_checks import best_parents, where_hint
from geo.hierarchy.layer import GridArrays
from geo.hierarchy.problems import Problem, grid_label, make_problem, percent, square_metres
from geo.levels import PARENT_LEVEL, GridLevel

_POLYGON: Final = int(shapely.GeometryType.POLYGON)


def inside_areas(grids: GridArrays, parents: GridArrays) -> NDArray[np.float64]:
    """Area (m²) of each grid that lies inside its parent; NaN where either is unknown.

    A vectorised ``covers`` on the prepared parents settles most grids; the exact
    intersection is computed only for the rest.
    """
    index = parents.index_by_code
    pos = np.fromiter(
        (-1 if pc is None else index.get(pc, -1) for pc in grids.parent_codes),
        dtype=np.intp,
        count=len(grids.parent_codes),
    )
    inside = np.full(len(pos), np.nan)
    check = np.flatnonzero(grids.usable & (pos >= 0))
    check = check[parents.usable[pos[check]]]
    if not len(check):
        return inside
    parent_geoms = parents.geoms[pos[check]]
    shapely.prepare(parent_geoms)
    covered = shapely.covers(parent_geoms, grids.geoms[check])
    inside[check[covered]] = grids.areas[check[covered]]
    partial = check[~covered]
    pieces = shapely.intersection(grids.geoms[partial], parent_geoms[~covered])
    inside[partial] = area_m2(pieces)
    return inside


def check_containment(
    grids: GridArrays,
    parents: GridArrays,
    inside: NDArray[np.float64],
    *,
    level: GridLevel,
    tolerance: float,
) -> list[Problem]:
    """Report grids of which more than ``tolerance`` of the area lies outside the parent."""
    have = np.flatnonzero(~np.isnan(inside) & (grids.areas > 0))
    outside = 1.0 - inside[have] / grids.areas[have]
    bad = outside > tolerance
    have, outside = have[bad], outside[bad]
    best = best_parents(grids.geoms[have], grids.areas[have], parents)
    problems: list[Problem] = []
    for i, share, b in zip(have.tolist(), outside.tolist(), best, strict=True):
        parent_code = grids.parent_codes[i]
        hint = where_hint(b, PARENT_LEVEL[level]) if b[0] != parent_code else ""
        detail = f"{percent(share)} of the grid lies outside its parent {parent_code}{hint}"
        problems.append(make_problem("outside_parent", grids.codes[i], grids.rows[i], detail))
    return problems


@dataclass
class _Siblings:
    """The usable grids of one level, the new ones first, then the stored ones."""

    grids: GridArrays  # the new grids
    new: NDArray[np.intp]  # position in ``grids`` of each new sibling
    geoms: NDArray[np.object_]
    areas: NDArray[np.float64]
    codes: list[str | None]
    keys: list[str | None]  # sibling group: the parent code ("" for all large grids)

    @classmethod
    def gather(cls, grids: GridArrays, existing: GridArrays | None, level: GridLevel) -> _Siblings:
        """Stack the usable new and stored grids of ``level``."""
        new = np.flatnonzero(grids.usable)
        sources = [(grids, new)]
        if existing is not None:
            sources.append((existing, np.flatnonzero(existing.usable)))
        # all large grids are siblings (no parent polygons to catch overlaps otherwise)
        keys = [
            "" if level == "large" else source.parent_codes[i]
            for source, pos in sources
            for i in pos.tolist()
        ]
        return cls(
            grids=grids,
            new=new,
            geoms=np.concatenate([source.geoms[pos] for source, pos in sources]),
            areas=np.concatenate([source.areas[pos] for source, pos in sources]),
            codes=[source.codes[i] for source, pos in sources for i in pos.tolist()],
            keys=keys,
        )

    def is_new(self, k: int) -> bool:
        """Whether sibling ``k`` is one of the new grids."""
        return k < len(self.new)

    def overlapping_pairs(self) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.float64]]:
        """Pairs ``(left, right)`` of siblings whose interiors intersect, and the overlap in m²."""
        # bounding-box pre-filter, then siblings only, then "interiors intersect" (not touching)
        left, right = shapely.STRtree(self.geoms).query(self.geoms)
        keep = left < right
        left, right = left[keep], right[keep]
        keys = self.keys
        keep = np.fromiter(
            (keys[a] is not None and keys[a] == keys[b] for a, b in zip(left, right, strict=True)),
            dtype=bool,
            count=len(left),
        )
        left, right = left[keep], right[keep]
        keep = shapely.relate_pattern(self.geoms[left], self.geoms[right], "T********")
        left, right = left[keep], right[keep]
        return left, right, area_m2(shapely.intersection(self.geoms[left], self.geoms[right]))

    def label(self, k: int) -> str:
        """How sibling ``k`` is named in a message about another grid."""
        if self.is_new(k):
            return grid_label(self.codes[k], self.grids.rows[self.new[k]])
        return f"{self.codes[k] or '(no code)'} (stored)"


def check_sibling_overlaps(
    grids: GridArrays, existing: GridArrays | None, *, level: GridLevel, tolerance: float
) -> tuple[list[Problem], dict[str, float]]:
    """Report siblings that overlap by more than ``tolerance`` of the smaller one.

    Returns the problems and, per sibling group (parent code), the summed area of all
    overlaps, however small (an input of the gap bound in :func:`check_gaps`).
    """
    siblings = _Siblings.gather(grids, existing, level)
    if len(siblings.geoms) < 2:
        return [], {}
    left, right, overlap = siblings.overlapping_pairs()
    sums: dict[str, float] = {}
    for a, area in zip(left.tolist(), overlap.tolist(), strict=True):
        key = siblings.keys[a]
        if key is not None:
            sums[key] = sums.get(key, 0.0) + area

    smaller = np.minimum(siblings.areas[left], siblings.areas[right])
    is_new = np.arange(len(siblings.geoms)) < len(siblings.new)
    bad = (overlap > tolerance * smaller) & (is_new[left] | is_new[right])
    problems: list[Problem] = []
    for a, b, area, small in zip(
        left[bad].tolist(), right[bad].tolist(), overlap[bad].tolist(), smaller[bad].tolist(),
        strict=True,
    ):  # fmt: skip
        share = area / small if small > 0 else 1.0
        for this, other in ((a, b), (b, a)):
            if siblings.is_new(this):
                i = siblings.new[this]
                detail = (
                    f"overlaps {siblings.label(other)} by {square_metres(area)} "
                    f"({percent(share)} of the smaller grid)"
                )
                problems.append(
                    make_problem("sibling_overlap", grids.codes[i], grids.rows[i], detail)
                )
    return problems, sums


def check_gaps(
    children: Sequence[tuple[GridArrays, NDArray[np.float64]]],
    parents: GridArrays,
    overlap_sums: dict[str, float],
    *,
    level: GridLevel,
    tolerance_m2: float,
) -> list[Problem]:
    """Report parts of parents covered by none of their children, larger than the tolerance.

    The exact ``parent - union(children)`` is costly, so it is computed only for parents
    where it may exceed the tolerance: the uncovered area is at most the parent's area minus
    the children's areas inside it plus all overlaps between them (Bonferroni), which is
    known already from the containment and overlap checks.
    """
    parent_level = PARENT_LEVEL[level]
    geoms_by_parent, covered_at_least = _children_by_parent(children, overlap_sums)
    pos = np.flatnonzero(parents.usable)
    lower = np.array([covered_at_least.get(parents.codes[i] or "", 0.0) for i in pos])
    pos = pos[parents.areas[pos] - lower > tolerance_m2]
    if not len(pos):
        return []
    pcodes: list[str | None] = [parents.codes[i] for i in pos]
    unions = np.empty(len(pos), dtype=object)
    unions[:] = [shapely.union_all(geoms_by_parent.get(c or "", [])) for c in pcodes]
    gaps = shapely.difference(parents.geoms[pos], unions)
    parts, index = shapely.get_parts(gaps, return_index=True)
    polygon = shapely.get_type_id(parts) == _POLYGON
    parts, index = parts[polygon], index[polygon]
    areas = area_m2(parts)
    big = areas > tolerance_m2
    points = shapely.point_on_surface(parts[big])

    problems: list[Problem] = []
    for k, area, point in zip(index[big].tolist(), areas[big].tolist(), points, strict=True):
        pcode = pcodes[k]
        if pcode not in geoms_by_parent:
            uncovered = square_metres(area)
            detail = f"{parent_level} grid {pcode} has no {level} grids ({uncovered} uncovered)"
        else:
            detail = (
                f"{square_metres(area)} of {parent_level} grid {pcode} is covered by none of its "
                f"{level} grids, around ({point.x:.5f}, {point.y:.5f})"
            )
        problems.append(make_problem("gap", pcode, None, detail))
    return problems


def _children_by_parent(
    children: Sequence[tuple[GridArrays, NDArray[np.float64]]], overlap_sums: dict[str, float]
) -> tuple[dict[str, list[Any]], dict[str, float]]:
    """Per parent code: its children's geometries, and a lower bound of the area they cover.

    The bound is the children's areas inside the parent less all overlaps between them.
    """
    geoms_by_parent: dict[str, list[Any]] = {}
    covered_at_least = {key: -overlap for key, overlap in overlap_sums.items()}
    for grids, inside in children:
        for i in np.flatnonzero(grids.usable).tolist():
            parent_code = grids.parent_codes[i]
            if parent_code is not None:
                geoms_by_parent.setdefault(parent_code, []).append(grids.geoms[i])
                if not np.isnan(inside[i]):
                    covered_at_least[parent_code] = (
                        covered_at_least.get(parent_code, 0.0) + inside[i]
                    )
    return geoms_by_parent, covered_at_least
