"""``/api/stats/crosstab`` and ``/api/stats/durations`` over HTTP on both stores.

Three reports: two 电动车飞线充电 (0201) by the grid worker in one small grid of 测试1街道,
one 12345 hotline report of 暴露垃圾 in 测试2街道. The first goes round the loop to 满意; its
stage stamps are then set to known hours apart, so the medians are exact.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from api.context import AppContext
from api.models import Incident
from tests.driver import SMALL, act, login, report

OTHER_SMALL = "44150200200101"


@pytest.fixture
def cases(client: TestClient, city_context: AppContext) -> dict[str, Any]:
    centre, county = login(client, "dispatcher_441502001"), login(client, "dispatcher")
    lead, officer = login(client, "lead_xfj"), login(client, "officer_xfj")
    gridworker = login(client, "gridworker_441502001001")
    full = report(client, gridworker)
    for headers, action, body in [
        (centre, "accept", {}),
        (centre, "dispatch", {"unit": "xfj"}),
        (officer, "claim", {}),
        (lead, "assign", {"officer": "officer_xfj"}),
        (officer, "handle", {"result": "已拆除飞线"}),
        (gridworker, "verify", {"passed": True}),
        (county, "callback", {"rating": "满意", "solved": True}),
    ]:
        act(client, headers, full["id"], action, **body)
    again = report(client, gridworker)
    hotline = report(
        client, county, small=OTHER_SMALL, category="0302", source="hotline", description="垃圾"
    )
    with city_context.db.write_session() as session:
        row = session.exec(select(Incident).where(Incident.id == full["id"])).one()
        start = row.reported_at
        row.accepted_at = start + timedelta(hours=1)
        row.dispatched_at = start + timedelta(hours=3)
        row.handled_at = start + timedelta(hours=27)
        row.closed_at = start + timedelta(hours=30)
        session.add(row)
    return {"full": full, "again": again, "hotline": hotline}


def _get(client: TestClient, path: str, **params: Any) -> Any:
    response = client.get(f"/api/stats/{path}", params=params, headers=login(client, "analyst"))
    assert response.status_code == 200, response.text
    return response.json()


def test_category_by_township_counts_each_pair(client: TestClient, cases: dict[str, Any]) -> None:
    body = _get(client, "crosstab", rows="category_group", cols="large")
    cells = {(c["row"], c["col"]): c["cases"] for c in body["cells"]}
    assert cells == {("02", "441502001"): 2, ("03", "441502002"): 1}
    assert [(r["key"], r["label"], r["cases"]) for r in body["rows"]["items"]] == [
        ("02", "安全隐患", 2),
        ("03", "市容环境", 1),
    ]
    assert [c["label"] for c in body["cols"]["items"]] == ["测试1街道", "测试2街道"]


def test_source_mix_and_repeats_per_area(client: TestClient, cases: dict[str, Any]) -> None:
    sources = _get(client, "crosstab", rows="source")
    assert sources["cols"] is None
    assert [(r["key"], r["label"], r["cases"]) for r in sources["rows"]["items"]] == [
        ("patrol", "网格员巡查", 2),
        ("hotline", "12345热线", 1),
    ]
    repeats = _get(client, "crosstab", rows="small", count=["cases", "repeated"])
    by_grid = {r["key"]: (r["cases"], r["repeated"]) for r in repeats["rows"]["items"]}
    assert by_grid == {SMALL: (2, 1), OTHER_SMALL: (1, 0)}
    narrowed = _get(client, "crosstab", rows="medium", grid="441502002")
    assert [r["key"] for r in narrowed["rows"]["items"]] == ["441502002001"]


def test_crosstab_refuses_an_unknown_count(client: TestClient) -> None:
    refused = client.get(
        "/api/stats/crosstab",
        params={"rows": "source", "count": "bogus"},
        headers=login(client, "analyst"),
    )
    assert refused.status_code == 422 and "bogus" in refused.text


def test_durations_are_median_hours_per_unit(client: TestClient, cases: dict[str, Any]) -> None:
    body = _get(client, "durations")
    assert [s["stage"] for s in body["stages"]] == ["accept", "dispatch", "handle", "close"]
    xfj = next(item for item in body["items"] if item["unit"] == "xfj")
    hours = {s: xfj[s]["median_hours"] for s in ("accept", "dispatch", "handle", "close")}
    assert hours == {"accept": 1.0, "dispatch": 2.0, "handle": 24.0, "close": 3.0}
    assert xfj["handle"]["n"] == 1 and xfj["name"]
    assert body["all"]["accept"]["n"] == 1, "cases not yet accepted have no 受理 time"
