"""The wall's map: what it reads, and which parts it draws as GeoJSON or from vector tiles.

Below the API's ``tiles_above_features`` every part is GeoJSON, as it always was: small
grids coloured by open cases, large-grid outlines and names, hot spots, a point per open
case.  A grid level above it is drawn from its tiles as outlines and the colours move to
the nearest coarser level still drawn as GeoJSON; open cases above it (or above
:data:`MAP_POINTS_MAX`) are drawn from case tiles, one layer per status.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

import plotly.graph_objects as go

from dashboard import figures, map_tiles, readings, theme
from dashboard.client import ApiClient, features, matched
from dashboard.geodata import TileIndex, grid_layer, region_bbox, tiles_of
from dashboard.i18n import Lang, t
from dashboard.settings import dashboard_settings

MAP_POINTS_MAX: Final = 20_000
"""The most open cases the wall draws as points (more: from case tiles)."""
LINE_WIDTHS: Final = {"medium": 0.9, "small": 0.45}
"""Tiled grid levels below the coloured one: their outlines' widths."""


@dataclass(frozen=True)
class WallMap:
    """The map's figure, the drawn case ids (points) or case layer URLs (tiles), the notes."""

    figure: go.Figure
    ids: list[int]
    tiles: dict[str, str]
    notes: list[str] = field(default_factory=list)


def browser_base() -> str:
    """The API base as the browser should call it ("" = the page's own server)."""
    return dashboard_settings().api_url


def tiles_note(level: str, count: int, above: int, lang: Lang) -> str:
    """Says that a layer is drawn from vector tiles, and why."""
    return t("tiles_note", lang).format(what=t(f"grid_{level}", lang), n=count, above=above)


def _grid_parts(client: ApiClient, index: TileIndex, lang: Lang) -> dict[str, Any]:
    """``grid_map`` arguments for the grids: the coloured level, outlines, tiled levels."""
    coloured = index.coloured_level("small")
    parts: dict[str, Any] = {"layers": [], "notes": [], "measure": t("open", lang)}
    if coloured is None:
        parts.update(grids_geojson=figures.EMPTY_COLLECTION, areas=[])
    else:
        answer = client.get("/api/stats/areas", level=coloured, metric="open")
        parts["areas"] = readings.area_values(answer)
        parts["grids_geojson"] = f"{browser_base()}/api/grids?level={coloured}&geometry=overview"
        if coloured != "small":
            parts["measure"] = f"{t('open', lang)} · {t(f'grid_{coloured}', lang)}"
    for level in ("medium", "small"):
        if level in index.tiled:
            parts["layers"].append(
                map_tiles.grid_lines(
                    index.grid_url(level), level, colour=theme.TEXT_DIM, width=LINE_WIDTHS[level]
                )
            )
            parts["notes"].append(tiles_note(level, index.features[level], index.above, lang))
    if "large" in index.tiled:
        url = index.grid_url("large")
        parts["layers"].append(map_tiles.grid_lines(url, "large", colour=theme.ACCENT, width=2.2))
        parts["notes"].append(tiles_note("large", index.features["large"], index.above, lang))
        parts.update(outline_geojson=None, outline_names=[], bbox=None)
    else:
        large = grid_layer(client, "large")
        parts.update(
            outline_geojson=large.geojson,
            outline_names=list(large.labels.values()),
            bbox=large.bbox,
        )
    return parts


def _hot_spot_marks(
    client: ApiClient, hot_spots: list[dict[str, Any]], tiled: bool
) -> list[tuple[float, float, str]]:
    """Each hot spot at its small grid's label point (tiled small grids: read one by one)."""
    if not hot_spots:
        return []
    labels = {} if tiled else grid_layer(client, "small").labels
    marks = []
    for spot in hot_spots:
        found = labels.get(spot["small_code"])
        if found is None and tiled:
            props = client.get(f"/api/grids/{spot['small_code']}", geometry="overview")
            lon, lat = props["properties"]["label"]
            found = ("", float(lon), float(lat))
        if found:
            marks.append((found[1], found[2], f"{spot['category_name']} ×{spot['times']}"))
    return marks


def wall_map(client: ApiClient, *, token: str, colour_by: str, lang: Lang, latest: int) -> WallMap:
    """The wall's map as the API's sizes call for; ``latest`` versions the case tiles."""
    index = tiles_of(client)
    open_statuses = list(readings.OPEN_STATUSES)
    open_now = matched(client, "/api/incidents", status=open_statuses)
    points: list[figures.MapPoint] = []
    parts = _grid_parts(client, index, lang)
    notes: list[str] = parts.pop("notes")
    if open_now > min(MAP_POINTS_MAX, index.above):
        parts["layers"] += map_tiles.case_layers(
            index.urls[map_tiles.INCIDENTS],
            token=token,
            colour_by=colour_by,
            statuses=open_statuses,
            version=latest,
        )
        notes.append(t("tiles_cases_note", lang).format(n=open_now, above=index.above))
    else:
        found = features(
            client,
            "/api/incidents",
            most=MAP_POINTS_MAX,
            format="geojson",
            status=open_statuses,
            limit=10_000,
        )
        points = readings.case_points(found, colour_by)
    hot = client.get("/api/stats/alerts").get("hot_spots", [])
    bbox = parts.pop("bbox") or region_bbox(client)
    figure = figures.grid_map(
        **parts,
        points=points,
        hot_spots=_hot_spot_marks(client, hot, "small" in index.tiled),
        colour_by=colour_by,
        view=figures.view_of(bbox, width_px=950, height_px=520),
        basemap_url=dashboard_settings().basemap_url,
    )
    tiles = map_tiles.case_sources(parts["layers"])
    return WallMap(figure, [p.case_id for p in points], tiles, notes)
