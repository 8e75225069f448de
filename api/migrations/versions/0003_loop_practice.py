"""Loop practice: units (departments and township centres), tiers, sign-and-assign, co-unit
sub-tasks, whistles, call-back and review, ratings and deadlines kept as first given.

- ``department`` becomes ``unit`` with a ``kind``; every ``department_code`` column becomes
  ``unit_code``.
- Categories carry their default tier, whether they can be answered at intake, and a
  call-back limit.
- Cases carry their tier and closing tier, assignee and handler, first and latest rating
  and solved answer, unreachable / unreasonable flags, 重办 count, ever-overdue and the first
  handling deadline; the escalation counter, ``reopened`` and hour-based extension go.
- Co-unit rows get a sub-task state; ``incident_whistle`` records 吹哨 and 报到.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

from api.store import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

NAMES = {
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
}
NEW_CASE_COLUMNS = (
    sa.Column("tier", sa.String(20), nullable=False, server_default="township"),
    sa.Column("closing_tier", sa.String(20)),
    sa.Column("assignee", sa.String(80)),
    sa.Column("handled_by", sa.String(80)),
    sa.Column("reopen_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("pending_extension_days", sa.Float),
    sa.Column("first_rating", sa.String(10)),
    sa.Column("first_solved", sa.Boolean),
    sa.Column("solved", sa.Boolean),
    sa.Column("unreachable", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("unreasonable", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("ever_overdue", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("first_handle_due_at", UTCDateTime()),
)
OLD_CASE_COLUMNS = (
    sa.Column("escalation_level", sa.Integer, nullable=False, server_default="0"),
    sa.Column("reopened", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("pending_extension_hours", sa.Float),
)


def _rename_unit_column(table: str, old: str, new: str) -> None:
    with op.batch_alter_table(table, naming_convention=NAMES) as batch:
        batch.alter_column(old, new_column_name=new, existing_type=sa.String(20))


def upgrade() -> None:
    op.rename_table("department", "unit")
    with op.batch_alter_table("unit") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(20), nullable=False, server_default="department")
        )
    for table in ("category", "app_user", "incident", "incident_event"):
        _rename_unit_column(table, "department_code", "unit_code")
    with op.batch_alter_table("category") as batch:
        batch.add_column(
            sa.Column("tier", sa.String(20), nullable=False, server_default="township")
        )
        batch.add_column(
            sa.Column("answerable", sa.Boolean, nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("callback_limit", sa.String(10)))
    op.drop_index("ix_incident_status_dept", table_name="incident")
    with op.batch_alter_table("incident") as batch:
        for column in NEW_CASE_COLUMNS:
            batch.add_column(column.copy())
        batch.alter_column("rated_at", new_column_name="called_back_at")
    op.execute(
        "UPDATE incident SET tier = CASE WHEN escalation_level >= 2 THEN 'county' ELSE 'township' "
        "END, reopen_count = CASE WHEN reopened THEN 1 ELSE 0 END, first_rating = rating, "
        "first_handle_due_at = handle_due_at, assignee = claimed_by"
    )
    op.execute("UPDATE incident SET status = 'closed' WHERE status = 'rated'")
    op.execute("UPDATE incident SET closing_tier = tier WHERE status = 'closed'")
    with op.batch_alter_table("incident") as batch:
        for column in OLD_CASE_COLUMNS:
            batch.drop_column(column.name)
    op.create_index("ix_incident_status_unit", "incident", ["status", "unit_code"])
    op.create_index("ix_incident_tier", "incident", ["tier"])
    op.create_index("ix_incident_assignee", "incident", ["assignee"])
    with op.batch_alter_table("incident_co_unit") as batch:
        batch.add_column(sa.Column("state", sa.String(20), nullable=False, server_default="open"))
        batch.add_column(sa.Column("note", sa.Text))
        batch.add_column(sa.Column("done_at", UTCDateTime()))
    op.create_table(
        "incident_whistle",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "incident_id",
            sa.Integer,
            sa.ForeignKey("incident.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("whistle_no", sa.Integer, nullable=False),
        sa.Column("unit_code", sa.String(20), nullable=False),
        sa.Column("whistled_by", sa.String(80), nullable=False),
        sa.Column("whistled_at", UTCDateTime(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("reported_at", UTCDateTime()),
        sa.Column("reported_by", sa.String(80)),
        sa.Column("note", sa.Text),
        sa.Column("rating", sa.String(10)),
        sa.UniqueConstraint("incident_id", "whistle_no", "unit_code", name="uq_incident_whistle"),
    )
    op.create_index("ix_incident_whistle_incident_id", "incident_whistle", ["incident_id"])
    op.create_index("ix_incident_whistle_unit_code", "incident_whistle", ["unit_code"])


def downgrade() -> None:
    op.drop_table("incident_whistle")
    with op.batch_alter_table("incident_co_unit") as batch:
        for name in ("done_at", "note", "state"):
            batch.drop_column(name)
    for name in ("ix_incident_assignee", "ix_incident_tier", "ix_incident_status_unit"):
        op.drop_index(name, table_name="incident")
    with op.batch_alter_table("incident") as batch:
        for column in OLD_CASE_COLUMNS:
            batch.add_column(column.copy())
    op.execute(
        "UPDATE incident SET escalation_level = CASE WHEN tier = 'county' THEN 2 ELSE 0 END, "
        "reopened = reopen_count > 0"
    )
    op.execute(
        "UPDATE incident SET status = 'rated' WHERE status = 'closed' AND rating IS NOT NULL"
    )
    with op.batch_alter_table("incident") as batch:
        batch.alter_column("called_back_at", new_column_name="rated_at")
        for column in NEW_CASE_COLUMNS:
            batch.drop_column(column.name)
    with op.batch_alter_table("category") as batch:
        for name in ("callback_limit", "answerable", "tier"):
            batch.drop_column(name)
    for table in ("incident_event", "incident", "app_user", "category"):
        _rename_unit_column(table, "unit_code", "department_code")
    op.create_index("ix_incident_status_dept", "incident", ["status", "department_code"])
    with op.batch_alter_table("unit") as batch:
        batch.drop_column("kind")
    op.rename_table("unit", "department")
