"""Following an idea on a phone, in Chromium: Mina inlämningar becomes one card per
submission at 390 px (nothing cut off, no sideways scrolling), and the timeline of a
submission's whole path reads top to bottom at 390 px. axe-core runs on every page opened
(tests/e2e/conftest.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.accounts.models import User
from portal.submissions.models import State, Submission
from portal.types import utcnow
from tests.e2e.conftest import assert_no_horizontal_scroll, login, screenshot
from tests.progress_factories import whole_path

pytestmark = pytest.mark.e2e

EMPLOYEE = "anna.eskilstuna@example.org"
PHONE = {"width": 390, "height": 844}


def test_my_submissions_reflow_into_cards_on_a_phone(page, db):
    anna = db.session.scalar(select(User).where(User.email == EMPLOYEE))
    now = utcnow()
    for n in range(3):
        db.session.add(
            Submission(
                submitter=anna,
                party_id=anna.party_id,
                kind="idea",
                state=State.RECEIVED if n else State.AWAITING_INFO,
                title=f"Digitala träffpunkter för äldre i glesbygd, omgång {n + 1}",
                reg_year=2026,
                reg_seq=700 + n,
                reg_number=f"SK-2026-{700 + n}",
                submitted_at=now - timedelta(days=3 - n),
            )
        )
    db.session.add(
        Submission(submitter=anna, party_id=anna.party_id, state=State.DRAFT, title="Ett utkast")
    )
    db.session.commit()
    page.set_viewport_size(PHONE)
    login(page, EMPLOYEE)
    page.goto("/mina-inlamningar")
    assert_no_horizontal_scroll(page, 390)
    rows = page.locator("table.stack-table tbody tr")
    assert rows.count() == 4
    # Each submission is a card: its cells stacked, each naming its column.
    assert (
        page.evaluate("() => getComputedStyle(document.querySelector('.stack-table td')).display")
        == "block"
    )
    sent = page.get_by_role("table", name="Dina inskickade inlämningar").locator("tbody tr")
    assert "SK-2026-702" in sent.first.inner_text()  # newest first
    status_cell = sent.first.locator("td").last
    assert status_cell.evaluate("td => getComputedStyle(td, '::before').content") == '"Status: "'
    for i in range(rows.count()):
        box = rows.nth(i).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    screenshot(page, "mina-inlamningar-390")

    page.set_viewport_size({"width": 1280, "height": 800})  # a table again on a wide screen
    assert (
        page.evaluate("() => getComputedStyle(document.querySelector('.stack-table td')).display")
        == "table-cell"
    )


def test_the_timeline_reads_on_a_phone(page, db):
    path = whole_path()
    page.set_viewport_size(PHONE)
    page.goto(f"/mitt-bidrag/{path.token}")
    timeline = page.get_by_role("region", name="Så har det gått")
    assert timeline.get_by_role("list").first.locator(":scope > li").count() == 9
    assert timeline.get_by_role("heading", name="Pilotens resultat").is_visible()
    assert_no_horizontal_scroll(page, 390)
    screenshot(page, "tidslinje-390")


def test_the_completion_form_asks_above_its_answer_field_on_a_phone(page, db):
    from portal.accounts.models import Role
    from portal.triage import services as triage
    from tests.factories import make_user
    from tests.progress_factories import QUESTION, resident_submission

    submission, token = resident_submission()
    triage.request_info(submission, QUESTION, actor=make_user(roles={Role.PROCESS_SUPPORT}))
    db.session.commit()
    page.set_viewport_size(PHONE)
    page.goto(f"/mitt-bidrag/{token}/komplettera")
    question = page.get_by_role("region", name="Processtödets fråga")
    answer = page.get_by_label("Ditt svar på frågan")
    assert QUESTION in question.inner_text()
    assert question.bounding_box()["y"] < answer.bounding_box()["y"]
    assert_no_horizontal_scroll(page, 390)
    screenshot(page, "komplettering-390")
    answer.fill("Tre träffpunkter.")
    page.get_by_role("button", name="Spara ändringarna").click()
    page.wait_for_load_state()
    timeline = page.get_by_role("region", name="Så har det gått")
    assert "Tre träffpunkter." in timeline.inner_text()
    screenshot(page, "komplettering-svar-390")
