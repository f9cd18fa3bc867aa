"""Initiatives: the portfolio list, creating one directly, the initiative page, access."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.admin import services as admin_services
from portal.audit import AuditEntry
from portal.evaluation.models import Initiative, Outcome, Phase, PriorityMeeting
from portal.evaluation.phases import decide
from portal.extensions import db as _db
from portal.reference.models import FocusArea
from portal.submissions.models import State
from portal.triage import services as triage_services
from tests.conftest import login, post_form
from tests.factories import make_user
from tests.functional.test_triage import employee_submission, resident_submission

ELDERLY = "Välmående och självständiga äldre"
CHILDREN = "Alla barn och unga uppnår sin fulla potential"


def area(name: str) -> FocusArea:
    return _db.session.scalar(select(FocusArea).where(FocusArea.name == name))


def make_initiative(title: str, name: str = ELDERLY, phase: Phase = Phase.IDEA) -> Initiative:
    a = area(name)
    initiative = Initiative(title=title, portfolio=a.portfolio, focus_area=a, phase=phase)
    _db.session.add(initiative)
    _db.session.commit()
    return initiative


# --- the list ----------------------------------------------------------------------------------


def test_list_groups_by_portfolio_with_counts_and_filters(client, login_as):
    make_initiative("Promenadvänner", ELDERLY, Phase.CONCEPT)
    make_initiative("Seniorcaféet", ELDERLY, Phase.IDEA)
    make_initiative("Rörelsebingo", CHILDREN, Phase.CONCEPT)
    login_as(Role.CORE_TEAM)
    html = client.get("/initiativ").get_data(as_text=True)
    assert '<h2 aria-live="polite">3 initiativ</h2>' in html
    assert re.search(
        rf"<h3 id=\"portfolj-\d+\">{CHILDREN} <span class=\"badge\">1</span></h3>", html
    )
    assert re.search(
        rf"<h3 id=\"portfolj-\d+\">{ELDERLY} <span class=\"badge\">2</span></h3>", html
    )
    assert re.search(r"Konceptfas <span class=\"badge\">2</span>", html)
    assert re.search(r"Idéfas <span class=\"badge\">1</span>", html)

    html = client.get("/initiativ?phase=concept").get_data(as_text=True)
    assert "Promenadvänner" in html and "Rörelsebingo" in html and "Seniorcaféet" not in html
    portfolio = area(ELDERLY).portfolio_id
    html = client.get(f"/initiativ?portfolio={portfolio}").get_data(as_text=True)
    assert "Promenadvänner" in html and "Seniorcaféet" in html and "Rörelsebingo" not in html
    # the phase counts follow the portfolio filter
    assert re.search(r"Konceptfas <span class=\"badge\">1</span>", html)
    html = client.get(f"/initiativ?portfolio={portfolio}&phase=idea").get_data(as_text=True)
    assert "Seniorcaféet" in html and "Promenadvänner" not in html


def test_list_counts_a_renamed_focus_area_with_its_portfolio(client, login_as):
    make_initiative("Före namnbytet", ELDERLY)
    admin = make_user(roles={Role.ADMIN})
    admin_services.rename_focus_area(
        area(ELDERLY), new_name="Äldres välbefinnande", effect_goal="",
        valid_from=date.today() - timedelta(days=1), actor=admin,
    )  # fmt: skip
    _db.session.commit()
    make_initiative("Efter namnbytet", "Äldres välbefinnande")
    login_as(Role.PROCESS_SUPPORT)
    html = client.get("/initiativ").get_data(as_text=True)
    assert re.search(
        r"<h3 id=\"portfolj-\d+\">Äldres välbefinnande <span class=\"badge\">2</span>", html
    )
    assert f"Tidigare namn: {ELDERLY}" in html
    portfolio = area(ELDERLY).portfolio_id
    html = client.get(f"/initiativ?portfolio={portfolio}").get_data(as_text=True)
    assert "Före namnbytet" in html and "Efter namnbytet" in html


def test_unknown_filter_values_are_ignored_with_a_message(client, login_as):
    make_initiative("Promenadvänner")
    login_as(Role.PROCESS_SUPPORT)
    response = client.get("/initiativ?phase=okand&portfolio=999")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Promenadvänner" in html
    assert "Välj bland alternativen." in html


# --- creating directly ---------------------------------------------------------------------------


def test_process_support_creates_an_initiative_in_idea_phase(client, login_as):
    user = login_as(Role.PROCESS_SUPPORT)
    response = post_form(
        client,
        "/initiativ/nytt",
        {
            "title": " Trygga stråk ",
            "summary": "Från Samhällsforums workshop i Eskilstuna.",
            "focus_area": str(area(ELDERLY).id),
            "sk_function": "forum",
            "initiative_type": "innovation",
        },
    )
    assert response.status_code == 302
    initiative = _db.session.scalar(select(Initiative))
    assert response.headers["Location"] == f"/initiativ/{initiative.id}"
    assert (initiative.title, initiative.phase, initiative.sk_function) == (
        "Trygga stråk", Phase.IDEA.value, "forum"
    )  # fmt: skip
    assert initiative.portfolio_id == area(ELDERLY).portfolio_id
    assert initiative.origin_submission_id is None and initiative.created_by_id == user.id
    entry = _db.session.scalar(select(AuditEntry).where(AuditEntry.action == "initiative_created"))
    assert entry.actor_id == user.id and entry.object_id == initiative.id
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Initiativet är skapat i Idéfas." in html and "Samhällsforum" in html


def test_creating_needs_title_summary_and_a_focus_area_in_force(client, login_as):
    login_as(Role.ADMIN)
    response = post_form(client, "/initiativ/nytt", {"title": "", "summary": "", "focus_area": ""})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Det finns fel i formuläret" in html
    for message in (
        "Skriv initiativets namn.",
        "Skriv en kort sammanfattning",
        "Välj ett fokusområde.",
    ):
        assert message in html
    old = area(ELDERLY)
    admin_services.rename_focus_area(
        old, new_name="Äldres välbefinnande", effect_goal="",
        valid_from=date.today() - timedelta(days=1), actor=None,
    )  # fmt: skip
    _db.session.commit()
    response = post_form(
        client, "/initiativ/nytt", {"title": "X", "summary": "Y", "focus_area": str(old.id)}
    )
    assert response.status_code == 422
    assert "Välj bland alternativen." in response.get_data(as_text=True)
    assert _db.session.query(Initiative).count() == 0


@pytest.mark.parametrize("role", [Role.CORE_TEAM, Role.EXPERT, Role.EMPLOYEE, Role.BOARD])
def test_only_process_support_and_admin_create(client, login_as, role):
    login_as(role)
    assert client.get("/initiativ/nytt").status_code == 403


# --- the initiative page -------------------------------------------------------------------------


def test_page_shows_all_linked_submissions_with_submitters(client, login_as):
    triager = make_user(roles={Role.PROCESS_SUPPORT})
    origin = employee_submission(title="Digital fritidsbank")
    duplicate, _t = resident_submission(title="Låna skridskor", email="kim@example.org")
    related = employee_submission(
        make_user(
            roles={Role.EMPLOYEE}, name="Sara Forskare", party_name="Mälardalens universitet"
        ),
        title="Utrustningspool",
    )
    triage_services.set_focus_area(origin, area(CHILDREN), actor=triager)
    triage_services.mark_duplicate(duplicate, origin.reg_number, actor=triager)
    triage_services.link_related(origin, related.reg_number, actor=triager)
    initiative = triage_services.accept(origin, actor=triager)
    _db.session.commit()
    login(client, triager)
    html = client.get(f"/initiativ/{initiative.id}").get_data(as_text=True)
    for s, who, source in (
        (origin, "Erik Anställd", "Västerås stad"),
        (duplicate, "Kim Invånare", "Invånare"),
        (related, "Sara Forskare", "Mälardalens universitet"),
    ):
        assert f'<a href="/inkorg/{s.id}">{s.reg_number} – {s.title}</a>' in html
        assert re.search(
            rf"{s.reg_number}.*?<td>[^<]+</td>\s*<td>{who}</td>\s*<td>{source}</td>", html, re.S
        )
    assert (
        "<td>Ursprung</td>" in html and "<td>Dubblett</td>" in html and "<td>Relaterad</td>" in html
    )
    assert "Låna utrustning." in html  # the origin's canvas
    assert origin.state == State.IN_PORTFOLIO


def test_core_team_sees_submissions_without_inbox_links(client, login_as):
    triager = make_user(roles={Role.PROCESS_SUPPORT})
    origin = employee_submission()
    triage_services.set_focus_area(origin, area(CHILDREN), actor=triager)
    initiative = triage_services.accept(origin, actor=triager)
    _db.session.commit()
    login_as(Role.CORE_TEAM)
    html = client.get(f"/initiativ/{initiative.id}").get_data(as_text=True)
    assert origin.reg_number in html and "Erik Anställd" in html
    assert f'href="/inkorg/{origin.id}"' not in html


def test_page_lists_decisions_oldest_first(client, login_as):
    initiative = make_initiative("Promenadvänner")
    meeting = PriorityMeeting(held_on=date(2026, 10, 1), portfolio_id=initiative.portfolio_id,
                              title="Primöte oktober")  # fmt: skip
    _db.session.add(meeting)
    decide(initiative, outcome=Outcome.GO_ON, to_phase=Phase.CONCEPT, rationale="Många vill vara med.",
           decided_on=date(2026, 10, 1), actor=None, meeting=meeting)  # fmt: skip
    decide(initiative, outcome=Outcome.STAY, to_phase=Phase.CONCEPT, rationale="Mer användartester.",
           decided_on=date(2026, 11, 2), actor=None)  # fmt: skip
    _db.session.commit()
    login_as(Role.CORE_TEAM)
    html = client.get(f"/initiativ/{initiative.id}").get_data(as_text=True)
    first, second = html.index("Många vill vara med."), html.index("Mer användartester.")
    assert first < second
    assert "Primöte oktober" in html and "Utanför primöte" in html
    assert "Idéfas → Konceptfas" in html and "Konceptfas → Konceptfas" in html
    assert "Går vidare till nästa fas" in html and "Stannar i fasen" in html


def test_the_page_has_a_place_for_the_process_section(client, login_as):
    from portal.evaluation.signals import initiative_page_shown

    initiative = make_initiative("Promenadvänner")
    login_as(Role.PROCESS_SUPPORT)
    assert initiative_page_shown.receivers  # the hub adds its part of the page
    assert client.get(f"/initiativ/{initiative.id}").status_code == 200


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.PROCESS_SUPPORT, 200),
        (Role.CORE_TEAM, 200),
        (Role.ADMIN, 200),
        (Role.EXPERT, 403),
        (Role.EMPLOYEE, 403),
        (Role.BOARD, 403),
    ],
)
def test_who_sees_the_list_and_the_page(client, login_as, role, status):
    initiative = make_initiative("Promenadvänner")
    login_as(role)
    assert client.get(f"/initiativ/{initiative.id}").status_code == status
    list_status = 200 if status == 200 else 403
    assert client.get("/initiativ").status_code == list_status


def test_unknown_initiative_is_404(client, login_as):
    login_as(Role.PROCESS_SUPPORT)
    assert client.get("/initiativ/999999").status_code == 404


def test_an_asked_expert_sees_the_submissions_but_not_who_sent_them(client, login_as):
    from portal.evaluation.models import RatingRequest

    triager = make_user(roles={Role.PROCESS_SUPPORT})
    origin = employee_submission(title="Digital fritidsbank")
    triage_services.set_focus_area(origin, area(CHILDREN), actor=triager)
    initiative = triage_services.accept(origin, actor=triager)
    _db.session.commit()
    expert = make_user(roles={Role.EXPERT})
    _db.session.add(RatingRequest(initiative_id=initiative.id, expert_id=expert.id))
    _db.session.commit()
    login_as(expert)
    html = client.get(f"/initiativ/{initiative.id}").get_data(as_text=True)
    assert origin.reg_number in html and "Västerås stad" in html
    assert "Erik Anställd" not in html and f'href="/inkorg/{origin.id}"' not in html
    assert "Till din bedömning" in html
