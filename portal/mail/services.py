"""queue_email() in the caller's transaction; deliver_due() after commit and from the CLI."""

from __future__ import annotations

import logging
import re
import smtplib
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, g, render_template
from flask_babel import force_locale
from flask_mail import Connection, Message
from sqlalchemy import select, update

from portal.config import babel_locale
from portal.extensions import db
from portal.mail.models import OutboxMessage, OutboxStatus
from portal.types import utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=6)
# A claimed message is tried again after this if its sender died (MAIL_LEASE_SECONDS).
LEASE = timedelta(minutes=5)


def queue_email(
    recipient: str,
    template: str,
    subject: str,
    *,
    locale: str = "sv",
    forget_after_sending: bool = False,
    headers: dict[str, str] | None = None,
    **context,
) -> OutboxMessage:
    """Render templates/email/<template>.txt and .html and store the message (not sent yet).

    `subject` should be a lazy or plain string; it is rendered in the recipient's locale.
    With `forget_after_sending` the message is deleted once sent (an erasure's receipt);
    `headers` are extra header lines sent with it (List-Unsubscribe).
    """
    with force_locale(babel_locale(locale)):
        text = render_template(f"email/{template}.txt", **context)
        html = render_template(f"email/{template}.html", **context)
        subject = str(subject)
    message = OutboxMessage(
        recipient=recipient,
        subject=subject,
        body_text=text,
        body_html=html,
        template=template,
        forget_after_sending=forget_after_sending,
        headers=dict(headers) if headers else None,
    )
    db.session.add(message)
    g.outbox_pending = True
    return message


def backoff(attempts: int) -> timedelta:
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_CAP)


@dataclass
class Delivery:
    """What one delivery round did."""

    sent: int = 0
    failed: int = 0  # not sent this time: still queued for a later attempt, or given up
    given_up: int = 0  # of those, failed for the MAX_ATTEMPTS-th time: not tried again
    error: str = ""  # the last failure, without personal data (for the command's message)
    seen: int = 0  # due messages looked at (some may have been claimed by another sender)

    def add(self, other: Delivery) -> None:
        self.sent += other.sent
        self.failed += other.failed
        self.given_up += other.given_up
        self.seen += other.seen
        self.error = other.error or self.error


def deliver_due(limit: int = 50) -> tuple[int, int]:
    """Send the pending messages that are due. Returns (sent, failed this round)."""
    done = deliver(limit)
    return done.sent, done.failed


def deliver(limit: int = 50) -> Delivery:
    """Send the pending messages that are due; each one's outcome is committed at once.

    Each message is claimed before it is sent: a conditional UPDATE moves its next attempt
    LEASE ahead and commits, so a request's delivery and `flask outbox send` running at the
    same moment never both send it. A sender that dies mid-send leaves the message to be
    tried again when the lease has passed."""
    now = utcnow()
    due = db.session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()
    db.session.rollback()
    done = Delivery(seen=len(due))
    for message_id in due:
        message = _claim(message_id)
        if message is None:
            continue  # another sender has it
        try:
            _send(message)
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            done.failed += 1
            done.error = _describe(exc)
            message.attempts += 1
            message.last_error = f"{type(exc).__name__}: {exc}"[:1000]
            if message.attempts >= MAX_ATTEMPTS:
                message.status = OutboxStatus.FAILED
                done.given_up += 1
            message.next_attempt_at = utcnow() + backoff(message.attempts)
            log.warning("outbox message %s not sent (attempt %s)", message.id, message.attempts)
        else:
            done.sent += 1
            message.attempts += 1
            message.status = OutboxStatus.SENT
            message.sent_at = utcnow()
            message.last_error = ""
            message.body_text = without_private_links(message.body_text)
            message.body_html = without_private_links(message.body_html)
            if message.headers:
                message.headers = {k: without_private_links(v) for k, v in message.headers.items()}
            if message.forget_after_sending:
                db.session.delete(message)
        db.session.commit()
    return done


def deliver_all(batch: int = 100) -> Delivery:
    """Send everything that is due, batch after batch, until a batch comes back short (or a
    message fails: the server is likely down, the rest waits for the next run)."""
    total = Delivery()
    while True:
        done = deliver(limit=batch)
        total.add(done)
        if done.seen < batch or done.failed:
            return total


def _claim(message_id: int) -> OutboxMessage | None:
    now = utcnow()
    claimed = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.next_attempt_at <= now,
        )
        .values(next_attempt_at=now + current_app.config.get("MAIL_LEASE", LEASE))
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return db.session.get(OutboxMessage, message_id) if claimed == 1 else None


def _describe(exc: Exception) -> str:
    """The error's class and first line; a refused recipient's error names the address, so
    only its class."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return type(exc).__name__
    first = next((line.strip() for line in str(exc).splitlines() if line.strip()), "")
    return f"{type(exc).__name__}: {first}"[:200] if first else type(exc).__name__


def _send(message: OutboxMessage) -> None:
    if not current_app.config.get("MAIL_SERVER"):
        # Development default: the message goes to the console instead of an SMTP server.
        print(  # noqa: T201
            f"\n--- e-post till {message.recipient} ---\nÄmne: {message.subject}\n\n"
            f"{message.body_text}\n--- slut ---\n",
            flush=True,
        )
        return
    msg = Message(
        subject=message.subject,
        recipients=[message.recipient],
        body=message.body_text,
        html=message.body_html or None,
        extra_headers=dict(message.headers or {}),  # e.g. List-Unsubscribe
    )
    # One Message-ID, the outbox's (an extra header would add a second one beside Flask-Mail's).
    msg.msgId = f"<outbox-{message.id}@samhallskontraktet>"
    state = current_app.extensions["mail"]
    with TimedConnection(state, current_app.config["MAIL_TIMEOUT"]) as connection:
        connection.send(msg)


class TimedConnection(Connection):
    """Flask-Mail's connection, opened with a timeout: Flask-Mail opens its SMTP connection
    without one, and a hung server must not hang a request or the worker. The timeout is the
    connection's own, never the process-wide socket default other threads would share."""

    def __init__(self, state, timeout: float) -> None:
        super().__init__(state)
        self.timeout = timeout

    def configure_host(self) -> smtplib.SMTP:
        smtp = smtplib.SMTP_SSL if self.mail.use_ssl else smtplib.SMTP
        host = smtp(self.mail.server, self.mail.port, timeout=self.timeout)
        if self.mail.use_tls:
            host.starttls()
        if self.mail.username and self.mail.password:
            host.login(self.mail.username, self.mail.password)
        return host


def private_link_pattern() -> re.Pattern:
    """The portal's links that carry a secret: every route with a <token> part (a password
    reset, an invitation, a resident's private page, …), up to the token's end. Built from the
    app's routes once per app."""
    made = current_app.extensions.get("portal.private_links")
    if made is None:
        made = current_app.extensions["portal.private_links"] = _private_link_pattern()
    return made


def _private_link_pattern() -> re.Pattern:
    prefixes = sorted(
        {
            rule.rule.split("<token>")[0]
            for rule in current_app.url_map.iter_rules()
            if "token" in rule.arguments
        },
        key=len,
        reverse=True,
    )
    alternatives = "|".join(re.escape(prefix) for prefix in prefixes) or r"(?!)"
    return re.compile(f"({alternatives})[A-Za-z0-9_.~%-]+")


def without_private_links(body: str) -> str:
    """The body with the secret part of each private link replaced: once a message is sent,
    the outbox keeps what it said, not a key someone reading the database could use."""
    return private_link_pattern().sub(r"\1…", body) if body else body


def deliver_after_request(response):
    """after_request hook: try what this request queued, once its transaction committed."""
    if g.pop("outbox_pending", False):
        db.session.rollback()  # anything the view did not commit must not ride along
        jobs = current_app.extensions.get("portal.jobs")
        try:
            if jobs is not None and jobs.queued:
                jobs.deliver_soon()  # a worker sends it (portal/worker.py)
            else:
                deliver_due(limit=10)
        except Exception:  # never fail a request because mail could not go out
            db.session.rollback()
            log.exception("outbox delivery after request failed (the next run sends it)")
    return response
