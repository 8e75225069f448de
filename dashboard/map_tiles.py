"""The maps' vector tile layers (``layout.map.layers``), as pure functions of URLs and keys.

A grid level or the open cases too many for GeoJSON are drawn from ``/api/tiles``: Plotly
map layers with ``sourcetype="vector"`` read the MVT layer named like the API's layer id.
Plotly layers take one colour each (no data-driven styling), so the cases are one
``circle`` layer per status (or per deadline light), each from its own filtered tile URL.
A live change re-requests the case tiles by a new version in their URLs' fragment
(``#v=<event id>``): Plotly replaces a layer whose source changed, so MapLibre asks for its
tiles afresh (they are ``no-store``), and the API, which refuses unknown query parameters,
never sees the fragment.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final
from urllib.parse import urlencode

from dashboard import theme
from dashboard.i18n import codes

INCIDENTS: Final = "incidents"
"""The case layer's id in the tile index and inside its tiles."""
CASE_LAYER_PREFIX: Final = "cases-"
POINT_RADIUS: Final = 3.5
"""Half the GeoJSON points' marker size: tiled cases look like the drawn ones."""


def tile_url(template: str, **params: Any) -> str:
    """``template`` (``…/{z}/{x}/{y}.mvt``) with a query; the placeholders stay unescaped."""
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")}, doseq=True)
    return f"{template}?{query}" if query else template


def versioned(url: str, version: int | str) -> str:
    """``url`` with the fragment ``#v=<version>`` (a new URL: the tiles are asked again)."""
    return f"{url.split('#', 1)[0]}#v={version}"


def grid_lines(
    url: str, level: str, *, colour: str, width: float = 0.6, opacity: float = 0.75
) -> dict[str, Any]:
    """The outlines of one grid level from its tiles (``url``: the template of the index)."""
    return {
        "name": f"grids_{level}",
        "sourcetype": "vector",
        "source": [url],
        "sourcelayer": f"grids_{level}",
        "type": "line",
        "color": colour,
        "line": {"width": width},
        "opacity": opacity,
    }


def grid_fill(url: str, level: str, *, colour: str, opacity: float = 0.55) -> dict[str, Any]:
    """One grid level filled in one colour from its tiles, with lines of the panel edge."""
    return {
        "name": f"grids_{level}-fill",
        "sourcetype": "vector",
        "source": [url],
        "sourcelayer": f"grids_{level}",
        "type": "fill",
        "color": colour,
        "fill": {"outlinecolor": theme.PANEL_EDGE},
        "opacity": opacity,
        "below": "traces",
    }


def case_layers(
    template: str,
    *,
    token: str,
    colour_by: str,
    statuses: Sequence[str],
    version: int | str = 0,
) -> list[dict[str, Any]]:
    """The open cases from tiles: one circle layer per status, or per light over grey.

    By light, a grey layer of every open case lies under the three lights' layers, so a
    case with no running stage (no light) is still drawn, as the GeoJSON points draw it.
    """
    keyed: list[tuple[str, str, dict[str, Any]]]
    if colour_by == "light":
        every = ("none", theme.light_colour(None), {"status": list(statuses)})
        keyed = [every] + [
            (light, theme.light_colour(light), {"status": list(statuses), "light": light})
            for light in codes("light")
        ]
    else:
        keyed = [(s, theme.status_colour(s), {"status": s}) for s in statuses]
    return [
        {
            "name": f"{CASE_LAYER_PREFIX}{key}",
            "sourcetype": "vector",
            "source": [versioned(tile_url(template, **query, access_token=token), version)],
            "sourcelayer": INCIDENTS,
            "type": "circle",
            "circle": {"radius": POINT_RADIUS},
            "color": colour,
            "opacity": 0.9,
        }
        for key, colour, query in keyed
    ]


def case_sources(layers: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """The case layers' tile URLs by their index in ``layers`` (keys are strings: JSON)."""
    return {
        str(n): str(layer["source"][0])
        for n, layer in enumerate(layers)
        if str(layer.get("name", "")).startswith(CASE_LAYER_PREFIX)
    }
