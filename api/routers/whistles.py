"""Whistles (吹哨报到) per department: who was summoned, by when, and how they answered."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from api.cases.queries import whistle_page
from api.deps import SessionDep, allowed
from api.http.urls import request_url
from api.paging import page_links
from api.params import PageDep
from api.workflow import Actor, Permission

router = APIRouter(prefix="/whistles", tags=["incidents"])


@router.get("", summary="Departments summoned by whistles, with their 报到")
def list_whistles(
    request: Request,
    session: SessionDep,
    principal: Annotated[Actor, allowed(Permission.read_cases)],
    page: PageDep,
    unit: Annotated[str | None, Query(max_length=20, description="The summoned department")] = None,
    awaiting: Annotated[bool, Query(description="Only summons not yet answered")] = False,
) -> dict[str, object]:
    """Summons on the cases the caller may see, newest first, with ``on_time`` once answered.

    The answer has ``numberMatched``, ``numberReturned``, ``links`` and ``items``.
    """
    items, matched = whistle_page(session, principal, unit=unit, awaiting=awaiting, page=page)
    meta = page_links(
        str(request_url(request)),
        page,
        returned=len(items),
        matched=matched,
        media_type="application/json",
    )
    return {**meta.as_dict(), "items": items}
