"""Journeys through the canvas: a resident answers a call, employees save drafts and submit."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.extensions import db as _db
from portal.submissions.models import Submission
from portal.types import utcnow
from tests.e2e.conftest import assert_no_horizontal_scroll, check_axe, login
from tests.factories import make_call

pytestmark = pytest.mark.e2e

EMPLOYEE = "anna.eskilstuna@example.org"
NAV = "nav[aria-label=Huvudmeny]"
# Swedish letters, an emoji and a line break: what a person types must come back unchanged.
PURPOSE = (
    "Barn på Råbergsskolan rör sig för lite. 🚲\nÄldre syskon vill hjälpa till – även på helger."
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SHOTS = os.environ.get("E2E_SHOTS")  # a directory outside the repository, e.g. /tmp/shots2


def shot(page, name: str) -> None:
    """With E2E_SHOTS set: a full-page screenshot there, to look at by hand."""
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def wait_for_error_summary_focus(page) -> None:
    page.wait_for_function("() => document.activeElement.classList.contains('error-summary')")


def test_resident_answers_a_call_and_follows_it_by_the_private_link(page, smtp):
    call = make_call(title="Barn i rörelse")
    page.goto(f"/utlysningar/{call.slug}")
    assert page.get_by_role("heading", level=1).inner_text() == "Barn i rörelse"
    check_axe(page)

    # Projektnamn left empty, the e-mail address mistyped: both errors, the text kept.
    page.get_by_label("Idé", exact=True).check()
    page.get_by_label("Syfte, behov, målgrupp").fill(PURPOSE)
    page.get_by_label("Ditt namn").fill("Åsa Öberg")
    page.get_by_label("Din e-postadress").fill("asa.oberg-at-example.org")
    page.get_by_role("button", name="Skicka in").click()

    summary = page.locator(".error-summary")
    summary.wait_for()
    wait_for_error_summary_focus(page)
    errors = summary.locator("li").all_inner_texts()
    assert any(e.startswith("Projektnamn: Fyll i ”Projektnamn”.") for e in errors), errors
    assert any(
        e.startswith("Din e-postadress: Skriv en e-postadress i formen namn@exempel.se.")
        for e in errors
    ), errors
    assert len(errors) == 2, errors
    assert page.get_by_label("Syfte, behov, målgrupp").input_value() == PURPOSE
    assert page.get_by_label("Ditt namn").input_value() == "Åsa Öberg"
    assert page.get_by_label("Idé", exact=True).is_checked()
    assert page.get_by_label("Projektnamn").get_attribute("aria-invalid") == "true"
    shot(page, "1-call-page-with-errors")
    check_axe(page)

    # Fixed: a receipt with the first registration number of the year.
    page.get_by_label("Projektnamn").fill("Cykelkompisar för barn")
    page.get_by_label("Din e-postadress").fill("asa.oberg@example.org")
    page.get_by_role("button", name="Skicka in").click()
    page.wait_for_url("**/kvitto/*")
    number = f"SK-{utcnow().year}-0001"
    assert page.locator(".reg-number").inner_text() == number
    assert "asa.oberg@example.org" in page.locator("main").inner_text()
    shot(page, "2-resident-receipt")
    check_axe(page)

    # The receipt by e-mail, with the private link.
    messages = smtp.wait_for(1)
    assert len(messages) == 1, "no receipt e-mail arrived"
    message = messages[0]
    assert message["To"] == "asa.oberg@example.org"
    assert number in message["Subject"]
    match = re.search(r"/mitt-bidrag/[A-Za-z0-9_\-]+", smtp.body(message))
    assert match, smtp.body(message)

    page.goto(match.group(0))
    assert page.get_by_role("heading", level=1).inner_text() == "Cykelkompisar för barn"
    assert page.locator(".badge").inner_text() == "Inkommen"
    values = page.locator("dl.canvas dd").all_inner_texts()
    assert PURPOSE in values, values  # innerText keeps the line break (white-space: pre-wrap)

    page.get_by_role("link", name="Återkalla").click()
    page.get_by_role("button", name="Ja, återkalla").click()
    page.wait_for_url(f"**{match.group(0)}")
    assert page.locator(".badge").inner_text() == "Återkallad"
    assert page.get_by_role("link", name="Återkalla").count() == 0


def test_employee_autosaves_a_draft_and_submits_it(page):
    login(page, EMPLOYEE)
    page.locator(NAV).get_by_role("link", name="Lämna in").click()
    page.wait_for_url("**/lamna-in")

    page.get_by_label("Projektnamn").fill("Gemensam bokning av lokaler")
    page.get_by_label("Syfte, behov, målgrupp").fill(PURPOSE)
    status = page.locator("#autosave-status")
    # The autosave waits 1.5 s after the last keystroke, then replaces the address.
    page.wait_for_function(
        "() => document.querySelector('#autosave-status').textContent.includes('Utkastet sparades')",
        timeout=8000,
    )
    assert status.get_attribute("role") == "status"
    page.wait_for_url(re.compile(r"/mina-inlamningar/\d+/redigera$"))
    edit_url = page.url

    page.reload()
    assert page.url == edit_url
    assert page.get_by_label("Projektnamn").input_value() == "Gemensam bokning av lokaler"
    assert page.get_by_label("Syfte, behov, målgrupp").input_value() == PURPOSE

    page.get_by_label("Idé", exact=True).check()
    page.get_by_role("button", name="Skicka in").click()
    page.wait_for_url("**/kvitto/*")
    number = page.locator(".reg-number").inner_text()
    assert re.fullmatch(rf"SK-{utcnow().year}-\d{{4}}", number)

    page.locator(NAV).get_by_role("link", name="Mina inlämningar").click()
    page.wait_for_url("**/mina-inlamningar")
    sent = page.locator("table", has=page.locator("caption", has_text="Dina inskickade"))
    row = sent.locator("tbody tr", has_text="Gemensam bokning av lokaler")
    assert row.count() == 1
    cells = row.locator("td").all_inner_texts()
    assert cells[0] == number
    assert cells[2] == "Idé"
    assert cells[4] == "Inkommen"
    assert "Du har inga sparade utkast." in page.locator("main").inner_text()
    assert page.locator("table", has=page.locator("caption", has_text="Dina utkast")).count() == 0
    shot(page, "3-mina-inlamningar")
    check_axe(page)


def test_employee_saves_a_draft_and_submits_without_javascript(page_factory):
    page = page_factory(java_script_enabled=False)
    login(page, EMPLOYEE)
    page.goto("/lamna-in")
    page.get_by_label("Projektnamn").fill("Språkcafé på biblioteket")
    page.get_by_label("Syfte, behov, målgrupp").fill(PURPOSE)

    page.get_by_role("button", name="Spara utkast").click()
    assert re.search(r"/mina-inlamningar/\d+/redigera$", page.url), page.url
    assert page.locator(".flash-success").inner_text() == (
        "Utkastet är sparat. Du hittar det under Mina inlämningar."
    )
    assert page.get_by_label("Projektnamn").input_value() == "Språkcafé på biblioteket"
    assert page.get_by_label("Syfte, behov, målgrupp").input_value() == PURPOSE

    page.get_by_label("Utmaning eller behov").check()
    page.get_by_role("button", name="Skicka in").click()
    assert "/kvitto/" in page.url
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Tack! Vi har tagit emot ditt bidrag"
    )
    assert re.fullmatch(rf"SK-{utcnow().year}-\d{{4}}", page.locator(".reg-number").inner_text())


CANVAS_LABELS = {
    "title": ("Projektnamn", "Ett kort namn på utmaningen eller idén."),
    "focus_area": ("Fokusområde", "Vilket av Samhällskontraktets fokusområden passar bäst?"),
    "timeline": ("Tidplan", "När behöver det hända, och ungefär hur länge?"),
    "purpose": ("Syfte, behov, målgrupp", "För vem och varför?"),
    "effect_residents": ("Invånarnytta", "Vilken nytta får invånarna?"),
    "effect_society": ("Samhällsnytta", "Vilken nytta får samhället?"),
    "effect_sk": (
        "Nytta för Samhällskontraktet",
        "Vilken nytta får Samhällskontraktet och dess parter?",
    ),
    "visual_description": (
        "Visuell bild/beskrivning av idén, konceptet",
        "Beskriv idén med ord. Du kan också bifoga en bild eller ett dokument.",
    ),
    "responsible": ("Ansvarig", "Namn, organisation, kontaktuppgifter."),
    "partners": (
        "Samverkan, intressenter (interna/externa)",
        "Vilka aktörer är med i projektet? Vilka resurser finns med eller behövs?",
    ),
    "follow_up": (
        "Uppföljning",
        "Hur mäter vi effekten? Hur säkerställer vi att vi hittar saker vi inte tänkt på?",
    ),
    "challenges": (
        "Utmaningar, beroenden och behov vi ser",
        "Finns det något du vill dela med dig av som kan hjälpa projektet eller bli input "
        "till ett nytt initiativ? Finns tillit, spänningar kring legitimitet kopplat till "
        "projektet?",
    ),
    "key_activities": ("Nyckelaktiviteter", "Vad är viktigt för att projektet ska lyckas?"),
}
EFFECTS = ("effect_residents", "effect_society", "effect_sk")


def test_canvas_labels_follow_domain_wording_and_pages_pass_axe(page, page_factory):
    call = make_call(title="Trygga skolvägar")
    login(page, EMPLOYEE)
    page.goto("/lamna-in")

    for key, (label, question) in CANVAS_LABELS.items():
        control = page.get_by_label(label, exact=True)
        assert control.count() == 1, label
        assert control.get_attribute("id") == key
        described = (control.get_attribute("aria-describedby") or "").split()
        hints = [page.locator(f"#{i}").inner_text() for i in described]
        assert question in hints, (label, hints)
    # Every canvas label is one of these; none is left out.
    labels = page.locator("form .field > label").all_inner_texts()
    assert [t for t in labels if t not in {v[0] for v in CANVAS_LABELS.values()}] == [
        "Bild eller dokument som visar idén",
        "Fler bilagor",
    ], labels
    group = page.get_by_role("group", name="Vilka effekter vill vi uppnå?")
    for key in EFFECTS:
        assert group.get_by_label(CANVAS_LABELS[key][0], exact=True).count() == 1
    assert group.locator("textarea").count() == len(EFFECTS)
    check_axe(page)

    page.goto("/mina-inlamningar")
    check_axe(page)
    page.goto("/utlysningar")
    assert page.get_by_role("link", name="Trygga skolvägar").count() >= 1
    check_axe(page)

    narrow = page_factory(viewport={"width": 320, "height": 640})
    narrow.goto(f"/utlysningar/{call.slug}")
    assert_no_horizontal_scroll(narrow)
    login(narrow, EMPLOYEE)
    narrow.goto("/lamna-in")
    assert_no_horizontal_scroll(narrow)


def test_pasted_over_long_text_and_a_chosen_file_are_kept(page, upload_folder):
    """Nothing typed is lost: a paste over the field's limit is counted as it is made, sent,
    refused with the limit named, and comes back whole; the file chosen stays chosen."""
    call = make_call(title="Barn i rörelse")
    page.goto(f"/utlysningar/{call.slug}")
    purpose = page.get_by_label("Syfte, behov, målgrupp")
    assert purpose.get_attribute("maxlength") is None
    count = page.locator("#purpose ~ .char-count")
    assert count.inner_text().replace("\u00a0", " ") == "0 av 8 000 tecken"

    long_text = ("Barnen cyklar till skolan tillsammans. " * 400)[:14_000]
    page.get_by_label("Idé", exact=True).check()
    page.get_by_label("Projektnamn").fill("Cykelkompisar")
    purpose.focus()
    page.keyboard.insert_text(long_text)  # as a paste: one input event, the whole text
    assert len(purpose.input_value()) == 14_000  # not cut by the browser
    counted = count.inner_text().replace("\u00a0", " ")
    assert counted == "14 000 av 8 000 tecken – 6 000 för många", counted
    assert "char-count-over" in count.get_attribute("class")
    page.get_by_label("Bild eller dokument som visar idén").set_input_files(
        files=[{"name": "skiss.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_label("Ditt namn").fill("Åsa Öberg")
    page.get_by_label("Din e-postadress").fill("asa.oberg@example.org")
    page.get_by_role("button", name="Skicka in").click()

    summary = page.locator(".error-summary")
    summary.wait_for()
    wait_for_error_summary_focus(page)
    message = page.locator("#purpose-error").inner_text().replace("\u00a0", " ")
    assert "högst 8 000 tecken, du har skrivit 14 000 (6 000 för många)" in message
    assert "Hela texten finns kvar" in message
    purpose = page.get_by_label("Syfte, behov, målgrupp")
    assert purpose.input_value() == long_text  # the whole text, not 8 000
    kept = page.locator("#kept-files").inner_text().replace("\u00a0", " ")
    assert "Du har redan valt: skiss.pdf (1 kB). Den skickas med när du skickar in." in kept
    shot(page, "over-long-text-kept")
    check_axe(page)

    # Shortened and sent: the file goes with it, chosen once.
    purpose.fill(long_text[:7_900])
    page.get_by_role("button", name="Skicka in").click()
    page.wait_for_url("**/kvitto/*")
    [submission] = _db.session.scalars(select(Submission)).all()
    assert len(submission.purpose) == 7_900
    assert [a.original_name for a in submission.attachments] == ["skiss.pdf"]
