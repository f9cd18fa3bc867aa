"""Site texts an administrator words: the resident's privacy information on every call."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.audit import AuditEntry
from portal.extensions import db as _db
from tests.browser import Browser, error_texts, flashes
from tests.factories import make_call, make_user

URL = "/admin/texter/privacy_resident"


def test_admin_rewords_the_privacy_text_and_residents_read_it_in_their_language(app, db):
    admin = Browser(app)
    admin.login(make_user(roles={Role.ADMIN}))
    form = admin.form(admin.get(URL), action=URL)
    assert "Mälardalens universitet är personuppgiftsansvarigt" in form["body_sv"].value
    form["body_sv"] = "Vi sparar ditt namn och din e-post.\r\nInget annat."
    form["body_en"] = "We keep your name and e-mail address.\r\nNothing else."
    saved = admin.submit(form)
    assert saved.status_int == 302, error_texts(saved)
    assert "Texten är sparad." in flashes(admin.get(saved.headers["Location"]))
    [entry] = _db.session.scalars(select(AuditEntry).where(AuditEntry.action == "text_updated"))
    assert entry.changes == {"body_sv": ["…", "…"], "body_en": ["…", "…"]}  # no text in the log

    call = make_call()
    resident = Browser(app)
    page = resident.get(f"/utlysningar/{call.slug}")
    assert "Vi sparar ditt namn och din e-post.\nInget annat." in page.text
    english = resident.form(page, action="/sprak")
    resident.submit(english, button=("lang", "en"))
    assert "We keep your name and e-mail address." in resident.get(f"/utlysningar/{call.slug}")


def test_an_empty_text_is_refused_on_its_field_and_the_other_kept(app, db):
    admin = Browser(app)
    admin.login(make_user(roles={Role.ADMIN}))
    form = admin.form(admin.get(URL), action=URL)
    form["body_sv"] = ""
    form["body_en"] = "Kept as written."
    refused = admin.submit(form)
    assert refused.status_int == 422
    assert "Texten på svenska får inte vara tom." in " ".join(error_texts(refused))
    assert "Kept as written." in refused.text
    assert admin.get("/admin/texter/finns-inte").status_int == 404


def test_a_text_reworded_again_keeps_one_row_and_unknown_keys_are_refused(app, db):
    from portal.texts import services

    admin = make_user(roles={Role.ADMIN})
    services.update_text("privacy_resident", body_sv="Första.", body_en="First.", actor=admin)
    services.update_text("privacy_resident", body_sv="Andra.", body_en="", actor=admin)
    _db.session.commit()
    assert services.get_text("privacy_resident", "sv") == "Andra."
    # An empty English text falls back to the built-in one; an unknown language to Swedish.
    assert services.get_text("privacy_resident", "en") != ""
    assert services.get_text("privacy_resident", "fi") == "Andra."
    with pytest.raises(KeyError):
        services.update_text("no_such_text", body_sv="x", body_en="x", actor=admin)
