"""The dashboard shell in a real headless browser: served by the same process as the API."""

from __future__ import annotations

import pytest

from api.app import create_app
from api.context import AppContext
from tests.browser import chromium_page, screenshot
from tests.server import running_server

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
def test_shell_navigates_to_the_three_screens(city_context: AppContext) -> None:
    app = create_app(city_context.settings)
    with running_server(app) as base, chromium_page() as page:
        page.goto(f"{base}/")
        page.wait_for_selector("#home-title")
        assert page.title() == "民情地图"
        assert "网格化治理平台" in page.inner_text("#home-title")
        screenshot(page, "shell-home")
        for link, heading, path in (
            ("指挥大屏", "#screen-title", "/screen"),
            ("部门工作台", "#workbench-title", "/workbench"),
            ("分析研判", "#analysis-title", "/analysis"),
            ("事件上报", "#report-title", "/report"),
        ):
            page.goto(f"{base}/")  # the wall screen has no navigation bar
            page.wait_for_selector("#home-title")
            page.click(f"nav >> text={link}")
            page.wait_for_selector(heading)
            assert page.url == f"{base}{path}"
        # the API and its docs are served by the same process
        assert page.goto(f"{base}/healthz").ok
        assert page.goto(f"{base}/docs").ok
