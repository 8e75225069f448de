"""The demo's live simulator: new reports and loop steps, by the real rules, on both stores."""

from __future__ import annotations

from sqlmodel import col, func, select

from api.context import AppContext
from api.demo import Simulator
from api.demo.history import MAX_STEPS
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


def test_a_live_case_runs_the_whole_loop_by_the_right_people(city_context: AppContext) -> None:
    """Stepped on until nothing is left, a live case is called back and closed by the centre."""
    simulator = Simulator(city_context, seed=3, interval_s=0.01)
    closed = 0
    for _ in range(6):
        simulator.tick()
    with city_context.db.session() as session:
        ids = session.exec(select(Incident.id)).all()
    for incident_id in ids:
        assert incident_id is not None
        for _ in range(MAX_STEPS):
            if simulator.advance(incident_id) is None:
                break
    with city_context.db.session() as session:
        for incident in session.exec(select(Incident)).all():
            trail = session.exec(
                select(IncidentEvent)
                .where(IncidentEvent.incident_id == incident.id)
                .order_by(col(IncidentEvent.seq))
            ).all()
            assert incident.status in ("closed", "rejected"), [e.action for e in trail]
            handlers = {e.actor for e in trail if e.action in ("handle", "resolve_on_site")}
            checkers = {e.actor for e in trail if e.action in ("verify", "callback")}
            assert not handlers & checkers, "nobody checks their own work"
            assert all(e.role == "dispatcher" for e in trail if e.action == "callback")
            closed += incident.status == "closed"
    assert closed
