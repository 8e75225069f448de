"""Liveness and store identity."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import PUBLIC, ContextDep

router = APIRouter(tags=["health"], dependencies=PUBLIC)


@router.get("/healthz", summary="Service health, store kind and schema revision")
def healthz(context: ContextDep) -> dict[str, str | None]:
    """``{"status": "ok", "store": "sqlite" | "postgis", "schema": <revision>}``."""
    context.db.check_connection()
    return {"status": "ok", "store": context.db.store, "schema": context.db.revision()}
