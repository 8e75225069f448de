"""The grid vocabulary: levels, their labels and nesting, and the fixed-width grid codes.

Three nested levels (大网格 / 中网格 / 小网格). Grid codes are fixed-width digit strings:
the 6-digit county administrative code, 3 digits for the street (large grid), 3 for the
community (medium grid) and 2 for the grid sequence (small grid), so a child's code starts
with its parent's code. Every other module takes these names from here.
"""

from __future__ import annotations

import math
import re
from typing import Final, Literal

import numpy as np
import pandas as pd

__all__ = [
    "CHILD_LEVEL",
    "CODE_WIDTH",
    "COUNTY_CODE_WIDTH",
    "LEVELS",
    "LEVEL_LABELS",
    "PARENT_LEVEL",
    "GridLevel",
    "normalize_code",
    "parse_level",
]

GridLevel = Literal["large", "medium", "small"]
"""A grid level: 大网格 (town / street), 中网格 (village / community), 小网格 (group / block)."""

LEVELS: Final[tuple[GridLevel, ...]] = ("large", "medium", "small")
"""The grid levels, top down."""

PARENT_LEVEL: Final[dict[GridLevel, GridLevel]] = {"medium": "large", "small": "medium"}
"""The level of each level's parent; the large level has none."""

CODE_WIDTH: Final[dict[GridLevel, int]] = {"large": 9, "medium": 12, "small": 14}
"""Number of digits of a grid code per level (6 county + 3 street + 3 community + 2 grid)."""

COUNTY_CODE_WIDTH: Final = 6
"""Number of digits of a county administrative code (adcode), the prefix of all grid codes."""

CHILD_LEVEL: Final[dict[GridLevel, GridLevel]] = {"large": "medium", "medium": "small"}
"""The level of each level's children; the small level has none."""

LEVEL_LABELS: Final[dict[GridLevel, str]] = {
    "large": "大网格",
    "medium": "中网格",
    "small": "小网格",
}
"""The Chinese name of each level."""

_INTEGRAL_FLOAT_TEXT: Final = re.compile(r"([0-9]+)\.0*")


def normalize_code(value: object) -> str | None:
    """Return a grid code as a stripped string, or None when it is missing.

    Numbers become their integer digits: a code read from a Shapefile as ``441502001.0`` is
    ``"441502001"``.

    Parameters
    ----------
    value : object
        A code as read from a file or database: str, int, float, None or NaN.

    Returns
    -------
    str or None
        The code, or None for None, NaN or a blank string.

    Examples
    --------
    >>> normalize_code(44150200100101.0)
    '44150200100101'
    >>> normalize_code(" 441502001 "), normalize_code(""), normalize_code(float("nan"))
    ('441502001', None, None)
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        return str(value)
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        number = float(value)
        if math.isnan(number):
            return None
        if math.isfinite(number) and number.is_integer():
            return str(int(number))
        return str(number)
    text = str(value).strip()
    match = _INTEGRAL_FLOAT_TEXT.fullmatch(text)
    if match:
        text = match.group(1)
    return text or None


def parse_level(value: str) -> GridLevel:
    """Return ``value`` as a :data:`GridLevel`, for input such as a command-line option.

    Parameters
    ----------
    value : str
        ``"large"``, ``"medium"`` or ``"small"``.

    Returns
    -------
    GridLevel
        The same string, typed as a grid level.

    Raises
    ------
    ValueError
        If ``value`` is not a grid level.
    """
    for level in LEVELS:
        if value == level:
            return level
    raise ValueError(f"unknown grid level {value!r}; expected one of {', '.join(LEVELS)}")
