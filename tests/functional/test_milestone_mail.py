"""E-mail to submitters when something happens to their idea (portal/notifications/).

An idea goes through triage, the portfolio, phase changes and the pilot by the services; the
daily command e-mails what happened (to the real SMTP sink); the person stops the e-mails by
the link in them as a browser (or a mail program, RFC 8058) does.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.evaluation.meetings.services import record_decision
from portal.evaluation.models import Decision, Initiative, Outcome
from portal.extensions import db as _db
from portal.hub import services as hub_services
from portal.notifications import services
from portal.notifications.models import (
    MilestoneKind,
    MilestoneOptOut,
    NotificationStatus,
    SubmitterNotification,
)
from portal.reference.models import FocusArea
from portal.submissions import services as submission_services
from portal.submissions.models import Submission
from portal.triage import services as triage_services
from portal.types import today_in_stockholm
from tests.browser import Browser, flashes, links_in, path_of
from tests.factories import make_call, make_user
from tests.process_factories import write_pilot_report

AREA = "Alla barn och unga uppnår sin fulla potential"
SECRET_RATIONALE = "Internt: budgeten räcker bara till en pilot."


@pytest.fixture
def browser(app, db):
    return Browser(app)


@pytest.fixture
def staff(db):
    return make_user(roles={Role.PROCESS_SUPPORT}), make_user(roles={Role.CORE_TEAM})


def fresh(model, id_):
    _db.session.expire_all()
    return _db.session.get(model, id_)


def employee_submission(user, title="Digital fritidsbank") -> Submission:
    draft = submission_services.save_draft(
        None, {"kind": "idea", "title": title, "purpose": "Låna utrustning."}, actor=user
    )
    _db.session.flush()
    submission_services.submit(draft, actor=user)
    _db.session.commit()
    return draft


def answer_call(browser, call, *, consent: bool, email="kim@example.org") -> Submission:
    """A resident answers the call through the form, ticking the consent or not."""
    page = browser.get(f"/utlysningar/{call.slug}")
    form = browser.form(page, action=f"/utlysningar/{call.slug}")
    form["kind"] = "idea"
    form["title"] = "Rörelsebingo på rasten"
    form["purpose"] = "Fler barn rör på sig på rasterna."
    form["name"] = "Kim Invånare"
    form["email"] = email
    assert form["consent_milestones"].checked is False  # off unless the person ticks it
    form["consent_milestones"].checked = consent
    response = browser.submit(form, button=("action", "submit"))
    assert response.status_int in (302, 303), response.text[:1000]
    return _db.session.scalar(select(Submission).order_by(Submission.id.desc()).limit(1))


def into_portfolio(submission: Submission, triager) -> Initiative:
    submission = fresh(Submission, submission.id)
    area = _db.session.scalar(select(FocusArea).where(FocusArea.name == AREA))
    triage_services.classify(
        submission, actor=triager, focus_area=area, sk_function="lab",
        initiative_type="innovation", perspectives=[], goals=[], handler=None,
    )  # fmt: skip
    initiative = triage_services.accept(submission, actor=triager)
    _db.session.commit()
    return initiative


def decide(initiative: Initiative, outcome: Outcome, rationale: str, core) -> Decision:
    today = today_in_stockholm()
    initiative = fresh(Initiative, initiative.id)
    decision = record_decision(
        initiative, outcome=outcome, rationale=rationale, decided_on=today, actor=core, today=today
    )
    _db.session.commit()
    return decision


def to_pilot_success(initiative: Initiative, core) -> list[Decision]:
    """Idéfas → Konceptfas → Pilotfas → (the pilot report, then Total framgång)
    Implementeringsfas."""
    decisions = [
        decide(initiative, Outcome.GO_ON, "Många vill vara med.", core),
        decide(initiative, Outcome.GO_ON, SECRET_RATIONALE, core),
    ]
    _reported(initiative)
    decisions.append(decide(initiative, Outcome.PILOT_SUCCESS, "Piloten mötte behovet.", core))
    return decisions


def _reported(initiative: Initiative) -> None:
    """The pilot's report, which its outcome needs first."""
    write_pilot_report(fresh(Initiative, initiative.id))
    _db.session.commit()


def send_digests(app, days_ahead: int = 1) -> list[str]:
    """`flask notifications send` as of a later day (the milestones of today are then due)."""
    day = today_in_stockholm() + timedelta(days=days_ahead)
    result = app.test_cli_runner().invoke(
        args=["notifications", "send", "--today", day.isoformat()]
    )
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()


def milestone_mails(smtp, to: str) -> list:
    return [m for m in smtp.messages if m["To"] == to and "Nytt om" in str(m["Subject"])]


def statuses(submission: Submission) -> list[tuple[str, str]]:
    _db.session.expire_all()
    return [
        (n.kind, n.status)
        for n in _db.session.scalars(
            select(SubmitterNotification)
            .where(SubmitterNotification.submission_id == submission.id)
            .order_by(SubmitterNotification.id)
        )
    ]


# --- an employee's idea, from triage to pilot: one digest, then stopped by the link -------------


def test_employee_gets_one_digest_with_every_milestone_and_stops_them_with_the_link(
    app, browser, staff, smtp
):
    triager, core = staff
    employee = make_user(roles={Role.EMPLOYEE}, name="Erik Anställd", email="erik@example.org")
    submission = employee_submission(employee)
    initiative = into_portfolio(submission, triager)
    to_pilot_success(initiative, core)
    assert send_digests(app, 0)[0].startswith("Milstolpar: 0 i 0")  # today's wait for tomorrow

    lines = send_digests(app)
    assert lines == [
        "Milstolpar: 3 i 1 e-postmeddelanden (1 sammanfattningar), 0 utan mottagare",
        "Skickade: 1, misslyckade: 0",
    ]
    assert len(smtp.wait_for_mail("erik@example.org", "går vidare")) == 1  # triage's own answer
    [digest] = smtp.wait_for_mail("erik@example.org", "Nytt om dina bidrag: 3 händelser")
    body = smtp.body(digest)
    assert submission.reg_number in body and "Digital fritidsbank" in body
    assert "Core Team beslutade att initiativet går till Konceptfas." in body
    assert "Core Team beslutade att initiativet går till Pilotfas." in body
    assert "Piloten är utvärderad: Total framgång – redo för implementering." in body
    assert "Implementeringsfas" in body
    assert "Många vill vara med." not in body and SECRET_RATIONALE not in body  # not public
    assert f"/mina-inlamningar/{submission.id}" in body
    assert body.count("Bidraget tas in i en portfölj") == 0  # triage's answer said it already
    [stop] = [u for u in links_in(body) if "/e-post/sluta/" in u]
    assert digest["List-Unsubscribe"].strip() == f"<{stop}>"  # (folded: a long line)
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html = digest.get_body(preferencelist=("html",)).get_content()
    assert f'href="{stop}"' in html
    assert statuses(submission) == [
        ("portfolio", "sent"), ("phase", "sent"), ("phase", "sent"), ("pilot", "sent"),
    ]  # fmt: skip

    # Run again (cron twice, or a retry): nothing is sent twice.
    assert send_digests(app)[0].startswith("Milstolpar: 0 i 0 e-postmeddelanden")
    assert len(milestone_mails(smtp, "erik@example.org")) == 1

    # The link: a GET (a mail scanner's too) only asks; the button does it.
    page = browser.get(path_of(stop))
    assert page.status_int == 200
    assert "Sluta skicka e-post om mina idéer" in page.text
    assert _db.session.scalar(select(MilestoneOptOut.kind).limit(1)) is None
    done = browser.submit(browser.form(page, action=path_of(stop))).follow()
    assert "Klart. Du får inga fler e-postmeddelanden" in " ".join(flashes(done))
    assert "Du får inga e-postmeddelanden om vad som händer med dina idéer." in done.text
    off = set(_db.session.scalars(select(MilestoneOptOut.kind)))
    assert off == {"phase", "pilot", "published", "closed"}
    # Twice is harmless: the same page, no change.
    again = browser.submit(browser.form(page, action=path_of(stop)))
    assert again.status_int in (302, 303)

    # Nothing more is sent: the next phase and the hub are recorded, nobody is told.
    decide(initiative, Outcome.GO_ON, "Nu följer vi upp.", core)
    hub_services.update_publication(
        fresh(Initiative, initiative.id), published=True, public_fields=[],
        expected_version=None, actor=triager,
    )  # fmt: skip
    _db.session.commit()
    assert send_digests(app, 2)[0] == (
        "Milstolpar: 0 i 0 e-postmeddelanden (0 sammanfattningar), 2 utan mottagare"
    )
    assert len(milestone_mails(smtp, "erik@example.org")) == 1
    assert statuses(submission)[-2:] == [("phase", "skipped"), ("published", "skipped")]


def test_employee_turns_off_phase_changes_under_mitt_konto_and_gets_only_the_pilot(
    app, browser, staff, smtp
):
    triager, core = staff
    employee = make_user(roles={Role.EMPLOYEE}, email="sara@example.org")
    browser.login(employee)
    account = browser.get("/konto")
    [link] = account.html.select('a[href="/konto/e-post"]')
    page = browser.get(link["href"])
    form = browser.form(page, action="/konto/e-post")
    assert [box.checked for box in form.fields["kinds"]] == [True, True, True, True]
    phase_box = next(box for box in form.fields["kinds"] if box._value == "phase")
    phase_box.checked = False
    saved = browser.submit(form).follow()
    assert "Dina val för e-post är sparade." in " ".join(flashes(saved))
    assert set(_db.session.scalars(select(MilestoneOptOut.kind))) == {"phase"}

    submission = employee_submission(employee, title="Läxhjälp på nätet")
    to_pilot_success(into_portfolio(submission, triager), core)
    assert send_digests(app)[0] == (
        "Milstolpar: 1 i 1 e-postmeddelanden (0 sammanfattningar), 2 utan mottagare"
    )
    [single] = milestone_mails(smtp, "sara@example.org")
    assert (
        str(single["Subject"]) == f"Nytt om ditt bidrag {submission.reg_number}: Pilotens resultat"
    )
    body = smtp.body(single)
    assert "Piloten är utvärderad" in body and "Konceptfas." not in body


# --- residents: only with their consent ---------------------------------------------------------


def test_resident_without_consent_gets_receipt_and_questions_but_no_milestone_mail(
    app, browser, staff, smtp
):
    triager, core = staff
    submission = answer_call(browser, make_call(), consent=False, email="nej@example.org")
    assert fresh(Submission, submission.id).consent_milestones is False
    triage_services.request_info(fresh(Submission, submission.id), "Vilken skola?", actor=triager)
    _db.session.commit()
    submission_services.complete(
        fresh(Submission, submission.id), {"purpose": "Skolan i Bäckby."}, actor=None
    )
    _db.session.commit()
    to_pilot_success(into_portfolio(submission, triager), core)

    assert send_digests(app)[0] == (
        "Milstolpar: 0 i 0 e-postmeddelanden (0 sammanfattningar), 3 utan mottagare"
    )
    subjects = [str(m["Subject"]) for m in smtp.wait_for(3) if m["To"] == "nej@example.org"]
    assert subjects == [
        f"Vi har tagit emot ditt bidrag {submission.reg_number}",
        f"Processtödet har en fråga om ditt bidrag {submission.reg_number}",
        f"Ditt bidrag {submission.reg_number} går vidare",
    ]


def test_resident_with_consent_gets_a_digest_with_a_private_link_and_one_click_stops_it(
    app, browser, staff, smtp
):
    triager, core = staff
    submission = answer_call(browser, make_call(), consent=True, email="ja@example.org")
    initiative = into_portfolio(submission, triager)
    decisions = to_pilot_success(initiative, core)
    # Process support makes one rationale public: that one may be told.
    hub_services.update_publication(
        fresh(Initiative, initiative.id), published=True, public_fields=[],
        public_rationales=[decisions[2].id], expected_version=None, actor=triager,
    )  # fmt: skip
    _db.session.commit()

    send_digests(app)
    [digest] = smtp.wait_for_mail("ja@example.org", "Nytt om dina bidrag: 4 händelser")
    body = smtp.body(digest)
    assert "Motivering: Piloten mötte behovet." in body
    assert SECRET_RATIONALE not in body and "Många vill vara med." not in body
    assert "publicerat i Samhällskontraktets öppna hubb" in body and "/hubb/" in body
    [private] = [u for u in links_in(body) if "/mitt-bidrag/" in u]
    assert browser.get(path_of(private)).status_int == 200

    # A mail program's one-click unsubscribe (RFC 8058): a POST with no CSRF token or cookie.
    stop = path_of(digest["List-Unsubscribe"].strip().strip("<>"))
    one_click = Browser(app).post(stop, {"List-Unsubscribe": "One-Click"}, expect_errors=True)
    assert one_click.status_int == 200
    assert fresh(Submission, submission.id).consent_milestones is False
    assert Browser(app).post(stop, {"List-Unsubscribe": "One-Click"}).status_int == 200

    decide(initiative, Outcome.GO_ON, "Uppföljning.", core)
    assert send_digests(app, 2)[0].endswith("1 utan mottagare")
    assert len(milestone_mails(smtp, "ja@example.org")) == 1


def test_a_forged_or_broken_unsubscribe_link_changes_nothing(app, browser, staff):
    employee = make_user(roles={Role.EMPLOYEE})
    with app.test_request_context():
        token = services.unsubscribe_token(user=employee)
    for bad in (token[:-2] + "xx", "abc", token.replace(".", "")):
        assert browser.get(f"/e-post/sluta/{bad}").status_int == 404
        assert Browser(app).post(f"/e-post/sluta/{bad}", expect_errors=True).status_int == 404
    assert _db.session.scalar(select(MilestoneOptOut.kind).limit(1)) is None


def test_a_decision_that_keeps_the_phase_is_no_milestone(staff):
    triager, core = staff
    employee = make_user(roles={Role.EMPLOYEE})
    initiative = into_portfolio(employee_submission(employee), triager)
    decide(initiative, Outcome.STAY, "Fler workshoppar först.", core)
    decide(initiative, Outcome.STOP, "Finns redan.", core)
    kinds = [
        n.kind
        for n in _db.session.scalars(
            select(SubmitterNotification).where(
                SubmitterNotification.status == NotificationStatus.PENDING
            )
        )
    ]
    assert kinds == [MilestoneKind.CLOSED]


def test_a_publication_taken_back_before_the_mail_is_not_told(app, staff, smtp):
    triager, _core = staff
    employee = make_user(roles={Role.EMPLOYEE}, email="hub@example.org")
    submission = employee_submission(employee)
    initiative = into_portfolio(submission, triager)
    hub_services.update_publication(
        fresh(Initiative, initiative.id), published=True, public_fields=[],
        expected_version=None, actor=triager,
    )  # fmt: skip
    hub_services.unpublish(fresh(Initiative, initiative.id), actor=triager)
    _db.session.commit()
    assert send_digests(app)[0].endswith("0 sammanfattningar), 1 utan mottagare")
    assert statuses(submission) == [("portfolio", "sent"), ("published", "skipped")]
    assert milestone_mails(smtp, "hub@example.org") == []
