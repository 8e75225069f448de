"""Tests for synthetic incidents (geo.synthetic)."""

from __future__ import annotations

import csv
import dataclasses
import re
import time as timer
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo.crs import gcj02_to_wgs84
from geo.synthetic import (
    ACTIONS,
    RATINGS,
    SOURCES,
    CategorySpec,
    SyntheticIncident,
    generate_incidents,
    parse_duration,
)

CATEGORIES_CSV = Path(__file__).resolve().parents[2] / "data" / "categories.csv"
SHANGHAI = ZoneInfo("Asia/Shanghai")
END = datetime(2026, 3, 2, 10, 30, tzinfo=SHANGHAI)  # a Monday morning
DAYS = 120
OLD = timedelta(days=45)  # cases older than this have run their whole course


def _load_categories() -> list[CategorySpec]:
    with CATEGORIES_CSV.open(encoding="utf-8", newline="") as fh:
        specs = [CategorySpec.from_row(row) for row in csv.DictReader(fh)]
    return [s for s in specs if s is not None]


def _small_layer(n_cells: int = 200, seed: int = 5) -> gpd.GeoDataFrame:
    """Irregular small grids (Voronoi cells) in 城区, 汕尾, with households and staff."""
    rng = np.random.default_rng(seed)
    box = shapely.box(115.30, 22.75, 115.45, 22.85)
    pts = rng.uniform([115.30, 22.75], [115.45, 22.85], (n_cells, 2))
    cells = shapely.get_parts(
        shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=box, ordered=True)
    )
    cells = shapely.intersection(cells, box)
    codes = [f"441502001{i // 5 + 1:03d}{i % 5 + 1:02d}" for i in range(n_cells)]
    return gpd.GeoDataFrame(
        {
            "code": codes,
            "parent_code": [c[:12] for c in codes],
            "households": rng.integers(300, 501, n_cells),
            "staff": [{"网格员": f"网格员{i}"} for i in range(n_cells)],
        },
        geometry=[shapely.MultiPolygon([c]) for c in cells],
        crs="EPSG:4326",
    )


@pytest.fixture(scope="module")
def categories() -> list[CategorySpec]:
    return _load_categories()


@pytest.fixture(scope="module")
def small() -> gpd.GeoDataFrame:
    return _small_layer()


@pytest.fixture(scope="module")
def incidents(small: gpd.GeoDataFrame, categories: list[CategorySpec]) -> list[SyntheticIncident]:
    return generate_incidents(small, categories, n=6000, days=DAYS, end=END, seed=11)


def _old(incidents: list[SyntheticIncident]) -> list[SyntheticIncident]:
    return [i for i in incidents if i.reported_at < END - OLD]


def _share(items: list[SyntheticIncident], test: Callable[[SyntheticIncident], bool]) -> float:
    return sum(1 for i in items if test(i)) / len(items)


def _actions(incident: SyntheticIncident) -> list[str]:
    return [s.action for s in incident.plan]


# --------------------------------------------------------------- categories


def test_categories_from_csv(categories: list[CategorySpec]) -> None:
    with CATEGORIES_CSV.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(categories) == sum(1 for r in rows if r["parent_code"]) > 30
    assert all(len(c.code) == 4 for c in categories)
    fly = next(c for c in categories if c.name == "电动车飞线充电")
    assert fly == CategorySpec("0201", "电动车飞线充电", "xfj", 10.0, False, timedelta(days=1))
    assert next(c for c in categories if c.code == "0205").urgent
    assert CategorySpec.from_row({"code": "01", "name": "矛盾纠纷", "parent_code": ""}) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [("30m", timedelta(minutes=30)), ("4h", timedelta(hours=4)), ("3d", timedelta(days=3))],
)
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "3", "3w", "h"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="bad duration"):
        parse_duration(text)


# --------------------------------------------------------------- the reports


def test_count_ids_and_order(incidents: list[SyntheticIncident]) -> None:
    assert len(incidents) == 6000
    assert [i.external_id for i in incidents] == [f"SYN-11-{k}" for k in range(6000)]
    times = [i.reported_at for i in incidents]
    assert times == sorted(times)


def test_fields(incidents: list[SyntheticIncident], categories: list[CategorySpec]) -> None:
    codes = {c.code for c in categories}
    for inc in incidents:
        assert inc.category in codes
        assert inc.source in SOURCES
        assert inc.crs == "gcj02"
        assert re.fullmatch(r"1[3-9]\d{9}", inc.reporter_phone)
        if inc.source != "patrol":
            assert 2 <= len(inc.reporter_name) <= 3
        assert inc.description and re.search(r"[\u4e00-\u9fff]", inc.description)
        assert inc.address is None or re.search(r"\d+号$", inc.address)
        assert inc.urgent == next(c.urgent for c in categories if c.code == inc.category)
    charging = [i for i in incidents if i.category == "0201"]
    assert charging and all("充电" in i.description for i in charging)


def test_sources_mix(incidents: list[SyntheticIncident]) -> None:
    counts = Counter(i.source for i in incidents)
    assert set(counts) == set(SOURCES)
    assert counts.most_common(1)[0][0] == "patrol"
    assert 0.38 < counts["patrol"] / len(incidents) < 0.55
    patrol = [i for i in incidents if i.source == "patrol"]
    assert all(i.reporter_name.startswith("网格员") for i in patrol), "patrol by the 网格员"


def test_points_in_their_grid(incidents: list[SyntheticIncident], small: gpd.GeoDataFrame) -> None:
    by_code = dict(zip(small["code"], small.geometry.values, strict=True))
    geoms = np.array([by_code[i.small_code] for i in incidents], dtype=object)
    lon = np.array([i.lon for i in incidents])
    lat = np.array([i.lat for i in incidents])
    w_lon, w_lat = gcj02_to_wgs84(lon, lat)
    assert shapely.contains_xy(geoms, w_lon, w_lat).all()
    # The reported coordinates really are GCJ-02: a few hundred metres off WGS84.
    offset_m = np.hypot((lon - w_lon) * 102_500, (lat - w_lat) * 110_800)
    assert 100 < offset_m.min() and offset_m.max() < 1000


def test_busier_grids_and_hot_spots(incidents: list[SyntheticIncident]) -> None:
    per_grid = Counter(i.small_code for i in incidents)
    per_pair = Counter((i.small_code, i.category) for i in incidents)
    typical = np.median(list(per_grid.values()))
    assert max(per_grid.values()) > 3 * typical
    assert max(per_pair.values()) >= 30, "a hot spot sees the same category again and again"


def test_report_times(incidents: list[SyntheticIncident]) -> None:
    times = [i.reported_at for i in incidents]
    assert all(t.tzinfo is not None and t.utcoffset() == timedelta(hours=8) for t in times)
    assert min(times) >= END - timedelta(days=DAYS)
    assert max(times) <= END
    hours = Counter(t.hour for t in times)
    day = sum(hours[h] for h in range(8, 18))
    night = sum(hours[h] for h in (0, 1, 2, 3, 4, 5))
    assert day > 8 * night
    weekday = sum(1 for t in times if t.weekday() < 5) / 5
    weekend = sum(1 for t in times if t.weekday() >= 5) / 2
    assert weekend < 0.85 * weekday
    middle = END - timedelta(days=DAYS / 2)
    assert sum(t >= middle for t in times) > 1.05 * sum(t < middle for t in times)


# --------------------------------------------------------------- the plans


def test_plans_in_time_order_and_before_end(incidents: list[SyntheticIncident]) -> None:
    for inc in incidents:
        offsets = [s.offset for s in inc.plan]
        assert offsets == sorted(offsets)
        assert len(set(offsets)) == len(offsets), "strictly increasing"
        assert all(o > timedelta(0) for o in offsets)
        assert all(inc.reported_at + o <= END for o in offsets)
        assert all(s.action in ACTIONS for s in inc.plan)


def test_payloads(incidents: list[SyntheticIncident], categories: list[CategorySpec]) -> None:
    departments = {c.department for c in categories}
    required = {
        "dispatch": {"department"},
        "reject": {"reason"},
        "return": {"reason"},
        "escalate": {"reason"},
        "extend": {"hours", "reason"},
        "handle": {"result"},
        "resolve_on_site": {"result"},
        "verify": {"passed"},
        "rate": {"rating"},
    }
    for inc in incidents:
        for step in inc.plan:
            assert required.get(step.action, set()) <= set(step.payload), step
            if step.action == "dispatch":
                assert step.payload["department"] in departments
            if step.action == "verify":
                assert isinstance(step.payload["passed"], bool)
            if step.action == "rate":
                assert step.payload["rating"] in RATINGS
            if step.action == "extend":
                assert isinstance(step.payload["hours"], int) and 0 < step.payload["hours"] <= 720


def test_first_steps_are_quick(incidents: list[SyntheticIncident]) -> None:
    for inc in incidents:
        steps: dict[str, timedelta] = {}
        for step in inc.plan:
            steps.setdefault(step.action, step.offset)  # the first of each action
        if "accept" in steps:
            assert steps["accept"] <= timedelta(hours=1)
        if "accept" in steps and "dispatch" in steps:
            # Within two hours, plus up to an hour when escalated first.
            assert steps["dispatch"] - steps["accept"] <= timedelta(hours=3, minutes=2)


def test_outcome_mix(incidents: list[SyntheticIncident], categories: list[CategorySpec]) -> None:
    old = _old(incidents)
    assert len(old) > 3000
    assert 0.03 < _share(old, lambda i: _actions(i)[0] == "reject") < 0.07
    assert 0.09 < _share(old, lambda i: _actions(i)[0] == "resolve_on_site") < 0.15
    assert 0.06 < _share(old, lambda i: "return" in _actions(i)) < 0.10

    def failed(inc: SyntheticIncident) -> bool:
        return any(s.action == "verify" and not s.payload["passed"] for s in inc.plan)

    assert 0.05 < _share(old, failed) < 0.09
    assert 0.035 < _share(old, lambda i: "extend" in _actions(i)) < 0.065
    assert 0.015 < _share(old, lambda i: "escalate" in _actions(i)) < 0.045
    limits = {c.code: c.handle_limit for c in categories}

    def overdue(inc: SyntheticIncident) -> bool:
        steps = inc.plan
        acts = [s.action for s in steps]
        if "claim" not in acts or "handle" not in acts or "extend" in acts:
            return False
        claim = max(s.offset for s in steps[: acts.index("handle")] if s.action == "claim")
        return steps[acts.index("handle")].offset - claim > limits[inc.category]

    assert 0.075 < _share(old, overdue) < 0.13
    done = [i for i in old if _actions(i)[0] != "reject"]
    assert all(_actions(i)[-1] == "rate" for i in done), "old cases ran their whole course"
    first_rating = Counter(
        next(s.payload["rating"] for s in i.plan if s.action == "rate") for i in done
    )
    assert first_rating.most_common(1)[0][0] == "满意"
    assert 0.72 < first_rating["满意"] / len(done) < 0.87
    assert 0 < first_rating["不满意"] < first_rating["基本满意"]


def test_recent_cases_are_open_at_various_stages(incidents: list[SyntheticIncident]) -> None:
    recent = [i for i in incidents if i.reported_at > END - timedelta(days=3)]
    last = Counter(_actions(i)[-1] if i.plan else "reported" for i in recent)
    open_stages = set(last) - {"rate", "reject"}
    assert len(open_stages) >= 5, last
    assert last["rate"] < len(recent) / 2


def test_plans_replay_through_the_workflow(incidents: list[SyntheticIncident]) -> None:
    machine = pytest.importorskip("api.workflow.machine")
    actor = machine.Actor(username="synthetic", role=machine.Role.admin)
    for inc in incidents[::3]:
        case = machine.CaseSnapshot(status=machine.Status.reported, grid_codes=(inc.small_code,))
        for step in inc.plan:
            case = machine.apply(case, step.action, actor, machine.ActionInput(**step.payload)).case
        if inc.plan and inc.plan[-1].action in {"rate", "reject"}:
            assert case.status in {machine.Status.rated, machine.Status.rejected} or (
                inc.plan[-1].payload.get("rating") == "不满意"
            )


# --------------------------------------------------------------- determinism, errors, speed


def test_deterministic(small: gpd.GeoDataFrame, categories: list[CategorySpec]) -> None:
    a = generate_incidents(small, categories, n=500, days=30, end=END, seed=3)
    b = generate_incidents(small, categories, n=500, days=30, end=END, seed=3)
    c = generate_incidents(small, categories, n=500, days=30, end=END, seed=4)
    assert [dataclasses.asdict(x) for x in a] == [dataclasses.asdict(x) for x in b]
    assert [x.lon for x in a] != [x.lon for x in c]


def test_place_names_and_projected_layer(
    small: gpd.GeoDataFrame, categories: list[CategorySpec]
) -> None:
    names = dict.fromkeys(small["parent_code"], "碧桂园社区")
    out = generate_incidents(
        small.to_crs("EPSG:32650"), categories, n=200, days=10, end=END, place_names=names
    )
    assert all(i.address is None or i.address.startswith("碧桂园社区") for i in out)
    by_code = dict(zip(small["code"], small.geometry.values, strict=True))
    lon, lat = gcj02_to_wgs84([i.lon for i in out], [i.lat for i in out])
    geoms = np.array([by_code[i.small_code] for i in out], dtype=object)
    assert shapely.contains_xy(geoms, lon, lat).all()


def test_zero_and_minimal_layer(categories: list[CategorySpec]) -> None:
    bare = gpd.GeoDataFrame(
        {"code": ["44150200100101"]}, geometry=[shapely.box(115.3, 22.8, 115.31, 22.81)], crs=4326
    )
    assert generate_incidents(bare, categories, n=0, days=1, end=END) == []
    out = generate_incidents(bare, categories, n=20, days=1, end=END)
    assert len(out) == 20 and {i.small_code for i in out} == {"44150200100101"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"end": datetime(2026, 3, 1)}, "timezone-aware"),
        ({"n": -1}, "n must be"),
        ({"days": 0}, "days must be"),
        ({"categories": []}, "category"),
    ],
)
def test_bad_arguments(
    small: gpd.GeoDataFrame, categories: list[CategorySpec], kwargs: dict, message: str
) -> None:
    args = {"categories": categories, "n": 10, "days": 5, "end": END} | kwargs
    with pytest.raises(ValueError, match=message):
        generate_incidents(small, **args)


def test_twenty_thousand_in_a_few_seconds(
    small: gpd.GeoDataFrame, categories: list[CategorySpec]
) -> None:
    started = timer.perf_counter()
    out = generate_incidents(small, categories, n=20_000, days=90, end=END, seed=1)
    assert len(out) == 20_000
    assert timer.perf_counter() - started < 15.0
