"""Build the 汕尾 demo on first run: the city's grids, reference data, users and history."""

from __future__ import annotations

import time

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import func
from sqlmodel import select

from api.catalog import read_categories
from api.context import AppContext
from api.demo.history import Lifecycle, plan_cases, replay_history
from api.grids import level_counts, replace_level
from api.models import Incident, utcnow
from api.reference import seed_demo_users, seed_reference, seed_township_units
from api.settings import Settings
from geo.demo_city import DemoCity, build_demo_city
from geo.display import display_geometries
from geo.synthetic import generate_reports

__all__ = ["DEMO_COUNTS", "HISTORY_DAYS", "HISTORY_INCIDENTS", "demo_present", "ensure_demo"]

DEMO_COUNTS = {"large": 56, "medium": 868, "small": 4555}
HISTORY_DAYS = 90
HISTORY_INCIDENTS = 4000


def demo_present(context: AppContext) -> bool:
    """Whether the store already holds the demo city and its history."""
    with context.db.session() as session:
        if level_counts(session) != DEMO_COUNTS:
            return False
        return bool(session.exec(select(func.count()).select_from(Incident)).one())


def _store_city(
    context: AppContext, city: DemoCity, settings: Settings, progress: Progress
) -> None:
    task = progress.add_task("写入网格 storing grids", total=3)
    with context.db.write_session() as session:
        for level in ("large", "medium", "small"):
            layer = city.layer(level)
            display = display_geometries(layer.geometry, level=level)
            replace_level(session, layer, level=level, display=display)
            progress.advance(task)
        seed_reference(session, settings.data_dir)
        seed_township_units(session)
        seed_demo_users(session, password=settings.demo_password)


def _store_history(
    context: AppContext, city: DemoCity, settings: Settings, *, seed: int, progress: Progress
) -> int:
    lifecycle = Lifecycle.of(read_categories(settings.data_dir))
    end = utcnow()
    reports = generate_reports(
        city.small,
        {code: category.weight for code, category in lifecycle.categories.items()},
        n=HISTORY_INCIDENTS,
        days=HISTORY_DAYS,
        end=end,
        seed=seed,
        place_names=dict(zip(city.medium["code"], city.medium["name"], strict=True)),
    )
    task = progress.add_task("生成事件 replaying cases", total=len(reports))
    with context.db.write_session() as session:
        return replay_history(
            session,
            context,
            plan_cases(reports),
            lifecycle,
            end=end,
            progress=lambda n: progress.update(task, completed=n),
        )


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
        _store_city(context, city, settings, progress)
        stored = _store_history(context, city, settings, seed=seed, progress=progress)
    console.print(
        f"demo built in {time.perf_counter() - started:.0f} s: 56 large, 868 medium, "
        f"4,555 small grids, {stored} cases over {HISTORY_DAYS} days"
    )
