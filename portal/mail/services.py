"""queue_email() in the caller's transaction; deliver_due() after commit and from the CLI."""

from __future__ import annotations

import logging
import smtplib
import socket
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, g, render_template
from flask_babel import force_locale
from flask_mail import Message
from sqlalchemy import select, update

from portal.extensions import db, mail
from portal.mail.models import OutboxMessage, OutboxStatus
from portal.types import utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=6)
LEASE = timedelta(minutes=5)  # a claimed message is tried again after this if its sender died


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
    with force_locale(locale):
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
    done = Delivery()
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
            if message.forget_after_sending:
                db.session.delete(message)
        db.session.commit()
    return done


def deliver_all(batch: int = 100) -> Delivery:
    """Send everything that is due, `batch` at a time, stopping at the first round with a
    failure (the server is likely down: the rest waits for a later attempt)."""
    total = Delivery()
    while True:
        done = deliver(limit=batch)
        total.sent += done.sent
        total.failed += done.failed
        total.given_up += done.given_up
        total.error = done.error or total.error
        if done.sent + done.failed < batch or done.failed:
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
        .values(next_attempt_at=now + LEASE)
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
        extra_headers={
            **(message.headers or {}),
            "Message-ID": f"<outbox-{message.id}@samhallskontraktet>",
        },
    )
    # Flask-Mail opens its SMTP connection without a timeout; a hung server must not hang us.
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(current_app.config["MAIL_TIMEOUT"])
    try:
        mail.send(msg)
    finally:
        socket.setdefaulttimeout(previous)


def deliver_after_request(response):
    """after_request hook: try what this request queued, once its transaction committed."""
    if g.pop("outbox_pending", False):
        db.session.rollback()  # anything the view did not commit must not ride along
        try:
            deliver_due(limit=10)
        except Exception:  # never fail a request because mail could not go out
            db.session.rollback()
            log.exception("outbox delivery after request failed")
    return response
