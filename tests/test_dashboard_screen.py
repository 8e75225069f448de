"""The big screen in a real headless browser: painted, filled, clean, and live.

One server and one page serve both tests (the page stays open: the second test reads the
live feed of the page the first one loaded).  The wall signs in as the mini city's
``screen`` account through the dashboard's settings.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from api.app import create_app
from api.context import AppContext
from dashboard import figures, theme
from tests.browser import chromium_page, painted, screenshot
from tests.city import install_mini_city
from tests.conftest import store_settings
from tests.driver import PASSWORD, act, login, report
from tests.server import running_server

pytestmark = pytest.mark.browser

MAP_GRAPH = "#screen-map .js-plotly-plot"
FIGURE = "document.querySelector('" + MAP_GRAPH + "')"
MAP_READY = f"""() => {{
    const g = {FIGURE};
    const m = g && g._fullLayout && g._fullLayout.map && g._fullLayout.map._subplot;
    return !!(m && m.map && m.map.loaded() && g.data.length === {len(figures.MAP_TRACES)});
}}"""
CASES = f"{FIGURE}.data[{figures.CASES_TRACE}]"
COUNT_STREAMS = """(() => {
    const Native = window.EventSource;
    window.__streams = [];
    window.EventSource = class extends Native {
        constructor(...args) { super(...args); window.__streams.push(args[0]); }
    };
})()"""
"""An init script: every ``EventSource`` the page opens is noted in ``window.__streams``."""


class Wall:
    """The open wall page, its base URL and what the browser reported."""

    def __init__(self, page: Any, base: str, problems: list[str]) -> None:
        self.page, self.base, self.problems = page, base, problems

    def point_colour(self, case_id: int) -> str | None:
        """The map's colour of case ``case_id``'s point, or None when it is not drawn."""
        return self.page.evaluate(
            f"""() => {{ const t = {CASES}; const i = t.customdata.indexOf({case_id});
                return i < 0 ? null : t.marker.color[i]; }}"""
        )


@pytest.fixture(scope="module")
def city_context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppContext]:
    """The mini city on the embedded store, for the whole module."""
    context = AppContext.build(store_settings("sqlite", tmp_path_factory.mktemp("screen")))
    context.db.upgrade()
    install_mini_city(context)
    yield context
    context.db.dispose()


@pytest.fixture(scope="module")
def wall(city_context: AppContext) -> Iterator[Wall]:
    """The mini city with three open cases, served, and ``/screen`` open in Chromium."""
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("MINQING_SCREEN_USER", "screen")
    monkeypatch.setenv("MINQING_SCREEN_PASSWORD", PASSWORD)
    with (
        running_server(create_app(city_context.settings)) as base,
        chromium_page(1920, 1080) as page,
    ):
        with httpx.Client(base_url=base, timeout=30) as http:
            worker = login(http, "gridworker_441502001001")
            for text in ("楼道飞线充电", "消防通道堆物", "路灯不亮"):
                report(http, worker, description=text)
        problems: list[str] = []
        page.on(
            "console",
            lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None,
        )
        page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
        page.add_init_script(COUNT_STREAMS)
        page.goto(f"{base}/screen")
        page.wait_for_function(MAP_READY, timeout=60_000)
        yield Wall(page, base, problems)
    monkeypatch.undo()


def test_the_wall_paints_its_map_and_fills_every_counter_without_errors(wall: Wall) -> None:
    page = wall.page
    drawn = painted(
        page,
        "#screen-map canvas.maplibregl-canvas",
        outline=(theme.ACCENT, 40),
        reported=(theme.status_colour("reported"), 40),
        background=(theme.SCREEN_BG, 8),
    )
    assert drawn["outline"] > 500, f"large-grid outlines drawn: {drawn} accent pixels"
    assert drawn["reported"] > 30, f"the three reported cases drawn: {drawn} orange pixels"
    assert drawn["background"] < drawn["total"] * 0.9, "the map is more than its background"

    page.wait_for_function(
        "() => [...document.querySelectorAll('.kpi-value')].every(v => v.innerText !== '…')",
        timeout=30_000,
    )
    values = page.locator(".kpi-value").all_inner_texts()
    assert len(values) == 8 and all(v[0].isdigit() or v == "—" for v in values), values
    assert values[0] == "3", f"今日上报 counts the three reports: {values}"
    page.wait_for_selector("#screen-ticker li")
    assert page.locator("#screen-ticker li").count() == 3
    screenshot(page, "screen-wall")
    assert wall.problems == []


def test_a_filed_case_and_its_claim_reach_the_wall_within_two_seconds(wall: Wall) -> None:
    page = wall.page
    page.wait_for_selector("#screen-live.on", timeout=30_000)
    with httpx.Client(base_url=wall.base, timeout=30) as http:
        dispatcher = login(http, "dispatcher")
        worker, officer = login(http, "gridworker_441502001001"), login(http, "officer_xfj")
        filed_at = time.monotonic()
        case = report(http, worker, description="井盖缺失")
        ticker = "document.querySelector('#screen-ticker').innerText"
        page.wait_for_function(f"() => {ticker}.includes('{case['case_no']}')", timeout=2_000)
        page.wait_for_function(f"() => {CASES}.customdata.includes({case['id']})", timeout=2_000)
        assert time.monotonic() - filed_at < 2.0
        assert wall.point_colour(case["id"]) == theme.status_colour("reported")

        act(http, dispatcher, case["id"], "accept")
        act(http, dispatcher, case["id"], "dispatch", unit="xfj")
        claimed_at = time.monotonic()
        act(http, officer, case["id"], "claim")
        claimed = theme.status_colour("claimed")
        page.wait_for_function(
            f"""() => {{ const t = {CASES}; const i = t.customdata.indexOf({case["id"]});
                return i >= 0 && t.marker.color[i] === '{claimed}'; }}""",
            timeout=2_000,
        )
        assert time.monotonic() - claimed_at < 2.0
    assert page.locator("#screen-ticker li").first.inner_text().endswith("签收")
    assert wall.problems == []


def test_the_wall_keeps_one_stream_and_shows_each_transition_once(wall: Wall) -> None:
    page = wall.page
    with httpx.Client(base_url=wall.base, timeout=30) as http:
        worker = login(http, "gridworker_441502001001")
        numbers = [report(http, worker, description=f"占道经营 {n}")["case_no"] for n in range(5)]
    ticker = "document.querySelector('#screen-ticker').innerText"
    last = numbers[-1]
    page.wait_for_function(f"() => {ticker}.includes('{last}')", timeout=5_000)
    page.wait_for_timeout(1_500)  # room for a reconnect and a replay, were there any
    lines = page.locator("#screen-ticker li").all_inner_texts()
    for number in numbers:
        assert sum(number in line for line in lines) == 1, (number, lines)
    streams = page.evaluate("() => window.__streams")
    assert len(streams) == 1 and "/api/stream" in streams[0], streams
    assert wall.problems == []
