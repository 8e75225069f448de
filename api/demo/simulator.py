"""The demo's present: new reports and loop steps every few seconds, by the real rules."""

from __future__ import annotations

import logging
import random
import threading
from collections import OrderedDict

import geopandas as gpd
from sqlalchemy import func
from sqlmodel import Session, col, select

from api.cases.actions import act, snapshot_now
from api.cases.intake import intake
from api.catalog import read_categories
from api.context import AppContext
from api.demo.cast import principal_for, reporter_for
from api.demo.history import Lifecycle, report_body
from api.demo.showcase import TURNS, Turn, planted
from api.demo.story import Step, Story, draw_story
from api.exceptions import MinqingError
from api.models import Grid, Incident, utcnow
from api.settings import Settings
from api.workflow import OPEN_STATUSES, Action
from geo.demo_city.layers import SMALL_HOUSEHOLDS
from geo.synthetic import generate_reports

__all__ = ["Simulator", "start_simulator"]

log = logging.getLogger("minqing.demo")

FOLLOWED_MAX = 12
"""Live cases the simulator keeps moving step by step (the newest reports and turns)."""
FOLLOW_STEPS = 3
"""Steps per tick among the followed cases, least recently moved first."""
SHOWCASE_EVERY = 15
"""Once every turn has been shown, one more turn every this many ticks (a minute at 4 s)."""
REPORT_EVERY = 15
"""Once every turn has been shown, a new report every this many ticks (a minute at 4 s):
near the history's daily rate, so that the wall's 30-day trend and today's counts stay
believable however long the demo runs; the ticks between move open cases on."""
CANDIDATES = 5
"""Cases tried for a turn before it is planted on the next report instead."""


class Simulator:
    """New reports and loop progress every few seconds, so the big screen stays alive.

    Each case keeps one story (:func:`api.demo.story.draw_story`) and takes the steps it
    asks for among those the workflow allows (:func:`api.demo.story.next_step`), like the
    history. A tick reports one new case (once the first ticks have shown every turn, one
    a minute), moves the followed cases (the newest reports and the cases of a turn) a step
    each, moves one long-waiting case, and shows a turn of the loop
    (:mod:`api.demo.showcase`): every turn in the first ticks of a demo, then one a minute,
    so whistles and 报到, escalations, call-backs and reviews reach the screen early
    besides accept, dispatch, claim, handle, verify and close.
    """

    def __init__(self, context: AppContext, *, seed: int, interval_s: float = 4.0) -> None:
        self.context = context
        self.random = random.Random(seed)
        self.interval_s = interval_s
        self.stop = threading.Event()
        self.lifecycle = Lifecycle.of(read_categories(context.settings.data_dir))
        self.weights = {code: c.weight for code, c in self.lifecycle.categories.items()}
        self.stories: dict[int, Story] = {}
        self.followed: OrderedDict[int, None] = OrderedDict()
        self.awaited: dict[int, Action] = {}
        """Followed cases kept until they take this action (a planted turn, or what follows
        a turn: 报到 after a whistle, review after a 不满意)."""
        self.shown: set[Action] = set()
        self.planned: list[Turn] = []
        self.ticks = 0

    def run(self) -> None:
        """Loop until stopped; a failed tick is logged and the loop goes on."""
        while not self.stop.wait(self.interval_s):
            try:
                self.tick()
            except Exception:  # noqa: BLE001 - a demo helper must never take the server down
                log.exception("simulator tick failed")

    def tick(self) -> None:
        """One new report, a turn of the loop when one is due, and steps forward."""
        with self.context.db.session() as session:
            small = session.exec(
                select(Grid).where(Grid.level == "small").order_by(func.random()).limit(1)
            ).first()
            waiting = session.exec(
                select(Incident.id)
                .where(col(Incident.status).in_([s.value for s in OPEN_STATUSES]))
                .order_by(col(Incident.updated_at))
                .limit(40)
            ).all()
        turn = self._next_turn()
        if turn is not None:
            self._show_turn(turn)
        if small is not None and self._reports_now():
            self._report(small)
        awaited_first = sorted(self.followed, key=lambda i: i not in self.awaited)
        for incident_id in awaited_first[:FOLLOW_STEPS]:
            self.advance(incident_id)
        candidates = [i for i in waiting if i is not None and i not in self.followed]
        for incident_id in self.random.sample(candidates, k=min(1, len(candidates))):
            self.advance(incident_id)
        self.ticks += 1

    def _report(self, small: Grid) -> None:
        frame = gpd.GeoDataFrame(
            {"code": [small.code], "households": [small.households or sum(SMALL_HOUSEHOLDS) // 2]},
            geometry=[small.geom],
            crs="EPSG:4326",
        )
        seed = self.random.randrange(1 << 30)
        report = generate_reports(frame, self.weights, n=1, days=1, end=utcnow(), seed=seed)[0]
        story = draw_story(self.random)
        turn = self.planned.pop(0) if self.planned else None
        if turn is not None:
            story = planted(story, turn, self.random)
        category = self.lifecycle.categories[report.category]
        body = report_body(report, story.source, category, self.random).model_copy(
            update={"external_id": None}
        )
        reporter = reporter_for(story.source, small.parent_code or small.code)
        with self.context.db.write_session() as session:
            incident = intake(session, self.context, body, reporter).incident
        assert incident.id is not None
        self.stories[incident.id] = story
        self._follow(incident.id, awaiting=turn.action if turn else None)

    def _follow(self, incident_id: int, *, awaiting: Action | None = None) -> None:
        """Keep moving the case; with ``awaiting``, at least until it takes that action."""
        self.followed[incident_id] = None
        self.followed.move_to_end(incident_id)
        if awaiting is not None:
            self.awaited[incident_id] = awaiting
        spare = [i for i in self.followed if i not in self.awaited]
        for dropped in spare[: max(0, len(self.followed) - FOLLOWED_MAX)]:
            del self.followed[dropped]

    def _reports_now(self) -> bool:
        """Whether this tick files a new report.

        Every tick while turns are still to be shown (they ride on new reports), then every
        :data:`REPORT_EVERY` ticks.
        """
        showing = self.planned or any(t.action not in self.shown for t in TURNS)
        return bool(showing) or self.ticks % REPORT_EVERY == 0

    def _next_turn(self) -> Turn | None:
        """Each turn not yet shown (and not planted), in order; then one a minute."""
        waiting = [t for t in TURNS if t.action not in self.shown]
        if waiting:
            return next((t for t in waiting if t not in self.planned), None)
        if self.ticks % SHOWCASE_EVERY == 0:
            return TURNS[(self.ticks // SHOWCASE_EVERY) % len(TURNS)]
        return None

    def _show_turn(self, turn: Turn) -> None:
        """Ask a case in the right state for ``turn``; else plant it on the next report."""
        with self.context.db.session() as session:
            ids = session.exec(
                select(Incident.id)
                .where(col(Incident.status).in_([s.value for s in turn.statuses]))
                .order_by(func.random())
                .limit(CANDIDATES)
            ).all()
        for incident_id in ids:
            if incident_id is not None and self.advance(incident_id, turn=turn) is turn.action:
                self._follow(incident_id, awaiting=turn.then)
                return
        self.planned.append(turn)

    def _story(self, incident_id: int) -> Story:
        story = self.stories.get(incident_id)
        if story is None:
            story = self.stories[incident_id] = draw_story(self.random)
        return story

    def _step(self, session: Session, incident: Incident, turn: Turn | None) -> Step | None:
        """The step the case's story (asked for ``turn``, if given) takes now."""
        assert incident.id is not None
        category = self.lifecycle.categories.get(incident.category_code)
        if category is None:
            return None
        _, snapshot = snapshot_now(session, self.context, incident, utcnow())
        story = self._story(incident.id)
        if turn is not None:
            story = turn.story_for(story, snapshot.status, self.random)
        step = self.lifecycle.next_step(snapshot, story, category, self.random)
        if turn is not None and step is not None and step.action is turn.action:
            self.stories[incident.id] = story
        return step

    def advance(self, incident_id: int, *, turn: Turn | None = None) -> Action | None:
        """One step forward for one case, as its story asks; the action done, if any.

        With ``turn``, only that turn's action is taken (and the story keeps asking for
        what follows it); a case that cannot take it now is left as it is.
        """
        now = utcnow()
        with self.context.db.write_session() as session:
            incident = session.get(Incident, incident_id)
            step = self._step(session, incident, turn) if incident is not None else None
            if incident is None or step is None or (turn and step.action is not turn.action):
                if turn is None:
                    self._forget(incident_id)
                return None
            _, snapshot = snapshot_now(session, self.context, incident, now)
            principal = principal_for(step.action, snapshot)
            try:
                done = act(
                    session, self.context, incident_id, step.action, step.data, principal, now=now
                )
            except MinqingError as exc:  # a user may have moved the case in the meantime
                log.info("simulator step %s on case %s refused: %s", step.action, incident_id, exc)
                session.rollback()
                self._forget(incident_id)
                return None
            self.shown.add(step.action)
            if self.awaited.get(incident_id) is step.action:
                del self.awaited[incident_id]
            if done.status in OPEN_STATUSES:
                if incident_id in self.followed:
                    self.followed.move_to_end(incident_id)
            else:
                self._forget(incident_id)
            return step.action

    def _forget(self, incident_id: int) -> None:
        self.followed.pop(incident_id, None)
        self.awaited.pop(incident_id, None)
        self.stories.pop(incident_id, None)


def start_simulator(settings: Settings, *, seed: int) -> threading.Thread:
    """Run the simulator in a daemon thread beside the server."""
    simulator = Simulator(AppContext.build(settings), seed=seed)
    thread = threading.Thread(target=simulator.run, name="minqing-simulator", daemon=True)
    thread.start()
    return thread
