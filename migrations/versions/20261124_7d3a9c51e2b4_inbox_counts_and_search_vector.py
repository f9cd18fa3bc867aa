"""Inbox speed: trigger-kept counts per state; a stored search vector on PostgreSQL

Revision ID: 7d3a9c51e2b4
Revises: 2ec5a099ed22
Create Date: 2026-11-24 01:00:00

The trigger and search SQL are frozen copies of portal/triage/counts.py and
portal/triage/search.py as of this revision.
"""

import sqlalchemy as sa
from alembic import op

revision = "7d3a9c51e2b4"
down_revision = "2ec5a099ed22"
branch_labels = None
depends_on = None

SQLITE_COUNT_TRIGGERS = [
    "CREATE TRIGGER IF NOT EXISTS submission_state_counts_ai AFTER INSERT ON submissions BEGIN INSERT INTO submission_state_counts (state, total) VALUES (new.state, 1) ON CONFLICT (state) DO UPDATE SET total = submission_state_counts.total + 1; END",
    "CREATE TRIGGER IF NOT EXISTS submission_state_counts_ad AFTER DELETE ON submissions BEGIN UPDATE submission_state_counts SET total = total - 1 WHERE state = old.state; END",
    "CREATE TRIGGER IF NOT EXISTS submission_state_counts_au AFTER UPDATE OF state ON submissions WHEN old.state IS NOT new.state BEGIN UPDATE submission_state_counts SET total = total - 1 WHERE state = old.state; INSERT INTO submission_state_counts (state, total) VALUES (new.state, 1) ON CONFLICT (state) DO UPDATE SET total = submission_state_counts.total + 1; END",
]
POSTGRES_COUNT_TRIGGERS = [
    "CREATE OR REPLACE FUNCTION submission_state_counts_keep() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n    IF TG_OP = 'INSERT' THEN\n        INSERT INTO submission_state_counts (state, total) VALUES (NEW.state, 1) ON CONFLICT (state) DO UPDATE SET total = submission_state_counts.total + 1;\n    ELSIF TG_OP = 'DELETE' THEN\n        UPDATE submission_state_counts SET total = total - 1 WHERE state = OLD.state;\n    ELSIF OLD.state < NEW.state THEN\n        UPDATE submission_state_counts SET total = total - 1 WHERE state = OLD.state;\n        INSERT INTO submission_state_counts (state, total) VALUES (NEW.state, 1) ON CONFLICT (state) DO UPDATE SET total = submission_state_counts.total + 1;\n    ELSE\n        INSERT INTO submission_state_counts (state, total) VALUES (NEW.state, 1) ON CONFLICT (state) DO UPDATE SET total = submission_state_counts.total + 1;\n        UPDATE submission_state_counts SET total = total - 1 WHERE state = OLD.state;\n    END IF;\n    RETURN NULL;\nEND $$",
    "DROP TRIGGER IF EXISTS submission_state_counts_insert_delete ON submissions",
    "CREATE TRIGGER submission_state_counts_insert_delete AFTER INSERT OR DELETE ON submissions FOR EACH ROW EXECUTE FUNCTION submission_state_counts_keep()",
    "DROP TRIGGER IF EXISTS submission_state_counts_update ON submissions",
    "CREATE TRIGGER submission_state_counts_update AFTER UPDATE OF state ON submissions FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state) EXECUTE FUNCTION submission_state_counts_keep()",
]
BACKFILL = "INSERT INTO submission_state_counts (state, total) SELECT state, count(*) FROM submissions GROUP BY state"
POSTGRES_SEARCH = [
    "ALTER TABLE submissions ADD COLUMN IF NOT EXISTS search_vector tsvector GENERATED ALWAYS AS (to_tsvector('simple', coalesce(title, '') || ' ' || coalesce(timeline, '') || ' ' || coalesce(purpose, '') || ' ' || coalesce(effect_residents, '') || ' ' || coalesce(effect_society, '') || ' ' || coalesce(effect_sk, '') || ' ' || coalesce(visual_description, '') || ' ' || coalesce(responsible, '') || ' ' || coalesce(partners, '') || ' ' || coalesce(follow_up, '') || ' ' || coalesce(challenges, '') || ' ' || coalesce(key_activities, ''))) STORED",
    "CREATE INDEX IF NOT EXISTS ix_search_submissions_vector ON submissions USING gin (search_vector)",
]


def upgrade():
    op.create_table(
        "submission_state_counts",
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("state", name=op.f("pk_submission_state_counts")),
    )
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.execute(BACKFILL)
    for statement in SQLITE_COUNT_TRIGGERS if sqlite else POSTGRES_COUNT_TRIGGERS:
        op.execute(statement)
    if not sqlite:
        # The search index on an expression becomes one on a stored, generated column.
        op.execute("DROP INDEX IF EXISTS ix_search_submissions_canvas")
        for statement in POSTGRES_SEARCH:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for suffix in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS submission_state_counts_{suffix}")
    else:
        op.execute("DROP TRIGGER IF EXISTS submission_state_counts_insert_delete ON submissions")
        op.execute("DROP TRIGGER IF EXISTS submission_state_counts_update ON submissions")
        op.execute("DROP FUNCTION IF EXISTS submission_state_counts_keep()")
        op.execute("DROP INDEX IF EXISTS ix_search_submissions_vector")
        op.execute("ALTER TABLE submissions DROP COLUMN IF EXISTS search_vector")
        op.execute(
            "CREATE INDEX IF NOT EXISTS ix_search_submissions_canvas ON submissions "
            "USING gin (to_tsvector('simple', coalesce(title, '') || ' ' || coalesce(timeline, '') || ' ' || coalesce(purpose, '') || ' ' || coalesce(effect_residents, '') || ' ' || coalesce(effect_society, '') || ' ' || coalesce(effect_sk, '') || ' ' || coalesce(visual_description, '') || ' ' || coalesce(responsible, '') || ' ' || coalesce(partners, '') || ' ' || coalesce(follow_up, '') || ' ' || coalesce(challenges, '') || ' ' || coalesce(key_activities, '')))"
        )
    op.drop_table("submission_state_counts")
