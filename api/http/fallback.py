"""What answers when no route matches: the dashboard, or a JSON 404 / 405 for the API."""

from __future__ import annotations

from starlette.routing import Match, Mount, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from api.exceptions import MethodNotAllowed, MinqingError, NotFound
from api.http.middleware import error_response

PROBED_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


class Fallback:
    """Mounted at ``/`` after every route.

    A path some route serves with other methods answers 405 with ``Allow``; other paths
    under ``/api`` (or every path without a dashboard) answer 404; the rest is the
    dashboard's.  Both errors carry the usual ``{"detail", "error", "field"}`` body.
    """

    def __init__(self, router: Router, dashboard: ASGIApp | None) -> None:
        self.router = router
        self.dashboard = dashboard

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer the request no route took."""
        path: str = scope["path"]
        allowed = self.allowed_methods(scope)
        under_api = path == "/api" or path.startswith("/api/")
        if self.dashboard is not None and not allowed and not under_api:
            await self.dashboard(scope, receive, send)
            return
        error: MinqingError
        if allowed:
            error = MethodNotAllowed(
                f"{scope['method']} is not allowed on {path}; use {', '.join(allowed)}",
                allowed=allowed,
            )
        else:
            error = NotFound(f"no such path: {path}", field="path")
        await error_response(error)(scope, receive, send)

    def allowed_methods(self, scope: Scope) -> list[str]:
        """The methods some route other than this fallback takes on this path."""
        methods = {
            method
            for method in PROBED_METHODS
            if any(
                route.matches({**scope, "method": method})[0] is Match.FULL
                for route in self.router.routes
                if not isinstance(route, Mount)
            )
        }
        if "GET" in methods:
            methods.add("HEAD")
        return sorted(methods)
