"""A KPI tile: a label, a big value and a note (the N behind a rate, or a unit)."""

from __future__ import annotations

from typing import Any, Final

from dash import Dash, html

TONES: Final = {"overdue": "tone-warn", "repeat_rate": "tone-warn", "red_cards": "tone-alarm"}
"""Measures whose tile warns or alarms; any other ``*_rate`` is drawn as a rate."""


def kpi_id(aio_id: str, subcomponent: str) -> dict[str, str]:
    """The id of one part (``value`` or ``note``) of the tile ``aio_id``."""
    return {"component": "KpiTile", "subcomponent": subcomponent, "aio_id": aio_id}


def tone_of(key: str) -> str:
    """The colour class of the tile of measure ``key`` (plain for a count)."""
    return TONES.get(key, "tone-rate" if key.endswith("_rate") else "")


class KpiTile(html.Div):
    """A counter tile; its ``value`` and ``note`` are filled by the page's callback."""

    def __init__(self, aio_id: str, label: str, *, tone: str = "", **kwargs: Any) -> None:
        super().__init__(
            [
                html.Div(label, className="kpi-label", id=kpi_id(aio_id, "label")),
                html.Div("…", className="kpi-value", id=kpi_id(aio_id, "value")),
                html.Div("", className="kpi-note", id=kpi_id(aio_id, "note")),
            ],
            className=f"kpi-tile {tone}".strip(),
            id=aio_id,
            **kwargs,
        )


def rate_text(rate: dict[str, Any] | None) -> tuple[str, str]:
    """A rate's value and its note ``numerator / denominator`` (``—`` when undefined)."""
    if not rate or rate.get("percent") is None:
        return "—", f"N={rate.get('denominator', 0) if rate else 0}"
    return f"{rate['percent']:.1f}%", f"{rate['numerator']}/{rate['denominator']}"


def register_callbacks(app: Dash) -> None:
    """A tile has no callbacks of its own."""
