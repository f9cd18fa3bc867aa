"""The inflow counted against a hand-counted fixture: renamed focus areas, a party that left,
residents, drafts, an empty period and the Stockholm midnight."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from portal.board.inflow import RESIDENTS, InflowRow, inflow, period_label
from portal.extensions import db as _db
from tests.board_factories import area_named, make_submission, party_named

SCHOOL = "Alla barn och unga uppnår sin fulla potential"
ELDERLY = "Välmående och självständiga äldre"


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture(autouse=True)
def request_context(app):
    """Labels ("Invånare") are translated, which needs a request."""
    with app.test_request_context():
        yield


@pytest.fixture
def fixture(db):
    """Eight submissions; the comments say where each one counts."""
    sormland = party_named("Region Sörmland")
    sormland.left_on = date(2024, 12, 31)  # a party that left: its history stays
    make_submission(at(2022, 5, 10, 10), party="Västerås stad", area="Skolresultat")  # 2022-Q2
    make_submission(at(2024, 6, 1, 8), party="Region Sörmland", kind="challenge",
                    area="Nära vård inklusive välfärdsteknik")  # 2024-Q2  # fmt: skip
    make_submission(at(2025, 1, 15, 10), party="Västerås stad", area=SCHOOL, kind="challenge")
    make_submission(at(2025, 2, 1, 12), area=SCHOOL, kind="challenge", state="withdrawn")
    # 23:30 in Stockholm (summer time began 30 March): still 31 March, Q1.
    make_submission(at(2025, 3, 31, 21, 30), party="Eskilstuna kommun", area=ELDERLY)
    # 00:30 in Stockholm: 1 April, Q2. A resident, no focus area yet.
    make_submission(at(2025, 3, 31, 22, 30))
    # 00:30 on New Year's Day in Stockholm: 2026.
    make_submission(at(2025, 12, 31, 23, 30), party="Eskilstuna kommun")
    make_submission(None, party="Västerås stad", state="draft")  # never counts
    _db.session.commit()


def row(**values) -> InflowRow:
    base = dict.fromkeys(InflowRow._fields)
    return InflowRow(**{**base, **values})


def test_inflow_by_quarter_and_source_counts_each_on_its_stockholm_day(fixture):
    vasteras, eskilstuna = party_named("Västerås stad").id, party_named("Eskilstuna kommun").id
    sormland = party_named("Region Sörmland").id
    got = inflow(date(2022, 1, 1), date(2025, 12, 31), ["quarter", "party"])
    assert got == [
        row(period="2022-Q2", party_id=vasteras, party="Västerås stad", count=1),
        row(period="2024-Q2", party_id=sormland, party="Region Sörmland", count=1),
        row(period="2025-Q1", party_id=eskilstuna, party="Eskilstuna kommun", count=1),
        row(period="2025-Q1", party_id=vasteras, party="Västerås stad", count=1),
        row(period="2025-Q1", party_id=None, party="Invånare", count=1),
        row(period="2025-Q2", party_id=None, party="Invånare", count=1),
    ]
    assert [r.source for r in got[-2:]] == [RESIDENTS, RESIDENTS]


def test_inflow_month_boundary_is_stockholm_midnight(fixture):
    got = inflow(date(2025, 3, 1), date(2025, 4, 30), ["month"])
    assert [(r.period, r.count) for r in got] == [("2025-03", 1), ("2025-04", 1)]
    got = inflow(date(2026, 1, 1), date(2026, 1, 1), ["year"])
    assert [(r.period, r.count) for r in got] == [("2026", 1)]


def test_inflow_renamed_focus_area_counted_together_under_its_current_name(fixture):
    school = area_named(SCHOOL).portfolio_id
    elderly = area_named(ELDERLY).portfolio_id
    got = inflow(date(2022, 1, 1), date(2026, 12, 31), ["focus_area"])
    assert got == [
        row(portfolio_id=school, focus_area=SCHOOL, count=3),
        row(portfolio_id=elderly, focus_area=ELDERLY, count=2),
        row(portfolio_id=None, focus_area="Utan fokusområde", count=2),
    ]
    filtered = inflow(date(2022, 1, 1), date(2026, 12, 31), ["year"], portfolio_id=school)
    assert [(r.period, r.count) for r in filtered] == [("2022", 1), ("2025", 2)]


def test_inflow_by_kind_and_source_filter(fixture):
    got = inflow(date(2022, 1, 1), date(2026, 12, 31), ["kind"])
    assert [(r.kind, r.count) for r in got] == [("challenge", 3), ("idea", 4)]
    residents = inflow(date(2022, 1, 1), date(2026, 12, 31), ["kind"], source=RESIDENTS)
    assert [(r.kind, r.count) for r in residents] == [("challenge", 1), ("idea", 1)]
    eskilstuna = party_named("Eskilstuna kommun").id
    ideas = inflow(date(2022, 1, 1), date(2026, 12, 31), [], source=eskilstuna, kind="idea")
    assert ideas == [row(count=2)]


def test_inflow_by_call_outside_calls_grouped(fixture):
    from tests.factories import make_call

    call = make_call(title="Barn i rörelse")
    make_submission(at(2025, 5, 5, 9), call=call)
    got = inflow(date(2025, 4, 1), date(2025, 6, 30), ["call"])
    assert got == [
        row(call_id=call.id, call="Barn i rörelse", count=1),
        row(call_id=None, call="Utanför utlysning", count=1),
    ]


def test_inflow_empty_period_has_no_rows(fixture):
    assert inflow(date(2023, 1, 1), date(2023, 12, 31), ["month", "party"]) == []
    assert inflow(date(2023, 1, 1), date(2023, 12, 31), []) == [row(count=0)]


@pytest.mark.parametrize(
    "args",
    [
        (date(2025, 2, 1), date(2025, 1, 1), ["month"]),
        (date(2025, 1, 1), date(2025, 2, 1), ["month", "year"]),
        (date(2025, 1, 1), date(2025, 2, 1), ["weekday"]),
    ],
)
def test_inflow_refuses_bad_arguments(db, args):
    with pytest.raises(ValueError):
        inflow(*args)


def test_period_label():
    assert period_label(date(2026, 3, 31), "month") == "2026-03"
    assert period_label(date(2026, 4, 1), "quarter") == "2026-Q2"
    assert period_label(date(2026, 12, 31), "year") == "2026"


def test_inflow_counts_are_plain_ints(fixture):
    """PostgreSQL sums counts as numeric; the rows still hold ints (the API writes JSON)."""
    rows = inflow(date(2022, 1, 1), date(2026, 12, 31), ["year", "party"])
    assert rows and all(type(r.count) is int for r in rows)
