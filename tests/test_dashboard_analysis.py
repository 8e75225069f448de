"""The analyst view in a real headless Chromium: drill down by clicking the map, share the URL.

The mini city (2 large × 2 medium × 4 small grids) with a played history; the analyst
clicks a large grid, then a medium grid, on the WebGL map itself (a real mouse click at
the pixel MapLibre projects the grid's centre to), and checks what anyone would: the
breadcrumb, the grids the choropleth shows, the table's rows.  The URL then opens the
same view in another browser profile, after signing in there.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from api.app import create_app
from api.context import AppContext
from tests.browser import chromium_page, screenshot
from tests.city import centre_of, mini_city
from tests.history import play_history
from tests.server import running_server

pytestmark = pytest.mark.browser

LARGE, MEDIUM = "441502001", "441502001001"
START = "/analysis?from=2026-08-22&to=2026-11-20&category=03"
TIMEOUT_MS = 20_000
SHOWN = """() => {
    const gd = document.querySelector('#analysis-map .js-plotly-plot');
    if (!gd || !gd.data || gd.data.length < 2) { return null; }
    return [...gd.data[0].locations, ...gd.data[1].locations].sort();
}"""
PIXEL = """([lon, lat]) => {
    const gd = document.querySelector('#analysis-map .js-plotly-plot');
    const map = gd._fullLayout.map._subplot.map;
    const box = map.getCanvas().getBoundingClientRect();
    const point = map.project([lon, lat]);
    return [box.left + point.x, box.top + point.y];
}"""
MAP_IDLE = """() => {
    const gd = document.querySelector('#analysis-map .js-plotly-plot');
    const layout = gd && gd._fullLayout && gd._fullLayout.map;
    const map = layout && layout._subplot && layout._subplot.map;
    if (!map || map.isMoving()) { return false; }
    const centre = map.getCenter();
    return Math.abs(centre.lng - layout.center.lon) < 1e-6
        && Math.abs(centre.lat - layout.center.lat) < 1e-6
        && Math.abs(map.getZoom() - layout.zoom) < 1e-6;
}"""
TABLE_COLUMN = """(column) => [...document.querySelectorAll(
        '#analysis-cases .ag-row .ag-cell[col-id="' + column + '"]')]
    .map(c => [Number(c.closest('.ag-row').getAttribute('row-index')), c.textContent.trim()])
    .sort((a, b) => a[0] - b[0]).map(pair => pair[1])"""


def _names(level: str) -> dict[str, str]:
    layer = mini_city()[level]
    return dict(zip(layer["code"], layer["name"], strict=True))


def _children(code: str, level: str) -> list[str]:
    return sorted(c for c in _names(level) if c.startswith(code) and c != code)


def _sign_in(page: Any) -> None:
    page.wait_for_selector(".signin input[autocomplete=username]")
    page.fill(".signin input[autocomplete=username]", "analyst")
    page.fill(".signin input[type=password]", "minqing-demo")
    page.click(".signin button")


def _wait_for_map(page: Any, codes: list[str]) -> None:
    page.wait_for_function(
        f"(codes) => JSON.stringify(({SHOWN})()) === JSON.stringify(codes)",
        arg=codes,
        timeout=TIMEOUT_MS,
    )
    page.wait_for_function(MAP_IDLE, timeout=TIMEOUT_MS)


def _click_grid(page: Any, code: str) -> None:
    page.locator("#analysis-map").scroll_into_view_if_needed()
    x, y = page.evaluate(PIXEL, list(centre_of(code)))
    page.mouse.move(x, y)
    page.wait_for_timeout(150)
    page.mouse.click(x, y)


def _wait_for_crumb(page: Any, name: str) -> None:
    page.wait_for_function(
        "(name) => document.querySelector('#analysis-crumb-here')?.innerText === name",
        arg=name,
        timeout=TIMEOUT_MS,
    )


def _crumbs(page: Any) -> str:
    return " ".join(page.inner_text("#analysis-breadcrumb").split())


def _table(page: Any) -> tuple[str, list[str], list[str]]:
    page.locator("#analysis-cases").scroll_into_view_if_needed()
    page.wait_for_selector("#analysis-cases .ag-row .ag-cell[col-id=case_no]")
    return (
        page.inner_text("#analysis-cases-note"),
        page.evaluate(TABLE_COLUMN, "case_no"),
        page.evaluate(TABLE_COLUMN, "medium"),
    )


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
def test_drill_down_by_clicking_and_share_the_url(city_context: AppContext) -> None:
    play_history(city_context, n=90)
    large, medium = _names("large"), _names("medium")
    app = create_app(city_context.settings)
    with running_server(app) as base:
        with chromium_page(1600, 1000) as page:
            page.goto(base + START)
            _sign_in(page)
            _wait_for_map(page, sorted(large))
            assert _crumbs(page) == "全市"
            city_note, _, _ = _table(page)

            _click_grid(page, LARGE)
            _wait_for_crumb(page, large[LARGE])
            _wait_for_map(page, _children(LARGE, "medium"))
            assert _crumbs(page) == f"全市 › {large[LARGE]}"
            assert f"grid={LARGE}" in page.url

            _click_grid(page, MEDIUM)
            _wait_for_crumb(page, medium[MEDIUM])
            _wait_for_map(page, _children(MEDIUM, "small"))
            page.locator("#analysis-cases").scroll_into_view_if_needed()
            page.wait_for_function(
                f"""() => {{
                    const cells = ({TABLE_COLUMN})('medium');
                    return cells.length > 0 && cells.every(c => c === '{medium[MEDIUM]}');
                }}""",
                timeout=TIMEOUT_MS,
            )
            note, cases, mediums = _table(page)
            assert set(mediums) == {medium[MEDIUM]}, "every row lies in the chosen 中网格"
            assert note != city_note, "the count narrowed with the grid"
            assert _crumbs(page) == f"全市 › {large[LARGE]} › {medium[MEDIUM]}"
            shared = page.url
            assert f"grid={MEDIUM}" in shared and "category=03" in shared
            assert "from=2026-08-22" in shared and "to=2026-11-20" in shared
            screenshot(page, "analysis-drilled")

            with page.expect_download() as download:  # the export holds the same selection
                page.click("#analysis-export-csv")
            exported = Path(download.value.path()).read_text(encoding="utf-8-sig")
            records = list(csv.DictReader(io.StringIO(exported)))
            assert records and {r["medium_code"] for r in records} == {MEDIUM}
            assert {r["category_code"][:2] for r in records} == {"03"}
            assert f"共 {len(records)} 件" in note
            assert download.value.suggested_filename.startswith(f"民情事件_{MEDIUM}_20260822")

            page.go_back()  # the breadcrumb's step up is also the browser's back
            _wait_for_crumb(page, large[LARGE])

            # a colleague opens the link: another browser profile, nothing but the URL
            profile = page.context.browser.new_context(viewport={"width": 1600, "height": 1000})
            fresh = profile.new_page()
            fresh.goto(shared)
            _sign_in(fresh)
            _wait_for_map(fresh, _children(MEDIUM, "small"))
            assert _crumbs(fresh) == f"全市 › {large[LARGE]} › {medium[MEDIUM]}"
            fresh.wait_for_function(
                f"() => ({TABLE_COLUMN})('case_no').length === {len(cases)}", timeout=TIMEOUT_MS
            )
            assert _table(fresh) == (note, cases, mediums)
            assert fresh.url == shared
