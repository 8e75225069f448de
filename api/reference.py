"""Reference data (departments, categories) and users, seeded from ``data/`` files."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from sqlmodel import Session, select

from api.models import Category, Department, User
from api.security import hash_password
from api.workflow import Role, TimeLimit

STAFF_ROLES = ("admin", "dispatcher", "analyst", "screen")
STAFF_NAMES = {
    "admin": "系统管理员",
    "dispatcher": "指挥中心值班员",
    "analyst": "分析研判员",
    "screen": "指挥大屏",
}


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


def seed_reference(session: Session, data_dir: Path) -> tuple[int, int]:
    """Insert or update departments and categories from the CSV files; returns their counts."""
    departments = _rows(data_dir / "departments.csv")
    for row in departments:
        session.merge(
            Department(
                code=row["code"],
                name=row["name"],
                short_name=row["short_name"],
                phone=row["phone"] or None,
            )
        )
    session.flush()
    categories = _rows(data_dir / "categories.csv")
    department_codes = {row["code"] for row in departments}
    # Parents first, so the self-reference holds at every flush.
    for row in sorted(categories, key=lambda r: (bool(r["parent_code"]), r["code"])):
        if row["department"] and row["department"] not in department_codes:
            raise ValueError(
                f"categories.csv: {row['code']} names department {row['department']!r}, "
                "which departments.csv does not list"
            )
        for stage in ("accept", "dispatch", "claim", "handle", "verify"):
            text = row.get(f"{stage}_limit") or ""
            if text:
                TimeLimit.parse(text)  # fail early, naming the text
        session.merge(
            Category(
                code=row["code"],
                name=row["name"],
                parent_code=row["parent_code"] or None,
                department_code=row["department"] or None,
                accept_limit=row["accept_limit"] or None,
                dispatch_limit=row["dispatch_limit"] or None,
                claim_limit=row["claim_limit"] or None,
                handle_limit=row["handle_limit"] or None,
                verify_limit=row["verify_limit"] or None,
                urgent=row["urgent"] == "1",
                weight=float(row["weight"] or 1),
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
                role=Role.officer.value,
                department_code=department.code,
                password_hash=password_hash,
            )
        )
    for code in medium_grids:
        users.append(
            User(
                username=f"gridworker_{code}",
                full_name=f"网格员({code})",
                role=Role.gridworker.value,
                grid_codes=[code],
                password_hash=password_hash,
            )
        )
    new = [user for user in users if user.username not in existing]
    session.add_all(new)
    session.flush()
    return len(existing) + len(new)
