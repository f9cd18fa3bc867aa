"""The innovation process's forms sent truly at once: real concurrent requests to the app
served over HTTP (tests/live_server.py), each from its own logged-in browser with its own
rendered form (so each its own one-time key). Whatever the interleaving, exactly one effect
(rows, audit entries, e-mail), no 5xx, and everyone else is told clearly what happened.

On PostgreSQL the requests run in parallel in the database. On SQLite every POST with a form
key holds the database's write lock from its key's claim to its commit, so they run one after
another in some order: the same assertions hold, and the test is deterministic there too.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.audit import AuditEntry
from portal.calls.forms import STOCKHOLM
from portal.evaluation.models import (
    AgendaItem,
    ConflictOfInterest,
    Decision,
    FundingRequest,
    FundingStatus,
    Initiative,
    InnovationBudget,
    Insight,
    Phase,
    PriorityMeeting,
    RatingRequest,
)
from portal.extensions import db as _db
from portal.mail.models import OutboxMessage
from portal.types import utcnow
from tests.browser import Browser
from tests.factories import make_user
from tests.live_server import LiveServer, Sent, at_once, send
from tests.process_factories import (
    ELDERLY,
    area,
    make_funding,
    make_initiative,
    make_meeting,
    put_on_agenda,
)

WORKERS = 4


@pytest.fixture(scope="module")
def live(app):
    server = LiveServer(app)
    server.start()
    yield server.url
    server.stop()


def today():
    return utcnow().astimezone(STOCKHOLM).date()


def people(app, roles, n=WORKERS, user=None) -> list[Browser]:
    """n browsers, each logged in (as n people with the roles, or n times as `user`)."""
    browsers = []
    for _ in range(n):
        browser = Browser(app)
        browser.login(user or make_user(roles=set(roles)))
        browsers.append(browser)
    return browsers


def count(model, *where) -> int:
    _db.session.expire_all()
    return _db.session.scalar(select(func.count()).select_from(model).where(*where))


def audits(action: str) -> int:
    return count(AuditEntry, AuditEntry.action == action)


def fire(live, browsers, fill: Callable[[Browser, int], object]) -> list[Sent]:
    """Each browser renders and fills its own form, then all are sent at once."""
    forms = [fill(b, n) for n, b in enumerate(browsers)]
    return at_once(
        [lambda b=b, f=f: send(live, b, f) for b, f in zip(browsers, forms, strict=True)]
    )


def split(results: list[Sent], done: int = 302) -> tuple[list[Sent], list[Sent]]:
    assert all(r.status < 500 for r in results), [(r.status, r.page[:300]) for r in results]
    winners = [r for r in results if r.status == done]
    return winners, [r for r in results if r.status != done]


# --- decisions ---------------------------------------------------------------------------------

REGISTERED = "Det här beslutet är redan registrerat"
OTHER = "Initiativet har fått ett annat beslut sedan du öppnade sidan"


def decision_fill(initiative):
    def fill(browser, n):
        page = browser.get(f"/initiativ/{initiative.id}")
        form = browser.form(page, action=f"/initiativ/{initiative.id}/beslut")
        form["outcome"] = "go_on" if n % 2 == 0 else "stop"
        form["rationale"] = "Vi går vidare." if n % 2 == 0 else "Avslutas."
        return form

    return fill


def assert_one_decision_and_told(results):
    winners, losers = split(results)
    assert len(winners) == 1, [(r.status, r.location) for r in results]
    assert count(Decision) == 1 and audits("decision") == 1
    for loser in losers:
        told = (loser.status == 303 and REGISTERED in loser.page) or (
            loser.status == 409 and OTHER in loser.page
        )
        assert told, (loser.status, loser.location, loser.page[:2000])


def test_decisions_sent_at_once_on_the_initiative_page_take_effect_once(app, db, live):
    initiative = make_initiative(phase=Phase.IDEA)
    results = fire(live, people(app, {Role.CORE_TEAM}), decision_fill(initiative))
    assert_one_decision_and_told(results)
    _db.session.expire_all()
    [decision] = _db.session.scalars(select(Decision)).all()
    assert _db.session.get(Initiative, initiative.id).phase == decision.to_phase


def test_decisions_sent_at_once_on_the_meeting_page_take_effect_once(app, db, live):
    meeting = make_meeting(held_on=today())
    initiative = make_initiative(phase=Phase.CONCEPT)
    (item,) = put_on_agenda(meeting, initiative)

    def fill(browser, n):
        page = browser.get(f"/primoten/{meeting.id}")
        form = browser.form(page, action=f"/primoten/{meeting.id}/dagordning/{item.id}/beslut")
        form[f"punkt{item.id}-outcome"] = "go_on" if n % 2 == 0 else "stop"
        form[f"punkt{item.id}-rationale"] = "Vi går vidare." if n % 2 == 0 else "Avslutas."
        return form

    results = fire(live, people(app, {Role.CORE_TEAM}), fill)
    assert_one_decision_and_told(results)


# --- funding -----------------------------------------------------------------------------------


def test_contradictory_funding_decisions_sent_at_once_record_one(app, db, live):
    requester = make_user(roles={Role.PROCESS_SUPPORT})
    funding = make_funding(make_initiative(), 40_000, requested_by_id=requester.id)

    def fill(browser, n):
        page = browser.get("/finansiering")
        form = browser.form(page, action=f"/finansiering/{funding.id}/beslut")
        form[f"anslag{funding.id}-verdict"] = "grant" if n % 2 == 0 else "reject"
        form[f"anslag{funding.id}-note"] = f"Beslut {n}."
        return form

    results = fire(live, people(app, {Role.PROCESS_LEADER}), fill)
    winners, losers = split(results)
    assert len(winners) == 1
    for loser in losers:
        assert loser.status == 303 and "Ansökan är redan beslutad: " in loser.page
    _db.session.expire_all()
    saved = _db.session.get(FundingRequest, funding.id)
    assert saved.status in (FundingStatus.GRANTED, FundingStatus.REJECTED)
    assert audits("funding_decided") == 1
    assert count(OutboxMessage, OutboxMessage.template == "funding_decided") == 1


def test_funding_requests_sent_at_once_register_one(app, db, live):
    initiative = make_initiative(phase=Phase.PILOT)

    def fill(browser, n):
        page = browser.get(f"/initiativ/{initiative.id}")
        form = browser.form(page, action=f"/initiativ/{initiative.id}/finansiering")
        form["amount"] = "120 000"
        form["purpose"] = "Pilot med promenadvänner."
        form["period_start"] = "2027-04-01"
        form["period_end"] = "2027-09-30"
        return form

    requester = make_user(roles={Role.CORE_TEAM})
    results = fire(live, people(app, {Role.CORE_TEAM}, user=requester), fill)
    winners, losers = split(results)
    assert len(winners) == 1
    for loser in losers:
        assert loser.status == 303 and "är redan registrerad och väntar på beslut" in loser.page
    assert count(FundingRequest) == 1 and audits("funding_requested") == 1


# --- meetings and the agenda ---------------------------------------------------------------


def test_agenda_item_added_at_once_is_added_once(app, db, live):
    meeting = make_meeting(held_on=today() + timedelta(days=7))
    initiative = make_initiative("Promenadvänner")

    def fill(browser, n):
        page = browser.get(f"/primoten/{meeting.id}")
        form = browser.form(page, action=f"/primoten/{meeting.id}/dagordning")
        form["initiative"] = str(initiative.id)
        return form

    results = fire(live, people(app, {Role.PROCESS_SUPPORT}), fill)
    winners, losers = split(results)
    assert len(winners) == 1
    for loser in losers:
        assert loser.status == 303 and "står redan på dagordningen" in loser.page
    assert count(AgendaItem) == 1 and audits("agenda_item_added") == 1


def test_meetings_planned_at_once_are_planned_once(app, db, live):
    def fill(browser, n):
        page = browser.get("/primoten/nytt")
        form = browser.form(page, action="/primoten/nytt")
        form["held_on"] = (today() + timedelta(days=14)).isoformat()
        form["focus_area"] = str(area(ELDERLY).id)
        form["title"] = "Primöte december"
        return form

    results = fire(live, people(app, {Role.PROCESS_SUPPORT}), fill)
    winners, losers = split(results)
    assert len(winners) == 1
    for loser in losers:
        assert loser.status == 303 and "Primötet är redan planerat." in loser.page
    assert count(PriorityMeeting) == 1 and audits("meeting_planned") == 1


def test_initiatives_created_at_once_are_created_once(app, db, live):
    def fill(browser, n):
        page = browser.get("/initiativ/nytt")
        form = browser.form(page, action="/initiativ/nytt")
        form["title"] = "Promenadvänner i Köping"
        form["summary"] = "Från workshopen."
        form["focus_area"] = str(area(ELDERLY).id)
        return form

    results = fire(live, people(app, {Role.PROCESS_SUPPORT}), fill)
    winners, losers = split(results)
    assert len(winners) == 1
    for loser in losers:
        assert loser.status == 303 and "skapades redan i dag" in loser.page
    assert count(Initiative) == 1 and audits("initiative_created") == 1


# --- experts, insights -------------------------------------------------------------------------


def test_rating_requests_sent_at_once_ask_the_expert_once(app, db, live):
    initiative = make_initiative(phase=Phase.CONCEPT)
    expert = make_user(roles={Role.EXPERT}, name="Ebba Expert")

    def fill(browser, n):
        page = browser.get(f"/initiativ/{initiative.id}")
        form = browser.form(page, action=f"/initiativ/{initiative.id}/bedomare")
        for box in form.fields["experts"]:
            box.checked = box._value == str(expert.id)
        return form

    results = fire(live, people(app, {Role.PROCESS_SUPPORT}), fill)
    winners, losers = split(results)
    assert len(winners) == 1
    for loser in losers:
        assert loser.status == 303
        assert "Ebba Expert är redan ombedd att bedöma initiativet." in loser.page
    assert count(RatingRequest) == 1 and audits("rating_requested") == 1
    assert count(OutboxMessage, OutboxMessage.template == "rating_request") == 1


def test_conflicts_declared_at_once_are_recorded_once(app, db, live):
    initiative = make_initiative(phase=Phase.CONCEPT)
    expert = make_user(roles={Role.EXPERT})
    _db.session.add(RatingRequest(initiative_id=initiative.id, expert_id=expert.id))
    _db.session.commit()

    def fill(browser, n):
        page = browser.get(f"/initiativ/{initiative.id}/bedomning")
        form = browser.form(page, action=f"/initiativ/{initiative.id}/jav")
        form["conflict-reason"] = "Min bror driver projektet."
        return form

    results = fire(live, people(app, {Role.EXPERT}, user=expert), fill)
    winners, losers = split(results)
    assert len(winners) == 1
    for loser in losers:
        assert loser.status == 303
        assert "Du har redan anmält jäv för det här initiativet." in loser.page
    assert count(ConflictOfInterest) == 1 and audits("conflict_declared") == 1


def test_the_same_insight_sent_at_once_is_recorded_once(app, db, live):
    initiative = make_initiative()

    def fill(browser, n):
        page = browser.get(f"/initiativ/{initiative.id}")
        form = browser.form(page, action=f"/initiativ/{initiative.id}/insikter")
        form["text"] = "De äldre ville gå två och två."
        return form

    results = fire(live, people(app, {Role.CORE_TEAM}), fill)
    winners, losers = split(results)
    assert len(winners) == 1
    for loser in losers:
        assert loser.status == 303 and "Insikten är redan registrerad." in loser.page
    assert count(Insight) == 1 and audits("insight_recorded") == 1


# --- taking back, and the budget -----------------------------------------------------------


def test_agenda_item_removed_at_once_is_removed_once(app, db, live):
    meeting = make_meeting(held_on=today() + timedelta(days=7))
    (item,) = put_on_agenda(meeting, make_initiative("Promenadvänner"))
    action = f"/primoten/{meeting.id}/dagordning/{item.id}/ta-bort"
    results = fire(
        live,
        people(app, {Role.PROCESS_SUPPORT}),
        lambda browser, n: browser.form(browser.get(f"/primoten/{meeting.id}"), action=action),
    )
    winners, losers = split(results)
    assert len(winners) == 1
    for loser in losers:
        assert loser.status == 303 and "redan borttag" in loser.page
    assert count(AgendaItem) == 0 and audits("agenda_item_removed") == 1


def test_rating_request_taken_back_at_once_is_taken_back_once(app, db, live):
    initiative = make_initiative(phase=Phase.CONCEPT)
    expert = make_user(roles={Role.EXPERT})
    request = RatingRequest(initiative_id=initiative.id, expert_id=expert.id)
    _db.session.add(request)
    _db.session.commit()
    action = f"/initiativ/{initiative.id}/bedomare/{request.id}/ta-bort"
    results = fire(
        live,
        people(app, {Role.PROCESS_SUPPORT}),
        lambda browser, n: browser.form(browser.get(f"/initiativ/{initiative.id}"), action=action),
    )
    winners, losers = split(results)
    assert len(winners) == 1
    for loser in losers:
        assert loser.status == 303 and "redan borttagen" in loser.page
    assert count(RatingRequest) == 0 and audits("rating_request_removed") == 1


def test_a_new_years_budget_set_at_once_is_one_row(app, db, live):
    def fill(browser, n):
        form = browser.form(browser.get("/admin/budget"), action="/admin/budget")
        form["year"] = "2031"
        form["amount"] = f"{n + 1} 000 000"
        return form

    results = fire(live, people(app, {Role.ADMIN}), fill)
    assert [r.status for r in results] == [302] * WORKERS
    _db.session.expire_all()
    [budget] = _db.session.scalars(select(InnovationBudget)).all()
    assert budget.year == 2031 and budget.amount_kr in {1_000_000, 2_000_000, 3_000_000, 4_000_000}
    assert audits("budget_set") == WORKERS  # each admin's setting is on record
