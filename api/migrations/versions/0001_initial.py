"""Initial schema: grids, reference data, incidents, events, photos, users.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

from api.store import GeometryType, UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

GIST_INDEXES = {
    "ix_grid_geom": ("grid", "geom"),
    "ix_grid_geom_overview": ("grid", "geom_overview"),
    "ix_grid_geom_detail": ("grid", "geom_detail"),
    "ix_incident_geom": ("incident", "geom"),
}


def upgrade() -> None:
    is_postgis = op.get_bind().dialect.name == "postgresql"
    if is_postgis:
        op.execute("CREATE EXTENSION IF NOT EXISTS postgis")

    op.create_table(
        "grid",
        sa.Column("code", sa.String(20), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("level", sa.String(10), nullable=False),
        sa.Column("parent_code", sa.String(20)),
        sa.Column("geom", GeometryType("MULTIPOLYGON"), nullable=False),
        sa.Column("geom_overview", GeometryType("MULTIPOLYGON")),
        sa.Column("geom_detail", GeometryType("MULTIPOLYGON")),
        sa.Column("minx", sa.Float, nullable=False),
        sa.Column("miny", sa.Float, nullable=False),
        sa.Column("maxx", sa.Float, nullable=False),
        sa.Column("maxy", sa.Float, nullable=False),
        sa.Column("label_lon", sa.Float, nullable=False),
        sa.Column("label_lat", sa.Float, nullable=False),
        sa.Column("area_m2", sa.Float, nullable=False),
        sa.Column("households", sa.Integer, nullable=False),
        sa.Column("population", sa.Integer, nullable=False),
        sa.Column("staff", sa.JSON, nullable=False),
        sa.CheckConstraint("level IN ('large', 'medium', 'small')", name="ck_grid_level"),
    )
    op.create_index("ix_grid_level_parent", "grid", ["level", "parent_code"])
    op.create_index("ix_grid_bbox", "grid", ["minx", "maxx", "miny", "maxy"])

    op.create_table(
        "app_meta",
        sa.Column("key", sa.String(50), primary_key=True),
        sa.Column("value", sa.String(200), nullable=False),
    )
    op.create_table(
        "department",
        sa.Column("code", sa.String(20), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("short_name", sa.String(30), nullable=False),
        sa.Column("phone", sa.String(30)),
    )
    op.create_table(
        "category",
        sa.Column("code", sa.String(20), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("parent_code", sa.String(20), sa.ForeignKey("category.code")),
        sa.Column("department_code", sa.String(20), sa.ForeignKey("department.code")),
        sa.Column("accept_limit", sa.String(10)),
        sa.Column("dispatch_limit", sa.String(10)),
        sa.Column("claim_limit", sa.String(10)),
        sa.Column("handle_limit", sa.String(10)),
        sa.Column("verify_limit", sa.String(10)),
        sa.Column("urgent", sa.Boolean, nullable=False),
        sa.Column("weight", sa.Float, nullable=False),
    )
    op.create_table(
        "incident",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_no", sa.String(40), nullable=False, unique=True),
        sa.Column("category_code", sa.String(20), sa.ForeignKey("category.code"), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("reporter_name", sa.String(50)),
        sa.Column("reporter_phone", sa.String(30)),
        sa.Column("address", sa.String(200)),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("geom", GeometryType("POINT"), nullable=False),
        sa.Column("raw_lon", sa.Float, nullable=False),
        sa.Column("raw_lat", sa.Float, nullable=False),
        sa.Column("raw_crs", sa.String(20), nullable=False),
        sa.Column("small_code", sa.String(20), nullable=False),
        sa.Column("medium_code", sa.String(20), nullable=False),
        sa.Column("large_code", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("department_code", sa.String(20), sa.ForeignKey("department.code")),
        sa.Column("co_departments", sa.JSON, nullable=False),
        sa.Column("claimed_by", sa.String(50)),
        sa.Column("urgent", sa.Boolean, nullable=False),
        sa.Column("escalation_level", sa.Integer, nullable=False),
        sa.Column("rework_count", sa.Integer, nullable=False),
        sa.Column("return_count", sa.Integer, nullable=False),
        sa.Column("extension_count", sa.Integer, nullable=False),
        sa.Column("reopened", sa.Boolean, nullable=False),
        sa.Column("resolved_on_site", sa.Boolean, nullable=False),
        sa.Column("pending_extension_hours", sa.Float),
        sa.Column("rating", sa.String(10)),
        sa.Column("stage", sa.String(20)),
        sa.Column("stage_started_at", UTCDateTime()),
        sa.Column("stage_due_at", UTCDateTime()),
        sa.Column("handle_due_at", UTCDateTime()),
        sa.Column("reported_at", UTCDateTime(), nullable=False),
        sa.Column("accepted_at", UTCDateTime()),
        sa.Column("dispatched_at", UTCDateTime()),
        sa.Column("handled_at", UTCDateTime()),
        sa.Column("closed_at", UTCDateTime()),
        sa.Column("rated_at", UTCDateTime()),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("idempotency_key", sa.String(100), unique=True),
        sa.Column("external_id", sa.String(100), unique=True),
        sa.CheckConstraint("lon BETWEEN -180 AND 180 AND lat BETWEEN -90 AND 90", name="ck_lonlat"),
    )
    for column in ("small_code", "medium_code", "large_code", "status", "reported_at"):
        op.create_index(f"ix_incident_{column}", "incident", [column])
    op.create_index("ix_incident_lonlat", "incident", ["lon", "lat"])
    op.create_index("ix_incident_status_dept", "incident", ["status", "department_code"])
    op.create_index("ix_incident_category_reported", "incident", ["category_code", "reported_at"])

    op.create_table(
        "incident_event",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("incident_id", sa.Integer, sa.ForeignKey("incident.id"), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("action", sa.String(30), nullable=False),
        sa.Column("from_status", sa.String(20)),
        sa.Column("to_status", sa.String(20), nullable=False),
        sa.Column("actor", sa.String(50), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("department_code", sa.String(20)),
        sa.Column("note", sa.Text),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("incident_id", "seq", name="uq_event_incident_seq"),
    )
    op.create_index("ix_incident_event_incident_id", "incident_event", ["incident_id"])
    op.create_index("ix_incident_event_at", "incident_event", ["at"])

    op.create_table(
        "incident_photo",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("incident_id", sa.Integer, sa.ForeignKey("incident.id"), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("content_type", sa.String(50), nullable=False),
        sa.Column("size_bytes", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("uploaded_by", sa.String(50), nullable=False),
        sa.Column("uploaded_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_incident_photo_incident_id", "incident_photo", ["incident_id"])

    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(80), nullable=False, unique=True),
        sa.Column("full_name", sa.String(80), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("department_code", sa.String(20), sa.ForeignKey("department.code")),
        sa.Column("grid_codes", sa.JSON, nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
    )

    if is_postgis:
        for name, (table, column) in GIST_INDEXES.items():
            op.create_index(name, table, [column], postgresql_using="gist")


def downgrade() -> None:
    for table in (
        "app_user",
        "incident_photo",
        "incident_event",
        "incident",
        "category",
        "department",
        "grid",
        "app_meta",
    ):
        op.drop_table(table)
