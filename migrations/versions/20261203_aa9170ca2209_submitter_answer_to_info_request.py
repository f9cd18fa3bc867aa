"""The submitter's answer to process support's question (the completion form's own field):
the latest answer on the submission; every answer is also in its completion's audit entry.

Revision ID: aa9170ca2209
Revises: c708999dbc8d
Create Date: 2026-12-03 16:36:45.865688

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "aa9170ca2209"
down_revision = "c708999dbc8d"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("info_answer", sa.Text(), server_default="", nullable=False))


def downgrade():
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_column("info_answer")
