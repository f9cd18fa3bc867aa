"""Submissions counted per Stockholm month, kept current by the database itself.

The board counts submissions over spans of up to several years (the inflow, the funnel's
states, ideas and needs). Reading every submission of five years takes 100-300 ms at 100 000
submissions, even from a covering index; this table holds one row per month and key instead
(about 12 000 rows for five years at 100 000 submissions), and triggers on `submissions` keep it in step with
every insert, delete and change of a key column, in the same transaction, so it is never
stale and never needs a job to refresh it. `counted()` reads the whole months of a range
from it and the partial months at the range's edges from `submissions`, so the answers are
the same as counting `submissions` alone.

The key is what the board groups and filters submissions by: the Stockholm month of
`submitted_on` (stored as its first day), the source (`party_id`, 0 = residents), the focus
area (`focus_area_id`, 0 = none yet; the portfolio is looked up in the small focus_areas
table when the query runs, so moving a focus area to another portfolio needs nothing here),
`kind`, the call (`call_id`, 0 = outside any call) and `state` (for the funnel). The "none"
values are 0, not NULL, because NULLs are distinct in a primary key / ON CONFLICT target on
both dialects. Drafts (no `submitted_on`) are never counted. Who submitted is not kept: the
distinct employees per party are counted from `submissions`.

The triggers live outside the ORM metadata (Alembic does not compare triggers); they are
made by `install` after `create_all` and by the migration with the same SQL. A missing row
means zero: rows are made by the first submission with their key, and removing only
decrements (a row may stay at 0; `counted()` skips those).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy import Date, Integer, String, func, select, union_all
from sqlalchemy.orm import Mapped, mapped_column

from portal import ddl
from portal.extensions import db
from portal.reference.models import FocusArea
from portal.submissions.models import Submission
from portal.triage.inbox import RESIDENTS

TABLE = "submission_months"
KEY = ("month", "party_id", "focus_area_id", "kind", "call_id", "state")
NULLABLE = ("party_id", "focus_area_id", "call_id")  # stored as 0 for "none"


class SubmissionMonth(db.Model):
    __tablename__ = TABLE

    month: Mapped[date] = mapped_column(Date, primary_key=True)  # the month's first day
    party_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    focus_area_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    call_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    state: Mapped[str] = mapped_column(String(20), primary_key=True)
    total: Mapped[int] = mapped_column(Integer, default=0)


_MONTH = {
    "sqlite": "date({row}.submitted_on, 'start of month')",
    "postgresql": "CAST(date_trunc('month', {row}.submitted_on) AS date)",
}


def _values(dialect: str, row: str) -> list[str]:
    return [
        _MONTH[dialect].format(row=row),
        *(
            f"coalesce({row}.{name}, 0)" if name in NULLABLE else f"{row}.{name}"
            for name in KEY[1:]
        ),
    ]


def _add(dialect: str, row: str) -> str:
    # INSERT ... SELECT ... WHERE: nothing for a draft (and the WHERE lets SQLite parse the
    # ON CONFLICT after a SELECT).
    return (
        f"INSERT INTO {TABLE} ({', '.join(KEY)}, total) "
        f"SELECT {', '.join(_values(dialect, row))}, 1 WHERE {row}.submitted_on IS NOT NULL "
        f"ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET total = {TABLE}.total + 1"
    )


def _remove(dialect: str, row: str) -> str:
    # A draft's month is NULL and matches no row.
    where = " AND ".join(f"{k} = {v}" for k, v in zip(KEY, _values(dialect, row), strict=True))
    return f"UPDATE {TABLE} SET total = total - 1 WHERE {where}"  # noqa: S608 (constants)


_WATCHED = ("submitted_on", "party_id", "focus_area_id", "kind", "call_id", "state")

SQLITE_DDL = [
    f"CREATE TRIGGER IF NOT EXISTS {TABLE}_ai AFTER INSERT ON submissions "
    f"WHEN new.submitted_on IS NOT NULL BEGIN {_add('sqlite', 'new')}; END",
    f"CREATE TRIGGER IF NOT EXISTS {TABLE}_ad AFTER DELETE ON submissions "
    f"WHEN old.submitted_on IS NOT NULL BEGIN {_remove('sqlite', 'old')}; END",
    f"CREATE TRIGGER IF NOT EXISTS {TABLE}_au AFTER UPDATE OF {', '.join(_WATCHED)} "
    f"ON submissions WHEN "
    + " OR ".join(f"old.{c} IS NOT new.{c}" for c in _WATCHED)
    + f" BEGIN {_remove('sqlite', 'old')}; {_add('sqlite', 'new')}; END",
]

# One function for the three events. On a change of key the two rows are touched in the
# order of their keys, so two transactions moving submissions in opposite directions (a
# triage to a focus area and back, a state and back) take the row locks in the same order.
_OLD_KEY = ", ".join(_values("postgresql", "OLD"))
_NEW_KEY = ", ".join(_values("postgresql", "NEW"))
POSTGRES_DDL = [
    f"""CREATE OR REPLACE FUNCTION {TABLE}_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_add("postgresql", "NEW")};
    ELSIF TG_OP = 'DELETE' THEN
        {_remove("postgresql", "OLD")};
    ELSIF OLD.submitted_on IS NOT NULL AND NEW.submitted_on IS NOT NULL
            AND ROW({_OLD_KEY}) < ROW({_NEW_KEY}) THEN
        {_remove("postgresql", "OLD")};
        {_add("postgresql", "NEW")};
    ELSE
        {_add("postgresql", "NEW")};
        {_remove("postgresql", "OLD")};
    END IF;
    RETURN NULL;
END $$""",
    f"DROP TRIGGER IF EXISTS {TABLE}_insert_delete ON submissions",
    f"CREATE TRIGGER {TABLE}_insert_delete AFTER INSERT OR DELETE ON submissions "
    f"FOR EACH ROW EXECUTE FUNCTION {TABLE}_keep()",
    f"DROP TRIGGER IF EXISTS {TABLE}_update ON submissions",
    f"CREATE TRIGGER {TABLE}_update AFTER UPDATE OF {', '.join(_WATCHED)} ON submissions "
    f"FOR EACH ROW WHEN (ROW({', '.join(f'OLD.{c}' for c in _WATCHED)}) IS DISTINCT FROM "
    f"ROW({', '.join(f'NEW.{c}' for c in _WATCHED)})) "
    f"EXECUTE FUNCTION {TABLE}_keep()",
]


def backfill_sql(dialect: str) -> str:
    values = _values(dialect, "submissions")
    return (
        f"INSERT INTO {TABLE} ({', '.join(KEY)}, total) "  # noqa: S608 (constants)
        f"SELECT {', '.join(values)}, count(*) FROM submissions "
        f"WHERE submitted_on IS NOT NULL GROUP BY {', '.join(values)}"
    )


# Made after create_all (tests, benchmarks); the migration runs a frozen copy.
install = ddl.after_create_all(sqlite=SQLITE_DDL, postgresql=POSTGRES_DDL)


# --- reading ---------------------------------------------------------------------------------


def whole_months(date_from: date, date_to: date) -> tuple[date, date] | None:
    """The first days of the first and the last whole month within date_from..date_to."""
    first = date_from if date_from.day == 1 else _next_month(date_from)
    after = _next_month(date_to)
    last = after - timedelta(days=1)
    end = date_to if date_to == last else date_to.replace(day=1) - timedelta(days=1)
    if first > end:
        return None
    return first, end.replace(day=1)


def _next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def counted(
    date_from: date,
    date_to: date,
    names: Sequence[str] = (),
    *,
    day: bool = False,
    portfolio_id: int | None = None,
    source: int | str | None = None,
    kind: str | None = None,
):
    """A SELECT of ([day,] *names, n): the submissions submitted date_from..date_to (both
    included), n per group of `names` (columns of submissions among KEY) and, with `day`,
    per day. Whole months come from this table (their "day" being the month's first day,
    which is in the same month, quarter and year), the days before the first and after the
    last whole month from submissions. The groups may repeat: sum n over them. None is
    None, as in submissions. One statement, whatever the span."""
    sub = Submission.__table__
    months = whole_months(date_from, date_to)
    if months is None:
        edges = [(date_from, date_to)]
    else:
        edges = [(date_from, months[0] - timedelta(days=1)), (_next_month(months[1]), date_to)]
    parts = []
    for lo, hi in edges:
        if lo > hi:
            continue
        columns = ([sub.c.submitted_on.label("day")] if day else []) + [
            sub.c[name] for name in names
        ]
        part = (
            select(*columns, func.count().label("n"))
            .where(sub.c.submitted_on >= lo, sub.c.submitted_on <= hi)
            .where(*_filters(sub, portfolio_id, source, kind, none=None))
            .group_by(*columns)
        )
        parts.append(part)
    if months is not None:
        kept = SubmissionMonth.__table__
        columns = ([kept.c.month.label("day")] if day else []) + [
            (func.nullif(kept.c[name], 0) if name in NULLABLE else kept.c[name]).label(name)
            for name in names
        ]
        parts.append(
            select(*columns, kept.c.total.label("n")).where(
                kept.c.month >= months[0],
                kept.c.month <= months[1],
                kept.c.total > 0,
                *_filters(kept, portfolio_id, source, kind, none=0),
            )
        )
    return parts[0] if len(parts) == 1 else union_all(*parts)


def _filters(table, portfolio_id, source, kind, *, none):
    clauses = []
    if portfolio_id is not None:
        in_portfolio = select(FocusArea.id).where(FocusArea.portfolio_id == portfolio_id)
        clauses.append(table.c.focus_area_id.in_(in_portfolio))
    if source == RESIDENTS:
        clauses.append(table.c.party_id.is_(None) if none is None else table.c.party_id == none)
    elif source is not None:
        clauses.append(table.c.party_id == source)
    if kind is not None:
        clauses.append(table.c.kind == kind)
    return clauses
