"""The record as received: sealed at submit, never changed by the application; completions are
dated additions beside it; triage leaves it alone; the migration backfills it."""

from __future__ import annotations

import hashlib
import io
import re

import flask_migrate
import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from portal import create_app
from portal.accounts.models import Role
from portal.config import TestConfig
from portal.extensions import db as _db
from portal.privacy import records
from portal.privacy.models import SubmissionRecord
from portal.submissions import services
from portal.submissions.models import Submission
from portal.triage import services as triage
from tests.factories import make_call, make_user
from tests.functional.test_schema import empty_database_url  # noqa: F401  (a fixture)
from tests.functional.test_submission_uploads import jpeg_with_location
from tests.functional.test_submissions import open_form, resident_data
from tests.privacy_factories import RESIDENT, decline, employee_submission, resident_submission

pytestmark = pytest.mark.usefixtures("upload_folder")  # tests/conftest.py


def test_resident_submission_is_sealed_as_received(db):
    submission, _token = resident_submission(title="Rörelsebingo", purpose="Varje rast.")
    [record] = records.records_of(submission)
    assert record.kind == "received" and record.sequence == 0
    assert record.reg_number == submission.reg_number
    assert (record.reg_year, record.reg_seq) == (submission.reg_year, submission.reg_seq)
    assert record.at == submission.submitted_at
    assert record.title == "Rörelsebingo"
    assert record.content["canvas"]["title"] == "Rörelsebingo"
    assert record.content["canvas"]["purpose"] == "Varje rast."
    assert record.content["call"]["title"] == submission.call.title
    assert record.sender == {
        "type": "resident",
        "name": RESIDENT["name"],
        "email": RESIDENT["email"],
        "phone": RESIDENT["phone"],
        "consent_named_publicly": False,
        "consent_news": False,
        "party": None,
    }
    assert (
        record.content_sha256
        == hashlib.sha256(records.canonical(record.content).encode()).hexdigest()
    )
    assert records.intact(record)


def test_employee_submission_record_names_the_sender_and_party(db):
    author = make_user(name="Erik Västerås", email="erik@example.org")
    submission = employee_submission(author, title="Trygga hem")
    [record] = records.records_of(submission)
    assert record.sender == {
        "type": "employee",
        "user_id": author.id,
        "name": "Erik Västerås",
        "email": "erik@example.org",
        "party": "Västerås stad",
    }


def test_record_cannot_be_changed_or_deleted_through_the_orm(db):
    submission, _token = resident_submission()
    [record] = records.records_of(submission)
    record.title = "Något annat"
    with pytest.raises(RuntimeError, match="cannot be changed"):
        db.session.commit()
    db.session.rollback()
    db.session.delete(record)
    with pytest.raises(RuntimeError, match="cannot be changed"):
        db.session.commit()
    db.session.rollback()
    assert records.records_of(submission)[0].title == submission.title


@pytest.mark.parametrize(
    "column, value",
    [
        ("content", {"canvas": {}}),
        ("title", "x"),
        ("at", None),
        ("sender", {}),
        ("reg_number", "SK-1"),
    ],
)
def test_the_database_refuses_updates_of_sealed_columns(db, column, value):
    submission, _token = resident_submission()
    statement = update(SubmissionRecord).where(SubmissionRecord.submission_id == submission.id)
    with pytest.raises(DBAPIError, match="sealed"):
        db.session.execute(statement.values({column: value}))
    db.session.rollback()


def test_triage_and_completion_leave_the_record_as_received(db):
    submission, _token = resident_submission(title="Första namnet", purpose="Som det kom in.")
    ps = make_user(roles={Role.PROCESS_SUPPORT})
    triage.request_info(submission, "Vilka skolor gäller det?", actor=ps)
    db.session.commit()
    services.complete(
        submission, {"title": "Andra namnet", "purpose": "Med skolorna i Västerås."}, actor=None
    )
    db.session.commit()
    decline(submission, ps)

    received, completion = records.records_of(submission)
    assert received.content["canvas"]["title"] == "Första namnet"
    assert received.content["canvas"]["purpose"] == "Som det kom in."
    assert received.title == "Första namnet" and records.intact(received)
    assert completion.kind == "completion" and completion.sequence == 1
    assert completion.content["canvas"] == {
        "title": "Andra namnet",
        "purpose": "Med skolorna i Västerås.",
    }
    assert completion.title == "Andra namnet"
    assert completion.at > received.at
    assert submission.title == "Andra namnet"  # the working copy moves on


def test_completion_without_a_change_adds_nothing(db):
    submission, _token = resident_submission(purpose="Samma.")
    services.complete(submission, {"purpose": "Samma."}, actor=None)
    db.session.commit()
    assert len(records.records_of(submission)) == 1


def test_rolled_back_submission_leaves_no_record(db):
    call = make_call()
    services.submit_resident(call, {"title": "Ångrad", "purpose": "x"}, name="A", email="a@b.se")
    db.session.rollback()
    db.session.commit()  # a later commit in the same session writes nothing left over
    assert db.session.scalars(select(SubmissionRecord)).all() == []


def test_files_sent_with_the_form_belong_to_the_record(client, smtp, upload_folder):
    call = make_call(
        rules={"title": "required", "purpose": "required", "visual_description": "optional"}
    )
    url = f"/utlysningar/{call.slug}"
    data = {
        **open_form(client, url),
        **resident_data(),
        "visual_file": (io.BytesIO(jpeg_with_location()), "min idé.jpg"),
    }
    assert client.post(url, data=data, content_type="multipart/form-data").status_code == 302
    submission = _db.session.scalar(select(Submission))
    [record] = records.records_of(submission)
    [attachment] = submission.attachments
    stored = (upload_folder / attachment.stored_name).read_bytes()
    assert record.content["attachments"] == [
        {
            "id": attachment.id,
            "name": "min idé.jpg",
            "content_type": "image/jpeg",
            "size": attachment.size,
            "purpose": "visual",
            "sha256": hashlib.sha256(stored).hexdigest(),
        }
    ]


def test_triage_page_shows_the_record_as_received_and_the_private_page_does_not(
    client, login_as, smtp
):
    call = make_call()
    url = f"/utlysningar/{call.slug}"
    client.post(url, data={**open_form(client, url), **resident_data(title="Som det kom")})
    [message] = smtp.wait_for(1)
    link = re.search(r"http://localhost(/mitt-bidrag/\S+)", smtp.body(message)).group(1)
    submission = _db.session.scalar(select(Submission))
    submission.title = "Ändrat av någon"  # the working copy; the record stays
    _db.session.commit()
    checksum = records.records_of(submission)[0].content_sha256

    private = client.get(link).get_data(as_text=True)
    assert "Som inkommen" not in private and checksum not in private

    login_as(Role.PROCESS_SUPPORT)
    page = client.get(f"/inkorg/{submission.id}").get_data(as_text=True)
    assert "Som inkommen" in page
    assert "Som det kom" in page and "Ändrat av någon" in page
    assert checksum in page


def test_private_page_shows_what_the_resident_sent_once_in_their_words(client, smtp):
    call = make_call()
    url = f"/utlysningar/{call.slug}"
    purpose = "Äldre barn leder lekar på rasten, en gång i veckan."
    data = resident_data(title="Lekledare på rasten", purpose=purpose)
    client.post(url, data={**open_form(client, url), **data})
    [message] = smtp.wait_for(1)
    link = re.search(r"http://localhost(/mitt-bidrag/\S+)", smtp.body(message)).group(1)

    page = client.get(link).get_data(as_text=True)
    assert page.count(purpose) == 1
    assert "Det du skickade" in page
    for technical in ("Kontrollsumma", "SHA-256", "Som inkommen", "Avsändare:"):
        assert technical not in page, technical
    assert "Kompletterat" not in page


def test_private_page_dates_each_completion_and_shows_the_latest_text_once(client, db):
    submission, token = resident_submission(title="Första namnet", purpose="Som det kom in.")
    ps = make_user(roles={Role.PROCESS_SUPPORT})
    triage.request_info(submission, "Vilka skolor gäller det?", actor=ps)
    db.session.commit()
    services.complete(submission, {"purpose": "Med skolorna i Västerås."}, actor=None)
    db.session.commit()

    page = client.get(f"/mitt-bidrag/{token}").get_data(as_text=True)
    assert page.count("Med skolorna i Västerås.") == 1
    assert "Som det kom in." not in page
    assert re.search(r"<dt>Kompletterat</dt><dd>[^<]*\d{4}[^<]*</dd>", page)
    assert "Kontrollsumma" not in page


def test_migration_backfills_a_record_for_each_registered_submission(empty_database_url):  # noqa: F811
    class MigrationConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = empty_database_url

    app = create_app(MigrationConfig)
    with app.app_context():
        flask_migrate.upgrade(revision="75e73cd43a59-1")
        with _db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO submissions (id, reg_number, reg_year, reg_seq, kind, state, "
                    "title, timeline, purpose, effect_residents, effect_society, effect_sk, "
                    "visual_description, responsible, partners, follow_up, challenges, "
                    "key_activities, resident_name, resident_email, consent_named_publicly, "
                    "consent_news, decline_reason, info_request, created_at, updated_at, "
                    "submitted_at, version) VALUES (7, 'SK-2025-0003', 2025, 3, 'idea', "
                    "'received', 'Gammal idé', '', 'Från förr', '', '', '', '', '', '', '', '', "
                    "'', 'Ada', 'ada@example.net', false, false, '', '', :at, :at, :at, 1)"
                ),
                {"at": "2025-03-01 10:00:00"},
            )
            conn.execute(
                text(
                    "INSERT INTO submissions (id, kind, state, title, timeline, purpose, "
                    "effect_residents, effect_society, effect_sk, visual_description, "
                    "responsible, partners, follow_up, challenges, key_activities, "
                    "resident_email, consent_named_publicly, consent_news, decline_reason, "
                    "info_request, created_at, updated_at, version) VALUES (8, 'idea', 'draft', "
                    "'Utkast', '', '', '', '', '', '', '', '', '', '', '', 'b@example.net', false, "
                    "false, '', '', :at, :at, 1)"
                ),
                {"at": "2025-03-01 10:00:00"},
            )
        flask_migrate.upgrade()
        [record] = _db.session.scalars(select(SubmissionRecord)).all()
        assert (record.submission_id, record.reg_number, record.sequence) == (7, "SK-2025-0003", 0)
        assert record.content["canvas"]["purpose"] == "Från förr"
        assert record.content["backfilled"] is True
        assert record.sender["name"] == "Ada" and record.sender["type"] == "resident"
        assert records.intact(record)
        _db.session.remove()
        with pytest.raises(DBAPIError, match="sealed"), _db.engine.begin() as conn:
            conn.execute(text("UPDATE submission_records SET title = 'x'"))
        _db.engine.dispose()
