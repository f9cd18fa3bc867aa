"""The inflow: how many challenges and ideas came in, by period, source, focus area, kind, call.

One function, `inflow()`, used by the board's dashboard, its exports and the API. It is one
SQL statement whatever the data size:

    WITH daily AS (                  -- per day, in the order of ix_submissions_inflow
        SELECT submitted_on AS day, party_id[, focus_area_id, kind, call_id], count(*) AS n
        FROM submissions
        WHERE submitted_on BETWEEN <each partial month at the range's edges> [AND filters]
        GROUP BY day, <the index's columns up to the last one grouped by>
        UNION ALL                    -- whole months: the trigger-kept monthly summary
        SELECT month, party_id, ..., total FROM submission_months WHERE month BETWEEN ...
    ), counts AS (                   -- per period and chosen dimension
        SELECT <period key of day>, party_id, area.portfolio_id, kind, call_id, sum(n)
        FROM daily [LEFT JOIN focus_areas AS area]  -- only when grouping by focus area
        GROUP BY <the chosen columns>
    )
    SELECT counts.*, parties.name, <the portfolio's current name>, calls.title
    FROM counts LEFT JOIN parties LEFT JOIN calls ORDER BY ...

Rules, as the board reads them:

- A submission counts on the Stockholm-local day it was submitted (`submitted_on`, stored
  because SQLite cannot convert time zones). Drafts have no such day and never count. What
  happened afterwards does not matter: declined, duplicate and withdrawn submissions came in
  and are counted.
- The source is the submitter's party at the time of submitting, or residents ("Invånare",
  key `RESIDENTS`), who are their own source. A party that has left keeps its history.
- Focus areas that were renamed share a Portfolio (docs/domain.md): counted by portfolio and
  labelled with the portfolio's current name (the focus area with the latest valid_from).
  Submissions not yet given a focus area form their own group (portfolio_id None).
- Submissions outside any call (the standing intake) form their own group (call_id None).

The index `ix_submissions_inflow (submitted_on, party_id, focus_area_id, kind, call_id, …)`
holds every column the statement reads from submissions, so the range is read from the index
alone, and SQLite groups per day while walking it, without a sort: at 100 000 submissions
over five years this took the five-year monthly inflow on SQLite from about 160 ms (grouping
by a computed period directly) to about 30 ms. Longer spans read their whole months from
portal/board/monthly.py's summary (about 12 000 rows for five years) instead, and only the
partial months at the edges from the index; the answers are the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy import Integer, cast, extract, func, literal_column, select

from portal.board.monthly import counted
from portal.calls.models import Call
from portal.extensions import db
from portal.reference.models import FocusArea, Party
from portal.submissions.models import Kind
from portal.triage.inbox import RESIDENTS

__all__ = ["DIMENSIONS", "PERIODS", "RESIDENTS", "InflowRow", "inflow", "period_label"]

PERIODS = ("month", "quarter", "year")
# The columns of ix_submissions_inflow after the day, in its order, and which one each
# dimension groups by.
INDEX_ORDER = ("party_id", "focus_area_id", "kind", "call_id")
DIMENSIONS = ("party", "focus_area", "kind", "call")  # "party" is the source: a party or residents
DIMENSION_COLUMN = {
    "party": "party_id",
    "focus_area": "focus_area_id",
    "kind": "kind",
    "call": "call_id",
}


class InflowRow(NamedTuple):
    """One group of the inflow. Fields the inflow was not grouped by are None.

    period: "2026-03" (month), "2026-Q1" (quarter) or "2026" (year).
    party_id / party: the source; residents have party_id None and party "Invånare".
    portfolio_id / focus_area: the portfolio and its current name; not yet sorted into one:
        portfolio_id None and focus_area "Utan fokusområde".
    kind: "challenge" or "idea".
    call_id / call: the call and its title; outside any call: call_id None, call "Utanför
        utlysning".
    """

    period: str | None
    party_id: int | None
    party: str | None
    portfolio_id: int | None
    focus_area: str | None
    kind: str | None
    call_id: int | None
    call: str | None
    count: int

    @property
    def source(self) -> int | str | None:
        """The source key as the filters take it: a party id, or RESIDENTS."""
        if self.party is None:
            return None
        return RESIDENTS if self.party_id is None else self.party_id


def inflow(
    date_from: date,
    date_to: date,
    group: Sequence[str],
    *,
    portfolio_id: int | None = None,
    source: int | str | None = None,
    kind: str | None = None,
) -> list[InflowRow]:
    """Submissions submitted on Stockholm days date_from..date_to (both included), counted.

    `group` names at most one period ("month", "quarter", "year") and any of DIMENSIONS;
    an empty group gives one row with the total. Filters: `portfolio_id` (a focus area with
    its former names), `source` (a party id or RESIDENTS), `kind` ("challenge"/"idea").
    Rows are ordered by period, then source (parties by name, residents last), focus area,
    kind, call. Only groups with submissions are returned; the caller fills empty periods.
    """
    chosen = _check(date_from, date_to, group, source, kind)
    period = next((g for g in chosen if g in PERIODS), None)

    # First per day, grouped by the index's own order (so SQLite aggregates while it walks the
    # index, without sorting), then per period and label from those few rows. Whole months
    # come from the monthly summary (their first day standing for the month).
    wanted = [INDEX_ORDER.index(DIMENSION_COLUMN[d]) for d in chosen if d in DIMENSION_COLUMN]
    daily = counted(
        date_from,
        date_to,
        INDEX_ORDER[: max(wanted, default=-1) + 1],
        day=True,
        portfolio_id=portfolio_id,
        source=source,
        kind=kind,
    ).cte("daily")

    area = FocusArea.__table__.alias("area")
    columns = {
        "period_key": _period_key(daily.c.day, period) if period else None,
        "party_id": daily.c.party_id if "party" in chosen else None,
        "portfolio_id": area.c.portfolio_id if "focus_area" in chosen else None,
        "kind": daily.c.kind if "kind" in chosen else None,
        "call_id": daily.c.call_id if "call" in chosen else None,
    }
    grouped = {name: col for name, col in columns.items() if col is not None}
    per_day = (
        daily.outerjoin(area, area.c.id == daily.c.focus_area_id)
        if "focus_area" in chosen
        else daily
    )
    counts = (
        select(
            *(col.label(name) for name, col in grouped.items()),
            func.coalesce(func.sum(daily.c.n), 0).label("n"),
        )
        .select_from(per_day)
        .group_by(*grouped.values())
        .cte("counts")
    )

    party = Party.__table__.alias("party")
    call = Call.__table__.alias("call")
    current = FocusArea.__table__.alias("current_area")
    labels = []
    query_from = counts
    order = []
    if "period_key" in grouped:
        order.append(counts.c.period_key)
    if "party_id" in grouped:
        query_from = query_from.outerjoin(party, party.c.id == counts.c.party_id)
        labels.append(party.c.name.label("party_name"))
        order += [counts.c.party_id.is_(None), party.c.name]
    if "portfolio_id" in grouped:
        current_name = (
            select(current.c.name)
            .where(current.c.portfolio_id == counts.c.portfolio_id)
            .order_by(current.c.valid_from.desc(), current.c.id.desc())
            .limit(1)
            .scalar_subquery()
        )
        labels.append(current_name.label("area_name"))
        order += [counts.c.portfolio_id.is_(None), current_name]
    if "kind" in grouped:
        order.append(counts.c.kind)
    if "call_id" in grouped:
        query_from = query_from.outerjoin(call, call.c.id == counts.c.call_id)
        labels.append(call.c.title.label("call_title"))
        order += [counts.c.call_id.is_(None), call.c.title, counts.c.call_id]
    statement = select(counts, *labels).select_from(query_from).order_by(*order)

    return [_row(r._mapping, grouped, period) for r in db.session.execute(statement)]


def period_label(day: date, period: str) -> str:
    """The label of the period `day` falls in: "2026-03", "2026-Q1" or "2026"."""
    if period == "month":
        return f"{day.year}-{day.month:02d}"
    if period == "quarter":
        return f"{day.year}-Q{(day.month + 2) // 3}"
    return str(day.year)


def _check(date_from, date_to, group, source, kind) -> tuple[str, ...]:
    chosen = tuple(group)
    unknown = [g for g in chosen if g not in PERIODS and g not in DIMENSIONS]
    if unknown:
        raise ValueError(f"unknown grouping {unknown}")
    if sum(g in PERIODS for g in chosen) > 1:
        raise ValueError("at most one period")
    if date_from > date_to:
        raise ValueError("date_from after date_to")
    if kind is not None and kind not in {k.value for k in Kind}:
        raise ValueError(f"unknown kind {kind!r}")
    if source is not None and source != RESIDENTS and not isinstance(source, int):
        raise ValueError(f"unknown source {source!r}")
    return chosen


def _period_key(day_column, period: str):
    """An integer per period: 202603 (month), 20261 (quarter), 2026 (year). Portable SQL.

    SQLite stores a date as "YYYY-MM-DD" text: cutting it is much cheaper than strftime().
    Constants are inlined (not bound), so PostgreSQL sees the same expression in SELECT and
    GROUP BY.
    """
    if db.session.get_bind().dialect.name == "sqlite":
        year = cast(func.substr(day_column, 1, 4), Integer)
        month = cast(func.substr(day_column, 6, 2), Integer)
    else:
        year = cast(extract("year", day_column), Integer)
        month = cast(extract("month", day_column), Integer)
    if period == "year":
        return year
    if period == "month":
        return year * _integer(100) + month
    return year * _integer(10) + (month + _integer(2)) // _integer(3)


def _integer(value: int):
    return literal_column(str(value), Integer)


def _period_text(key: int, period: str) -> str:
    if period == "month":
        return f"{key // 100}-{key % 100:02d}"
    if period == "quarter":
        return f"{key // 10}-Q{key % 10}"
    return str(key)


def _row(m, grouped: dict, period: str | None) -> InflowRow:
    has = grouped.__contains__
    party_id = m["party_id"] if has("party_id") else None
    portfolio_id = m["portfolio_id"] if has("portfolio_id") else None
    call_id = m["call_id"] if has("call_id") else None
    return InflowRow(
        period=_period_text(m["period_key"], period) if has("period_key") else None,
        party_id=party_id,
        party=(m["party_name"] if party_id is not None else _("Invånare"))
        if has("party_id")
        else None,
        portfolio_id=portfolio_id,
        focus_area=(m["area_name"] if portfolio_id is not None else _("Utan fokusområde"))
        if has("portfolio_id")
        else None,
        kind=m["kind"] if has("kind") else None,
        call_id=call_id,
        call=(m["call_title"] if call_id is not None else _("Utanför utlysning"))
        if has("call_id")
        else None,
        count=int(m["n"]),  # PostgreSQL sums bigints to numeric
    )
