"""Indexes for a province's archive: the repeat-complaint rule, and cases closed since a time.

The rule (:data:`api.indicators.CASE_COUNTS`, ``repeated``) asks, for every case counted,
whether an earlier case of the same category in the same small grid was still open a week
before it. With only ``(category_code, reported_at)`` PostgreSQL walked every earlier case of
the category: the wall's counters took 15 s over 100,000 cases of a small province and
grew with the square of the archive. ``(small_code, category_code, reported_at)`` makes
each look-up a short range scan. The wall's "closed today" counted the whole archive: an
index on ``closed_at`` makes it a range.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_incident_grid_category_reported",
        "incident",
        ["small_code", "category_code", "reported_at"],
    )
    op.create_index("ix_incident_closed_at", "incident", ["closed_at"])


def downgrade() -> None:
    op.drop_index("ix_incident_closed_at", table_name="incident")
    op.drop_index("ix_incident_grid_category_reported", table_name="incident")
