"""Self-service accounts: ask for one (`/skapa-konto`), confirm it by the mailed link
(`/skapa-konto/<token>`). The rules are in portal/accounts/registration.py."""

from __future__ import annotations

from types import SimpleNamespace

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from portal.accounts import registration, services
from portal.accounts import security_events as events
from portal.accounts.forms import NewPasswordForm, RegisterForm
from portal.accounts.models import TokenPurpose
from portal.accounts.views import _submitted_email, bp, start_session
from portal.extensions import db, limiter
from portal.permissions import public


def _sent(response) -> bool:
    return response.status_code == 200


@bp.route("/skapa-konto", methods=["GET", "POST"])
@public
@limiter.limit("20 per 15 minutes", methods=["POST"], scope="register-client")
@limiter.limit(
    "3 per hour",
    methods=["POST"],
    key_func=_submitted_email,
    deduct_when=_sent,
    scope="register-account",
)
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegisterForm()
    if form.validate_on_submit():
        registration.request_account(name=form.name.data, email=form.email.data)
        db.session.commit()
        # The same answer whether or not the address has an account already.
        hours = int(current_app.config["REGISTRATION_TTL"].total_seconds() // 3600)
        return render_template("accounts/register_sent.html", email=form.email.data, hours=hours)
    status = 422 if request.method == "POST" else 200
    return render_template(
        "accounts/register.html", form=form, domains=registration.open_domains()
    ), status


def _invalid(reason):
    return render_template(
        "accounts/token_invalid.html", reason=reason, purpose=TokenPurpose.REGISTER
    ), 410


@bp.route("/skapa-konto/<token>", methods=["GET", "POST"])
@public
def finish_registration(token: str):
    if len(token) > 100:
        abort(404)
    found = registration.check_link(token)
    if isinstance(found, services.TokenError):
        return _invalid(found)
    person = SimpleNamespace(email=found.email or "", name=found.name or "")
    form = NewPasswordForm(user=person)
    if form.validate_on_submit():
        try:
            user = registration.create_account(found, form.password.data)
            db.session.flush()
        except (services.TokenSpent, IntegrityError):
            db.session.rollback()
            return _invalid(services.TokenError.USED)
        except registration.RegistrationClosed:
            db.session.rollback()
            return _invalid(services.TokenError.UNKNOWN)
        start_session(user)
        events.record("login_succeeded", user, actor=user, method="password")
        db.session.commit()
        flash(_("Ditt konto är skapat och du är inloggad."), "success")
        return redirect(url_for("main.home"))
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/register_password.html", form=form, person=person), status
