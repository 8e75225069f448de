"""The demo history is played through the real workflow, on both stores.

Durations are the workflow's: "3d" is three working days on the Chinese calendar, and a
case whose story says "late" is handled after the deadline the service set, so the same
rules that grade it call it late.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from api.catalog import read_categories
from api.context import AppContext
from api.demo import DemoCase, Lifecycle, Story, plan_cases, play_case, replay_history
from api.models import Incident, IncidentEvent, IncidentWhistle
from api.vocabulary import Source
from api.workflow import SHANGHAI, Action, Light, StageClock, TimeLimit, deadline
from geo.synthetic import SyntheticReport, generate_reports
from tests.city import centre_of, mini_city

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
END = datetime(2026, 11, 20, 12, tzinfo=SHANGHAI)
BEFORE_NATIONAL_DAY = datetime(2026, 9, 29, 9, tzinfo=SHANGHAI)


@pytest.fixture(scope="module")
def lifecycle() -> Lifecycle:
    return Lifecycle.of(read_categories(DATA_DIR))


def _report(external_id: str, *, category: str, at: datetime) -> SyntheticReport:
    small = "44150200100101"
    lon, lat = centre_of(small)
    return SyntheticReport(
        external_id=external_id,
        category=category,
        lon=lon,
        lat=lat,
        crs="wgs84",
        reported_at=at,
        small_code=small,
        medium_code=small[:12],
        place="测试村",
        address=None,
        reporter_name="陈伟",
        reporter_phone="13800000000",
        grid_worker="网格员甲",
    )


def _events(session: Session) -> dict[str, list[IncidentEvent]]:
    """Events per case, by external id, in order."""
    ids = dict(session.exec(select(Incident.id, Incident.external_id)).all())
    rows = session.exec(select(IncidentEvent).order_by(col(IncidentEvent.seq))).all()
    out: dict[str, list[IncidentEvent]] = defaultdict(list)
    for event in rows:
        out[str(ids[event.incident_id])].append(event)
    return out


def _handle_due(events: list[IncidentEvent]) -> tuple[datetime, datetime, datetime]:
    """Dispatch, handling deadline and end of the first handling round.

    The handling limit runs from the (last) dispatch before the first handle; the claim
    event records that deadline as the due time of its stage.
    """
    handle = next(i for i, e in enumerate(events) if e.action == "handle")
    dispatch = max(i for i in range(handle) if events[i].action == "dispatch")
    claim = max(i for i in range(handle) if events[i].action == "claim")
    due = datetime.fromisoformat(events[claim].data["due_at"])
    return events[dispatch].at, due, events[handle].at


def test_three_days_are_three_working_days_and_late_is_late(
    city_context: AppContext, lifecycle: Lifecycle
) -> None:
    """邻里纠纷 (3d, the township's) dispatched before National Day: on time, or late."""
    cases = [
        DemoCase(
            _report("ON-TIME", category="0101", at=BEFORE_NATIONAL_DAY), Story(Source.hotline)
        ),
        DemoCase(
            _report("LATE", category="0101", at=BEFORE_NATIONAL_DAY),
            Story(Source.hotline, late=True),
        ),
    ]
    with city_context.db.write_session() as session:
        for case in cases:
            play_case(session, city_context, case, lifecycle, end=END)
    with city_context.db.session() as session:
        events = _events(session)
        stored = {i.external_id: i for i in session.exec(select(Incident)).all()}
    calendar = city_context.calendar
    for external_id, late in (("ON-TIME", False), ("LATE", True)):
        dispatched, due, handled = _handle_due(events[external_id])
        assert due == deadline(dispatched, TimeLimit.parse("3d"), urgent=False, calendar=calendar)
        assert due - dispatched > timedelta(days=7), "three working days across the holiday"
        assert (handled > due) is late
        graded = StageClock(dispatched, due, urgent=False, calendar=calendar).light(handled)
        assert (graded is Light.red) is late
        incident = stored[external_id]
        assert incident.status == "closed" and incident.ever_overdue is late
        assert incident.unit_code == incident.large_code, "disputes go to the township"
        trail = {e.action: e.actor for e in events[external_id]}
        assert trail["claim"] == trail["handle"] == f"officer_{incident.large_code}"
        assert trail["callback"] == f"dispatcher_{incident.large_code}"


@pytest.fixture
def history(city_context: AppContext, lifecycle: Lifecycle) -> dict[str, DemoCase]:
    small = mini_city()["small"].assign(
        staff=lambda f: [{"网格员": f"网格员{c}"} for c in f["code"]]
    )
    weights = {code: c.weight for code, c in lifecycle.categories.items()}
    reports = generate_reports(small, weights, n=300, days=90, end=END, seed=4)
    cases = plan_cases(reports)
    with city_context.db.write_session() as session:
        assert replay_history(session, city_context, cases, lifecycle, end=END) == len(cases)
    return {case.report.external_id: case for case in cases}


def _separated(trail: list[IncidentEvent]) -> bool:
    """Nobody verified or called back a case they handled or resolved (in that round)."""
    handler = None
    for event in trail:
        if event.action in ("handle", "resolve_on_site"):
            handler = event.actor
        elif event.action in ("verify", "callback") and event.actor == handler:
            return False
    return True


def test_history_cases_live_their_stories(
    city_context: AppContext, history: dict[str, DemoCase], lifecycle: Lifecycle
) -> None:
    with city_context.db.session() as session:
        events = _events(session)
        incidents = {i.external_id: i for i in session.exec(select(Incident)).all()}
    assert len(incidents) == len(history)
    late_seen = 0
    for external_id, case in history.items():
        trail, incident, story = events[external_id], incidents[external_id], case.story
        times = [e.at for e in trail]
        assert times == sorted(times) and max(times) <= END
        assert trail[0].action == "report"
        if story.source is Source.patrol:
            assert trail[0].role == "gridworker" and incident.reporter_name.startswith("网格员")
        actions = [e.action for e in trail]
        answerable = lifecycle.categories[incident.category_code].answerable
        if case.report.reported_at < END - timedelta(days=50):
            assert incident.status == ("rejected" if story.rejected else "closed"), actions
        if story.on_site and not answerable and len(actions) > 1:
            assert actions[1] == "resolve_on_site"
        if answerable and not story.rejected and len(actions) > 1:
            assert actions[1:] == ["answer"]
        if story.returned and "claim" in actions:
            assert "return" in actions
        assert _separated(trail), (external_id, [(e.action, e.actor) for e in trail])
        if "handle" in actions and not story.extended:
            _, due, handled = _handle_due(trail)
            assert (handled > due) is story.late, (external_id, actions)
            late_seen += story.late
    assert late_seen >= 5


def test_history_takes_every_turn_of_the_loop(
    city_context: AppContext, history: dict[str, DemoCase]
) -> None:
    """Co-units, whistles with a late 报到, returns, extensions, reviews all happen."""
    with city_context.db.session() as session:
        events = _events(session)
        incidents = {i.external_id: i for i in session.exec(select(Incident)).all()}
        whistles = session.exec(select(IncidentWhistle)).all()
    seen = {e.action for trail in events.values() for e in trail}
    assert set(Action) <= seen, set(Action) - seen
    assert any(w.reported_at is not None and w.reported_at > w.due_at for w in whistles)
    assert any(w.reported_at is not None and w.reported_at <= w.due_at for w in whistles)
    for external_id, trail in events.items():
        story, incident = history[external_id].story, incidents[external_id]
        actions = [e.action for e in trail]
        if story.co_unit and "handle" in actions:
            assert "co_feedback" in actions and incident.co_units
        if "callback" in actions and not story.unreachable:
            assert incident.first_rating == story.ratings[0]
            if incident.reopen_count:
                assert incident.rating == story.ratings[1]
        if "extend" in actions:
            assert actions.index("extend") < actions.index("approve_extension")
