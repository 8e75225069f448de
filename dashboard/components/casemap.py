"""The map widget: a map graph with its legend and a loading state."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dash import Dash, dcc, html

from dashboard import theme


def map_id(aio_id: str, subcomponent: str = "graph") -> dict[str, str]:
    """The id of one part (``graph``, ``legend``) of the map ``aio_id``."""
    return {"component": "CaseMap", "subcomponent": subcomponent, "aio_id": aio_id}


def legend_items(colour_by: str, labels: Sequence[tuple[str, str]]) -> list[html.Span]:
    """Colour chips with labels, for (code, label) pairs of statuses or lights."""
    pick = theme.light_colour if colour_by == "light" else theme.status_colour
    return [
        html.Span(
            [html.I(className="chip", style={"background": pick(code)}), label],
            className="legend-item",
        )
        for code, label in labels
    ]


class CaseMap(html.Div):
    """A map graph (filled by a page callback) with a legend strip under it."""

    def __init__(self, aio_id: str, *, height: str = "100%", **graph: Any) -> None:
        config = {"displayModeBar": False, "scrollZoom": True, "displaylogo": False}
        super().__init__(
            [
                dcc.Loading(
                    dcc.Graph(
                        id=map_id(aio_id),
                        config=config,
                        style={"height": height},
                        className="case-map-graph",
                        **graph,
                    ),
                    type="circle",
                    color=theme.ACCENT,
                    # live patches arrive every few seconds: the spinner only for slow
                    # draws, and the map stays visible under it
                    delay_show=1000,
                    overlay_style={"visibility": "visible", "opacity": 0.85},
                    parent_className="case-map-loading",
                ),
                html.Div(id=map_id(aio_id, "legend"), className="map-legend"),
            ],
            className="case-map",
            id=aio_id,
        )


def register_callbacks(app: Dash) -> None:
    """The map has no callbacks of its own; pages fill its figure and legend."""
