"""Site-wide settings an admin chooses from a list (site_settings): the open data's licence.

Revision ID: 921f79aa91ff
Revises: a290b4eb4fc1
Create Date: 2026-12-04 16:22:27.351685

"""

from alembic import op
import sqlalchemy as sa

import portal.types


# revision identifiers, used by Alembic.
revision = "921f79aa91ff"
down_revision = "a290b4eb4fc1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "site_settings",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("updated_at", portal.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_site_settings_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_site_settings")),
    )


def downgrade():
    op.drop_table("site_settings")
