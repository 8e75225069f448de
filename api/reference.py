"""Reference data (units, categories) and demo users, seeded from ``data/`` and the grids."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from api.catalog import read_categories, read_departments
from api.models import Category, Grid, Unit, User
from api.security import hash_password
from api.vocabulary import UnitKind
from api.workflow import Role

_SAME_NAMED_COLUMNS = ("code", "name", "parent_code", "tier", "answerable", "urgent", "weight")
"""The columns of a category that take the ``categories.csv`` row's value of the same name."""

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
        session.merge(Unit(**asdict(department), kind=UnitKind.department))
    session.flush()
    categories = read_categories(data_dir, departments={d.code for d in departments})
    # Parents first, so the self-reference holds at every flush.
    for row in sorted(categories, key=lambda c: (c.reportable, c.code)):
        columns: dict[str, Any] = {name: getattr(row, name) for name in _SAME_NAMED_COLUMNS}
        columns |= {f"{stage}_limit": str(limit) for stage, limit in row.limits.items()}
        session.merge(Category(**columns, unit_code=row.unit))
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

    def demo(role: Role, code: str, full_name: str, **scope: Any) -> User:
        return _user(demo_username(role, code), full_name, role, hashed, **scope)

    existing = set(session.exec(select(User.username)).all())
    users = [_user(role.value, STAFF_NAMES[role], role, hashed) for role in STAFF_ROLES]
    for unit in session.exec(select(Unit).order_by(col(Unit.code))).all():
        code, name = unit.code, unit.short_name
        users.append(demo(Role.officer, code, f"{name}承办人", unit_code=code))
        if unit.kind is UnitKind.department:
            users.append(demo(Role.lead, code, f"{name}负责人", unit_code=code))
        else:
            users.append(demo(Role.dispatcher, code, f"{name}综治中心值班员", grid_codes=[code]))
    mediums = session.exec(select(Grid.code).where(Grid.level == "medium")).all()
    users += [demo(Role.gridworker, code, f"网格员({code})", grid_codes=[code]) for code in mediums]
    new = [user for user in users if user.username not in existing]
    session.add_all(new)
    session.flush()
    return len(existing) + len(new)
