"""The other forms of the innovation process that create something, once per intent: an
insight, a priority meeting, an initiative without a submission, an agenda item, a rating
request, a declared conflict of interest. Sent again after Back (a new key, the same fields)
or from a second tab, each takes effect once and says so. And who sees which insights.
Through the pages (tests/browser.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.audit import AuditEntry
from portal.calls.forms import STOCKHOLM
from portal.evaluation.models import (
    AgendaItem,
    ConflictOfInterest,
    Initiative,
    Insight,
    Phase,
    PriorityMeeting,
    RatingRequest,
)
from portal.extensions import db as _db
from portal.mail.models import OutboxMessage
from portal.types import utcnow
from tests.browser import Browser, error_texts, flashes, path_of
from tests.factories import make_user
from tests.process_factories import ELDERLY, area, make_initiative, make_meeting, put_on_agenda

CHILDREN = "Alla barn och unga uppnår sin fulla potential"


def today():
    return utcnow().astimezone(STOCKHOLM).date()


def person(app, role=Role.PROCESS_SUPPORT, **kwargs) -> Browser:
    browser = Browser(app)
    browser.login(make_user(roles={role}, **kwargs))
    return browser


def count(model, *where) -> int:
    _db.session.expire_all()
    return _db.session.scalar(select(func.count()).select_from(model).where(*where))


def audits(action: str) -> int:
    return count(AuditEntry, AuditEntry.action == action)


def sent_twice(browser, fill):
    """Fill and send a freshly loaded form, then do it again (Back and send again)."""
    first = sent(browser, fill())
    again = browser.submit(fill())
    return first, again


def sent(browser, form):
    """Send the form and, as a browser does, open the page it leads to (its message read)."""
    response = browser.submit(form)
    assert response.status_int == 302, error_texts(response)
    browser.get(response.headers["Location"])
    return response


def shown_after(browser, response) -> list[str]:
    assert response.status_int == 303, error_texts(response)
    return flashes(browser.get(response.headers["Location"]))


# --- insights -------------------------------------------------------------------------------


def insight_form(browser, initiative, text="De äldre ville gå två och två."):
    page = browser.get(f"/initiativ/{initiative.id}")
    form = browser.form(page, action=f"/initiativ/{initiative.id}/insikter")
    form["text"] = text
    return form


def test_back_and_send_again_records_one_insight(app, db):
    browser = person(app, Role.CORE_TEAM)
    initiative = make_initiative()
    first, again = sent_twice(browser, lambda: insight_form(browser, initiative))
    [insight] = _db.session.scalars(select(Insight)).all()
    assert again.headers["Location"].endswith(f"/initiativ/{initiative.id}#insikt-{insight.id}")
    assert shown_after(browser, again) == ["Insikten är redan registrerad."]
    assert count(Insight) == 1 and audits("insight_recorded") == 1


def test_another_insight_on_the_same_day_is_recorded(app, db):
    browser = person(app, Role.CORE_TEAM)
    initiative = make_initiative()
    browser.submit(insight_form(browser, initiative, text="Första."))
    browser.submit(insight_form(browser, initiative, text="Andra."))
    assert count(Insight) == 2


def make_insight(initiative, text):
    _db.session.add(Insight(initiative_id=initiative.id, noted_on=today(), text=text))
    _db.session.commit()


@pytest.mark.parametrize(
    ("roles", "sees_other"),
    [
        ({Role.EXPERT}, False),
        ({Role.PROCESS_SUPPORT}, True),
        ({Role.CORE_TEAM}, True),
        ({Role.ADMIN}, True),
        ({Role.EXPERT, Role.CORE_TEAM}, True),
    ],
)
def test_insights_each_role_sees(app, db, roles, sees_other):
    """An expert sees the insights of the initiatives they were asked to rate, no others;
    process support, the Core Team and admins see every insight."""
    user = make_user(roles=roles)
    mine, other = make_initiative("Mitt"), make_initiative("Annat", area_name=CHILDREN)
    _db.session.add(RatingRequest(initiative_id=mine.id, expert_id=user.id))
    _db.session.commit()
    make_insight(mine, "Insikt om mitt initiativ.")
    make_insight(other, "Intern insikt om ett annat initiativ.")
    browser = person_for(app, user)

    bank = browser.get("/insikter")
    assert bank.status_int == 200
    assert "Insikt om mitt initiativ." in bank.text
    assert ("Intern insikt om ett annat initiativ." in bank.text) is sees_other
    filtered = browser.get(f"/insikter?portfolio={area(CHILDREN).portfolio_id}")
    assert ("Intern insikt om ett annat initiativ." in filtered.text) is sees_other

    assert "Insikt om mitt initiativ." in browser.get(f"/initiativ/{mine.id}").text
    other_page = browser.get(f"/initiativ/{other.id}")
    if sees_other:
        assert "Intern insikt om ett annat initiativ." in other_page.text
    else:
        assert other_page.status_int == 403
        assert "Intern insikt om ett annat initiativ." not in other_page.text


def person_for(app, user) -> Browser:
    browser = Browser(app)
    browser.login(user)
    return browser


# --- priority meetings and the agenda ------------------------------------------------------


def meeting_form(browser, title="Primöte december"):
    page = browser.get("/primoten/nytt")
    form = browser.form(page, action="/primoten/nytt")
    form["held_on"] = (today() + timedelta(days=14)).isoformat()
    form["focus_area"] = str(area(ELDERLY).id)
    form["title"] = title
    return form


def test_back_and_send_again_plans_one_meeting(app, db):
    browser = person(app)
    first, again = sent_twice(browser, lambda: meeting_form(browser))
    [meeting] = _db.session.scalars(select(PriorityMeeting)).all()
    assert path_of(again.headers["Location"]) == f"/primoten/{meeting.id}"
    assert shown_after(browser, again) == ["Primötet är redan planerat."]
    assert audits("meeting_planned") == 1


def test_a_meeting_with_another_title_on_the_same_day_is_planned(app, db):
    browser = person(app)
    browser.submit(meeting_form(browser, title="Förmiddag"))
    browser.submit(meeting_form(browser, title="Eftermiddag"))
    assert count(PriorityMeeting) == 2


def agenda_form(browser, meeting, initiative):
    page = browser.get(f"/primoten/{meeting.id}")
    form = browser.form(page, action=f"/primoten/{meeting.id}/dagordning")
    form["initiative"] = str(initiative.id)
    return form


def test_agenda_item_added_from_a_second_tab_is_added_once_and_says_so(app, db):
    browser = person(app)
    meeting = make_meeting(held_on=today() + timedelta(days=7))
    initiative = make_initiative("Promenadvänner")
    tabs = [agenda_form(browser, meeting, initiative) for _ in range(2)]
    sent(browser, tabs[0])
    again = browser.submit(tabs[1])
    [item] = _db.session.scalars(select(AgendaItem)).all()
    assert again.headers["Location"].endswith(f"/primoten/{meeting.id}#punkt-{item.id}")
    assert shown_after(browser, again) == ["”Promenadvänner” står redan på dagordningen."]
    assert audits("agenda_item_added") == 1


# --- initiatives without a submission ------------------------------------------------------


def initiative_form(browser, title="Promenadvänner i Köping"):
    page = browser.get("/initiativ/nytt")
    form = browser.form(page, action="/initiativ/nytt")
    form["title"] = title
    form["summary"] = "Från workshopen i Samhällsforum."
    form["focus_area"] = str(area(ELDERLY).id)
    return form


def test_back_and_send_again_creates_one_initiative_and_links_to_it(app, db):
    browser = person(app)
    first, again = sent_twice(browser, lambda: initiative_form(browser))
    [initiative] = _db.session.scalars(select(Initiative)).all()
    assert path_of(again.headers["Location"]) == f"/initiativ/{initiative.id}"
    assert shown_after(browser, again) == [
        "Initiativet ”Promenadvänner i Köping” skapades redan i dag i samma fokusområde. "
        "Du ser det här."
    ]
    assert audits("initiative_created") == 1


def test_the_same_title_in_another_focus_area_is_another_initiative(app, db):
    browser = person(app)
    browser.submit(initiative_form(browser))
    form = initiative_form(browser)
    form["focus_area"] = str(area(CHILDREN).id)
    assert browser.submit(form).status_int == 302
    assert count(Initiative) == 2


# --- experts: rating requests and conflicts of interest ------------------------------------


def request_form(browser, initiative, *experts):
    page = browser.get(f"/initiativ/{initiative.id}")
    form = browser.form(page, action=f"/initiativ/{initiative.id}/bedomare")
    wanted = {str(e.id) for e in experts}
    for box in form.fields["experts"]:
        box.checked = box._value in wanted
    return form


def test_rating_request_from_a_second_tab_asks_the_expert_once(app, db):
    browser = person(app)
    initiative = make_initiative(phase=Phase.CONCEPT)
    expert = make_user(roles={Role.EXPERT}, name="Ebba Expert")
    tabs = [request_form(browser, initiative, expert) for _ in range(2)]
    sent(browser, tabs[0])
    again = browser.submit(tabs[1])
    assert again.headers["Location"].endswith(f"/initiativ/{initiative.id}#experter")
    assert shown_after(browser, again) == ["Ebba Expert är redan ombedd att bedöma initiativet."]
    assert count(RatingRequest) == 1 and count(OutboxMessage) == 1
    assert audits("rating_requested") == 1


def test_rating_request_from_a_second_tab_asks_only_the_new_expert(app, db):
    browser = person(app)
    initiative = make_initiative(phase=Phase.CONCEPT)
    ebba = make_user(roles={Role.EXPERT}, name="Ebba Expert")
    sam = make_user(roles={Role.EXPERT}, name="Sam Sakkunnig")
    first = request_form(browser, initiative, ebba)
    both = request_form(browser, initiative, ebba, sam)
    sent(browser, first)
    again = browser.submit(both)
    assert again.status_int == 302, error_texts(again)
    assert flashes(browser.get(again.headers["Location"])) == [
        "1 expert är ombedd att bedöma initiativet och har fått e-post.",
        "Ebba Expert är redan ombedd att bedöma initiativet.",
    ]
    _db.session.expire_all()
    assert {r.expert_id for r in _db.session.scalars(select(RatingRequest))} == {ebba.id, sam.id}
    assert count(OutboxMessage) == 2


def conflict_form(browser, initiative, reason="Min bror driver projektet."):
    page = browser.get(f"/initiativ/{initiative.id}/bedomning")
    form = browser.form(page, action=f"/initiativ/{initiative.id}/jav")
    form["conflict-reason"] = reason
    return form


def test_conflict_declared_from_a_second_tab_is_recorded_once(app, db):
    initiative = make_initiative(phase=Phase.CONCEPT)
    expert = make_user(roles={Role.EXPERT})
    _db.session.add(RatingRequest(initiative_id=initiative.id, expert_id=expert.id))
    _db.session.commit()
    browser = person_for(app, expert)
    tabs = [conflict_form(browser, initiative) for _ in range(2)]
    sent(browser, tabs[0])
    again = browser.submit(tabs[1])
    assert path_of(again.headers["Location"]) == f"/initiativ/{initiative.id}/bedomning"
    assert shown_after(browser, again) == ["Du har redan anmält jäv för det här initiativet."]
    assert count(ConflictOfInterest) == 1 and audits("conflict_declared") == 1


# --- taking back: an agenda item, a rating request ----------------------------------------


def test_agenda_item_removed_from_a_second_tab_says_it_is_removed(app, db):
    browser = person(app)
    meeting = make_meeting(held_on=today() + timedelta(days=7))
    (item,) = put_on_agenda(meeting, make_initiative("Promenadvänner"))
    action = f"/primoten/{meeting.id}/dagordning/{item.id}/ta-bort"
    tabs = [browser.form(browser.get(f"/primoten/{meeting.id}"), action=action) for _ in range(2)]
    sent(browser, tabs[0])
    again = browser.submit(tabs[1])
    assert shown_after(browser, again) == ["Punkten är redan borttagen från dagordningen."]
    assert count(AgendaItem) == 0 and audits("agenda_item_removed") == 1


def test_rating_request_taken_back_from_a_second_tab_says_it_is_taken_back(app, db):
    browser = person(app)
    initiative = make_initiative(phase=Phase.CONCEPT)
    expert = make_user(roles={Role.EXPERT})
    request = RatingRequest(initiative_id=initiative.id, expert_id=expert.id)
    _db.session.add(request)
    _db.session.commit()
    action = f"/initiativ/{initiative.id}/bedomare/{request.id}/ta-bort"
    page = f"/initiativ/{initiative.id}"
    tabs = [browser.form(browser.get(page), action=action) for _ in range(2)]
    sent(browser, tabs[0])
    again = browser.submit(tabs[1])
    assert again.headers["Location"].endswith(f"{page}#experter")
    assert shown_after(browser, again) == ["Förfrågan är redan borttagen."]
    assert count(RatingRequest) == 0 and audits("rating_request_removed") == 1
