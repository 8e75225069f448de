"""The report form's values as one object: what the callbacks read, check and send.

Pure: the page hands it the ``State`` values (in :data:`FormState.FIELDS` order) and asks
it for the intake body and the photo; problems come back as
:class:`~dashboard.report_readings.FormProblem`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dashboard import report_readings as rr

__all__ = ["FormState"]


@dataclass(frozen=True)
class FormState:
    """The form's values as the callbacks receive them (in :data:`FIELDS` order)."""

    point: Mapping[str, Any] | None
    category: str | None
    description: str | None
    address: str | None
    source: str | None
    urgent: Sequence[str] | None
    photo_contents: str | None
    photo_name: str | None
    categories: Mapping[str, Any] | None

    FIELDS = (
        ("point", "data"),
        ("category", "value"),
        ("description", "value"),
        ("address", "value"),
        ("source", "value"),
        ("urgent", "value"),
        ("photo", "contents"),
        ("photo", "filename"),
        ("categories", "data"),
    )
    """(id suffix, property) of each value, for ``State``s."""
    CLEARED = (
        ("lon", "value", ""),
        ("lat", "value", ""),
        ("group", "value", None),
        ("category", "value", None),
        ("description", "value", ""),
        ("address", "value", ""),
        ("photo", "contents", None),
        ("photo", "filename", None),
    )
    """(id suffix, property, value) of what a fresh form clears; the CRS and source stay."""

    @classmethod
    def of(cls, values: Sequence[Any]) -> FormState:
        """The state from the ``State`` values in :data:`FIELDS` order."""
        return cls(*values)

    def body(self) -> dict[str, Any]:
        """The intake body; :class:`~dashboard.report_readings.FormProblem` if incomplete."""
        if not self.point:
            raise rr.FormProblem("point", "report_err_point")
        return rr.report_body(
            lon=self.point["lon"],
            lat=self.point["lat"],
            crs=self.point["crs"],
            category=self.category,
            description=self.description,
            source=self.source or "patrol",
            address=self.address,
            urgent="urgent" in (self.urgent or []),
        )

    def photo(self) -> rr.Photo | None:
        """The attached photo, if any."""
        return rr.decode_photo(self.photo_contents, self.photo_name)

    def category_name(self) -> str:
        """大类 / 小类 of the chosen category."""
        return str((self.categories or {}).get("names", {}).get(self.category or "", ""))
