"""Colours: a colour-blind-safe palette (Okabe–Ito) for loop stages and deadline lights.

Status and light codes are the API's; their labels come from the API too.  Only the
colours are declared here, once, for every page and figure.
"""

from __future__ import annotations

from typing import Final

OKABE_ITO: Final = {
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "grey": "#9AA5B1",
}

STAGE_COLOURS: Final[dict[str, str]] = {
    "reported": OKABE_ITO["orange"],
    "accepted": OKABE_ITO["yellow"],
    "dispatched": OKABE_ITO["sky"],
    "claimed": OKABE_ITO["blue"],
    "assigned": OKABE_ITO["blue"],
    "in_progress": OKABE_ITO["green"],
    "handled": OKABE_ITO["purple"],
    "verified": OKABE_ITO["purple"],
    "review": OKABE_ITO["vermillion"],
    "closed": OKABE_ITO["grey"],
    "rejected": OKABE_ITO["grey"],
}
"""Loop status → colour; statuses not named here fall back to :data:`OTHER`."""

LIGHT_COLOURS: Final[dict[str, str]] = {
    "green": OKABE_ITO["green"],
    "yellow": OKABE_ITO["yellow"],
    "red": OKABE_ITO["vermillion"],
}
OTHER: Final = "#B0B8C4"

# The wall screen's dark theme.
SCREEN_BG: Final = "#06121f"
PANEL_BG: Final = "#0b1e33"
PANEL_EDGE: Final = "#1d4d7a"
TEXT_MAIN: Final = "#e6f1ff"
TEXT_DIM: Final = "#8aa4c0"
ACCENT: Final = "#35c4ff"

# A sequential scale for choropleths that stays readable on dark and light backgrounds.
CHOROPLETH_SCALE: Final = [
    [0.0, "#0d2b45"],
    [0.25, "#1f5f8b"],
    [0.5, "#3fa1c7"],
    [0.75, "#f2b134"],
    [1.0, "#e4572e"],
]
FEW_CASES_GREY: Final = "#5b6673"


def status_colour(status: str) -> str:
    """The colour of a loop status."""
    return STAGE_COLOURS.get(status, OTHER)


def light_colour(light: str | None) -> str:
    """The colour of a deadline light (none: neutral)."""
    return LIGHT_COLOURS.get(light or "", OTHER)
