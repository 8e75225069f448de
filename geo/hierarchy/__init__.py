"""Validation of grid layers against their parents and siblings.

The grid system has three nested levels (:mod:`geo.levels`), each a polygon layer that
tiles its parent without gaps or overlaps, with codes that start with the parent's code.

A *grid layer* is a GeoDataFrame in EPSG:4326 (CGCS2000, EPSG:4490, is accepted as equal)
with the columns ``code``, ``parent_code`` and ``geometry``, and optionally ``source_row``
(the 1-based row in the source file, used in messages) -- what
:func:`geo.gridfile.read_grid_file` returns.

:func:`validate_layer` checks one level against its parents before anything is stored;
:func:`validate_hierarchy` checks all three levels at once. Both return a
:class:`ValidationReport` of :class:`Problem` records and the layer with repaired geometries.
Areas are measured in square metres in an equal-area projection (:func:`geo.area.area_m2`).

Where things live: :mod:`~geo.hierarchy.problems` (problem kinds, severities, the report),
:mod:`~geo.hierarchy.layer` (a layer as arrays, geometry repair, frame checks),
:mod:`~geo.hierarchy.code_checks` and :mod:`~geo.hierarchy.area_checks` (the checks),
:mod:`~geo.hierarchy.engine` (the order they run in).
"""

from geo.area import area_m2
from geo.hierarchy.engine import validate_hierarchy, validate_layer
from geo.hierarchy.layer import repair_geometries
from geo.hierarchy.problems import (
    SEVERITY,
    Problem,
    ProblemKind,
    Severity,
    ValidationReport,
    make_problem,
    problem_rows,
)

__all__ = [
    "SEVERITY",
    "Problem",
    "ProblemKind",
    "Severity",
    "ValidationReport",
    "area_m2",
    "make_problem",
    "problem_rows",
    "repair_geometries",
    "validate_hierarchy",
    "validate_layer",
]
