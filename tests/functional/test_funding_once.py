"""Funding decisions are taken once, by someone other than the person who asked for the money;
a funding request sent again after Back is registered once. Through the pages
(tests/browser.py)."""

from __future__ import annotations

import pytest
from babel.dates import format_date
from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.audit import AuditEntry
from portal.calls.forms import STOCKHOLM
from portal.evaluation import services
from portal.evaluation.models import FundingRequest, FundingStatus, Phase
from portal.extensions import db as _db
from portal.mail.models import OutboxMessage
from portal.types import utcnow
from tests.browser import Browser, error_texts, flashes
from tests.conftest import login, post_form
from tests.factories import make_user
from tests.process_factories import make_funding, make_initiative

OWN_REQUEST = "Du har själv ansökt om medlen. Någon annan med mandat beslutar."


def today():
    return utcnow().astimezone(STOCKHOLM).date()


def person(app, user) -> Browser:
    browser = Browser(app)
    browser.login(user)
    return browser


def requests_() -> list[FundingRequest]:
    _db.session.expire_all()
    return list(_db.session.scalars(select(FundingRequest).order_by(FundingRequest.id)))


def audits(action: str) -> int:
    return _db.session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action)
    )


def decision_form(browser, funding, verdict="grant", note="Inom mandatet."):
    page = browser.get("/finansiering")
    assert page.status_int == 200
    form = browser.form(page, action=f"/finansiering/{funding.id}/beslut")
    form[f"anslag{funding.id}-verdict"] = verdict
    form[f"anslag{funding.id}-note"] = note
    return form


def request_form(browser, initiative, amount="120 000", purpose="Pilot med promenadvänner."):
    page = browser.get(f"/initiativ/{initiative.id}")
    form = browser.form(page, action=f"/initiativ/{initiative.id}/finansiering")
    form["amount"] = amount
    form["purpose"] = purpose
    form["period_start"] = "2027-04-01"
    form["period_end"] = "2027-09-30"
    return form


@pytest.fixture
def requester(db):
    return make_user(roles={Role.PROCESS_SUPPORT}, name="Robin Processtöd")


def test_contradictory_decisions_record_the_first_and_tell_the_second_who_decided(app, requester):
    funding = make_funding(make_initiative(), 40_000, requested_by_id=requester.id)
    kim = make_user(roles={Role.PROCESS_LEADER}, name="Kim Ledare")
    granting, rejecting = person(app, kim), person(app, make_user(roles={Role.PROJECT_LEADER}))
    grant = decision_form(granting, funding, "grant")
    reject = decision_form(rejecting, funding, "reject", note="Ryms inte.")

    done = granting.submit(grant)
    assert done.status_int == 302
    granting.get(done.headers["Location"])
    late = rejecting.submit(reject)

    assert late.status_int == 303
    shown = rejecting.get(late.headers["Location"])
    day = format_date(today(), "long", locale="sv")
    assert f"Ansökan är redan beslutad: beviljad av Kim Ledare den {day}." in flashes(shown)
    [saved] = requests_()
    assert (saved.status, saved.decided_by_id, saved.decision_note) == (
        FundingStatus.GRANTED,
        kim.id,
        "Inom mandatet.",
    )
    assert audits("funding_decided") == 1


def test_the_requester_is_told_the_decision_by_e_mail_once(app, requester):
    funding = make_funding(make_initiative(), 40_000, requested_by_id=requester.id)
    leader = person(app, make_user(roles={Role.PROJECT_LEADER}))
    form = decision_form(leader, funding, "reject", note="Ryms inte i år.")
    assert leader.submit(form).status_int == 302
    assert leader.submit(form).status_int == 303  # a double click
    [message] = _db.session.scalars(select(OutboxMessage)).all()
    assert message.recipient == requester.email
    assert message.template == "funding_decided"
    assert "avslagen" in message.body_text and "Ryms inte i år." in message.body_text


def test_the_requester_is_not_offered_to_decide_their_own_request(app, db):
    leader = make_user(roles={Role.PROCESS_LEADER, Role.PROCESS_SUPPORT})
    browser = person(app, leader)
    initiative = make_initiative(phase=Phase.PILOT)
    sent = browser.submit(request_form(browser, initiative, amount="40 000"))
    assert sent.status_int == 302, error_texts(sent)
    [funding] = requests_()
    assert funding.requested_by_id == leader.id

    for url in ("/finansiering", f"/initiativ/{initiative.id}"):
        page = browser.get(url)
        assert OWN_REQUEST in page.text
        assert f'action="/finansiering/{funding.id}/beslut"' not in page.text


def test_the_requester_deciding_anyway_is_refused(client, db):
    leader = make_user(roles={Role.PROCESS_LEADER})
    funding = make_funding(make_initiative(), 40_000, requested_by_id=leader.id)
    login(client, leader)
    prefix = f"anslag{funding.id}-"
    response = post_form(
        client,
        f"/finansiering/{funding.id}/beslut",
        {prefix + "verdict": "grant", prefix + "note": "Bra."},
        page="/finansiering",
    )
    assert response.status_code == 403
    assert OWN_REQUEST in response.get_data(as_text=True)
    [saved] = requests_()
    assert saved.status == FundingStatus.REQUESTED
    assert audits("funding_decided") == 0


def test_the_service_refuses_the_requesters_own_decision(app, db):
    leader = make_user(roles={Role.BOARD})
    funding = make_funding(make_initiative(), 300_000, requested_by_id=leader.id)
    with app.test_request_context():
        with pytest.raises(services.OwnRequest) as refused:
            services.decide_funding(funding, grant=True, note="", decided_on=today(), actor=leader)
        assert str(refused.value.message) == OWN_REQUEST
    assert funding.status == FundingStatus.REQUESTED


def test_back_and_send_again_of_a_funding_request_registers_one_request(app, requester):
    browser = person(app, requester)
    initiative = make_initiative(phase=Phase.PILOT)
    first = browser.submit(request_form(browser, initiative))
    assert first.status_int == 302, error_texts(first)
    again = browser.submit(request_form(browser, initiative))  # Back: a new key, same fields

    assert again.status_int == 303
    shown = browser.get(again.headers["Location"])
    assert (
        "Ansökan om 120\u00a0000\u00a0kr med samma syfte är redan registrerad och väntar på "
        "beslut." in flashes(shown)
    )
    assert [(r.amount_kr, r.status) for r in requests_()] == [(120_000, "requested")]
    assert audits("funding_requested") == 1


def test_another_amount_for_the_same_initiative_is_a_new_request(app, requester):
    browser = person(app, requester)
    initiative = make_initiative(phase=Phase.PILOT)
    browser.submit(request_form(browser, initiative))
    other = browser.submit(request_form(browser, initiative, amount="30 000"))
    assert other.status_int == 302
    assert [r.amount_kr for r in requests_()] == [120_000, 30_000]
