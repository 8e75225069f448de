"""Every chart and map of the dashboard, as pure functions from plain values to figures.

Nothing here calls the API or Dash: pages fetch, these draw, tests check the figures
without a browser.  The map's traces keep fixed positions (:data:`MAP_TRACES`) so a live
update can ``Patch()`` one trace without resending the grids.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import plotly.graph_objects as go

from dashboard import theme

MAP_TRACES: Final = ("areas", "outline", "names", "hot_spots", "cases")
"""The map's traces in order; ``MAP_TRACES.index("cases")`` is the live points trace."""
CASES_TRACE: Final = MAP_TRACES.index("cases")
FONT: Final = "Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif"
GLYPHS_URL: Final = "/_glyphs/{fontstack}/{range}.pbf"
"""Map label glyphs: the browser draws Chinese itself; this route answers the rest, offline."""


TILE_PX: Final = 512
"""MapLibre's zoom 0 shows the world in 512 pixels."""


@dataclass(frozen=True)
class AreaValue:
    """One grid's value of the chosen measure (``few``: too few cases to compare)."""

    code: str
    name: str
    value: float | None
    few: bool = False


@dataclass(frozen=True)
class MapPoint:
    """One case on the map: where, which colour key (status or light), hover text."""

    case_id: int
    lon: float
    lat: float
    key: str
    text: str


@dataclass(frozen=True)
class MapView:
    """The camera: centre and zoom."""

    lon: float
    lat: float
    zoom: float


def view_of(bbox: Sequence[float], *, width_px: int = 1100, height_px: int = 800) -> MapView:
    """The centre and zoom that fit ``bbox`` (west, south, east, north) in the given pixels."""
    west, south, east, north = bbox
    lon_span = max(east - west, 1e-6)
    lat_span = max(north - south, 1e-6)
    zoom_lon = math.log2(360 * width_px / (TILE_PX * lon_span))
    mid = math.radians((north + south) / 2)
    zoom_lat = math.log2(360 * height_px * math.cos(mid) / (TILE_PX * lat_span))
    return MapView((west + east) / 2, (south + north) / 2, round(min(zoom_lon, zoom_lat) - 0.1, 2))


EMPTY_COLLECTION: Final[dict[str, Any]] = {"type": "FeatureCollection", "features": []}
EMPTY_SOURCE: Final = {"type": "geojson", "data": EMPTY_COLLECTION}
"""A source no layer draws: Plotly drops an empty ``sources`` object when it redraws a map,
and MapLibre then refuses the style ("missing required property sources"), which stops
every later redraw of the graph; one named source keeps the object."""


def map_style(*, dark: bool, basemap_url: str = "") -> dict[str, Any]:
    """A MapLibre style: a plain background (no network), or a raster basemap under it."""
    background = theme.SCREEN_BG if dark else "#f4f6f8"
    style: dict[str, Any] = {
        "version": 8,
        "glyphs": GLYPHS_URL,
        "sources": {"empty": EMPTY_SOURCE},  # never an empty object (see EMPTY_SOURCE)
        "layers": [{"id": "bg", "type": "background", "paint": {"background-color": background}}],
    }
    if basemap_url:
        style["sources"]["basemap"] = {"type": "raster", "tiles": [basemap_url], "tileSize": 256}
        style["layers"].append({"id": "basemap", "type": "raster", "source": "basemap"})
    return style


def case_colours(points: Sequence[MapPoint], colour_by: str) -> list[str]:
    """Each point's colour: by loop status or by deadline light."""
    pick = theme.light_colour if colour_by == "light" else theme.status_colour
    return [pick(p.key) for p in points]


def cases_trace(points: Sequence[MapPoint], colour_by: str, *, size: float = 7) -> go.Scattermap:
    """The live case points (ids in ``customdata`` so clicks and patches find them)."""
    return go.Scattermap(
        lon=[p.lon for p in points],
        lat=[p.lat for p in points],
        customdata=[p.case_id for p in points],
        text=[p.text for p in points],
        hovertemplate="%{text}<extra></extra>",
        mode="markers",
        marker={"size": size, "color": case_colours(points, colour_by), "opacity": 0.9},
        name="cases",
        showlegend=False,
    )


def colour_bar(title: dict[str, Any], colour: str, **place: Any) -> dict[str, Any]:
    """A map's colour bar: ``title``, ticks in ``colour``; ``place`` sets where and its size."""
    return {"title": title, "tickfont": {"color": colour}, "thickness": 12, **place}


def outline_trace(
    outline: str | dict[str, Any] | None, *, width: float, colour: str
) -> go.Choroplethmap:
    """Strong, unfilled outlines of ``outline``'s features (a FeatureCollection or its URL)."""
    collection = outline or EMPTY_COLLECTION
    codes = (
        [f["properties"]["code"] for f in collection["features"]]
        if isinstance(collection, dict)
        else []
    )
    return go.Choroplethmap(
        geojson=collection,
        featureidkey="properties.code",
        locations=codes,
        z=[0] * len(codes),
        colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]],
        showscale=False,
        marker={"line": {"width": width, "color": colour}},
        hoverinfo="skip",
        name="outline",
    )


def names_trace(
    names: Sequence[tuple[str, float, float]], *, size: int, colour: str
) -> go.Scattermap:
    """Place names (name, lon, lat) as map text that takes no hover."""
    return go.Scattermap(
        lon=[lon for _, lon, _ in names],
        lat=[lat for _, _, lat in names],
        text=[name for name, _, _ in names],
        mode="text",
        textfont={"size": size, "color": colour, "family": "Open Sans Regular"},
        hoverinfo="skip",
        name="names",
        showlegend=False,
    )


def grid_map(
    *,
    grids_geojson: str | dict[str, Any],
    areas: Sequence[AreaValue],
    outline_geojson: str | dict[str, Any] | None = None,
    outline_names: Sequence[tuple[str, float, float]] = (),
    points: Sequence[MapPoint] = (),
    hot_spots: Sequence[tuple[float, float, str]] = (),
    colour_by: str = "status",
    measure: str = "",
    view: MapView,
    dark: bool = True,
    basemap_url: str = "",
    layers: Sequence[dict[str, Any]] = (),
) -> go.Figure:
    """The city map: grids by a measure, stronger outlines and names, hot spots, case points.

    ``grids_geojson`` may be the URL of a layer (the browser fetches and caches it) or a
    FeatureCollection; features are matched on ``properties.code``.  ``layers`` are vector
    tile layers (:mod:`dashboard.map_tiles`) drawn over the traces, in order.
    """
    text_colour = theme.TEXT_MAIN if dark else "#1b2733"
    measured = [a for a in areas if not a.few and a.value is not None]
    scarce = [a for a in areas if a.few or a.value is None]
    line = theme.PANEL_EDGE if dark else "#c9d3dd"
    figure = go.Figure()
    figure.add_trace(
        go.Choroplethmap(
            geojson=grids_geojson,
            featureidkey="properties.code",
            locations=[a.code for a in measured] + [a.code for a in scarce],
            z=[a.value for a in measured] + [None] * len(scarce),
            text=[a.name for a in measured] + [a.name for a in scarce],
            colorscale=theme.CHOROPLETH_SCALE,
            marker={"line": {"width": 0.4, "color": line}, "opacity": 0.85},
            colorbar=colour_bar(
                {"text": measure, "font": {"color": text_colour}},
                text_colour,
                len=0.45,
                x=0.99,
                y=0.25,
                bgcolor="rgba(0,0,0,0)",
            ),
            hovertemplate="%{text}<br>" + measure + ": %{z}<extra></extra>",
            name="areas",
        )
    )
    figure.add_trace(
        outline_trace(outline_geojson, width=2.2, colour=theme.ACCENT if dark else "#23415e")
    )
    figure.add_trace(names_trace(outline_names, size=15, colour=text_colour))
    figure.add_trace(
        go.Scattermap(
            lon=[lon for lon, _, _ in hot_spots],
            lat=[lat for _, lat, _ in hot_spots],
            text=[label for _, _, label in hot_spots],
            mode="markers",
            marker={"size": 34, "color": theme.OKABE_ITO["vermillion"], "opacity": 0.35},
            hovertemplate="%{text}<extra></extra>",
            name="hot_spots",
            showlegend=False,
        )
    )
    figure.add_trace(cases_trace(points, colour_by))
    camera = {"center": {"lon": view.lon, "lat": view.lat}, "zoom": view.zoom}
    figure.update_layout(
        map={
            "style": map_style(dark=dark, basemap_url=basemap_url),
            **camera,
            **({"layers": list(layers)} if layers else {}),
        },
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        paper_bgcolor="rgba(0,0,0,0)",
        font={"family": FONT, "color": text_colour},
        uirevision="map",
        showlegend=False,
    )
    return figure


def _chart_layout(figure: go.Figure, *, dark: bool, height: int | None = None) -> go.Figure:
    colour = theme.TEXT_MAIN if dark else "#1b2733"
    grid = "rgba(138,164,192,0.18)" if dark else "#e3e8ee"
    figure.update_layout(
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        font={"family": FONT, "color": colour, "size": 14 if dark else 12},
        margin={"l": 8, "r": 8, "t": 8, "b": 8},
        height=height,
        showlegend=False,
    )
    figure.update_xaxes(gridcolor=grid, zeroline=False, automargin=True)
    figure.update_yaxes(gridcolor=grid, zeroline=False, automargin=True)
    return figure


def funnel_chart(stages: Sequence[tuple[str, int]], *, dark: bool = True) -> go.Figure:
    """The loop funnel: how many cases reached each stage, in loop order."""
    figure = go.Figure(
        go.Funnel(
            y=[label for label, _ in stages],
            x=[count for _, count in stages],
            texttemplate="%{value}  ·  %{percentInitial:.0%}",
            textposition="inside",
            textfont={"size": 15, "color": theme.SCREEN_BG if dark else "#ffffff"},
            marker={"color": [theme.ACCENT] * len(stages)},
            connector={"line": {"color": theme.PANEL_EDGE}},
        )
    )
    figure.update_layout(uniformtext={"minsize": 13, "mode": "show"})
    return _chart_layout(figure, dark=dark)


def share_donut(shares: Sequence[tuple[str, int]], *, dark: bool = True) -> go.Figure:
    """Shares as a donut (e.g. closed at grid / township / county)."""
    palette = [theme.OKABE_ITO[c] for c in ("green", "sky", "orange", "purple", "yellow")]
    figure = go.Figure(
        go.Pie(
            labels=[label for label, _ in shares],
            values=[count for _, count in shares],
            hole=0.58,
            sort=False,
            marker={"colors": palette[: len(shares)]},
            textinfo="label+percent",
        )
    )
    return _chart_layout(figure, dark=dark)


def trend_chart(
    days: Sequence[str], series: Sequence[tuple[str, Sequence[int]]], *, dark: bool = True
) -> go.Figure:
    """Counts per day, one line per series (e.g. reported and closed)."""
    colours = [theme.ACCENT, theme.OKABE_ITO["green"], theme.OKABE_ITO["orange"]]
    figure = go.Figure()
    for (name, values), colour in zip(series, colours, strict=False):
        figure.add_trace(
            go.Scatter(
                x=list(days), y=list(values), name=name, mode="lines", line={"color": colour}
            )
        )
    figure = _chart_layout(figure, dark=dark)
    figure.update_layout(showlegend=True, legend={"orientation": "h", "y": 1.12, "x": 0})
    return figure


def bar_chart(
    items: Sequence[tuple[str, float]], *, dark: bool = True, horizontal: bool = True
) -> go.Figure:
    """Values per label, largest first (top categories, rates per unit…)."""
    ordered = sorted(items, key=lambda item: item[1], reverse=horizontal)
    labels = [label for label, _ in ordered]
    values = [value for _, value in ordered]
    bar = (
        go.Bar(x=values, y=labels, orientation="h", marker={"color": theme.ACCENT})
        if horizontal
        else go.Bar(x=labels, y=values, marker={"color": theme.ACCENT})
    )
    figure = _chart_layout(go.Figure(bar), dark=dark)
    if horizontal:
        figure.update_yaxes(autorange="reversed")
    return figure


GRIDS_TOP: Final = "report-grids-top"
"""An empty style layer: the grids are drawn below it and the marks above, whatever order
MapLibre receives the layers in (the grids' layer arrives late, when its file is read)."""

REPORT_TRACES: Final = ("grids", "mine", "outline", "names", "radius", "pin_halo", "pin", "nearby")
"""The report map's traces in order; the point and look-alikes are patched by name index."""


def _drawn_later(name: str, mode: str, **style: Any) -> go.Scattermap:
    """An empty layer above all that the page fills in the browser; no hover unless styled."""
    return go.Scattermap(
        **{"below": "", "lon": [], "lat": [], "mode": mode, "hoverinfo": "skip", "name": name}
        | style
    )


def report_map(
    *,
    grids_geojson: str | dict[str, Any],
    small_grids: Sequence[tuple[str, str]],
    mine: Sequence[str] = (),
    mine_geojson: dict[str, Any] | None = None,
    outline_geojson: dict[str, Any] | None = None,
    names: Sequence[tuple[str, float, float]] = (),
    view: MapView,
    basemap_url: str = "",
) -> go.Figure:
    """The map of the report form: small grids (the user's own lit), outlines, the pin.

    The pin (``pin_halo``, ``pin``), the searched circle (``radius``) and the look-alike
    cases (``nearby``) start empty; the page draws them in the browser as they change.
    """
    own = set(mine)
    figure = go.Figure()
    figure.add_trace(
        go.Choroplethmap(
            below=GRIDS_TOP,
            geojson=grids_geojson,
            featureidkey="properties.code",
            locations=[code for code, _ in small_grids],
            z=[1 if code in own else 0 for code, _ in small_grids],
            text=[name for _, name in small_grids],
            zmin=0,
            zmax=1,
            colorscale=[[0, "rgba(16,41,74,0.55)"], [1, "rgba(53,196,255,0.30)"]],
            showscale=False,
            marker={"line": {"width": 0.6, "color": theme.PANEL_EDGE}},
            hovertemplate="%{text} · %{location}<extra></extra>",
            name="grids",
        )
    )
    for name, geojson, width, colour in (
        ("mine", mine_geojson, 2.6, theme.OKABE_ITO["yellow"]),
        ("outline", outline_geojson, 1.8, theme.ACCENT),
    ):
        outline = outline_trace(geojson, width=width, colour=colour)
        figure.add_trace(outline.update(below=GRIDS_TOP, name=name))
    figure.add_trace(names_trace(names, size=14, colour=theme.TEXT_MAIN).update(below=""))
    radius_line = {"width": 2, "color": theme.OKABE_ITO["orange"]}
    radius_fill = {"fill": "toself", "fillcolor": "rgba(230,159,0,0.10)"}
    figure.add_trace(_drawn_later("radius", "lines", line=radius_line, **radius_fill))
    pins = (("pin_halo", 26, "#ffffff"), ("pin", 16, theme.OKABE_ITO["vermillion"]))
    for name, size, colour in pins:
        pin = {"size": size, "color": colour, "opacity": 0.9}
        figure.add_trace(_drawn_later(name, "markers", marker=pin))
    nearby = {"size": 18, "color": theme.OKABE_ITO["orange"], "opacity": 0.95}
    hover = {"hoverinfo": None, "hovertemplate": "%{text}<extra></extra>"}
    figure.add_trace(_drawn_later("nearby", "markers", text=[], marker=nearby, **hover))
    style = map_style(dark=True, basemap_url=basemap_url)
    style["layers"].append({"id": GRIDS_TOP, "type": "line", "source": "empty"})
    figure.update_layout(
        map={"style": style, "center": {"lon": view.lon, "lat": view.lat}, "zoom": view.zoom},
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        paper_bgcolor="rgba(0,0,0,0)",
        font={"family": FONT, "color": theme.TEXT_MAIN},
        uirevision="report",
        showlegend=False,
        clickmode="none",
    )
    return figure
