"""``/api/stats/…`` over HTTP on both stores: a handful of cases whose figures are known.

Four reports in one small grid (0201, 电动车飞线充电): one round the whole loop to 满意,
one rejected as its duplicate, one resolved on site by the grid worker, one dispatched
and signed, still in hand.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from api.context import AppContext
from api.models import IncidentEvent
from tests.driver import SMALL, act, login, report


@pytest.fixture
def cases(client: TestClient) -> dict[str, Any]:
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
    duplicate = report(client, gridworker)
    act(client, centre, duplicate["id"], "reject", duplicate_of=full["case_no"])
    on_site = report(client, gridworker)
    act(client, gridworker, on_site["id"], "resolve_on_site", result="当场劝导拆除")
    act(client, centre, on_site["id"], "verify", passed=True)
    act(client, county, on_site["id"], "callback", rating="基本满意", solved=True)
    in_hand = report(client, gridworker)
    act(client, centre, in_hand["id"], "accept")
    act(client, centre, in_hand["id"], "dispatch", unit="xfj")
    act(client, officer, in_hand["id"], "claim")
    return {"full": full, "duplicate": duplicate, "on_site": on_site, "in_hand": in_hand}


def _get(client: TestClient, path: str, user: str = "analyst", **params: Any) -> Any:
    response = client.get(f"/api/stats/{path}", params=params, headers=login(client, user))
    assert response.status_code == 200, response.text
    return response.json()


def _unit(client: TestClient, code: str) -> dict[str, Any]:
    return next(u for u in _get(client, "units")["items"] if u["code"] == code)


def _rate(body: dict[str, Any]) -> tuple[int, int]:
    return body["numerator"], body["denominator"]


def test_summary_counts_and_rates_with_their_n(client: TestClient, cases: dict[str, Any]) -> None:
    summary = _get(client, "summary")
    assert summary["cases"] == 4
    assert summary["today"] == {"reported": 4, "closed": 2}
    assert summary["now"] == {"open": 1, "overdue": 0, "yellow_cards": 0, "red_cards": 0}
    found = summary["rates"]
    assert _rate(found["resolution_rate"]) == (2, 3), "the rejected duplicate is not collected"
    assert found["resolution_rate"]["percent"] == 66.67
    assert found["resolution_rate"]["label"] == "化解率"
    assert _rate(found["satisfaction_rate"]) == (2, 2)
    assert _rate(found["closed_on_time_rate"]) == (2, 2), "the case in hand is not due yet"


def test_units_ranks_only_units_with_enough_cases(
    client: TestClient, cases: dict[str, Any]
) -> None:
    body = _get(client, "units")
    assert body["ranking"]["min_cases"] == 10
    units = {item["code"]: item for item in body["items"]}
    assert {"xfj", "zjj", "441502001", "441502002"} <= set(units), "every unit is listed"
    xfj = units["xfj"]
    assert xfj["counts"]["cases"] == 2 and xfj["counts"]["signed"] == 2
    assert _rate(xfj["rates"]["handling_rate"]) == (1, 1)
    assert _rate(xfj["rates"]["satisfaction_rate"]) == (1, 1)
    assert _rate(xfj["rates"]["signing_rate"]) == (2, 2)
    assert xfj["score"] == 100.0
    assert xfj["place"] is None and "fewer than 10 cases" in xfj["ranking_note"]
    assert units["zjj"]["counts"]["cases"] == 0 and units["zjj"]["score"] is None


def test_event_log_facts(
    client: TestClient, city_context: AppContext, cases: dict[str, Any]
) -> None:
    """Signed within the signing limit, responded within the limit, repeat reports.

    Both of xfj's cases were signed and taken up at once; the one in hand repeats the
    closed one (same 小类, same small grid, closed just before). Then the dispatch of the
    case in hand is made to have set a deadline already gone when it was signed.
    """
    counts = _unit(client, "xfj")["counts"]
    assert (counts["signed_in_time"], counts["responded"], counts["repeated"]) == (2, 2, 1)
    with city_context.db.write_session() as session:
        dispatch = session.exec(
            select(IncidentEvent).where(
                IncidentEvent.incident_id == cases["in_hand"]["id"],
                IncidentEvent.action == "dispatch",
            )
        ).one()
        due = dispatch.at - timedelta(minutes=1)
        dispatch.data = {**dispatch.data, "due_at": due.isoformat()}
        session.add(dispatch)
    assert _unit(client, "xfj")["counts"]["signed_in_time"] == 1


def test_areas_per_grid_with_households(client: TestClient, cases: dict[str, Any]) -> None:
    body = _get(client, "areas", level="small", metric="per_1000_households")
    grids = {item["code"]: item for item in body["items"]}
    assert len(grids) == 16, "every small grid of the mini city, with zeros"
    mine = grids[SMALL]
    assert (mine["count"], mine["open"], mine["overdue"], mine["households"]) == (4, 1, 0, 400)
    assert mine["per_1000_households"] == mine["value"] == 10.0
    assert _rate(mine["resolution_rate"]) == (2, 3) and mine["small_sample"] is True
    assert grids["44150200100102"]["count"] == 0
    large = _get(client, "areas", level="large", metric="resolution_rate")
    values = {item["code"]: item["value"] for item in large["items"]}
    assert values == {"441502001": 66.67, "441502002": None}
    under = _get(client, "areas", level="small", grid="441502002")
    assert {item["code"][:9] for item in under["items"]} == {"441502002"}


def test_trend_categories_funnel_tiers(client: TestClient, cases: dict[str, Any]) -> None:
    trend = _get(client, "trend")["items"]
    assert len(trend) == 31 and sum(d["reported"] for d in trend) == 4
    assert trend[-1]["reported"] == 4 and trend[-1]["closed"] == 2
    categories = _get(client, "categories")["items"]
    assert [(c["code"], c["cases"], c["open"]) for c in categories] == [("0201", 4, 1)]
    assert categories[0]["parent_code"] == "02"
    funnel = {s["stage"]: s for s in _get(client, "funnel")["items"]}
    assert funnel["reported"]["reached"] == 4
    assert funnel["accepted"]["reached"] == 3
    assert funnel["claimed"]["here"] == 1 and funnel["claimed"]["reached"] == 3
    assert funnel["closed"]["here"] == funnel["closed"]["reached"] == 2
    tiers = {t["tier"]: t for t in _get(client, "tiers")["items"]}
    assert _rate(tiers["grid"]["closed"]) == (1, 2)
    assert _rate(tiers["township"]["closed"]) == (1, 2)
    assert tiers["township"]["open"] == 1


def test_alerts_name_the_hot_spot(client: TestClient, cases: dict[str, Any]) -> None:
    alerts = _get(client, "alerts", user="screen")
    assert alerts["red_cards"] == [] and alerts["awaiting_report_in"] == []
    assert [(h["small_code"], h["category_code"], h["times"]) for h in alerts["hot_spots"]] == [
        (SMALL, "0201", 4)
    ]
    assert alerts["hot_spot_rule"]["min_times"] == 3
    assert "reporter_name" not in str(alerts) and "13812345678" not in str(alerts)


def test_stats_count_only_what_the_caller_may_see(
    client: TestClient, cases: dict[str, Any]
) -> None:
    assert _get(client, "summary", user="officer_xfj")["cases"] == 2
    assert _get(client, "summary", user="officer_zjj")["cases"] == 0
    other = _get(client, "areas", user="officer_zjj", level="small")["items"]
    assert all(item["count"] == 0 for item in other)


def test_filters_and_window(client: TestClient, cases: dict[str, Any]) -> None:
    assert _get(client, "summary", status=["closed"])["cases"] == 2
    assert _get(client, "summary", unit="xfj")["cases"] == 2
    assert _get(client, "summary", grid="441502002")["cases"] == 0
    assert _get(client, "summary", category="02")["cases"] == 4
    assert _get(client, "summary", **{"from": "2020-01-01", "to": "2020-02-01"})["cases"] == 0
    refused = client.get(
        "/api/stats/summary",
        params={"from": "2026-02-01", "to": "2026-01-01"},
        headers=login(client, "analyst"),
    )
    assert refused.status_code == 422 and "from" in refused.text


def test_stats_need_a_signed_in_user(client: TestClient) -> None:
    assert client.get("/api/stats/summary").status_code == 401
