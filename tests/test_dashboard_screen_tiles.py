"""The big screen over vector tiles, in a real headless browser.

The mini city served with ``tiles_above_features=5``: its 16 small grids and its seven
open cases are too many for GeoJSON, so the wall colours the 4 medium grids, draws the
small grids and the cases from ``/api/tiles``, and re-requests the case tiles (a new
version in their URLs' fragment) after a transition instead of patching points.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from api.app import create_app
from api.context import AppContext
from dashboard import figures, theme
from tests.browser import chromium_page, painted, screenshot
from tests.city import install_mini_city
from tests.conftest import store_settings
from tests.driver import PASSWORD, login, report
from tests.server import running_server

pytestmark = pytest.mark.browser

ABOVE = 5
SMALLS = [f"4415020010010{n}" for n in range(1, 5)]
CASES = 7
COLOURS = {
    "accent": (theme.ACCENT, 40),
    "cases": (theme.status_colour("reported"), 40),
    "small_lines": (theme.TEXT_DIM, 30),
}
"""What the map's canvas shows: large-grid outlines, cases, small-grid outlines (tiles)."""
MAP_GRAPH = "#screen-map .js-plotly-plot"
MAP_READY = f"""() => {{
    const g = document.querySelector('{MAP_GRAPH}');
    const m = g && g._fullLayout && g._fullLayout.map && g._fullLayout.map._subplot;
    return !!(m && m.map && m.map.loaded() && g.data.length === {len(figures.MAP_TRACES)}
              && (g.layout.map.layers || []).length > 0);
}}"""


class TiledWall:
    """The open wall page, its base URL, the tile URLs it asked for, what went wrong."""

    def __init__(self, page: Any, base: str, tiles: list[str], problems: list[str]) -> None:
        self.page, self.base, self.tiles, self.problems = page, base, tiles, problems

    def asked(self, layer: str) -> list[str]:
        """The tile URLs of ``layer`` requested so far."""
        return [url for url in self.tiles if f"/api/tiles/{layer}/" in url]


@pytest.fixture(scope="module")
def wall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TiledWall]:
    """The mini city with seven open cases, served with a low threshold, ``/screen`` open."""
    settings = store_settings("sqlite", tmp_path_factory.mktemp("screen-tiles"))
    context = AppContext.build(settings.model_copy(update={"tiles_above_features": ABOVE}))
    context.db.upgrade()
    install_mini_city(context)
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("MINQING_SCREEN_USER", "screen")
    monkeypatch.setenv("MINQING_SCREEN_PASSWORD", PASSWORD)
    try:
        with (
            running_server(create_app(context.settings)) as base,
            chromium_page(1920, 1080) as page,
        ):
            with httpx.Client(base_url=base, timeout=30) as http:
                worker = login(http, "gridworker_441502001001")
                for n in range(CASES):
                    report(http, worker, small=SMALLS[n % 4], description=f"占道经营 {n}")
            tiles: list[str] = []
            problems: list[str] = []
            page.on("request", lambda r: tiles.append(r.url) if "/api/tiles/" in r.url else None)
            page.on(
                "console",
                lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None,
            )
            page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
            page.goto(f"{base}/screen")
            page.wait_for_function(MAP_READY, timeout=60_000)
            yield TiledWall(page, base, tiles, problems)
    finally:
        monkeypatch.undo()
        context.db.dispose()


def test_the_wall_draws_small_grids_and_cases_from_tiles_and_paints(wall: TiledWall) -> None:
    page = wall.page
    page.wait_for_timeout(1_500)  # the tiles' features are drawn once they are decoded
    small = wall.asked("grids_small")
    assert small and all(url.endswith(".mvt") for url in small), wall.tiles
    cases = [parse_qs(urlsplit(url).query) for url in wall.asked("incidents")]
    assert {q["status"][0] for q in cases} >= {"reported"}, cases
    assert all(q["access_token"] for q in cases)
    assert not wall.asked("grids_medium"), "the medium grids stay GeoJSON (4 ≤ 5)"

    drawn = painted(page, "#screen-map canvas.maplibregl-canvas", **COLOURS)
    assert drawn["accent"] > 500, f"the large-grid outlines are drawn: {drawn}"
    assert drawn["cases"] > 30, f"the reported cases are drawn from tiles: {drawn}"
    assert drawn["small_lines"] > 200, f"the small-grid outlines are drawn from tiles: {drawn}"
    assert page.evaluate(f"document.querySelector('{MAP_GRAPH}').data[4].lon.length") == 0
    legend = page.locator("#screen-map .map-legend").inner_text()
    assert "小网格 16 个 > 5" in legend and f"在办 {CASES} 件 > 5" in legend, legend
    shot = screenshot(page, "screen-tiles")
    shutil.copy(shot, "/tmp/tiles-screen.png")
    assert wall.problems == [], "\n".join(wall.problems)


def _case_versions(page: Any) -> set[str]:
    """The versions (``#v=``) in the URLs of the map's case tile layers."""
    return set(
        page.evaluate(
            f"""() => document.querySelector('{MAP_GRAPH}').layout.map.layers
                .filter(l => l.sourcelayer === 'incidents')
                .map(l => l.source[0].split('#v=')[1])"""
        )
    )


def test_a_transition_reloads_the_case_tiles_with_a_new_version(wall: TiledWall) -> None:
    page = wall.page
    page.wait_for_selector("#screen-live.on", timeout=30_000)
    before, asked = _case_versions(page), len(wall.asked("incidents"))
    assert len(before) == 1, before
    old = f"#v={before.pop()}"
    with httpx.Client(base_url=wall.base, timeout=30) as http:
        worker = login(http, "gridworker_441502001001")
        case = report(http, worker, small=SMALLS[0], description="井盖缺失")
        filed_at = time.monotonic()
    ticker = "document.querySelector('#screen-ticker').innerText"
    page.wait_for_function(f"() => {ticker}.includes('{case['case_no']}')", timeout=5_000)
    page.wait_for_function(
        f"""() => document.querySelector('{MAP_GRAPH}').layout.map.layers
            .some(l => l.sourcelayer === 'incidents' && !l.source[0].endsWith('{old}'))""",
        timeout=8_000,
    )
    refreshed = time.monotonic() - filed_at
    after = _case_versions(page)
    assert len(after) == 1 and int(after.pop()) > int(old.removeprefix("#v="))
    page.wait_for_timeout(1_000)  # the new sources' tiles are asked for
    assert len(wall.asked("incidents")) > asked, "the case tiles were asked again"
    assert refreshed < 8, f"tiles refreshed {refreshed:.1f} s after the report"
    assert wall.problems == [], "\n".join(wall.problems)
