"""The demo's present: new reports and loop steps every few seconds, by the real rules."""

from __future__ import annotations

import logging
import random
import threading

import geopandas as gpd
from sqlalchemy import func
from sqlmodel import col, select

from api.cases.actions import act, snapshot_now
from api.cases.intake import intake
from api.catalog import read_categories
from api.context import AppContext
from api.demo.cast import principal_for, reporter_for
from api.demo.history import Lifecycle, report_body
from api.demo.story import draw_story, next_step
from api.exceptions import MinqingError
from api.models import Grid, Incident, utcnow
from api.settings import Settings
from api.workflow import OPEN_STATUSES, Action, allowed_actions
from geo.demo_city.layers import SMALL_HOUSEHOLDS
from geo.synthetic import generate_reports

__all__ = ["Simulator", "start_simulator"]

log = logging.getLogger("minqing.demo")


class Simulator:
    """New reports and loop progress every few seconds, so the big screen stays alive.

    Each new report and each step forward draws a fresh story
    (:func:`api.demo.story.draw_story`) and picks the step as the history does
    (:func:`api.demo.story.next_step`), so live cases take the same turns (returns,
    whistles, call-backs, reviews); the workflow decides what each step leads to.
    """

    def __init__(self, context: AppContext, *, seed: int, interval_s: float = 4.0) -> None:
        self.context = context
        self.random = random.Random(seed)
        self.interval_s = interval_s
        self.stop = threading.Event()
        self.lifecycle = Lifecycle.of(read_categories(context.settings.data_dir))
        self.weights = {code: c.weight for code, c in self.lifecycle.categories.items()}

    def run(self) -> None:
        """Loop until stopped; a failed tick is logged and the loop goes on."""
        while not self.stop.wait(self.interval_s):
            try:
                self.tick()
            except Exception:  # noqa: BLE001 - a demo helper must never take the server down
                log.exception("simulator tick failed")

    def tick(self) -> None:
        """One new report, and one step forward for a few open cases."""
        with self.context.db.session() as session:
            small = session.exec(
                select(Grid).where(Grid.level == "small").order_by(func.random()).limit(1)
            ).first()
            open_ids = session.exec(
                select(Incident.id)
                .where(col(Incident.status).in_([s.value for s in OPEN_STATUSES]))
                .order_by(col(Incident.updated_at))
                .limit(40)
            ).all()
        if small is not None:
            self._report(small)
        candidates = [i for i in open_ids if i is not None]
        for incident_id in self.random.sample(candidates, k=min(3, len(candidates))):
            self.advance(incident_id)

    def _report(self, small: Grid) -> None:
        frame = gpd.GeoDataFrame(
            {"code": [small.code], "households": [small.households or sum(SMALL_HOUSEHOLDS) // 2]},
            geometry=[small.geom],
            crs="EPSG:4326",
        )
        seed = self.random.randrange(1 << 30)
        report = generate_reports(frame, self.weights, n=1, days=1, end=utcnow(), seed=seed)[0]
        story = draw_story(self.random)
        category = self.lifecycle.categories[report.category]
        body = report_body(report, story.source, category, self.random).model_copy(
            update={"external_id": None}
        )
        reporter = reporter_for(story.source, small.parent_code or small.code)
        with self.context.db.write_session() as session:
            intake(session, self.context, body, reporter)

    def advance(self, incident_id: int) -> Action | None:
        """One step forward for one case, as a fresh story asks; the action done, if any."""
        now = utcnow()
        with self.context.db.write_session() as session:
            incident = session.get(Incident, incident_id)
            category = self.lifecycle.categories.get(incident.category_code) if incident else None
            if incident is None or category is None:
                return None
            _, snapshot = snapshot_now(session, self.context, incident, now)
            step = next_step(
                snapshot,
                allowed_actions(snapshot),
                draw_story(self.random),
                category=incident.category_code,
                unit=category.unit,
                departments=self.lifecycle.departments,
                rng=self.random,
            )
            if step is None:
                return None
            principal = principal_for(step.action, snapshot)
            try:
                act(session, self.context, incident_id, step.action, step.data, principal, now=now)
            except MinqingError as exc:  # a user may have moved the case in the meantime
                log.info("simulator step %s on case %s refused: %s", step.action, incident_id, exc)
                session.rollback()
                return None
            return step.action


def start_simulator(settings: Settings, *, seed: int) -> threading.Thread:
    """Run the simulator in a daemon thread beside the server."""
    simulator = Simulator(AppContext.build(settings), seed=seed)
    thread = threading.Thread(target=simulator.run, name="minqing-simulator", daemon=True)
    thread.start()
    return thread
