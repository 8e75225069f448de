"""The report form in a real browser: a grid worker places, describes, checks and reports."""

from __future__ import annotations

import io
import math
from typing import Any

import httpx
import pytest
from PIL import Image

from api.app import create_app
from api.context import AppContext
from geo.crs import wgs84_to_gcj02
from tests.browser import chromium_page, screenshot
from tests.server import running_server

pytestmark = pytest.mark.browser

WORKER = "gridworker_441502001001"
SMALL = "44150200100101"
"""The worker's small grid 第1网格: lon 115.30–115.31, lat 22.76–22.78 (tests/city.py)."""
TARGET = (115.3046, 22.7712)
"""Where the worker clicks: inside SMALL."""
CATEGORY = ("市容环境", "暴露垃圾", "0302")
DESCRIPTION = "菜市场东门外垃圾堆放三天未清运，气味很大"


def _token(base: str, username: str) -> dict[str, str]:
    answer = httpx.post(
        f"{base}/api/auth/token", data={"username": username, "password": "minqing-demo"}
    )
    answer.raise_for_status()
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 160, 90)).save(buffer, "PNG")
    return buffer.getvalue()


def _pixel(lon: float, lat: float, view: dict[str, Any]) -> tuple[float, float]:
    """The page pixel of a point, from the map's centre, zoom and box (Web Mercator, 512 px)."""

    def mercator(x: float, y: float) -> tuple[float, float]:
        north = math.log(math.tan(math.pi / 4 + math.radians(y) / 2))
        return (x + 180) / 360, (1 - north / math.pi) / 2

    scale = 512 * 2 ** view["zoom"]
    cx, cy = mercator(view["lon"], view["lat"])
    px, py = mercator(lon, lat)
    box = view["box"]
    return box["x"] + box["width"] / 2 + (px - cx) * scale, box["y"] + box["height"] / 2 + (
        py - cy
    ) * scale


MAP_VIEW = """() => {
  const gd = document.querySelector('#report-map .js-plotly-plot');
  const map = gd._fullLayout.map._subplot.map;
  const centre = map.getCenter();
  const box = map.getCanvas().getBoundingClientRect();
  return {lon: centre.lng, lat: centre.lat, zoom: map.getZoom(),
          box: {x: box.x, y: box.y, width: box.width, height: box.height}};
}"""
BOUND = """() => {
  const gd = document.querySelector('#report-map .js-plotly-plot');
  const subplot = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
  return Boolean(subplot && subplot.map && subplot.map.__reportClicks);
}"""
PIN = """() => {
  const gd = document.querySelector('#report-map .js-plotly-plot');
  const pin = gd.data.find((trace) => trace.name === 'pin');
  return pin && pin.lon.length ? [pin.lon[0], pin.lat[0]] : null;
}"""


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
def test_grid_worker_reports_once_after_seeing_a_look_alike(city_context: AppContext) -> None:
    app = create_app(city_context.settings)
    with running_server(app) as base, chromium_page(1600, 900) as page:
        dispatcher = _token(base, "dispatcher")
        earlier = httpx.post(
            f"{base}/api/incidents",
            headers=dispatcher,
            json={"category": CATEGORY[2], "description": "东门外有垃圾", "source": "hotline",
                  "lon": TARGET[0] + 0.0002, "lat": TARGET[1] + 0.0001},
        )  # fmt: skip
        assert earlier.status_code == 201, earlier.text
        earlier_no = earlier.json()["case_no"]

        page.goto(f"{base}/report")
        page.fill("#report-signin input[autocomplete=username]", WORKER)
        page.fill("#report-signin input[type=password]", "minqing-demo")
        page.click("#report-signin button")
        page.wait_for_selector("#report-body:not([hidden])")
        page.wait_for_function("() => document.querySelector('#report-group input')")

        # typed coordinates: outside the city is said plainly; GCJ-02 moves the pin
        page.fill("#report-lon", "116.5")
        page.fill("#report-lat", "23.5")
        page.press("#report-lat", "Enter")
        page.wait_for_selector("#report-located.bad >> text=不在本市任何网格内")
        page.click("#report-crs")
        page.click("text=GCJ-02")
        gcj_lon, gcj_lat = (float(v) for v in wgs84_to_gcj02(*TARGET))
        page.fill("#report-lon", f"{gcj_lon:.6f}")
        page.fill("#report-lat", f"{gcj_lat:.6f}")
        page.press("#report-lat", "Enter")
        page.wait_for_selector("#report-located.good >> text=第1网格")
        page.wait_for_function(f"() => ({PIN})() !== null")
        pin = page.evaluate(PIN)
        assert abs(pin[0] - TARGET[0]) < 1e-5 and abs(pin[1] - TARGET[1]) < 1e-5

        # a click on the map places the point and fills the inputs in WGS84
        page.wait_for_function(BOUND)
        x, y = _pixel(*TARGET, page.evaluate(MAP_VIEW))
        page.mouse.click(x, y)
        page.wait_for_function(
            "([lon, lat]) => Math.abs(+document.querySelector('#report-lon').value - lon) < 3e-4"
            " && Math.abs(+document.querySelector('#report-lat').value - lat) < 3e-4",
            arg=list(TARGET),
        )
        assert page.inner_text("#report-crs").strip().startswith("WGS84")
        page.wait_for_selector("#report-located.good >> text=第1网格")

        page.click(f"#report-group label:has-text('{CATEGORY[0]}')")
        page.click(f"#report-category label:has-text('{CATEGORY[1]}')")
        page.wait_for_selector("#report-route >> text=默认承办")
        page.fill("#report-description", DESCRIPTION)
        page.set_input_files(
            "#report-photo input[type=file]",
            files=[{"name": "scene.png", "mimeType": "image/png", "buffer": _png()}],
        )
        page.wait_for_selector("#report-photo-preview img.report-thumb")

        page.click("#report-check")
        page.wait_for_selector(f"#report-nearby >> text={earlier_no}")
        assert "同类在办事件" in page.inner_text("#report-confirm-body")
        screenshot(page, "report-check")
        page.dblclick("#report-confirm")  # twice, as a hurried hand does
        page.wait_for_selector("#report-case-no")
        case_no = page.inner_text("#report-case-no")
        assert earlier_no in page.inner_text("#report-intake-dupes")
        assert "1 张" in page.inner_text("#report-result-body")
        screenshot(page, "report-done")
        page.click("#report-again")  # a fresh form for the next case
        page.wait_for_selector("#report-form:not([hidden])")
        assert page.input_value("#report-description") == ""
        assert page.input_value("#report-lon") == ""

        worker = _token(base, WORKER)
        found = httpx.get(
            f"{base}/api/incidents", headers=worker, params={"q": DESCRIPTION[:8]}
        ).json()
        assert found["numberMatched"] == 1, "one case however often confirm was pressed"
        case = found["items"][0]
        assert case["case_no"] == case_no and case["status"] == "reported"
        assert case["grid"]["small"] == SMALL and case["category"] == CATEGORY[2]
        assert case["raw_crs"] == "wgs84" and case["source"] == "patrol"
        assert math.dist((case["lon"], case["lat"]), TARGET) < 3e-4
        photos = httpx.get(f"{base}/api/incidents/{case['id']}/photos", headers=worker).json()
        assert [p["content_type"] for p in photos] == ["image/png"]
