"""The agreement's entries on an initiative: students, new collaborations, external partners
and research projects. Each form is the page's own, filled in and sent as a browser sends it."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from webtest.forms import Select

from portal.accounts.models import Role
from portal.audit import AuditEntry
from portal.evaluation.agreement.models import AgreementEntry
from portal.extensions import db as _db
from tests.browser import Browser, error_texts, flashes, path_of
from tests.factories import make_user, party
from tests.functional.test_initiatives import make_initiative


@pytest.fixture
def browser(app, db):
    b = Browser(app)
    b.login(make_user(roles={Role.PROCESS_SUPPORT}))
    return b


def _entries() -> list[AgreementEntry]:
    _db.session.expire_all()
    return list(_db.session.scalars(select(AgreementEntry).order_by(AgreementEntry.id)))


def _add_form(browser, initiative, slug):
    page = browser.get(f"/initiativ/{initiative.id}")
    assert page.status_int == 200
    assert "Studenter, samarbeten och partner" in page.text
    return browser.form(page, action=f"/initiativ/{initiative.id}/avtalet/{slug}")


def test_process_support_records_each_kind_from_the_page(browser):
    initiative = make_initiative("Läxhjälp på biblioteket")
    mdu, vasteras = party("Mälardalens universitet"), party("Västerås stad")

    form = _add_form(browser, initiative, "studenter")
    form["students-students"] = "12"
    form["students-institution"] = "Mälardalens universitet"
    form["students-title"] = "Examensarbete i socialt arbete"
    form["students-party"] = str(vasteras.id)
    form["students-dated_on"] = "2026-03-02"
    response = browser.submit(form)
    assert response.status_int == 302
    assert path_of(response.headers["Location"]).startswith(f"/initiativ/{initiative.id}")

    form = _add_form(browser, initiative, "samarbeten")
    form["collaboration-title"] = "Västerås stad, fritid och MDU, Akademin för innovation"
    form["collaboration-party"] = str(mdu.id)
    form["collaboration-dated_on"] = "2026-02-01"
    assert browser.submit(form).status_int == 302

    form = _add_form(browser, initiative, "partner")
    form["partner-title"] = "Röda korset"
    form["partner-partner_kind"] = "civil_society"
    form["partner-dated_on"] = "2026-02-10"  # no party: optional for a partner
    assert browser.submit(form).status_int == 302

    form = _add_form(browser, initiative, "forskning")
    form["research-title"] = "Ungas fritid och hälsa"
    form["research-party"] = str(mdu.id)
    form["research-url"] = "https://www.mdu.se/forskning/ungas-fritid"
    form["research-dated_on"] = "2026-01-15"
    assert browser.submit(form).status_int == 302

    rows = _entries()
    assert [(e.kind, e.title) for e in rows] == [
        ("students", "Examensarbete i socialt arbete"),
        ("collaboration", "Västerås stad, fritid och MDU, Akademin för innovation"),
        ("partner", "Röda korset"),
        ("research", "Ungas fritid och hälsa"),
    ]
    assert rows[0].students == 12 and rows[0].party_id == vasteras.id
    assert rows[2].partner_kind == "civil_society" and rows[2].party_id is None
    actions = _db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.object_type == "agreement_entries")
    ).all()
    assert actions == ["agreement_entry_recorded"] * 4
    page = browser.get(f"/initiativ/{initiative.id}")
    assert 'href="https://www.mdu.se/forskning/ungas-fritid"' in page.text
    assert "Civilsamhället" in page.text


def test_errors_are_said_in_swedish_on_the_form_and_nothing_is_saved(browser):
    initiative = make_initiative("Trygga skolvägar")
    form = _add_form(browser, initiative, "studenter")
    form["students-students"] = "0"
    form["students-dated_on"] = ""
    response = browser.submit(form)
    assert response.status_int == 422
    errors = " ".join(error_texts(response))
    assert "Antalet ska vara mellan 1 och 10000." in errors
    assert "Skriv studenternas lärosäte." in errors
    assert "Skriv kursen eller examensarbetet." in errors
    assert "Välj en part." in errors
    assert "Skriv datumet." in errors
    assert _entries() == []
    # the corrected form, as the error page renders it, goes through
    form = browser.form(response, action=f"/initiativ/{initiative.id}/avtalet/studenter")
    form["students-students"] = "3"
    form["students-institution"] = "MDU"
    form["students-title"] = "Kurs i tjänstedesign"
    form["students-party"] = str(party().id)
    form["students-dated_on"] = "2026-04-01"
    assert browser.submit(form).status_int == 302
    assert len(_entries()) == 1


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "ftp://example.org/fil",
        "https://",
        "http://exa mple.org",
        "data:text/html,<script>alert(1)</script>",
        "//example.org/utan-schema",
    ],
)
def test_a_research_link_must_be_http_or_https(browser, url):
    initiative = make_initiative("Forskningslänkar")
    form = _add_form(browser, initiative, "forskning")
    form["research-title"] = "Projekt"
    form["research-party"] = str(party().id)
    form["research-url"] = url
    form["research-dated_on"] = "2026-01-15"
    response = browser.submit(form)
    assert response.status_int == 422
    assert "Skriv en webbadress som börjar med https:// eller http://." in " ".join(
        error_texts(response)
    )
    assert _entries() == []


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("partner-title", "x" * 301, "Texten får vara högst 300 tecken."),
        ("partner-title", "Röda\x00korset", None),
        ("partner-partner_kind", "pirat", "Välj bland alternativen."),
        ("partner-party", "99999999", "Välj bland alternativen."),
        ("partner-dated_on", "1899-01-01", "Datumet ska ligga mellan 2000-01-01 och 2099-12-31."),
        ("partner-dated_on", "2026-02-30", None),
    ],
)
def test_hostile_input_is_refused_on_the_form(browser, field, value, message):
    initiative = make_initiative("Fientlig indata")
    form = _add_form(browser, initiative, "partner")
    form["partner-title"] = "Röda korset"
    form["partner-partner_kind"] = "company"
    form["partner-dated_on"] = "2026-02-10"
    if isinstance(form.fields[field][0], Select):
        form[field].force_value(value)  # what no option offers, as a crafted request sends
    else:
        form[field] = value
    response = browser.submit(form)
    assert response.status_int == 422, response.text[:500]
    if message:
        assert message in " ".join(error_texts(response))
    assert error_texts(response)
    assert _entries() == []


def test_the_same_form_sent_twice_makes_one_entry(browser):
    initiative = make_initiative("Dubbelklick")
    form = _add_form(browser, initiative, "partner")
    form["partner-title"] = "ABB"
    form["partner-partner_kind"] = "company"
    form["partner-dated_on"] = "2026-02-10"
    first = browser.submit(form)
    second = browser.submit(form)  # the same key: a double click
    assert first.status_int == 302 and second.status_int == 303
    assert len(_entries()) == 1
    # Back and send a freshly loaded page again (a new key): recognised by its content
    form = _add_form(browser, initiative, "partner")
    form["partner-title"] = "ABB"
    form["partner-partner_kind"] = "company"
    form["partner-dated_on"] = "2026-02-10"
    third = browser.submit(form)
    assert third.status_int == 303
    assert "Uppgiften är redan registrerad." in " ".join(
        flashes(browser.get(third.headers["Location"]))
    )
    assert len(_entries()) == 1


def _record(browser, initiative) -> AgreementEntry:
    form = _add_form(browser, initiative, "samarbeten")
    form["collaboration-title"] = "MDU och Region Västmanland"
    form["collaboration-party"] = str(party("Region Västmanland").id)
    form["collaboration-dated_on"] = "2026-05-04"
    assert browser.submit(form).status_int == 302
    return _entries()[-1]


def test_edit_from_the_page_and_a_stale_edit_is_refused(app, browser):
    initiative = make_initiative("Samarbete som ändras")
    entry = _record(browser, initiative)
    page = browser.get(f"/initiativ/{initiative.id}")
    assert f"/initiativ/{initiative.id}/avtalet/{entry.id}" in page.text
    edit = browser.get(f"/initiativ/{initiative.id}/avtalet/{entry.id}")
    assert edit.html.h1.get_text(strip=True) == "Ändra samarbetet"
    mine = browser.form(edit, action=f"/initiativ/{initiative.id}/avtalet/{entry.id}")
    # someone else saves first, from the same page
    other = Browser(app)
    other.login(make_user(roles={Role.PROCESS_SUPPORT}))
    theirs = other.form(
        other.get(f"/initiativ/{initiative.id}/avtalet/{entry.id}"),
        action=f"/initiativ/{initiative.id}/avtalet/{entry.id}",
    )
    theirs["dated_on"] = "2026-05-05"
    assert other.submit(theirs).status_int == 302

    mine["title"] = "MDU, Region Västmanland och Västerås stad"
    response = browser.submit(mine)
    assert response.status_int == 409
    assert "Någon annan har ändrat uppgiften" in response.text
    stored = _entries()[-1]
    assert stored.title == "MDU och Region Västmanland" and stored.dated_on == date(2026, 5, 5)
    # the form now holds the stored version: sent again it is saved
    again = browser.form(response, action=f"/initiativ/{initiative.id}/avtalet/{entry.id}")
    assert again["dated_on"].value == "2026-05-05"
    again["title"] = "MDU, Region Västmanland och Västerås stad"
    assert browser.submit(again).status_int == 302
    stored = _entries()[-1]
    assert stored.title == "MDU, Region Västmanland och Västerås stad"
    assert stored.version == 3
    changed = _db.session.scalars(
        select(AuditEntry).where(
            AuditEntry.object_type == "agreement_entries",
            AuditEntry.action == "agreement_entry_changed",
        )
    ).all()
    assert len(changed) == 2
    assert changed[-1].changes["title"] == [
        "MDU och Region Västmanland",
        "MDU, Region Västmanland och Västerås stad",
    ]


def test_delete_from_the_edit_page_once(browser):
    initiative = make_initiative("Samarbete som tas bort")
    entry_id = _record(browser, initiative).id
    edit = browser.get(f"/initiativ/{initiative.id}/avtalet/{entry_id}")
    form = browser.form(edit, action=f"/initiativ/{initiative.id}/avtalet/{entry_id}/ta-bort")
    assert browser.submit(form).status_int == 302
    assert _entries() == []
    again = browser.submit(form)  # sent twice
    assert again.status_int == 303
    assert (
        _db.session.scalar(
            select(func.count()).where(AuditEntry.action == "agreement_entry_deleted")
        )
        == 1
    )
    assert browser.get(f"/initiativ/{initiative.id}/avtalet/{entry_id}").status_int == 404


def test_a_stale_delete_is_refused(app, browser):
    initiative = make_initiative("Ändrad innan borttagning")
    entry = _record(browser, initiative)
    edit = browser.get(f"/initiativ/{initiative.id}/avtalet/{entry.id}")
    delete = browser.form(edit, action=f"/initiativ/{initiative.id}/avtalet/{entry.id}/ta-bort")
    save = browser.form(edit, action=f"/initiativ/{initiative.id}/avtalet/{entry.id}")
    save["title"] = "Ett annat samarbete"
    assert browser.submit(save).status_int == 302
    response = browser.submit(delete)
    assert response.status_int == 409
    assert len(_entries()) == 1


@pytest.mark.parametrize(
    ("role", "sees", "edits"),
    [
        (Role.CORE_TEAM, True, False),
        (Role.ADMIN, True, True),
        (Role.BOARD, False, False),
    ],
)
def test_who_sees_and_who_records(app, db, role, sees, edits):
    initiative = make_initiative("Vem ser vad")
    b = Browser(app)
    b.login(make_user(roles={role}))
    page = b.get(f"/initiativ/{initiative.id}")
    if page.status_int == 200:
        assert ("Studenter, samarbeten och partner" in page.text) == sees
        assert (f"/initiativ/{initiative.id}/avtalet/partner" in page.text) == edits
    else:
        assert not sees
