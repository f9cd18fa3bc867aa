"""Milestone e-mail: an employee's choices (/konto/e-post), the link that stops them
(/e-post/sluta/<token>, no login) and `flask notifications send` (daily, from cron)."""

from __future__ import annotations

from datetime import datetime

import click
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.commands import CommandError, portal_command
from portal.extensions import csrf, db
from portal.mail.services import deliver_all
from portal.notifications import services
from portal.notifications.forms import PreferencesForm, UnsubscribeForm
from portal.notifications.models import OPTIONAL_KINDS
from portal.permissions import login_required, public

bp = Blueprint("notifications", __name__, cli_group=None)


@bp.get("/konto/e-post")
@login_required
def preferences():
    form = PreferencesForm()
    off = services.opted_out(current_user)
    form.kinds.data = [k.value for k in OPTIONAL_KINDS if k.value not in off]
    return render_template("notifications/preferences.html", form=form)


@bp.post("/konto/e-post")
@login_required
def save_preferences():
    user = current_user._get_current_object()
    form = PreferencesForm()
    if not form.validate_on_submit():
        return render_template("notifications/preferences.html", form=form), 422
    if services.set_preferences(user, form.kinds.data or [], actor=user):
        db.session.commit()
        flash(_("Dina val för e-post är sparade."), "success")
    else:
        flash(_("Inget ändrades."), "info")
    return redirect(url_for("notifications.preferences"), code=303)


@bp.route("/e-post/sluta/<token>", methods=["GET", "POST"])
@public
@csrf.exempt  # RFC 8058: the mail program's one-click POST carries no token; the link is one
def unsubscribe(token: str):
    subscriber = services.subscriber_of(token)
    if subscriber is None:
        return render_template("notifications/unsubscribe.html", subscriber=None), 404
    if request.method == "GET":  # mail scanners open links: a GET only asks
        return render_template(
            "notifications/unsubscribe.html", subscriber=subscriber, form=UnsubscribeForm()
        )
    if services.unsubscribe(subscriber):
        db.session.commit()
    if request.form.get("List-Unsubscribe") == "One-Click":  # the mail program, not a person
        return render_template("notifications/unsubscribe.html", subscriber=subscriber)
    flash(
        _("Klart. Du får inga fler e-postmeddelanden om vad som händer med dina idéer."), "success"
    )
    return redirect(url_for("notifications.unsubscribe", token=token), code=303)


# --- the command ---------------------------------------------------------------------------------


@bp.cli.group("notifications", help="E-post till inlämnare om vad som händer med deras idéer.")
def notifications_cli() -> None:
    """Milestone e-mail to submitters."""


@notifications_cli.command("send")
@click.option(
    "--today", type=click.DateTime(formats=["%Y-%m-%d"]), help="Kör som om det vore den dagen."
)
@portal_command
def send(today: datetime | None) -> None:
    """E-mail each submitter what happened to their ideas before today: one e-mail a day per
    person (run it once a morning from cron; running it again sends nothing new)."""
    done = services.send_due(today.date() if today else None)
    click.echo(
        f"Milstolpar: {done.milestones} i {done.messages} e-postmeddelanden "
        f"({done.digests} sammanfattningar), {done.skipped} utan mottagare"
    )
    total = deliver_all()
    click.echo(f"Skickade: {total.sent}, misslyckade: {total.failed}")
    if total.failed:
        raise CommandError(
            f"{total.failed} meddelanden kunde inte skickas ({total.error}). De ligger kvar i "
            "utkorgen och skickas med flask outbox send."
        )
