"""The submitter's side, whole, in Chromium: a resident finds a call on the start page, sends
an idea with consent to e-mail, and follows it to a funded pilot through their private page
and the e-mails the portal sends (caught by a real SMTP server), while process support and
the Core Team move it on through their own pages; then stops the e-mails with the link in
one, and a later milestone sends nothing. Every page axe-clean (tests/e2e/conftest.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db as _db
from portal.mail.models import OutboxMessage
from portal.submissions.models import Submission
from tests.e2e.conftest import login, screenshot
from tests.e2e.steps import decide_at_meeting, link_in, nav, plan_meeting, put_on_agenda, today
from tests.factories import make_call
from tests.process_factories import set_budget

pytestmark = pytest.mark.e2e

SUPPORT = "processtod@example.org"
CORE_TEAM = "coreteam@example.org"
CHILDREN = "Alla barn och unga uppnår sin fulla potential"
GO_ON = "Går vidare till nästa fas"
RESIDENT_EMAIL = "lina.holm@example.org"
IDEA = "Lånecyklar vid Kvarnbackaskolan"


def morning_mail(app) -> None:
    """The next morning's run of the submitters' e-mail, as cron (or the worker) runs it."""
    tomorrow = (today() + timedelta(days=1)).isoformat()
    result = app.test_cli_runner().invoke(args=["notifications", "send", "--today", tomorrow])
    assert result.exit_code == 0, result.output


def test_a_resident_follows_an_idea_to_a_funded_pilot_and_stops_the_mail(app, page_factory, smtp):
    call = make_call(title="Barn i rörelse", question="Hur får fler barn röra på sig?")
    set_budget(today().year, 500_000)

    # The start page: the call, one click away, and what happens after sending.
    resident = page_factory()
    resident.goto("/")
    expect(resident.get_by_role("heading", name="Så går det till")).to_be_visible()
    resident.get_by_role("link", name=f"Svara – {call.title}").click()
    expect(resident.get_by_role("heading", level=1)).to_have_text(call.title)
    resident.get_by_label("Idé", exact=True).check()
    resident.get_by_label("Projektnamn").fill(IDEA)
    resident.get_by_label("Syfte, behov, målgrupp").fill(
        "Barnen i Kvarnbacka har långt till skolan och få har egen cykel. Skolan lånar ut cyklar."
    )
    resident.get_by_label("Ditt namn").fill("Lina Holm")
    resident.get_by_label("Din e-postadress").fill(RESIDENT_EMAIL)
    resident.get_by_label("Jag vill få e-post när något händer med min idé.").check()
    resident.get_by_role("button", name="Skicka in").click()
    expect(resident.get_by_role("heading", level=1)).to_have_text(
        "Tack! Vi har tagit emot ditt bidrag"
    )
    number = resident.locator(".reg-number").inner_text()

    [receipt] = smtp.wait_for_mail(RESIDENT_EMAIL, f"Vi har tagit emot ditt bidrag {number}")
    resident.goto(link_in(smtp, receipt, r"/mitt-bidrag/[^/]+$"))
    timeline = resident.get_by_role("region", name="Så har det gått")
    expect(timeline).to_contain_text(f"Ditt bidrag kom in och fick nummer {number}.")

    # Process support classifies it and takes it into the portfolio.
    support = page_factory()
    login(support, SUPPORT)
    nav(support, "Inkorg")
    support.locator(".inbox-table").get_by_role("link", name=number).click()
    support.locator("summary", has_text="Klassning").click()
    support.get_by_label("Fokusområde").select_option(label=CHILDREN)
    support.get_by_role("button", name="Spara klassningen").click()
    support.get_by_role("button", name="Ta in i portfölj").click()
    expect(support.locator(".flash-success")).to_contain_text("tagen in i portföljen")
    [accepted] = smtp.wait_for_mail(RESIDENT_EMAIL, f"Ditt bidrag {number} går vidare")
    resident.goto(link_in(smtp, accepted, r"/mitt-bidrag/[^/]+$"))
    expect(resident.locator(".panel .badge")).to_have_text("I portfölj")
    expect(resident.get_by_role("region", name="Så har det gått")).to_contain_text(
        f"Ditt bidrag togs in i portföljen för {CHILDREN}."
    )

    # The Core Team: to Konceptfas at today's priority meeting, with a public rationale...
    meeting = plan_meeting(support, held_on=today(), focus_area=CHILDREN, title="Primöte cyklar")
    put_on_agenda(support, meeting, IDEA)
    core = page_factory()
    login(core, CORE_TEAM)
    nav(core, "Primöten")
    core.get_by_role("link", name="Primöte cyklar").click()
    item = decide_at_meeting(core, meeting, IDEA, GO_ON, "Tre skolor vill pröva.")
    expect(item.locator(".decision")).to_contain_text("Idéfas → Konceptfas")
    # ... then to Pilotfas on the initiative's page, and asks for pilot money.
    item.get_by_role("link", name=IDEA).click()
    outside = core.locator("form[action$='/beslut']")
    outside.get_by_label(GO_ON, exact=True).check()
    outside.get_by_label("Motivering").fill("Prototypen fungerade, pilot under våren.")
    outside.get_by_role("button", name="Registrera beslutet").click()
    expect(core.locator(".panel .badge")).to_have_text("Pilotfas")
    core.get_by_label("Belopp (kr)").fill("40 000")
    core.get_by_label("Syfte", exact=True).fill("Tjugo cyklar och hjälmar under en termin.")
    core.get_by_label("Periodens början").fill(today().isoformat())
    core.get_by_label("Periodens slut").fill((today() + timedelta(days=120)).isoformat())
    core.get_by_role("button", name="Skicka ansökan").click()
    expect(core.locator(".flash-success")).to_contain_text("är registrerad")

    # Process support, the process leader, grants it.
    nav(support, "Finansiering")
    request = support.locator(".funding-request", has_text=IDEA)
    request.get_by_label("Bevilja").check()
    request.get_by_label("Kommentar till beslutet").fill("Ryms i årets budget.")
    request.get_by_role("button", name="Spara beslutet").click()
    expect(support.locator(".flash-success")).to_have_text("40\u00a0000\u00a0kr är beviljat.")

    # The next morning: one e-mail with both phase changes, and a link to the private page.
    morning_mail(app)
    [digest] = smtp.wait_for_mail(RESIDENT_EMAIL, "Nytt om dina bidrag: 2 händelser")
    body = smtp.body(digest)
    assert "går till Konceptfas" in body and "går till Pilotfas" in body
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    resident.goto(link_in(smtp, digest, r"/mitt-bidrag/[^/]+$"))
    expect(resident.locator(".panel")).to_contain_text("Initiativet är nu i Pilotfas.")
    timeline = resident.get_by_role("region", name="Så har det gått")
    expect(timeline).to_contain_text("Idéfas till Konceptfas")
    expect(timeline).to_contain_text("Konceptfas till Pilotfas")
    expect(timeline).to_contain_text("Initiativet fick 40\u00a0000\u00a0kr i pilotmedel.")
    expect(timeline).not_to_contain_text("Tre skolor vill pröva.")  # not made public
    screenshot(resident, "journey-submitter-timeline")

    # The resident stops the e-mails with the link in it.
    resident.goto(link_in(smtp, digest, r"/e-post/sluta/"))
    resident.get_by_role("button", name="Sluta skicka e-post om mina idéer").click()
    expect(resident.locator("main")).to_contain_text(
        "Klart. Du får inga fler e-postmeddelanden om vad som händer med dina idéer."
    )

    # Published on the hub the day after: the page shows it, and no e-mail goes.
    nav(support, "Initiativ")
    support.get_by_role("link", name=IDEA, exact=True).click()
    support.get_by_role("link", name="Publicering i hubben").click()
    support.get_by_label("Visa initiativet i den öppna hubben").check()
    support.get_by_label("Syfte, behov, målgrupp").check()
    support.get_by_role("button", name="Spara publiceringen").click()
    expect(support.locator(".flash-success")).to_contain_text("Initiativet syns i hubben.")
    before = len(smtp.messages)
    morning_mail(app)
    assert smtp.wait_for(before + 1, timeout=2)[before:] == []
    resident.goto(link_in(smtp, receipt, r"/mitt-bidrag/[^/]+$"))
    hub_link = resident.get_by_role("link", name="Läs om initiativet i hubben").first
    expect(hub_link).to_be_visible()
    hub_link.click()
    expect(resident.get_by_role("heading", level=1)).to_have_text(IDEA)

    submission = _db.session.scalar(select(Submission).where(Submission.title == IDEA))
    assert submission.consent_milestones is False
    mails = _db.session.scalars(
        select(OutboxMessage.template)
        .where(OutboxMessage.recipient == RESIDENT_EMAIL)
        .order_by(OutboxMessage.id)
    ).all()
    assert mails == ["submission_receipt", "triage_accepted", "milestones"]  # and no more
