"""The e-mail outbox: mail waits in the database when SMTP is down and goes out later."""

from __future__ import annotations

import re
import socket
import threading
import time
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.extensions import db as _db
from portal.mail.models import OutboxMessage, OutboxStatus
from portal.mail.services import (
    BACKOFF_BASE,
    BACKOFF_CAP,
    MAX_ATTEMPTS,
    backoff,
    deliver_due,
    queue_email,
    without_private_links,
)
from portal.types import utcnow
from tests.conftest import post_form
from tests.factories import make_user


def request_reset(client, email: str):
    return post_form(client, "/glomt-losenord", {"email": email})


def outbox() -> list[OutboxMessage]:
    _db.session.expire_all()
    return list(_db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def make_due(message: OutboxMessage) -> None:
    message.next_attempt_at = utcnow() - timedelta(seconds=1)
    _db.session.commit()


def outbox_send(app) -> str:
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    return result.output.strip()


def test_mail_goes_out_right_after_the_request(client, db, smtp):
    user = make_user()
    request_reset(client, user.email)
    assert len(smtp.wait_for(1)) == 1
    [message] = outbox()
    assert message.status == OutboxStatus.SENT
    assert message.attempts == 1
    assert message.sent_at is not None
    assert message.last_error == ""


def test_with_smtp_down_the_request_answers_and_the_mail_waits(app, client, db, smtp):
    user = make_user()
    smtp.stop()

    before = utcnow()
    response = request_reset(client, user.email)
    assert response.status_code == 200
    assert "Kolla din e-post" in response.get_data(as_text=True)

    [message] = outbox()
    assert message.status == OutboxStatus.PENDING
    assert message.attempts == 1
    assert message.last_error
    assert message.next_attempt_at >= before + BACKOFF_BASE - timedelta(seconds=1)
    assert message.sent_at is None

    # Not due yet: the command leaves it alone, even with SMTP back.
    smtp.start()
    assert outbox_send(app) == "Skickade: 0, misslyckade: 0"
    assert smtp.messages == []

    make_due(message)
    assert outbox_send(app) == "Skickade: 1, misslyckade: 0"
    messages = smtp.wait_for(1)
    assert len(messages) == 1
    assert messages[0]["To"] == user.email
    assert "/losenord/" in smtp.body(messages[0])
    [message] = outbox()
    assert message.status == OutboxStatus.SENT
    assert message.attempts == 2
    assert message.last_error == ""

    # Delivered once: running the command again sends nothing more.
    assert outbox_send(app) == "Skickade: 0, misslyckade: 0"
    assert len(smtp.messages) == 1


def test_the_command_counts_failures_while_smtp_is_down_and_exits_1(app, client, db, smtp):
    smtp.stop()
    request_reset(client, make_user().email)
    [message] = outbox()
    make_due(message)
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert result.exit_code == 1
    assert result.stdout.strip() == "Skickade: 0, misslyckade: 1"
    assert result.stderr.startswith("Fel: 1 meddelande kunde inte skickas (ConnectionRefusedError")
    assert result.stderr.endswith(
        "). Det ligger kvar i utkorgen och skickas vid ett senare försök.\n"
    )
    assert outbox()[0].attempts == 2
    assert outbox()[0].status == OutboxStatus.PENDING


def test_the_command_says_which_messages_it_gave_up(app, db, smtp):
    smtp.stop()
    for attempts in (1, MAX_ATTEMPTS - 1):
        queue_email(
            "someone@example.org", "password_reset", "Ämne", user=make_user(), link="x", hours=1
        ).attempts = attempts
    _db.session.commit()
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert result.exit_code == 1
    assert result.stderr.endswith(
        "). 1 ligger kvar i utkorgen och skickas vid ett senare försök, 1 har misslyckats "
        f"{MAX_ATTEMPTS} gånger och skickas inte igen.\n"
    )
    assert [m.status for m in outbox()] == [OutboxStatus.PENDING, OutboxStatus.FAILED]


def test_a_later_request_also_sends_what_has_become_due(client, db, smtp):
    first, second = make_user(), make_user()
    smtp.stop()
    request_reset(client, first.email)
    smtp.start()
    make_due(outbox()[0])

    request_reset(client, second.email)

    recipients = sorted(m["To"] for m in smtp.wait_for(2))
    assert recipients == sorted([first.email, second.email])
    assert {m.status for m in outbox()} == {OutboxStatus.SENT}


def test_backoff_grows_with_each_failure(db, smtp):
    smtp.stop()
    queue_email(
        "someone@example.org", "password_reset", "Ämne", user=make_user(), link="x", hours=1
    )
    _db.session.commit()
    waits = []
    for _ in range(5):
        make_due(outbox()[0])
        before = utcnow()
        assert deliver_due() == (0, 1)
        message = outbox()[0]
        waits.append(message.next_attempt_at - before)
    minutes = [round(wait.total_seconds() / 60) for wait in waits]
    assert minutes == [1, 2, 4, 8, 16]
    assert outbox()[0].attempts == 5
    assert outbox()[0].status == OutboxStatus.PENDING


def test_the_outbox_gives_up_after_max_attempts(db, smtp):
    smtp.stop()
    queue_email(
        "someone@example.org", "password_reset", "Ämne", user=make_user(), link="x", hours=1
    )
    _db.session.commit()
    message = outbox()[0]
    message.attempts = MAX_ATTEMPTS - 1
    make_due(message)
    assert deliver_due() == (0, 1)
    message = outbox()[0]
    assert message.status == OutboxStatus.FAILED
    assert message.attempts == MAX_ATTEMPTS
    # A failed message is not tried again.
    make_due(message)
    smtp.start()
    assert deliver_due() == (0, 0)
    assert smtp.messages == []


@pytest.mark.parametrize(
    ("attempts", "wait"),
    [
        (1, timedelta(minutes=1)),
        (2, timedelta(minutes=2)),
        (3, timedelta(minutes=4)),
        (6, timedelta(minutes=32)),
        (9, timedelta(minutes=256)),
        (10, BACKOFF_CAP),
        (MAX_ATTEMPTS, BACKOFF_CAP),
    ],
)
def test_backoff_doubles_up_to_a_cap(attempts, wait):
    assert backoff(attempts) == wait


def test_mail_is_stored_in_the_callers_transaction(db):
    queue_email(
        "someone@example.org", "password_reset", "Ämne", user=make_user(), link="x", hours=1
    )
    _db.session.rollback()
    assert _db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_without_mail_server_the_message_is_printed(client, db, capsys):
    user = make_user()
    request_reset(client, user.email)
    printed = capsys.readouterr().out
    assert f"e-post till {user.email}" in printed
    assert "/losenord/" in printed
    assert outbox()[0].status == OutboxStatus.SENT


def test_mail_is_written_in_the_recipients_language(client, db, smtp):
    user = make_user()
    user.locale = "en"
    _db.session.commit()
    request_reset(client, user.email)
    [message] = smtp.wait_for(1)
    assert message["Subject"] == "Reset your password for the Samhällskontraktet idea portal"
    assert "Hello" in smtp.body(message)


def test_two_senders_at_once_send_each_message_once(app, db, smtp):
    """A request's delivery and `flask outbox send` at the same moment: each message is
    claimed before it is sent, so the SMTP server gets it once."""
    import threading

    from portal.mail.services import deliver

    with app.test_request_context():
        for n in range(30):
            queue_email(f"mottagare{n}@example.org", "password_reset", "Ämne", link="x", user=None)
    _db.session.commit()
    barrier = threading.Barrier(3)
    results = []

    def sender():
        with app.app_context():
            barrier.wait()
            results.append(deliver(limit=50))
            _db.session.remove()

    threads = [threading.Thread(target=sender) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    smtp.wait_for(30)
    recipients = sorted(str(m["To"]) for m in smtp.messages)
    assert recipients == sorted(f"mottagare{n}@example.org" for n in range(30))
    assert sum(r.sent for r in results) == 30
    assert {m.status for m in outbox()} == {OutboxStatus.SENT}


# --- what the outbox keeps, and how long it waits --------------------------------------------


def test_a_sent_message_keeps_no_usable_private_link(client, db, smtp):
    user = make_user()
    request_reset(client, user.email)
    [sent] = smtp.wait_for(1)
    link = re.search(r"https?://\S+/losenord/([A-Za-z0-9_-]+)", smtp.body(sent))
    assert link, smtp.body(sent)  # the person got the working link...
    [message] = outbox()
    assert message.status == OutboxStatus.SENT
    # ...but the stored copy no longer holds the token, in either part.
    assert link.group(1) not in message.body_text
    assert link.group(1) not in message.body_html
    assert "/losenord/…" in message.body_text
    # The link still works for the person who got it.
    assert client.get(f"/losenord/{link.group(1)}").status_code == 200


def test_a_message_waiting_to_be_sent_keeps_its_link(app, client, db, smtp):
    user = make_user()
    smtp.stop()
    request_reset(client, user.email)
    [message] = outbox()
    assert message.status == OutboxStatus.PENDING
    assert re.search(r"/losenord/[A-Za-z0-9_-]{20,}", message.body_text)


def test_private_links_are_found_by_their_routes(app):
    with app.test_request_context():
        body = (
            "Återställ: https://portal.example/losenord/AbC-123_xyz?lang=sv\n"
            "Ditt bidrag: https://portal.example/mitt-bidrag/Tok3n.signed-part/komplettera\n"
            "Utlysning: https://portal.example/utlysningar/barn-i-rorelse\n"
        )
        assert without_private_links(body) == (
            "Återställ: https://portal.example/losenord/…?lang=sv\n"
            "Ditt bidrag: https://portal.example/mitt-bidrag/…/komplettera\n"
            "Utlysning: https://portal.example/utlysningar/barn-i-rorelse\n"
        )


def test_a_hung_smtp_server_times_out_without_the_process_wide_socket_default(app, db, monkeypatch):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()  # accepts, and never says a word
    seen: set = set()
    stop = threading.Event()

    def watch() -> None:  # what another thread would get as the default meanwhile
        while not stop.is_set():
            seen.add(socket.getdefaulttimeout())
            time.sleep(0.01)

    watcher = threading.Thread(target=watch)
    for key, value in {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": listener.getsockname()[1],
        "MAIL_TIMEOUT": 1,
    }.items():
        monkeypatch.setitem(app.config, key, value)  # the app is session-wide
    try:
        queue_email("anna@example.org", "password_reset", "Test", user=make_user(), link="x")
        _db.session.commit()
        watcher.start()
        started = time.monotonic()
        sent, failed = deliver_due()
        took = time.monotonic() - started
    finally:
        stop.set()
        listener.close()
    watcher.join()
    assert (sent, failed) == (0, 1)
    assert took < 5
    assert seen == {None}
    [message] = outbox()
    assert message.status == OutboxStatus.PENDING
    assert message.attempts == 1  # tried once, and waits for the next attempt


@pytest.fixture
def worker_mode(app, monkeypatch):
    """The (session-wide) app in BACKGROUND_JOBS=worker mode for one test, on a Redis URL."""
    from portal import worker

    def switch(redis_url: str) -> worker.Jobs:
        for key, value in {
            "BACKGROUND_JOBS": "worker",
            "REDIS_URL": redis_url,
            "WORKER_QUEUE_NAME": f"test-{uuid.uuid4().hex[:8]}",
        }.items():
            monkeypatch.setitem(app.config, key, value)
        jobs = worker.Jobs(app)
        monkeypatch.setitem(app.extensions, "portal.jobs", jobs)
        return jobs

    return switch


def test_in_worker_mode_a_request_queues_the_delivery_for_a_worker(client, db, smtp, worker_mode):
    jobs = worker_mode("redis://127.0.0.1:6379/0")
    try:
        user = make_user()
        request_reset(client, user.email)
        assert smtp.wait_for(1, timeout=1) == []  # the request did not send it
        [message] = outbox()
        assert message.status == OutboxStatus.PENDING
        assert jobs.huey.pending_count() == 1  # but asked a worker to, on Redis
        task = jobs.huey.dequeue()
        assert task.name == "deliver_outbox"
        assert jobs.huey.execute(task) == 1  # as a worker runs it: one message sent
        assert len(smtp.wait_for(1)) == 1
        assert outbox()[0].status == OutboxStatus.SENT
    finally:
        jobs.huey.storage.flush_all()


def test_with_redis_down_a_request_in_worker_mode_still_answers(client, db, smtp, worker_mode):
    worker_mode("redis://127.0.0.1:1/0")  # nobody listens on port 1
    user = make_user()
    response = request_reset(client, user.email)
    assert response.status_code == 200  # "Kolla din e-post", as always
    [message] = outbox()
    assert message.status == OutboxStatus.PENDING  # the every-minute run sends it later
