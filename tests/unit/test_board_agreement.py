"""The agreement's figures (portal/board/agreement.py) against a hand-counted data set: Q1 2026
beside the same quarter a year earlier (the board's default) and beside the 90 days just
before it, in total, per partner kind and per party, with the filters."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from portal.board.agreement import agreement_figures
from portal.board.figures import Scope
from portal.board.filters import ComparedScope
from portal.board.inflow import RESIDENTS
from portal.evaluation.agreement.models import AgreementEntry
from portal.extensions import db as _db
from tests.board_factories import area_named, initiative_from, make_submission, party_named
from tests.functional.test_initiatives import make_initiative

SCHOOL = "Alla barn och unga uppnår sin fulla potential"
ELDERLY = "Välmående och självständiga äldre"
YEAR = ComparedScope(date(2026, 1, 1), date(2026, 3, 31), compare="year")
BEFORE = ComparedScope(date(2026, 1, 1), date(2026, 3, 31), compare="previous")


def entry(initiative, kind: str, day: date, party: str | None, **values) -> AgreementEntry:
    row = AgreementEntry(
        initiative_id=initiative.id,
        kind=kind,
        dated_on=day,
        party_id=party_named(party).id if party else None,
        title=values.pop("title", f"{kind} {day}"),
        **values,
    )
    _db.session.add(row)
    return row


@pytest.fixture
def entries(db):
    """A: an Eskilstuna submission's initiative (elderly); B: made directly (school)."""
    a = initiative_from(
        make_submission(
            datetime(2025, 1, 5, 12, tzinfo=UTC), party="Eskilstuna kommun", area=ELDERLY
        )
    )
    b = make_initiative("Läxhjälp", SCHOOL)
    # Q1 2026: the period
    entry(a, "students", date(2026, 1, 10), "Mälardalens universitet", students=12,
          institution="MDU", title="Examensarbete")  # fmt: skip
    entry(b, "students", date(2026, 3, 31), "Västerås stad", students=3, institution="MDU")
    entry(a, "collaboration", date(2026, 2, 1), "Västerås stad")
    entry(a, "partner", date(2026, 2, 2), None, partner_kind="company")
    entry(b, "partner", date(2026, 2, 3), "Västerås stad", partner_kind="civil_society")
    entry(b, "partner", date(2026, 2, 4), "Västerås stad", partner_kind="company")
    entry(b, "research", date(2026, 1, 1), "Mälardalens universitet", url="https://mdu.se/x")
    # the 90 days before (3 Oct – 31 Dec 2025)
    entry(a, "students", date(2025, 12, 31), "Mälardalens universitet", students=5,
          institution="MDU")  # fmt: skip
    entry(b, "collaboration", date(2025, 10, 3), "Eskilstuna kommun")
    # between: in neither comparison (2 Oct 2025), and after the period (1 Apr 2026)
    entry(b, "research", date(2025, 10, 2), "Mälardalens universitet")
    entry(a, "partner", date(2026, 4, 1), None, partner_kind="research")
    # Q1 2025: the same quarter a year earlier
    entry(a, "students", date(2025, 1, 1), "Mälardalens universitet", students=7,
          institution="MDU")  # fmt: skip
    entry(b, "partner", date(2025, 3, 31), "Västerås stad", partner_kind="public")
    entry(b, "research", date(2025, 2, 14), "Mälardalens universitet")
    _db.session.commit()


def totals(result) -> dict[str, tuple[int, int]]:
    return {f.key: (f.current, f.previous) for f in result.figures}


def by_party(result) -> dict[str | None, dict[str, tuple[int, int]]]:
    names = {party_named(n).id: n for n in (
        "Mälardalens universitet", "Västerås stad", "Eskilstuna kommun")}  # fmt: skip
    return {
        names.get(p.party_id): {k: v for k, v in p.counts.items() if v != (0, 0)}
        for p in result.parties
    }


def test_the_period_beside_the_same_quarter_a_year_earlier(entries):
    result = agreement_figures(YEAR)
    assert (result.previous.date_from, result.previous.date_to) == (
        date(2025, 1, 1), date(2025, 3, 31),
    )  # fmt: skip
    assert totals(result) == {
        "students": (15, 7),  # 12 + 3 | 7
        "collaborations": (1, 0),
        "partners": (3, 1),
        "partners_company": (2, 0),
        "partners_civil_society": (1, 0),
        "partners_research": (0, 0),  # 1 April is after the period
        "partners_public": (0, 1),
        "partners_other": (0, 0),
        "research": (1, 1),
    }
    assert by_party(result) == {
        "Mälardalens universitet": {"students": (12, 7), "research": (1, 1)},
        "Västerås stad": {"students": (3, 0), "collaborations": (1, 0), "partners": (2, 1)},
        None: {"partners": (1, 0)},  # a partner with no party
    }


def test_the_period_beside_the_period_of_equal_length_before(entries):
    result = agreement_figures(BEFORE)
    assert (result.previous.date_from, result.previous.date_to) == (
        date(2025, 10, 3), date(2025, 12, 31),
    )  # fmt: skip
    got = totals(result)
    assert got["students"] == (15, 5)
    assert got["collaborations"] == (1, 1)
    assert got["partners"] == (3, 0)
    assert got["research"] == (1, 0)  # 2 October is a day before the comparison
    assert by_party(result)["Eskilstuna kommun"] == {"collaborations": (0, 1)}


def test_filters_apply_to_the_initiative(entries):
    elderly = area_named(ELDERLY).portfolio_id
    got = totals(agreement_figures(ComparedScope(YEAR.date_from, YEAR.date_to, elderly)))
    assert got["students"] == (12, 7) and got["partners"] == (1, 0)
    eskilstuna = party_named("Eskilstuna kommun").id
    got = totals(agreement_figures(ComparedScope(YEAR.date_from, YEAR.date_to, None, eskilstuna)))
    assert got["collaborations"] == (1, 0) and got["research"] == (0, 0)  # only A's
    got = totals(agreement_figures(ComparedScope(YEAR.date_from, YEAR.date_to, None, RESIDENTS)))
    assert all(v == (0, 0) for v in got.values())


def test_an_empty_period_counts_nothing(db):
    result = agreement_figures(Scope(date(2030, 1, 1), date(2030, 3, 31)))
    assert result.empty and result.parties == []
    assert [f.key for f in result.figures][:3] == ["students", "collaborations", "partners"]
