"""The demo's past: synthetic reports taken in and played through the real closed loop.

Each case is reported with :func:`api.cases.intake.intake` and moved on with
:func:`api.cases.actions.act`, at the moments :mod:`api.demo.pace` picks, by the cast of
:mod:`api.demo.cast`, one step at a time as its :class:`~api.demo.story.Story` asks among
the actions the workflow allows, until nothing is left to do or the next step would fall
after ``end``. Each step reads the case as the service sees it
(:func:`api.cases.actions.snapshot_now`), so the workflow, not the demo, says what each step
leads to and what may come next.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from api.cases.actions import act, snapshot_now
from api.cases.intake import intake
from api.cases.schemas import IncidentCreate
from api.catalog import CategoryRow
from api.context import AppContext
from api.demo.cast import principal_for, reporter_for
from api.demo.pace import moment_for
from api.demo.story import Step, Story, draw_story, next_step
from api.demo.texts import describe
from api.exceptions import InvalidInput
from api.models import Category, Incident, Unit
from api.vocabulary import Source
from api.workflow import CaseSnapshot, allowed_actions
from geo.synthetic import SyntheticReport

__all__ = [
    "MAX_STEPS",
    "DemoCase",
    "Lifecycle",
    "play_case",
    "plan_cases",
    "replay_history",
    "story_of",
]

MAX_STEPS = 60
"""A guard: no story has more steps than this."""


@dataclass(frozen=True)
class DemoCase:
    """A synthetic report with the story it will live through."""

    report: SyntheticReport
    story: Story

    @property
    def seed(self) -> str:
        """The seed of the case's random choices, from its external id (the same every run)."""
        return _seed_of(self.report.external_id)


@dataclass(frozen=True)
class Lifecycle:
    """The reference data a case's story needs: its category and the departments."""

    categories: dict[str, CategoryRow]
    departments: tuple[str, ...]

    @classmethod
    def of(cls, categories: Sequence[CategoryRow]) -> Lifecycle:
        """From the rows of ``categories.csv`` (only 小类 are kept)."""
        reportable = {c.code: c for c in categories if c.reportable}
        departments = sorted({c.unit for c in reportable.values() if c.unit})
        return cls(reportable, tuple(departments))

    def next_step(
        self, snapshot: CaseSnapshot, story: Story, category: CategoryRow, rng: random.Random
    ) -> Step | None:
        """The step ``story`` takes next for a case of ``category``, among those allowed now."""
        return next_step(
            snapshot,
            allowed_actions(snapshot),
            story,
            category=category.code,
            unit=category.unit,
            departments=self.departments,
            rng=rng,
        )


def _seed_of(external_id: str) -> str:
    return f"story-{external_id}"


def story_of(external_id: str) -> Story:
    """The story the history plans for the report with this external id (the same every run)."""
    return draw_story(random.Random(_seed_of(external_id)))


def plan_cases(reports: Sequence[SyntheticReport]) -> list[DemoCase]:
    """Draw a story for each report, seeded by its external id (the same every run)."""
    return [DemoCase(r, story_of(r.external_id)) for r in reports]


def report_body(
    report: SyntheticReport, source: Source, category: CategoryRow, rng: random.Random
) -> IncidentCreate:
    """The intake body of a synthetic report (patrol reports signed by the grid worker)."""
    patrol = source is Source.patrol and report.grid_worker
    return IncidentCreate(
        category=report.category,
        description=describe(category.name, report.place, rng),
        lon=report.lon,
        lat=report.lat,
        crs=report.crs,
        source=source.value,
        reporter_name=report.grid_worker if patrol else report.reporter_name,
        reporter_phone=report.reporter_phone,
        address=report.address,
        external_id=report.external_id,
    )


def play_case(
    session: Session,
    context: AppContext,
    case: DemoCase,
    lifecycle: Lifecycle,
    *,
    end: datetime,
) -> Incident | None:
    """Report one case and play its story through the workflow up to ``end``.

    Returns
    -------
    Incident or None
        The stored case as it stands at ``end``; None when the report lies outside every
        stored grid (intake refuses it).
    """
    rng = random.Random(case.seed)
    report, story = case.report, case.story
    category = lifecycle.categories[report.category]
    body = report_body(report, story.source, category, rng)
    reporter = reporter_for(story.source, report.medium_code)
    try:
        incident = intake(session, context, body, reporter, now=report.reported_at).incident
    except InvalidInput as exc:
        if exc.context.get("field") != "lon,lat":
            raise
        return None  # the point lies outside the stored grids: a report from elsewhere
    now = report.reported_at
    for _ in range(MAX_STEPS):
        assert incident.id is not None
        _, snapshot = snapshot_now(session, context, incident, now)
        step = lifecycle.next_step(snapshot, story, category, rng)
        if step is None:
            break
        at = moment_for(
            step.action, incident, now=now, late=step.late, calendar=context.calendar, rng=rng
        )
        if at > end:
            break
        principal = principal_for(step.action, snapshot)
        incident = act(session, context, incident.id, step.action, step.data, principal, now=at)
        now = at
    return incident


def replay_history(
    session: Session,
    context: AppContext,
    cases: Sequence[DemoCase],
    lifecycle: Lifecycle,
    *,
    end: datetime,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Play every case in the caller's transaction; returns how many were stored.

    Raises
    ------
    api.exceptions.MinqingError
        When the service refuses a report or a step: a story asked for something the
        rules do not allow, which is a bug of the demo.
    """
    # Keep the reference rows loaded: the session's identity map holds objects weakly, and
    # every step of the service looks its category (and, on dispatch, unit) up by key.
    reference = [*session.exec(select(Category)).all(), *session.exec(select(Unit)).all()]
    stored = 0
    for done, case in enumerate(cases, start=1):
        stored += play_case(session, context, case, lifecycle, end=end) is not None
        if progress is not None and (done % 100 == 0 or done == len(cases)):
            progress(done)
    del reference
    return stored
