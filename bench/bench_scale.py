"""Province scale: how the service's reads and intake grow from 10⁴ to 10⁷ cases on PostGIS.

Run ``python -m bench.bench_scale [--sizes 1e4,1e5,1e6,1e7]`` with
``MINQING_BENCH_POSTGIS_URL`` naming a PostGIS database it may empty. It writes the synthetic
province of :mod:`bench.province` (≈ 100,000 small grids), then grows its case archive
through the sizes with ``COPY`` and, at each size, times through the app in process (routing,
token, filters, encoding all in) the median of ``--repeat`` calls of:

- **intake**: a dispatcher files a case (point → small grid, duplicate search, events);
- **map query**: the analyst's filtered map of one county (GeoJSON, one 大类, the last 30
  days, ``limit=2000``);
- **per-grid aggregate**: the wall's open cases counted per small grid, province-wide;
- **indicators**: the wall's counters (``/api/stats/summary``) and the unit ranking
  (``/api/stats/units``) over the 30-day window;
- **live feed**: the catch-up read of a reconnecting wall (``/api/events``, 200 events).

It prints the table with each figure's ratio to its value at 10⁵ and writes the growth plot
(log-log, ``--plot``, by default ``docs/scale-growth.png``). ``make bench`` runs it as is:
about half an hour on two cores, most of it the ``COPY`` to 10⁷ and its indexes;
``--sizes 1e4,1e5`` for a quick look.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.app import create_app
from api.context import AppContext
from api.settings import Settings
from api.workflow import OPEN_STATUSES
from bench.province import Archive, ProvinceShape, grow_archive, prepare_province

__all__ = ["MEASURES", "ScaleRow", "main", "measure_at"]

MEASURES = ("intake", "map query", "per-grid aggregate", "indicators", "live feed")
CATEGORY = "02"
"""The 大类 of the map query (community safety: the most reported)."""


@dataclass
class ScaleRow:
    """The median seconds of each measure at one archive size, and what was answered."""

    size: int
    seconds: dict[str, float] = field(default_factory=dict)
    answered: dict[str, int] = field(default_factory=dict)
    load_s: float = 0.0


def _median(repeat: int, call: Callable[[], Any]) -> tuple[float, Any]:
    times, result = [], None
    call()  # warm: the grid index, the plans, the caches of the first call
    for _ in range(repeat):
        started = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def _token(client: TestClient, username: str, password: str) -> dict[str, str]:
    response = client.post("/api/auth/token", data={"username": username, "password": password})
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _ok(response: Any) -> Any:
    if response.status_code >= 400:
        raise RuntimeError(f"{response.request.url}: {response.status_code} {response.text[:300]}")
    return response.json()


def _county_bbox(context: AppContext) -> str:
    with context.db.engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT min(minx), min(miny), max(maxx), max(maxy) FROM grid "
                "WHERE level = 'large' AND code LIKE '440001%'"
            )
        ).one()
    return ",".join(f"{v:.6f}" for v in row)


def measure_at(
    client: TestClient, context: AppContext, size: int, repeat: int, rng: np.random.Generator
) -> ScaleRow:
    """Every measure at the store's present size."""
    password = context.settings.demo_password
    dispatcher = _token(client, "dispatcher", password)
    analyst, screen = _token(client, "analyst", password), _token(client, "screen", password)
    row = ScaleRow(size)
    west, south, east, north = (float(v) for v in _county_bbox(context).split(","))
    since = (datetime.now(UTC) - timedelta(days=30)).isoformat()

    def intake() -> Any:
        lon, lat = rng.uniform(109.8, 117.2), rng.uniform(20.3, 25.4)
        body = {
            "category": "0201",
            "description": "楼道内电动车飞线充电",
            "lon": lon,
            "lat": lat,
            "crs": "wgs84",
            "source": "hotline",
            "reporter_name": "张三",
            "reporter_phone": "13812345678",
        }
        return _ok(client.post("/api/incidents", json=body, headers=dispatcher))

    open_statuses = [s.value for s in OPEN_STATUSES]
    calls: dict[str, Callable[[], Any]] = {
        "intake": intake,
        "map query": lambda: _ok(
            client.get(
                "/api/incidents",
                params={
                    "format": "geojson",
                    "bbox": f"{west},{south},{east},{north}",
                    "category": CATEGORY,
                    "reported_from": since,
                    "limit": 2000,
                },
                headers=analyst,
            )
        ),
        "per-grid aggregate": lambda: _ok(
            client.get(
                "/api/incidents",
                params={"format": "geojson", "aggregate": "small", "status": open_statuses},
                headers=screen,
            )
        ),
        "indicators": lambda: (
            _ok(client.get("/api/stats/summary", headers=screen)),
            _ok(client.get("/api/stats/units", headers=screen)),
        ),
        "live feed": lambda: _ok(
            client.get(
                "/api/events",
                params={"after": max(0, latest - 200), "limit": 200},
                headers=screen,
            )
        ),
    }
    latest = int(_ok(client.get("/api/events", headers=screen))["last_event_id"])
    for name in MEASURES:
        seconds, answer = _median(repeat, calls[name])
        row.seconds[name] = seconds
        row.answered[name] = _answered(name, answer)
    return row


def _answered(name: str, answer: Any) -> int:
    """How much the last call answered: features, grids, cases or events."""
    if name == "intake":
        return 1
    if name == "indicators":
        return int(answer[0]["now"]["open"])
    if name == "live feed":
        return len(answer["items"])
    if name == "per-grid aggregate":
        return sum(int(f["properties"]["count"]) for f in answer["features"])
    return int(answer.get("numberMatched", len(answer["features"])))


def report(rows: list[ScaleRow]) -> str:
    """The table: the median of each measure at each size, and its ratio to 10⁵."""
    base = next((r for r in rows if r.size == 100_000), rows[0])
    head = "| measure | " + " | ".join(f"{r.size:,} cases" for r in rows) + " | growth |"
    lines = [head, "|---" * (len(rows) + 2) + "|"]
    for name in MEASURES:
        cells = [f"{r.seconds[name] * 1000:,.1f} ms" for r in rows]
        growth = rows[-1].seconds[name] / base.seconds[name]
        lines.append(f"| {name} | " + " | ".join(cells) + f" | **{growth:.2f}×** |")
    answered = [f"{r.answered['map query']:,} / {r.answered['per-grid aggregate']:,}" for r in rows]
    lines.append("| matched: map / open counted | " + " | ".join(answered) + " | |")
    lines.append("| load to this size (COPY, indexes, ANALYZE) | "
                 + " | ".join(f"{r.load_s:,.0f} s" for r in rows) + " | |")  # fmt: skip
    return "\n".join(lines)


def plot(rows: list[ScaleRow], path: Path) -> None:
    """The growth plot: the median of each measure against the archive size, log-log."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [r.size for r in rows]
    figure, axes = plt.subplots(figsize=(8, 5), dpi=120)
    for name in MEASURES:
        axes.plot(sizes, [r.seconds[name] * 1000 for r in rows], marker="o", label=name)
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("cases in the archive")
    axes.set_ylabel("median time per call (ms)")
    axes.set_title("Province scale (≈100,000 small grids, PostGIS): growth with the archive")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path)


def run(settings: Settings, sizes: list[int], shape: ProvinceShape, repeat: int) -> list[ScaleRow]:
    """Write the province, grow the archive through ``sizes``, measure at each."""
    print(f"writing the province ({shape.small_grids:,} small grids)")
    context = prepare_province(settings, shape)
    archive = Archive(capacity=max(sizes), now=datetime.now(UTC).replace(microsecond=0))
    rows, held, rng = [], 0, np.random.default_rng(7)
    for size in sizes:
        print(f"growing the archive to {size:,} cases")
        load_s = grow_archive(context, archive, held=held, size=size)
        held = size
        with TestClient(create_app(settings, dashboard=False)) as client:
            row = measure_at(client, context, size, repeat, rng)
        row.load_s = load_s
        rows.append(row)
        print("  " + ", ".join(f"{k} {v * 1000:.1f} ms" for k, v in row.seconds.items()))
    context.db.dispose()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="1e4,1e5,1e6,1e7", help="archive sizes, comma-separated")
    parser.add_argument("--postgis-url", default=os.environ.get("MINQING_BENCH_POSTGIS_URL", ""))
    parser.add_argument("--repeat", type=int, default=7, help="timed calls of each (median)")
    parser.add_argument(
        "--plot", type=Path, default=Path("docs/scale-growth.png"), help="the growth plot (PNG)"
    )
    parser.add_argument("--dir", type=Path, default=Path("/tmp/minqing-bench-scale"))
    args = parser.parse_args(argv)
    if not args.postgis_url:
        print("bench_scale: skipped, set MINQING_BENCH_POSTGIS_URL (its tables are dropped)")
        return 0
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    print(
        f"{datetime.now(UTC):%Y-%m-%d}, python {platform.python_version()}, "
        f"{os.cpu_count()} cpus, load average {os.getloadavg()[0]:.1f}"
    )
    settings = Settings(
        database_url=args.postgis_url, runtime_dir=args.dir, secret_key="bench-scale-secret"
    )
    rows = run(settings, sizes, ProvinceShape(), args.repeat)
    print(report(rows))
    plot(rows, args.plot)
    print(f"plot: {args.plot}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
