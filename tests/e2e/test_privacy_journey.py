"""A resident opens their private link, sees and downloads everything held about them, and has
it erased; every page axe-clean."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from portal.extensions import db as _db
from portal.privacy import records
from portal.privacy.erasure import ANONYMISED
from portal.submissions.models import Submission
from tests.e2e.conftest import check_axe
from tests.factories import make_call
from tests.privacy_factories import RESIDENT, resident_submission

pytestmark = pytest.mark.e2e


def test_resident_downloads_their_data_and_has_it_erased(page):
    call = make_call(title="Barn i rörelse")
    submission, token = resident_submission(
        call, title="Cykelkompisar", purpose="Äldre barn cyklar med yngre. 🚲", consent_news=True
    )
    number = submission.reg_number

    page.goto(f"/mitt-bidrag/{token}")
    assert page.get_by_role("heading", level=1).inner_text() == "Cykelkompisar"
    assert page.get_by_role("heading", name="Det du skickade").is_visible()
    assert "Kontrollsumma" not in page.locator("main").inner_text()
    check_axe(page)

    page.get_by_role("button", name="Hämta mina uppgifter").click()
    page.wait_for_url("**/mina-uppgifter/*")
    assert (
        page.get_by_role("heading", level=1).inner_text() == "Dina uppgifter hos Samhällskontraktet"
    )
    main = page.locator("main").inner_text()
    for value in (RESIDENT["name"], RESIDENT["email"], RESIDENT["phone"], number):
        assert value in main, value
    check_axe(page)

    with page.expect_download() as info:
        page.get_by_role("link", name="Ladda ner uppgifterna (JSON)").click()
    download = info.value
    assert download.suggested_filename.startswith("mina-uppgifter-")
    data = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert data["contact_details"][0]["email"] == RESIDENT["email"]
    assert data["submissions"][0]["canvas"]["purpose"] == "Äldre barn cyklar med yngre. 🚲"

    page.goto(f"/mitt-bidrag/{token}")
    page.get_by_role("button", name="Återkalla: inga nyheter").click()
    page.get_by_text("Ditt samtycke är återkallat.").wait_for()
    check_axe(page)

    page.get_by_role("link", name="Begär att dina uppgifter raderas").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Radera dina uppgifter"
    check_axe(page)
    page.get_by_role("button", name="Radera mina uppgifter").click()
    summary = page.locator(".error-summary")
    summary.wait_for()
    assert "Kryssa i rutan för att bekräfta." in summary.inner_text()
    check_axe(page)
    page.get_by_label("Jag förstår att mina kontaktuppgifter raderas").check()
    page.get_by_role("button", name="Radera mina uppgifter").click()
    page.get_by_text("Dina kontaktuppgifter är raderade.", exact=False).first.wait_for()
    assert page.get_by_role("heading", level=1).inner_text() == "Cykelkompisar"
    check_axe(page)

    _db.session.expire_all()
    saved = _db.session.get(Submission, submission.id)
    assert saved.resident_email == ANONYMISED and saved.consent_news is False
    assert records.records_of(saved)[0].erasure_requested_at is not None
