"""Board speed: each initiative's origin day, kept by the database, for the funnel

Revision ID: b3e81f4a9c20
Revises: 6d1f0c2b8e47
Create Date: 2026-12-05 00:00:00

initiatives.origin_submitted_on holds the day the initiative's submission was submitted while
that submission is in the portfolio (portal/board/origin_day.py): the board's funnel reads the
initiatives of a period by it instead of looking up each one's submission. Triggers keep it;
their SQL is a frozen copy of portal/board/origin_day.py as of this revision. The rows already
there are filled once.
"""

import sqlalchemy as sa
from alembic import op

revision = "b3e81f4a9c20"
down_revision = "6d1f0c2b8e47"
branch_labels = None
depends_on = None

SQLITE = [
    "CREATE TRIGGER IF NOT EXISTS initiatives_origin_day_ai AFTER INSERT ON initiatives WHEN new.origin_submission_id IS NOT NULL BEGIN UPDATE initiatives SET origin_submitted_on = (SELECT CASE WHEN s.state = 'in_portfolio' THEN s.submitted_on END FROM submissions AS s WHERE s.id = new.origin_submission_id) WHERE id = new.id; END",
    "CREATE TRIGGER IF NOT EXISTS initiatives_origin_day_au AFTER UPDATE OF origin_submission_id ON initiatives BEGIN UPDATE initiatives SET origin_submitted_on = (SELECT CASE WHEN s.state = 'in_portfolio' THEN s.submitted_on END FROM submissions AS s WHERE s.id = new.origin_submission_id) WHERE id = new.id; END",
    "CREATE TRIGGER IF NOT EXISTS submissions_origin_day_au AFTER UPDATE OF submitted_on, state ON submissions WHEN old.submitted_on IS NOT new.submitted_on OR old.state IS NOT new.state BEGIN UPDATE initiatives SET origin_submitted_on = CASE WHEN new.state = 'in_portfolio' THEN new.submitted_on END WHERE origin_submission_id = new.id; END",
]
POSTGRES = [
    "CREATE OR REPLACE FUNCTION initiatives_origin_day() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n    NEW.origin_submitted_on := (SELECT CASE WHEN s.state = 'in_portfolio' THEN s.submitted_on END FROM submissions AS s WHERE s.id = NEW.origin_submission_id);\n    RETURN NEW;\nEND $$",
    "DROP TRIGGER IF EXISTS initiatives_origin_day ON initiatives",
    "CREATE TRIGGER initiatives_origin_day BEFORE INSERT OR UPDATE OF origin_submission_id ON initiatives FOR EACH ROW EXECUTE FUNCTION initiatives_origin_day()",
    "CREATE OR REPLACE FUNCTION submissions_origin_day() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n    UPDATE initiatives SET origin_submitted_on = CASE WHEN NEW.state = 'in_portfolio' THEN NEW.submitted_on END WHERE origin_submission_id = NEW.id;\n    RETURN NULL;\nEND $$",
    "DROP TRIGGER IF EXISTS submissions_origin_day ON submissions",
    "CREATE TRIGGER submissions_origin_day AFTER UPDATE OF submitted_on, state ON submissions FOR EACH ROW WHEN (OLD.submitted_on IS DISTINCT FROM NEW.submitted_on OR OLD.state IS DISTINCT FROM NEW.state) EXECUTE FUNCTION submissions_origin_day()",
]
BACKFILL = "UPDATE initiatives SET origin_submitted_on = (SELECT CASE WHEN s.state = 'in_portfolio' THEN s.submitted_on END FROM submissions AS s WHERE s.id = initiatives.origin_submission_id) WHERE origin_submission_id IS NOT NULL"
DROP_SQLITE = [
    "DROP TRIGGER IF EXISTS initiatives_origin_day_ai",
    "DROP TRIGGER IF EXISTS initiatives_origin_day_au",
    "DROP TRIGGER IF EXISTS submissions_origin_day_au",
]
DROP_POSTGRES = [
    "DROP TRIGGER IF EXISTS initiatives_origin_day ON initiatives",
    "DROP TRIGGER IF EXISTS submissions_origin_day ON submissions",
    "DROP FUNCTION IF EXISTS initiatives_origin_day()",
    "DROP FUNCTION IF EXISTS submissions_origin_day()",
]


def _run(statements):
    for statement in statements:
        op.execute(statement)


def upgrade():
    # Plain operations (no batch copy of the table: its triggers stay).
    op.add_column("initiatives", sa.Column("origin_submitted_on", sa.Date(), nullable=True))
    op.create_index(
        "ix_initiatives_origin_submitted_on", "initiatives", ["origin_submitted_on"], unique=False
    )
    postgresql = op.get_bind().dialect.name == "postgresql"
    _run(POSTGRES if postgresql else SQLITE)
    op.execute(BACKFILL)


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    _run(DROP_POSTGRES if postgresql else DROP_SQLITE)
    op.drop_index("ix_initiatives_origin_submitted_on", table_name="initiatives")
    op.drop_column("initiatives", "origin_submitted_on")
