"""Acceptance: ``/api/stats/units`` agrees with a direct SQL count for three units.

The history is 240 cases played through the real loop on the mini city
(:mod:`tests.history`), not the full demo city, to keep the test quick; the counts are
plain SQL over the ``incident`` table, written here apart from the service.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text

from api.context import AppContext
from tests.driver import login
from tests.history import play_history

DIRECT = {
    "cases": "1 = 1",
    "closed": "status = 'closed'",
    "resolved": "status = 'closed' AND NOT unreasonable",
    "rated": "first_rating IS NOT NULL",
    "satisfied": "first_rating IN ('满意', '基本满意')",
    "reworked": "dispatched_at IS NOT NULL AND rework_count > 0",
    "returned": "return_count > 0",
    "ever_overdue": "ever_overdue",
}
"""Counts that do not depend on the clock, as a person would write them in SQL."""


def _direct(context: AppContext, unit: str) -> dict[str, int]:
    with context.db.session() as session:
        return {
            name: int(
                session.execute(
                    text(f"SELECT COUNT(*) FROM incident WHERE unit_code = :unit AND ({where})"),
                    {"unit": unit},
                ).scalar_one()
            )
            for name, where in DIRECT.items()
        }


def test_units_agree_with_direct_sql(client: TestClient, city_context: AppContext) -> None:
    assert play_history(city_context) == 240
    response = client.get(
        "/api/stats/units",
        params={"from": "2026-01-01", "to": "2027-01-01"},
        headers=login(client, "analyst"),
    )
    assert response.status_code == 200, response.text
    units: dict[str, Any] = {u["code"]: u for u in response.json()["items"]}
    busiest = sorted(units, key=lambda code: -units[code]["counts"]["cases"])[:3]
    assert all(units[code]["counts"]["cases"] >= 10 for code in busiest)
    for code in busiest:
        direct = _direct(city_context, code)
        counts = units[code]["counts"]
        assert {name: counts[name] for name in DIRECT} == direct, code
        rates = units[code]["rates"]
        assert (
            rates["satisfaction_rate"]["numerator"],
            rates["satisfaction_rate"]["denominator"],
        ) == (
            direct["satisfied"],
            direct["rated"],
        )
        assert units[code]["place"] is not None and units[code]["score"] is not None
    places = [u["place"] for u in response.json()["items"] if u["place"] is not None]
    assert places == list(range(1, len(places) + 1))
