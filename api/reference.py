"""Reference data (departments, categories) and users, seeded from ``data/`` files."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path

from sqlmodel import Session, select

from api.catalog import read_categories, read_departments
from api.models import Category, Department, User
from api.security import hash_password
from api.workflow import Role

STAFF_ROLES = (Role.admin, Role.dispatcher, Role.analyst, Role.screen)
STAFF_NAMES = {
    "admin": "系统管理员",
    "dispatcher": "指挥中心值班员",
    "analyst": "分析研判员",
    "screen": "指挥大屏",
}


def seed_reference(session: Session, data_dir: Path) -> tuple[int, int]:
    """Insert or update departments and categories from the CSV files; returns their counts.

    Raises
    ------
    api.catalog.CatalogError
        When a file is malformed (the message names file, line and column).
    """
    departments = read_departments(data_dir)
    for department in departments:
        session.merge(Department(**asdict(department)))
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
                department_code=row.department,
                urgent=row.urgent,
                weight=row.weight,
                **limits,
            )
        )
        session.flush()
    return len(departments), len(categories)


def seed_demo_users(session: Session, *, password: str, medium_grids: Iterable[str]) -> int:
    """The demo users of the README, all with one password; returns how many exist.

    One argon2 hash serves them all (hashing 900 passwords one by one would take a minute).
    """
    password_hash = hash_password(password)
    existing = set(session.exec(select(User.username)).all())
    users: list[User] = []
    for role in STAFF_ROLES:
        users.append(
            User(username=role, full_name=STAFF_NAMES[role], role=role, password_hash=password_hash)
        )
    for department in session.exec(select(Department)).all():
        users.append(
            User(
                username=f"officer_{department.code}",
                full_name=f"{department.short_name}承办人",
                role=Role.officer,
                department_code=department.code,
                password_hash=password_hash,
            )
        )
    for code in medium_grids:
        users.append(
            User(
                username=f"gridworker_{code}",
                full_name=f"网格员({code})",
                role=Role.gridworker,
                grid_codes=[code],
                password_hash=password_hash,
            )
        )
    new = [user for user in users if user.username not in existing]
    session.add_all(new)
    session.flush()
    return len(existing) + len(new)
