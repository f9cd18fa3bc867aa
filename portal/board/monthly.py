"""Submissions summarised per Stockholm month, kept current by the database itself.

The board counts submissions over spans of up to several years (the inflow, the funnel's
states, ideas and needs, the employees who took part). Reading every submission of five years
takes 100-300 ms at 100 000 submissions, even from a covering index; two tables hold one row
per month and key instead, and triggers on `submissions` keep them in step with every insert,
delete and change of a key column, in the same transaction, so they are never stale and never
need a job to refresh them. `counted()` reads the whole months of a range from a summary and
the partial months at the range's edges from `submissions`, so the answers are the same as
reading `submissions` alone.

- `submission_months` (MONTHS) counts submissions per month, source (`party_id`, 0 =
  residents), focus area (`focus_area_id`, 0 = none yet; the portfolio is looked up in the
  small focus_areas table when the query runs, so moving a focus area to another portfolio
  needs nothing here), `kind`, call (`call_id`, 0 = outside any call) and `state` (for the
  funnel): about 12 000 rows for five years at 100 000 submissions.
- `submitter_months` (SUBMITTERS) holds who submitted (`submitter_id`) per month, source and
  focus area, for the distinct employees per party: one row per person and month and focus
  area they submitted in (about 6 000 rows in the benchmark, where 40 people submit 70 000;
  with many people who each submit now and then it approaches one row per submission, and
  reads no faster than `submissions`, never slower).

The month is that of `submitted_on` (stored as its first day). The "none" values are 0, not
NULL, because NULLs are distinct in a primary key / ON CONFLICT target on both dialects.
Drafts (no `submitted_on`) are never counted, nor, in SUBMITTERS, residents without an account.

The triggers live outside the ORM metadata (Alembic does not compare triggers); they are
declared in portal/board/database.py and made by the migrations with the same SQL. A missing row
means zero: rows are made by the first submission with their key, and removing only
decrements (a row may stay at 0; `counted()` skips those). On SQLite both tables are WITHOUT
ROWID, so a range of months is read in key order from the table itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Date, Integer, String, func, select, text, union_all
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.reference.models import FocusArea
from portal.submissions.models import Submission
from portal.triage.inbox import RESIDENTS

NULLABLE = ("party_id", "focus_area_id", "call_id")  # stored as 0 for "none"


class SubmissionMonth(db.Model):
    __tablename__ = "submission_months"
    __table_args__ = {"sqlite_with_rowid": False}

    month: Mapped[date] = mapped_column(Date, primary_key=True)  # the month's first day
    party_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    focus_area_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    call_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    state: Mapped[str] = mapped_column(String(20), primary_key=True)
    total: Mapped[int] = mapped_column(Integer, default=0)


class SubmitterMonth(db.Model):
    __tablename__ = "submitter_months"
    __table_args__ = {"sqlite_with_rowid": False}

    month: Mapped[date] = mapped_column(Date, primary_key=True)  # the month's first day
    party_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    focus_area_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submitter_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    total: Mapped[int] = mapped_column(Integer, default=0)


_MONTH = {
    "sqlite": "date({row}.submitted_on, 'start of month')",
    "postgresql": "CAST(date_trunc('month', {row}.submitted_on) AS date)",
}


@dataclass(frozen=True)
class Summary:
    """A summary table: its key (the month, then columns of submissions), the columns a
    submission must have to be counted (`required`), and the SQL that keeps it."""

    model: type
    required: tuple[str, ...]

    def counts(self, row: str) -> str:
        return " AND ".join(f"{row}.{column} IS NOT NULL" for column in self.required)

    @property
    def table(self) -> str:
        return self.model.__tablename__

    @property
    def key(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.model.__table__.primary_key.columns)

    @property
    def watched(self) -> tuple[str, ...]:
        return ("submitted_on", *self.key[1:])

    def values(self, dialect: str, row: str) -> list[str]:
        return [
            _MONTH[dialect].format(row=row),
            *(
                f"coalesce({row}.{name}, 0)" if name in NULLABLE else f"{row}.{name}"
                for name in self.key[1:]
            ),
        ]

    def add(self, dialect: str, row: str) -> str:
        # INSERT ... SELECT ... WHERE: nothing for a row not counted (and the WHERE lets
        # SQLite parse the ON CONFLICT after a SELECT).
        key = ", ".join(self.key)
        return (
            f"INSERT INTO {self.table} ({key}, total) "
            f"SELECT {', '.join(self.values(dialect, row))}, 1 WHERE {self.counts(row)} "
            f"ON CONFLICT ({key}) DO UPDATE SET total = {self.table}.total + 1"
        )

    def remove(self, dialect: str, row: str) -> str:
        # A row not counted has a NULL month or submitter, which matches no row.
        where = " AND ".join(
            f"{k} = {v}" for k, v in zip(self.key, self.values(dialect, row), strict=True)
        )
        return f"UPDATE {self.table} SET total = total - 1 WHERE {where}"  # noqa: S608

    def sqlite_ddl(self) -> list[str]:
        t, watched = self.table, self.watched
        return [
            f"CREATE TRIGGER IF NOT EXISTS {t}_ai AFTER INSERT ON submissions "
            f"WHEN {self.counts('new')} BEGIN {self.add('sqlite', 'new')}; END",
            f"CREATE TRIGGER IF NOT EXISTS {t}_ad AFTER DELETE ON submissions "
            f"WHEN {self.counts('old')} BEGIN {self.remove('sqlite', 'old')}; END",
            f"CREATE TRIGGER IF NOT EXISTS {t}_au AFTER UPDATE OF {', '.join(watched)} "
            f"ON submissions WHEN "
            + " OR ".join(f"old.{c} IS NOT new.{c}" for c in watched)
            + f" BEGIN {self.remove('sqlite', 'old')}; {self.add('sqlite', 'new')}; END",
        ]

    def postgres_ddl(self) -> list[str]:
        # One function for the three events. On a change of key the two rows are touched in
        # the order of their keys, so two transactions moving submissions in opposite
        # directions (a triage to a focus area and back, a state and back) take the row
        # locks in the same order.
        t, watched = self.table, self.watched
        old_key = ", ".join(self.values("postgresql", "OLD"))
        new_key = ", ".join(self.values("postgresql", "NEW"))
        add_new, remove_old = self.add("postgresql", "NEW"), self.remove("postgresql", "OLD")
        return [
            f"""CREATE OR REPLACE FUNCTION {t}_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {add_new};
    ELSIF TG_OP = 'DELETE' THEN
        {remove_old};
    ELSIF {self.counts("OLD")} AND {self.counts("NEW")}
            AND ROW({old_key}) < ROW({new_key}) THEN
        {remove_old};
        {add_new};
    ELSE
        {add_new};
        {remove_old};
    END IF;
    RETURN NULL;
END $$""",
            f"DROP TRIGGER IF EXISTS {t}_insert_delete ON submissions",
            f"CREATE TRIGGER {t}_insert_delete AFTER INSERT OR DELETE ON submissions "
            f"FOR EACH ROW EXECUTE FUNCTION {t}_keep()",
            f"DROP TRIGGER IF EXISTS {t}_update ON submissions",
            f"CREATE TRIGGER {t}_update AFTER UPDATE OF {', '.join(watched)} ON submissions "
            f"FOR EACH ROW WHEN (ROW({', '.join(f'OLD.{c}' for c in watched)}) IS DISTINCT FROM "
            f"ROW({', '.join(f'NEW.{c}' for c in watched)})) "
            f"EXECUTE FUNCTION {t}_keep()",
        ]

    def backfill_sql(self, dialect: str) -> str:
        values = self.values(dialect, "submissions")
        return (
            f"INSERT INTO {self.table} ({', '.join(self.key)}, total) "  # noqa: S608
            f"SELECT {', '.join(values)}, count(*) FROM submissions "
            f"WHERE {self.counts('submissions')} GROUP BY {', '.join(values)}"
        )


MONTHS = Summary(SubmissionMonth, ("submitted_on",))
SUBMITTERS = Summary(SubmitterMonth, ("submitted_on", "submitter_id"))
SUMMARIES = (MONTHS, SUBMITTERS)

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
    summary: Summary = MONTHS,
):
    """A SELECT of ([day,] *names, n): the submissions submitted date_from..date_to (both
    included) that the summary counts, n per group of `names` (columns of submissions in
    the summary's key) and, with `day`, per day. Whole months come from the summary (their
    "day" being the month's first day, which is in the same month, quarter and year), the
    days before the first and after the last whole month from submissions. The groups may
    repeat: sum n over them. None is None, as in submissions. One statement, whatever the
    span."""
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
            # What else the summary requires (its first column, the day, is in range here).
            .where(*(sub.c[column].is_not(None) for column in summary.required[1:]))
            .where(*_filters(sub, portfolio_id, source, kind, none=None))
            .group_by(*columns)
        )
        parts.append(part)
    if months is not None:
        kept = summary.model.__table__
        columns = ([kept.c.month.label("day")] if day else []) + [
            (func.nullif(kept.c[name], 0) if name in NULLABLE else kept.c[name]).label(name)
            for name in names
        ]
        # When `names` begin the key, the rows are grouped in the key's own order, so without
        # a sort: per month and source, say, instead of a row per month and every key (five
        # years: 12 000 rows -> 360).
        in_key_order = tuple(names) == summary.key[1 : len(names) + 1]
        part = select(
            *columns, (func.sum(kept.c.total) if in_key_order else kept.c.total).label("n")
        ).where(
            kept.c.month >= months[0],
            kept.c.month <= months[1],
            kept.c.total > 0,
            *_filters(kept, portfolio_id, source, kind, none=0),
        )
        if in_key_order:
            part = part.group_by(kept.c.month, *(kept.c[name] for name in names))
        parts.append(part)
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


def refill() -> None:
    """Empty the summaries and count them again from `submissions` (what the migrations'
    backfills do; the benchmarks call it on a reused database)."""
    dialect = db.session.get_bind().dialect.name
    for summary in SUMMARIES:
        db.session.execute(summary.model.__table__.delete())
        db.session.execute(text(summary.backfill_sql(dialect)))
