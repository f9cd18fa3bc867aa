from __future__ import annotations

import json
import time

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.accounts import mfa, services, sessions, sso
from portal.accounts import security_events as events
from portal.accounts.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    NewPasswordForm,
    RecoveryCodeForm,
    TotpCodeForm,
)
from portal.accounts.models import TokenPurpose, User, UserSession
from portal.accounts.passwords import verify_password
from portal.extensions import db, limiter
from portal.permissions import is_safe_next, login_required, public
from portal.types import utcnow

bp = Blueprint("accounts", __name__)


@bp.app_context_processor
def session_labels() -> dict:
    return {"session_methods": sessions.METHOD_LABELS}


def _submitted_email() -> str:
    return "account:" + services.normalise_email(request.form.get("email", ""))[:254]


def _submitted_email_from_client() -> str:
    return f"{_submitted_email()}|client:{get_remote_address()}"


def _failed(response) -> bool:
    return response.status_code == 422


@bp.route("/logga-in", methods=["GET", "POST"])
@public
@limiter.limit(
    "30 per 15 minutes",
    methods=["POST"],
    deduct_when=_failed,
    scope="login-client",
    on_breach=events.on_throttled("client", events.user_from_form),
)
# Failed attempts are counted three ways. One client guessing many accounts: 30 per quarter
# of an hour. One client guessing one account: 10 per quarter of an hour — that client stops,
# while the account's owner, from another client, still gets in. One account guessed from
# many clients: 100 per hour, a slower backoff (ASVS 2.2.1's ceiling), so that ten wrong
# passwords from somebody else never lock a person out.
@limiter.limit(
    "10 per 15 minutes",
    methods=["POST"],
    key_func=_submitted_email_from_client,
    deduct_when=_failed,
    scope="login-account-client",
    on_breach=events.on_throttled("account_client", events.user_from_form),
)
@limiter.limit(
    "100 per hour",
    methods=["POST"],
    key_func=_submitted_email,
    deduct_when=_failed,
    scope="login-account",
    on_breach=events.on_throttled("account", events.user_from_form),
)
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
        if current_user.is_authenticated:
            return redirect(_next_or_home(form.next.data))
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None and user.has_mfa:
            db.session.commit()  # a rehashed password
            return _ask_for_second_factor(user, form.next.data)
        if user is not None:
            return _logged_in(user, "password", form.next.data)
        events.login_failed(form.email.data)
        db.session.commit()
        # One message whether the account exists or not.
        form.form_errors.append(_("Fel e-postadress eller lösenord."))
    return render_template(
        "accounts/login.html", form=form
    ), 422 if request.method == "POST" else 200


def start_session(user: User, method: str = "password") -> None:
    """A fresh session: nothing from before the login survives (no session fixation)."""
    lang = session.get("lang")
    session.clear()
    login_user(user)
    now = time.time()
    session["_started"] = session["_seen"] = now
    session.permanent = True
    if user.locale or lang:
        session["lang"] = user.locale or lang
    sessions.begin(user, method)


def _logged_in(user: User, method: str, target: str | None, *, provider_factor: bool = False):
    """The login is complete: a new session, the event, and on to where the user was going
    (or first to enrolment, when the user's roles require a second factor they lack and no
    identity provider asserted one: `provider_factor`)."""
    start_session(user, method)
    if provider_factor:
        session[mfa.PROVIDER_FACTOR] = user.id
    user.last_login_at = utcnow()
    events.record("login_succeeded", user, actor=user, method=method)
    db.session.commit()
    flash(_("Du är inloggad."), "success")
    if mfa.needs_enrolment(user):
        session[AFTER_SETUP] = target if is_safe_next(target) else ""
        return redirect(url_for("accounts.mfa_setup"))
    return redirect(_next_or_home(target))


# --- the second step of a login -------------------------------------------------------------

PENDING = "_mfa_pending"
SETUP_SECRET = "_mfa_setup"  # noqa: S105  (a session key, not a secret)
NEW_CODES = "_mfa_new_codes"
AFTER_SETUP = "_mfa_next"


def _ask_for_second_factor(user: User, target: str | None, *, via: str = ""):
    """The password (or, `via` "oidc", the identity provider) was right: remember who, for a
    few minutes, and ask for the code. The session is not logged in meanwhile, so it opens
    nothing else."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    session[PENDING] = {
        "user": user.id,
        "version": user.session_version,
        "at": time.time(),
        "next": target if is_safe_next(target) else "",
        "via": via,
    }
    return redirect(url_for("accounts.login_code"))


def _pending_user() -> User | None:
    pending = session.get(PENDING)
    if not isinstance(pending, dict):
        return None
    age = time.time() - pending.get("at", 0)
    user = db.session.get(User, pending.get("user", 0))
    if (
        age > current_app.config["MFA_PENDING_TTL"].total_seconds()
        or user is None
        or not user.active
        or user.session_version != pending.get("version")
        or not user.has_mfa
    ):
        session.pop(PENDING, None)
        return None
    return user


def _pending_key() -> str:
    pending = session.get(PENDING)
    return f"mfa:{pending.get('user')}" if isinstance(pending, dict) else "mfa:none"


def _pending_user_or_none() -> User | None:
    pending = session.get(PENDING)
    return db.session.get(User, pending.get("user", 0)) if isinstance(pending, dict) else None


# The code and the recovery-code pages share their limits: five wrong codes per account.
second_factor_account_limit = limiter.shared_limit(
    "5 per 15 minutes",
    scope="mfa-account",
    key_func=_pending_key,
    methods=["POST"],
    deduct_when=_failed,
    on_breach=events.on_throttled("second_factor", _pending_user_or_none),
)
second_factor_client_limit = limiter.shared_limit(
    "30 per 15 minutes",
    scope="mfa-client",
    methods=["POST"],
    deduct_when=_failed,
    on_breach=events.on_throttled("second_factor_client", _pending_user_or_none),
)


def _second_step_gone():
    flash(_("Inloggningen tog för lång tid eller avbröts. Logga in igen."), "info")
    return redirect(url_for("accounts.login"))


def _finish_second_step(user: User, method: str):
    pending = session.get(PENDING, {})
    via = pending.get("via")
    return _logged_in(user, f"{via}_{method}" if via else method, pending.get("next"))


WRONG_CODE = _l("Koden stämmer inte. Kontrollera att klockan i telefonen går rätt och försök igen.")
REUSED_CODE = _l("Koden har redan använts. Vänta tills appen visar en ny kod.")


def _refuse_code(user: User, form, *, method: str, reused=False, message=None, actor=None):
    """Record the refused code (a replay as such) and say why on the field."""
    events.record("mfa_code_reused" if reused else "mfa_failed", user, actor=actor, method=method)
    db.session.commit()
    form.code.errors = [str(message or (REUSED_CODE if reused else WRONG_CODE))]


def _second_step_page(form, template: str, accept):
    """The two ways to finish a login share this frame: `accept(user, form)` answers the
    response of a completed login, or None when it refused the code on the form."""
    user = _pending_user()
    if user is None:
        return _second_step_gone()
    if form.validate_on_submit():
        done = accept(user, form)
        if done is not None:
            return done
    status = 422 if request.method == "POST" else 200
    return render_template(template, form=form), status


@bp.route("/logga-in/kod", methods=["GET", "POST"])
@public
@second_factor_client_limit
@second_factor_account_limit
def login_code():
    def accept(user: User, form):
        result = mfa.check_totp(user, form.code.data)
        if result is mfa.CodeCheck.OK:
            return _finish_second_step(user, "totp")
        return _refuse_code(user, form, method="totp", reused=result is mfa.CodeCheck.REUSED)

    return _second_step_page(TotpCodeForm(), "accounts/login_code.html", accept)


@bp.route("/logga-in/aterstallningskod", methods=["GET", "POST"])
@public
@second_factor_client_limit
@second_factor_account_limit
def login_recovery():
    def accept(user: User, form):
        if not mfa.use_recovery_code(user, form.code.data):
            message = _("Koden stämmer inte eller har redan använts.")
            return _refuse_code(user, form, method="recovery_code", message=message)
        left = mfa.recovery_codes_left(user)
        events.record("recovery_code_used", user, actor=user, left=left)
        response = _finish_second_step(user, "recovery_code")
        flash(
            ngettext(
                "Du loggade in med en återställningskod. Du har %(num)s kvar. "
                "Skapa nya koder under Mitt konto om du har få kvar eller har tappat bort appen.",
                "Du loggade in med en återställningskod. Du har %(num)s kvar. "
                "Skapa nya koder under Mitt konto om du har få kvar eller har tappat bort appen.",
                left,
            ),
            "info",
        )
        return response

    return _second_step_page(RecoveryCodeForm(), "accounts/login_recovery.html", accept)


# --- single sign-on through a party's identity provider (portal/accounts/sso.py) ------------


@bp.app_template_global()
def sso_login_choices() -> list[sso.Provider]:
    """The parties whose provider the login page offers."""
    return sso.login_choices()


def _sso_failed(error: sso.SsoError):
    """Back on the login page with the reason in Swedish; the attempt is a security event."""
    db.session.rollback()
    details = {"step": "sso", "reason": error.reason}
    if error.party:
        details["party"] = error.party
    events.record("login_failed", error.user, actor=None, **details)
    db.session.commit()
    current_app.logger.info("SSO login refused: %s (%s)", error.reason, error.party)
    flash(str(error.message), "error")
    return redirect(url_for("accounts.login"))


@bp.get("/logga-in/sso/<int:party_id>")
@public
@limiter.limit("30 per 15 minutes", scope="sso-client")
def sso_start(party_id: int):
    provider = sso.enabled_provider(party_id)
    if provider is None:
        abort(404)
    target = request.args.get("next", "")
    try:
        address = sso.start(provider, target if is_safe_next(target) else "")
    except sso.SsoError as error:
        return _sso_failed(error)
    return redirect(address)


@bp.get("/logga-in/sso/tillbaka")
@public
@limiter.limit("30 per 15 minutes", scope="sso-client")
def sso_callback():
    try:
        done = sso.finish(request.args)
        user = sso.sign_in(done.provider, done.claims)
    except sso.SsoError as error:
        return _sso_failed(error)
    except IntegrityError:  # the same first login twice at once: the other one won
        return _sso_failed(sso.SsoError("concurrent_first_login", sso.STALE))
    if sso.second_factor_asserted(done.claims):
        return _logged_in(user, "oidc_mfa", done.target, provider_factor=True)
    if user.has_mfa:
        db.session.commit()  # the account, its identity
        return _ask_for_second_factor(user, done.target, via="oidc")
    return _logged_in(user, "oidc", done.target)


def _next_or_home(target: str | None) -> str:
    return target if is_safe_next(target) else url_for("main.home")


@bp.post("/logga-ut")
@login_required
def logout():
    sessions.forget_current()  # this browser; the others stay logged in (see the session list)
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
        try:
            user = services.use_token(found, form.password.data)
        except services.TokenSpent:
            db.session.rollback()
            reason = services.TokenError.USED
            return render_template(
                "accounts/token_invalid.html", reason=reason, purpose=purpose
            ), 410
        if user.has_mfa:  # a new password does not skip the second factor
            db.session.commit()
            flash(_("Ditt lösenord är sparat. Logga in med koden från din app."), "success")
            return _ask_for_second_factor(user, None)
        start_session(user)
        events.record("login_succeeded", user, actor=user, method="password")
        db.session.commit()
        flash(_("Ditt lösenord är sparat och du är inloggad."), "success")
        if mfa.needs_enrolment(user):
            return redirect(url_for("accounts.mfa_setup"))
        return redirect(url_for("main.home"))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "accounts/set_password.html", form=form, purpose=purpose, user=found.user
    ), status


@bp.get("/konto")
@login_required
def account():
    return _account_page(ChangePasswordForm(user=current_user))


def _account_page(form: ChangePasswordForm, status: int = 200):
    user = current_user._get_current_object()
    return render_template(
        "accounts/account.html",
        form=form,
        sessions=sessions.live_sessions(user),
        is_current=sessions.is_current,
        end_form=FlaskForm(),
        mfa_required=mfa.is_required(user),
    ), status


@bp.post("/konto/losenord")
@login_required
@limiter.limit("10 per 15 minutes", scope="change-password")
def change_password():
    form = ChangePasswordForm(user=current_user)
    if form.validate_on_submit():
        user = current_user._get_current_object()  # the User, not the proxy (audit log)
        if verify_password(user.password_hash, form.current.data):
            method = _current_method()
            services.set_password(user, form.password.data, actor=user)
            start_session(user, method)  # this session goes on; all others end
            db.session.commit()
            flash(_("Ditt lösenord är bytt. Du har loggats ut överallt utom här."), "success")
            return redirect(url_for("accounts.account"))
        form.current.errors = [*form.current.errors, _("Det nuvarande lösenordet stämmer inte.")]
    return _account_page(form, 422)


def _current_method() -> str:
    key_hash = sessions.current_key_hash()
    row = db.session.scalar(select(UserSession).where(UserSession.key_hash == key_hash))
    return row.method if row else "password"


# --- the session list ------------------------------------------------------------------------


@bp.post("/konto/sessioner/<int:session_id>/avsluta")
@login_required
def end_session(session_id: int):
    if not FlaskForm().validate_on_submit():
        abort(400)
    row = db.session.get(UserSession, session_id)
    if row is None or row.user_id != current_user.id:
        abort(404)
    if sessions.is_current(row):
        flash(_("Använd Logga ut för att logga ut den här webbläsaren."), "info")
        return redirect(url_for("accounts.account"))
    sessions.end(row, actor=current_user._get_current_object())
    db.session.commit()
    flash(_("Den andra inloggningen är avslutad."), "success")
    return redirect(url_for("accounts.account") + "#inloggningar")


@bp.post("/konto/sessioner/avsluta-andra")
@login_required
def end_other_sessions():
    if not FlaskForm().validate_on_submit():
        abort(400)
    user = current_user._get_current_object()
    count = sessions.end_others(user, actor=user)
    db.session.commit()
    flash(
        ngettext(
            "Du har loggats ut från %(num)s annan webbläsare.",
            "Du har loggats ut från %(num)s andra webbläsare.",
            count,
        ),
        "success",
    )
    return redirect(url_for("accounts.account") + "#inloggningar")


# --- two-factor authentication on the account page -----------------------------------------


@bp.get("/konto/tvastegsverifiering")
@login_required
def mfa_settings():
    return _mfa_page()


def _mfa_page(regenerate=None, disable=None, status: int = 200):
    user = current_user._get_current_object()
    if not user.has_mfa:
        return redirect(url_for("accounts.mfa_setup"))
    return render_template(
        "accounts/mfa.html",
        regenerate_form=regenerate or TotpCodeForm(prefix="regenerate"),
        disable_form=disable or TotpCodeForm(prefix="disable"),
        required=mfa.is_required(user),
        codes_left=mfa.recovery_codes_left(user),
    ), status


@bp.route("/konto/tvastegsverifiering/aktivera", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per 15 minutes", methods=["POST"], deduct_when=_failed, scope="mfa-setup")
def mfa_setup():
    user = current_user._get_current_object()
    if user.has_mfa:
        flash(_("Tvåstegsverifiering är redan aktiverad för ditt konto."), "info")
        return redirect(url_for("accounts.mfa_settings"))
    secret = mfa.unseal(session.get(SETUP_SECRET, "")) if session.get(SETUP_SECRET) else None
    if secret is None:
        secret = mfa.new_secret()
        session[SETUP_SECRET] = mfa.seal(secret)
    form = TotpCodeForm()
    if form.validate_on_submit():
        codes = mfa.enable(user, secret, form.code.data, actor=user)
        if codes is not None:
            target = session.get(AFTER_SETUP) or ""
            start_session(user, "totp")  # enabling ended every session; this one goes on
            session[NEW_CODES] = mfa.seal(json.dumps(codes))
            session[AFTER_SETUP] = target
            db.session.commit()
            flash(_("Tvåstegsverifiering är aktiverad."), "success")
            return redirect(url_for("accounts.mfa_recovery_codes"))
        message = _(
            "Koden stämmer inte. Skanna QR-koden igen eller skriv in nyckeln, och försök igen."
        )
        _refuse_code(user, form, method="setup", message=message, actor=user)
    status = 422 if request.method == "POST" else 200
    uri = mfa.provisioning_uri(secret, user.email)
    return render_template(
        "accounts/mfa_setup.html",
        form=form,
        qr=mfa.qr_svg(uri, _("QR-kod för att lägga till kontot i en autentiseringsapp")),
        secret=mfa.grouped(secret),
        required=mfa.is_required(user),
    ), status


@bp.get("/konto/tvastegsverifiering/aterstallningskoder")
@login_required
def mfa_recovery_codes():
    """The new recovery codes, shown once: they leave the session as they are shown."""
    sealed = session.pop(NEW_CODES, None)
    codes = json.loads(mfa.unseal(sealed) or "[]") if sealed else []
    if not codes:
        flash(_("Återställningskoderna visas bara en gång. Skapa nya om du behöver."), "info")
        return redirect(url_for("accounts.mfa_settings"))
    target = session.pop(AFTER_SETUP, "") or ""
    return render_template(
        "accounts/mfa_codes.html", codes=codes, next=target if is_safe_next(target) else ""
    )


@bp.post("/konto/tvastegsverifiering/nya-koder")
@login_required
@limiter.limit("10 per 15 minutes", deduct_when=_failed, scope="mfa-manage")
def mfa_regenerate_codes():
    user = current_user._get_current_object()
    if not user.has_mfa:
        return redirect(url_for("accounts.mfa_setup"))
    form = TotpCodeForm(prefix="regenerate")
    if form.validate_on_submit() and _confirmed(user, form):
        codes = mfa.regenerate_recovery_codes(user, actor=user)
        session[NEW_CODES] = mfa.seal(json.dumps(codes))
        db.session.commit()
        flash(_("Nya återställningskoder är skapade. De gamla fungerar inte längre."), "success")
        return redirect(url_for("accounts.mfa_recovery_codes"))
    return _mfa_page(regenerate=form, status=422)


@bp.post("/konto/tvastegsverifiering/stang-av")
@login_required
@limiter.limit("10 per 15 minutes", deduct_when=_failed, scope="mfa-manage")
def mfa_disable():
    user = current_user._get_current_object()
    if not user.has_mfa:
        return redirect(url_for("accounts.mfa_setup"))
    form = TotpCodeForm(prefix="disable")
    if form.validate_on_submit():
        if mfa.is_required(user):
            flash(str(mfa.REQUIRED_MESSAGE), "error")
        elif _confirmed(user, form):
            method = _current_method()
            mfa.disable(user, actor=user)
            start_session(user, method)  # turning it off ended every session; this one goes on
            db.session.commit()
            flash(_("Tvåstegsverifiering är avstängd för ditt konto."), "success")
            return redirect(url_for("accounts.account"))
    return _mfa_page(disable=form, status=422)


def _confirmed(user: User, form: TotpCodeForm) -> bool:
    """A current code from the app confirms a change to the second factor itself."""
    result = mfa.check_totp(user, form.code.data)
    if result is mfa.CodeCheck.OK:
        return True
    _refuse_code(user, form, method="confirm", reused=result is mfa.CodeCheck.REUSED, actor=user)
    return False


# The self-service account pages add their routes to this blueprint.
from portal.accounts import registration_views as _registration  # noqa: E402, F401
