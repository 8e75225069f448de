"""The analyst view's figures, as pure functions from plain values (no API, no Dash).

The drill map's clickable traces carry each grid's code in ``customdata`` and
``locations``, so a click names the grid to drill into.  Small samples are drawn in
:data:`dashboard.theme.FEW_CASES_GREY`, never on the colour scale.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

import plotly.graph_objects as go

from dashboard import theme
from dashboard.analysis_readings import AreaReading, GridNode
from dashboard.figures import FONT, MapView, colour_bar, map_style, names_trace, outline_trace

TEXT: Final = theme.TEXT_MAIN
GRID_LINE: Final = "rgba(138,164,192,0.16)"
STAGE_PALETTE: Final = ("sky", "blue", "orange", "green", "purple")
RATE_PALETTE: Final = ("vermillion", "orange", "purple")


def panel_layout(figure: go.Figure, *, legend: bool = False) -> go.Figure:
    """Transparent, dark-panel styling shared by the analyst charts."""
    figure.update_layout(
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        font={"family": FONT, "color": TEXT, "size": 12},
        margin={"l": 8, "r": 8, "t": 28 if legend else 8, "b": 8},
        showlegend=legend,
        legend={"orientation": "h", "y": 1.02, "x": 0, "yanchor": "bottom"},
    )
    figure.update_xaxes(gridcolor=GRID_LINE, zeroline=False, automargin=True)
    figure.update_yaxes(gridcolor=GRID_LINE, zeroline=False, automargin=True)
    return figure


def drill_map(
    *,
    features: dict[str, Any],
    areas: Sequence[AreaReading],
    names: Sequence[GridNode] = (),
    outline: dict[str, Any] | None = None,
    measure: str,
    few_label: str,
    view: MapView,
    basemap_url: str = "",
    layers: Sequence[dict[str, Any]] = (),
) -> go.Figure:
    """Grids coloured by ``measure``; too-few-case grids grey; the selected grid outlined.

    Trace 0 holds the measured grids, trace 1 the grey ones; both are clickable.
    ``layers`` are vector tile layers (:mod:`dashboard.map_tiles`) of a tiled level.
    """
    measured = [a for a in areas if not a.few and a.value is not None]
    scarce = [a for a in areas if a.few or a.value is None]
    figure = go.Figure()
    figure.add_trace(
        go.Choroplethmap(
            geojson=features,
            featureidkey="properties.code",
            locations=[a.code for a in measured],
            z=[a.value for a in measured],
            customdata=[[a.code, a.cases] for a in measured],
            text=[a.name for a in measured],
            colorscale=theme.CHOROPLETH_SCALE,
            zmin=0,
            marker={"line": {"width": 0.8, "color": theme.PANEL_EDGE}, "opacity": 0.88},
            colorbar=colour_bar(
                {"text": measure, "font": {"color": TEXT, "size": 12}},
                TEXT,
                len=0.5,
                x=0.995,
                xanchor="right",
                y=0.04,
                yanchor="bottom",
                bgcolor="rgba(6,18,31,0.6)",
            ),
            hovertemplate="<b>%{text}</b><br>"
            + measure
            + ": %{z}<br>N=%{customdata[1]}<extra></extra>",
            name="areas",
        )
    )
    figure.add_trace(
        go.Choroplethmap(
            geojson=features,
            featureidkey="properties.code",
            locations=[a.code for a in scarce],
            z=[0] * len(scarce),
            customdata=[[a.code, a.cases] for a in scarce],
            text=[a.name for a in scarce],
            colorscale=[[0, theme.FEW_CASES_GREY], [1, theme.FEW_CASES_GREY]],
            showscale=False,
            marker={"line": {"width": 0.8, "color": theme.PANEL_EDGE}, "opacity": 0.7},
            hovertemplate="<b>%{text}</b><br>" + few_label + " N=%{customdata[1]}<extra></extra>",
            name="few",
        )
    )
    figure.add_trace(outline_trace(outline, width=2.6, colour=theme.ACCENT))
    figure.add_trace(names_trace([(n.name, n.lon, n.lat) for n in names], size=12, colour=TEXT))
    figure.update_layout(
        map={
            "style": map_style(dark=True, basemap_url=basemap_url),
            "center": {"lon": view.lon, "lat": view.lat},
            "zoom": view.zoom,
            **({"layers": list(layers)} if layers else {}),
        },
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        paper_bgcolor="rgba(0,0,0,0)",
        font={"family": FONT, "color": TEXT},
        showlegend=False,
        clickmode="event",
    )
    return figure


def heat_table(
    rows: Sequence[str], cols: Sequence[str], matrix: Sequence[Sequence[int]]
) -> go.Figure:
    """Counts per (row, column) as a heat table with the number in each cell."""
    text = [[str(v) if v else "" for v in line] for line in matrix]
    figure = go.Figure(
        go.Heatmap(
            z=[list(line) for line in matrix],
            x=list(cols),
            y=list(rows),
            text=text,
            texttemplate="%{text}",
            textfont={"size": 11},
            colorscale=[[0, "#0f2440"], [0.35, "#1f5f8b"], [0.7, "#f2b134"], [1, "#e4572e"]],
            showscale=False,
            xgap=2,
            ygap=2,
            hovertemplate="%{y} · %{x}: %{z}<extra></extra>",
        )
    )
    figure = panel_layout(figure)
    figure.update_xaxes(side="top", tickangle=0, showgrid=False)
    figure.update_yaxes(autorange="reversed", showgrid=False)
    return figure


def _bar_colours(colour: str, few: Sequence[bool]) -> list[str]:
    return [theme.FEW_CASES_GREY if f else colour for f in few]


def _unit_bars(
    series: Sequence[tuple[str, str, str]],
    rows: Sequence[tuple[str, Mapping[str, float | None], bool]],
    *,
    suffix: str,
    line: Mapping[str, Any],
) -> go.Figure:
    """One horizontal bar per unit and series (key, label, palette colour); ``few`` in grey."""
    figure = go.Figure()
    names = [name for name, _, _ in rows]
    few = [f for _, _, f in rows]
    for key, label, colour in series:
        figure.add_trace(
            go.Bar(
                y=names,
                x=[values.get(key) for _, values, _ in rows],
                name=label,
                orientation="h",
                marker={"color": _bar_colours(theme.OKABE_ITO[colour], few), **line},
                hovertemplate="%{y} · " + label + ": %{x:.1f}" + suffix + "<extra></extra>",
            )
        )
    figure = panel_layout(figure, legend=True)
    figure.update_yaxes(autorange="reversed")
    return figure


def stage_bars(
    stages: Sequence[tuple[str, str]],
    rows: Sequence[tuple[str, Mapping[str, float | None], bool]],
    *,
    unit_label: str = "h",
) -> go.Figure:
    """Median hours per stage, stacked per unit (units with too few cases in grey)."""
    series = [(s, label, c) for (s, label), c in zip(stages, STAGE_PALETTE, strict=False)]
    figure = _unit_bars(series, rows, suffix=" " + unit_label, line={"line": {"width": 0}})
    figure.update_layout(barmode="stack", bargap=0.3, legend={"traceorder": "normal"})
    figure.update_xaxes(title={"text": unit_label, "font": {"size": 11}})
    return figure


def grouped_rate_bars(
    labels: Mapping[str, str], rows: Sequence[tuple[str, Mapping[str, float | None], bool]]
) -> go.Figure:
    """Several rates (%) per unit side by side; units with too few cases in grey."""
    series = [(k, label, c) for (k, label), c in zip(labels.items(), RATE_PALETTE, strict=False)]
    figure = _unit_bars(series, rows, suffix="%", line={})
    figure.update_layout(barmode="group", bargap=0.25, bargroupgap=0.05)
    figure.update_xaxes(ticksuffix="%", rangemode="tozero")
    return figure


def rate_bars(items: Sequence[tuple[str, float | None, int, bool]]) -> go.Figure:
    """One rate (%) per label with its N beside the bar; small samples in grey."""
    figure = go.Figure(
        go.Bar(
            y=[label for label, _, _, _ in items],
            x=[value or 0 for _, value, _, _ in items],
            orientation="h",
            text=[f"{'—' if v is None else f'{v:.1f}%'}  N={n}" for _, v, n, _ in items],
            textposition="outside",
            cliponaxis=False,
            marker={"color": _bar_colours(theme.OKABE_ITO["purple"], [f for *_, f in items])},
            hovertemplate="%{y}: %{x:.1f}%<extra></extra>",
        )
    )
    figure = panel_layout(figure)
    figure.update_yaxes(autorange="reversed")
    top = max((value or 0 for _, value, _, _ in items), default=0)
    figure.update_xaxes(ticksuffix="%", range=[0, max(top, 1) * 1.45])
    return figure


def share_bars(items: Sequence[tuple[str, float]], colour: str = "sky") -> go.Figure:
    """Counts per label with their share of the total, largest first."""
    total = sum(v for _, v in items) or 1
    ordered = sorted(items, key=lambda item: -item[1])
    figure = go.Figure(
        go.Bar(
            y=[label for label, _ in ordered],
            x=[v for _, v in ordered],
            orientation="h",
            text=[f"{v:.0f} · {100 * v / total:.0f}%" for _, v in ordered],
            textposition="outside",
            cliponaxis=False,
            marker={"color": theme.OKABE_ITO[colour]},
            hovertemplate="%{y}: %{x}<extra></extra>",
        )
    )
    figure = panel_layout(figure)
    figure.update_yaxes(autorange="reversed")
    figure.update_xaxes(range=[0, max((v for _, v in ordered), default=1) * 1.3])
    return figure


def empty_figure(message: str) -> go.Figure:
    """A blank panel that says why it is blank."""
    figure = panel_layout(go.Figure())
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    figure.add_annotation(
        text=message, showarrow=False, font={"color": theme.TEXT_DIM, "size": 14}, x=0.5, y=0.5
    )
    return figure
