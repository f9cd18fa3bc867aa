"""Board speed: the board's data version (figures cached per version)

Revision ID: 5b7d3e9a1c42
Revises: 5bf7b9225c55
Create Date: 2026-12-04 16:45:00

A one-row table, board_version, whose random number triggers on every table the board counts
replace in the same transaction as each change (portal/board/version.py); the dashboard keeps
what it counted per version and filters. The trigger SQL is a frozen copy of
portal/board/version.py as of this revision. The row is made with a first version, so the
cache works before the first change.
"""

import sqlalchemy as sa
from alembic import op

revision = "5b7d3e9a1c42"
down_revision = "5bf7b9225c55"
branch_labels = None
depends_on = None

SQLITE = [
    "CREATE TRIGGER IF NOT EXISTS board_version_submissions_ai AFTER INSERT ON submissions BEGIN INSERT INTO board_version (id, version) VALUES (1, random()) ON CONFLICT (id) DO UPDATE SET version = random(); END",
    "CREATE TRIGGER IF NOT EXISTS board_version_submissions_ad AFTER DELETE ON submissions BEGIN INSERT INTO board_version (id, version) VALUES (1, random()) ON CONFLICT (id) DO UPDATE SET version = random(); END",
    "CREATE TRIGGER IF NOT EXISTS board_version_submissions_au AFTER UPDATE OF submitted_on, party_id, focus_area_id, kind, call_id, state, submitter_id ON submissions BEGIN INSERT INTO board_version (id, version) VALUES (1, random()) ON CONFLICT (id) DO UPDATE SET version = random(); END",
    "CREATE TRIGGER IF NOT EXISTS board_version_initiatives_ai AFTER INSERT ON initiatives BEGIN INSERT INTO board_version (id, version) VALUES (1, random()) ON CONFLICT (id) DO UPDATE SET version = random(); END",
    "CREATE TRIGGER IF NOT EXISTS board_version_initiatives_ad AFTER DELETE ON initiatives BEGIN INSERT INTO board_version (id, version) VALUES (1, random()) ON CONFLICT (id) DO UPDATE SET version = random(); END",
    "CREATE TRIGGER IF NOT EXISTS board_version_initiatives_au AFTER UPDATE OF phase, portfolio_id, focus_area_id, origin_submission_id ON initiatives BEGIN INSERT INTO board_version (id, version) VALUES (1, random()) ON CONFLICT (id) DO UPDATE SET version = random(); END",
    "CREATE TRIGGER IF NOT EXISTS board_version_decisions_ai AFTER INSERT ON decisions BEGIN INSERT INTO board_version (id, version) VALUES (1, random()) ON CONFLICT (id) DO UPDATE SET version = random(); END",
    "CREATE TRIGGER IF NOT EXISTS board_version_decisions_ad AFTER DELETE ON decisions BEGIN INSERT INTO board_version (id, version) VALUES (1, random()) ON CONFLICT (id) DO UPDATE SET version = random(); END",
    "CREATE TRIGGER IF NOT EXISTS board_version_decisions_au AFTER UPDATE ON decisions BEGIN INSERT INTO board_version (id, version) VALUES (1, random()) ON CONFLICT (id) DO UPDATE SET version = random(); END",
    "CREATE TRIGGER IF NOT EXISTS board_version_ratings_ai AFTER INSERT ON ratings BEGIN INSERT INTO board_version (id, version) VALUES (1, random()) ON CONFLICT (id) DO UPDATE SET version = random(); END",
    "CREATE TRIGGER IF NOT EXISTS board_version_ratings_ad AFTER DELETE ON ratings BEGIN INSERT INTO board_version (id, version) VALUES (1, random()) ON CONFLICT (id) DO UPDATE SET version = random(); END",
    "CREATE TRIGGER IF NOT EXISTS board_version_ratings_au AFTER UPDATE ON ratings BEGIN INSERT INTO board_version (id, version) VALUES (1, random()) ON CONFLICT (id) DO UPDATE SET version = random(); END",
    "CREATE TRIGGER IF NOT EXISTS board_version_funding_requests_ai AFTER INSERT ON funding_requests BEGIN INSERT INTO board_version (id, version) VALUES (1, random()) ON CONFLICT (id) DO UPDATE SET version = random(); END",
    "CREATE TRIGGER IF NOT EXISTS board_version_funding_requests_ad AFTER DELETE ON funding_requests BEGIN INSERT INTO board_version (id, version) VALUES (1, random()) ON CONFLICT (id) DO UPDATE SET version = random(); END",
    "CREATE TRIGGER IF NOT EXISTS board_version_funding_requests_au AFTER UPDATE ON funding_requests BEGIN INSERT INTO board_version (id, version) VALUES (1, random()) ON CONFLICT (id) DO UPDATE SET version = random(); END",
    "CREATE TRIGGER IF NOT EXISTS board_version_insights_ai AFTER INSERT ON insights BEGIN INSERT INTO board_version (id, version) VALUES (1, random()) ON CONFLICT (id) DO UPDATE SET version = random(); END",
    "CREATE TRIGGER IF NOT EXISTS board_version_insights_ad AFTER DELETE ON insights BEGIN INSERT INTO board_version (id, version) VALUES (1, random()) ON CONFLICT (id) DO UPDATE SET version = random(); END",
    "CREATE TRIGGER IF NOT EXISTS board_version_insights_au AFTER UPDATE ON insights BEGIN INSERT INTO board_version (id, version) VALUES (1, random()) ON CONFLICT (id) DO UPDATE SET version = random(); END",
    "CREATE TRIGGER IF NOT EXISTS board_version_innovation_budgets_ai AFTER INSERT ON innovation_budgets BEGIN INSERT INTO board_version (id, version) VALUES (1, random()) ON CONFLICT (id) DO UPDATE SET version = random(); END",
    "CREATE TRIGGER IF NOT EXISTS board_version_innovation_budgets_ad AFTER DELETE ON innovation_budgets BEGIN INSERT INTO board_version (id, version) VALUES (1, random()) ON CONFLICT (id) DO UPDATE SET version = random(); END",
    "CREATE TRIGGER IF NOT EXISTS board_version_innovation_budgets_au AFTER UPDATE ON innovation_budgets BEGIN INSERT INTO board_version (id, version) VALUES (1, random()) ON CONFLICT (id) DO UPDATE SET version = random(); END",
    "CREATE TRIGGER IF NOT EXISTS board_version_focus_areas_ai AFTER INSERT ON focus_areas BEGIN INSERT INTO board_version (id, version) VALUES (1, random()) ON CONFLICT (id) DO UPDATE SET version = random(); END",
    "CREATE TRIGGER IF NOT EXISTS board_version_focus_areas_ad AFTER DELETE ON focus_areas BEGIN INSERT INTO board_version (id, version) VALUES (1, random()) ON CONFLICT (id) DO UPDATE SET version = random(); END",
    "CREATE TRIGGER IF NOT EXISTS board_version_focus_areas_au AFTER UPDATE ON focus_areas BEGIN INSERT INTO board_version (id, version) VALUES (1, random()) ON CONFLICT (id) DO UPDATE SET version = random(); END",
    "CREATE TRIGGER IF NOT EXISTS board_version_portfolios_ai AFTER INSERT ON portfolios BEGIN INSERT INTO board_version (id, version) VALUES (1, random()) ON CONFLICT (id) DO UPDATE SET version = random(); END",
    "CREATE TRIGGER IF NOT EXISTS board_version_portfolios_ad AFTER DELETE ON portfolios BEGIN INSERT INTO board_version (id, version) VALUES (1, random()) ON CONFLICT (id) DO UPDATE SET version = random(); END",
    "CREATE TRIGGER IF NOT EXISTS board_version_portfolios_au AFTER UPDATE ON portfolios BEGIN INSERT INTO board_version (id, version) VALUES (1, random()) ON CONFLICT (id) DO UPDATE SET version = random(); END",
    "CREATE TRIGGER IF NOT EXISTS board_version_parties_ai AFTER INSERT ON parties BEGIN INSERT INTO board_version (id, version) VALUES (1, random()) ON CONFLICT (id) DO UPDATE SET version = random(); END",
    "CREATE TRIGGER IF NOT EXISTS board_version_parties_ad AFTER DELETE ON parties BEGIN INSERT INTO board_version (id, version) VALUES (1, random()) ON CONFLICT (id) DO UPDATE SET version = random(); END",
    "CREATE TRIGGER IF NOT EXISTS board_version_parties_au AFTER UPDATE ON parties BEGIN INSERT INTO board_version (id, version) VALUES (1, random()) ON CONFLICT (id) DO UPDATE SET version = random(); END",
    "CREATE TRIGGER IF NOT EXISTS board_version_calls_ai AFTER INSERT ON calls BEGIN INSERT INTO board_version (id, version) VALUES (1, random()) ON CONFLICT (id) DO UPDATE SET version = random(); END",
    "CREATE TRIGGER IF NOT EXISTS board_version_calls_ad AFTER DELETE ON calls BEGIN INSERT INTO board_version (id, version) VALUES (1, random()) ON CONFLICT (id) DO UPDATE SET version = random(); END",
    "CREATE TRIGGER IF NOT EXISTS board_version_calls_au AFTER UPDATE ON calls BEGIN INSERT INTO board_version (id, version) VALUES (1, random()) ON CONFLICT (id) DO UPDATE SET version = random(); END",
    "CREATE TRIGGER IF NOT EXISTS board_version_users_ai AFTER INSERT ON users BEGIN INSERT INTO board_version (id, version) VALUES (1, random()) ON CONFLICT (id) DO UPDATE SET version = random(); END",
    "CREATE TRIGGER IF NOT EXISTS board_version_users_ad AFTER DELETE ON users BEGIN INSERT INTO board_version (id, version) VALUES (1, random()) ON CONFLICT (id) DO UPDATE SET version = random(); END",
    "CREATE TRIGGER IF NOT EXISTS board_version_users_au AFTER UPDATE OF party_id ON users BEGIN INSERT INTO board_version (id, version) VALUES (1, random()) ON CONFLICT (id) DO UPDATE SET version = random(); END"
]
POSTGRES = [
    "CREATE OR REPLACE FUNCTION board_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n    INSERT INTO board_version (id, version, txid)\n    VALUES (1, floor(random() * 9e15)::bigint, txid_current())\n    ON CONFLICT (id) DO UPDATE SET version = excluded.version, txid = excluded.txid\n    WHERE board_version.txid IS DISTINCT FROM excluded.txid;\n    RETURN NULL;\nEND $$",
    "DROP TRIGGER IF EXISTS board_version_submissions ON submissions",
    "CREATE CONSTRAINT TRIGGER board_version_submissions AFTER INSERT OR DELETE OR UPDATE OF submitted_on, party_id, focus_area_id, kind, call_id, state, submitter_id ON submissions DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION board_version_bump()",
    "DROP TRIGGER IF EXISTS board_version_initiatives ON initiatives",
    "CREATE CONSTRAINT TRIGGER board_version_initiatives AFTER INSERT OR DELETE OR UPDATE OF phase, portfolio_id, focus_area_id, origin_submission_id ON initiatives DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION board_version_bump()",
    "DROP TRIGGER IF EXISTS board_version_decisions ON decisions",
    "CREATE CONSTRAINT TRIGGER board_version_decisions AFTER INSERT OR DELETE OR UPDATE ON decisions DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION board_version_bump()",
    "DROP TRIGGER IF EXISTS board_version_ratings ON ratings",
    "CREATE CONSTRAINT TRIGGER board_version_ratings AFTER INSERT OR DELETE OR UPDATE ON ratings DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION board_version_bump()",
    "DROP TRIGGER IF EXISTS board_version_funding_requests ON funding_requests",
    "CREATE CONSTRAINT TRIGGER board_version_funding_requests AFTER INSERT OR DELETE OR UPDATE ON funding_requests DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION board_version_bump()",
    "DROP TRIGGER IF EXISTS board_version_insights ON insights",
    "CREATE CONSTRAINT TRIGGER board_version_insights AFTER INSERT OR DELETE OR UPDATE ON insights DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION board_version_bump()",
    "DROP TRIGGER IF EXISTS board_version_innovation_budgets ON innovation_budgets",
    "CREATE CONSTRAINT TRIGGER board_version_innovation_budgets AFTER INSERT OR DELETE OR UPDATE ON innovation_budgets DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION board_version_bump()",
    "DROP TRIGGER IF EXISTS board_version_focus_areas ON focus_areas",
    "CREATE CONSTRAINT TRIGGER board_version_focus_areas AFTER INSERT OR DELETE OR UPDATE ON focus_areas DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION board_version_bump()",
    "DROP TRIGGER IF EXISTS board_version_portfolios ON portfolios",
    "CREATE CONSTRAINT TRIGGER board_version_portfolios AFTER INSERT OR DELETE OR UPDATE ON portfolios DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION board_version_bump()",
    "DROP TRIGGER IF EXISTS board_version_parties ON parties",
    "CREATE CONSTRAINT TRIGGER board_version_parties AFTER INSERT OR DELETE OR UPDATE ON parties DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION board_version_bump()",
    "DROP TRIGGER IF EXISTS board_version_calls ON calls",
    "CREATE CONSTRAINT TRIGGER board_version_calls AFTER INSERT OR DELETE OR UPDATE ON calls DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION board_version_bump()",
    "DROP TRIGGER IF EXISTS board_version_users ON users",
    "CREATE CONSTRAINT TRIGGER board_version_users AFTER INSERT OR DELETE OR UPDATE OF party_id ON users DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION board_version_bump()"
]
DROP_SQLITE = [
    "DROP TRIGGER IF EXISTS board_version_submissions_ai",
    "DROP TRIGGER IF EXISTS board_version_submissions_ad",
    "DROP TRIGGER IF EXISTS board_version_submissions_au",
    "DROP TRIGGER IF EXISTS board_version_initiatives_ai",
    "DROP TRIGGER IF EXISTS board_version_initiatives_ad",
    "DROP TRIGGER IF EXISTS board_version_initiatives_au",
    "DROP TRIGGER IF EXISTS board_version_decisions_ai",
    "DROP TRIGGER IF EXISTS board_version_decisions_ad",
    "DROP TRIGGER IF EXISTS board_version_decisions_au",
    "DROP TRIGGER IF EXISTS board_version_ratings_ai",
    "DROP TRIGGER IF EXISTS board_version_ratings_ad",
    "DROP TRIGGER IF EXISTS board_version_ratings_au",
    "DROP TRIGGER IF EXISTS board_version_funding_requests_ai",
    "DROP TRIGGER IF EXISTS board_version_funding_requests_ad",
    "DROP TRIGGER IF EXISTS board_version_funding_requests_au",
    "DROP TRIGGER IF EXISTS board_version_insights_ai",
    "DROP TRIGGER IF EXISTS board_version_insights_ad",
    "DROP TRIGGER IF EXISTS board_version_insights_au",
    "DROP TRIGGER IF EXISTS board_version_innovation_budgets_ai",
    "DROP TRIGGER IF EXISTS board_version_innovation_budgets_ad",
    "DROP TRIGGER IF EXISTS board_version_innovation_budgets_au",
    "DROP TRIGGER IF EXISTS board_version_focus_areas_ai",
    "DROP TRIGGER IF EXISTS board_version_focus_areas_ad",
    "DROP TRIGGER IF EXISTS board_version_focus_areas_au",
    "DROP TRIGGER IF EXISTS board_version_portfolios_ai",
    "DROP TRIGGER IF EXISTS board_version_portfolios_ad",
    "DROP TRIGGER IF EXISTS board_version_portfolios_au",
    "DROP TRIGGER IF EXISTS board_version_parties_ai",
    "DROP TRIGGER IF EXISTS board_version_parties_ad",
    "DROP TRIGGER IF EXISTS board_version_parties_au",
    "DROP TRIGGER IF EXISTS board_version_calls_ai",
    "DROP TRIGGER IF EXISTS board_version_calls_ad",
    "DROP TRIGGER IF EXISTS board_version_calls_au",
    "DROP TRIGGER IF EXISTS board_version_users_ai",
    "DROP TRIGGER IF EXISTS board_version_users_ad",
    "DROP TRIGGER IF EXISTS board_version_users_au"
]
DROP_POSTGRES = [
    "DROP TRIGGER IF EXISTS board_version_submissions ON submissions",
    "DROP TRIGGER IF EXISTS board_version_initiatives ON initiatives",
    "DROP TRIGGER IF EXISTS board_version_decisions ON decisions",
    "DROP TRIGGER IF EXISTS board_version_ratings ON ratings",
    "DROP TRIGGER IF EXISTS board_version_funding_requests ON funding_requests",
    "DROP TRIGGER IF EXISTS board_version_insights ON insights",
    "DROP TRIGGER IF EXISTS board_version_innovation_budgets ON innovation_budgets",
    "DROP TRIGGER IF EXISTS board_version_focus_areas ON focus_areas",
    "DROP TRIGGER IF EXISTS board_version_portfolios ON portfolios",
    "DROP TRIGGER IF EXISTS board_version_parties ON parties",
    "DROP TRIGGER IF EXISTS board_version_calls ON calls",
    "DROP TRIGGER IF EXISTS board_version_users ON users",
    "DROP FUNCTION IF EXISTS board_version_bump()"
]


def upgrade():
    op.create_table(
        "board_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("txid", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_board_version")),
    )
    op.execute("INSERT INTO board_version (id, version) VALUES (1, 1)")
    bind = op.get_bind()
    for statement in SQLITE if bind.dialect.name == "sqlite" else POSTGRES:
        op.execute(statement)


def downgrade():
    bind = op.get_bind()
    for statement in DROP_SQLITE if bind.dialect.name == "sqlite" else DROP_POSTGRES:
        op.execute(statement)
    op.drop_table("board_version")
