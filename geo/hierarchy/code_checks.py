"""The checks on grid codes: present, unique, of the level's width, under the parent's code."""

from __future__ import annotations

import re

import numpy as np
import shapely
from numpy.typing import NDArray

from geo.area import area_m2
from geo.hierarchy.layer import GridArrays
from geo.hierarchy.problems import Problem, make_problem, percent
from geo.levels import CODE_WIDTH, PARENT_LEVEL, GridLevel


def check_codes(grids: GridArrays, level: GridLevel) -> list[Problem]:
    """Report grids without a code, with a code of the wrong form, or with a code used before."""
    width = CODE_WIDTH[level]
    pattern = re.compile(f"[0-9]{{{width}}}")
    problems: list[Problem] = []
    first_row: dict[str, int] = {}
    for code, row in zip(grids.codes, grids.rows, strict=True):
        if code is None:
            problems.append(make_problem("missing_code", None, row, f"row {row} has no grid code"))
            continue
        if not pattern.fullmatch(code):
            problems.append(
                make_problem(
                    "bad_code_format",
                    code,
                    row,
                    f"a {level} grid code must be {width} digits, got {len(code)} characters",
                )
            )
        if code in first_row:
            problems.append(
                make_problem(
                    "duplicate_code", code, row, f"code already used in row {first_row[code]}"
                )
            )
        else:
            first_row[code] = row
    return problems


def check_county_prefix(grids: GridArrays) -> list[Problem]:
    """Report large grids whose code does not start with their county code (``parent_code``)."""
    return [
        make_problem(
            "bad_code_prefix", code, row, f"code does not start with its county code {county}"
        )
        for code, county, row in zip(grids.codes, grids.parent_codes, grids.rows, strict=True)
        if code is not None and county is not None and not code.startswith(county)
    ]


def best_parents(
    child_geoms: NDArray[np.object_], child_areas: NDArray[np.float64], parents: GridArrays
) -> list[tuple[str | None, float]]:
    """For each child, the parent that holds most of it and the share it holds."""
    best: list[tuple[str | None, float]] = [(None, 0.0)] * len(child_geoms)
    if not len(child_geoms):
        return best
    ci, pi = parents.tree.query(child_geoms, predicate="intersects")
    if not len(ci):
        return best
    shares = area_m2(shapely.intersection(child_geoms[ci], parents.geoms[pi]))
    shares = np.divide(
        shares, child_areas[ci], out=np.zeros_like(shares), where=child_areas[ci] > 0
    )
    for c, p, share in zip(ci.tolist(), pi.tolist(), shares.tolist(), strict=True):
        if share > best[c][1]:
            best[c] = (parents.codes[p], share)
    return best


def where_hint(best: tuple[str | None, float], level: GridLevel) -> str:
    """Where a grid lies, for a message: the parent that holds most of it (see best_parents)."""
    code, share = best
    if code is None:
        return f"; it lies in no {level} grid"
    return f"; {percent(share)} of it lies in {level} grid {code}"


def check_parent_codes(
    grids: GridArrays, parents: GridArrays | None, *, level: GridLevel
) -> list[Problem]:
    """Check that each grid names a parent, that it exists, and that the code starts with it."""
    parent_level = PARENT_LEVEL[level]
    problems: list[Problem] = []
    unknown: list[int] = []
    for i, (code, parent_code, row) in enumerate(
        zip(grids.codes, grids.parent_codes, grids.rows, strict=True)
    ):
        if parent_code is None or (
            parents is not None and parent_code not in parents.index_by_code
        ):
            unknown.append(i)
        if code is not None and parent_code is not None and not code.startswith(parent_code):
            detail = f"code does not start with its parent code {parent_code}"
            problems.append(make_problem("bad_code_prefix", code, row, detail))

    # where do grids without a known parent lie? (a hint for the user)
    hints = [""] * len(unknown)
    if parents is not None and unknown:
        pos = np.asarray(unknown)
        has_geom = grids.usable[pos]
        best = best_parents(grids.geoms[pos[has_geom]], grids.areas[pos[has_geom]], parents)
        for k, b in zip(np.flatnonzero(has_geom).tolist(), best, strict=True):
            hints[k] = where_hint(b, parent_level)
    for i, hint in zip(unknown, hints, strict=True):
        parent_code = grids.parent_codes[i]
        what = (
            "no parent code"
            if parent_code is None
            else f"parent {parent_code} is not among the {parent_level} grids"
        )
        problems.append(make_problem("missing_parent", grids.codes[i], grids.rows[i], what + hint))
    return problems
