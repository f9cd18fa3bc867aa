"""Board speed: who submitted per month (for the distinct employees), and the monthly
summaries WITHOUT ROWID on SQLite

Revision ID: 4d2c8e6f1a90
Revises: 9b4e7c21d5a3
Create Date: 2026-11-24 04:00:00

A second trigger-kept summary, submitter_months, holds who submitted per Stockholm month,
source and focus area, so the board counts the distinct employees per party over years from
a few thousand rows. On SQLite both summaries become WITHOUT ROWID tables (submission_months
is rebuilt), so a range of months is read from the table in key order. The trigger and
backfill SQL are frozen copies of portal/board/monthly.py as of this revision; the downgrade
drops submitter_months and leaves submission_months as it is (WITHOUT ROWID reads the same).
"""

import sqlalchemy as sa
from alembic import op

revision = "4d2c8e6f1a90"
down_revision = "9b4e7c21d5a3"
branch_labels = None
depends_on = None

SUBMITTERS_SQLITE = [
    "CREATE TRIGGER IF NOT EXISTS submitter_months_ai AFTER INSERT ON submissions WHEN new.submitted_on IS NOT NULL AND new.submitter_id IS NOT NULL BEGIN INSERT INTO submitter_months (month, party_id, focus_area_id, submitter_id, total) SELECT date(new.submitted_on, 'start of month'), coalesce(new.party_id, 0), coalesce(new.focus_area_id, 0), new.submitter_id, 1 WHERE new.submitted_on IS NOT NULL AND new.submitter_id IS NOT NULL ON CONFLICT (month, party_id, focus_area_id, submitter_id) DO UPDATE SET total = submitter_months.total + 1; END",
    "CREATE TRIGGER IF NOT EXISTS submitter_months_ad AFTER DELETE ON submissions WHEN old.submitted_on IS NOT NULL AND old.submitter_id IS NOT NULL BEGIN UPDATE submitter_months SET total = total - 1 WHERE month = date(old.submitted_on, 'start of month') AND party_id = coalesce(old.party_id, 0) AND focus_area_id = coalesce(old.focus_area_id, 0) AND submitter_id = old.submitter_id; END",
    "CREATE TRIGGER IF NOT EXISTS submitter_months_au AFTER UPDATE OF submitted_on, party_id, focus_area_id, submitter_id ON submissions WHEN old.submitted_on IS NOT new.submitted_on OR old.party_id IS NOT new.party_id OR old.focus_area_id IS NOT new.focus_area_id OR old.submitter_id IS NOT new.submitter_id BEGIN UPDATE submitter_months SET total = total - 1 WHERE month = date(old.submitted_on, 'start of month') AND party_id = coalesce(old.party_id, 0) AND focus_area_id = coalesce(old.focus_area_id, 0) AND submitter_id = old.submitter_id; INSERT INTO submitter_months (month, party_id, focus_area_id, submitter_id, total) SELECT date(new.submitted_on, 'start of month'), coalesce(new.party_id, 0), coalesce(new.focus_area_id, 0), new.submitter_id, 1 WHERE new.submitted_on IS NOT NULL AND new.submitter_id IS NOT NULL ON CONFLICT (month, party_id, focus_area_id, submitter_id) DO UPDATE SET total = submitter_months.total + 1; END",
]
SUBMITTERS_POSTGRES = [
    "CREATE OR REPLACE FUNCTION submitter_months_keep() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n    IF TG_OP = 'INSERT' THEN\n        INSERT INTO submitter_months (month, party_id, focus_area_id, submitter_id, total) SELECT CAST(date_trunc('month', NEW.submitted_on) AS date), coalesce(NEW.party_id, 0), coalesce(NEW.focus_area_id, 0), NEW.submitter_id, 1 WHERE NEW.submitted_on IS NOT NULL AND NEW.submitter_id IS NOT NULL ON CONFLICT (month, party_id, focus_area_id, submitter_id) DO UPDATE SET total = submitter_months.total + 1;\n    ELSIF TG_OP = 'DELETE' THEN\n        UPDATE submitter_months SET total = total - 1 WHERE month = CAST(date_trunc('month', OLD.submitted_on) AS date) AND party_id = coalesce(OLD.party_id, 0) AND focus_area_id = coalesce(OLD.focus_area_id, 0) AND submitter_id = OLD.submitter_id;\n    ELSIF OLD.submitted_on IS NOT NULL AND OLD.submitter_id IS NOT NULL AND NEW.submitted_on IS NOT NULL AND NEW.submitter_id IS NOT NULL\n            AND ROW(CAST(date_trunc('month', OLD.submitted_on) AS date), coalesce(OLD.party_id, 0), coalesce(OLD.focus_area_id, 0), OLD.submitter_id) < ROW(CAST(date_trunc('month', NEW.submitted_on) AS date), coalesce(NEW.party_id, 0), coalesce(NEW.focus_area_id, 0), NEW.submitter_id) THEN\n        UPDATE submitter_months SET total = total - 1 WHERE month = CAST(date_trunc('month', OLD.submitted_on) AS date) AND party_id = coalesce(OLD.party_id, 0) AND focus_area_id = coalesce(OLD.focus_area_id, 0) AND submitter_id = OLD.submitter_id;\n        INSERT INTO submitter_months (month, party_id, focus_area_id, submitter_id, total) SELECT CAST(date_trunc('month', NEW.submitted_on) AS date), coalesce(NEW.party_id, 0), coalesce(NEW.focus_area_id, 0), NEW.submitter_id, 1 WHERE NEW.submitted_on IS NOT NULL AND NEW.submitter_id IS NOT NULL ON CONFLICT (month, party_id, focus_area_id, submitter_id) DO UPDATE SET total = submitter_months.total + 1;\n    ELSE\n        INSERT INTO submitter_months (month, party_id, focus_area_id, submitter_id, total) SELECT CAST(date_trunc('month', NEW.submitted_on) AS date), coalesce(NEW.party_id, 0), coalesce(NEW.focus_area_id, 0), NEW.submitter_id, 1 WHERE NEW.submitted_on IS NOT NULL AND NEW.submitter_id IS NOT NULL ON CONFLICT (month, party_id, focus_area_id, submitter_id) DO UPDATE SET total = submitter_months.total + 1;\n        UPDATE submitter_months SET total = total - 1 WHERE month = CAST(date_trunc('month', OLD.submitted_on) AS date) AND party_id = coalesce(OLD.party_id, 0) AND focus_area_id = coalesce(OLD.focus_area_id, 0) AND submitter_id = OLD.submitter_id;\n    END IF;\n    RETURN NULL;\nEND $$",
    "DROP TRIGGER IF EXISTS submitter_months_insert_delete ON submissions",
    "CREATE TRIGGER submitter_months_insert_delete AFTER INSERT OR DELETE ON submissions FOR EACH ROW EXECUTE FUNCTION submitter_months_keep()",
    "DROP TRIGGER IF EXISTS submitter_months_update ON submissions",
    "CREATE TRIGGER submitter_months_update AFTER UPDATE OF submitted_on, party_id, focus_area_id, submitter_id ON submissions FOR EACH ROW WHEN (ROW(OLD.submitted_on, OLD.party_id, OLD.focus_area_id, OLD.submitter_id) IS DISTINCT FROM ROW(NEW.submitted_on, NEW.party_id, NEW.focus_area_id, NEW.submitter_id)) EXECUTE FUNCTION submitter_months_keep()",
]
SUBMITTERS_BACKFILL = {
    "sqlite": "INSERT INTO submitter_months (month, party_id, focus_area_id, submitter_id, total) SELECT date(submissions.submitted_on, 'start of month'), coalesce(submissions.party_id, 0), coalesce(submissions.focus_area_id, 0), submissions.submitter_id, count(*) FROM submissions WHERE submissions.submitted_on IS NOT NULL AND submissions.submitter_id IS NOT NULL GROUP BY date(submissions.submitted_on, 'start of month'), coalesce(submissions.party_id, 0), coalesce(submissions.focus_area_id, 0), submissions.submitter_id",
    "postgresql": "INSERT INTO submitter_months (month, party_id, focus_area_id, submitter_id, total) SELECT CAST(date_trunc('month', submissions.submitted_on) AS date), coalesce(submissions.party_id, 0), coalesce(submissions.focus_area_id, 0), submissions.submitter_id, count(*) FROM submissions WHERE submissions.submitted_on IS NOT NULL AND submissions.submitter_id IS NOT NULL GROUP BY CAST(date_trunc('month', submissions.submitted_on) AS date), coalesce(submissions.party_id, 0), coalesce(submissions.focus_area_id, 0), submissions.submitter_id",
}
MONTHS_SQLITE = [
    "CREATE TRIGGER IF NOT EXISTS submission_months_ai AFTER INSERT ON submissions WHEN new.submitted_on IS NOT NULL BEGIN INSERT INTO submission_months (month, party_id, focus_area_id, kind, call_id, state, total) SELECT date(new.submitted_on, 'start of month'), coalesce(new.party_id, 0), coalesce(new.focus_area_id, 0), new.kind, coalesce(new.call_id, 0), new.state, 1 WHERE new.submitted_on IS NOT NULL ON CONFLICT (month, party_id, focus_area_id, kind, call_id, state) DO UPDATE SET total = submission_months.total + 1; END",
    "CREATE TRIGGER IF NOT EXISTS submission_months_ad AFTER DELETE ON submissions WHEN old.submitted_on IS NOT NULL BEGIN UPDATE submission_months SET total = total - 1 WHERE month = date(old.submitted_on, 'start of month') AND party_id = coalesce(old.party_id, 0) AND focus_area_id = coalesce(old.focus_area_id, 0) AND kind = old.kind AND call_id = coalesce(old.call_id, 0) AND state = old.state; END",
    "CREATE TRIGGER IF NOT EXISTS submission_months_au AFTER UPDATE OF submitted_on, party_id, focus_area_id, kind, call_id, state ON submissions WHEN old.submitted_on IS NOT new.submitted_on OR old.party_id IS NOT new.party_id OR old.focus_area_id IS NOT new.focus_area_id OR old.kind IS NOT new.kind OR old.call_id IS NOT new.call_id OR old.state IS NOT new.state BEGIN UPDATE submission_months SET total = total - 1 WHERE month = date(old.submitted_on, 'start of month') AND party_id = coalesce(old.party_id, 0) AND focus_area_id = coalesce(old.focus_area_id, 0) AND kind = old.kind AND call_id = coalesce(old.call_id, 0) AND state = old.state; INSERT INTO submission_months (month, party_id, focus_area_id, kind, call_id, state, total) SELECT date(new.submitted_on, 'start of month'), coalesce(new.party_id, 0), coalesce(new.focus_area_id, 0), new.kind, coalesce(new.call_id, 0), new.state, 1 WHERE new.submitted_on IS NOT NULL ON CONFLICT (month, party_id, focus_area_id, kind, call_id, state) DO UPDATE SET total = submission_months.total + 1; END",
]


def _months_table(name):
    op.create_table(
        name,
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("focus_area_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "month",
            "party_id",
            "focus_area_id",
            "kind",
            "call_id",
            "state",
            name="pk_submission_months",
        ),
        sqlite_with_rowid=False,
    )


def upgrade():
    dialect = op.get_bind().dialect.name
    op.create_table(
        "submitter_months",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("focus_area_id", sa.Integer(), nullable=False),
        sa.Column("submitter_id", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "month",
            "party_id",
            "focus_area_id",
            "submitter_id",
            name=op.f("pk_submitter_months"),
        ),
        sqlite_with_rowid=False,
    )
    op.execute(SUBMITTERS_BACKFILL[dialect])
    for statement in SUBMITTERS_SQLITE if dialect == "sqlite" else SUBMITTERS_POSTGRES:
        op.execute(statement)
    if dialect == "sqlite":
        # Rebuilt in the same transaction: its triggers first (they name the table), then
        # the rows copied into a WITHOUT ROWID table of the same name and key.
        for suffix in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS submission_months_{suffix}")
        op.rename_table("submission_months", "submission_months_old")
        _months_table("submission_months")
        op.execute("INSERT INTO submission_months SELECT * FROM submission_months_old")
        op.drop_table("submission_months_old")
        for statement in MONTHS_SQLITE:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for suffix in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS submitter_months_{suffix}")
    else:
        op.execute("DROP TRIGGER IF EXISTS submitter_months_insert_delete ON submissions")
        op.execute("DROP TRIGGER IF EXISTS submitter_months_update ON submissions")
        op.execute("DROP FUNCTION IF EXISTS submitter_months_keep()")
    op.drop_table("submitter_months")
