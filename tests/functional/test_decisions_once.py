"""A Core Team decision takes effect once, on what the person saw, on a meeting that has been
held, through the pages as a browser sends them (tests/browser.py).

Sending the same rendered form twice is handled by its one-time key (portal/intents.py);
these tests are about the cases that key cannot see: Back and send again (the page is loaded
anew, with a new key, and Chromium restores the fields), two tabs, two people.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.audit import AuditEntry
from portal.calls.forms import STOCKHOLM
from portal.evaluation.models import Decision, Initiative, Phase, PriorityMeeting
from portal.extensions import db as _db
from portal.types import utcnow
from tests.browser import Browser, error_texts, flashes, path_of
from tests.factories import make_user
from tests.process_factories import make_initiative, make_meeting, put_on_agenda


def today():
    return utcnow().astimezone(STOCKHOLM).date()


def person(app, role=Role.CORE_TEAM, **kwargs) -> Browser:
    browser = Browser(app)
    browser.login(make_user(roles={role}, **kwargs))
    return browser


def decisions() -> list[Decision]:
    _db.session.expire_all()
    return list(_db.session.scalars(select(Decision).order_by(Decision.id)))


def phase_of(initiative) -> str:
    _db.session.expire_all()
    return _db.session.get(Initiative, initiative.id).phase


def decision_audits() -> int:
    return _db.session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "decision")
    )


def initiative_form(browser, initiative, outcome="go_on", rationale="Stor invånarnytta."):
    page = browser.get(f"/initiativ/{initiative.id}")
    assert page.status_int == 200
    form = browser.form(page, action=f"/initiativ/{initiative.id}/beslut")
    form["outcome"] = outcome
    form["rationale"] = rationale
    return form


def agenda_form(browser, meeting, item, outcome="go_on", rationale="Stor invånarnytta."):
    page = browser.get(f"/primoten/{meeting.id}")
    assert page.status_int == 200
    action = f"/primoten/{meeting.id}/dagordning/{item.id}/beslut"
    form = browser.form(page, action=action)
    form[f"punkt{item.id}-outcome"] = outcome
    form[f"punkt{item.id}-rationale"] = rationale
    return form


def sent(browser, form):
    """Send the form and, as a browser does, open the page it leads to (its message read)."""
    response = browser.submit(form)
    assert response.status_int == 302, error_texts(response)
    browser.get(response.headers["Location"])
    return response


def refusal(page) -> str:
    return " ".join(el.get_text(" ", strip=True) for el in page.html.select(".error-summary"))


def links_in_refusal(page) -> list[str]:
    return [a["href"] for a in page.html.select(".error-summary a")]


# --- the initiative page: a decision outside a meeting ------------------------------------


def test_decision_form_sent_twice_moves_the_initiative_one_phase(app, db):
    core = person(app)
    initiative = make_initiative(phase=Phase.IDEA)
    form = initiative_form(core, initiative)
    first = core.submit(form)
    second = core.submit(form)  # a double click: the same key
    assert first.status_int == 302, error_texts(first)
    assert second.status_int == 303
    assert [d.to_phase for d in decisions()] == ["concept"]
    assert phase_of(initiative) == Phase.CONCEPT


def test_back_and_send_again_registers_one_decision_and_says_so(app, db):
    """Back loads the page anew (a new key, the phase after the decision) and Chromium
    restores the choice and the rationale: sending it again must not take the initiative
    on a second phase."""
    core = person(app)
    initiative = make_initiative(phase=Phase.IDEA)
    sent(core, initiative_form(core, initiative))
    [decision] = decisions()

    again = core.submit(initiative_form(core, initiative))

    assert again.status_int == 303, error_texts(again)
    assert path_of(again.headers["Location"]) == f"/initiativ/{initiative.id}"
    assert again.headers["Location"].endswith(f"#beslut-{decision.id}")
    shown = core.get(again.headers["Location"])
    [message] = flashes(shown)
    assert message.startswith("Det här beslutet är redan registrerat: Går vidare till nästa fas")
    assert shown.html.select_one(
        f"p.flash a[href='/initiativ/{initiative.id}#beslut-{decision.id}']"
    )
    assert shown.html.select_one(f"#beslut-{decision.id}") is not None
    assert [d.id for d in decisions()] == [decision.id]
    assert phase_of(initiative) == Phase.CONCEPT
    assert decision_audits() == 1


def test_back_and_send_again_of_a_decision_that_keeps_the_phase_registers_one(app, db):
    """ "Stannar i fasen" leaves the phase as it was: the phase alone cannot tell a resend."""
    core = person(app)
    initiative = make_initiative(phase=Phase.IDEA)
    sent(core, initiative_form(core, initiative, outcome="stay", rationale="Mer underlag."))
    again = core.submit(
        initiative_form(core, initiative, outcome="stay", rationale="Mer underlag.")
    )
    assert again.status_int == 303, error_texts(again)
    assert len(decisions()) == 1


def test_a_different_decision_after_back_is_a_new_decision(app, db):
    core = person(app)
    initiative = make_initiative(phase=Phase.IDEA)
    sent(core, initiative_form(core, initiative, rationale="Vidare till koncept."))
    later = core.submit(initiative_form(core, initiative, rationale="Vidare till pilot."))
    assert later.status_int == 302, error_texts(later)
    assert [d.to_phase for d in decisions()] == ["concept", "pilot"]


def test_decision_on_a_page_opened_before_another_decision_is_refused_and_links_to_it(app, db):
    first_person, second_person = person(app, name="Kim Core"), person(app)
    initiative = make_initiative(phase=Phase.IDEA)
    going_on = initiative_form(first_person, initiative, rationale="Vi går vidare.")
    stopping = initiative_form(second_person, initiative, outcome="stop", rationale="Avslutas.")
    sent(first_person, going_on)
    [decision] = decisions()

    refused = second_person.submit(stopping)

    assert refused.status_int == 409
    text = refusal(refused)
    assert (
        "Initiativet har fått ett annat beslut sedan du öppnade sidan: Går vidare till nästa fas"
        in text
    )
    assert "Kim Core" in text and "Ditt beslut är inte registrerat." in text
    assert f"/initiativ/{initiative.id}#beslut-{decision.id}" in links_in_refusal(refused)
    assert [d.id for d in decisions()] == [decision.id]
    assert phase_of(initiative) == Phase.CONCEPT
    # The page offers the decisions of the phase the initiative is in now.
    form = second_person.form(refused, action=f"/initiativ/{initiative.id}/beslut")
    assert [option[0] for option in form["outcome"].options] == ["go_on", "stay", "back", "stop"]


def test_the_same_decision_from_a_page_opened_before_it_says_it_is_registered(app, db):
    one, other = person(app), person(app)
    initiative = make_initiative(phase=Phase.IDEA)
    forms = [initiative_form(b, initiative, rationale="Vi går vidare.") for b in (one, other)]
    sent(one, forms[0])
    again = other.submit(forms[1])
    assert again.status_int == 303
    shown = other.get(again.headers["Location"])
    assert flashes(shown)[0].startswith("Det här beslutet är redan registrerat")
    assert len(decisions()) == 1


def test_decision_outside_a_meeting_cannot_be_dated_in_the_future(app, db):
    core = person(app)
    initiative = make_initiative(phase=Phase.IDEA)
    page = core.get(f"/initiativ/{initiative.id}")
    assert "Beslut utanför primöte" in page.text
    form = core.form(page, action=f"/initiativ/{initiative.id}/beslut")
    form["outcome"] = "go_on"
    form["rationale"] = "Vi går vidare."
    form["decided_on"] = (today() + timedelta(days=1)).isoformat()
    response = core.submit(form)
    assert response.status_int == 422
    assert "Beslutsdatum: Beslutsdatumet kan inte ligga i framtiden." in error_texts(response)
    assert decisions() == []
    assert phase_of(initiative) == Phase.IDEA


def test_decision_outside_a_meeting_may_be_dated_today_or_earlier(app, db):
    core = person(app)
    initiative = make_initiative(phase=Phase.IDEA)
    form = initiative_form(core, initiative)
    form["decided_on"] = (today() - timedelta(days=3)).isoformat()
    assert core.submit(form).status_int == 302
    assert [d.decided_on for d in decisions()] == [today() - timedelta(days=3)]


# --- the meeting page ----------------------------------------------------------------------


def test_meeting_decision_from_a_second_tab_is_registered_once(app, db):
    core = person(app)
    meeting = make_meeting(held_on=today() - timedelta(days=1))
    initiative = make_initiative()
    (item,) = put_on_agenda(meeting, initiative)
    tabs = [agenda_form(core, meeting, item) for _ in range(2)]
    sent(core, tabs[0])
    again = core.submit(tabs[1])
    assert again.status_int == 303, error_texts(again)
    [decision] = decisions()
    assert again.headers["Location"].endswith(f"/primoten/{meeting.id}#punkt-{item.id}")
    shown = core.get(again.headers["Location"])
    assert flashes(shown)[0].startswith(
        "Det här beslutet är redan registrerat: Går vidare till nästa fas"
    )
    assert decision.meeting_id == meeting.id and phase_of(initiative) == Phase.PILOT
    assert decision_audits() == 1


def test_meeting_decision_after_a_decision_elsewhere_is_refused_and_links_to_it(app, db):
    core, other = person(app), person(app, name="Alex Process")
    meeting = make_meeting(held_on=today())
    initiative = make_initiative()
    (item,) = put_on_agenda(meeting, initiative)
    at_meeting = agenda_form(core, meeting, item, outcome="stop", rationale="Avslutas.")
    outside = initiative_form(other, initiative, outcome="back", rationale="Tillbaka.")
    sent(other, outside)
    [decision] = decisions()

    refused = core.submit(at_meeting)

    assert refused.status_int == 409
    assert "Initiativet har fått ett annat beslut sedan du öppnade sidan" in refusal(refused)
    assert f"/initiativ/{initiative.id}#beslut-{decision.id}" in links_in_refusal(refused)
    assert [d.id for d in decisions()] == [decision.id]
    assert phase_of(initiative) == Phase.IDEA


def test_meeting_that_has_not_been_held_offers_no_decision_forms(app, db):
    core = person(app)
    held_on = today() + timedelta(days=14)
    meeting = make_meeting(held_on=held_on)
    (item,) = put_on_agenda(meeting, make_initiative())
    page = core.get(f"/primoten/{meeting.id}")
    assert page.status_int == 200
    assert f"/primoten/{meeting.id}/dagordning/{item.id}/beslut" not in page.text
    assert "Beslut registreras när mötet har hållits." in page.text


def test_decision_for_a_meeting_that_has_not_been_held_is_refused(app, db):
    """The page was loaded on the meeting's day; then the meeting was moved to a later day."""
    core = person(app)
    meeting = make_meeting(held_on=today())
    initiative = make_initiative()
    (item,) = put_on_agenda(meeting, initiative)
    form = agenda_form(core, meeting, item)
    moved = _db.session.get(PriorityMeeting, meeting.id)
    moved.held_on = today() + timedelta(days=7)
    _db.session.commit()

    response = core.submit(form)

    assert response.status_int == 409
    assert "Beslut registreras när mötet har hållits." in refusal(response)
    assert "Primötet hålls den" in refusal(response)
    assert decisions() == []
    assert phase_of(initiative) == Phase.CONCEPT


@pytest.mark.parametrize("days", [0, -30])
def test_meeting_that_has_been_held_offers_the_decision_forms(app, db, days):
    core = person(app)
    meeting = make_meeting(held_on=today() + timedelta(days=days))
    (item,) = put_on_agenda(meeting, make_initiative())
    response = core.submit(agenda_form(core, meeting, item))
    assert response.status_int == 302, error_texts(response)
    [decision] = decisions()
    assert decision.decided_on == meeting.held_on
