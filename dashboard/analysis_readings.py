"""The analyst view's readings: API answers into figure inputs and table rows, no I/O.

The grid hierarchy (:class:`GridNode`, :func:`grid_tree`, :func:`lineage`) comes from the
overview layers; the rest takes one ``/api/stats/*`` or ``/api/incidents`` answer each.
A rate over fewer cases than the API's ``min_cases`` is marked ``few`` and drawn grey.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from dashboard.readings import RATE_METRICS, local_time

LEVELS: Final = ("large", "medium", "small")
UNIT_RATES: Final = ("return_rate", "rework_rate", "extension_rate")
"""The dispatch-quality rates drawn per unit: 退回率, 返工率, 延期率."""
SCORECARD_RATES: Final = (
    "handling_rate",
    "handled_on_time_rate",
    "rework_rate",
    "extension_rate",
    "return_rate",
    "reopen_rate",
    "satisfaction_rate",
)


@dataclass(frozen=True)
class GridNode:
    """One grid: level, name, parent code, a label point."""

    code: str
    level: str
    name: str
    parent: str | None
    lon: float
    lat: float


def grid_tree(layers: Mapping[str, Mapping[str, Any]]) -> dict[str, GridNode]:
    """Every grid of the overview layers (``{level: FeatureCollection}``) by code."""
    tree: dict[str, GridNode] = {}
    for level, layer in layers.items():
        for feature in layer.get("features", []):
            props = feature["properties"]
            lon, lat = props.get("label") or (0.0, 0.0)
            tree[props["code"]] = GridNode(
                code=props["code"],
                level=level,
                name=props.get("name") or props["code"],
                parent=props.get("parent_code"),
                lon=float(lon),
                lat=float(lat),
            )
    return tree


def lineage(tree: Mapping[str, GridNode], code: str) -> list[GridNode]:
    """The grid ``code`` and its ancestors, the large grid first (empty if unknown)."""
    chain: list[GridNode] = []
    node = tree.get(code)
    while node is not None and len(chain) < len(LEVELS):
        chain.insert(0, node)
        node = tree.get(node.parent or "")
    return chain


def map_level(tree: Mapping[str, GridNode], grid: str) -> str:
    """The level the map shows for the selected grid: its children, or itself if small."""
    node = tree.get(grid)
    if node is None:
        return "large"
    return LEVELS[min(LEVELS.index(node.level) + 1, len(LEVELS) - 1)]


def shown_features(layer: Mapping[str, Any], grid: str, level: str) -> dict[str, Any]:
    """The features of ``layer`` (of ``level``) inside the selected grid, as a collection."""
    features = [
        f for f in layer.get("features", []) if not grid or f["properties"]["code"].startswith(grid)
    ]
    return {"type": "FeatureCollection", "features": features}


@dataclass(frozen=True)
class AreaReading:
    """One grid on the choropleth: its value, its case count, whether too few to compare."""

    code: str
    name: str
    value: float | None
    cases: int
    few: bool


def area_readings(answer: Mapping[str, Any]) -> list[AreaReading]:
    """``/api/stats/areas``: each grid's value; a rate over too few cases (or none) is ``few``."""
    rate = answer.get("metric") in RATE_METRICS
    found = []
    for item in answer.get("items", []):
        value = None if item.get("value") is None else float(item["value"])
        few = rate and (bool(item.get("small_sample")) or value is None)
        name = item.get("name") or item["code"]
        found.append(AreaReading(item["code"], name, value, int(item.get("count", 0)), few))
    return found


def _percent(rate: Mapping[str, Any] | None) -> float | None:
    return None if not rate else rate.get("percent")


def area_rows(answer: Mapping[str, Any]) -> list[dict[str, Any]]:
    """``/api/stats/areas`` as scorecard rows: counts, rates with N, per 1,000 households."""
    min_cases = int(answer.get("min_cases", 0))
    rows = []
    for item in answer.get("items", []):
        rows.append(
            {
                "code": item["code"],
                "name": item.get("name") or item["code"],
                "cases": item["count"],
                "open": item["open"],
                "overdue": item["overdue"],
                "resolution_rate": _percent(item.get("resolution_rate")),
                "satisfaction_rate": _percent(item.get("satisfaction_rate")),
                "satisfaction_n": (item.get("satisfaction_rate") or {}).get("denominator", 0),
                "per_1000": item.get("per_1000_households"),
                "few": item["count"] < min_cases,
            }
        )
    return sorted(rows, key=lambda row: (-row["cases"], row["code"]))


def unit_rows(answer: Mapping[str, Any]) -> list[dict[str, Any]]:
    """``/api/stats/units`` as scorecard rows, ranked units first, then the small samples."""
    rows = []
    for item in answer.get("items", []):
        if not item["counts"]["cases"]:
            continue
        rates = item.get("rates") or {}
        row = {
            "code": item["code"],
            "name": item.get("short_name") or item["name"],
            "kind": item["kind"],
            "place": item.get("place"),
            "score": item.get("score"),
            "cases": item["counts"]["cases"],
            "few": item.get("place") is None,
        }
        for name in SCORECARD_RATES:
            row[name] = _percent(rates.get(name))
            row[f"{name}_n"] = (rates.get(name) or {}).get("denominator", 0)
        rows.append(row)
    return sorted(rows, key=lambda r: (r["place"] is None, r["place"] or 0, -r["cases"]))


def unit_rate_bars(
    rows: Sequence[Mapping[str, Any]], most: int = 12
) -> list[tuple[str, dict[str, float | None], bool]]:
    """The ``most`` busiest units' 退回率 / 返工率 / 延期率: (name, rates, few)."""
    busiest = sorted(rows, key=lambda r: -r["cases"])[:most]
    return [(r["name"], {k: r.get(k) for k in UNIT_RATES}, bool(r["few"])) for r in busiest]


def stage_hours(
    answer: Mapping[str, Any], most: int = 12
) -> tuple[list[tuple[str, str]], list[tuple[str, dict[str, float | None], bool]]]:
    """``/api/stats/durations``: the stages, and the busiest units' median hours per stage."""
    min_cases = int(answer.get("min_cases", 0))
    stages = [(s["stage"], s["label"]) for s in answer.get("stages", [])]
    items = sorted(answer.get("items", []), key=lambda item: -int(item.get("cases", 0)))[:most]
    rows = [
        (
            item.get("name") or item.get("unit") or "—",
            {stage: item[stage]["median_hours"] for stage, _ in stages},
            int(item.get("cases", 0)) < min_cases,
        )
        for item in items
    ]
    return stages, rows


def heat_matrix(
    answer: Mapping[str, Any], most_rows: int = 15, most_cols: int = 12
) -> tuple[list[str], list[str], list[list[int]]]:
    """``/api/stats/crosstab`` (areas × categories) as row labels, column labels, counts.

    The busiest ``most_rows`` areas and ``most_cols`` categories; the others are left out.
    """
    rows = sorted(answer["rows"]["items"], key=lambda r: -r["cases"])[:most_rows]
    cols = (answer.get("cols") or {"items": []})["items"][:most_cols]
    cell = {(c["row"], c["col"]): c["cases"] for c in answer.get("cells", [])}
    matrix = [[cell.get((r["key"], c["key"]), 0) for c in cols] for r in rows]
    return (
        [r["label"] or "—" for r in rows],
        [c["label"] or "—" for c in cols],
        matrix,
    )


def share_items(
    answer: Mapping[str, Any], names: Mapping[str, str] | None = None
) -> list[tuple[str, float]]:
    """A one-way ``/api/stats/crosstab`` (e.g. by source) as (label, cases).

    ``names`` relabels keys (the interface's language); otherwise the API's label.
    """
    return [
        ((names or {}).get(r["key"]) or r["label"] or "—", float(r["cases"]))
        for r in answer["rows"]["items"]
    ]


def repeat_rates(
    answer: Mapping[str, Any], most: int = 12
) -> list[tuple[str, float | None, int, bool]]:
    """``/api/stats/crosstab?count=cases&count=repeated`` per area: (name, %, N, few)."""
    min_cases = int(answer.get("min_cases", 0))
    items = sorted(answer["rows"]["items"], key=lambda r: (-r["repeated"], -r["cases"]))[:most]
    return [
        (
            r["label"] or "—",
            round(100 * r["repeated"] / r["cases"], 1) if r["cases"] else None,
            int(r["cases"]),
            int(r["cases"]) < min_cases,
        )
        for r in items
    ]


def overall_repeat(answer: Mapping[str, Any]) -> tuple[int, int]:
    """Repeated reports and all reports of a crosstab with both counts."""
    items = answer["rows"]["items"]
    return sum(int(r["repeated"]) for r in items), sum(int(r["cases"]) for r in items)


def case_rows(
    features: Iterable[Mapping[str, Any]],
    grid_names: Mapping[str, GridNode],
    unit_names: Mapping[str, str],
    now: datetime,
) -> list[dict[str, Any]]:
    """Case features (``/api/incidents?format=geojson``) as table rows with names and age."""
    rows = []
    for feature in features:
        p = feature["properties"]
        reported = datetime.fromisoformat(p["reported_at"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(p["closed_at"]) if p.get("closed_at") else now
        rows.append(
            {
                "id": p["id"],
                "key": str(p["id"]),
                "case_no": p["case_no"],
                "category": p.get("category_name") or p["category_code"],
                "status": p["status_label"],
                "status_code": p["status"],
                "light": p.get("light") or "",
                "unit": unit_names.get(p.get("unit_code") or "", p.get("unit_code") or ""),
                "large": _name(grid_names, p.get("large_code")),
                "medium": _name(grid_names, p.get("medium_code")),
                "small": _name(grid_names, p.get("small_code")),
                "small_code": p.get("small_code"),
                "reported": local_time(p["reported_at"], "%Y-%m-%d %H:%M"),
                "days": round((end - reported).total_seconds() / 86400, 1),
                "urgent": bool(p.get("urgent")),
                "address": p.get("address") or "",
            }
        )
    return rows


def _name(tree: Mapping[str, GridNode], code: str | None) -> str:
    node = tree.get(code or "")
    return node.name if node else (code or "")
