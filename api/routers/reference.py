"""Reference data: departments, the two-level category tree and the vocabulary's terms."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict
from sqlmodel import col, select

from api.deps import PUBLIC, SessionDep
from api.models import Category, Unit
from api.vocabulary import UnitKind, vocabulary_table
from api.workflow import Tier

router = APIRouter(tags=["reference"], dependencies=PUBLIC)


class UnitPublic(BaseModel):
    """A unit: a county department or a township centre (属地)."""

    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    short_name: str
    phone: str | None
    kind: UnitKind


class CategoryPublic(BaseModel):
    """A category: 大类 (``parent`` None) or 小类 with its routing and time limits."""

    code: str
    name: str
    parent: str | None
    unit: str | None
    tier: Tier
    answerable: bool
    urgent: bool
    limits: dict[str, str] | None


class Term(BaseModel):
    """One term of a vocabulary: the code sent and stored, and its names."""

    code: str
    zh: str
    en: str


VOCABULARY_MAX_AGE_S = 3600
"""How long a client may keep the vocabulary (it changes only with a release)."""


@router.get(
    "/vocabulary",
    response_model=dict[str, list[Term]],
    summary="Statuses, actions, sources and the other terms, in Chinese and English",
)
def vocabulary(response: Response) -> dict[str, list[dict[str, str]]]:
    """Every term of each vocabulary the API speaks, with its Chinese and English names.

    Terms come in declaration order: statuses in the loop's order, ratings best first.
    """
    response.headers["Cache-Control"] = f"public, max-age={VOCABULARY_MAX_AGE_S}"
    return vocabulary_table()


@router.get("/units", response_model=list[UnitPublic], summary="Units (departments, townships)")
def units(
    session: SessionDep,
    kind: Annotated[UnitKind | None, Query(description="Only this kind")] = None,
) -> list[UnitPublic]:
    """Every unit cases can be dispatched to, by code."""
    query = select(Unit).order_by(col(Unit.code))
    if kind is not None:
        query = query.where(Unit.kind == kind)
    return [UnitPublic.model_validate(u) for u in session.exec(query).all()]


@router.get("/departments", response_model=list[UnitPublic], summary="County departments")
def departments(session: SessionDep) -> list[UnitPublic]:
    """The county departments (职能部门), by code: the units of kind ``department``."""
    return units(session, UnitKind.department)


@router.get("/categories", response_model=list[CategoryPublic], summary="Event categories")
def categories(session: SessionDep) -> list[CategoryPublic]:
    """The two-level tree, 大类 first then their 小类, by code."""
    rows = session.exec(select(Category).order_by(col(Category.code))).all()
    return [
        CategoryPublic(
            **c.model_dump(include={"code", "name", "tier", "answerable", "urgent"}),
            parent=c.parent_code,
            unit=c.unit_code,
            limits=c.stage_limits().as_dict() if c.parent_code else None,
        )
        for c in rows
    ]
