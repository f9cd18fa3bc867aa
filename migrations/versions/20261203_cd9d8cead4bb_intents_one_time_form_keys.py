"""Intents: the one-time keys of forms already sent (portal/intents.py)

Revision ID: cd9d8cead4bb
Revises: 4d2c8e6f1a90
Create Date: 2026-12-03 07:38:27
"""

import sqlalchemy as sa
from alembic import op

import portal.types

revision = "cd9d8cead4bb"
down_revision = "4d2c8e6f1a90"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "intents",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("endpoint", sa.String(length=100), nullable=False),
        sa.Column("result_url", sa.String(length=500), nullable=True),
        sa.Column("created_at", portal.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_intents")),
    )
    op.create_index(op.f("ix_intents_created_at"), "intents", ["created_at"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_intents_created_at"), table_name="intents")
    op.drop_table("intents")
