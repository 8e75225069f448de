"""The one module of the dashboard that talks HTTP to the API."""

from __future__ import annotations

from typing import Any

import httpx


class ApiClient:
    """A thin, typed client for the 民情地图 API."""

    def __init__(self, base_url: str, *, timeout: float = 20.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._timeout = timeout

    def _get(self, path: str, **params: Any) -> Any:
        query = {k: v for k, v in params.items() if v is not None}
        response = httpx.get(f"{self.base_url}{path}", params=query, timeout=self._timeout)
        response.raise_for_status()
        return response.json()

    def health(self) -> dict[str, Any]:
        """``/healthz``."""
        result: dict[str, Any] = self._get("/healthz")
        return result

    def grids(self, level: str, *, geometry: str = "overview") -> dict[str, Any]:
        """One grid level as a GeoJSON FeatureCollection."""
        result: dict[str, Any] = self._get("/api/grids", level=level, geometry=geometry)
        return result
