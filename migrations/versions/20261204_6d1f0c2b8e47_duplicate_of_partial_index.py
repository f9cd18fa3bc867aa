"""The index on submissions.duplicate_of_id holds only duplicates (a partial index)

Revision ID: 6d1f0c2b8e47
Revises: 9c4e2a7d1b30
Create Date: 2026-12-04 21:00:00

Most submissions are no duplicate. Over a full index, SQLite's statistics (ANALYZE) count
their NULLs as one key matching nearly every row, so the planner scanned the whole table for
"the duplicates of these submissions" (the hub's parties of an initiative: /hubb took 0.7 s at
100 000 submissions). The partial index has only the duplicates, on both databases.
"""

from alembic import op
import sqlalchemy as sa

revision = "6d1f0c2b8e47"
down_revision = "9c4e2a7d1b30"
branch_labels = None
depends_on = None

NOT_NULL = sa.text("duplicate_of_id IS NOT NULL")


def upgrade():
    # Plain index operations (no batch copy of the table: its full-text triggers stay).
    op.drop_index("ix_submissions_duplicate_of_id", table_name="submissions")
    op.create_index(
        "ix_submissions_duplicate_of_id",
        "submissions",
        ["duplicate_of_id"],
        unique=False,
        sqlite_where=NOT_NULL,
        postgresql_where=NOT_NULL,
    )


def downgrade():
    op.drop_index("ix_submissions_duplicate_of_id", table_name="submissions")
    op.create_index("ix_submissions_duplicate_of_id", "submissions", ["duplicate_of_id"])
