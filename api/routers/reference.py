"""Reference data: departments and the two-level category tree."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel
from sqlmodel import col, select

from api.deps import PUBLIC, SessionDep
from api.models import Category, Department

router = APIRouter(tags=["reference"], dependencies=PUBLIC)


class DepartmentPublic(BaseModel):
    """A department."""

    code: str
    name: str
    short_name: str
    phone: str | None


class CategoryPublic(BaseModel):
    """A category: 大类 (``parent`` None) or 小类 with its department and time limits."""

    code: str
    name: str
    parent: str | None
    department: str | None
    urgent: bool
    limits: dict[str, str] | None


@router.get("/departments", response_model=list[DepartmentPublic], summary="Departments")
def departments(session: SessionDep) -> list[DepartmentPublic]:
    """Every department, by code."""
    rows = session.exec(select(Department).order_by(col(Department.code))).all()
    return [
        DepartmentPublic(code=d.code, name=d.name, short_name=d.short_name, phone=d.phone)
        for d in rows
    ]


@router.get("/categories", response_model=list[CategoryPublic], summary="Event categories")
def categories(session: SessionDep) -> list[CategoryPublic]:
    """The two-level tree, 大类 first then their 小类, by code."""
    rows = session.exec(select(Category).order_by(col(Category.code))).all()
    return [
        CategoryPublic(
            code=c.code,
            name=c.name,
            parent=c.parent_code,
            department=c.department_code,
            urgent=c.urgent,
            limits=c.stage_limits().as_dict() if c.parent_code else None,
        )
        for c in rows
    ]
