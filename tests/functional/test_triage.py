"""Triage of one submission: the page, each action valid and invalid, e-mail, locking, access."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, text

from portal.accounts.models import Role
from portal.audit import AuditEntry
from portal.evaluation.models import Initiative, Phase
from portal.extensions import db as _db
from portal.reference.models import Agenda2030Goal, FocusArea, Perspective
from portal.submissions import services as submission_services
from portal.submissions.models import State, Submission, submission_links
from portal.triage import services as triage_services
from tests.conftest import csrf_from, login
from tests.factories import make_call, make_user

AREA = "Alla barn och unga uppnår sin fulla potential"
VERSION_RE = re.compile(r'name="(\w+)-version" type="hidden" value="(\d+)"')


# --- helpers ---------------------------------------------------------------------------


def resident_submission(title="Rörelsebingo på rasten", email="kim@example.org"):
    """A resident's answer to a call, as the form makes it; returns (submission, token)."""
    call = make_call()
    submission, token = submission_services.submit_resident(
        call,
        {"kind": "idea", "title": title, "purpose": "Barn rör sig mer på rasten."},
        name="Kim Invånare",
        email=email,
        phone="070-123 45 67",
        consent_news=True,
    )
    _db.session.commit()
    return submission, token


def employee_submission(user=None, title="Digital fritidsbank"):
    user = user or make_user(roles={Role.EMPLOYEE}, name="Erik Anställd")
    draft = submission_services.save_draft(
        None, {"kind": "challenge", "title": title, "purpose": "Låna utrustning."}, actor=user
    )
    _db.session.flush()
    submission_services.submit(draft, actor=user)
    _db.session.commit()
    return draft


def fresh(submission) -> Submission:
    _db.session.expire_all()
    return _db.session.get(Submission, submission.id)


def page(client, submission) -> str:
    response = client.get(f"/inkorg/{submission.id}")
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def act(client, submission, action: str, data: dict | None = None, *, prefix: str, version=None):
    """Open the triage page, then POST one action with the page's CSRF token and version."""
    html = page(client, submission)
    versions = dict(VERSION_RE.findall(html))
    payload = {
        f"{prefix}-csrf_token": csrf_from(html),
        f"{prefix}-version": str(version if version is not None else versions.get(prefix, 0)),
    }
    payload.update({f"{prefix}-{k}": v for k, v in (data or {}).items()})
    return client.post(f"/inkorg/{submission.id}/{action}", data=payload)


def area(name=AREA) -> FocusArea:
    return _db.session.scalar(select(FocusArea).where(FocusArea.name == name))


def mail_to(smtp, recipient: str, subject_part: str, count: int):
    messages = smtp.wait_for(count)
    found = [m for m in messages if m["To"] == recipient and subject_part in m["Subject"]]
    assert found, [(m["To"], m["Subject"]) for m in messages]
    return found[-1]


@pytest.fixture
def triager(login_as):
    return login_as(Role.PROCESS_SUPPORT, name="Petra Processtöd")


# --- the page --------------------------------------------------------------------------


def test_detail_shows_canvas_submitter_and_timeline(client, triager):
    submission, _token = resident_submission()
    html = page(client, submission)
    assert submission.reg_number in html
    assert "Rörelsebingo på rasten" in html and "Barn rör sig mer på rasten." in html
    assert "Kim Invånare" in html and "kim@example.org" in html and "070-123 45 67" in html
    assert "Invånare" in html
    assert "Inkommen" in html
    assert "Inlämningen väntar på att sorteras" in html
    # the timeline: submitted by the submitter (a resident has no account)
    assert re.search(r"<strong>Inlämnad</strong> <span class=\"muted\">\(Inlämnaren\)</span>", html)
    assert "Status: Utkast → Inkommen" in html


def test_detail_of_employee_shows_party_and_attachment_link(client, triager):
    submission = employee_submission()
    from portal.submissions.models import Attachment

    _db.session.add(
        Attachment(
            submission_id=submission.id,
            stored_name="a" * 32,
            original_name="skiss.pdf",
            content_type="application/pdf",
            size=2048,
        )
    )
    _db.session.commit()
    html = page(client, submission)
    assert "Erik Anställd" in html and "Västerås stad" in html
    attachment = _db.session.scalar(select(Attachment))
    assert f'href="/inlamningar/{submission.id}/filer/{attachment.id}"' in html
    assert "070-" not in html  # an employee has no phone field


def test_draft_is_not_in_triage(client, triager):
    user = make_user(roles={Role.EMPLOYEE})
    draft = submission_services.save_draft(None, {"title": "Utkast"}, actor=user)
    _db.session.commit()
    assert client.get(f"/inkorg/{draft.id}").status_code == 404
    assert client.get("/inkorg/999999").status_code == 404


def test_detail_timeline_is_one_query_whatever_its_length(client, triager, app):
    from sqlalchemy import event

    submission, _token = resident_submission()
    for _i in range(6):
        triage_services.set_handler(
            fresh(submission), make_user(roles={Role.PROCESS_SUPPORT}), actor=triager
        )
        _db.session.commit()
    statements = []

    def count(conn, cursor, statement, *args):
        if "audit_entries" in statement:
            statements.append(statement)

    event.listen(_db.engine, "before_cursor_execute", count)
    try:
        html = page(client, submission)
    finally:
        event.remove(_db.engine, "before_cursor_execute", count)
    assert html.count("Handläggare ändrad") == 6
    assert len(statements) == 1
    assert "JOIN users" in statements[0]


# --- classify --------------------------------------------------------------------------


def test_classify_saves_every_field_and_audits_each(client, triager):
    submission, _token = resident_submission()
    perspective = _db.session.scalars(select(Perspective).order_by(Perspective.position)).first()
    goal = _db.session.get(Agenda2030Goal, 3)
    response = act(
        client,
        submission,
        "klassning",
        {
            "focus_area": str(area().id),
            "sk_function": "lab",
            "initiative_type": "innovation",
            "perspectives": str(perspective.id),
            "goals": "3",
            "handler": str(triager.id),
        },
        prefix="classify",
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/inkorg/{submission.id}"
    saved = fresh(submission)
    assert saved.focus_area.name == AREA
    assert (saved.sk_function, saved.initiative_type) == ("lab", "innovation")
    assert [p.id for p in saved.perspectives] == [perspective.id]
    assert [g.number for g in saved.goals] == [goal.number]
    assert saved.handler_id == triager.id
    actions = _db.session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.object_type == "submissions", AuditEntry.object_id == saved.id)
        .order_by(AuditEntry.id)
    ).all()
    assert actions == [
        "submitted",
        "focus_area_set",
        "handler_set",
        "function_set",
        "type_set",
        "perspectives_set",
        "goals_set",
    ]
    html = client.get(f"/inkorg/{submission.id}").get_data(as_text=True)
    assert "Klassningen är sparad." in html
    assert f"Fokusområde: – → {AREA}" in html
    assert "Funktion: – → Samhällslabbet" in html
    assert "Typ av satsning: – → Innovationsinitiativ" in html
    assert "Handläggare: – → Petra Processtöd" in html
    assert "Mål i Agenda 2030: – → 3" in html


def test_classify_unchanged_writes_nothing(client, triager):
    submission, _token = resident_submission()
    response = act(client, submission, "klassning", {}, prefix="classify")
    assert response.status_code == 302
    assert fresh(submission).version == submission.version
    changed = select(AuditEntry).where(
        AuditEntry.object_type == "submissions", AuditEntry.action != "submitted"
    )
    assert _db.session.scalar(changed) is None  # (the login is an event of the account)


def test_classify_refuses_unknown_choice(client, triager):
    submission, _token = resident_submission()
    response = act(client, submission, "klassning", {"sk_function": "kafferast"}, prefix="classify")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Det finns fel i formuläret" in html and "Välj bland alternativen." in html
    assert fresh(submission).sk_function is None


def test_classify_refuses_handler_without_process_support(client, triager):
    submission, _token = resident_submission()
    employee = make_user(roles={Role.EMPLOYEE})
    response = act(
        client, submission, "klassning", {"handler": str(employee.id)}, prefix="classify"
    )
    assert response.status_code == 422
    assert fresh(submission).handler_id is None


# --- duplicate -------------------------------------------------------------------------


def test_mark_duplicate_follows_original_and_tells_submitter(client, triager, smtp):
    original = employee_submission(title="Fritidsbank i Västerås")
    submission, token = resident_submission(title="Låna skridskor", email="dup@example.org")
    response = act(
        client,
        submission,
        "dubblett",
        {"reg_number": original.reg_number.lower()},
        prefix="duplicate",
    )
    assert response.status_code == 302
    saved = fresh(submission)
    assert saved.state == State.DUPLICATE
    assert saved.duplicate_of_id == original.id

    message = mail_to(smtp, "dup@example.org", "följer nu", 3)
    body = smtp.body(message)
    assert original.reg_number in body and "Fritidsbank i Västerås" in body
    assert "Erik Anställd" not in body and original.submitter.email not in body
    [link] = re.findall(r"http://localhost(/mitt-bidrag/[\w-]+)", body)  # a link of its own
    assert link != f"/mitt-bidrag/{token}"
    assert submission.reg_number in client.get(link).get_data(as_text=True)
    html_body = message.get_body(preferencelist=("html",)).get_content()
    assert original.reg_number in html_body

    # the original lists it; the submitter's own page says it in plain words
    html = page(client, original)
    assert "Dubbletter av denna" in html and submission.reg_number in html
    private = client.get(f"/mitt-bidrag/{token}").get_data(as_text=True)
    assert "Dubblett" in private and "slagits ihop" in private


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("SK-1999-0001", "Det finns ingen inlämning med registreringsnumret SK-1999-0001."),
        ("", "Skriv registreringsnumret, till exempel SK-2026-0012."),
        ("self", "Det är den här inlämningen."),
    ],
)
def test_mark_duplicate_refuses_bad_numbers(client, triager, number, message):
    submission, _token = resident_submission()
    number = submission.reg_number if number == "self" else number
    response = act(client, submission, "dubblett", {"reg_number": number}, prefix="duplicate")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Det finns fel i formuläret" in html and message in html
    assert fresh(submission).state == State.RECEIVED


def test_mark_duplicate_of_a_duplicate_points_to_its_original(client, triager):
    original = employee_submission(title="Original")
    middle, _t = resident_submission(title="Mitten", email="m@example.org")
    triage_services.mark_duplicate(fresh(middle), original.reg_number, actor=triager)
    _db.session.commit()
    submission, _t = resident_submission(title="Sist", email="s@example.org")
    response = act(
        client, submission, "dubblett", {"reg_number": middle.reg_number}, prefix="duplicate"
    )
    assert response.status_code == 422
    assert (
        f"{middle.reg_number} är själv en dubblett av {original.reg_number}. "
        f"Markera inlämningen som dubblett av {original.reg_number} i stället."
    ) in response.get_data(as_text=True)


def test_draft_number_is_unknown(client, triager):
    # Drafts have no registration number; a made-up one is simply unknown.
    submission, _token = resident_submission()
    response = act(
        client, submission, "dubblett", {"reg_number": "SK-2026-9999"}, prefix="duplicate"
    )
    assert response.status_code == 422


# --- related ---------------------------------------------------------------------------


def test_related_link_is_shown_on_both_and_can_be_removed(client, triager):
    one, _t = resident_submission(title="Ett")
    two = employee_submission(title="Två")
    response = act(client, two, "relaterade", {"reg_number": one.reg_number}, prefix="related")
    assert response.status_code == 302
    pair = _db.session.execute(select(submission_links)).all()
    assert [tuple(p) for p in pair] == [(one.id, two.id)]  # stored once, lower id first
    assert fresh(one).state == State.RECEIVED and fresh(two).state == State.RECEIVED
    assert f"{two.reg_number} – Två" in page(client, one)
    assert f"{one.reg_number} – Ett" in page(client, two)
    assert f"Relaterad: – → {two.reg_number}" in page(client, one)  # audited on both
    assert f"Relaterad: – → {one.reg_number}" in page(client, two)

    again = act(client, one, "relaterade", {"reg_number": two.reg_number}, prefix="related")
    assert again.status_code == 422
    assert f"Inlämningen är redan kopplad till {two.reg_number}." in again.get_data(as_text=True)

    response = act(client, one, f"relaterade/{two.id}/ta-bort", prefix="unlink")
    assert response.status_code == 302
    assert _db.session.execute(select(submission_links)).all() == []
    assert f"Relaterad: {one.reg_number} → –" in page(client, two)


def test_related_refuses_unknown_and_itself(client, triager):
    one, _t = resident_submission()
    response = act(client, one, "relaterade", {"reg_number": "SK-2000-0001"}, prefix="related")
    assert response.status_code == 422
    response = act(client, one, "relaterade", {"reg_number": one.reg_number}, prefix="related")
    assert response.status_code == 422
    assert "Det är den här inlämningen." in response.get_data(as_text=True)


# --- asking for more --------------------------------------------------------------------


def test_info_request_mails_resident_and_completion_returns_to_inbox(client, triager, smtp):
    submission, token = resident_submission(email="fraga@example.org")
    question = "Vilka skolor har ni pratat med?\nOch när?"
    response = act(client, submission, "komplettering", {"question": question}, prefix="info")
    assert response.status_code == 302
    saved = fresh(submission)
    assert saved.state == State.AWAITING_INFO and saved.info_request == question

    message = mail_to(smtp, "fraga@example.org", "fråga", 2)
    body = smtp.body(message)
    assert "Vilka skolor har ni pratat med?" in body
    # a private link of its own, straight to the completion form (stored only hashed)
    [link] = re.findall(r"http://localhost(/mitt-bidrag/[\w-]+/komplettera)", body)
    assert token not in link
    assert "Vilka skolor har ni pratat med?" in client.get(link).get_data(as_text=True)

    private = client.get(f"/mitt-bidrag/{token}").get_data(as_text=True)
    assert "Väntar på komplettering" in private
    assert "Processtödet frågar:" in private and "Vilka skolor har ni pratat med?" in private

    # the resident completes through their private link: back to the inbox
    url = f"/mitt-bidrag/{token}/komplettera"
    form_page = client.get(url).get_data(as_text=True)
    response = client.post(
        url,
        data={
            "csrf_token": csrf_from(form_page),
            "title": "Rörelsebingo på rasten",
            "purpose": "Barn rör sig mer på rasten. Vi har pratat med två skolor.",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    assert fresh(submission).state == State.RECEIVED
    assert "Inkommen" in client.get(f"/mitt-bidrag/{token}").get_data(as_text=True)
    html = page(client, submission)
    assert "Status: Väntar på komplettering → Inkommen" in html


def test_info_request_mails_employee_with_link(client, triager, smtp, app):
    submission = employee_submission()
    act(client, submission, "komplettering", {"question": "Vilken budget?"}, prefix="info")
    message = mail_to(smtp, submission.submitter.email, "fråga", 2)
    link = f"{app.config['BASE_URL']}/mina-inlamningar/{submission.id}"
    assert link in smtp.body(message)


def test_info_request_needs_a_question(client, triager):
    submission, _token = resident_submission()
    response = act(client, submission, "komplettering", {"question": "  "}, prefix="info")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Skriv vad inlämnaren behöver komplettera med." in html
    too_long = act(client, submission, "komplettering", {"question": "x" * 2001}, prefix="info")
    assert too_long.status_code == 422
    assert "Frågan får vara högst 2000 tecken." in too_long.get_data(as_text=True)
    assert fresh(submission).state == State.RECEIVED


# --- declining --------------------------------------------------------------------------


def test_decline_mails_reason_and_submitter_sees_it(client, triager, smtp, login_as):
    employee = make_user(roles={Role.EMPLOYEE}, name="Sara Anställd")
    submission = employee_submission(employee)
    reason = "Det ligger utanför Samhällskontraktets fokusområden."
    response = act(client, submission, "avsla", {"reason": reason}, prefix="decline")
    assert response.status_code == 302
    saved = fresh(submission)
    assert saved.state == State.DECLINED and saved.decline_reason == reason
    message = mail_to(smtp, employee.email, "går inte vidare", 2)
    assert reason in smtp.body(message)
    assert f"/mina-inlamningar/{submission.id}" in smtp.body(message)
    assert "Hej Sara Anställd!" in smtp.body(message)

    html = page(client, submission)
    assert "Status: Inkommen → Avslagen" in html and f"Skäl: – → {reason}" in html

    client.post("/logga-ut", data={"csrf_token": csrf_from(html)})
    login(client, employee)
    own = client.get(f"/mina-inlamningar/{submission.id}").get_data(as_text=True)
    assert "Avslagen" in own and "Inlämningen går inte vidare." in own and reason in own


def test_decline_needs_a_reason(client, triager):
    submission, _token = resident_submission()
    response = act(client, submission, "avsla", {"reason": ""}, prefix="decline")
    assert response.status_code == 422
    assert "Skriv varför inlämningen inte går vidare." in response.get_data(as_text=True)
    assert fresh(submission).state == State.RECEIVED


# --- accepting --------------------------------------------------------------------------


def test_accept_creates_initiative_and_mails(client, triager, smtp):
    submission, token = resident_submission(email="ja@example.org")
    saved = fresh(submission)
    triage_services.classify(
        saved,
        actor=triager,
        focus_area=area(),
        sk_function="lab",
        initiative_type="education",
        perspectives=[],
        goals=[],
        handler=None,
    )
    _db.session.commit()
    duplicate, _t = resident_submission(title="Samma sak", email="d@example.org")
    triage_services.mark_duplicate(fresh(duplicate), submission.reg_number, actor=triager)
    _db.session.commit()

    response = act(client, submission, "portfolj", prefix="accept")
    assert response.status_code == 302
    saved = fresh(submission)
    assert saved.state == State.IN_PORTFOLIO
    initiative = _db.session.scalar(select(Initiative))
    assert initiative.title == "Rörelsebingo på rasten"
    assert initiative.summary == "Barn rör sig mer på rasten."
    assert initiative.phase == Phase.IDEA
    assert initiative.focus_area.name == AREA
    assert initiative.portfolio_id == area().portfolio_id
    assert (initiative.sk_function, initiative.initiative_type) == ("lab", "education")
    assert initiative.origin_submission_id == saved.id
    assert fresh(duplicate).duplicate_of_id == saved.id  # duplicates stay linked

    message = mail_to(smtp, "ja@example.org", "går vidare", 4)
    assert AREA in smtp.body(message)
    html = page(client, submission)
    assert "Dubbletter av denna" in html and duplicate.reg_number in html
    assert "Status: Inkommen → I portfölj" in html
    assert "I portfölj" in client.get(f"/mitt-bidrag/{token}").get_data(as_text=True)
    # nothing more is offered from the portfolio
    assert "/portfolj" not in html and "/avsla" not in html and "/dubblett" not in html


def test_accepted_submission_links_to_its_initiative(client, triager):
    submission, _token = resident_submission()
    triage_services.classify(
        fresh(submission),
        actor=triager,
        focus_area=area(),
        sk_function=None,
        initiative_type=None,
        perspectives=[],
        goals=[],
        handler=None,
    )
    _db.session.commit()
    assert act(client, submission, "portfolj", prefix="accept").status_code == 302
    initiative = _db.session.scalar(select(Initiative))
    link = f'<a href="/initiativ/{initiative.id}">Rörelsebingo på rasten</a> (Idéfas, {AREA})'
    assert link in page(client, submission)
    assert client.get(f"/initiativ/{initiative.id}").status_code == 200


def test_accept_without_focus_area_is_refused(client, triager):
    submission, _token = resident_submission()
    response = act(client, submission, "portfolj", prefix="accept")
    assert response.status_code == 422
    assert "Välj ett fokusområde och spara klassningen" in response.get_data(as_text=True)
    assert fresh(submission).state == State.RECEIVED
    assert _db.session.scalar(select(Initiative)) is None


# --- reopening and actions not allowed ------------------------------------------------------


def test_reopen_declined_goes_back_to_inbox(client, triager):
    submission, _token = resident_submission()
    triage_services.decline(fresh(submission), "Utanför.", actor=triager)
    _db.session.commit()
    html = page(client, submission)
    assert "/ateroppna" in html and "/avsla" not in html and "/portfolj" not in html
    response = act(client, submission, "ateroppna", prefix="reopen")
    assert response.status_code == 302
    assert fresh(submission).state == State.RECEIVED
    assert "Status: Avslagen → Inkommen" in page(client, submission)


def test_reopen_duplicate_clears_the_original(client, triager):
    original = employee_submission()
    submission, _token = resident_submission()
    triage_services.mark_duplicate(fresh(submission), original.reg_number, actor=triager)
    _db.session.commit()
    assert act(client, submission, "ateroppna", prefix="reopen").status_code == 302
    saved = fresh(submission)
    assert saved.state == State.RECEIVED and saved.duplicate_of_id is None


@pytest.mark.parametrize(
    ("action", "prefix", "data"),
    [
        ("avsla", "decline", {"reason": "Nej."}),
        ("komplettering", "info", {"question": "Vad?"}),
        ("portfolj", "accept", {}),
        ("dubblett", "duplicate", {"reg_number": "X"}),
    ],
)
def test_actions_not_allowed_from_declined_are_refused(client, triager, action, prefix, data):
    submission, _token = resident_submission()
    triage_services.classify(
        fresh(submission),
        actor=triager,
        focus_area=area(),
        sk_function=None,
        initiative_type=None,
        perspectives=[],
        goals=[],
        handler=None,
    )
    triage_services.decline(fresh(submission), "Utanför.", actor=triager)
    _db.session.commit()
    if action == "dubblett":
        data = {"reg_number": employee_submission().reg_number}
    version = fresh(submission).version  # a crafted request: the page offers no such form
    response = act(client, submission, action, data, prefix=prefix, version=version)
    assert response.status_code == 422
    assert "Det går inte när inlämningen har status ”Avslagen”." in response.get_data(as_text=True)
    assert fresh(submission).state == State.DECLINED


def test_reopen_refused_when_received(client, triager):
    submission, _token = resident_submission()
    response = act(client, submission, "ateroppna", prefix="reopen", version=submission.version)
    assert response.status_code == 422
    assert fresh(submission).state == State.RECEIVED


def test_withdrawn_offers_no_decisions(client, triager):
    submission, token = resident_submission()
    submission_services.withdraw(fresh(submission), actor=None)
    _db.session.commit()
    html = page(client, submission)
    assert "Återkallad" in html and "Inga fler beslut kan fattas" in html
    assert "/klassning" not in html and "/ateroppna" not in html
    assert (
        '<strong>Återkallad av inlämnaren</strong> <span class="muted">(Inlämnaren)</span>' in html
    )


# --- optimistic locking -------------------------------------------------------------------


def test_triage_second_save_gets_conflict_not_overwrite(app, db, smtp):
    first_user = make_user(roles={Role.PROCESS_SUPPORT}, name="Första Triagerare")
    second_user = make_user(roles={Role.PROCESS_SUPPORT}, name="Andra Triagerare")
    first, second = app.test_client(), app.test_client()
    login(first, first_user)
    login(second, second_user)
    submission, _token = resident_submission()

    # both open the page
    first_page = page(first, submission)
    second_page = page(second, submission)
    version = dict(VERSION_RE.findall(second_page))["decline"]
    # the first asks for more information
    response = first.post(
        f"/inkorg/{submission.id}/komplettering",
        data={
            "info-csrf_token": csrf_from(first_page),
            "info-version": version,
            "info-question": "Vilka skolor?",
        },
    )
    assert response.status_code == 302
    # the second, from the old page, declines
    response = second.post(
        f"/inkorg/{submission.id}/avsla",
        data={
            "decline-csrf_token": csrf_from(second_page),
            "decline-version": version,
            "decline-reason": "Utanför fokusområdena, skrivet av den andra.",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Någon annan har ändrat inlämningen medan du arbetade:" in html
    assert "den har nu status ”Väntar på komplettering”" in html  # the current state
    assert "Komplettering begärd, av Första Triagerare" in html
    assert "Utanför fokusområdena, skrivet av den andra." in html  # their input is kept
    saved = fresh(submission)
    assert saved.state == State.AWAITING_INFO and saved.decline_reason == ""

    # a classification from a stale page is refused too, and what was chosen stays chosen
    stale = dict(VERSION_RE.findall(second_page))["classify"]
    response = second.post(
        f"/inkorg/{submission.id}/klassning",
        data={
            "classify-csrf_token": csrf_from(second_page),
            "classify-version": stale,
            "classify-sk_function": "academy",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert '<option selected value="academy">' in html or 'value="academy" selected' in html
    assert f'name="classify-version" type="hidden" value="{fresh(submission).version}"' in html
    assert fresh(submission).sk_function is None


def test_triage_race_at_commit_gets_conflict(client, triager, monkeypatch, app):
    """Both pass the version check; the second write finds the row changed (StaleDataError)."""
    submission, _token = resident_submission()
    real_check = triage_services.check_version

    def check_then_someone_else_saves(obj, expected):
        real_check(obj, expected)
        with _db.engine.begin() as conn:
            conn.execute(
                text("UPDATE submissions SET version = version + 1 WHERE id = :id"),
                {"id": obj.id},
            )

    monkeypatch.setattr(triage_services, "check_version", check_then_someone_else_saves)
    response = act(client, submission, "avsla", {"reason": "Nej."}, prefix="decline")
    assert response.status_code == 409
    assert "Någon annan har ändrat inlämningen" in response.get_data(as_text=True)
    assert fresh(submission).state == State.RECEIVED


# --- the audit log ----------------------------------------------------------------------


def test_audit_log_cannot_be_changed(client, triager):
    submission, _token = resident_submission()
    entry = _db.session.scalar(select(AuditEntry))
    entry.action = "forged"
    with pytest.raises(RuntimeError, match="audit entries cannot be changed"):
        _db.session.flush()
    _db.session.rollback()
    entry = _db.session.scalar(select(AuditEntry))
    _db.session.delete(entry)
    with pytest.raises(RuntimeError):
        _db.session.flush()
    _db.session.rollback()


def test_no_route_edits_the_audit_log(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    rules = [rule.rule for rule in app.url_map.iter_rules()]
    assert not [e for e in endpoints if "audit" in e.lower()]
    # No path part that is a log ("logg", "handelselogg"); "logga-in", "inloggning" are not.
    assert not [r for r in rules if re.search(r"[a-z]*logg(/|$)", r.lower())]
    triage_posts = [
        r.rule
        for r in app.url_map.iter_rules()
        if r.endpoint.startswith("triage.") and "POST" in r.methods
    ]
    assert all(not r.endswith(("handelser", "logg")) for r in triage_posts)


# --- access -----------------------------------------------------------------------------

DETAIL_POSTS = [
    "klassning",
    "dubblett",
    "relaterade",
    "relaterade/1/ta-bort",
    "komplettering",
    "avsla",
    "portfolj",
    "ateroppna",
]


@pytest.mark.asvs("4.2.1")
@pytest.mark.parametrize("role", [Role.EMPLOYEE, Role.EXPERT, Role.BOARD, Role.CORE_TEAM])
def test_non_triagers_are_refused_whether_or_not_the_id_exists(client, login_as, role):
    submission, _token = resident_submission()
    login_as(role)
    token = csrf_from(client.get("/konto").get_data(as_text=True))
    for submission_id in (submission.id, 999999):
        assert client.get(f"/inkorg/{submission_id}").status_code == 403
        for action in DETAIL_POSTS:
            response = client.post(
                f"/inkorg/{submission_id}/{action}",
                data={"csrf_token": token, "decline-reason": "x", "info-question": "x"},
            )
            assert response.status_code == 403, (action, response.status_code)
    assert fresh(submission).state == State.RECEIVED


def test_admin_can_triage(client, login_as):
    submission, _token = resident_submission()
    login_as(Role.ADMIN)
    assert client.get(f"/inkorg/{submission.id}").status_code == 200


def test_process_support_gets_404_for_unknown_ids(client, triager):
    token = csrf_from(client.get("/konto").get_data(as_text=True))
    assert client.get("/inkorg/999999").status_code == 404
    for action in DETAIL_POSTS:
        response = client.post(f"/inkorg/999999/{action}", data={"csrf_token": token})
        assert response.status_code == 404, action
