"""The shipped reference tables, ``departments.csv`` and ``categories.csv``, read in one place.

Every reader of these files (the reference seed, the demo, tests) goes through
:func:`read_departments` and :func:`read_categories`, which check each row and name the file,
line and column of the first thing wrong.
"""

from __future__ import annotations

import csv
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path

from api.workflow import Stage, Tier, TimeLimit

__all__ = [
    "CATEGORIES_FILE",
    "DEPARTMENTS_FILE",
    "CatalogError",
    "CategoryRow",
    "DepartmentRow",
    "read_categories",
    "read_departments",
]

DEPARTMENTS_FILE = "departments.csv"
CATEGORIES_FILE = "categories.csv"
_DEPARTMENT_COLUMNS = ("code", "name", "short_name", "phone")
_LIMIT_COLUMNS = tuple(f"{stage.value}_limit" for stage in Stage)
_CATEGORY_COLUMNS = (
    "code",
    "name",
    "parent_code",
    "unit",
    "tier",
    "answerable",
    *_LIMIT_COLUMNS,
    "urgent",
)


class CatalogError(ValueError):
    """A reference table is malformed; the message names file, line and column."""

    def __init__(self, path: Path, line: int | None, column: str | None, message: str) -> None:
        self.path = path
        self.line = line
        self.column = column
        where = path.name + (f", line {line}" if line else "") + (f", {column}" if column else "")
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class DepartmentRow:
    """One department (职能部门) of ``departments.csv``."""

    code: str
    name: str
    short_name: str
    phone: str | None


@dataclass(frozen=True)
class CategoryRow:
    """One category of ``categories.csv``: a 大类 (no parent) or a reportable 小类.

    Attributes
    ----------
    code, name : str
        E.g. ``"0201"``, ``"电动车飞线充电"``.
    parent_code : str or None
        The 大类 of a 小类; None for a 大类.
    unit : str or None
        Default lead unit (a department code) of a 小类; None: the township of the case's
        large grid (属地), as for disputes handled by the 司法所 / 调委会.
    tier : Tier
        The tier whose centre takes the case first.
    answerable : bool
        Whether the centre may answer the case at intake and close it (政策咨询).
    limits : dict of str to TimeLimit
        The stage limits the row sets (stage name → limit); missing stages use the
        workflow's defaults when a case is stored.
    urgent : bool
        Whether cases count calendar time instead of working time.
    weight : float
        Relative frequency, used by the demo.
    """

    code: str
    name: str
    parent_code: str | None
    unit: str | None
    tier: Tier
    answerable: bool
    limits: dict[str, TimeLimit]
    urgent: bool
    weight: float

    @property
    def reportable(self) -> bool:
        """Whether cases can be reported in this category (a 小类)."""
        return self.parent_code is not None


def _rows(path: Path, required: Collection[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """The stripped rows of a CSV file with their line numbers, after a header check."""
    if not path.is_file():
        raise CatalogError(path, None, None, "file not found")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            raise CatalogError(path, 1, missing[0], "column missing from the header")
        for row in reader:
            yield reader.line_num, {k: (v or "").strip() for k, v in row.items() if k}


def _required(path: Path, line: int, row: dict[str, str], column: str) -> str:
    value = row.get(column, "")
    if not value:
        raise CatalogError(path, line, column, "must not be empty")
    return value


def read_departments(data_dir: Path) -> list[DepartmentRow]:
    """Read and check ``departments.csv``.

    Parameters
    ----------
    data_dir : pathlib.Path
        The folder holding the file.

    Returns
    -------
    list of DepartmentRow
        In file order.

    Raises
    ------
    CatalogError
        A missing file or column, an empty code or name, a repeated code.
    """
    path = data_dir / DEPARTMENTS_FILE
    departments: list[DepartmentRow] = []
    seen: set[str] = set()
    for line, row in _rows(path, _DEPARTMENT_COLUMNS):
        code = _required(path, line, row, "code")
        if code in seen:
            raise CatalogError(path, line, "code", f"department {code!r} is listed twice")
        seen.add(code)
        departments.append(
            DepartmentRow(
                code=code,
                name=_required(path, line, row, "name"),
                short_name=row["short_name"] or row["name"],
                phone=row["phone"] or None,
            )
        )
    return departments


def _category(path: Path, line: int, row: dict[str, str]) -> CategoryRow:
    limits: dict[str, TimeLimit] = {}
    for column in _LIMIT_COLUMNS:
        if row[column]:
            try:
                limits[column.removesuffix("_limit")] = TimeLimit.parse(row[column])
            except ValueError as exc:
                raise CatalogError(path, line, column, str(exc)) from None
    for flag in ("urgent", "answerable"):
        if row[flag] not in ("", "0", "1"):
            raise CatalogError(path, line, flag, f"write 0 or 1, not {row[flag]!r}")
    try:
        tier = Tier(row["tier"] or Tier.township)
    except ValueError:
        known = ", ".join(t.value for t in Tier)
        raise CatalogError(path, line, "tier", f"one of {known}, not {row['tier']!r}") from None
    try:
        weight = float(row.get("weight") or 1)
    except ValueError:
        raise CatalogError(path, line, "weight", f"not a number: {row['weight']!r}") from None
    if not weight >= 0:
        raise CatalogError(path, line, "weight", f"must be 0 or more, got {weight:g}")
    return CategoryRow(
        code=_required(path, line, row, "code"),
        name=_required(path, line, row, "name"),
        parent_code=row["parent_code"] or None,
        unit=row["unit"] or None,
        tier=tier,
        answerable=row["answerable"] == "1",
        limits=limits,
        urgent=row["urgent"] == "1",
        weight=weight,
    )


def read_categories(
    data_dir: Path, *, departments: Collection[str] | None = None
) -> list[CategoryRow]:
    """Read and check ``categories.csv``.

    Parameters
    ----------
    data_dir : pathlib.Path
        The folder holding the file.
    departments : collection of str, optional
        Known department codes; when given, every department named must be one of them.

    Returns
    -------
    list of CategoryRow
        In file order, 大类 and 小类 alike (see :attr:`CategoryRow.reportable`).

    Raises
    ------
    CatalogError
        A missing file or column, an empty code or name, a repeated code, a bad time
        limit, flag, tier or weight, a parent that is not a 大类 of the file, or an
        unknown department.
    """
    path = data_dir / CATEGORIES_FILE
    categories: list[CategoryRow] = []
    lines: dict[str, int] = {}
    for line, row in _rows(path, _CATEGORY_COLUMNS):
        category = _category(path, line, row)
        if category.code in lines:
            raise CatalogError(path, line, "code", f"category {category.code!r} is listed twice")
        lines[category.code] = line
        if departments is not None and category.unit not in (None, *departments):
            raise CatalogError(
                path, line, "unit", f"{category.unit!r} is not listed in {DEPARTMENTS_FILE}"
            )
        categories.append(category)
    groups = {c.code for c in categories if not c.reportable}
    for category in categories:
        if category.parent_code is not None and category.parent_code not in groups:
            raise CatalogError(
                path,
                lines[category.code],
                "parent_code",
                f"{category.parent_code!r} is not a 大类 (a row without parent) of this file",
            )
    return categories
