"""Every `flask …` command as cron runs it: a separate process with its own environment and no
request, on a database that `flask db upgrade` built and `flask seed --demo` filled. Each test
checks the exit code and what the command printed, and compares the printed counts with the
database afterwards.

The demo database is built once per module (about 4 seconds) and each test gets a copy: a file
copy on SQLite, `CREATE DATABASE … TEMPLATE` on PostgreSQL (a database of its own on the server
of TEST_DATABASE_URL, dropped afterwards).
"""

from __future__ import annotations

import json
import re
import subprocess
import time
import uuid
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text, update

from portal.extensions import db as _db
from portal.types import utcnow
from tests.browser import Browser, path_of
from tests.conftest import free_port
from tests.processes import (
    BASE_URL,
    Databases,
    failed_with,
    portal_on,
    run_flask,
    start_flask,
    succeeded,
)

pytestmark = pytest.mark.slow  # scripts/test --fast leaves it out

PORTAL_COMMANDS = {
    "accessibility", "create-admin", "notifications", "outbox", "reset-mfa", "retention", "seed",
    "worker",
}  # fmt: skip
LABELS = {  # the retention kinds as the command names them
    "resident_contacts": "Invånares kontaktuppgifter",
    "closed_submissions": "Avslagna, återkallade och dubbletter",
    "drafts": "Utkast som aldrig skickats in",
    "outbox": "Skickad e-post",
}
RULE_LINE = re.compile(r"^- (?P<label>.+?) efter .+?: (?P<verb>\w+) (?P<count>\d+)")


def count(statement) -> int:
    return _db.session.scalar(select(func.count()).select_from(statement.subquery()))


# --- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cron")


@pytest.fixture(scope="module")
def databases(home):
    made = Databases(home)
    yield made
    for name in made.made:
        made.drop(made.url_of(name))


@pytest.fixture(scope="module")
def demo(databases, home):
    """A database built and filled by the commands themselves: (url, upgrade, seed)."""
    url = databases.new()
    upgrade = run_flask(url, "db", "upgrade", home=home)
    assert upgrade.returncode == 0, upgrade.stderr
    seed = run_flask(url, "seed", "--demo", home=home)
    return url, upgrade, seed


@pytest.fixture
def database(demo, databases):
    """A copy of the demo database for one test."""
    url = databases.new(template=demo[0])
    yield url
    databases.drop(url)


# --- every command is here, and each runs as a command ------------------------------------------


def leaves(command) -> list:
    """A command, or every command of a group."""
    return list(getattr(command, "commands", {}).values()) or [command]


def test_every_portal_command_is_tested_here_and_runs_as_a_command(app):
    from portal.commands import is_portal_command

    ours = {
        name: leaves(command)
        for name, command in app.cli.commands.items()
        if any(c.callback.__module__.startswith("portal.") for c in leaves(command))
    }
    assert set(ours) == PORTAL_COMMANDS
    for name, commands in ours.items():
        for command in commands:
            assert is_portal_command(command.callback), f"flask {name} {command.name}"


# --- seed ------------------------------------------------------------------------------------------


def test_seed_demo_prints_what_it_added_and_the_database_holds_it(demo, database, home):
    _url, _upgrade, seed = demo
    lines = succeeded(seed)
    assert lines[0] == (
        "Referensdata: parties +5, focus_areas +4, perspectives +9, goals +8, criteria +5"
    )
    added = dict(line.split(": +") for line in lines[1:])
    from portal.accounts.models import User
    from portal.calls.models import Call
    from portal.submissions.models import State, Submission

    with portal_on(database, home):
        assert int(added["Demoanvändare"]) == count(select(User.id)) == 10
        assert int(added["Demo utlysningar"]) == count(select(Call.id)) == 3
        submitted = select(Submission.id).where(Submission.state != State.DRAFT)
        assert int(added["Demo inlämningar"]) == count(submitted) == 62  # 60 ideas, 2 sent again


def test_seed_demo_again_adds_nothing(database, home):
    lines = succeeded(run_flask(database, "seed", "--demo", home=home))
    assert lines[0] == (
        "Referensdata: parties +0, focus_areas +0, perspectives +0, goals +0, criteria +0"
    )
    assert all(line.endswith(": +0") for line in lines[1:]), lines


# --- retention ------------------------------------------------------------------------------------


def printed_counts(lines: list[str]) -> dict[str, int]:
    found = {}
    for line in lines:
        if match := RULE_LINE.match(line):
            kind = next(k for k, label in LABELS.items() if label == match["label"])
            found[kind] = int(match["count"])
    return found


def test_retention_dry_run_with_every_rule_off_says_so(database, home):
    lines = succeeded(run_flask(database, "retention", "run", home=home))
    assert lines[0].endswith(": provkörning, inget ändras")
    assert lines[1:] == [
        *(f"- {label}: regeln gäller inte" for label in LABELS.values()),
        "- Formulärnycklar äldre än 7 dagar: 0 skulle tas bort",  # housekeeping, always on
        "- Filer till formulär som aldrig skickades, äldre än 24 timmar: 0 skulle tas bort",
        "- Länkar för att skapa konto, utgångna för mer än 7 dagar sedan: 0 skulle tas bort",
        "Kör med --apply för att göra det.",
    ]


def switch_on_every_rule(database: str, home: Path) -> None:
    from portal.privacy import retention
    from portal.privacy.models import RetentionAction, RetentionKind

    actions = {RetentionKind.CLOSED_SUBMISSIONS: RetentionAction.DELETE}
    with portal_on(database, home):
        for kind, spec in retention.KINDS.items():
            action = actions.get(kind, spec.default_action)
            retention.save_rule(kind, period=1, action=action.value, active=True, actor=None)
        _db.session.commit()


def due_now() -> dict[str, int]:
    """What is due three years from now with every rule at 1 (day, month, year), counted
    independently of portal/privacy/retention.py."""
    from portal.evaluation.models import Initiative, Phase
    from portal.mail.models import OutboxMessage, OutboxStatus
    from portal.privacy.erasure import ANONYMISED
    from portal.submissions.models import State, Submission

    running = (
        select(Initiative.id)
        .where(Initiative.origin_submission_id == Submission.id, Initiative.phase != Phase.CLOSED)
        .exists()
    )
    return {
        "resident_contacts": count(
            select(Submission.id).where(
                Submission.submitter_id.is_(None),
                Submission.resident_email != ANONYMISED,
                Submission.state.notin_([State.DRAFT, State.RECEIVED, State.AWAITING_INFO]),
                ~running,
            )
        ),
        "closed_submissions": count(
            select(Submission.id).where(
                Submission.state.in_([State.DECLINED, State.WITHDRAWN, State.DUPLICATE])
            )
        ),
        "drafts": count(select(Submission.id).where(Submission.state == State.DRAFT)),
        "outbox": count(
            select(OutboxMessage.id).where(
                OutboxMessage.status.in_([OutboxStatus.SENT, OutboxStatus.FAILED])
            )
        ),
    }


def attach_a_file_to_a_closed_submission(database: str, home: Path) -> Path:
    """The demo has no files: one declined submission gets a PDF (removed by the closed rule)."""
    import io

    from werkzeug.datastructures import FileStorage

    from portal.submissions import uploads
    from portal.submissions.models import State, Submission
    from tests.unit.test_uploads import MINIMAL_PDF

    with portal_on(database, home):
        declined = _db.session.scalars(
            select(Submission).where(Submission.state == State.DECLINED).limit(1)
        ).one()
        storage = FileStorage(io.BytesIO(MINIMAL_PDF), filename="bilaga.pdf")
        attachment = uploads.store(declined, uploads.check_upload(storage, already=0))
        _db.session.commit()
        return uploads.path_of(attachment)


def in_three_years() -> str:
    from portal.privacy.retention import shift_months
    from portal.types import today_in_stockholm

    return shift_months(today_in_stockholm(), 36).isoformat()


def test_retention_apply_does_what_it_reported_and_a_second_run_finds_nothing(database, home):
    from portal.audit import AuditEntry
    from portal.submissions.models import Submission

    switch_on_every_rule(database, home)
    file = attach_a_file_to_a_closed_submission(database, home)
    day = in_three_years()
    with portal_on(database, home):
        due = due_now()
        submissions = count(select(Submission.id))
    assert all(due.values()), due  # the demo has something of every kind

    dry = succeeded(run_flask(database, "retention", "run", "--today", day, home=home))
    assert dry[0] == f"Gallring {day}: provkörning, inget ändras"
    assert printed_counts(dry) == due
    assert dry[-1] == "Kör med --apply för att göra det."
    with portal_on(database, home):
        assert due_now() == due  # a dry run changes nothing

    done = succeeded(run_flask(database, "retention", "run", "--apply", "--today", day, home=home))
    assert done[0] == f"Gallring {day}: utförd"
    assert printed_counts(done) == due
    assert not file.exists()
    with portal_on(database, home):
        assert due_now() == dict.fromkeys(due, 0)
        assert count(select(Submission.id)) == (
            submissions - due["closed_submissions"] - due["drafts"]
        )
        audited = _db.session.scalars(
            select(AuditEntry.changes).where(AuditEntry.action == "retention_applied")
        ).all()
        assert {c["kind"]: c["count"] for c in audited} == due

    again = succeeded(run_flask(database, "retention", "run", "--apply", "--today", day, home=home))
    assert printed_counts(again) == dict.fromkeys(due, 0)


REFUSE_DELETES = {
    "sqlite": [
        "CREATE TRIGGER refuse_outbox_delete BEFORE DELETE ON outbox_messages "
        "BEGIN SELECT RAISE(ABORT, 'utkorgen är låst'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION refuse_outbox_delete() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'utkorgen är låst'; END $$",
        "CREATE TRIGGER refuse_outbox_delete BEFORE DELETE ON outbox_messages "
        "FOR EACH ROW EXECUTE FUNCTION refuse_outbox_delete()",
    ],
}


def test_retention_apply_that_fails_keeps_nothing_half_done(database, home):
    """The e-mail rule runs last; when the database refuses it, the rules before it are rolled
    back too (and the closed submission's file is kept), and cron gets exit code 1 and one
    line."""
    from portal.audit import AuditEntry

    switch_on_every_rule(database, home)
    file = attach_a_file_to_a_closed_submission(database, home)
    with portal_on(database, home):
        due = due_now()
        with _db.engine.begin() as conn:
            for statement in REFUSE_DELETES[conn.dialect.name]:
                conn.execute(text(statement))

    result = run_flask(
        database, "retention", "run", "--apply", "--today", in_three_years(), home=home
    )
    assert result.stdout == ""
    failed_with(result, result.stderr.strip().splitlines()[-1].removeprefix("Fel: "))
    assert "utkorgen är låst" in result.stderr
    assert file.exists()  # its row stays, so the file stays too
    with portal_on(database, home):
        assert due_now() == due
        assert count(select(AuditEntry.id).where(AuditEntry.action == "retention_applied")) == 0


# --- the outbox ------------------------------------------------------------------------------------


def queue_password_resets(database: str, home: Path, emails: list[str]) -> None:
    from portal.accounts.services import request_password_reset

    with portal_on(database, home):
        for email in emails:
            request_password_reset(email)
        _db.session.commit()


def outbox_rows() -> list:
    from portal.mail.models import OutboxMessage

    return _db.session.execute(
        select(OutboxMessage.recipient, OutboxMessage.status, OutboxMessage.attempts)
        .where(OutboxMessage.template == "password_reset")
        .order_by(OutboxMessage.recipient)
    ).all()


EMPLOYEES = ["anna.eskilstuna@example.org", "erik.vasteras@example.org", "sara.mdh@example.org"]


def test_outbox_send_delivers_queued_mail_and_prints_the_count(database, home, smtp):
    queue_password_resets(database, home, EMPLOYEES)
    mail = {"MAIL_SERVER": smtp.host, "MAIL_PORT": str(smtp.port)}

    lines = succeeded(run_flask(database, "outbox", "send", home=home, **mail))
    assert lines == ["Skickade: 3, misslyckade: 0"]
    assert sorted(m["To"] for m in smtp.wait_for(3)) == EMPLOYEES
    assert all(f"{BASE_URL}/losenord/" in smtp.body(m) for m in smtp.messages)
    with portal_on(database, home):
        assert outbox_rows() == [(e, "sent", 1) for e in EMPLOYEES]

    again = succeeded(run_flask(database, "outbox", "send", home=home, **mail))
    assert again == ["Skickade: 0, misslyckade: 0"]
    assert len(smtp.messages) == 3


def test_outbox_send_with_smtp_down_exits_1_and_keeps_the_mail_for_later(database, home, smtp):
    """Cron (or the timer, or the monitoring) must learn that mail is not going out: exit code
    1 and one line on stderr. The messages stay queued and go out once the server answers."""
    from portal.mail.models import OutboxMessage

    queue_password_resets(database, home, EMPLOYEES)
    down = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(free_port())}  # nobody listens

    result = run_flask(database, "outbox", "send", home=home, **down)
    assert result.stdout.strip() == "Skickade: 0, misslyckade: 3"
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("Fel: 3 meddelanden kunde inte skickas (ConnectionRefusedError: ")
    assert last.endswith("). De ligger kvar i utkorgen och skickas vid ett senare försök.")
    failed_with(result, last.removeprefix("Fel: "))
    with portal_on(database, home):
        assert outbox_rows() == [(e, "pending", 1) for e in EMPLOYEES]
        _db.session.execute(  # the backoff has passed
            update(OutboxMessage).values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )
        _db.session.commit()

    up = {"MAIL_SERVER": smtp.host, "MAIL_PORT": str(smtp.port)}
    assert succeeded(run_flask(database, "outbox", "send", home=home, **up)) == [
        "Skickade: 3, misslyckade: 0"
    ]
    assert sorted(m["To"] for m in smtp.wait_for(3)) == EMPLOYEES


# --- milestone e-mail -----------------------------------------------------------------------------


def decide_yesterday(database: str, home: Path) -> tuple[str, str]:
    """A Core Team decision, yesterday, on a demo initiative an employee's idea became: its
    milestone is due today. Returns the employee's address and the registration number."""
    from datetime import datetime

    from portal.evaluation.meetings.services import record_decision
    from portal.evaluation.models import Initiative, Outcome, Phase
    from portal.submissions.models import Submission
    from portal.types import STOCKHOLM, clock_at, today_in_stockholm

    with portal_on(database, home):
        initiative = _db.session.scalars(
            select(Initiative)
            .join(Submission, Submission.id == Initiative.origin_submission_id)
            .where(Initiative.phase == Phase.IDEA, Submission.submitter_id.is_not(None))
            .order_by(Initiative.id)
        ).first()
        yesterday = today_in_stockholm() - timedelta(days=1)
        with clock_at(
            datetime(yesterday.year, yesterday.month, yesterday.day, 15, tzinfo=STOCKHOLM)
        ):
            record_decision(
                initiative, outcome=Outcome.GO_ON, rationale="Vidare till konceptet.",
                decided_on=yesterday, actor=None, today=yesterday,
            )  # fmt: skip
        _db.session.commit()
        origin = initiative.origin_submission
        return origin.submitter.email, origin.reg_number


def test_notifications_send_mails_what_happened_yesterday_once(database, home, smtp):
    email, number = decide_yesterday(database, home)
    mail = {"MAIL_SERVER": smtp.host, "MAIL_PORT": str(smtp.port)}

    lines = succeeded(run_flask(database, "notifications", "send", home=home, **mail))
    assert lines == [
        "Milstolpar: 1 i 1 e-postmeddelanden (0 sammanfattningar), 0 utan mottagare",
        "Skickade: 1, misslyckade: 0",
    ]
    [message] = smtp.wait_for(1)
    assert message["To"] == email
    assert str(message["Subject"]) == f"Nytt om ditt bidrag {number}: Initiativet byter fas"
    body = smtp.body(message)
    assert "Konceptfas" in body and f"{BASE_URL}/mina-inlamningar/" in body
    assert f"{BASE_URL}/e-post/sluta/" in message["List-Unsubscribe"]

    again = succeeded(run_flask(database, "notifications", "send", home=home, **mail))
    assert again == [
        "Milstolpar: 0 i 0 e-postmeddelanden (0 sammanfattningar), 0 utan mottagare",
        "Skickade: 0, misslyckade: 0",
    ]
    assert len(smtp.messages) == 1


# --- accounts --------------------------------------------------------------------------------------


LINK = re.compile(rf"^Välj lösenord här: {re.escape(BASE_URL)}/valkommen/[\w-]+$")


def test_create_admin_prints_a_link_that_opens_the_set_password_page(database, home):
    from portal.accounts.models import Role
    from portal.accounts.services import find_user_by_email

    lines = succeeded(
        run_flask(
            database,
            "create-admin",
            "--email",
            "Nora.Admin@Example.org",
            "--name",
            "Nora Åberg",
            home=home,
        )  # fmt: skip
    )
    assert len(lines) == 1 and LINK.match(lines[0]), lines
    link = lines[0].removeprefix("Välj lösenord här: ")

    with portal_on(database, home) as app:
        user = find_user_by_email("nora.admin@example.org")
        assert (user.name, user.roles, user.password_hash) == ("Nora Åberg", {Role.ADMIN}, None)
        browser = Browser(app)
        page = browser.get(link)
        assert page.status_int == 200
        assert page.html.h1.get_text(strip=True) == "Välkommen till idéportalen"
        assert "nora.admin@example.org" in page.text
        form = browser.form(page, action=path_of(link))
        form["password"] = form["confirm"] = "ett-långt-lösenord-för-cron"
        response = browser.submit(form)
        assert response.status_int == 302
        assert path_of(response.headers["Location"]) == "/konto/tvastegsverifiering/aktivera"


def test_create_admin_refuses_a_taken_or_malformed_address_in_one_line(database, home):
    from portal.accounts.models import User

    with portal_on(database, home):
        users = count(select(User.id))
    taken = run_flask(
        database, "create-admin", "--email", "admin@example.org", "--name", "Ny", home=home
    )
    failed_with(taken, "Det finns redan ett konto med den e-postadressen.")
    malformed = run_flask(
        database, "create-admin", "--email", "inte-en-adress", "--name", "Ny", home=home
    )
    failed_with(malformed, "Skriv en e-postadress i formen namn@exempel.se.")
    nameless = run_flask(
        database, "create-admin", "--email", "ny@example.org", "--name", "  ", home=home
    )
    failed_with(nameless, "Fyll i namnet.")
    with portal_on(database, home):
        assert count(select(User.id)) == users


def test_reset_mfa_resets_and_mails_and_an_unknown_address_exits_1(database, home, smtp):
    from portal.accounts.services import find_user_by_email

    mail = {"MAIL_SERVER": smtp.host, "MAIL_PORT": str(smtp.port)}
    lines = succeeded(
        run_flask(database, "reset-mfa", "--email", "admin@example.org", home=home, **mail)
    )
    assert lines == ["Tvåstegsverifieringen för admin@example.org är återställd."]
    [message] = smtp.wait_for(1)
    assert message["To"] == "admin@example.org"
    assert "En administratör har återställt tvåstegsverifieringen" in smtp.body(message)
    with portal_on(database, home):
        assert not find_user_by_email("admin@example.org").has_mfa

    unknown = run_flask(database, "reset-mfa", "--email", "ingen@example.org", home=home)
    failed_with(unknown, "Det finns inget konto med den e-postadressen.")
    again = run_flask(database, "reset-mfa", "--email", "admin@example.org", home=home)
    failed_with(again, "Alva Administratör har ingen tvåstegsverifiering att återställa.")


# --- the accessibility statement --------------------------------------------------------------------


def test_accessibility_record_check_stores_the_report_and_refuses_a_broken_one(database, home):
    from portal.accessibility.models import AccessibilityCheck

    report = home / f"report-{uuid.uuid4().hex[:6]}.json"
    report.write_text(
        json.dumps(
            {
                "checked_at": "2026-11-24T02:00:00+00:00",
                "tool": "axe-core 4.14.1",
                "standard": "WCAG 2.1 A/AA",
                "pages": 187,
                "roles": ["anonymous", "admin"],
                "violations": 2,
            }
        ),
        encoding="utf-8",
    )
    lines = succeeded(run_flask(database, "accessibility", "record-check", str(report), home=home))
    assert lines == ["Granskning 2026-11-24 02:00: 187 sidor, 2 brister."]

    report.write_text(json.dumps({"pages": "många"}), encoding="utf-8")
    broken = run_flask(database, "accessibility", "record-check", str(report), home=home)
    assert broken.returncode == 1 and "Traceback" not in broken.stderr
    assert broken.stderr.strip().splitlines()[-1].startswith("Fel: Rapporten kunde inte läsas")
    with portal_on(database, home):
        rows = _db.session.execute(select(AccessibilityCheck.pages, AccessibilityCheck.violations))
        assert rows.all() == [(187, 2)]


# --- when the database cannot be reached -------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["seed"],
        ["outbox", "send"],
        ["notifications", "send"],
        ["retention", "run", "--apply"],
        ["create-admin", "--email", "ny@example.org", "--name", "Ny"],
        ["reset-mfa", "--email", "admin@example.org"],
    ],
    ids=lambda args: " ".join(args[:2]),
)
def test_every_command_without_its_database_exits_1_in_one_line(args, databases, home):
    if databases.is_postgresql:
        missing = databases.url_of(f"cron_missing_{uuid.uuid4().hex[:8]}")
    else:
        missing = f"sqlite:///{home / 'no-such-folder' / 'portal.sqlite3'}"
    result = run_flask(missing, *args, home=home)
    assert result.stdout == ""
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    [line] = [line for line in result.stderr.splitlines() if line.startswith("Fel: ")]
    assert line.startswith("Fel: Kommandot avbröts (OperationalError: ")


# --- the worker ------------------------------------------------------------------------------------

REDIS = "redis://127.0.0.1:6379/0"


def test_worker_refuses_without_a_queue(database, home):
    failed_with(
        run_flask(database, "worker", home=home),
        "BACKGROUND_JOBS=worker och REDIS_URL behövs; annars sköter webbservern och cron "
        "arbetet (flask outbox send, flask retention run --apply).",
    )


@contextmanager
def queue_of(database: str, home: Path, name: str):
    """The app as a web instance in worker mode sees it: the same queue as the workers."""
    with portal_on(database, home) as app:
        app.config.update(BACKGROUND_JOBS="worker", REDIS_URL=REDIS, WORKER_QUEUE_NAME=name)
        from portal import worker

        jobs = worker.init_app(app)
        try:
            yield jobs
        finally:
            jobs.huey.storage.flush_all()


def queue_mail(n: int) -> list[int]:
    from portal.mail.models import OutboxMessage

    messages = [
        OutboxMessage(
            recipient=f"person{i}@example.org",
            subject=f"Meddelande {i}",
            body_text=f"Hej {i}",
            body_html="",
            template="test",
        )
        for i in range(n)
    ]
    _db.session.add_all(messages)
    _db.session.commit()
    return [m.id for m in messages]


def stop(workers: list[subprocess.Popen]) -> list[str]:
    outputs = []
    for process in workers:
        process.terminate()
    for process in workers:
        out, err = process.communicate(timeout=30)
        outputs.append(out + err)
    return outputs


def worker_settings(smtp) -> tuple[str, dict[str, str]]:
    """A queue of the test's own on Redis, and what a worker process needs to use it."""
    name = f"test-{uuid.uuid4().hex[:8]}"
    return name, {
        "BACKGROUND_JOBS": "worker",
        "REDIS_URL": REDIS,
        "WORKER_QUEUE_NAME": name,
        "MAIL_SERVER": smtp.host,
        "MAIL_PORT": str(smtp.port),
    }


@pytest.mark.slow
def test_two_workers_send_500_queued_messages_each_exactly_once(database, home, smtp):
    name, env = worker_settings(smtp)
    with queue_of(database, home, name) as jobs:
        ids = queue_mail(500)
        workers = [
            start_flask(database, "worker", "--threads", "3", home=home, **env) for _ in "ab"
        ]
        try:
            for _ in range(6):  # several requests asked for delivery at once
                jobs.deliver_soon()
            received = smtp.wait_for(500, timeout=120)
            time.sleep(1)  # a second copy would arrive by now
        finally:
            outputs = stop(workers)
        assert len(received) == 500, outputs
        message_ids = [m["Message-ID"] for m in received]
        assert len(set(message_ids)) == 500  # no message twice
        assert {f"<outbox-{i}@samhallskontraktet>" for i in ids} == set(message_ids)
        assert all("Arbetaren startar med 3 trådar." in out for out in outputs), outputs
        assert all("Traceback" not in out for out in outputs), outputs
        from portal.mail.models import OutboxMessage, OutboxStatus

        _db.session.expire_all()
        statuses = _db.session.scalars(
            select(OutboxMessage.status).where(OutboxMessage.id.in_(ids))
        )
        assert set(statuses) == {OutboxStatus.SENT}


@pytest.mark.slow
def test_a_message_claimed_by_a_worker_that_died_is_sent_by_another(database, home, smtp):
    name, env = worker_settings(smtp)
    with queue_of(database, home, name) as jobs:
        [orphan] = queue_mail(1)
        from portal.mail.models import OutboxMessage

        # What a worker killed mid-send leaves behind: its claim (the lease) and no outcome.
        claimed_until = utcnow() + timedelta(seconds=10)
        _db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == orphan)
            .values(next_attempt_at=claimed_until)
        )
        _db.session.commit()
        survivor = start_flask(database, "worker", home=home, **env)
        try:
            jobs.deliver_soon()  # while the claim holds: nothing is sent
            assert smtp.wait_for(1, timeout=4) == []
            assert utcnow() < claimed_until  # (the check above ran inside the lease)
            time.sleep(max((claimed_until - utcnow()).total_seconds(), 0) + 0.5)
            jobs.deliver_soon()  # after it: the survivor sends it
            [message] = smtp.wait_for(1, timeout=20)
        finally:
            stop([survivor])
        assert message["Message-ID"] == f"<outbox-{orphan}@samhallskontraktet>"
