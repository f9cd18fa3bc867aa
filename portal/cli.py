"""Command-line tasks: flask --app portal seed | outbox send | create-admin |
accessibility record-check."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from portal.extensions import db


def register_cli(app: Flask) -> None:
    @app.cli.command("seed")
    @click.option("--demo", is_flag=True, help="Lägg också till fiktiva demodata.")
    def seed(demo: bool) -> None:
        """Load the reference data (idempotent); with --demo, fictitious demo data too."""
        from portal import demo as demo_data
        from portal.reference.seed import seed_reference

        added = seed_reference()
        click.echo("Referensdata: " + ", ".join(f"{k} +{v}" for k, v in added.items()))
        if demo:
            click.echo(f"Demoanvändare: +{demo_data.seed_demo_users()}")
            for name, count in demo_data.seed_demo_content().items():
                click.echo(f"Demo {name}: +{count}")
        db.session.commit()

    outbox = AppGroup("outbox", help="The e-mail outbox.")

    @outbox.command("send")
    def outbox_send() -> None:
        """Send the messages that are due (run it from cron every minute)."""
        from portal.mail.services import deliver_due

        total_sent = total_failed = 0
        while True:
            sent, failed = deliver_due(limit=100)
            total_sent += sent
            total_failed += failed
            if sent + failed < 100 or failed:
                break
        click.echo(f"Skickade: {total_sent}, misslyckade: {total_failed}")

    app.cli.add_command(outbox)

    accessibility = AppGroup("accessibility", help="The accessibility statement.")

    @accessibility.command("record-check")
    @click.argument("report", type=click.File("r", encoding="utf-8"))
    def record_check(report) -> None:
        """Record an automated check (the JSON the browser tests write) for the statement."""
        import json

        from portal.accessibility.services import record_check as record

        try:
            check = record(json.load(report))
        except ValueError as error:
            raise click.ClickException(f"Rapporten kunde inte läsas: {error}") from None
        db.session.commit()
        click.echo(
            f"Granskning {check.checked_at:%Y-%m-%d %H:%M}: {check.pages} sidor, "
            f"{check.violations} brister."
        )

    app.cli.add_command(accessibility)

    @app.cli.command("create-admin")
    @click.option("--email", required=True)
    @click.option("--name", required=True)
    def create_admin(email: str, name: str) -> None:
        """Create the first administrator and print an invitation link (also e-mailed)."""
        from portal.accounts.models import Role, TokenPurpose, User, UserRole
        from portal.accounts.services import find_user_by_email, issue_token, normalise_email

        if find_user_by_email(email):
            raise click.ClickException("Det finns redan ett konto med den e-postadressen.")
        user = User(email=normalise_email(email), name=name)
        user.role_rows = [UserRole(role=Role.ADMIN.value)]
        db.session.add(user)
        db.session.flush()
        raw = issue_token(user, TokenPurpose.INVITE)
        db.session.commit()
        from flask import current_app

        click.echo(f"Välj lösenord här: {current_app.config['BASE_URL']}/valkommen/{raw}")

    @app.cli.command("reset-mfa")
    @click.option("--email", required=True)
    def reset_mfa(email: str) -> None:
        """Reset a lost second factor when no admin can log in (e.g. the only admin lost the
        phone and the recovery codes). Audited, and the user is told by e-mail."""
        from flask_babel import force_locale

        from portal.accounts import mfa
        from portal.accounts.services import find_user_by_email
        from portal.mail.services import deliver_due

        user = find_user_by_email(email)
        if user is None:
            raise click.ClickException("Det finns inget konto med den e-postadressen.")
        with force_locale("sv"):  # no request to choose a language from
            try:
                mfa.reset(user, actor=None)
            except mfa.MfaRefused as refused:
                raise click.ClickException(str(refused.message)) from None
        db.session.commit()
        deliver_due()
        click.echo(f"Tvåstegsverifieringen för {user.email} är återställd.")
