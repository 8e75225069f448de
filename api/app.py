"""The app factory: one process serves the API, its docs and the dashboard."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from a2wsgi import WSGIMiddleware
from fastapi import APIRouter, Depends, FastAPI
from starlette.types import ASGIApp

from api.cases.supervision import supervise_forever
from api.context import AppContext
from api.errors import ERROR_RESPONSES, install_error_handlers
from api.http.fallback import Fallback
from api.http.middleware import EdgeGuard
from api.http.openapi import install_links
from api.params import reject_unknown_query
from api.routers import (
    auth,
    exports,
    grids,
    health,
    incidents,
    ogc,
    open311,
    reference,
    stats,
    stream,
    tiles,
    whistles,
)
from api.security import SigninGuard
from api.settings import Settings

API_DESCRIPTION = """
民情地图 — grid-based local governance.  Grid polygons (大/中/小网格), geotagged
incidents and their closed loop (闭环): intake, dispatch, claim, handle, verify, close, rate.
"""


def create_app(settings: Settings | None = None, *, dashboard: bool = True) -> FastAPI:
    """Build the service for ``settings`` (read from the environment when omitted)."""
    settings = settings or Settings()
    context = AppContext.build(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        sweeping = (
            asyncio.create_task(supervise_forever(context))
            if settings.supervise_every_s > 0
            else None
        )
        yield
        if sweeping is not None:
            sweeping.cancel()
        context.db.dispose()

    app = FastAPI(
        title="民情地图 API",
        version="0.1.0",
        description=API_DESCRIPTION,
        lifespan=lifespan,
        docs_url="/docs",
        responses=ERROR_RESPONSES,
    )
    app.state.context = context
    app.state.signin_guard = SigninGuard.from_settings(settings)
    install_error_handlers(app)
    install_links(app)
    app.add_middleware(EdgeGuard, settings=settings)

    api = APIRouter(prefix="/api", dependencies=[Depends(reject_unknown_query)])
    for module in (auth, exports, grids, incidents, reference, stats, stream, tiles, whistles):
        api.include_router(module.router)
    app.include_router(health.router)
    app.include_router(ogc.router)
    app.include_router(open311.router)
    app.include_router(api)

    dashboard_app: ASGIApp | None = None
    if dashboard:
        from dashboard.app import create_dash

        wsgi = WSGIMiddleware(create_dash().server)
        dashboard_app = wsgi  # type: ignore[assignment]
    app.mount("/", Fallback(app.router, dashboard_app))
    return app
