"""The analyst view without a browser: URL state, filter bar values, readings and figures."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest

from dashboard import analysis_figures as charts
from dashboard import analysis_readings as read
from dashboard import theme
from dashboard.analysis_state import (
    AnalysisView,
    case_params,
    decode_view,
    encode_view,
    export_name,
    stats_params,
    view_from_store,
    view_to_store,
)
from dashboard.components.filterbar import (
    FIELDS,
    category_options,
    preset_range,
    view_of_filters,
)
from dashboard.figures import MapView
from dashboard.readings import CHINA

# ------------------------------------------------------------------ the view in the URL


@pytest.mark.parametrize(
    "view",
    [
        AnalysisView(),
        AnalysisView(start=date(2026, 10, 1), end=date(2026, 10, 31), grid="441502001001"),
        AnalysisView(
            category="0201",
            status=("dispatched", "in_progress"),
            unit="xfj",
            source=("hotline",),
            urgent=False,
            light=("yellow", "red"),
            tier="township",
            q="飞线 充电",
            measure="satisfaction_rate",
            lang="en",
        ),
    ],
)
def test_a_view_survives_the_url(view: AnalysisView) -> None:
    assert decode_view(encode_view(view)) == view
    assert decode_view("?" + encode_view(view)) == view
    assert view_from_store(view_to_store(view)) == view


def test_the_url_holds_only_what_was_chosen() -> None:
    assert encode_view(AnalysisView()) == ""
    query = encode_view(AnalysisView(grid="441502001", status=("closed", "reported")))
    assert query == "grid=441502001&status=reported%2Cclosed", "known order, one key per list"


def test_a_mangled_url_opens_a_wider_view() -> None:
    view = decode_view(
        "from=2026-13-01&grid=abc&category=9&status=closed,bogus&source=x"
        "&urgent=maybe&tier=moon&measure=drop&lang=fr&unit=a%20b"
    )
    assert view == AnalysisView(status=("closed",))


def test_dash_query_dicts_read_like_strings() -> None:
    query: dict[str, Any] = {
        "grid": "441502001",
        "status": ["closed", "reported"],
        "to": "2026-11-20",
    }
    assert decode_view(query) == AnalysisView(
        grid="441502001", status=("reported",), end=date(2026, 11, 20)
    )


def test_default_dates_are_the_last_thirty_days() -> None:
    view = AnalysisView().with_dates(date(2026, 11, 22))
    assert (view.start, view.end) == (date(2026, 10, 24), date(2026, 11, 22))
    swapped = AnalysisView(start=date(2026, 11, 5), end=date(2026, 11, 1)).with_dates(date.today())
    assert (swapped.start, swapped.end) == (date(2026, 11, 1), date(2026, 11, 5))


def test_api_queries_of_a_view() -> None:
    view = AnalysisView(
        start=date(2026, 11, 1),
        end=date(2026, 11, 30),
        grid="441502001",
        urgent=True,
        status=("closed",),
    )
    cases = case_params(view)
    assert cases["reported_from"] == "2026-11-01T00:00:00+08:00"
    assert cases["reported_to"] == "2026-12-01T00:00:00+08:00", "the end day is included"
    assert (cases["grid"], cases["urgent"], cases["status"]) == ("441502001", "true", ["closed"])
    stats = stats_params(view)
    assert (stats["from"], stats["to"]) == ("2026-11-01", "2026-12-01")
    assert "reported_from" not in stats and "category" not in stats


# ------------------------------------------------------------------ the filter bar


@pytest.mark.parametrize(
    ("name", "start"),
    [
        ("week", date(2026, 11, 16)),
        ("month", date(2026, 10, 24)),
        ("this_month", date(2026, 11, 1)),
        ("quarter", date(2026, 10, 1)),
    ],
)
def test_quick_ranges_end_today(name: str, start: date) -> None:
    assert preset_range(name, date(2026, 11, 22)) == (start, date(2026, 11, 22))


def test_category_tree_options_put_each_small_category_under_its_group() -> None:
    categories = [
        {"code": "02", "name": "安全隐患", "parent": None},
        {"code": "03", "name": "市容环境", "parent": None},
        {"code": "0201", "name": "电动车飞线充电", "parent": "02"},
        {"code": "0301", "name": "乱堆杂物", "parent": "03"},
    ]
    assert [o["value"] for o in category_options(categories)] == ["02", "0201", "03", "0301"]


def test_filter_values_become_the_view() -> None:
    base = AnalysisView(grid="441502001", measure="open")
    values = dict.fromkeys(FIELDS) | {
        "category": "02",
        "status": ["closed", "reported"],
        "urgent": "1",
        "q": "  楼道 ",
    }
    view = view_of_filters(base, "2026-11-01", "2026-11-20T00:00:00", [values[f] for f in FIELDS])
    assert view == AnalysisView(
        start=date(2026, 11, 1),
        end=date(2026, 11, 20),
        grid="441502001",
        measure="open",
        category="02",
        status=("reported", "closed"),
        urgent=True,
        q="楼道",
    )


# ------------------------------------------------------------------ readings


def _feature(code: str, level: str, parent: str | None, x: float) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [[[x, 0], [x + 1, 0], [x + 1, 1], [x, 0]]]},
        "properties": {
            "code": code,
            "name": f"名{code[-2:]}",
            "parent_code": parent,
            "label": [x + 0.5, 0.5],
        },
    }


LAYERS = {
    "large": {"features": [_feature("441502001", "large", "441502", 0)]},
    "medium": {
        "features": [
            _feature("441502001001", "medium", "441502001", 0),
            _feature("441502001002", "medium", "441502001", 1),
        ]
    },
    "small": {"features": [_feature("44150200100101", "small", "441502001001", 0)]},
}


def test_the_grid_tree_gives_the_breadcrumb_and_the_map_level() -> None:
    tree = read.grid_tree(LAYERS)
    chain = read.lineage(tree, "44150200100101")
    assert [(n.level, n.code) for n in chain] == [
        ("large", "441502001"),
        ("medium", "441502001001"),
        ("small", "44150200100101"),
    ]
    assert read.lineage(tree, "nosuch") == []
    assert [read.map_level(tree, g) for g in ("", "441502001", "441502001001")] == [
        "large",
        "medium",
        "small",
    ]
    assert read.map_level(tree, "44150200100101") == "small", "a small grid shows itself"
    shown = read.shown_features(LAYERS["medium"], "441502001", "medium")
    assert len(shown["features"]) == 2
    assert (
        read.shown_features(LAYERS["medium"], "441502001002", "medium")["features"][0][
            "properties"
        ]["code"]
        == "441502001002"
    )


def _area(code: str, count: int, value: float | None, small: bool) -> dict[str, Any]:
    rate = {"numerator": 0, "denominator": count, "percent": value}
    return {
        "code": code,
        "name": code,
        "count": count,
        "open": 1,
        "overdue": 0,
        "value": value,
        "small_sample": small,
        "resolution_rate": rate,
        "satisfaction_rate": rate,
        "per_1000_households": 2.5,
    }


def test_small_samples_are_grey_only_for_rates() -> None:
    items = [_area("a", 30, 90.0, False), _area("b", 3, 100.0, True), _area("c", 12, None, False)]
    rates = read.area_readings({"metric": "satisfaction_rate", "items": items})
    assert [(a.code, a.few) for a in rates] == [("a", False), ("b", True), ("c", True)]
    counts = read.area_readings({"metric": "count", "items": items})
    assert not any(a.few for a in counts)
    rows = read.area_rows({"min_cases": 10, "items": items})
    assert [(r["code"], r["few"]) for r in rows] == [("a", False), ("c", False), ("b", True)]


def test_units_ranked_first_then_small_samples() -> None:
    def unit(code: str, place: int | None, cases: int) -> dict[str, Any]:
        rates = {"return_rate": {"percent": 5.0, "denominator": cases}}
        return {
            "code": code,
            "name": code,
            "kind": "department",
            "place": place,
            "score": 90,
            "counts": {"cases": cases},
            "rates": rates,
        }

    rows = read.unit_rows(
        {"items": [unit("c", None, 3), unit("b", 2, 40), unit("a", 1, 20), unit("z", None, 0)]}
    )
    assert [(r["code"], r["few"]) for r in rows] == [("a", False), ("b", False), ("c", True)]
    assert rows[0]["return_rate"] == 5.0 and rows[0]["return_rate_n"] == 20
    bars = read.unit_rate_bars(rows, most=2)
    assert [name for name, _, _ in bars] == ["b", "a"], "the busiest units"


def test_heat_matrix_repeat_rates_and_stage_hours() -> None:
    crosstab = {
        "min_cases": 10,
        "rows": {
            "items": [
                {"key": "g1", "label": "甲", "cases": 5, "repeated": 1},
                {"key": "g2", "label": "乙", "cases": 20, "repeated": 2},
            ]
        },
        "cols": {"items": [{"key": "02", "label": "安全隐患"}, {"key": "03", "label": "市容"}]},
        "cells": [{"row": "g1", "col": "02", "cases": 5}, {"row": "g2", "col": "03", "cases": 20}],
    }
    assert read.heat_matrix(crosstab) == (["乙", "甲"], ["安全隐患", "市容"], [[0, 20], [5, 0]])
    assert read.repeat_rates(crosstab) == [("乙", 10.0, 20, False), ("甲", 20.0, 5, True)]
    assert read.overall_repeat(crosstab) == (3, 25)
    durations = {
        "min_cases": 10,
        "stages": [{"stage": "accept", "label": "受理"}],
        "items": [{"unit": "u", "name": "消防", "cases": 4, "accept": {"median_hours": 1.5}}],
    }
    assert read.stage_hours(durations) == ([("accept", "受理")], [("消防", {"accept": 1.5}, True)])


def test_case_rows_name_grids_and_units_and_count_days() -> None:
    tree = read.grid_tree(LAYERS)
    now = datetime(2026, 11, 22, 12, tzinfo=CHINA)
    reported = (now - timedelta(days=3)).isoformat()
    feature = {
        "properties": {
            "id": 7,
            "case_no": "SW-1",
            "category_code": "0201",
            "category_name": "飞线充电",
            "status": "in_progress",
            "status_label": "处置中",
            "light": "red",
            "unit_code": "xfj",
            "large_code": "441502001",
            "medium_code": "441502001001",
            "small_code": "44150200100101",
            "reported_at": reported,
            "closed_at": None,
            "urgent": False,
            "address": "3栋",
        }
    }
    (row,) = read.case_rows([feature], tree, {"xfj": "消防"}, now)
    assert (row["key"], row["unit"], row["medium"], row["days"]) == ("7", "消防", "名01", 3.0)


# ------------------------------------------------------------------ figures


def test_the_drill_map_greys_small_samples_and_carries_codes() -> None:
    areas = [
        read.AreaReading("a", "甲", 80.0, 40, False),
        read.AreaReading("b", "乙", 100.0, 2, True),
    ]
    figure = charts.drill_map(
        features={"type": "FeatureCollection", "features": []},
        areas=areas,
        measure="满意率",
        few_label="样本不足",
        view=MapView(115.3, 22.8, 10),
    )
    measured, grey = figure.data[0], figure.data[1]
    assert list(measured.locations) == ["a"] and list(measured.z) == [80.0]
    assert list(grey.locations) == ["b"]
    assert {c for _, c in grey.colorscale} == {theme.FEW_CASES_GREY}
    assert figure.layout.map.style["sources"], "a style with a source survives figure updates"


def test_charts_grey_small_samples() -> None:
    bars = charts.rate_bars([("甲", 10.0, 40, False), ("乙", None, 2, True)])
    assert list(bars.data[0].marker.color) == [theme.OKABE_ITO["purple"], theme.FEW_CASES_GREY]
    assert bars.data[0].text[1] == "—  N=2"
    stages = charts.stage_bars(
        [("accept", "受理"), ("handle", "处置")], [("消防", {"accept": 1.0, "handle": 20.0}, True)]
    )
    assert [t.name for t in stages.data] == ["受理", "处置"]
    assert stages.data[0].marker.color[0] == theme.FEW_CASES_GREY
    heat = charts.heat_table(["甲"], ["安全隐患", "市容"], [[0, 3]])
    assert list(heat.data[0].text[0]) == ["", "3"]
    assert charts.share_bars([("热线", 1), ("巡查", 3)]).data[0].y == ("巡查", "热线")


def test_export_file_names_say_where_and_when() -> None:
    view = AnalysisView(start=date(2026, 11, 1), end=date(2026, 11, 30), grid="441502001")
    assert export_name(view, "csv") == "民情事件_441502001_20261101-20261130.csv"
    assert export_name(AnalysisView(), "geojson") == "民情事件_全市.geojson"
