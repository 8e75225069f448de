"""The big screen in headless Chromium: first paint of /screen and the transition latency.

Run ``python -m bench.bench_screen [--cases 80000] [--repeat 5] [--transitions 10]``.  It
loads ``--cases`` cases into an SQLite store over the 4,555 small grids of the 汕尾 demo city
(:func:`bench.caseload.prepare_store`; 80,000 leave about 21,600 open, more than the wall's
20,000 points), serves the app in its own uvicorn process (the wall's account configured,
``MINQING_MAP_POINTS_MAX=20000``, the deadline sweep off so no 督办 events flood the feed)
and drives Debian's Chromium through Playwright, a fresh browser context (cold cache) per load:

1. First paint: navigation start to the map loaded with every trace and all its points, for
   ``/screen`` and for the baseline, a bare page from the same server that loads the same
   ``plotly.min.js``, fetches the same small-grid layer and the same case pages from the API
   and calls ``Plotly.newPlot`` once (:mod:`bench.screen_pages`).  Alternated (bare page,
   then wall) after ``--warmup`` untimed rounds; median and best of ``--repeat``, with the
   bytes the browser received.
2. Transition latency: on the wall of the last load, a grid worker files ``--transitions``
   cases through the API, one at a time; from the request's start to the case's arrival on a
   bare ``EventSource`` opened in the same page (the baseline), at its point in the map's
   cases trace, and at its ticker line.  Median and max.

Ratios are the wall over the baseline, taken in the same run (the machine is shared).  No bar:
the script reports and exits 0 (1 if a page never paints); without Chromium it says so.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import col, select

from api.models import Grid
from api.settings import Settings
from bench.caseload import prepare_store
from bench.screen_pages import (
    ARRIVED,
    BARE_GRAPH,
    DRAWN,
    PAINTED,
    SCREEN_GRAPH,
    TRANSFERRED,
    WALL_FEED,
    WATCH,
    case_query,
    write_bare_page,
)
from bench.screen_results import Load, ScreenBench, Transition, report
from bench.servers import ROOT, ServerProcess
from dashboard import figures
from dashboard.client import ApiClient
from dashboard.geodata import grid_layer

VIEWPORT = {"width": 1920, "height": 1080}
MAP_POINTS_MAX = 20_000
"""The wall's points at most (``dashboard.pages.screen``, which cannot be imported alone)."""


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cases", type=int, default=80_000, help="cases loaded (27 %% open)")
    parser.add_argument("--grids", choices=("demo", "lattice"), default="demo")
    parser.add_argument("--dir", type=Path, default=Path("/tmp/minqing-bench-screen"))
    parser.add_argument("--repeat", type=int, default=5, help="timed loads of each page")
    parser.add_argument("--warmup", type=int, default=1, help="untimed loads of each first")
    parser.add_argument("--transitions", type=int, default=10, help="cases filed one by one")
    parser.add_argument("--pause", type=float, default=1.0, help="seconds between filings")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds a page may take")
    parser.add_argument("--reuse", action="store_true", help="keep a store of --cases cases")
    return parser.parse_args(argv)


def _report_spots(settings: Settings, loaded: Any) -> tuple[str, list[tuple[float, float]]]:
    """A grid worker's username and the label points of the small grids of its medium grid."""
    with loaded.context.db.session() as session:
        rows = session.exec(
            select(Grid.parent_code, Grid.label_lon, Grid.label_lat)
            .where(col(Grid.level) == "small")
            .order_by(col(Grid.code))
        ).all()
    medium = rows[len(rows) // 2][0]
    return f"gridworker_{medium}", [(lon, lat) for code, lon, lat in rows if code == medium]


def _server(settings: Settings, static: Path) -> ServerProcess:
    env = {
        "MINQING_DATABASE_URL": settings.database_url,
        "MINQING_RUNTIME_DIR": str(settings.runtime_dir),
        "MINQING_SECRET_KEY": settings.secret_key,
        "MINQING_SCREEN_USER": "screen",
        "MINQING_SCREEN_PASSWORD": settings.demo_password,
        "MINQING_MAP_POINTS_MAX": str(MAP_POINTS_MAX),
        "MINQING_SUPERVISE_EVERY_S": "0",
        "MINQING_BENCH_STATIC": str(static),
        "PYTHONPATH": str(ROOT),
    }
    return ServerProcess(["--factory", "bench.screen_pages:screen_app"], env)


def _token(http: httpx.Client, username: str, password: str) -> str:
    response = http.post("/api/auth/token", data={"username": username, "password": password})
    response.raise_for_status()
    return str(response.json()["access_token"])


def _painted(page: Any, graph: str, traces: int, points: int, timeout: float) -> float:
    """Milliseconds from navigation start to the painted map; RuntimeError after ``timeout``."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        arg = [graph, traces, traces - 1, points]  # the points are the last trace of both
        return float(page.wait_for_function(PAINTED, arg=arg, timeout=timeout * 1000).json_value())
    except PlaywrightTimeout:
        drawn = page.evaluate(DRAWN, graph)
        raise RuntimeError(
            f"{page.url.split('#')[0]}: no map with {traces} traces and {points:,} points "
            f"after {timeout:.0f} s; it holds {drawn}"
        ) from None


def load_page(
    browser: Any, url: str, graph: str, traces: int, points: int, timeout: float, *, keep: bool
) -> tuple[Load, Any]:
    """Open ``url`` in a fresh context and wait until its map is painted with ``points``.

    With ``keep`` the page stays open and is returned too (close its ``context`` after use).
    """
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(WALL_FEED)
    problems: list[str] = []
    try:
        page = context.new_page()
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(url, wait_until="commit")
        painted = _painted(page, graph, traces, points, timeout)
        sizes = page.evaluate(TRANSFERRED)
    except BaseException:
        context.close()
        raise
    if not keep:
        context.close()
    load = Load(
        "screen" if graph == SCREEN_GRAPH else "bare",
        painted,
        int(sizes["transfer"]),
        int(sizes["decoded"]),
        int(sizes["requests"]),
        int(sizes["data_bytes"]),
        float(sizes["data_at"]),
        float(sizes["grids_at"]),
        tuple(problems),
    )
    return load, page if keep else None


def _map_size(browser: Any, url: str, timeout: float) -> tuple[int, int]:
    """The wall's map size in pixels, once laid out (the bare page draws one as large)."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        page.goto(url)
        page.wait_for_selector(SCREEN_GRAPH, state="attached", timeout=timeout * 1000)
        box = page.locator(SCREEN_GRAPH).bounding_box()
    finally:
        context.close()
    return round(box["width"]), round(box["height"])


def transitions(
    page: Any,
    token: str,
    reporter: tuple[str, str, list[tuple[float, float]]],
    args: argparse.Namespace,
) -> list[Transition]:
    """File ``args.transitions`` cases one by one on the painted wall ``page``; time arrivals."""
    base = page.url.split("/screen")[0]
    found: list[Transition] = []
    try:
        page.wait_for_selector("#screen-live.on", timeout=args.timeout * 1000)
        with httpx.Client(base_url=base, timeout=60) as http:
            auth = {"Authorization": f"Bearer {token}"}
            latest = http.get("/api/events", headers=auth).json()["last_event_id"]
            page.evaluate(WATCH, [token, latest, SCREEN_GRAPH, figures.CASES_TRACE])
            page.wait_for_function("() => window.__bench.open", timeout=30_000)
            page.wait_for_timeout(500)
            user, password, spots = reporter
            headers = {"Authorization": f"Bearer {_token(http, user, password)}"}
            for number in range(args.transitions):
                lon, lat = spots[number % len(spots)]
                body = {
                    "category": "0201",
                    "description": f"大屏延迟测量 {number + 1}: 楼道飞线充电",
                    "lon": lon,
                    "lat": lat,
                    "crs": "wgs84",
                    "source": "patrol",
                }
                start = time.time() * 1000
                response = http.post("/api/incidents", json=body, headers=headers)
                answered = time.time() * 1000 - start
                response.raise_for_status()
                case = response.json()
                feed, own, point, ticker, call = page.wait_for_function(
                    ARRIVED, arg=[case["id"], case["case_no"]], timeout=args.timeout * 1000
                ).json_value()
                found.append(
                    Transition(
                        case["case_no"],
                        answered,
                        feed - start,
                        own - start,
                        point - start,
                        ticker - start,
                        None if call is None else call - start,
                    )
                )
                time.sleep(args.pause)
    finally:
        page.context.close()
    return found


def measure(args: argparse.Namespace) -> ScreenBench | None:
    """Load the store, serve it, and take both measurements (None without Chromium)."""
    from tests.browser import CHROMIUM_FLAGS, chromium_path

    executable = chromium_path()
    if executable is None:
        print("NOT MEASURED: Chromium not installed (apt-get install chromium)")
        return None
    from playwright.sync_api import sync_playwright

    args.dir.mkdir(parents=True, exist_ok=True)
    settings = Settings(
        database_url=f"sqlite:///{args.dir / 'bench_screen.db'}",
        runtime_dir=args.dir,
        secret_key="bench-screen-secret",
    )
    print(f"loading {args.cases:,} cases ({args.grids} grids)")
    loaded = prepare_store(settings, n=args.cases, grid_set=args.grids, reuse=args.reuse)
    user, spots = _report_spots(settings, loaded)
    with loaded.context.db.session() as session:
        grids = len(session.exec(select(Grid.code).where(col(Grid.level) == "small")).all())
    loaded.context.db.dispose()
    static = args.dir / "static"
    static.mkdir(exist_ok=True)
    with _server(settings, static) as server, sync_playwright() as playwright:
        with httpx.Client(base_url=server.url, timeout=120) as http:
            token = _token(http, "screen", settings.demo_password)
            auth = {"Authorization": f"Bearer {token}"}
            matched = int(
                http.get(case_query(MAP_POINTS_MAX), headers=auth).json()["numberMatched"]
            )
        points = min(matched, MAP_POINTS_MAX)
        view = figures.view_of(
            grid_layer(ApiClient(server.url, token), "large").bbox, width_px=950, height_px=520
        )
        browser = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_FLAGS, headless=True
        )
        screen_url = f"{server.url}/screen"
        size = _map_size(browser, screen_url, args.timeout)
        bare_url = (
            f"{server.url}{write_bare_page(static, view=view, size=size, most=MAP_POINTS_MAX)}"
        )
        bare_url += f"#token={token}"
        loads: list[Load] = []
        rounds = args.warmup + args.repeat
        for round_ in range(rounds):
            bare, _ = load_page(browser, bare_url, BARE_GRAPH, 2, points, args.timeout, keep=False)
            last = round_ == rounds - 1  # the last wall stays open for the transitions
            traces = len(figures.MAP_TRACES)
            screen, wall = load_page(
                browser, screen_url, SCREEN_GRAPH, traces, points, args.timeout, keep=last
            )
            if round_ >= args.warmup:
                loads += [screen, bare]
        moved = transitions(wall, token, (user, settings.demo_password, spots), args)
        browser.close()
    return ScreenBench(
        grids,
        args.cases,
        matched,
        points,
        [load for load in loads if load.page == "screen"],
        [load for load in loads if load.page == "bare"],
        moved,
    )


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    print(
        f"python {platform.python_version()}, {os.cpu_count()} cpus, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    try:
        result = measure(args)
    except RuntimeError as error:
        print(f"FAIL: {error}", file=sys.stderr)
        return 1
    if result is None:
        return 0
    for line in report(result, args.repeat):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
