from __future__ import annotations

import time

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from portal.accounts import services
from portal.accounts.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    NewPasswordForm,
)
from portal.accounts.models import TokenPurpose
from portal.accounts.passwords import verify_password
from portal.extensions import db, limiter
from portal.permissions import is_safe_next, login_required, public

bp = Blueprint("accounts", __name__)


def _submitted_email() -> str:
    return "account:" + services.normalise_email(request.form.get("email", ""))[:254]


def _failed(response) -> bool:
    return response.status_code == 422


@bp.route("/logga-in", methods=["GET", "POST"])
@public
@limiter.limit("30 per 15 minutes", methods=["POST"], deduct_when=_failed, scope="login-client")
@limiter.limit(
    "10 per 15 minutes",
    methods=["POST"],
    key_func=_submitted_email,
    deduct_when=_failed,
    scope="login-account",
)
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
        if current_user.is_authenticated:
            return redirect(_next_or_home(form.next.data))
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            start_session(user)
            db.session.commit()
            flash(_("Du är inloggad."), "success")
            return redirect(_next_or_home(form.next.data))
        # One message whether the account exists or not.
        form.form_errors.append(_("Fel e-postadress eller lösenord."))
    return render_template(
        "accounts/login.html", form=form
    ), 422 if request.method == "POST" else 200


def start_session(user) -> None:
    """A fresh session: nothing from before the login survives (no session fixation)."""
    lang = session.get("lang")
    session.clear()
    login_user(user)
    now = time.time()
    session["_started"] = session["_seen"] = now
    session.permanent = True
    if user.locale or lang:
        session["lang"] = user.locale or lang


def _next_or_home(target: str | None) -> str:
    return target if is_safe_next(target) else url_for("main.home")


@bp.post("/logga-ut")
@login_required
def logout():
    services.end_all_sessions(current_user)
    db.session.commit()
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("Du är utloggad."), "success")
    return redirect(url_for("main.home"))


@bp.route("/glomt-losenord", methods=["GET", "POST"])
@public
@limiter.limit("10 per 15 minutes", methods=["POST"], scope="reset-client")
@limiter.limit("3 per hour", methods=["POST"], key_func=_submitted_email, scope="reset-account")
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        # The same answer whether or not the account exists.
        return render_template("accounts/forgot_sent.html", email=form.email.data)
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/forgot.html", form=form), status


@bp.route("/losenord/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    return _set_password_with_token(token, TokenPurpose.RESET)


@bp.route("/valkommen/<token>", methods=["GET", "POST"])
@public
def accept_invitation(token: str):
    return _set_password_with_token(token, TokenPurpose.INVITE)


def _set_password_with_token(raw: str, purpose: TokenPurpose):
    if len(raw) > 100:
        abort(404)
    found = services.check_token(raw, purpose)
    if isinstance(found, services.TokenError):
        return render_template("accounts/token_invalid.html", reason=found, purpose=purpose), 410
    form = NewPasswordForm(user=found.user)
    if form.validate_on_submit():
        user = services.use_token(found, form.password.data)
        start_session(user)
        db.session.commit()
        flash(_("Ditt lösenord är sparat och du är inloggad."), "success")
        return redirect(url_for("main.home"))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "accounts/set_password.html", form=form, purpose=purpose, user=found.user
    ), status


@bp.get("/konto")
@login_required
def account():
    return render_template("accounts/account.html", form=ChangePasswordForm(user=current_user))


@bp.post("/konto/losenord")
@login_required
@limiter.limit("10 per 15 minutes", scope="change-password")
def change_password():
    form = ChangePasswordForm(user=current_user)
    if form.validate_on_submit():
        user = current_user._get_current_object()  # the User, not the proxy (audit log)
        if verify_password(user.password_hash, form.current.data):
            services.set_password(user, form.password.data, actor=user)
            start_session(user)  # this session goes on; all others end
            db.session.commit()
            flash(_("Ditt lösenord är bytt. Du har loggats ut överallt utom här."), "success")
            return redirect(url_for("accounts.account"))
        form.current.errors = [*form.current.errors, _("Det nuvarande lösenordet stämmer inte.")]
    return render_template("accounts/account.html", form=form), 422
