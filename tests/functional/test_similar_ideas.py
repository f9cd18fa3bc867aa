"""Similar ideas through the pages: the canvas form's "Visa liknande" (no JavaScript) and its
htmx fragment, and triage's likely duplicates with the one-click marking. Posted as the pages
render them (tests/browser.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select

from portal.accounts.models import Role
from portal.extensions import db as _db
from portal.intents import Intent
from portal.submissions import services as submission_services
from portal.submissions.models import Attachment, HeldUpload, State, Submission
from tests.browser import Browser, Upload
from tests.factories import make_call, make_user
from tests.functional.test_submit_and_complete import PDF
from tests.hub_factories import make_hub_initiative, make_origin

pytestmark = pytest.mark.usefixtures("upload_folder")  # tests/conftest.py

TITLE = "Omsorg om äldre via video"
PURPOSE = "Anhöriga ringer videosamtal till äldre som bor på boendet."


@pytest.fixture
def browser(app, db):
    return Browser(app)


@pytest.fixture
def hub(db):
    shown = make_hub_initiative(
        "Digitala besök i äldreomsorgen",
        summary="Surfplattor för videosamtal mellan boende på äldreboenden och anhöriga.",
    )
    make_hub_initiative(
        "Opublicerade videosamtal för äldre",
        summary="Videosamtal för äldre på boendet med anhöriga.",
        publish=False,
    )
    return shown


def count(model) -> int:
    return _db.session.scalar(select(func.count()).select_from(model))


def listed(page, where: str = "#similar-ideas ") -> list[str]:
    return [a.get_text(strip=True) for a in page.html.select(f"{where}li a")]


def resident_form(browser):
    call = make_call()
    url = f"/utlysningar/{call.slug}"
    form = browser.form(browser.get(url), action=url)
    form["kind"] = "idea"
    form["title"] = TITLE
    form["purpose"] = PURPOSE
    return url, form


def test_resident_presses_show_similar_and_sends_after(browser, hub):
    url, form = resident_form(browser)
    form_key = form["form_key"].value
    page = browser.submit(form, button=("action", "similar"))
    assert page.status_int == 200
    assert listed(page) == ["Digitala besök i äldreomsorgen"]  # never the unpublished one
    assert "Finns din idé redan? Du kan ändå skicka in." in page.text
    link = page.html.select_one("#similar-ideas li a")["href"]
    assert browser.get(link).status_int == 200  # the hub's page
    assert page.html.select_one("#similar-ideas")["aria-live"] == "polite"
    # Nothing sent, saved or used up: the typed text is kept, the keys unused.
    assert count(Submission) == 0 and count(Intent) == 0
    again = browser.form(page, action=url)
    assert again["title"].value == TITLE and again["purpose"].value == PURPOSE
    assert again["form_key"].value == form_key
    again["name"] = "Kim Invånare"
    again["email"] = "kim@example.org"
    response = browser.submit(again, button=("action", "submit"))
    assert response.status_int == 302, response.text[:3000]
    assert count(Submission) == 1


def test_files_chosen_before_show_similar_are_held_and_sent(browser, hub):
    url, form = resident_form(browser)
    page = browser.submit(
        form, button=("action", "similar"), files={"more_files": Upload("plan.pdf", PDF)}
    )
    assert page.status_int == 200
    assert "plan.pdf" in page.html.select_one("#kept-files").get_text()
    assert count(HeldUpload) == 1 and count(Submission) == 0
    again = browser.form(page, action=url)
    again["name"] = "Kim Invånare"
    again["email"] = "kim@example.org"
    response = browser.submit(again, button=("action", "submit"))
    assert response.status_int == 302
    assert [a.original_name for a in _db.session.scalars(select(Attachment))] == ["plan.pdf"]
    assert count(HeldUpload) == 0


def test_employee_presses_show_similar_without_a_draft_being_saved(browser, hub):
    browser.login(make_user(roles={Role.EMPLOYEE}))
    form = browser.form(browser.get("/lamna-in"), action="/lamna-in")
    form["kind"] = "idea"
    form["title"] = TITLE
    form["purpose"] = PURPOSE
    page = browser.submit(
        form, button=("action", "similar"), files={"more_files": Upload("skiss.pdf", PDF)}
    )
    assert page.status_int == 200
    assert listed(page) == ["Digitala besök i äldreomsorgen"]
    assert count(Submission) == 0 and count(Intent) == 0
    again = browser.form(page, action="/lamna-in")
    response = browser.submit(again, button=("action", "submit"))
    assert response.status_int == 302, response.text[:3000]
    submission = _db.session.scalar(select(Submission))
    assert submission.state == State.RECEIVED
    assert [a.original_name for a in submission.attachments] == ["skiss.pdf"]


def test_show_similar_with_nothing_alike_says_so(browser, hub):
    url, form = resident_form(browser)
    form["title"] = "Konstgräs för fotboll"
    form["purpose"] = "Fler planer att träna på."
    page = browser.submit(form, button=("action", "similar"))
    assert page.status_int == 200
    assert listed(page) == []
    assert "Inga liknande initiativ hittades i hubben." in page.text


def test_htmx_fragment_as_typed(browser, hub):
    url, form = resident_form(browser)
    title = form.response.html.select_one("#title")
    assert title["data-hx-post"] == "/liknande-ideer"
    assert title["data-hx-target"] == "#similar-ideas"
    assert "delay:600ms" in title["data-hx-trigger"]
    assert form.response.html.select_one("#purpose")["data-hx-post"] == "/liknande-ideer"
    fragment = browser.submit(form, action="/liknande-ideer", headers={"HX-Request": "true"})
    assert fragment.status_int == 200
    assert "<html" not in fragment.text and "<form" not in fragment.text
    assert listed(fragment, where="") == ["Digitala besök i äldreomsorgen"]  # the list alone
    assert count(Submission) == 0 and count(Intent) == 0


def test_htmx_fragment_needs_the_csrf_token(browser, hub):
    response = browser.post(
        "/liknande-ideer", {"title": TITLE, "purpose": PURPOSE}, expect_errors=True
    )
    assert response.status_int == 400


# --- triage ---------------------------------------------------------------------------------


def sent(title: str, purpose: str):
    submission, _token = submission_services.submit_resident(
        make_call(),
        {"kind": "idea", "title": title, "purpose": purpose},
        name="Kim Invånare",
        email="kim@example.org",
    )
    _db.session.commit()
    return submission


@pytest.fixture
def triager(browser, db):
    user = make_user(roles={Role.PROCESS_SUPPORT})
    browser.login(user)
    return user


def one_click_form(page, number: str):
    found = [f for f in page.forms.values() if f"Markera som dubblett av {number}" in f.text]
    assert len(found) == 1, [f.action for f in page.forms.values()]
    return found[0]


def test_triage_lists_likely_duplicates_and_marks_one_in_one_click(browser, triager):
    first = sent("Videosamtal i äldreomsorgen", "Anhöriga ringer äldre på boendet med video.")
    sent("Konstgräs för fotboll", "Fler planer att träna på för klubbarna.")
    new = sent(TITLE, PURPOSE)
    page = browser.get(f"/inkorg/{new.id}")
    assert page.status_int == 200
    items = page.html.select(".likely-duplicates li")
    assert len(items) == 1 and first.reg_number in items[0].get_text()
    response = browser.submit(one_click_form(page, first.reg_number))
    assert response.status_int == 302
    _db.session.expire_all()
    marked = _db.session.get(Submission, new.id)
    assert marked.state == State.DUPLICATE and marked.duplicate_of_id == first.id


def test_triage_page_statements_do_not_grow_with_the_candidates(browser, triager, app):
    new = sent(TITLE, PURPOSE)

    def statements() -> int:
        seen = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(_db.engine, "before_cursor_execute", listener)
        try:
            assert browser.get(f"/inkorg/{new.id}").status_int == 200
        finally:
            event.remove(_db.engine, "before_cursor_execute", listener)
        return len(seen)

    sent("Videosamtal i äldreomsorgen", "Anhöriga ringer äldre på boendet med video.")
    browser.get(f"/inkorg/{new.id}")  # the session's first look at a page writes once
    one = statements()
    for n in range(4):
        origin = make_origin(
            title=f"Videosamtal för äldre {n}", purpose="Anhöriga ringer äldre på boendet."
        )
        make_hub_initiative(f"Videosamtal för äldre {n}", origin=origin, publish=False)
    page = browser.get(f"/inkorg/{new.id}")
    assert len(page.html.select(".likely-duplicates li")) == 5
    assert statements() == one


@pytest.mark.parametrize(
    "hostile",
    ["NEAR( \"äldre * OR -: 'omsorg", "a" * 5000, "\x00\u202e<script>", "'' | !& :* ()"],
)
def test_hostile_text_never_errors(browser, hub, hostile):
    url, form = resident_form(browser)
    form["title"] = hostile[:200]
    form["purpose"] = hostile
    fragment = browser.submit(form, action="/liknande-ideer", headers={"HX-Request": "true"})
    assert fragment.status_int == 200
    page = browser.submit(form, button=("action", "similar"))
    assert page.status_int == 200
    assert count(Submission) == 0
