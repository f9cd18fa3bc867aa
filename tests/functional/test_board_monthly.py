"""The monthly summary of submissions (portal/board/monthly.py) gives the same answers as
counting the submissions themselves.

The summary kept by triggers must equal a GROUP BY over submissions after any mix of inserts,
changes of a key column (state, focus area, call, kind, source, day), deletes and rollbacks;
and the board's answers over long spans, counted from the summary's whole months plus the
edge days from submissions, must equal the answers counted from submissions alone, on a
randomised fixture of several years with submissions at the Stockholm month edges.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import case, delete, func, select, update

from portal.board import monthly
from portal.board.figures import Scope, follow_up, funnel
from portal.board.inflow import DIMENSIONS, PERIODS, RESIDENTS, inflow
from portal.board.monthly import whole_months
from portal.extensions import db as _db
from portal.reference.models import FocusArea, Party
from portal.submissions.models import Submission
from tests.factories import make_call, make_user
from tests.functional.test_inbox import add, row


def counted(summary=monthly.MONTHS) -> dict[tuple, int]:
    """Per month and key of the summary, straight from submissions (what it leaves out left
    out: drafts; in SUBMITTERS, residents without an account)."""
    s = Submission
    if _db.session.get_bind().dialect.name == "sqlite":
        month = func.date(s.submitted_on, "start of month")
    else:
        month = func.cast(func.date_trunc("month", s.submitted_on), _db.Date)
    key = (
        month,
        *(
            func.coalesce(s.__table__.c[name], 0)
            if name in monthly.NULLABLE
            else s.__table__.c[name]
            for name in summary.key[1:]
        ),
    )
    rows = _db.session.execute(
        select(*key, func.count())
        .where(*(s.__table__.c[name].is_not(None) for name in summary.required))
        .group_by(*key)
    )
    return {(str(r[0]), *r[1:-1]): r[-1] for r in rows}


def kept(summary=monthly.MONTHS) -> dict[tuple, int]:
    table = summary.model.__table__
    rows = _db.session.execute(select(*(table.c[name] for name in summary.key), table.c.total))
    return {(str(r[0]), *r[1:-1]): r[-1] for r in rows if r[-1]}


def assert_kept(note=None) -> None:
    for summary in monthly.SUMMARIES:
        assert kept(summary) == counted(summary), (summary.table, note)


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_kept_months_follow_inserts_changes_and_deletes(db):
    assert kept() == kept(monthly.SUBMITTERS) == {}
    areas = _db.session.scalars(select(FocusArea.id).order_by(FocusArea.id)).all()
    party = _db.session.scalar(select(Party.id).order_by(Party.id))
    call = make_call().id
    anna, bo = make_user(name="Anna Anställd"), make_user(name="Bo Bidrag")
    add(
        row(1, submitted_at=at(2025, 1, 31, 22, 30)),  # 23:30 in Stockholm: January
        row(2, submitted_at=at(2025, 1, 31, 23, 30)),  # 00:30 on 1 February in Stockholm
        row(3, submitted_at=at(2025, 2, 10), focus_area_id=areas[0], kind="challenge"),
        row(4, submitted_at=at(2025, 2, 11), party_id=party, call_id=call),
        row(5, submitted_at=at(2025, 3, 1), state="declined"),
        row(7, staff=anna, submitted_at=at(2025, 2, 12)),
        row(8, staff=anna, submitted_at=at(2025, 2, 13), focus_area_id=areas[0]),
        row(9, staff=bo, submitted_at=at(2025, 3, 14)),
    )
    add(row(6, state="draft"), row(10, staff=bo, state="draft"))  # never counted
    assert_kept()
    assert sum(kept().values()) == 8
    assert kept()[("2025-01-01", 0, 0, "idea", 0, "received")] == 1
    assert kept()[("2025-02-01", 0, 0, "idea", 0, "received")] == 1
    assert kept(monthly.SUBMITTERS) == {
        ("2025-02-01", anna.party_id, 0, anna.id): 1,
        ("2025-02-01", anna.party_id, areas[0], anna.id): 1,
        ("2025-03-01", bo.party_id, 0, bo.id): 1,
    }

    # Through the ORM, as triage does it: a state and a focus area at once.
    first = _db.session.scalar(select(Submission).where(Submission.reg_seq == 1))
    first.state, first.focus_area_id = "in_portfolio", areas[1]
    _db.session.commit()
    assert_kept()
    # Several in one statement, each key column in turn, and back.
    for values in (
        {"state": "awaiting_info"},
        {"focus_area_id": areas[2]},
        {"focus_area_id": None},
        {"call_id": call},
        {"call_id": None},
        {"kind": "challenge"},
        {"party_id": party},
        {"party_id": None},
        {"submitted_on": date(2024, 12, 31)},  # another month
        {"submitted_on": date(2024, 12, 1)},  # another day of the same month
        {"submitter_id": anna.id},  # residents' submissions linked to an account
        {"submitter_id": bo.id},
        {"submitter_id": None},  # and unlinked (they keep the resident's address)
    ):
        staff_too = [7, 8] if "submitter_id" not in values else []
        _db.session.execute(
            update(Submission).where(Submission.reg_seq.in_([2, 3, 4, *staff_too])).values(**values)
        )
        _db.session.commit()
        assert_kept(values)
    # A change that leaves the key as it was, one of another column only, a draft submitted.
    _db.session.execute(update(Submission).values(state=Submission.state))
    _db.session.execute(update(Submission).values(title="Ny titel"))
    _db.session.execute(
        update(Submission)
        .where(Submission.state == "draft", Submission.submitter_id.is_(None))
        .values(
            state="received",
            submitted_at=at(2025, 4, 2),
            submitted_on=date(2025, 4, 2),
            reg_year=2025,
            reg_seq=6,
            reg_number="SK-2025-0006",
        )
    )
    _db.session.commit()
    assert_kept()
    assert sum(kept().values()) == 9

    _db.session.execute(delete(Submission).where(Submission.state == "declined"))
    _db.session.commit()
    assert_kept()
    assert sum(kept().values()) == 8
    assert sum(kept(monthly.SUBMITTERS).values()) == 3  # Anna's two, Bo's one
    _db.session.execute(delete(Submission))
    _db.session.commit()
    assert_kept()
    assert kept() == kept(monthly.SUBMITTERS) == {}


def test_kept_months_roll_back_with_the_transaction(db):
    staff = make_user()
    add(row(1, submitted_at=at(2025, 5, 5)), row(2, staff=staff, submitted_at=at(2025, 5, 6)))
    before = {summary.table: kept(summary) for summary in monthly.SUMMARIES}
    _db.session.execute(update(Submission).values(state="withdrawn", kind="challenge"))
    _db.session.execute(update(Submission).values(submitted_on=date(2025, 7, 1)))
    _db.session.execute(delete(Submission))
    add_rolled_back = row(3, staff=staff, submitted_at=at(2025, 6, 6))
    _db.session.execute(Submission.__table__.insert(), [add_rolled_back])
    _db.session.rollback()
    assert_kept()
    assert before == {summary.table: kept(summary) for summary in monthly.SUMMARIES}
    assert sum(before["submission_months"].values()) == 2
    assert sum(before["submitter_months"].values()) == 1


@pytest.mark.parametrize(
    ("date_from", "date_to", "expected"),
    [
        (date(2025, 1, 1), date(2025, 1, 31), (date(2025, 1, 1), date(2025, 1, 1))),
        (date(2025, 1, 2), date(2025, 1, 31), None),
        (date(2025, 1, 1), date(2025, 1, 30), None),
        (date(2025, 1, 15), date(2025, 3, 14), (date(2025, 2, 1), date(2025, 2, 1))),
        (date(2024, 2, 1), date(2024, 2, 29), (date(2024, 2, 1), date(2024, 2, 1))),  # leap
        (date(2021, 12, 5), date(2026, 11, 24), (date(2022, 1, 1), date(2026, 10, 1))),
        (date(2025, 1, 20), date(2025, 2, 10), None),
    ],
)
def test_whole_months_of_a_range(date_from, date_to, expected):
    assert whole_months(date_from, date_to) == expected


@pytest.fixture
def several_years(app, db):
    """800 submissions over 2021-2025, a quarter of them at 21:30-23:59 UTC on a month's
    last day (the next month in Stockholm, or still this one in winter before 23:00); half
    of them by 30 employees, some under another party than their own (they moved)."""
    rng = random.Random(6)
    areas = [None, *_db.session.scalars(select(FocusArea.id)).all()]
    parties = [None, None, *_db.session.scalars(select(Party.id)).all()]
    calls = [None, None, make_call(slug="a").id, make_call(slug="b", title="Annan").id]
    names = _db.session.scalars(select(Party.name)).all()
    staff = [make_user(party_name=names[n % len(names)]) for n in range(30)]
    states = ["received", "awaiting_info", "in_portfolio", "declined", "duplicate", "withdrawn"]
    rows = []
    for n in range(1, 801):
        day = date(2021, 1, 1) + timedelta(days=rng.randrange(5 * 365))
        if n % 4 == 0:
            last = (day.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)
            moment = datetime(last.year, last.month, last.day, 21, 30, tzinfo=UTC)
            moment += timedelta(minutes=rng.randrange(150))
        else:
            moment = datetime(day.year, day.month, day.day, rng.randrange(24), tzinfo=UTC)
        by = rng.choice(staff) if n % 2 else None
        moved = by is not None and rng.random() < 0.1
        rows.append(
            row(
                n,
                staff=by,
                submitted_at=moment,
                party_id=rng.choice(parties[2:])
                if moved
                else by.party_id
                if by
                else rng.choice(parties),
                focus_area_id=rng.choice(areas),
                call_id=rng.choice(calls),
                kind=rng.choice(["idea", "challenge"]),
                state=rng.choice(states),
            )
        )
    rows.append(row(900, state="draft"))
    add(*rows)
    with app.test_request_context():
        yield rng


def base_only(monkeypatch):
    """From now on, count from submissions alone (the way before the summary)."""
    monkeypatch.setattr(monthly, "whole_months", lambda date_from, date_to: None)


@pytest.mark.slow
def test_long_spans_from_the_summary_equal_the_counts_from_submissions(several_years, monkeypatch):
    rng = several_years
    assert_kept()
    portfolios = [None, *_db.session.scalars(select(FocusArea.portfolio_id).distinct()).all()]
    sources = [None, RESIDENTS, *_db.session.scalars(select(Party.id)).all()]
    cases = [(date(2021, 1, 1), date(2025, 12, 31)), (date(2020, 12, 31), date(2026, 1, 1))]
    for _ in range(25):
        first = date(2021, 1, 1) + timedelta(days=rng.randrange(4 * 365))
        cases.append((first, first + timedelta(days=rng.randrange(30, 5 * 365))))
    asked = []
    for date_from, date_to in cases:
        period = rng.choice([*PERIODS, None])
        dimensions = rng.sample(DIMENSIONS, rng.randrange(len(DIMENSIONS) + 1))
        group = [g for g in (period, *dimensions) if g]
        filters = {
            "portfolio_id": rng.choice(portfolios),
            "source": rng.choice(sources),
            "kind": rng.choice([None, "idea", "challenge"]),
        }
        scope = Scope(date_from, date_to, filters["portfolio_id"], filters["source"])
        asked.append((date_from, date_to, group, filters, scope))
    answers = [answer(*question) for question in asked]
    assert sum(whole_months(date_from, date_to) is not None for date_from, date_to in cases) > 20
    assert sum(bool(a[1]) for a in answers) > 20  # most unfiltered inflows found something
    assert sum(any(e.current for e in a[4]) for a in answers) > 15  # and employees

    base_only(monkeypatch)
    for question, summarised in zip(asked, answers, strict=True):
        assert summarised == answer(*question), question


def answer(date_from, date_to, group, filters, scope):
    return (
        inflow(date_from, date_to, group, **filters),
        inflow(date_from, date_to, group),
        funnel(scope),
        follow_up(scope).figures,
        sorted(follow_up(scope).employees, key=lambda e: e.party_id or 0),
    )


def test_funnel_states_from_the_summary_equal_a_count_over_submissions(several_years):
    s = Submission
    day_from, day_to = date(2021, 3, 15), date(2025, 10, 20)
    expected = _db.session.execute(
        select(
            func.count(),
            func.sum(case((s.state == "in_portfolio", 1), else_=0)),
            func.sum(case((s.state.in_(["received", "awaiting_info"]), 1), else_=0)),
            func.sum(case((s.state == "declined", 1), else_=0)),
        ).where(s.submitted_on >= day_from, s.submitted_on <= day_to)
    ).one()
    got = funnel(Scope(day_from, day_to))
    assert (got.received, got.in_portfolio, got.still_open, got.declined) == tuple(
        int(v) for v in expected
    )
    assert got.received > 500
