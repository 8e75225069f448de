"""Case scope: reporter and request digest on each case, co-units as an indexed join table.

- ``incident.reported_by`` (backfilled from each case's first event) and
  ``incident.request_hash``; idempotency keys and external ids become unique per reporter.
- ``incident.version`` counts the case's events, so an action's event number is the new
  version (realigned here from the event log).
- ``incident_co_unit`` replaces the JSON list ``incident.co_departments``, so that
  "cases of my unit" is an index lookup instead of a text search.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SQLITE_NAMES = {"uq": "uq_%(table_name)s_%(column_0_name)s"}
OLD_UNIQUE = {
    "idempotency_key": "incident_idempotency_key_key",
    "external_id": "incident_external_id_key",
}


def _old_unique_name(column: str, is_postgis: bool) -> str:
    return OLD_UNIQUE[column] if is_postgis else f"uq_incident_{column}"


def _codes(stored: object) -> list[str]:
    if isinstance(stored, str):
        return list(json.loads(stored))
    return list(stored or [])  # type: ignore[call-overload]


def upgrade() -> None:
    bind = op.get_bind()
    is_postgis = bind.dialect.name == "postgresql"
    op.create_table(
        "incident_co_unit",
        sa.Column(
            "incident_id",
            sa.Integer,
            sa.ForeignKey("incident.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("unit_code", sa.String(20), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
    )
    op.create_index("ix_incident_co_unit_unit_code", "incident_co_unit", ["unit_code"])
    rows = bind.execute(sa.text("SELECT id, co_departments FROM incident")).all()
    co_units = [
        {"incident_id": case_id, "unit_code": code, "position": position}
        for case_id, codes in rows
        for position, code in enumerate(
            json.loads(codes) if isinstance(codes, str) else codes or []
        )
    ]
    if co_units:
        bind.execute(
            sa.text(
                "INSERT INTO incident_co_unit (incident_id, unit_code, position) "
                "VALUES (:incident_id, :unit_code, :position)"
            ),
            co_units,
        )
    bind.execute(
        sa.text(
            "UPDATE incident SET version = COALESCE((SELECT max(e.seq) FROM incident_event e "
            "WHERE e.incident_id = incident.id), version)"
        )
    )
    with op.batch_alter_table("incident", naming_convention=SQLITE_NAMES) as batch:
        batch.add_column(sa.Column("reported_by", sa.String(80)))
        batch.add_column(sa.Column("request_hash", sa.String(64)))
    bind.execute(
        sa.text(
            "UPDATE incident SET reported_by = COALESCE((SELECT e.actor FROM incident_event e "
            "WHERE e.incident_id = incident.id AND e.seq = 1), '')"
        )
    )
    with op.batch_alter_table("incident", naming_convention=SQLITE_NAMES) as batch:
        for column in OLD_UNIQUE:
            batch.drop_constraint(_old_unique_name(column, is_postgis), type_="unique")
        batch.drop_column("co_departments")
        batch.alter_column("reported_by", existing_type=sa.String(80), nullable=False)
        batch.create_unique_constraint(
            "uq_incident_reporter_key", ["reported_by", "idempotency_key"]
        )
        batch.create_unique_constraint(
            "uq_incident_reporter_external", ["reported_by", "external_id"]
        )
        batch.create_index("ix_incident_reported_by", ["reported_by"])


def downgrade() -> None:
    bind = op.get_bind()
    is_postgis = bind.dialect.name == "postgresql"
    with op.batch_alter_table("incident", naming_convention=SQLITE_NAMES) as batch:
        batch.add_column(sa.Column("co_departments", sa.JSON, nullable=True))
    units: dict[int, list[str]] = {}
    for case_id, code in bind.execute(
        sa.text("SELECT incident_id, unit_code FROM incident_co_unit ORDER BY position")
    ).all():
        units.setdefault(case_id, []).append(code)
    bind.execute(sa.text("UPDATE incident SET co_departments = '[]'"))
    for case_id, codes in units.items():
        bind.execute(
            sa.text("UPDATE incident SET co_departments = :codes WHERE id = :id"),
            {"codes": json.dumps(codes), "id": case_id},
        )
    with op.batch_alter_table("incident", naming_convention=SQLITE_NAMES) as batch:
        batch.drop_index("ix_incident_reported_by")
        batch.drop_constraint("uq_incident_reporter_external", type_="unique")
        batch.drop_constraint("uq_incident_reporter_key", type_="unique")
        batch.alter_column("co_departments", existing_type=sa.JSON, nullable=False)
        batch.drop_column("request_hash")
        batch.drop_column("reported_by")
        for column in OLD_UNIQUE:
            batch.create_unique_constraint(_old_unique_name(column, is_postgis), [column])
    op.drop_index("ix_incident_co_unit_unit_code", table_name="incident_co_unit")
    op.drop_table("incident_co_unit")
