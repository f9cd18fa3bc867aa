"""How many submissions are in each state, kept current by the database itself.

The inbox shows a count per state on every page. Unfiltered, counting means reading every
submission (tens of milliseconds at 100 000); this table holds one row per state instead,
and triggers on `submissions` keep it in step with every insert, delete and change of state,
in the same transaction, so it is never stale and never needs a job to refresh it. Filtered
counts still come from `submissions` (see `portal.triage.inbox.state_counts`).

The triggers live outside the ORM metadata (Alembic does not compare triggers); they are
declared in portal/triage/database.py and made by the migration with the same SQL. A missing row
means zero: rows are made by the first submission in a state.
"""

from __future__ import annotations

from sqlalchemy import Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db

TABLE = "submission_state_counts"


class StateCount(db.Model):
    __tablename__ = TABLE

    state: Mapped[str] = mapped_column(String(20), primary_key=True)
    total: Mapped[int] = mapped_column(Integer, default=0)


_ADD = (
    f"INSERT INTO {TABLE} (state, total) VALUES ({{row}}.state, 1) "
    f"ON CONFLICT (state) DO UPDATE SET total = {TABLE}.total + 1"
)
_REMOVE = f"UPDATE {TABLE} SET total = total - 1 WHERE state = {{row}}.state"

SQLITE_DDL = [
    f"CREATE TRIGGER IF NOT EXISTS {TABLE}_ai AFTER INSERT ON submissions BEGIN "
    f"{_ADD.format(row='new')}; END",
    f"CREATE TRIGGER IF NOT EXISTS {TABLE}_ad AFTER DELETE ON submissions BEGIN "
    f"{_REMOVE.format(row='old')}; END",
    f"CREATE TRIGGER IF NOT EXISTS {TABLE}_au AFTER UPDATE OF state ON submissions "
    f"WHEN old.state IS NOT new.state BEGIN "
    f"{_REMOVE.format(row='old')}; {_ADD.format(row='new')}; END",
]

# One function for the three events. On a change of state the two rows are touched in the
# order of their names, so two transactions moving submissions in opposite directions
# (received -> awaiting_info and back) take the row locks in the same order.
POSTGRES_DDL = [
    f"""CREATE OR REPLACE FUNCTION {TABLE}_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_ADD.format(row="NEW")};
    ELSIF TG_OP = 'DELETE' THEN
        {_REMOVE.format(row="OLD")};
    ELSIF OLD.state < NEW.state THEN
        {_REMOVE.format(row="OLD")};
        {_ADD.format(row="NEW")};
    ELSE
        {_ADD.format(row="NEW")};
        {_REMOVE.format(row="OLD")};
    END IF;
    RETURN NULL;
END $$""",
    f"DROP TRIGGER IF EXISTS {TABLE}_insert_delete ON submissions",
    f"CREATE TRIGGER {TABLE}_insert_delete AFTER INSERT OR DELETE ON submissions "
    f"FOR EACH ROW EXECUTE FUNCTION {TABLE}_keep()",
    f"DROP TRIGGER IF EXISTS {TABLE}_update ON submissions",
    f"CREATE TRIGGER {TABLE}_update AFTER UPDATE OF state ON submissions "
    f"FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state) "
    f"EXECUTE FUNCTION {TABLE}_keep()",
]

BACKFILL = (
    f"INSERT INTO {TABLE} (state, total) SELECT state, count(*) FROM submissions GROUP BY state"
)


def kept_totals() -> dict[str, int]:
    """Submissions per state, drafts included, as the table holds them (one statement)."""
    return dict(db.session.execute(select(StateCount.state, StateCount.total)).all())
