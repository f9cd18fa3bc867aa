"""Board speed: submissions counted per Stockholm month, kept by triggers

Revision ID: 9b4e7c21d5a3
Revises: 75e73cd43a59
Create Date: 2026-11-24 02:00:00

The trigger and backfill SQL are frozen copies of portal/board/monthly.py as of this
revision.
"""

import sqlalchemy as sa
from alembic import op

revision = "9b4e7c21d5a3"
down_revision = "75e73cd43a59"
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = [
    "CREATE TRIGGER IF NOT EXISTS submission_months_ai AFTER INSERT ON submissions WHEN new.submitted_on IS NOT NULL BEGIN INSERT INTO submission_months (month, party_id, focus_area_id, kind, call_id, state, total) SELECT date(new.submitted_on, 'start of month'), coalesce(new.party_id, 0), coalesce(new.focus_area_id, 0), new.kind, coalesce(new.call_id, 0), new.state, 1 WHERE new.submitted_on IS NOT NULL ON CONFLICT (month, party_id, focus_area_id, kind, call_id, state) DO UPDATE SET total = submission_months.total + 1; END",
    "CREATE TRIGGER IF NOT EXISTS submission_months_ad AFTER DELETE ON submissions WHEN old.submitted_on IS NOT NULL BEGIN UPDATE submission_months SET total = total - 1 WHERE month = date(old.submitted_on, 'start of month') AND party_id = coalesce(old.party_id, 0) AND focus_area_id = coalesce(old.focus_area_id, 0) AND kind = old.kind AND call_id = coalesce(old.call_id, 0) AND state = old.state; END",
    "CREATE TRIGGER IF NOT EXISTS submission_months_au AFTER UPDATE OF submitted_on, party_id, focus_area_id, kind, call_id, state ON submissions WHEN old.submitted_on IS NOT new.submitted_on OR old.party_id IS NOT new.party_id OR old.focus_area_id IS NOT new.focus_area_id OR old.kind IS NOT new.kind OR old.call_id IS NOT new.call_id OR old.state IS NOT new.state BEGIN UPDATE submission_months SET total = total - 1 WHERE month = date(old.submitted_on, 'start of month') AND party_id = coalesce(old.party_id, 0) AND focus_area_id = coalesce(old.focus_area_id, 0) AND kind = old.kind AND call_id = coalesce(old.call_id, 0) AND state = old.state; INSERT INTO submission_months (month, party_id, focus_area_id, kind, call_id, state, total) SELECT date(new.submitted_on, 'start of month'), coalesce(new.party_id, 0), coalesce(new.focus_area_id, 0), new.kind, coalesce(new.call_id, 0), new.state, 1 WHERE new.submitted_on IS NOT NULL ON CONFLICT (month, party_id, focus_area_id, kind, call_id, state) DO UPDATE SET total = submission_months.total + 1; END",
]
POSTGRES_TRIGGERS = [
    "CREATE OR REPLACE FUNCTION submission_months_keep() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n    IF TG_OP = 'INSERT' THEN\n        INSERT INTO submission_months (month, party_id, focus_area_id, kind, call_id, state, total) SELECT CAST(date_trunc('month', NEW.submitted_on) AS date), coalesce(NEW.party_id, 0), coalesce(NEW.focus_area_id, 0), NEW.kind, coalesce(NEW.call_id, 0), NEW.state, 1 WHERE NEW.submitted_on IS NOT NULL ON CONFLICT (month, party_id, focus_area_id, kind, call_id, state) DO UPDATE SET total = submission_months.total + 1;\n    ELSIF TG_OP = 'DELETE' THEN\n        UPDATE submission_months SET total = total - 1 WHERE month = CAST(date_trunc('month', OLD.submitted_on) AS date) AND party_id = coalesce(OLD.party_id, 0) AND focus_area_id = coalesce(OLD.focus_area_id, 0) AND kind = OLD.kind AND call_id = coalesce(OLD.call_id, 0) AND state = OLD.state;\n    ELSIF OLD.submitted_on IS NOT NULL AND NEW.submitted_on IS NOT NULL\n            AND ROW(CAST(date_trunc('month', OLD.submitted_on) AS date), coalesce(OLD.party_id, 0), coalesce(OLD.focus_area_id, 0), OLD.kind, coalesce(OLD.call_id, 0), OLD.state) < ROW(CAST(date_trunc('month', NEW.submitted_on) AS date), coalesce(NEW.party_id, 0), coalesce(NEW.focus_area_id, 0), NEW.kind, coalesce(NEW.call_id, 0), NEW.state) THEN\n        UPDATE submission_months SET total = total - 1 WHERE month = CAST(date_trunc('month', OLD.submitted_on) AS date) AND party_id = coalesce(OLD.party_id, 0) AND focus_area_id = coalesce(OLD.focus_area_id, 0) AND kind = OLD.kind AND call_id = coalesce(OLD.call_id, 0) AND state = OLD.state;\n        INSERT INTO submission_months (month, party_id, focus_area_id, kind, call_id, state, total) SELECT CAST(date_trunc('month', NEW.submitted_on) AS date), coalesce(NEW.party_id, 0), coalesce(NEW.focus_area_id, 0), NEW.kind, coalesce(NEW.call_id, 0), NEW.state, 1 WHERE NEW.submitted_on IS NOT NULL ON CONFLICT (month, party_id, focus_area_id, kind, call_id, state) DO UPDATE SET total = submission_months.total + 1;\n    ELSE\n        INSERT INTO submission_months (month, party_id, focus_area_id, kind, call_id, state, total) SELECT CAST(date_trunc('month', NEW.submitted_on) AS date), coalesce(NEW.party_id, 0), coalesce(NEW.focus_area_id, 0), NEW.kind, coalesce(NEW.call_id, 0), NEW.state, 1 WHERE NEW.submitted_on IS NOT NULL ON CONFLICT (month, party_id, focus_area_id, kind, call_id, state) DO UPDATE SET total = submission_months.total + 1;\n        UPDATE submission_months SET total = total - 1 WHERE month = CAST(date_trunc('month', OLD.submitted_on) AS date) AND party_id = coalesce(OLD.party_id, 0) AND focus_area_id = coalesce(OLD.focus_area_id, 0) AND kind = OLD.kind AND call_id = coalesce(OLD.call_id, 0) AND state = OLD.state;\n    END IF;\n    RETURN NULL;\nEND $$",
    "DROP TRIGGER IF EXISTS submission_months_insert_delete ON submissions",
    "CREATE TRIGGER submission_months_insert_delete AFTER INSERT OR DELETE ON submissions FOR EACH ROW EXECUTE FUNCTION submission_months_keep()",
    "DROP TRIGGER IF EXISTS submission_months_update ON submissions",
    "CREATE TRIGGER submission_months_update AFTER UPDATE OF submitted_on, party_id, focus_area_id, kind, call_id, state ON submissions FOR EACH ROW WHEN (ROW(OLD.submitted_on, OLD.party_id, OLD.focus_area_id, OLD.kind, OLD.call_id, OLD.state) IS DISTINCT FROM ROW(NEW.submitted_on, NEW.party_id, NEW.focus_area_id, NEW.kind, NEW.call_id, NEW.state)) EXECUTE FUNCTION submission_months_keep()",
]
SQLITE_BACKFILL = "INSERT INTO submission_months (month, party_id, focus_area_id, kind, call_id, state, total) SELECT date(submissions.submitted_on, 'start of month'), coalesce(submissions.party_id, 0), coalesce(submissions.focus_area_id, 0), submissions.kind, coalesce(submissions.call_id, 0), submissions.state, count(*) FROM submissions WHERE submitted_on IS NOT NULL GROUP BY date(submissions.submitted_on, 'start of month'), coalesce(submissions.party_id, 0), coalesce(submissions.focus_area_id, 0), submissions.kind, coalesce(submissions.call_id, 0), submissions.state"
POSTGRES_BACKFILL = "INSERT INTO submission_months (month, party_id, focus_area_id, kind, call_id, state, total) SELECT CAST(date_trunc('month', submissions.submitted_on) AS date), coalesce(submissions.party_id, 0), coalesce(submissions.focus_area_id, 0), submissions.kind, coalesce(submissions.call_id, 0), submissions.state, count(*) FROM submissions WHERE submitted_on IS NOT NULL GROUP BY CAST(date_trunc('month', submissions.submitted_on) AS date), coalesce(submissions.party_id, 0), coalesce(submissions.focus_area_id, 0), submissions.kind, coalesce(submissions.call_id, 0), submissions.state"


def upgrade():
    op.create_table(
        "submission_months",
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
            name=op.f("pk_submission_months"),
        ),
    )
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.execute(SQLITE_BACKFILL if sqlite else POSTGRES_BACKFILL)
    for statement in SQLITE_TRIGGERS if sqlite else POSTGRES_TRIGGERS:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for suffix in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS submission_months_{suffix}")
    else:
        op.execute("DROP TRIGGER IF EXISTS submission_months_insert_delete ON submissions")
        op.execute("DROP TRIGGER IF EXISTS submission_months_update ON submissions")
        op.execute("DROP FUNCTION IF EXISTS submission_months_keep()")
    op.drop_table("submission_months")
