"""The outcome of a validation: problem kinds, their severity, problems and the report."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final, Literal

from geopandas import GeoDataFrame

Severity = Literal["error", "warning"]

ProblemKind = Literal[
    "invalid_geometry",
    "empty_geometry",
    "not_polygon",
    "missing_code",
    "duplicate_code",
    "bad_code_format",
    "missing_parent",
    "bad_code_prefix",
    "outside_parent",
    "sibling_overlap",
    "gap",
]

SEVERITY: Final[dict[ProblemKind, Severity]] = {
    "invalid_geometry": "warning",
    "empty_geometry": "error",
    "not_polygon": "error",
    "missing_code": "error",
    "duplicate_code": "error",
    "bad_code_format": "error",
    "missing_parent": "error",
    "bad_code_prefix": "error",
    "outside_parent": "error",
    "sibling_overlap": "error",
    "gap": "warning",
}
"""The severity of each kind of problem: errors block an import, warnings do not."""


@dataclass(frozen=True)
class Problem:
    """One problem found in a grid layer.

    Attributes
    ----------
    code : str or None
        The grid code the problem is about (for ``"gap"``: the parent's code); None when the
        grid has no code.
    row : int or None
        The 1-based row of the grid in the source file (``source_row``), None for gaps.
    kind : str
        One of the :data:`ProblemKind` values, e.g. ``"sibling_overlap"``.
    severity : {"error", "warning"}
        Errors block an import; warnings (repaired geometry, gaps) do not.
    detail : str
        What exactly is wrong, in words a user can act on.
    """

    code: str | None
    row: int | None
    kind: ProblemKind
    severity: Severity
    detail: str


@dataclass
class ValidationReport:
    """The outcome of validating a grid layer.

    Attributes
    ----------
    problems : list of Problem
        Everything found, errors and warnings.
    repaired : GeoDataFrame
        The layer with repaired geometries: invalid polygons fixed with
        :func:`shapely.make_valid`, all polygons as MultiPolygon, None where the geometry is
        empty or not polygonal.
    """

    problems: list[Problem]
    repaired: GeoDataFrame = field(repr=False)

    @property
    def errors(self) -> list[Problem]:
        """Problems with severity ``"error"``."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """Problems with severity ``"warning"``."""
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        """True when there are no errors (warnings are allowed)."""
        return not self.errors

    def to_rows(self) -> list[tuple[str, str, str, str]]:
        """Return the problems as table rows, sorted by code then kind.

        Returns
        -------
        list of tuple of str
            ``(code, kind, severity, detail)`` per problem; a grid without a code is shown
            as ``"(row N)"``.
        """
        return problem_rows(self.problems)


def problem_rows(problems: Sequence[Problem]) -> list[tuple[str, str, str, str]]:
    """Return problems as ``(grid, kind, severity, detail)`` rows, sorted by code then kind.

    A grid without a code is shown by its row, as ``"(row N)"``.
    """
    ordered = sorted(
        problems, key=lambda p: (p.code is None, p.code or "", p.kind, p.row or 0, p.detail)
    )
    return [(grid_label(p.code, p.row), p.kind, p.severity, p.detail) for p in ordered]


def make_problem(kind: ProblemKind, code: str | None, row: int | None, detail: str) -> Problem:
    """A :class:`Problem` of ``kind``, with the severity of its kind."""
    return Problem(code=code, row=row, kind=kind, severity=SEVERITY[kind], detail=detail)


def grid_label(code: str | None, row: int | None) -> str:
    """How a grid is named in a message: its code, else its row in the source file."""
    if code is not None:
        return code
    return f"(row {row})" if row is not None else "(no code)"


def percent(share: float) -> str:
    """A share as a percentage for messages, e.g. ``"12.5 %"``."""
    return f"{share * 100:.1f} %"


def square_metres(area: float) -> str:
    """An area for messages, e.g. ``"1,250 m²"``."""
    return f"{area:,.0f} m²"
