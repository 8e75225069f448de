"""The API's answers read into what figures and panels draw: pure functions, no I/O.

Each takes the JSON of one endpoint (``/api/stats/*``, ``/api/incidents``, ``/api/events``)
and returns plain values; the pages call them, the tests feed them hand-written answers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any, Final

from dashboard.figures import AreaValue, MapPoint
from dashboard.i18n import codes

CHINA = timezone(timedelta(hours=8))
STATUSES: Final = codes("status")
"""Every status of the loop, in its order, as the API names them."""
OPEN_STATUSES: Final = codes("open_status")
"""The loop statuses of an open case, as the API names them."""


def local_time(value: str | None, fmt: str = "%H:%M") -> str:
    """An API time (ISO 8601, UTC) as Beijing time text."""
    if not value:
        return ""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment.astimezone(CHINA).strftime(fmt)


def funnel_stages(answer: dict[str, Any]) -> list[tuple[str, int]]:
    """``/api/stats/funnel``: (stage label, cases that reached it), in loop order."""
    return [(item["label"], int(item["reached"])) for item in answer.get("items", [])]


def tier_shares(answer: dict[str, Any]) -> list[tuple[str, int]]:
    """``/api/stats/tiers``: (tier label, cases closed there)."""
    return [(item["label"], int(item["closed"]["numerator"])) for item in answer.get("items", [])]


def trend_series(answer: dict[str, Any], names: tuple[str, str]) -> tuple[list[str], list[Any]]:
    """``/api/stats/trend``: the days and the reported / closed series."""
    items = answer.get("items", [])
    days = [item["day"] for item in items]
    reported = [int(item["reported"]) for item in items]
    closed = [int(item["closed"]) for item in items]
    return days, [(names[0], reported), (names[1], closed)]


def top_categories(answer: dict[str, Any], most: int = 8) -> list[tuple[str, float]]:
    """``/api/stats/categories``: the ``most`` commonest 小类 with their counts."""
    items = sorted(answer.get("items", []), key=lambda item: -int(item["cases"]))
    return [(item["name"], float(item["cases"])) for item in items[:most]]


RATE_MEASURES = ("per_1000_households", "resolution_rate", "satisfaction_rate")
"""Area measures that are rates: a grid with too few cases is greyed, not compared."""
RATE_METRICS = frozenset(RATE_MEASURES)


def area_values(answer: dict[str, Any]) -> list[AreaValue]:
    """``/api/stats/areas``: each grid's value; for rates, small samples marked ``few``."""
    rate = answer.get("metric") in RATE_METRICS
    return [
        AreaValue(
            code=item["code"],
            name=item.get("name") or item["code"],
            value=None if item.get("value") is None else float(item["value"]),
            few=rate and bool(item.get("small_sample")),
        )
        for item in answer.get("items", [])
    ]


def case_points(features: Iterable[dict[str, Any]], colour_by: str) -> list[MapPoint]:
    """GeoJSON case features as map points, keyed by status or light."""
    points = []
    for feature in features:
        props = feature["properties"]
        lon, lat = feature["geometry"]["coordinates"][:2]
        key = props.get("light") if colour_by == "light" else props["status"]
        text = f"{props['case_no']}<br>{props.get('category_name', '')} · {props['status_label']}"
        points.append(MapPoint(int(props["id"]), float(lon), float(lat), key or "", text))
    return points


def feed_point(message: dict[str, Any], colour_by: str) -> MapPoint:
    """A live-feed message as a map point."""
    key = message.get("light") if colour_by == "light" else message["status"]
    text = f"{message['case_no']}<br>{message['text']} · {message['status_label']}"
    return MapPoint(int(message["case_id"]), message["lon"], message["lat"], key or "", text)


def ticker_line(message: dict[str, Any]) -> tuple[int, str, str, str]:
    """A live-feed message as (event id, time, case number, words)."""
    return int(message["event_id"]), local_time(message["at"]), message["case_no"], message["text"]


def ranked_units(
    answer: dict[str, Any], kind: str, rate: str = "resolution_rate"
) -> list[dict[str, Any]]:
    """``/api/stats/units``: the ranked units of ``kind`` in place order, with N and a rate.

    Places are renumbered among the units of ``kind`` (the API ranks all units together).
    """
    rows = []
    for item in answer.get("items", []):
        if item.get("kind") != kind or item.get("place") is None:
            continue
        value = (item.get("rates") or {}).get(rate) or {}
        rows.append(
            {
                "place": item["place"],
                "name": item.get("short_name") or item["name"],
                "score": item.get("score"),
                "cases": item["counts"]["cases"],
                "percent": value.get("percent"),
                "n": value.get("denominator", 0),
            }
        )
    rows.sort(key=lambda row: row["place"])
    for place, row in enumerate(rows, start=1):
        row["place"] = place  # the place among units of this kind
    return rows


def red_and_black(rows: Sequence[dict[str, Any]], most: int = 5) -> tuple[list[Any], list[Any]]:
    """The top ``most`` (红榜) and the bottom ``most`` (黑榜, worst first) of a ranking."""
    top = list(rows[:most])
    rest = list(rows[most:])
    bottom = list(reversed(rest[-most:]))
    return top, bottom


def township_ranking(
    answer: dict[str, Any], rate: str = "resolution_rate", most: int = 8
) -> list[dict[str, Any]]:
    """``/api/stats/areas?level=large``: townships by ``rate``, best first, small samples last.

    A township with too few cases for a fair rate (``small_sample``) is listed after
    the ranked ones, without a place.
    """
    rows = []
    for item in answer.get("items", []):
        value = item.get(rate) or {}
        percent = value.get("percent")
        fair = percent is not None and not item.get("small_sample")
        rows.append(
            {
                "name": item["name"],
                "percent": percent,
                "n": value.get("denominator", 0),
                "fair": fair,
            }
        )
    rows.sort(key=lambda row: (not row["fair"], -(row["percent"] or 0), row["name"]))
    for place, row in enumerate(rows, start=1):
        row["place"] = place if row["fair"] else "—"
    return rows[:most]
