"""Headless Chromium (Debian's) driven by Playwright, for tests that need a real browser."""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from PIL import Image

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


def chromium_path() -> str | None:
    """Debian's Chromium, or the one named by MINQING_TEST_CHROMIUM."""
    configured = os.environ.get("MINQING_TEST_CHROMIUM")
    if configured and Path(configured).exists():
        return configured
    return shutil.which("chromium") or shutil.which("chromium-browser")


@contextmanager
def chromium_page(width: int = 1600, height: int = 900) -> Iterator[object]:
    """A page in a fresh headless Chromium; skips when Chromium or Playwright is missing."""
    executable = chromium_path()
    if executable is None:
        pytest.skip(
            "Chromium not installed: apt-get install chromium (or set MINQING_TEST_CHROMIUM)"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Playwright for Python not installed: pip install -e '.[test]'")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_FLAGS, headless=True
        )
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            yield page
        finally:
            browser.close()


def screenshot(page: object, name: str) -> Path:
    """Save a screenshot under test-artifacts/ for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path


def painted(page: object, selector: str, **colours: tuple[str, int]) -> dict[str, int]:
    """Pixels of the element ``selector`` (a map's canvas) near each named (colour, tolerance).

    ``total`` holds the element's pixel count.
    """
    shot = page.locator(selector).screenshot()  # type: ignore[attr-defined]
    pixels = list(Image.open(io.BytesIO(shot)).convert("RGB").get_flattened_data())
    counts = {name: sum(_near(p, *wanted) for p in pixels) for name, wanted in colours.items()}
    return {**counts, "total": len(pixels)}


def _near(pixel: tuple[int, ...], colour: str, tolerance: int) -> bool:
    target = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], target, strict=True))
