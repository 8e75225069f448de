"""A played history on the mini city for the statistics tests (smaller than the demo city)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from api.catalog import read_categories
from api.context import AppContext
from api.demo import Lifecycle, plan_cases, replay_history
from api.workflow import SHANGHAI
from geo.synthetic import generate_reports
from tests.city import mini_city

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
END = datetime(2026, 11, 20, 12, tzinfo=SHANGHAI)
DAYS = 90


def play_history(context: AppContext, *, n: int = 240, seed: int = 9) -> int:
    """Report ``n`` cases over the ``DAYS`` before ``END`` and play their stories."""
    lifecycle = Lifecycle.of(read_categories(DATA_DIR))
    small = mini_city()["small"].assign(
        staff=lambda f: [{"网格员": f"网格员{c}"} for c in f["code"]]
    )
    weights = {code: c.weight for code, c in lifecycle.categories.items()}
    reports = generate_reports(small, weights, n=n, days=DAYS, end=END, seed=seed)
    with context.db.write_session() as session:
        return replay_history(session, context, plan_cases(reports), lifecycle, end=END)
