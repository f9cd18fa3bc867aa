"""Following an idea through the pages, as a browser sends them (tests/browser.py): the
completion form's answer, the submitter's timeline on /mina-inlamningar/<id> and
/mitt-bidrag/<token>, a duplicate's page, and Mina inlämningar newest first."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, select

from portal.accounts.models import Role
from portal.extensions import db as _db
from portal.submissions.models import State, Submission
from portal.triage import services as triage
from portal.types import utcnow
from tests.browser import Browser, error_texts
from tests.factories import make_call, make_user
from tests.functional.test_submit_and_complete import answer_call, ask_for_more, private_link
from tests.hub_factories import make_hub_initiative, make_origin
from tests.progress_factories import ANSWER, INTERNAL, PUBLIC_RATIONALE, QUESTION, whole_path


@pytest.fixture
def browser(app, db):
    return Browser(app)


def milestones(page) -> list[str]:
    """The headings of the timeline's entries, in the page's order."""
    return [h.get_text(strip=True) for h in page.html.select("ol.milestones > li h3")]


def the_submission() -> Submission:
    _db.session.expire_all()
    return _db.session.scalars(select(Submission)).one()


# --- the completion form's answer ------------------------------------------------------------


def test_resident_answers_the_question_and_both_timelines_show_it(app, browser, smtp):
    call = make_call()
    _, _, sent = answer_call(browser, call)
    assert sent.status_int == 302, error_texts(sent)
    submission = the_submission()
    staff = ask_for_more(app, submission, question=QUESTION)
    link = private_link(smtp, index=1)

    page = browser.get(link)
    question = page.html.select_one("#question-title").find_parent("section")
    assert QUESTION in question.get_text()
    answer_field = page.html.select_one("textarea[name=info_answer]")
    assert answer_field is not None
    # The question stands above the fields: before the form in the page's order.
    assert page.text.index(QUESTION) < page.text.index('name="info_answer"')
    form = browser.form(page, action=link)
    form["info_answer"] = "x" * 4001  # over the limit: refused, translated, kept
    refused = browser.submit(form)
    assert refused.status_int == 422
    assert any("Texten är för lång: högst 4\u00a0000 tecken" in e for e in error_texts(refused))
    assert refused.html.select_one("textarea[name=info_answer]").get_text().strip() == "x" * 4001
    assert the_submission().state == State.AWAITING_INFO

    form = browser.form(refused, action=link)
    form["info_answer"] = ANSWER
    response = browser.submit(form)
    assert response.status_int == 302, error_texts(response)
    saved = the_submission()
    assert saved.state == State.RECEIVED
    assert saved.info_answer == ANSWER

    # Process support reads the answer in the triage page's events and status panel.
    triage_page = staff.get(f"/inkorg/{submission.id}")
    changes = [li.get_text() for li in triage_page.html.select(".timeline li li")]
    assert f"Svar på frågan: – → {ANSWER}" in changes
    assert ANSWER in triage_page.html.select_one(".triage-actions .panel").get_text()

    # The submitter's own page shows the question and the answer in its timeline.
    mine = browser.get(link.removesuffix("/komplettera"))
    assert milestones(mine) == ["Inkommen", "Processtödet bad om komplettering", "Du kompletterade"]
    quotes = [q.get_text() for q in mine.html.select("ol.milestones blockquote")]
    assert quotes == [QUESTION, ANSWER]


def test_employee_answers_on_their_own_completion_form(app, browser):
    employee = make_user(roles={Role.EMPLOYEE})
    browser.login(employee)
    page = browser.get("/lamna-in")
    form = browser.form(page, action="/lamna-in")
    form["kind"] = "challenge"
    form["title"] = "Äldre som faller i hemmet"
    form["purpose"] = "Fallolyckor bland äldre."
    assert browser.submit(form, button=("action", "submit")).status_int == 302
    submission = the_submission()
    ask_for_more(app, submission, question=QUESTION)

    url = f"/mina-inlamningar/{submission.id}/redigera"
    page = browser.get(url)
    assert QUESTION in page.text
    form = browser.form(page, action=url)
    form["info_answer"] = "Svar\x07med styrtecken"
    refused = browser.submit(form)
    assert refused.status_int == 422
    assert error_texts(refused)
    form = browser.form(refused, action=url)
    form["info_answer"] = ANSWER
    assert browser.submit(form).status_int == 302
    assert the_submission().info_answer == ANSWER

    detail = browser.get(f"/mina-inlamningar/{submission.id}")
    assert "Du kompletterade" in milestones(detail)
    assert ANSWER in detail.text


def test_a_completion_without_a_question_has_no_answer_field(browser):
    employee = make_user(roles={Role.EMPLOYEE})
    browser.login(employee)
    page = browser.get("/lamna-in")
    form = browser.form(page, action="/lamna-in")
    form["kind"] = "idea"
    form["title"] = "Rörelsebingo"
    form["purpose"] = "Barn rör sig mer."
    assert browser.submit(form, button=("action", "submit")).status_int == 302
    page = browser.get(f"/mina-inlamningar/{the_submission().id}/redigera")
    assert page.html.select_one("textarea[name=info_answer]") is None


# --- the timeline on the submitter's pages ----------------------------------------------------


def test_the_private_page_shows_the_whole_path_and_nothing_internal(browser):
    path = whole_path()
    page = browser.get(f"/mitt-bidrag/{path.token}")
    assert page.status_int == 200
    assert milestones(page) == [
        "Inkommen",
        "Processtödet bad om komplettering",
        "Du kompletterade",
        "Tagen in i portfölj",
        "Ny fas",
        "Ny fas",
        "Pilotmedel beviljade",
        "Pilotens resultat",
        "Publicerat i hubben",
    ]
    panel = page.html.select_one(".panel")
    assert "Initiativet är nu i Implementeringsfas." in panel.get_text()
    assert panel.select_one("a")["href"] == f"/hubb/{path.initiative.id}-promenadvanner"
    timeline = page.html.select_one("section.progress")
    assert timeline.find("h2").get_text() == "Så har det gått"
    times = timeline.select("ol.milestones > li time[datetime]")
    assert len(times) == 9
    assert PUBLIC_RATIONALE in timeline.get_text()
    hub_link = timeline.select_one("a[href^='/hubb/']")
    assert hub_link["href"] == f"/hubb/{path.initiative.id}-promenadvanner"
    for word in (*INTERNAL.values(), "Petra Processtöd", "Erik Expert"):
        assert word not in page.text


def test_the_employee_page_shows_the_initiative_path(browser):
    path = whole_path()
    employee = make_user(roles={Role.EMPLOYEE})
    path.submission.submitter = employee  # the same path, as an employee's submission
    path.submission.resident_email = None
    _db.session.commit()
    browser.login(employee)
    page = browser.get(f"/mina-inlamningar/{path.submission.id}")
    assert page.status_int == 200
    assert "Pilotens resultat" in milestones(page)
    assert "40\u00a0000\u00a0kr" in page.text
    for word in INTERNAL.values():
        assert word not in page.text


def count_queries(fetch) -> int:
    statements = []

    def listen(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(_db.engine, "before_cursor_execute", listen)
    try:
        response = fetch()
    finally:
        event.remove(_db.engine, "before_cursor_execute", listen)
    assert response.status_int == 200
    return len(statements)


def test_the_private_page_query_count_does_not_grow_with_the_history(browser):
    short = whole_path(decisions=3)
    long = whole_path(decisions=12)
    browser.get(f"/mitt-bidrag/{short.token}")  # warm up (first request of the app)
    first = count_queries(lambda: browser.get(f"/mitt-bidrag/{short.token}"))
    second = count_queries(lambda: browser.get(f"/mitt-bidrag/{long.token}"))
    assert len(milestones(browser.get(f"/mitt-bidrag/{long.token}"))) > len(
        milestones(browser.get(f"/mitt-bidrag/{short.token}"))
    )
    assert first == second


# --- a duplicate's page --------------------------------------------------------------------


def mark_as_duplicate(app, browser, original):
    call = make_call()
    answer_call(browser, call)
    submission = _db.session.scalars(
        select(Submission).where(Submission.id != original.id, Submission.call_id == call.id)
    ).one()
    staff = make_user(roles={Role.PROCESS_SUPPORT})
    triage.mark_duplicate(submission, original.reg_number, actor=staff)
    _db.session.commit()
    return submission


def test_a_duplicate_of_a_published_initiative_links_its_hub_page(app, browser, smtp):
    original = make_origin(title="Någon annans idé", purpose="Någon annans text.")
    initiative = make_hub_initiative("Promenadvänner", origin=original)
    mark_as_duplicate(app, browser, original)
    page = browser.get(private_link(smtp, index=0))
    panel = page.html.select_one(".panel")
    link = panel.select_one("a[href^='/hubb/']")
    assert link["href"] == f"/hubb/{initiative.id}-promenadvanner"
    assert "initiativet ”Promenadvänner”" in panel.get_text()
    assert "Någon annans" not in page.text


def test_a_duplicate_of_an_unpublished_one_shows_only_the_focus_area(app, browser, smtp):
    original = make_origin(
        name="Alva Annan", title="Någon annans idé", purpose="Någon annans text."
    )
    make_hub_initiative("Annans initiativ", origin=original, publish=False)
    mark_as_duplicate(app, browser, original)
    page = browser.get(private_link(smtp, index=0))
    panel = page.html.select_one(".panel").get_text()
    assert "en tidigare inlämning i fokusområdet Välmående och självständiga äldre" in panel
    assert page.html.select(".panel a[href^='/hubb/']") == []
    for private in ("Någon annans", "Annans initiativ", "Alva Annan", original.reg_number):
        assert private not in page.text


# --- Mina inlämningar ----------------------------------------------------------------------


def test_my_submissions_are_listed_newest_first(browser):
    employee = make_user(roles={Role.EMPLOYEE})
    now = utcnow()
    for n, title in enumerate(("Äldst", "Mitten", "Nyast")):
        _db.session.add(
            Submission(
                submitter=employee,
                party_id=employee.party_id,
                kind="idea",
                state=State.RECEIVED,
                title=title,
                reg_year=2026,
                reg_seq=500 + n,
                reg_number=f"SK-2026-{500 + n}",
                submitted_at=now - timedelta(days=10 - n),
                # Updated in the other order: the list follows when they were sent.
                updated_at=now - timedelta(days=n),
            )
        )
    _db.session.commit()
    browser.login(employee)
    page = browser.get("/mina-inlamningar")
    rows = page.html.select("table.stack-table tbody tr")
    assert [r.select("td")[1].get_text() for r in rows] == ["Nyast", "Mitten", "Äldst"]
    assert all(td.get("data-label") for td in rows[0].select("td"))


def test_an_answer_from_a_second_tab_is_kept(app, browser, smtp):
    """Two tabs of the completion form: the first answer puts the submission back in the inbox;
    the second tab's answer, typed while the question was open, is kept too."""
    call = make_call()
    answer_call(browser, call)
    ask_for_more(app, the_submission(), question=QUESTION)
    link = private_link(smtp, index=1)
    first = browser.form(browser.get(link), action=link)
    second = browser.form(browser.get(link), action=link)
    first["info_answer"] = "Första svaret."
    assert browser.submit(first).status_int == 302
    second["info_answer"] = "Andra svaret, från den andra fliken."
    response = browser.submit(second)
    assert response.status_int == 302, error_texts(response)
    saved = the_submission()
    assert saved.state == State.RECEIVED
    assert saved.info_answer == "Andra svaret, från den andra fliken."
    page = browser.get(link.removesuffix("/komplettera"))
    quotes = [q.get_text() for q in page.html.select("ol.milestones blockquote")]
    assert quotes == [QUESTION, "Första svaret.", "Andra svaret, från den andra fliken."]


def test_the_same_answer_sent_twice_is_one_answer(app, browser, smtp):
    """A double click, or Back and send again: the second sending of the same page changes
    nothing (its one-time key is spent) and the answer is in the timeline once."""
    call = make_call()
    answer_call(browser, call)
    ask_for_more(app, the_submission(), question=QUESTION)
    link = private_link(smtp, index=1)
    form = browser.form(browser.get(link), action=link)
    form["info_answer"] = ANSWER
    assert browser.submit(form).status_int == 302
    again = browser.submit(form)
    assert again.status_int in (302, 303), error_texts(again)
    page = browser.get(link.removesuffix("/komplettera"))
    assert milestones(page) == ["Inkommen", "Processtödet bad om komplettering", "Du kompletterade"]
