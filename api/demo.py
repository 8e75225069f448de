"""The 汕尾 demo: build the city and its history on first run; keep reports flowing."""

from __future__ import annotations

import csv
import logging
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import func
from sqlmodel import Session, col, select

from api.context import AppContext
from api.deps import Principal
from api.grids import level_counts, replace_level
from api.incidents import act as act_on
from api.incidents import (
    actor_of,
    case_number,
    event_for,
    intake,
    new_incident,
    report_event,
    snapshot_of,
    stage_limits,
    transition_changes,
)
from api.models import Category, Grid, Incident, IncidentCreate, IncidentEvent, utcnow
from api.reference import seed_demo_users, seed_reference
from api.settings import Settings
from api.workflow import ActionInput, StageLimits, Status, WorkflowError, apply
from geo.crs import to_wgs84
from geo.demo_city import build_demo_city
from geo.display import display_geometries
from geo.synthetic import CategorySpec, SyntheticIncident, generate_incidents, parse_duration

log = logging.getLogger("minqing.demo")

DEMO_COUNTS = {"large": 56, "medium": 868, "small": 4555}
HISTORY_DAYS = 90
HISTORY_INCIDENTS = 4000
DISPATCHER = Principal(username="dispatcher", full_name="指挥中心值班员", role="dispatcher")
OFFICER_ACTIONS = {"claim", "start", "handle", "return", "extend"}
GRIDWORKER_ACTIONS = {"resolve_on_site", "verify"}


def category_specs(settings: Settings) -> list[CategorySpec]:
    """The 小类 of ``categories.csv`` with their frequency weights."""
    with (settings.data_dir / "categories.csv").open(encoding="utf-8-sig") as handle:
        rows = [row for row in csv.DictReader(handle) if row["parent_code"]]
    return [
        CategorySpec(
            code=row["code"],
            name=row["name"],
            department=row["department"],
            weight=float(row["weight"] or 1),
            urgent=row["urgent"] == "1",
            handle_limit=parse_duration(row["handle_limit"]),
        )
        for row in rows
    ]


def demo_present(context: AppContext) -> bool:
    """Whether the store already holds the demo city and its history."""
    with context.db.session() as session:
        if level_counts(session) != DEMO_COUNTS:
            return False
        return bool(session.exec(select(func.count()).select_from(Incident)).one())


def ensure_demo(settings: Settings, *, seed: int, console: Console) -> None:
    """Upgrade the store and build the demo data unless it is already there."""
    context = AppContext.build(settings)
    context.db.upgrade()
    if demo_present(context):
        console.print("demo data present: 56 / 868 / 4,555 grids and their cases")
        return
    started = time.perf_counter()
    columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        city_task = progress.add_task("生成汕尾网格 building the city", total=1.0)
        city = build_demo_city(
            settings.data_dir / "shanwei",
            seed=seed,
            progress=lambda _step, share: progress.update(city_task, completed=share),
        )
        progress.update(city_task, completed=1.0)
        write_task = progress.add_task("写入网格 storing grids", total=3)
        with context.db.write_session() as session:
            for level in ("large", "medium", "small"):
                layer = city.layer(level)
                display = display_geometries(layer.geometry, level=level)
                replace_level(session, layer, level=level, display=display)
                progress.advance(write_task)
            seed_reference(session, settings.data_dir)
            seed_demo_users(
                session, password=settings.demo_password, medium_grids=list(city.medium["code"])
            )
        history_task = progress.add_task("生成事件 replaying cases", total=HISTORY_INCIDENTS)
        synthetic = generate_incidents(
            city.small,
            category_specs(settings),
            n=HISTORY_INCIDENTS,
            days=HISTORY_DAYS,
            end=utcnow(),
            seed=seed,
            place_names=dict(zip(city.medium["code"], city.medium["name"], strict=True)),
        )
        with context.db.write_session() as session:
            replay_history(
                session,
                context,
                synthetic,
                progress=lambda n: progress.update(history_task, completed=n),
            )
    console.print(
        f"demo built in {time.perf_counter() - started:.0f} s: 56 large, 868 medium, "
        f"4,555 small grids, {len(synthetic)} cases over {HISTORY_DAYS} days"
    )


def report_of(item: SyntheticIncident, *, with_external_id: bool = True) -> IncidentCreate:
    """The intake body a synthetic report stands for."""
    return IncidentCreate(
        category=item.category,
        description=item.description,
        lon=item.lon,
        lat=item.lat,
        crs=item.crs,
        source=item.source,
        reporter_name=item.reporter_name,
        reporter_phone=item.reporter_phone,
        address=item.address,
        external_id=item.external_id if with_external_id else None,
        urgent=item.urgent,
    )


def action_input_of(payload: Mapping[str, Any]) -> ActionInput:
    """A workflow input from a planned step's payload."""
    return ActionInput(
        department=payload.get("department"),
        co_departments=tuple(payload.get("co_departments", ())),
        reason=payload.get("reason"),
        result=payload.get("result"),
        passed=payload.get("passed"),
        rating=payload.get("rating"),
        hours=payload.get("hours"),
    )


def principal_for(action: str, incident: Incident) -> Principal:
    """Who does a planned step: the dispatcher, the department's officer, the grid worker."""
    if action in OFFICER_ACTIONS and incident.department_code:
        department = incident.department_code
        return Principal(
            username=f"officer_{department}",
            full_name="承办人",
            role="officer",
            department=department,
        )
    if action in GRIDWORKER_ACTIONS:
        return Principal(
            username=f"gridworker_{incident.medium_code}",
            full_name="网格员",
            role="gridworker",
            grid_codes=frozenset({incident.medium_code}),
        )
    return DISPATCHER


def replay_history(
    session: Session,
    context: AppContext,
    synthetic: Sequence[SyntheticIncident],
    *,
    progress: Callable[[int], None] | None = None,
    batch_size: int = 500,
) -> int:
    """Store synthetic cases as if they had gone through the loop, by the same rules.

    Every planned step runs through :func:`api.workflow.apply` and
    :func:`api.incidents.transition_changes`; a step the rules refuse ends that case's
    history there.  Writes in batches inside the caller's transaction.
    """
    categories = {c.code: c for c in session.exec(select(Category)).all()}
    limits = {code: stage_limits(c) for code, c in categories.items() if c.parent_code}
    index = context.grid_index.get(session)
    assert index is not None, "grids must be stored before the history"
    lon, lat = to_wgs84([s.lon for s in synthetic], [s.lat for s in synthetic], "gcj02")
    assigned = index.assign(np.asarray(lon), np.asarray(lat))
    stored = 0
    for start in range(0, len(synthetic), batch_size):
        batch: list[tuple[Incident, list[IncidentEvent]]] = []
        for i in range(start, min(start + batch_size, len(synthetic))):
            if not assigned.inside[i]:
                continue
            item = synthetic[i]
            grid = (assigned.small[i], assigned.medium[i], assigned.large[i])
            batch.append(
                _replay_one(
                    item,
                    categories[item.category],
                    limits[item.category],
                    grid,
                    float(lon[i]),
                    float(lat[i]),
                    context,
                )
            )
        session.add_all([incident for incident, _ in batch])
        session.flush()
        for incident, events in batch:
            assert incident.id is not None
            incident.case_no = case_number(
                context.settings.case_prefix, incident.id, incident.reported_at, context.calendar
            )
            for event in events:
                event.incident_id = incident.id
            session.add_all(events)
        session.flush()
        stored += len(batch)
        if progress:
            progress(min(start + batch_size, len(synthetic)))
    return stored


def _replay_one(
    item: SyntheticIncident,
    category: Category,
    limits: StageLimits,
    grid: tuple[str, str, str],
    lon: float,
    lat: float,
    context: AppContext,
) -> tuple[Incident, list[IncidentEvent]]:
    data = report_of(item)
    incident = new_incident(
        data,
        category=category,
        lon=lon,
        lat=lat,
        grid=grid,
        calendar=context.calendar,
        now=item.reported_at,
    )
    reporter = Principal(
        username=f"gridworker_{grid[1]}" if item.source == "patrol" else "dispatcher",
        full_name="",
        role="gridworker" if item.source == "patrol" else "dispatcher",
    )
    # incident ids are set on the events once the batch is flushed
    events = [report_event(0, incident, data, reporter, category_name=category.name)]
    for step in item.plan:
        at = item.reported_at + step.offset
        principal = principal_for(step.action, incident)
        action_input = action_input_of(step.payload)
        try:
            transition = apply(
                snapshot_of(incident), step.action, actor_of(principal), action_input
            )
        except WorkflowError:
            log.debug("plan of %s stops at %s", item.external_id, step.action)
            break
        changes = transition_changes(
            incident,
            transition,
            limits=limits,
            calendar=context.calendar,
            now=at,
        )
        for key, value in changes.items():
            setattr(incident, key, value)
        events.append(
            event_for(
                0,
                len(events) + 1,
                transition,
                principal,
                action_input,
                due_at=changes.get("stage_due_at"),
                at=at,
            )
        )
    return incident, events


# ------------------------------------------------------------------ live simulation

NEXT_STEP: dict[str, list[tuple[str, dict[str, object], float]]] = {
    Status.reported.value: [("accept", {}, 0.93), ("reject", {"reason": "不属于受理范围"}, 0.07)],
    Status.dispatched.value: [("claim", {}, 0.95), ("return", {"reason": "非本部门职责"}, 0.05)],
    Status.claimed.value: [("start", {}, 1.0)],
    Status.in_progress.value: [("handle", {"result": "已现场处置完毕"}, 1.0)],
    Status.handled.value: [
        ("verify", {"passed": True}, 0.9),
        ("verify", {"passed": False, "reason": "现场复核未整改到位"}, 0.1),
    ],
    Status.verified.value: [("close", {}, 1.0)],
    Status.closed.value: [
        ("rate", {"rating": "满意"}, 0.85),
        ("rate", {"rating": "基本满意"}, 0.12),
        ("rate", {"rating": "不满意"}, 0.03),
    ],
}


class Simulator:
    """New reports and loop progress every few seconds, so the big screen stays alive."""

    def __init__(self, context: AppContext, *, seed: int, interval_s: float = 4.0) -> None:
        self.context = context
        self.random = random.Random(seed)
        self.interval_s = interval_s
        self.stop = threading.Event()
        self.specs = category_specs(context.settings)

    def run(self) -> None:
        """Loop until stopped; a failed tick is logged and the loop goes on."""
        while not self.stop.wait(self.interval_s):
            try:
                self.tick()
            except Exception:  # noqa: BLE001 - a demo helper must never take the server down
                log.exception("simulator tick failed")

    def tick(self) -> None:
        """One new report, and one step forward for a few open cases."""
        now = utcnow()
        with self.context.db.session() as session:
            small = session.exec(
                select(Grid).where(Grid.level == "small").order_by(func.random()).limit(1)
            ).first()
            open_ids = session.exec(
                select(Incident.id)
                .where(col(Incident.status).in_(list(NEXT_STEP)) | (Incident.status == "accepted"))
                .order_by(col(Incident.updated_at))
                .limit(40)
            ).all()
        if small is not None:
            synthetic = generate_incidents(
                _one_grid_frame(small),
                self.specs,
                n=1,
                days=1,
                end=now,
                seed=self.random.randrange(1 << 30),
            )[0]
            body = report_of(synthetic, with_external_id=False)
            with self.context.db.write_session() as session:
                intake(session, self.context, body, DISPATCHER)
        candidates = [i for i in open_ids if i is not None]
        for incident_id in self.random.sample(candidates, k=min(3, len(candidates))):
            self._advance(incident_id)

    def _advance(self, incident_id: int) -> None:
        with self.context.db.write_session() as session:
            incident = session.get(Incident, incident_id)
            if incident is None:
                return
            payload: Mapping[str, object]
            if incident.status == Status.accepted.value:
                category = session.get(Category, incident.category_code)
                department = category.department_code if category else None
                action, payload = "dispatch", {"department": department or "cgj"}
            else:
                options = NEXT_STEP.get(incident.status, [])
                if not options:
                    return
                weights = [weight for *_, weight in options]
                action, payload, _ = self.random.choices(options, weights=weights)[0]
            principal = principal_for(action, incident)
            try:
                act_on(
                    session, self.context, incident_id, action, action_input_of(payload), principal
                )
            except Exception:  # noqa: BLE001 - refused steps are normal in a random walk
                session.rollback()


def _one_grid_frame(grid: Grid) -> object:
    import geopandas as gpd

    return gpd.GeoDataFrame(
        {"code": [grid.code], "households": [grid.households or 400]},
        geometry=[grid.geom],
        crs="EPSG:4326",
    )


def start_simulator(settings: Settings, *, seed: int) -> threading.Thread:
    """Run the simulator in a daemon thread beside the server."""
    simulator = Simulator(AppContext.build(settings), seed=seed)
    thread = threading.Thread(target=simulator.run, name="minqing-simulator", daemon=True)
    thread.start()
    return thread
