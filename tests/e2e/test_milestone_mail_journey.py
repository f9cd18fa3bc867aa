"""In Chromium: a resident consents on the form, the idea goes to pilot, the day's e-mail
arrives (SMTP sink), its links open the private page and stop the e-mails; an employee chooses
under Mitt konto, without JavaScript. Every page axe-clean."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.extensions import db as _db
from portal.mail.services import deliver_all
from portal.notifications.services import send_due
from portal.submissions.models import Submission
from portal.types import today_in_stockholm
from tests.browser import links_in
from tests.e2e.conftest import check_axe, login
from tests.factories import make_call, make_user
from tests.functional.test_milestone_mail import into_portfolio, to_pilot_success

pytestmark = pytest.mark.e2e


def test_resident_consents_follows_the_idea_by_mail_and_stops_it_with_the_link(page, smtp):
    from datetime import timedelta

    call = make_call(title="Barn i rörelse")
    page.goto(f"/utlysningar/{call.slug}")
    page.get_by_label("Idé", exact=True).check()
    page.get_by_label("Projektnamn").fill("Rörelsebingo på rasten")
    page.get_by_label("Syfte, behov, målgrupp").fill("Fler barn rör på sig på rasterna.")
    page.get_by_label("Ditt namn").fill("Kim Invånare")
    page.get_by_label("Din e-postadress").fill("kim@example.org")
    consent = page.get_by_label("Jag vill få e-post när något händer med min idé.")
    assert not consent.is_checked()
    consent.check()
    check_axe(page)
    page.get_by_role("button", name="Skicka in").click()
    page.wait_for_url("**/kvitto/*")

    submission = _db.session.scalar(select(Submission).order_by(Submission.id.desc()).limit(1))
    assert submission.consent_milestones is True
    triager, core = make_user(roles={Role.PROCESS_SUPPORT}), make_user(roles={Role.CORE_TEAM})
    to_pilot_success(into_portfolio(submission, triager), core)
    send_due(today_in_stockholm() + timedelta(days=1))
    deliver_all()

    [digest] = smtp.wait_for_mail("kim@example.org", "Nytt om dina bidrag: 3 händelser")
    links = links_in(smtp.body(digest))
    [private] = [u for u in links if "/mitt-bidrag/" in u]
    [stop] = [u for u in links if "/e-post/sluta/" in u]
    page.goto(private)
    assert page.get_by_role("heading", level=1).inner_text() == "Rörelsebingo på rasten"

    page.goto(stop)
    check_axe(page)
    page.get_by_role("button", name="Sluta skicka e-post om mina idéer").click()
    page.wait_for_load_state()
    assert "Klart. Du får inga fler e-postmeddelanden" in page.locator("main").inner_text()
    check_axe(page)
    _db.session.expire_all()
    assert _db.session.get(Submission, submission.id).consent_milestones is False


def test_employee_chooses_milestone_mail_under_mitt_konto_with_and_without_javascript(
    page, page_factory
):
    login(page, "anna.eskilstuna@example.org")
    page.goto("/konto")
    page.get_by_role("link", name="Välj vad du får e-post om").click()
    page.wait_for_url("**/konto/e-post")
    check_axe(page)
    box = page.get_by_label("Initiativet byter fas")
    assert box.is_checked()
    box.uncheck()
    page.get_by_role("button", name="Spara").click()
    page.wait_for_url("**/konto/e-post")
    assert "Dina val för e-post är sparade." in page.locator("main").inner_text()
    assert not page.get_by_label("Initiativet byter fas").is_checked()
    assert page.get_by_label("Pilotens resultat").is_checked()
    check_axe(page)

    plain = page_factory(java_script_enabled=False)  # the same form, no script at all
    login(plain, "anna.eskilstuna@example.org")
    plain.goto("/konto/e-post")
    plain.get_by_label("Pilotens resultat").uncheck()
    plain.get_by_role("button", name="Spara").click()
    plain.wait_for_url("**/konto/e-post")
    assert not plain.get_by_label("Pilotens resultat").is_checked()
    assert not plain.get_by_label("Initiativet byter fas").is_checked()
