"""Once per intent (portal/intents.py): the same form sent twice has one effect."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.audit import AuditEntry
from portal.extensions import db as _db
from portal.intents import Intent, purge
from portal.reference.models import Party
from portal.types import utcnow
from tests.browser import Browser, error_texts, flashes, path_of
from tests.factories import make_user


@pytest.fixture
def admin(app, db):
    browser = Browser(app)
    browser.login(make_user(roles={Role.ADMIN}))
    return browser


def new_party_form(browser, name="Nyköpings kommun"):
    page = browser.get("/admin/parter/ny")
    form = browser.form(page, action="/admin/parter/ny")
    form["name"] = name
    form["short_name"] = name.split()[0]
    form["kind"] = "municipality"
    form["joined_on"] = "2026-01-01"
    return form


def parties_named(name) -> int:
    return _db.session.scalar(select(func.count()).select_from(Party).where(Party.name == name))


def test_every_form_carries_a_one_time_key_beside_its_csrf_token(admin):
    form = new_party_form(admin)
    key = form["intent"].value
    assert len(key) >= 16 and form["csrf_token"].value
    again = new_party_form(admin)
    assert again["intent"].value != key  # each rendering its own


def test_same_form_sent_twice_creates_one_party_and_says_so(admin):
    form = new_party_form(admin)
    first = admin.submit(form)
    assert first.status_int == 302, error_texts(first)
    second = admin.submit(form)  # a double click, a resend, a replay

    assert second.status_int == 303
    assert path_of(second.headers["Location"]) == path_of(first.headers["Location"])
    shown = admin.get(second.headers["Location"])
    assert "Du hade redan skickat det här formuläret." in " ".join(flashes(shown))
    assert parties_named("Nyköpings kommun") == 1
    created = _db.session.scalars(select(AuditEntry).where(AuditEntry.action.like("party_%"))).all()
    assert len(created) == 1


def test_a_form_with_errors_can_be_corrected_and_sent_with_the_same_key(admin):
    form = new_party_form(admin)
    form["short_name"] = ""
    refused = admin.submit(form)
    assert refused.status_int == 422
    form["short_name"] = "Nyköping"
    accepted = admin.submit(form)  # the same key: the refusal did not use it up
    assert accepted.status_int == 302, error_texts(accepted)
    assert parties_named("Nyköpings kommun") == 1


def test_keys_are_not_kept_for_ever(admin):
    admin.submit(new_party_form(admin))
    [intent] = _db.session.scalars(select(Intent)).all()
    assert intent.endpoint == "admin.new_party" and intent.result_url == "/admin/parter"
    assert purge(now=utcnow() + timedelta(days=6)) == 0
    assert purge(now=utcnow() + timedelta(days=8)) == 1
    assert _db.session.scalars(select(Intent)).all() == []


def test_a_repeat_of_a_form_that_led_to_a_private_page_is_answered_without_waiting(
    app, db, monkeypatch
):
    """Where the answer led is not kept when it is a private page (here the one-time link to
    one's own data). The repeat must still see that the first answer is done, not wait two
    seconds for an address that never comes."""
    import portal.intents

    waits = []
    monkeypatch.setattr(portal.intents.time, "sleep", waits.append)
    browser = Browser(app)
    browser.login(make_user(roles={Role.EXPERT}))
    page = browser.get("/konto/personuppgifter")
    form = browser.form(page, action="/konto/personuppgifter/lank")
    first = browser.submit(form)
    assert first.status_int == 302
    assert path_of(first.headers["Location"]).startswith("/mina-uppgifter/")
    [intent] = _db.session.scalars(select(Intent)).all()
    assert intent.result_url == ""  # answered, nowhere kept

    second = browser.submit(form)
    assert second.status_int == 303 and not waits
    assert path_of(second.headers["Location"]) == "/konto/personuppgifter"
    assert "Du hade redan skickat det här formuläret." in " ".join(
        flashes(browser.get(second.headers["Location"]))
    )
