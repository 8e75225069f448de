"""The dashboard's figures and readings as plain functions, without a browser."""

from __future__ import annotations

from dashboard import figures, live, readings, theme
from dashboard.components import wall


def _message(case_id: int, status: str) -> dict[str, object]:
    return {
        "case_id": case_id, "case_no": f"SW-{case_id}", "status": status, "status_label": status,
        "light": "green", "lon": 115.3, "lat": 22.8, "text": "上报", "at": "2026-11-22T01:00:00Z",
    }  # fmt: skip


def test_only_rates_grey_out_grids_with_few_cases() -> None:
    item = {"code": "1", "name": "第1网格", "value": 3, "small_sample": True}
    assert not readings.area_values({"metric": "open", "items": [item]})[0].few
    assert readings.area_values({"metric": "resolution_rate", "items": [item]})[0].few


def test_red_and_black_lists_take_the_ends_of_the_ranking() -> None:
    rows = [{"place": i} for i in range(1, 13)]
    top, bottom = readings.red_and_black(rows, most=5)
    assert [r["place"] for r in top] == [1, 2, 3, 4, 5]
    assert [r["place"] for r in bottom] == [12, 11, 10, 9, 8]


def test_live_patch_recolours_appends_and_removes_points() -> None:
    state = {"ids": [10, 11, 12], "last": 5, "lines": []}
    messages = [_message(11, "claimed"), _message(12, "closed"), _message(13, "reported")]
    patch, after = live.patch_points(state, messages, "status")
    assert after["ids"] == [10, 11, 13]
    operations = patch.to_plotly_json()["operations"]
    assigned = [op for op in operations if op["operation"] == "Assign"]
    assert any(op["params"]["value"] == theme.status_colour("claimed") for op in assigned)
    assert sum(op["operation"] == "Delete" for op in operations) == 5  # lon, lat, id, text, colour
    assert any(op["operation"] == "Append" and op["params"]["value"] == 13 for op in operations)


def test_the_view_fits_the_city_and_the_map_keeps_its_trace_order() -> None:
    view = figures.view_of((114.9, 22.6, 116.2, 23.4), width_px=1040, height_px=700)
    assert 8.5 < view.zoom < 9.5 and 115.5 < view.lon < 115.6
    figure = figures.grid_map(
        grids_geojson="/api/grids?level=small",
        areas=[figures.AreaValue("1", "第1网格", 4.0)],
        points=[figures.MapPoint(7, 115.3, 22.8, "reported", "x")],
        view=view,
    )
    assert [trace.name for trace in figure.data] == list(figures.MAP_TRACES)
    assert list(figure.data[figures.CASES_TRACE].customdata) == [7]
    assert figure.layout.map.style["glyphs"] == figures.GLYPHS_URL
    assert figure.layout.map.style["sources"], "an empty sources object is dropped on update"


def test_townships_rank_by_rate_with_small_samples_last() -> None:
    def town(name: str, percent: float | None, n: int, few: bool = False) -> dict[str, object]:
        rate = {"percent": percent, "denominator": n}
        return {"name": name, "resolution_rate": rate, "small_sample": few}

    answer = {"items": [town("甲", 80.0, 40), town("乙", 99.0, 3, True), town("丙", 90.0, 25)]}
    rows = readings.township_ranking(answer)
    assert [(r["place"], r["name"], r["n"]) for r in rows] == [
        (1, "丙", 25),
        (2, "甲", 40),
        ("—", "乙", 3),
    ]


def test_units_are_placed_among_their_own_kind() -> None:
    def unit(code: str, kind: str, place: int) -> dict[str, object]:
        rates = {"resolution_rate": {"percent": 90.0, "denominator": 20}}
        counts = {"cases": 20}
        return {"code": code, "name": code, "kind": kind, "place": place, "score": 90.0,
                "rates": rates, "counts": counts}  # fmt: skip

    answer = {"items": [unit("gaj", "department", 3), unit("t1", "township", 1),
                        unit("cgj", "department", 2), unit("t2", "township", 4)]}  # fmt: skip
    rows = readings.ranked_units(answer, "department")
    assert [(r["place"], r["name"]) for r in rows] == [(1, "cgj"), (2, "gaj")]


def test_the_walls_alerts_speak_the_pages_language() -> None:
    """Red cards, whistles awaiting 报到 and hot spots, in Chinese or English."""
    alerts = {
        "red_cards": [
            {"case_no": "SW-20261201-000123", "category_name": "占道经营", "unit_code": "cgj",
             "unit_name": "城管", "status": "claimed", "status_label": "已签收"},
        ],
        "awaiting_report_in": [
            {"case_no": "SW-20261201-000124", "unit_code": "xfj", "unit_name": "消防",
             "late": True},
        ],
        "hot_spots": [{"small_code": "44150200100101", "category_name": "暴露垃圾", "times": 4}],
    }  # fmt: skip

    def text(lang: str) -> list[str]:
        listed = wall.alerts_list(alerts, lang)  # type: ignore[arg-type]
        return [" ".join(str(part) for part in item.children) for item in listed.children]

    chinese = text("zh")
    assert "红牌" in chinese[0] and chinese[0].endswith("已签收"), chinese
    assert "吹哨" in chinese[1] and chinese[1].endswith("超时未报到"), chinese
    english = text("en")
    assert "Red card" in english[0] and english[0].endswith("Claimed"), english
    assert "Whistle" in english[1] and english[1].endswith("late to report in"), english
    assert "Hot spot" in english[2] and "×4" in english[2], english
