"""The dashboard's own settings, read from the environment (it imports nothing from the API).

``MINQING_DASHBOARD_API_URL``  the API base URL; empty = the server that serves the page.
``MINQING_SCREEN_USER`` / ``MINQING_SCREEN_PASSWORD``  the account the wall screen reads as
    (role 指挥大屏: every case, no personal data); without it ``/screen`` asks to sign in.
    The workbench reads the city medians of its rates as this account too (a unit's own
    view counts only its own cases); without it a unit sees no median.
``MINQING_BASEMAP_URL``  a raster tile URL template ({z}/{x}/{y}, e.g. 天地图 with a key);
    empty = no basemap (closed networks): the grids alone are the map.
``MINQING_DASHBOARD_TIMEOUT_S``  seconds an API call may take.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class DashboardSettings:
    """Where the API is and how the wall screen signs in."""

    api_url: str = ""
    screen_user: str = ""
    screen_password: str = ""
    basemap_url: str = ""
    timeout_s: float = 15.0


def dashboard_settings() -> DashboardSettings:
    """The settings from the environment, read at each call (tests change them)."""
    env = os.environ.get
    return DashboardSettings(
        api_url=env("MINQING_DASHBOARD_API_URL", "").rstrip("/"),
        screen_user=env("MINQING_SCREEN_USER", ""),
        screen_password=env("MINQING_SCREEN_PASSWORD", ""),
        basemap_url=env("MINQING_BASEMAP_URL", ""),
        timeout_s=float(env("MINQING_DASHBOARD_TIMEOUT_S", "15") or 15),
    )
