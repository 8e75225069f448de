"""Sharing a number of grids among parents: the largest-remainder method."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from geo.demo_city.plane import IntArray


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
