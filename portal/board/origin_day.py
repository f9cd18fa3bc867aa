"""Each initiative's origin day, kept by the database for the board's funnel.

The funnel (portal/board/figures.py) counts the initiatives of the submissions a period took
into a portfolio, by the furthest phase each has reached. Finding them through their
submissions cost a lookup per initiative (PostgreSQL, 3 000 initiatives over five years: 8.7
ms of a first look at the board). `initiatives.origin_submitted_on` holds the day the
initiative's submission was submitted while that submission is in the portfolio, NULL
otherwise (an initiative created directly, or a submission not taken in), so the funnel reads
the initiatives of a period by an index on it (2.7 ms).

Triggers keep it in the same transaction as every change it follows: an initiative made or
given another submission, and a submission's day or state changed. No code writes the column.
SQLite: AFTER triggers that update the row; PostgreSQL: a BEFORE trigger that sets it on the
initiative, and one on submissions.
"""

# ruff: noqa: S608  (the SQL is made of constants only)
from __future__ import annotations

from portal.submissions.models import State

COLUMN = "origin_submitted_on"
IN_PORTFOLIO = State.IN_PORTFOLIO.value


def _of(row: str) -> str:
    """The value for the submission `row` (a row of submissions)."""
    return f"CASE WHEN {row}.state = '{IN_PORTFOLIO}' THEN {row}.submitted_on END"


def _looked_up(initiative: str) -> str:
    return (
        f"(SELECT {_of('s')} FROM submissions AS s WHERE s.id = {initiative}.origin_submission_id)"
    )


SQLITE_DDL = [
    "CREATE TRIGGER IF NOT EXISTS initiatives_origin_day_ai AFTER INSERT ON initiatives "
    "WHEN new.origin_submission_id IS NOT NULL "
    f"BEGIN UPDATE initiatives SET {COLUMN} = {_looked_up('new')} WHERE id = new.id; END",
    "CREATE TRIGGER IF NOT EXISTS initiatives_origin_day_au "
    "AFTER UPDATE OF origin_submission_id ON initiatives "
    f"BEGIN UPDATE initiatives SET {COLUMN} = {_looked_up('new')} WHERE id = new.id; END",
    "CREATE TRIGGER IF NOT EXISTS submissions_origin_day_au "
    "AFTER UPDATE OF submitted_on, state ON submissions "
    "WHEN old.submitted_on IS NOT new.submitted_on OR old.state IS NOT new.state "
    f"BEGIN UPDATE initiatives SET {COLUMN} = {_of('new')} "
    "WHERE origin_submission_id = new.id; END",
]

POSTGRES_DDL = [
    f"""CREATE OR REPLACE FUNCTION initiatives_origin_day() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.{COLUMN} := {_looked_up("NEW")};
    RETURN NEW;
END $$""",
    "DROP TRIGGER IF EXISTS initiatives_origin_day ON initiatives",
    "CREATE TRIGGER initiatives_origin_day BEFORE INSERT OR UPDATE OF origin_submission_id "
    "ON initiatives FOR EACH ROW EXECUTE FUNCTION initiatives_origin_day()",
    f"""CREATE OR REPLACE FUNCTION submissions_origin_day() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE initiatives SET {COLUMN} = {_of("NEW")} WHERE origin_submission_id = NEW.id;
    RETURN NULL;
END $$""",
    "DROP TRIGGER IF EXISTS submissions_origin_day ON submissions",
    "CREATE TRIGGER submissions_origin_day AFTER UPDATE OF submitted_on, state ON submissions "
    "FOR EACH ROW WHEN (OLD.submitted_on IS DISTINCT FROM NEW.submitted_on "
    "OR OLD.state IS DISTINCT FROM NEW.state) EXECUTE FUNCTION submissions_origin_day()",
]

# What the migration that made the column ran once over the rows already there.
BACKFILL = (
    f"UPDATE initiatives SET {COLUMN} = {_looked_up('initiatives')} "
    "WHERE origin_submission_id IS NOT NULL"
)
