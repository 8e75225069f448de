"""The demo's live simulator: new reports and loop steps, by the real rules, on both stores."""

from __future__ import annotations

import pytest
from sqlmodel import col, func, select

from api.context import AppContext
from api.demo import Simulator
from api.demo.history import MAX_STEPS
from api.demo.showcase import TURNS
from api.demo.simulator import REPORT_EVERY
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
    assert 15 <= cases <= 25, "a report a tick until every turn has been shown, then fewer"
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


LOOP_KINDS = {"accept", "dispatch", "claim", "assign", "start", "handle", "verify", "callback"}
TURN_KINDS = {"whistle", "report_in", "rate_report_in", "escalate", "review"}


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)  # the ticks above run on both
def test_the_first_minutes_show_every_kind_of_transition(city_context: AppContext) -> None:
    """From an empty city, within 45 ticks (3 minutes at 4 s): the loop, its turns, a close."""
    simulator = Simulator(city_context, seed=11, interval_s=0.01)
    wanted, seen, closed, ticks = LOOP_KINDS | TURN_KINDS, set[str](), 0, 0
    while ticks < 45 and not (wanted <= seen and closed):
        simulator.tick()
        ticks += 1
        with city_context.db.session() as session:
            seen = set(session.exec(select(IncidentEvent.action)).all())
            closed = session.exec(
                select(func.count()).select_from(Incident).where(Incident.status == "closed")
            ).one()
    assert wanted <= seen, f"after {ticks} ticks, never: {', '.join(sorted(wanted - seen))}"
    assert closed, f"no case closed in {ticks} ticks"
    with city_context.db.session() as session:
        events = session.exec(select(IncidentEvent).order_by(col(IncidentEvent.id))).all()
    whistled = {e.incident_id for e in events if e.action == "whistle"}
    # a township centre blows the whistle; the summoned departments' officers report in
    assert all(e.actor.startswith("dispatcher_") for e in events if e.action == "whistle")
    assert all(
        e.role == "officer" and e.incident_id in whistled for e in events if e.action == "report_in"
    )


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)  # the ticks above run on both
def test_once_every_turn_is_shown_a_report_comes_once_a_minute(city_context: AppContext) -> None:
    """The demo's rate of new reports falls to near the history's, so today's counts and the
    trend stay believable however long it runs; the ticks between still move cases on."""
    simulator = Simulator(city_context, seed=11, interval_s=0.01)
    for _ in range(20):
        simulator.tick()
    simulator.shown = {turn.action for turn in TURNS}
    simulator.planned.clear()
    simulator.ticks = 1

    def counted() -> tuple[int, int]:
        with city_context.db.session() as session:
            cases = session.exec(select(func.count()).select_from(Incident)).one()
            events = session.exec(select(func.count()).select_from(IncidentEvent)).one()
        return cases, events

    cases_before, events_before = counted()
    for _ in range(2 * REPORT_EVERY):
        simulator.tick()
    cases, events = counted()
    assert cases - cases_before == 2
    steps = events - events_before - 2
    assert steps >= 2 * REPORT_EVERY, f"{steps} steps: the ticks between reports move cases on"
