"""submissions.submitted_on: the Stockholm day a submission counts on (the board's inflow)

SQLite cannot convert time zones, so the day is stored beside submitted_at, backfilled here
from it (Europe/Stockholm), and indexed with the columns the board's inflow groups by.
Only ADD COLUMN and CREATE INDEX: on SQLite anything that makes batch mode copy the table
would drop the full-text triggers on submissions.

Revision ID: 6cf400518fe9
Revises: f344ef6fb16f
Create Date: 2026-11-24 00:07:41

"""

from datetime import UTC
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "6cf400518fe9"
down_revision = "f344ef6fb16f"
branch_labels = None
depends_on = None

STOCKHOLM = ZoneInfo("Europe/Stockholm")
BATCH = 5000


def upgrade():
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("submitted_on", sa.Date(), nullable=True))

    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(
            "UPDATE submissions SET submitted_on = "
            "(submitted_at AT TIME ZONE 'Europe/Stockholm')::date WHERE submitted_at IS NOT NULL"
        )
    else:
        _backfill_in_python(bind)

    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_submissions_inflow",
            [
                "submitted_on",
                "party_id",
                "focus_area_id",
                "kind",
                "call_id",
                "state",
                "submitter_id",
            ],
            unique=False,
        )


def _backfill_in_python(bind) -> None:
    """SQLite stores submitted_at as naive UTC text; convert each to the Stockholm day."""
    submissions = sa.table(
        "submissions",
        sa.column("id", sa.Integer),
        sa.column("submitted_at", sa.DateTime),
        sa.column("submitted_on", sa.Date),
    )
    rows = bind.execute(
        sa.select(submissions.c.id, submissions.c.submitted_at).where(
            submissions.c.submitted_at.is_not(None)
        )
    ).all()
    update = (
        sa.update(submissions)
        .where(submissions.c.id == sa.bindparam("row_id"))
        .values(submitted_on=sa.bindparam("day"))
    )
    for start in range(0, len(rows), BATCH):
        bind.execute(
            update,
            [
                {"row_id": row.id, "day": _day(row.submitted_at)}
                for row in rows[start : start + BATCH]
            ],
        )


def _day(moment):
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(STOCKHOLM).date()


def downgrade():
    op.drop_index("ix_submissions_inflow", table_name="submissions")
    # Plain DROP COLUMN (SQLite 3.35+): batch mode would copy the table and lose its triggers.
    op.execute("ALTER TABLE submissions DROP COLUMN submitted_on")
