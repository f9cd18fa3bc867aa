"""Nothing typed is lost, and limits are visible: a text over its field's limit is refused
with the limit and how far over it is, the whole text kept in the field; files accepted in a
round that failed for another reason stay chosen (an employee's with the draft, a resident's
and a completion's held under a token of the browser's session) and are sent once with the
form; held files never sent are removed by `flask retention run`. Through the pages, as a
browser sends them (tests/browser.py)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from portal.accounts.models import Role
from portal.extensions import db as _db
from portal.submissions import uploads
from portal.submissions.models import Attachment, HeldUpload, State, Submission
from portal.types import utcnow
from tests.browser import Browser, Upload, error_texts
from tests.factories import make_call, make_user
from tests.functional.test_submit_and_complete import PDF, answer_call, ask_for_more, png

SVG = b'<svg xmlns="http://www.w3.org/2000/svg"></svg>'
LONG = ("Rörelse på rasten. " * 800)[:14_000]  # the purpose takes 8 000


pytestmark = pytest.mark.usefixtures("upload_folder")  # tests/conftest.py


@pytest.fixture
def browser(app, db):
    return Browser(app)


def plain(text: str) -> str:
    """Babel groups thousands with a no-break space; compare as a person reads it."""
    return text.replace("\u00a0", " ")


def count(model) -> int:
    return _db.session.scalar(select(func.count()).select_from(model))


def kept_text(page) -> str:
    found = page.html.select_one("#kept-files p")
    return plain(found.get_text(" ", strip=True)) if found else ""


def new_canvas(browser, *, purpose="Fallolyckor bland äldre.", title="Äldre som faller"):
    page = browser.get("/lamna-in")
    form = browser.form(page, action="/lamna-in")
    form["kind"] = "challenge"
    form["title"] = title
    form["purpose"] = purpose
    return form


def resident_leaves_a_file(browser):
    """A resident chooses a file and sends the form with only a title: a failed round."""
    call = make_call()
    url = f"/utlysningar/{call.slug}"
    form = browser.form(browser.get(url), action=url)
    form["title"] = "Aldrig skickad"
    files = {"more_files": Upload("plan.pdf", PDF)}
    return call, browser.submit(form, button=("action", "submit"), files=files)


# --- limits ----------------------------------------------------------------------------------


def test_limit_is_in_the_hint_and_the_browser_is_not_asked_to_cut(browser):
    browser.login(make_user(roles={Role.EMPLOYEE}))
    page = browser.get("/lamna-in")
    purpose = page.html.select_one("textarea#purpose")
    assert purpose.get("maxlength") is None  # a browser cuts a paste to maxlength silently
    assert purpose["data-maxchars"] == "8000"
    assert "purpose-limit" in purpose["aria-describedby"].split()
    assert plain(page.html.select_one("#purpose-limit").get_text()) == "Högst 8 000 tecken."
    assert plain(page.html.select_one("#effect_society-limit").get_text()) == "Högst 4 000 tecken."
    assert page.html.select_one("input#title").get("maxlength") is None
    assert page.html.find("script", src=re.compile(r"/js/charcount(\.[0-9a-f]+)?\.js$"))


def test_employee_over_long_text_is_refused_and_kept_in_full(browser):
    browser.login(make_user(roles={Role.EMPLOYEE}))
    response = browser.submit(new_canvas(browser, purpose=LONG), button=("action", "submit"))
    assert response.status_int == 422
    assert response.html.select_one("textarea#purpose").get_text().strip("\r\n") == LONG
    message = plain(response.html.select_one("#purpose-error").get_text(" ", strip=True))
    assert "högst 8 000 tecken, du har skrivit 14 000 (6 000 för många)" in message
    assert "Hela texten finns kvar" in message
    assert any("Syfte, behov, målgrupp" in e for e in error_texts(response))
    assert count(Submission) == 0

    # Saving it as a draft is refused alike: nothing is saved cut.
    form = browser.form(response, action="/lamna-in")
    draft = browser.submit(form, button=("action", "draft"))
    assert draft.status_int == 422
    assert draft.html.select_one("textarea#purpose").get_text().strip("\r\n") == LONG
    assert count(Submission) == 0


def test_resident_over_long_text_is_refused_and_kept_in_full(browser):
    call = make_call()
    page = browser.get(f"/utlysningar/{call.slug}")
    form = browser.form(page, action=f"/utlysningar/{call.slug}")
    form["kind"] = "idea"
    form["title"] = "Rörelsebingo"
    form["purpose"] = LONG
    form["name"] = "Kim Invånare"
    form["email"] = "kim@example.org"
    response = browser.submit(form, button=("action", "submit"))
    assert response.status_int == 422
    assert response.html.select_one("textarea#purpose").get_text().strip("\r\n") == LONG
    assert "6 000 för många" in plain(response.html.select_one("#purpose-error").get_text())
    assert count(Submission) == 0


def test_resident_completion_over_long_is_refused_and_kept(app, browser, smtp):
    call = make_call()
    _, _, sent = answer_call(browser, call)
    assert sent.status_int == 302, error_texts(sent)
    [submission] = _db.session.scalars(select(Submission)).all()
    ask_for_more(app, submission)
    from tests.functional.test_submit_and_complete import private_link

    link = private_link(smtp, index=1)
    form = browser.form(browser.get(link), action=link)
    form["purpose"] = LONG
    response = browser.submit(form)
    assert response.status_int == 422
    assert response.html.select_one("textarea#purpose").get_text().strip("\r\n") == LONG
    assert "6 000 för många" in plain(response.html.select_one("#purpose-error").get_text())
    _db.session.expire_all()
    assert _db.session.get(Submission, submission.id).purpose == "Fler barn rör på sig på rasterna."


def test_autosave_skips_an_over_long_field_says_so_and_keeps_the_rest(browser):
    browser.login(make_user(roles={Role.EMPLOYEE}))
    form = new_canvas(browser, purpose=LONG, title="Sparas ändå")
    response = browser.submit(form, action="/utkast", headers={"HX-Request": "true"})
    assert response.status_int == 200
    status = plain(response.html.select_one("#autosave-status").get_text(" ", strip=True))
    assert status.startswith("Utkastet sparades")
    assert "”Syfte, behov, målgrupp” sparades inte" in status
    assert "6 000 för många" in status
    [draft] = _db.session.scalars(select(Submission)).all()
    assert draft.title == "Sparas ändå"
    assert not draft.purpose  # refused, not cut


# --- files across rounds ---------------------------------------------------------------------


def test_employee_file_is_kept_with_the_draft_and_sent_once(browser, upload_folder):
    browser.login(make_user(roles={Role.EMPLOYEE}))
    failed = browser.submit(
        new_canvas(browser, purpose=LONG),
        button=("action", "submit"),
        files={"more_files": Upload("rapport.pdf", PDF)},
    )
    assert failed.status_int == 422
    assert kept_text(failed) == (
        "Du har redan valt: rapport.pdf (1 kB). Den skickas med när du skickar in."
    )
    [draft] = _db.session.scalars(select(Submission)).all()
    assert draft.state == State.DRAFT and not draft.purpose  # the text with an error waits
    assert [a.original_name for a in draft.attachments] == ["rapport.pdf"]

    form = browser.form(failed, action="/lamna-in")
    form["purpose"] = "Fallolyckor bland äldre."
    sent = browser.submit(form, button=("action", "submit"))  # the file is not chosen again
    assert sent.status_int == 302, error_texts(sent)
    _db.session.expire_all()
    [submission] = _db.session.scalars(select(Submission)).all()
    assert submission.state == State.RECEIVED
    assert [a.original_name for a in submission.attachments] == ["rapport.pdf"]
    assert uploads.path_of(submission.attachments[0]).exists()


def test_employee_removes_a_kept_file(browser):
    browser.login(make_user(roles={Role.EMPLOYEE}))
    failed = browser.submit(
        new_canvas(browser, title=""),
        button=("action", "submit"),
        files={"more_files": [Upload("a.pdf", PDF), Upload("b.pdf", PDF)]},
    )
    assert failed.status_int == 422
    assert "a.pdf (1 kB), b.pdf (1 kB). De skickas med" in kept_text(failed)
    [draft] = _db.session.scalars(select(Submission)).all()
    first = next(a for a in draft.attachments if a.original_name == "a.pdf")
    path = uploads.path_of(first)
    form = browser.form(failed, action="/lamna-in")
    form["title"] = "Med en bilaga"
    form.get("remove_file", index=0).checked = True
    sent = browser.submit(form, button=("action", "submit"))
    assert sent.status_int == 302, error_texts(sent)
    _db.session.expire_all()
    [submission] = _db.session.scalars(select(Submission)).all()
    assert [a.original_name for a in submission.attachments] == ["b.pdf"]
    assert not path.exists()


def test_resident_file_is_held_across_a_failed_round_and_sent_once(browser, upload_folder):
    call = make_call()
    page = browser.get(f"/utlysningar/{call.slug}")
    assert page.html.find("input", attrs={"name": "upload_token"}) is None  # nothing held yet
    form = browser.form(page, action=f"/utlysningar/{call.slug}")
    form["kind"] = "idea"
    form["title"] = "Rörelsebingo"
    form["purpose"] = "Fler barn rör på sig."
    form["name"] = "Kim Invånare"  # no e-mail address
    failed = browser.submit(
        form, button=("action", "submit"), files={"visual_file": Upload("skiss.png", png())}
    )
    assert failed.status_int == 422
    assert "Fyll i din e-postadress." in " ".join(error_texts(failed))
    assert kept_text(failed).startswith("Du har redan valt: skiss.png (1 kB). Den skickas med")
    [held] = _db.session.scalars(select(HeldUpload)).all()
    held_name = held.stored_name
    assert count(Submission) == 0 and count(Attachment) == 0
    token = failed.html.find("input", attrs={"name": "upload_token"})["value"]
    assert len(token) >= 40 and uploads.hold_key(token) == held.token_hash  # only its hash kept

    form = browser.form(failed, action=f"/utlysningar/{call.slug}")
    form["email"] = "kim@example.org"
    sent = browser.submit(form, button=("action", "submit"))
    assert sent.status_int == 302, error_texts(sent)
    _db.session.expire_all()
    [submission] = _db.session.scalars(select(Submission)).all()
    [attachment] = submission.attachments
    assert (attachment.original_name, attachment.purpose) == ("skiss.png", "visual")
    assert attachment.stored_name == held_name  # the same file, not a copy
    assert uploads.path_of(attachment).exists()
    assert count(HeldUpload) == 0


def test_a_token_from_another_session_holds_nothing(app, browser, client):
    """The token alone is not enough: posted from a session that did not make it, it finds
    no file (the form has a hidden field; here it is sent by hand)."""
    call, failed = resident_leaves_a_file(browser)
    token = failed.html.find("input", attrs={"name": "upload_token"})["value"]
    stranger = Browser(app)
    page = stranger.get(f"/utlysningar/{call.slug}")
    form = stranger.form(page, action=f"/utlysningar/{call.slug}")
    form["kind"] = "idea"
    form["title"] = "Annat"
    form["purpose"] = "Annat syfte."
    form["name"] = "Sam Främling"
    fields = dict(form.submit_fields())
    fields.update(action="submit", upload_token=token)
    response = stranger.post(f"/utlysningar/{call.slug}", params=fields, expect_errors=True)
    assert response.status_int == 422  # no e-mail: a failed round
    assert kept_text(response) == ""
    assert response.html.find("input", attrs={"name": "upload_token"}) is None
    assert count(HeldUpload) == 1  # still the first browser's


def test_held_file_never_sent_is_purged_by_the_retention_command(app, browser, upload_folder):
    _call, failed = resident_leaves_a_file(browser)
    assert failed.status_int == 422
    [held] = _db.session.scalars(select(HeldUpload)).all()
    path = uploads.path_of(held)
    assert path.exists()
    runner = app.test_cli_runner()

    fresh = runner.invoke(args=["retention", "run", "--apply"])
    assert fresh.exit_code == 0, fresh.output
    assert "Filer till formulär som aldrig skickades, äldre än 24 timmar: 0" in fresh.output
    assert count(HeldUpload) == 1 and path.exists()  # a day to come back and send it

    _db.session.execute(update(HeldUpload).values(created_at=utcnow() - timedelta(hours=25)))
    _db.session.commit()
    dry = runner.invoke(args=["retention", "run"])
    assert "äldre än 24 timmar: 1 skulle tas bort" in dry.output
    assert count(HeldUpload) == 1
    done = runner.invoke(args=["retention", "run", "--apply"])
    assert done.exit_code == 0, done.output
    assert "äldre än 24 timmar: 1 borttagna" in done.output
    _db.session.expire_all()
    assert count(HeldUpload) == 0
    assert not path.exists()


def test_completion_keeps_files_across_a_failed_round(app, browser, smtp):
    """An employee's completion has no draft: its files are held like a resident's."""
    employee = make_user(roles={Role.EMPLOYEE})
    browser.login(employee)
    sent = browser.submit(new_canvas(browser), button=("action", "submit"))
    assert sent.status_int == 302, error_texts(sent)
    [submission] = _db.session.scalars(select(Submission)).all()
    ask_for_more(app, submission)
    url = f"/mina-inlamningar/{submission.id}/redigera"
    form = browser.form(browser.get(url), action=url)
    form["purpose"] = LONG
    failed = browser.submit(form, files={"more_files": Upload("svar.pdf", PDF)})
    assert failed.status_int == 422
    assert kept_text(failed) == (
        "Du har redan valt: svar.pdf (1 kB). Den skickas med när du sparar ändringarna."
    )
    _db.session.expire_all()
    assert count(Attachment) == 0  # not on the sent submission until the completion is saved

    form = browser.form(failed, action=url)
    form["purpose"] = "Fallolyckor i eget boende."
    done = browser.submit(form)
    assert done.status_int == 302, error_texts(done)
    _db.session.expire_all()
    saved = _db.session.get(Submission, submission.id)
    assert [a.original_name for a in saved.attachments] == ["svar.pdf"]
    assert saved.state == State.RECEIVED
    assert count(HeldUpload) == 0


def test_wrong_file_type_and_missing_field_are_both_shown_in_one_round(browser):
    browser.login(make_user(roles={Role.EMPLOYEE}))
    response = browser.submit(
        new_canvas(browser, title=""),
        button=("action", "submit"),
        files={"visual_file": Upload("bild.png", SVG)},
    )
    assert response.status_int == 422
    errors = error_texts(response)
    summary = [li.get_text(" ", strip=True) for li in response.html.select(".error-summary li")]
    assert any("Fyll i ”Projektnamn”." in e for e in summary)
    assert any("Filtypen stöds inte." in e for e in summary)
    file_error = response.html.select_one("#visual_file-error").get_text()
    assert "Filtypen stöds inte." in file_error  # on the file field
    assert any("Fyll i ”Projektnamn”." in e for e in errors)
    assert count(Submission) == 0  # nothing accepted, nothing kept
