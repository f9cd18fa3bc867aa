"""Insights: recorded on an initiative, listed across the portfolios."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.evaluation.models import Insight, RatingRequest
from portal.extensions import db as _db
from tests.conftest import post_form
from tests.process_factories import area, make_initiative


def _record(client, initiative, text="Halleluja! De äldre ville gå tillsammans.", **extra):
    return post_form(
        client,
        f"/initiativ/{initiative.id}/insikter",
        {"noted_on": "2026-05-04", "text": text, **extra},
        page="/insikter",
    )


def test_process_support_records_an_insight(client, login_as):
    user = login_as(Role.PROCESS_SUPPORT)
    initiative = make_initiative()
    response = _record(client, initiative, next=f"/initiativ/{initiative.id}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/initiativ/{initiative.id}#insikter"
    insight = _db.session.scalar(select(Insight))
    assert (insight.initiative_id, insight.noted_on, insight.author_id) == (
        initiative.id,
        date(2026, 5, 4),
        user.id,
    )


def test_empty_insight_is_422(client, login_as):
    login_as(Role.CORE_TEAM)
    response = _record(client, make_initiative(), text="  ")
    assert response.status_code == 422
    assert "Skriv insikten." in response.get_data(as_text=True)


def test_foreign_next_is_ignored(client, login_as):
    login_as(Role.CORE_TEAM)
    initiative = make_initiative()
    response = _record(client, initiative, next="https://evil.example/")
    assert response.headers["Location"] == f"/initiativ/{initiative.id}#insikter"


def test_expert_records_only_on_initiatives_they_were_asked_to_rate(client, login_as):
    expert = login_as(Role.EXPERT)
    mine, other = make_initiative("Mitt"), make_initiative("Annat")
    _db.session.add(RatingRequest(initiative_id=mine.id, expert_id=expert.id))
    _db.session.commit()
    assert _record(client, mine).status_code == 302
    assert _record(client, other).status_code == 403


def test_insight_bank_filters_by_focus_area(client, login_as):
    login_as(Role.PROCESS_SUPPORT)
    elderly = make_initiative("Promenadvänner")
    children = make_initiative(
        "Rörelseglädje", area_name="Alla barn och unga uppnår sin fulla potential"
    )
    _record(client, elderly, text="Äldre vill gå i grupp.")
    _record(client, children, text="Barn vill tävla.")
    html = client.get("/insikter").get_data(as_text=True)
    assert "Äldre vill gå i grupp." in html and "Barn vill tävla." in html
    portfolio = area().portfolio_id
    html = client.get(f"/insikter?portfolio={portfolio}").get_data(as_text=True)
    assert "Äldre vill gå i grupp." in html and "Barn vill tävla." not in html


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.PROCESS_SUPPORT, 200),
        (Role.CORE_TEAM, 200),
        (Role.EXPERT, 200),
        (Role.ADMIN, 200),
        (Role.EMPLOYEE, 403),
        (Role.BOARD, 403),
    ],
)
def test_insight_bank_per_role(client, login_as, role, status):
    login_as(role)
    assert client.get("/insikter").status_code == status


def test_initiative_page_shows_the_process_section(client, login_as):
    from tests.process_factories import make_funding

    login_as(Role.PROCESS_SUPPORT)
    initiative = make_initiative()
    make_funding(initiative, 60_000)
    _record(client, initiative, text="Grupper fungerar.")
    html = client.get(f"/initiativ/{initiative.id}").get_data(as_text=True)
    for text in (
        "Registrera beslut",
        "Finansiering",
        "60\u00a0000\u00a0kr",
        "Insikter",
        "Grupper fungerar.",
    ):
        assert text in html
