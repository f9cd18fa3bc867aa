"""Funding: mandates by amount (enforced), the budget per year and the exceed flag."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.evaluation import services
from portal.evaluation.forms import parse_kronor
from portal.evaluation.models import FundingRequest, FundingStatus, InnovationBudget, Mandate
from portal.extensions import db as _db
from portal.types import utcnow
from tests.conftest import post_form
from tests.process_factories import make_funding, make_initiative, set_budget


def _decide(client, funding, verdict="grant", note="OK."):
    prefix = f"anslag{funding.id}-"
    return post_form(
        client,
        f"/finansiering/{funding.id}/beslut",
        {prefix + "verdict": verdict, prefix + "note": note},
        page="/konto",
    )


@pytest.mark.parametrize(
    ("amount", "mandate"),
    [
        (1, Mandate.PROJECT_LEADER),
        (50_000, Mandate.PROJECT_LEADER),
        (50_001, Mandate.PROCESS_LEADER),
        (200_000, Mandate.PROCESS_LEADER),
        (200_001, Mandate.BOARD),
    ],
)
def test_mandate_follows_the_amount(amount, mandate):
    assert services.mandate_for(amount) == mandate


@pytest.mark.parametrize(
    ("raw", "amount"), [("50 000", 50000), ("50\u00a0000 kr", 50000), ("200000", 200000)]
)
def test_swedish_amounts_are_read(raw, amount):
    assert parse_kronor(raw) == amount


@pytest.mark.parametrize("raw", ["50 000,50", "-5", "0", "femtio", "1e5"])
def test_bad_amounts_are_refused(raw):
    with pytest.raises(ValueError):
        parse_kronor(raw)


@pytest.mark.parametrize(
    ("amount", "role", "allowed"),
    [
        (50_000, Role.PROJECT_LEADER, True),
        (50_000, Role.PROCESS_LEADER, True),
        (50_000, Role.BOARD, True),
        (50_001, Role.PROJECT_LEADER, False),
        (50_001, Role.PROCESS_LEADER, True),
        (200_000, Role.PROCESS_LEADER, True),
        (200_000, Role.PROJECT_LEADER, False),
        (200_001, Role.PROCESS_LEADER, False),
        (200_001, Role.BOARD, True),
        (50_000, Role.PROCESS_SUPPORT, False),
        (50_000, Role.ADMIN, False),
    ],
)
def test_deciding_needs_the_mandate(client, login_as, amount, role, allowed):
    funding = make_funding(make_initiative(), amount)
    login_as(role)
    response = _decide(client, funding)
    _db.session.expire_all()
    if allowed:
        assert response.status_code == 302
        assert funding.status == FundingStatus.GRANTED
        assert funding.decided_on == utcnow().astimezone(services_tz()).date()
    else:
        assert response.status_code == 403
        if role in (Role.PROJECT_LEADER, Role.PROCESS_LEADER):
            assert "Du har inte mandat att besluta om" in response.get_data(as_text=True)
        assert funding.status == FundingStatus.REQUESTED


def services_tz():
    from portal.types import STOCKHOLM

    return STOCKHOLM


def test_request_funding_derives_the_mandate_and_accepts_swedish_amounts(client, login_as):
    login_as(Role.PROCESS_SUPPORT)
    initiative = make_initiative()
    response = post_form(
        client,
        f"/initiativ/{initiative.id}/finansiering",
        {
            "amount": "120 000",
            "purpose": "Pilot med promenadvänner.",
            "period_start": "2026-04-01",
            "period_end": "2026-09-30",
            "next": f"/initiativ/{initiative.id}",
        },
        page="/primoten",
    )
    assert response.status_code == 302
    funding = _db.session.scalar(select(FundingRequest))
    assert (funding.amount_kr, funding.mandate, funding.status) == (
        120_000,
        "process_leader",
        "requested",
    )


def test_request_funding_invalid_is_422(client, login_as):
    login_as(Role.PROCESS_SUPPORT)
    initiative = make_initiative()
    response = post_form(
        client,
        f"/initiativ/{initiative.id}/finansiering",
        {
            "amount": "12,5",
            "purpose": "",
            "period_start": "2026-09-01",
            "period_end": "2026-04-01",
        },
        page="/primoten",
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Skriv beloppet i hela kronor" in html
    assert "Periodens slut kan inte ligga före dess början." in html
    assert _db.session.scalar(select(FundingRequest.id)) is None


def test_granted_amounts_are_summed_per_calendar_year(db):
    initiative = make_initiative()
    make_funding(initiative, 30_000, status="granted", decided_on=date(2025, 12, 31))
    make_funding(initiative, 40_000, status="granted", decided_on=date(2026, 1, 1))
    make_funding(initiative, 5_000, status="granted", decided_on=date(2026, 6, 1))
    make_funding(initiative, 9_000, status="rejected", decided_on=date(2026, 6, 1))
    make_funding(initiative, 7_000)
    set_budget(2026, 50_000)
    year = services.budget_year(2026)
    assert (year.budget_kr, year.granted_kr, year.left_kr, year.requested_kr) == (
        50_000,
        45_000,
        5_000,
        7_000,
    )
    assert services.granted_in(2025) == 30_000
    assert year.overshoot_if_granted(5_000) == 0
    assert year.overshoot_if_granted(7_000) == 2_000
    assert [(y.year, y.granted_kr) for y in services.budget_years()] == [
        (2026, 45_000),
        (2025, 30_000),
    ]


def test_request_over_the_budget_is_flagged_not_blocked(client, login_as):
    this_year = utcnow().astimezone(services_tz()).year
    initiative = make_initiative()
    make_funding(initiative, 90_000, status="granted", decided_on=date(this_year, 1, 2))
    set_budget(this_year, 100_000)
    funding = make_funding(initiative, 40_000)
    login_as(Role.PROCESS_LEADER)
    html = client.get("/finansiering").get_data(as_text=True)
    assert "Beviljas detta överskrids årets budget med 30\u00a0000\u00a0kr" in html
    response = _decide(client, funding)
    assert response.status_code == 302
    _db.session.expire_all()
    assert funding.status == FundingStatus.GRANTED
    html = client.get("/finansiering").get_data(as_text=True)
    assert "Årets budget är nu överskriden med 30\u00a0000\u00a0kr" in html


def test_decision_needs_verdict_and_note(client, login_as):
    funding = make_funding(make_initiative(), 10_000)
    login_as(Role.PROJECT_LEADER)
    response = _decide(client, funding, verdict="", note="")
    assert response.status_code == 422
    assert "Välj bevilja eller avslå." in response.get_data(as_text=True)


def test_admin_sets_the_budget(client, login_as):
    login_as(Role.ADMIN)
    response = post_form(client, "/admin/budget", {"year": "2026", "amount": "1 500 000"})
    assert response.status_code == 302
    assert _db.session.get(InnovationBudget, 2026).amount_kr == 1_500_000
    response = post_form(client, "/admin/budget", {"year": "2026", "amount": "2 000 000"})
    _db.session.expire_all()
    assert _db.session.get(InnovationBudget, 2026).amount_kr == 2_000_000
    assert "2\u00a0000\u00a0000\u00a0kr" in client.get("/admin/budget").get_data(as_text=True)


@pytest.mark.parametrize(
    ("role", "page", "budget"),
    [
        (Role.PROCESS_SUPPORT, 200, 403),
        (Role.PROJECT_LEADER, 200, 403),
        (Role.PROCESS_LEADER, 200, 403),
        (Role.BOARD, 200, 403),
        (Role.ADMIN, 200, 200),
        (Role.EMPLOYEE, 403, 403),
        (Role.EXPERT, 403, 403),
        (Role.CORE_TEAM, 403, 403),
    ],
)
def test_funding_pages_per_role(client, login_as, role, page, budget):
    login_as(role)
    assert client.get("/finansiering").status_code == page
    assert client.get("/admin/budget").status_code == budget
