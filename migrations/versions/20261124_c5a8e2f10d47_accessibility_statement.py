"""The accessibility statement and the record of automated accessibility checks

Revision ID: c5a8e2f10d47
Revises: b7e41c0d9a35
Create Date: 2026-11-24 01:00:00
"""

import sqlalchemy as sa
from alembic import op

import portal.types

revision = "c5a8e2f10d47"
down_revision = "b7e41c0d9a35"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "accessibility_statements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("service_name", sa.String(length=200), nullable=False),
        sa.Column("compliance", sa.String(length=10), nullable=False),
        sa.Column("shortcomings_sv", sa.Text(), nullable=False),
        sa.Column("shortcomings_en", sa.Text(), nullable=False),
        sa.Column("feedback_sv", sa.Text(), nullable=False),
        sa.Column("feedback_en", sa.Text(), nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=False),
        sa.Column("method_sv", sa.Text(), nullable=False),
        sa.Column("method_en", sa.Text(), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=False),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("updated_at", portal.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_accessibility_statements_updated_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accessibility_statements")),
    )
    op.create_table(
        "accessibility_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checked_at", portal.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("tool", sa.String(length=80), nullable=False),
        sa.Column("standard", sa.String(length=80), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("violations", sa.Integer(), nullable=False),
        sa.Column("recorded_at", portal.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accessibility_checks")),
    )
    with op.batch_alter_table("accessibility_checks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_accessibility_checks_checked_at"), ["checked_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("accessibility_checks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_accessibility_checks_checked_at"))
    op.drop_table("accessibility_checks")
    op.drop_table("accessibility_statements")
