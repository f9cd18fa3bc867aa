"""Held uploads: files accepted in a form round that failed for another reason, kept under a
short-lived token until the form is sent (then they become attachments) or `flask retention
run` removes them unsent.

Revision ID: c708999dbc8d
Revises: 97c5789c6013
Create Date: 2026-12-03 13:39:50.291101

"""

from alembic import op
import sqlalchemy as sa

import portal.types


# revision identifiers, used by Alembic.
revision = "c708999dbc8d"
down_revision = "97c5789c6013"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "held_uploads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=12), nullable=False),
        sa.Column("stored_name", sa.String(length=64), nullable=False),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", portal.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "content_type IN ('image/png', 'image/jpeg', 'image/webp', 'application/pdf')",
            name=op.f("ck_held_uploads_content_type_valid"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_held_uploads")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_held_uploads_stored_name")),
    )
    with op.batch_alter_table("held_uploads", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_held_uploads_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_held_uploads_token_hash"), ["token_hash"], unique=False
        )


def downgrade():
    with op.batch_alter_table("held_uploads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_held_uploads_token_hash"))
        batch_op.drop_index(batch_op.f("ix_held_uploads_created_at"))

    op.drop_table("held_uploads")
