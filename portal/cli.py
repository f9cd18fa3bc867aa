"""Command-line tasks: flask --app portal seed | outbox send | create-admin | reset-mfa |
accessibility record-check (and `retention run`, in portal/privacy/views.py).

Every command is a `@portal_command` (portal/commands.py): it runs as cron runs it."""

from __future__ import annotations

import json
import logging

import click
from email_validator import EmailNotValidError, validate_email
from flask import Flask
from flask.cli import AppGroup

from portal import audit
from portal import demo as demo_data
from portal.accessibility.services import record_check as record
from portal.accounts import mfa
from portal.accounts.models import Role, TokenPurpose, User
from portal.accounts.services import find_user_by_email, issue_token, normalise_email, set_roles
from portal.commands import CommandError, portal_command, roll_back
from portal.extensions import db
from portal.links import external_url
from portal.mail.services import MAX_ATTEMPTS, deliver, deliver_all
from portal.reference.seed import seed_reference

log = logging.getLogger(__name__)


def register_cli(app: Flask) -> None:
    @app.cli.command("seed")
    @click.option("--demo", is_flag=True, help="Lägg också till fiktiva demodata.")
    @portal_command
    def seed(demo: bool) -> None:
        """Load the reference data (idempotent); with --demo, fictitious demo data too."""

        added = seed_reference()
        lines = ["Referensdata: " + ", ".join(f"{k} +{v}" for k, v in added.items())]
        if demo:
            lines.append(f"Demoanvändare: +{demo_data.seed_demo_users()}")
            lines += [f"Demo {name}: +{n}" for name, n in demo_data.seed_demo_content().items()]
        db.session.commit()
        for line in lines:
            click.echo(line)

    outbox = AppGroup("outbox", help="The e-mail outbox.")

    @outbox.command("send")
    @portal_command
    def outbox_send() -> None:
        """Send the messages that are due (run it from cron every minute). Exits 1 when a
        message could not be sent: it stays in the outbox for a later attempt."""

        total = deliver_all()
        click.echo(f"Skickade: {total.sent}, misslyckade: {total.failed}")
        if total.failed:
            raise CommandError(not_sent(total))

    app.cli.add_command(outbox)

    accessibility = AppGroup("accessibility", help="The accessibility statement.")

    @accessibility.command("record-check")
    @click.argument("report", type=click.File("r", encoding="utf-8"))
    @portal_command
    def record_check(report) -> None:
        """Record an automated check (the JSON the browser tests write) for the statement."""

        try:
            check = record(json.load(report))
        except ValueError as error:
            raise CommandError(f"Rapporten kunde inte läsas: {error}") from None
        db.session.commit()
        click.echo(
            f"Granskning {check.checked_at:%Y-%m-%d %H:%M}: {check.pages} sidor, "
            f"{check.violations} brister."
        )

    app.cli.add_command(accessibility)

    @app.cli.command("create-admin")
    @click.option("--email", required=True)
    @click.option("--name", required=True)
    @portal_command
    def create_admin(email: str, name: str) -> None:
        """Create an administrator (the first one) and print an invitation link to choose a
        password. Nothing is e-mailed: give the person the link."""

        email, name = normalise_email(email), name.strip()
        try:
            validate_email(email, check_deliverability=False)
        except EmailNotValidError:
            raise CommandError("Skriv en e-postadress i formen namn@exempel.se.") from None
        if not name:
            raise CommandError("Fyll i namnet.")
        if len(name) > 120:
            raise CommandError("Namnet får vara högst 120 tecken.")
        if find_user_by_email(email):
            raise CommandError("Det finns redan ett konto med den e-postadressen.")
        user = User(email=email, name=name, password_hash=None)
        db.session.add(user)
        db.session.flush()
        set_roles(user, {Role.ADMIN}, actor=None)
        audit.record(
            "user_invited",
            user,
            actor=None,
            changes={"email": [None, email], "party": [None, None]},
        )
        raw = issue_token(user, TokenPurpose.INVITE)
        db.session.commit()
        click.echo(f"Välj lösenord här: {external_url('accounts.accept_invitation', token=raw)}")

    @app.cli.command("reset-mfa")
    @click.option("--email", required=True)
    @portal_command
    def reset_mfa(email: str) -> None:
        """Reset a lost second factor when no admin can log in (e.g. the only admin lost the
        phone and the recovery codes). Audited, and the user is told by e-mail."""

        user = find_user_by_email(email)
        if user is None:
            raise CommandError("Det finns inget konto med den e-postadressen.")
        try:
            mfa.reset(user, actor=None)
        except mfa.MfaRefused as refused:
            raise CommandError(str(refused.message)) from None
        db.session.commit()
        click.echo(f"Tvåstegsverifieringen för {user.email} är återställd.")
        # The reset is done; the e-mail is the outbox's to send if it cannot go now.
        try:
            failed = deliver().failed
        except Exception:
            roll_back()
            log.warning("outbox delivery after reset-mfa failed", exc_info=True)
            failed = 1
        if failed:
            click.echo(
                "E-postmeddelandet kunde inte skickas nu. Det ligger kvar i utkorgen och "
                "skickas med flask outbox send."
            )


def not_sent(delivery) -> str:
    """ "3 meddelanden kunde inte skickas (ConnectionRefusedError: …). De ligger kvar …" """

    n, given_up = delivery.failed, delivery.given_up
    waiting = n - given_up
    text = f"{n} {'meddelande' if n == 1 else 'meddelanden'} kunde inte skickas ({delivery.error})."
    later = "ligger kvar i utkorgen och skickas vid ett senare försök"
    never = f"har misslyckats {MAX_ATTEMPTS} gånger och skickas inte igen"
    if not given_up:
        return f"{text} {'Det' if n == 1 else 'De'} {later}."
    if not waiting:
        return f"{text} {'Det' if n == 1 else 'De'} {never}."
    return f"{text} {waiting} {later}, {given_up} {never}."
