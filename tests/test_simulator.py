"""The demo's live simulator: new reports and loop steps, by the real rules, on both stores."""

from __future__ import annotations

from sqlmodel import func, select

from api.context import AppContext
from api.demo import Simulator
from api.models import Incident, IncidentEvent


def test_ticks_add_reports_and_move_cases_forward(city_context: AppContext) -> None:
    simulator = Simulator(city_context, seed=7, interval_s=0.01)
    for _ in range(25):
        simulator.tick()
    with city_context.db.session() as session:
        cases = session.exec(select(func.count()).select_from(Incident)).one()
        statuses = set(session.exec(select(Incident.status)).all())
        actions = set(session.exec(select(IncidentEvent.action)).all())
        per_case = session.exec(
            select(IncidentEvent.incident_id, func.count()).group_by(IncidentEvent.incident_id)
        ).all()
    assert cases == 25
    assert statuses - {"reported"}, "no case moved past reported"
    assert {"report", "accept"} <= actions
    assert all(n >= 1 for _, n in per_case)
