"""Retention: the admin's rules, the dry run and the run for real with the clock moved, the
audit it writes, idempotence, and the board's figures unchanged by anonymising."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.audit import AuditEntry
from portal.board.inflow import inflow
from portal.evaluation.models import Phase
from portal.evaluation.phases import decide
from portal.mail.models import OutboxMessage, OutboxStatus
from portal.privacy import records, retention
from portal.privacy.erasure import ANONYMISED
from portal.privacy.models import RetentionKind, RetentionRule
from portal.submissions import services, uploads
from portal.submissions.models import Attachment, State, Submission
from portal.types import today_in_stockholm, utcnow
from tests.conftest import csrf_from
from tests.factories import make_user
from tests.functional.test_submission_uploads import jpeg_with_location
from tests.privacy_factories import (
    RESIDENT,
    accept,
    decline,
    employee_submission,
    resident_submission,
)

pytestmark = pytest.mark.usefixtures("upload_folder")  # tests/conftest.py


def set_rule(kind: RetentionKind, period: int, action: str | None = None):
    spec = retention.KINDS[kind]
    retention.save_rule(
        kind, period=period, action=action or spec.default_action, active=True, actor=None
    )


def stockholm_day(moment):
    return retention._day(moment)


def figures() -> list:
    """What the board counts, grouped every way that matters here."""
    start, end = date(2000, 1, 1), date(2100, 1, 1)
    return [inflow(start, end, ["month", g]) for g in ("party", "focus_area", "kind", "call")]


@pytest.fixture(autouse=True)
def request_context(app):
    with app.test_request_context():
        yield


# --- residents' contact details ---------------------------------------------------------------


def test_nothing_is_done_while_no_rule_is_switched_on(db):
    submission, _token = resident_submission()
    decline(submission)
    plans = retention.run(date(2100, 1, 1), apply=True)
    db.session.commit()
    assert [p.active for p in plans] == [False, False, False, False]
    assert submission.resident_email == RESIDENT["email"]
    assert (
        db.session.scalar(select(func.count()).where(AuditEntry.action == "retention_applied")) == 0
    )


@pytest.mark.asvs("8.3.8")
def test_resident_contacts_dry_run_then_apply_with_the_clock_moved(db):
    submission, _token = resident_submission(responsible="Kim, 070-1234567")
    decline(submission)
    waiting, _t = resident_submission(call=submission.call, email="vantar@example.net")
    set_rule(RetentionKind.RESIDENT_CONTACTS, 24)
    db.session.commit()
    closes = stockholm_day(submission.call.closes_at)
    due_day = retention.shift_months(closes, 24)
    before = figures()

    early = retention.run(due_day - timedelta(days=1), apply=True)
    assert early[0].count == 0
    dry = retention.run(due_day, apply=False)
    assert (dry[0].count, dry[0].ids, dry[0].labels) == (
        1,
        [submission.id],
        [submission.reg_number],
    )
    db.session.commit()
    db.session.expire_all()
    assert submission.resident_email == RESIDENT["email"]  # a dry run changes nothing

    retention.run(due_day, apply=True)
    db.session.commit()
    db.session.expire_all()
    assert submission.resident_name == ANONYMISED and submission.resident_email == ANONYMISED
    assert submission.resident_phone is None and submission.responsible == ""
    assert waiting.resident_email == "vantar@example.net"  # still in the inbox: kept
    # The record as received is archived with its sender.
    assert records.records_of(submission)[0].sender["email"] == RESIDENT["email"]
    [entry] = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "retention_applied")
    ).all()
    assert entry.changes == {
        "kind": "resident_contacts",
        "action": "anonymise",
        "period": 24,
        "today": due_day.isoformat(),
        "count": 1,
        "ids": [submission.id],
    }
    assert RESIDENT["email"] not in str(entry.changes) and RESIDENT["name"] not in str(
        entry.changes
    )
    assert figures() == before
    # Idempotent: nothing is due again.
    assert retention.run(due_day + timedelta(days=400), apply=True)[0].count == 0


def test_resident_contacts_kept_while_the_initiative_goes_on(db):
    submission, _token = resident_submission()
    initiative = accept(submission)
    set_rule(RetentionKind.RESIDENT_CONTACTS, 1)
    db.session.commit()
    far = today_in_stockholm() + timedelta(days=3650)
    assert retention.run(far, apply=False)[0].count == 0

    decided = today_in_stockholm() + timedelta(days=100)
    decide(
        initiative,
        outcome="stop",
        to_phase=Phase.CLOSED,
        rationale="Avslutas.",
        decided_on=decided,
        actor=None,
    )
    db.session.commit()
    one_month_after = retention.shift_months(decided, 1)
    assert retention.run(one_month_after - timedelta(days=1), apply=False)[0].count == 0
    assert retention.run(one_month_after, apply=False)[0].ids == [submission.id]


# --- closed submissions --------------------------------------------------------------------------


def _with_file(db, submission: Submission) -> Attachment:
    from werkzeug.datastructures import FileStorage

    storage = FileStorage(io.BytesIO(jpeg_with_location()), filename="bild.jpg")
    attachment = uploads.store(submission, uploads.check_upload(storage, already=0))
    db.session.commit()
    return attachment


def test_closed_submission_anonymised_after_its_years_figures_unchanged(db, upload_folder):
    submission, _token = resident_submission()
    attachment = _with_file(db, submission)
    path = uploads.path_of(attachment)
    decline(submission)
    set_rule(RetentionKind.CLOSED_SUBMISSIONS, 2, "anonymise")
    db.session.commit()
    declined_on = today_in_stockholm()
    before = figures()
    assert (
        retention.run(retention.shift_months(declined_on, 24) - timedelta(days=1), apply=True)[
            1
        ].count
        == 0
    )

    plans = retention.run(retention.shift_months(declined_on, 24), apply=True)
    db.session.commit()
    db.session.expire_all()
    assert plans[1].ids == [submission.id]
    assert records.records_of(submission) == []  # the record's retention has ended
    assert submission.attachments == [] and not path.exists()
    assert submission.resident_email == ANONYMISED and submission.private_links == []
    assert submission.state == State.DECLINED and submission.title  # what the figures count
    assert figures() == before
    assert retention.run(date(2100, 1, 1), apply=True)[1].count == 0  # idempotent


def test_closed_submission_deleted_when_the_rule_says_delete(db):
    submission, _token = resident_submission()
    services.withdraw(submission, actor=None)
    db.session.commit()
    kept, _t = resident_submission(email="annan@example.net")
    set_rule(RetentionKind.CLOSED_SUBMISSIONS, 1, "delete")
    db.session.commit()
    submission_id = submission.id
    plans = retention.run(retention.shift_months(today_in_stockholm(), 12), apply=True)
    db.session.commit()
    assert plans[1].ids == [submission_id]
    assert db.session.get(Submission, submission_id) is None
    assert db.session.get(Submission, kept.id) is not None
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(records.SubmissionRecord)
            .where(records.SubmissionRecord.submission_id == submission_id)
        )
        == 0
    )
    # The audit log keeps what happened, by id, without personal data.
    actions = db.session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.object_id == submission_id)
        .order_by(AuditEntry.id)
    ).all()
    assert actions[:2] == ["submitted", "withdrawn"]


# --- drafts and the outbox ---------------------------------------------------------------------


def test_old_drafts_are_deleted(db):
    author = make_user()
    draft = services.save_draft(None, {"title": "Halvfärdig"}, actor=author)
    db.session.commit()
    sent = employee_submission(author)
    set_rule(RetentionKind.DRAFTS, 6)
    db.session.commit()
    saved_on = stockholm_day(draft.updated_at)
    assert (
        retention.run(retention.shift_months(saved_on, 6) - timedelta(days=1), apply=False)[2].count
        == 0
    )
    plans = retention.run(retention.shift_months(saved_on, 6), apply=True)
    db.session.commit()
    assert plans[2].ids == [draft.id]
    assert db.session.get(Submission, draft.id) is None
    assert db.session.get(Submission, sent.id) is not None


def test_old_sent_mail_is_deleted_pending_mail_is_kept(db):
    now = utcnow()
    old = OutboxMessage(recipient="a@example.net", subject="s", body_text="t", template="x",
                        status=OutboxStatus.SENT, created_at=now - timedelta(days=100))  # fmt: skip
    failed = OutboxMessage(recipient="b@example.net", subject="s", body_text="t", template="x",
                           status=OutboxStatus.FAILED, created_at=now - timedelta(days=100))  # fmt: skip
    pending = OutboxMessage(recipient="c@example.net", subject="s", body_text="t", template="x",
                            created_at=now - timedelta(days=100))  # fmt: skip
    recent = OutboxMessage(recipient="d@example.net", subject="s", body_text="t", template="x",
                           status=OutboxStatus.SENT, created_at=now)  # fmt: skip
    db.session.add_all([old, failed, pending, recent])
    set_rule(RetentionKind.OUTBOX, 90)
    db.session.commit()
    due = sorted([old.id, failed.id])
    plans = retention.run(today_in_stockholm(), apply=True)
    db.session.commit()
    assert sorted(plans[3].ids) == due
    left = db.session.scalars(select(OutboxMessage.recipient).order_by(OutboxMessage.id)).all()
    assert left == ["c@example.net", "d@example.net"]


# --- the command ----------------------------------------------------------------------------------


def test_command_dry_run_by_default_apply_with_flag_and_no_personal_data(app, db):
    submission, _token = resident_submission()
    decline(submission)
    set_rule(RetentionKind.RESIDENT_CONTACTS, 1)
    db.session.commit()
    runner = app.test_cli_runner()
    day = retention.shift_months(stockholm_day(submission.call.closes_at), 1).isoformat()

    dry = runner.invoke(args=["retention", "run", "--today", day])
    assert dry.exit_code == 0, dry.output
    assert f"Gallring {day}: provkörning, inget ändras" in dry.output
    assert (
        f"Invånares kontaktuppgifter efter 1 månad: avidentifiera 1 (skulle göras): {submission.reg_number}"
        in dry.output
    )
    assert "Utkast som aldrig skickats in: regeln gäller inte" in dry.output
    assert "Kör med --apply" in dry.output
    db.session.expire_all()
    assert submission.resident_email == RESIDENT["email"]

    done = runner.invoke(args=["retention", "run", "--apply", "--today", day])
    assert done.exit_code == 0, done.output
    assert f"Gallring {day}: utförd" in done.output
    for value in RESIDENT.values():
        assert value not in dry.output and value not in done.output
    db.session.expire_all()
    assert submission.resident_email == ANONYMISED
    assert (
        db.session.scalar(select(func.count()).where(AuditEntry.action == "retention_applied")) == 1
    )


# --- the admin's page -----------------------------------------------------------------------------


COMMAND_WORDS = ("flask", "--apply", "retention run", "record-check", "kommandot")


def test_admin_retention_page_says_what_happens_and_when_without_commands(client, login_as):
    login_as(Role.ADMIN)
    html = client.get("/admin/gallring").get_data(as_text=True)
    assert "Gallringen görs automatiskt varje natt" in html
    assert "från och med nästa natt" in html
    for word in COMMAND_WORDS:
        assert word not in html, word


def test_admin_sets_a_rule_with_audit_and_sees_the_dry_run(client, login_as, db):
    admin = login_as(Role.ADMIN)
    page = client.get("/admin/gallring")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Invånares kontaktuppgifter" in html and "Inte aktiv" in html
    assert "Händelseloggen gallras aldrig" in html
    response = client.post(
        "/admin/gallring/closed_submissions",
        data={
            "csrf_token": csrf_from(html),
            "closed_submissions-period": "3",
            "closed_submissions-action": "delete",
            "closed_submissions-active": "y",
            "closed_submissions-version": "0",
        },
    )
    assert response.status_code == 302
    rule = db.session.scalar(select(RetentionRule))
    assert (rule.kind, rule.period, rule.action, rule.active) == (
        "closed_submissions",
        3,
        "delete",
        True,
    )
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "retention_rule_set"))
    assert entry.actor_id == admin.id and entry.changes["period"] == [None, 3]
    html = client.get("/admin/gallring").get_data(as_text=True)
    assert "Efter 3 år: radera." in html


@pytest.mark.parametrize(
    "period, action, message",
    [("0", "anonymise", "Skriv ett tal från 1 till 1200."),
     ("tolv", "anonymise", "Skriv ett heltal"),
     ("12", "delete", "Välj bland alternativen.")],
)  # fmt: skip
def test_admin_rule_form_refuses_in_swedish(client, login_as, db, period, action, message):
    login_as(Role.ADMIN)
    html = client.get("/admin/gallring").get_data(as_text=True)
    response = client.post(
        "/admin/gallring/resident_contacts",
        data={
            "csrf_token": csrf_from(html),
            "resident_contacts-period": period,
            "resident_contacts-action": action,
            "resident_contacts-version": "0",
        },
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(RetentionRule)) is None


def test_admin_rule_saved_by_someone_else_meanwhile_is_a_conflict(client, login_as, db):
    login_as(Role.ADMIN)
    set_rule(RetentionKind.OUTBOX, 30)
    db.session.commit()
    html = client.get("/admin/gallring").get_data(as_text=True)
    response = client.post(
        "/admin/gallring/outbox",
        data={
            "csrf_token": csrf_from(html),
            "outbox-period": "60",
            "outbox-action": "delete",
            "outbox-version": "99",
        },
    )
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.scalar(select(RetentionRule.period)) == 30


def test_shift_months_keeps_the_day_or_the_month_end():
    assert retention.shift_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert retention.shift_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert retention.shift_months(date(2026, 3, 15), -3) == date(2025, 12, 15)
