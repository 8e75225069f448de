"""Reference data (units, categories) and demo users, seeded from ``data/`` and the grids."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from api.catalog import read_categories, read_departments
from api.models import Category, Grid, Unit, User
from api.security import hash_password
from api.vocabulary import UnitKind
from api.workflow import Role

STAFF_ROLES = (Role.admin, Role.dispatcher, Role.analyst, Role.screen)
STAFF_NAMES = {
    Role.admin: "系统管理员",
    Role.dispatcher: "县联勤指挥中心值班员",
    Role.analyst: "分析研判员",
    Role.screen: "指挥大屏",
}


def demo_username(role: Role, code: str) -> str:
    """The demo user of a unit, township centre or grid, e.g. ``officer_xfj``.

    Also ``lead_xfj``, ``dispatcher_441502001`` and ``gridworker_441502001001``.
    """
    return f"{role.value}_{code}"


def seed_reference(session: Session, data_dir: Path) -> tuple[int, int]:
    """Insert or update the departments (as units) and categories; returns their counts.

    Raises
    ------
    api.catalog.CatalogError
        When a file is malformed (the message names file, line and column).
    """
    departments = read_departments(data_dir)
    for department in departments:
        session.merge(
            Unit(
                code=department.code,
                name=department.name,
                short_name=department.short_name,
                phone=department.phone,
                kind=UnitKind.department,
            )
        )
    session.flush()
    categories = read_categories(data_dir, departments={d.code for d in departments})
    # Parents first, so the self-reference holds at every flush.
    for row in sorted(categories, key=lambda c: (c.reportable, c.code)):
        limits = {f"{stage}_limit": str(limit) for stage, limit in row.limits.items()}
        session.merge(
            Category(
                code=row.code,
                name=row.name,
                parent_code=row.parent_code,
                unit_code=row.unit,
                tier=row.tier,
                answerable=row.answerable,
                urgent=row.urgent,
                weight=row.weight,
                **limits,
            )
        )
        session.flush()
    return len(departments), len(categories)


def seed_township_units(session: Session) -> int:
    """One township centre unit (属地) per large grid, coded as the grid; returns how many."""
    larges = session.exec(select(Grid).where(Grid.level == "large")).all()
    for grid in larges:
        session.merge(
            Unit(
                code=grid.code,
                name=f"{grid.name}综治中心",
                short_name=grid.name,
                kind=UnitKind.township,
            )
        )
    session.flush()
    return len(larges)


def _user(username: str, full_name: str, role: Role, password_hash: str, **extra: Any) -> User:
    return User(
        username=username, full_name=full_name, role=role, password_hash=password_hash, **extra
    )


def seed_demo_users(session: Session, *, password: str) -> int:
    """The demo users of the README, all with one password; returns how many exist.

    County staff; a dispatcher per township centre; an officer per unit and a lead per
    department; a grid worker per medium grid. One argon2 hash serves them all.
    """
    hashed = hash_password(password)
    existing = set(session.exec(select(User.username)).all())
    users = [_user(role.value, STAFF_NAMES[role], role, hashed) for role in STAFF_ROLES]
    for unit in session.exec(select(Unit).order_by(col(Unit.code))).all():
        users.append(
            _user(
                demo_username(Role.officer, unit.code),
                f"{unit.short_name}承办人",
                Role.officer,
                hashed,
                unit_code=unit.code,
            )
        )
        if unit.kind is UnitKind.department:
            users.append(
                _user(
                    demo_username(Role.lead, unit.code),
                    f"{unit.short_name}负责人",
                    Role.lead,
                    hashed,
                    unit_code=unit.code,
                )
            )
        else:
            users.append(
                _user(
                    demo_username(Role.dispatcher, unit.code),
                    f"{unit.short_name}综治中心值班员",
                    Role.dispatcher,
                    hashed,
                    grid_codes=[unit.code],
                )
            )
    mediums = session.exec(select(Grid.code).where(Grid.level == "medium")).all()
    for code in mediums:
        users.append(
            _user(
                demo_username(Role.gridworker, code),
                f"网格员({code})",
                Role.gridworker,
                hashed,
                grid_codes=[code],
            )
        )
    new = [user for user in users if user.username not in existing]
    session.add_all(new)
    session.flush()
    return len(existing) + len(new)
