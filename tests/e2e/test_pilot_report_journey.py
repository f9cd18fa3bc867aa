"""A pilot's outcome in the browser: refused without the pilot report (with a link to write
it, the decision as typed kept), the report written, printed on A4, then the outcome recorded.
Every page axe-clean."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from portal.evaluation.models import Phase
from tests.e2e.conftest import check_axe, login
from tests.process_factories import make_initiative

pytestmark = pytest.mark.e2e

SUCCESS = "Total framgång – redo för implementering"
TEXTS = {
    "tested_what": "Promenadgrupper under fyra veckor.",
    "tested_with": "Tolv äldre i Råby.",
    "measurement": "Enkät före och efter.",
    "results": "Nio av tolv kände sig mindre ensamma.",
    "outcome_reason": "Behovet möttes.",
    "lessons": "Gå på förmiddagen.",
}


def test_outcome_needs_the_report_which_is_written_and_printed(page):
    initiative = make_initiative("Gåvänner i Råby", phase=Phase.PILOT)
    login(page, "processtod@example.org")
    page.goto(f"/initiativ/{initiative.id}")
    outside = page.locator("form[action$='/beslut']")
    outside.get_by_label(SUCCESS, exact=True).check()
    outside.get_by_label("Motivering").fill("Piloten mötte behovet.")
    outside.get_by_role("button", name="Registrera beslutet").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Pilotrapporten saknas.")
    expect(page.locator("form[action$='/beslut']").get_by_label("Motivering")).to_have_value(
        "Piloten mötte behovet."
    )
    check_axe(page)

    summary.get_by_role("link", name="Skriv pilotrapporten").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pilotrapport: Gåvänner i Råby")
    check_axe(page)
    for name, text in TEXTS.items():
        page.locator(f"textarea[name='{name}']").fill(text)
    page.get_by_label(SUCCESS, exact=True).check()
    page.locator("input[name='lessons_public']").check()
    page.get_by_role("button", name="Spara pilotrapporten").click()
    expect(page.locator(".flash-success")).to_have_text("Pilotrapporten är sparad.")
    check_axe(page)

    page.get_by_role("link", name="Utskriftsvänlig version (A4)").click()
    page.emulate_media(media="print")
    for text in TEXTS.values():
        expect(page.locator("main")).to_contain_text(text)
    expect(page.locator("form").first).to_be_hidden()
    check_axe(page)
    page.emulate_media(media="screen")

    page.goto(f"/initiativ/{initiative.id}")
    outside = page.locator("form[action$='/beslut']")
    outside.get_by_label(SUCCESS, exact=True).check()
    outside.get_by_label("Motivering").fill("Piloten mötte behovet.")
    outside.get_by_role("button", name="Registrera beslutet").click()
    expect(page.locator(".flash-success")).to_contain_text(
        "Initiativet är nu i Implementeringsfas."
    )
