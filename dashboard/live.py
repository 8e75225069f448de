"""What a live-feed message changes on screen: the map's points or tiles (``Patch``), counters.

Pure functions of the API's answers; the big screen's feed callback calls them.
"""

from __future__ import annotations

from typing import Any

from dash import Patch

from dashboard import figures, map_tiles, readings
from dashboard.components.kpi import rate_text


def counter_values(summary: dict[str, Any]) -> list[str]:
    """The eight counters (value, note) from ``/api/stats/summary``."""
    today, now, rates = summary["today"], summary["now"], summary["rates"]
    values: list[str] = [
        str(today["reported"]), "",
        str(today["closed"]), "",
        str(now["open"]), "",
        str(now["overdue"]), "",
        str(now["red_cards"]), f"黄牌 {now['yellow_cards']}",
    ]  # fmt: skip
    for rate in ("resolution_rate", "closed_on_time_rate", "satisfaction_rate"):
        values.extend(rate_text(rates.get(rate)))
    return values


def patch_points(
    state: dict[str, Any], messages: list[dict[str, Any]], colour_by: str
) -> tuple[Patch, dict[str, Any]]:
    """A ``Patch`` of the map's case points for new transitions, and the new id list.

    An open case already drawn changes colour and text; a new open case is appended; a
    closed or rejected one is removed (highest index first, so indices stay valid).
    """
    ids: list[int] = list(state["ids"])
    patch = Patch()
    trace = patch["data"][figures.CASES_TRACE]
    latest: dict[int, dict[str, Any]] = {}
    for message in messages:
        latest[int(message["case_id"])] = message
    gone = []
    for case_id, message in latest.items():
        point = readings.feed_point(message, colour_by)
        colour = figures.case_colours([point], colour_by)[0]
        if case_id in ids:
            index = ids.index(case_id)
            if message["status"] in readings.OPEN_STATUSES:
                trace["marker"]["color"][index] = colour
                trace["text"][index] = point.text
            else:
                gone.append(index)
        elif message["status"] in readings.OPEN_STATUSES:
            for field, value in (
                ("lon", point.lon),
                ("lat", point.lat),
                ("customdata", case_id),
                ("text", point.text),
            ):
                trace[field].append(value)
            trace["marker"]["color"].append(colour)
            ids.append(case_id)
    for index in sorted(gone, reverse=True):
        for field in ("lon", "lat", "customdata", "text"):
            del trace[field][index]
        del trace["marker"]["color"][index]
        del ids[index]
    return patch, {**state, "ids": ids}


def patch_tiles(sources: dict[str, str], version: int) -> Patch:
    """A ``Patch`` giving the map's case tile layers (by index) URLs of a new ``version``."""
    patch = Patch()
    for index, url in sources.items():
        patch["layout"]["map"]["layers"][int(index)]["source"] = [map_tiles.versioned(url, version)]
    return patch
