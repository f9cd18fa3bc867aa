"""Submitting and completing through the pages, as a browser sends them (tests/browser.py):
the hand-overs from the canvas to triage and back to the submitter."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.audit import AuditEntry
from portal.extensions import db as _db
from portal.mail.models import OutboxMessage
from portal.submissions.models import Attachment, State, Submission
from tests.browser import Browser, Upload, error_texts, flashes, links_in, path_of
from tests.factories import make_call, make_user

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def browser(app, db):
    return Browser(app)


def submissions() -> list[Submission]:
    _db.session.expire_all()
    return list(_db.session.scalars(select(Submission).order_by(Submission.id)))


def count(model) -> int:
    return _db.session.scalar(select(func.count()).select_from(model))


def answer_call(browser, call, *, files=None, title="Rörelsebingo på rasten", button=None):
    page = browser.get(f"/utlysningar/{call.slug}")
    form = browser.form(page, action=f"/utlysningar/{call.slug}")
    form["kind"] = "idea"
    form["title"] = title
    form["purpose"] = "Fler barn rör på sig på rasterna."
    form["name"] = "Kim Invånare"
    form["email"] = "kim@example.org"
    return page, form, browser.submit(form, files=files, button=button or ("action", "submit"))


def private_link(smtp, index=0) -> str:
    [link] = [u for u in links_in(smtp.body(smtp.wait_for(index + 1)[index])) if "mitt-bidrag" in u]
    return path_of(link)


def ask_for_more(app, submission, question="Hur många skolor vill ni börja med?"):
    staff = Browser(app)
    staff.login(make_user(roles={Role.PROCESS_SUPPORT}))
    page = staff.get(f"/inkorg/{submission.id}")
    form = staff.form(page, action=f"/inkorg/{submission.id}/komplettering")
    form["info-question"] = question
    response = staff.submit(form)
    assert response.status_int == 302, error_texts(response)
    return staff


# --- completing (komplettera) ------------------------------------------------------------


def test_resident_completes_through_the_link_in_the_mail(app, browser, smtp):
    call = make_call()
    _, _, sent = answer_call(browser, call, files={"visual_file": Upload("skiss.png", png())})
    assert sent.status_int == 302, error_texts(sent)
    [submission] = submissions()
    staff = ask_for_more(app, submission)
    assert submissions()[0].state == State.AWAITING_INFO

    link = private_link(smtp, index=1)  # the information request has a link to the form
    assert link.endswith("/komplettera")
    page = browser.get(link)
    assert page.status_int == 200
    assert "Hur många skolor vill ni börja med?" in page.text  # the question is on the form
    form = browser.form(page, action=link)
    assert "kind" not in form.fields  # what the page does not show is not asked for
    form["purpose"] = "Vi börjar med två skolor i Västerås."
    response = browser.submit(form, files={"more_files": Upload("plan.pdf", PDF)})

    assert response.status_int == 302, error_texts(response)
    [saved] = submissions()
    assert saved.state == State.RECEIVED
    assert saved.purpose == "Vi börjar med två skolor i Västerås."
    assert sorted(a.original_name for a in saved.attachments) == ["plan.pdf", "skiss.png"]
    done = browser.get(response.headers["Location"])
    assert "Tack! Dina ändringar är sparade." in flashes(done)

    # Process support sees the completion in the submission's events, in Swedish.
    triage = staff.get(f"/inkorg/{submission.id}")
    [completed] = [
        li for li in triage.html.select(".timeline > li") if "Kompletterad av inlämnaren" in li.text
    ]
    assert [c.get_text() for c in completed.select("ul li")] == [
        "Status: Väntar på komplettering → Inkommen",
        "Syfte, behov, målgrupp: Fler barn rör på sig på rasterna. → Vi börjar med två skolor i "
        "Västerås.",
        "Bifogade filer: – → plan.pdf",
    ]


def test_employee_completes_on_their_own_page(app, browser, smtp):
    employee = make_user(roles={Role.EMPLOYEE})
    browser.login(employee)
    page = browser.get("/lamna-in")
    form = browser.form(page, action="/lamna-in")
    form["kind"] = "challenge"
    form["title"] = "Äldre som faller i hemmet"
    form["purpose"] = "Fallolyckor bland äldre."
    sent = browser.submit(
        form, button=("action", "submit"), files={"visual_file": Upload("bild.png", png())}
    )
    assert sent.status_int == 302, error_texts(sent)
    [submission] = submissions()
    ask_for_more(app, submission)

    url = f"/mina-inlamningar/{submission.id}/redigera"
    page = browser.get(url)
    form = browser.form(page, action=url)
    form["purpose"] = "Fallolyckor bland äldre i eget boende."
    response = browser.submit(form)
    assert response.status_int == 302, error_texts(response)
    [saved] = submissions()
    assert saved.state == State.RECEIVED
    assert saved.purpose == "Fallolyckor bland äldre i eget boende."


def test_back_to_a_sent_draft_says_it_is_already_sent(browser):
    """Back after sending a draft opens its edit address again: the completion form, which
    says the submission is sent (and has no "Skicka in" to press)."""
    browser.login(make_user(roles={Role.EMPLOYEE}))
    draft = save_draft_with_file(browser)
    url = f"/mina-inlamningar/{draft.id}/redigera"
    form = browser.form(browser.get(url), action=url)
    sent = browser.submit(form, button=("action", "submit"))
    assert sent.status_int == 302, error_texts(sent)

    back = browser.get(url)
    lead = back.html.select_one("p.lead").get_text()
    assert lead.startswith("Inlämningen är redan inskickad. Ändra eller lägg till")
    assert [b.get_text() for b in back.html.select("main form button")] == ["Spara ändringarna"]
    assert len(submissions()) == 1


def test_resident_completion_form_says_the_entry_is_already_sent(browser, smtp):
    answer_call(browser, make_call())
    link = private_link(smtp)
    page = browser.get(f"{link}/komplettera")
    lead = page.html.select_one("p.lead").get_text()
    assert lead.startswith("Ditt bidrag är redan inskickat. Ändra eller lägg till")


# --- attachments on a draft or a submission that already has one ------------------------


def save_draft_with_file(browser) -> Submission:
    page = browser.get("/lamna-in")
    form = browser.form(page, action="/lamna-in")
    form["kind"] = "idea"
    form["title"] = "Digital fika"
    form["purpose"] = "Kollegor från olika parter träffas."
    saved = browser.submit(
        form, button=("action", "draft"), files={"more_files": Upload("plan.pdf", PDF)}
    )
    assert saved.status_int == 302, error_texts(saved)
    [draft] = submissions()
    return draft


@pytest.mark.parametrize("another", [False, True])
def test_draft_with_a_file_is_submitted(browser, another):
    browser.login(make_user(roles={Role.EMPLOYEE}))
    draft = save_draft_with_file(browser)
    url = f"/mina-inlamningar/{draft.id}/redigera"
    page = browser.get(url)
    form = browser.form(page, action=url)
    files = {"visual_file": Upload("fika.png", png())} if another else None
    sent = browser.submit(form, button=("action", "submit"), files=files)
    assert sent.status_int == 302, error_texts(sent)
    [submitted] = submissions()
    assert submitted.state == State.RECEIVED
    expected = ["fika.png", "plan.pdf"] if another else ["plan.pdf"]
    assert sorted(a.original_name for a in submitted.attachments) == expected


def test_draft_with_a_file_is_submitted_with_another(browser):
    browser.login(make_user(roles={Role.EMPLOYEE}))
    page = browser.get("/lamna-in")
    form = browser.form(page, action="/lamna-in")
    form["kind"] = "idea"
    form["title"] = "Digital fika"
    form["purpose"] = "Kollegor från olika parter träffas."
    saved = browser.submit(
        form, button=("action", "draft"), files={"visual_file": Upload("fika.png", png())}
    )
    assert saved.status_int == 302, error_texts(saved)
    [draft] = submissions()
    assert draft.state == State.DRAFT

    url = f"/mina-inlamningar/{draft.id}/redigera"
    page = browser.get(url)
    assert "fika.png" in page.text
    form = browser.form(page, action=url)
    sent = browser.submit(
        form, button=("action", "submit"), files={"more_files": Upload("plan.pdf", PDF)}
    )
    assert sent.status_int == 302, error_texts(sent)
    [submitted] = submissions()
    assert submitted.state == State.RECEIVED
    assert sorted(a.original_name for a in submitted.attachments) == ["fika.png", "plan.pdf"]


# --- once per intent -------------------------------------------------------------------------


def test_back_and_send_again_registers_one_submission(browser, smtp):
    """After the receipt, Back shows the form again with the text the browser restored but a
    new page (the page is never cached); sending it again finds the first submission."""
    call = make_call()
    _, _, first = answer_call(browser, call)
    assert first.status_int == 302
    _, _, again = answer_call(browser, call)  # the same words, a freshly loaded form
    assert again.status_int == 302
    [only] = submissions()
    assert path_of(again.headers["Location"]) == f"/kvitto/{only.id}"
    receipt = browser.get(again.headers["Location"])
    assert any(only.reg_number in f and "redan" in f for f in flashes(receipt))
    assert count(OutboxMessage) == 1


def test_second_click_whose_first_answer_was_dropped_shows_the_receipt(browser, smtp):
    """Two quick clicks: the browser drops the first answer, and the session cookie that lets
    it see the receipt, and shows the second's. The second (the same one-time key) leads to
    the receipt of the first, which this browser may see."""
    call = make_call()
    page = browser.get(f"/utlysningar/{call.slug}")
    form = browser.form(page, action=f"/utlysningar/{call.slug}")
    form["kind"] = "idea"
    form["title"] = "Rörelsebingo på rasten"
    form["purpose"] = "Fler barn rör på sig på rasterna."
    form["name"] = "Kim Invånare"
    form["email"] = "kim@example.org"
    before = list(browser.cookiejar)
    first = browser.submit(form, button=("action", "submit"))
    assert first.status_int == 302, error_texts(first)
    browser.cookiejar.clear()  # the first answer never reached the browser
    for cookie in before:
        browser.cookiejar.set_cookie(cookie)

    second = browser.submit(form, button=("action", "submit"))
    [only] = submissions()
    assert second.status_int == 303
    assert path_of(second.headers["Location"]) == f"/kvitto/{only.id}"
    receipt = browser.get(second.headers["Location"])
    assert receipt.status_int == 200
    assert receipt.html.select_one(".reg-number").get_text() == only.reg_number
    assert flashes(receipt) == ["Ditt bidrag är redan inskickat. Här är kvittot."]
    assert count(OutboxMessage) == 1


def test_a_resent_form_key_never_shows_the_receipt_of_other_words(browser, smtp):
    """The one-time key of a form that registered a submission, sent with other words or
    another address: no receipt for this browser (as for the canvas's own form key)."""
    call = make_call()
    page = browser.get(f"/utlysningar/{call.slug}")
    form = browser.form(page, action=f"/utlysningar/{call.slug}")
    form["kind"] = "idea"
    form["title"] = "Rörelsebingo på rasten"
    form["purpose"] = "Fler barn rör på sig på rasterna."
    form["name"] = "Kim Invånare"
    form["email"] = "kim@example.org"
    before = list(browser.cookiejar)
    assert browser.submit(form, button=("action", "submit")).status_int == 302
    browser.cookiejar.clear()
    for cookie in before:
        browser.cookiejar.set_cookie(cookie)

    form["email"] = "someone.else@example.org"
    second = browser.submit(form, button=("action", "submit"))
    [only] = submissions()
    assert second.status_int == 303
    assert browser.get(second.headers["Location"]).status_int == 404


def test_employee_back_and_send_again_registers_one_submission(browser):
    browser.login(make_user(roles={Role.EMPLOYEE}))
    for _ in range(2):
        page = browser.get("/lamna-in")
        form = browser.form(page, action="/lamna-in")
        form["kind"] = "idea"
        form["title"] = "Lånecyklar till skolor"
        form["purpose"] = "Cyklar att låna på rasten."
        response = browser.submit(form, button=("action", "submit"))
        assert response.status_int == 302, error_texts(response)
    assert len([s for s in submissions() if s.state != State.DRAFT]) == 1
    assert len(submissions()) == 1


def test_a_changed_text_after_back_is_a_new_submission(browser):
    call = make_call()
    answer_call(browser, call, title="Första idén")
    answer_call(browser, call, title="En helt annan idé")
    assert [s.title for s in submissions()] == ["Första idén", "En helt annan idé"]


def test_double_click_on_complete_stores_the_file_once(app, browser, smtp):
    call = make_call()
    answer_call(browser, call)
    [submission] = submissions()
    ask_for_more(app, submission)
    link = private_link(smtp, index=1)
    page = browser.get(link)
    form = browser.form(page, action=link)
    form["purpose"] = "Mer om idén."
    files = {"more_files": Upload("plan.pdf", PDF)}
    first = browser.submit(form, files=files)
    second = browser.submit(form, files=files)
    assert first.status_int == 302 and second.status_int == 303, error_texts(second)
    assert count(Attachment) == 1
    completions = _db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "completed_by_submitter")
    ).all()
    assert len(completions) == 1


# --- what a changed hidden field must not reveal ----------------------------------------------


def test_autosave_refuses_a_call_the_employee_cannot_see(browser):
    hidden = make_call(audience="staff", published=False, title="Hemlig utlysning")
    open_call = make_call(audience="staff")
    browser.login(make_user(roles={Role.EMPLOYEE}))
    page = browser.get(f"/utlysningar/{open_call.slug}")
    form = browser.form(page, action=f"/utlysningar/{open_call.slug}")
    form["title"] = "Mitt utkast"
    form["call_id"].force_value(str(hidden.id))  # someone edits the page's hidden field
    response = browser.submit(form, action="/utkast", headers={"HX-Request": "true"})
    assert response.status_int == 404
    assert "Hemlig utlysning" not in response.text
    assert submissions() == []


def test_a_known_form_key_never_shows_someone_elses_receipt(app, browser):
    call = make_call()
    page, form, sent = answer_call(browser, call)
    key = form["form_key"].value
    stranger = Browser(app)
    page = stranger.get(f"/utlysningar/{call.slug}")
    form = stranger.form(page, action=f"/utlysningar/{call.slug}")
    form["form_key"].force_value(key)
    form["kind"], form["title"], form["purpose"] = "idea", "Något annat", "Annan text."
    form["name"], form["email"] = "Sam Främling", "sam@example.org"
    response = stranger.submit(form, button=("action", "submit"))
    assert response.status_int == 422
    assert "Formuläret har redan använts." in " ".join(error_texts(response))
    assert "Kim Invånare" not in response.text and "kim@example.org" not in response.text
    assert len(submissions()) == 1
