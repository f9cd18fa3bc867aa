"""Every e-mail ends with SK's contact route, a site text an admin words (/admin/texter/contact),
in the recipient's language, in the plain and the HTML part, sent from a request or a command."""

from __future__ import annotations

from pathlib import Path

from markupsafe import escape

from portal.accounts.models import Role
from portal.extensions import db as _db
from portal.texts import services as texts
from portal.texts.defaults import TEXTS
from tests.browser import Browser, error_texts
from tests.conftest import post_form
from tests.factories import make_user

EMAIL = Path(__file__).resolve().parents[2] / "templates" / "email"
NO_REPLY = "går inte att svara på"


def parts(message) -> tuple[str, str]:
    plain = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return plain.replace("\r\n", "\n"), html.replace("\r\n", "\n")


def test_every_mail_template_ends_with_the_footer():
    """Both parts of every message: the plain text includes the footer, the HTML its layout."""
    names = sorted(p.stem for p in EMAIL.glob("*.txt") if not p.name.startswith("_"))
    assert len(names) == 14
    for name in names:
        plain = (EMAIL / f"{name}.txt").read_text()
        assert plain.rstrip().endswith('{% include "email/_footer.txt" %}'), name
        html = (EMAIL / f"{name}.html").read_text()
        assert html.startswith('{% extends "email/_layout.html" %}'), name
    assert 'site_text("contact")' in (EMAIL / "_footer.txt").read_text()
    assert 'site_text("contact")' in (EMAIL / "_layout.html").read_text()


def test_mail_ends_with_the_built_in_contact_route_in_swedish_and_english(client, db, smtp):
    swedish, english = make_user(), make_user()
    english.locale = "en"
    _db.session.commit()
    post_form(client, "/glomt-losenord", {"email": swedish.email})
    post_form(client, "/glomt-losenord", {"email": english.email})
    sent = {m["To"]: m for m in smtp.wait_for(2)}
    plain, html = parts(sent[swedish.email])
    assert plain.rstrip().endswith(TEXTS["contact"]["sv"])
    assert NO_REPLY in plain and "Svara inte" not in plain
    assert str(escape(TEXTS["contact"]["sv"])) in html
    plain, html = parts(sent[english.email])
    assert plain.rstrip().endswith(TEXTS["contact"]["en"])
    assert str(escape(TEXTS["contact"]["en"])) in html
    assert TEXTS["contact"]["sv"] not in plain + html


def test_admin_rewords_the_contact_and_the_next_mail_carries_it(app, client, db, smtp):
    admin = Browser(app)
    admin.login(make_user(roles={Role.ADMIN}))
    url = "/admin/texter/contact"
    page = admin.get(url)
    assert "Står sist i varje e-postmeddelande" in page.text
    form = admin.form(page, action=url)
    assert form["body_sv"].value == TEXTS["contact"]["sv"]
    form["body_sv"] = "Frågor? Ring Lena på processtödet, 021-00 00 00.\r\n\r\nVardagar 9–12."
    form["body_en"] = "Questions? Call Lena at process support, +46 21 00 00 00."
    saved = admin.submit(form)
    assert saved.status_int == 302, error_texts(saved)

    user = make_user()
    post_form(client, "/glomt-losenord", {"email": user.email})
    [message] = smtp.wait_for_mail(user.email)
    plain, html = parts(message)
    assert plain.rstrip().endswith(
        "Frågor? Ring Lena på processtödet, 021-00 00 00.\n\nVardagar 9–12."
    )
    assert '<p style="font-size: 0.9em;">Vardagar 9–12.</p>' in html  # a paragraph each
    assert TEXTS["contact"]["sv"] not in plain


def test_mail_queued_by_a_command_carries_the_contact_too(app, db, smtp):
    texts.update_text(
        "contact", body_sv="Skriv till oss: fragor@example.org", body_en="", actor=make_user()
    )
    _db.session.commit()
    admin = make_user(roles={Role.ADMIN})
    result = app.test_cli_runner().invoke(args=["reset-mfa", "--email", admin.email])
    assert result.exit_code == 0, result.output
    [message] = smtp.wait_for_mail(admin.email)
    plain, html = parts(message)
    assert plain.rstrip().endswith("Skriv till oss: fragor@example.org")
    assert "Skriv till oss: fragor@example.org" in html
