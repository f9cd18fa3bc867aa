"""Two-factor authentication: TOTP (RFC 6238) and one-time recovery codes.

The TOTP secret is stored encrypted (Fernet, a key derived from SECRET_KEY; the keys in
SECRET_KEY_FALLBACKS still decrypt while a new key is rolled out). A code is accepted one time
step either side of now, and each time step only once: the last accepted step is stored and
raised with a conditional UPDATE, so two requests with the same code cannot both pass.
Recovery codes are 10 characters (49.5 bits) shown once and kept as salted SHA-256 hashes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import secrets
import time
from dataclasses import dataclass
from enum import StrEnum

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import (
    abort,
    current_app,
    flash,
    has_request_context,
    redirect,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import delete, func, or_, select, update

from portal import audit
from portal.accounts.models import RecoveryCode, User
from portal.accounts.services import end_all_sessions
from portal.extensions import db
from portal.links import external_url
from portal.mail.services import queue_email
from portal.permissions import TokenAccess, access_of
from portal.types import utcnow

ISSUER = "Samhällskontraktet"
STEP_SECONDS = 30
DIGITS = 6
RECOVERY_CODE_COUNT = 10
# 31 symbols, none of 0/o, 1/l/i to mix up: 10 of them carry 49.5 bits.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


# --- the secret -------------------------------------------------------------------------


def new_secret() -> str:
    """160 random bits in base32, the length RFC 4226 recommends."""
    return pyotp.random_base32(length=32)


TOTP_SEAL = b"sk-portal totp secret"


def _fernet(purpose: bytes) -> MultiFernet:
    config = current_app.config
    keys = [config["SECRET_KEY"], *config.get("SECRET_KEY_FALLBACKS", [])]
    fernets = []
    for key in keys:
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(
            key.encode()
        )
        fernets.append(Fernet(base64.urlsafe_b64encode(derived)))
    return MultiFernet(fernets)


def seal(value: str, purpose: bytes = TOTP_SEAL) -> str:
    """`value` encrypted with a key derived from SECRET_KEY for `purpose` (one key per use)."""
    return _fernet(purpose).encrypt(value.encode()).decode()


def unseal(token: str, purpose: bytes = TOTP_SEAL) -> str | None:
    """The plain value, or None when no current or fallback key opens it."""
    try:
        return _fernet(purpose).decrypt(token.encode()).decode()
    except (InvalidToken, ValueError):
        return None


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret, issuer=ISSUER).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_svg(uri: str, title: str) -> Markup:
    """The otpauth URI as an SVG QR code, drawn here (no inline style, no script)."""
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(
        buffer,
        kind="svg",
        xmldecl=False,
        svgns=True,
        scale=5,
        border=4,
        dark="#000",
        light="#fff",
        svgclass="qr-code",
        lineclass=None,
        title=title,
    )
    svg = buffer.getvalue().decode()  # segno escapes the title; the rest is path data
    labelled = svg.replace("<svg ", Markup('<svg role="img" aria-label="%s" ') % title, 1)
    return Markup(labelled)  # noqa: S704  (drawn here from our own data, no typed text)


def grouped(secret: str) -> str:
    """ABCD EFGH …: easier to type from the screen."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


# --- codes ------------------------------------------------------------------------------


def time_step(at: float | None = None) -> int:
    return int((time.time() if at is None else at) // STEP_SECONDS)


def totp_code(secret: str, step: int) -> str:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).generate_otp(step)


def normalise_totp(code: str) -> str:
    return "".join(ch for ch in code if not ch.isspace() and ch != "-")


def looks_like_totp(code: str) -> bool:
    return len(code) == DIGITS and code.isascii() and code.isdigit()


class CodeCheck(StrEnum):
    OK = "ok"
    WRONG = "wrong"
    REUSED = "reused"


@dataclass(frozen=True)
class TotpMatch:
    result: CodeCheck
    step: int | None = None


def match_totp(
    secret: str, code: str, *, last_step: int | None, at: float | None = None
) -> TotpMatch:
    """Compare with the codes of the steps now-1, now and now+1 (clock drift)."""
    code = normalise_totp(code)
    if not looks_like_totp(code):
        return TotpMatch(CodeCheck.WRONG)
    now = time_step(at)
    for step in (now - 1, now, now + 1):
        if hmac.compare_digest(totp_code(secret, step), code):
            if last_step is not None and step <= last_step:
                return TotpMatch(CodeCheck.REUSED, step)
            return TotpMatch(CodeCheck.OK, step)
    return TotpMatch(CodeCheck.WRONG)


def new_recovery_code() -> str:
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def normalise_recovery_code(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def hash_recovery_code(code: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.sha256(salt + normalise_recovery_code(code).encode()).hexdigest()
    return f"{salt.hex()}${digest}"


def recovery_code_matches(code: str, stored: str) -> bool:
    salt_hex, _sep, digest = stored.partition("$")
    try:
        salt = bytes.fromhex(salt_hex)
    except ValueError:
        return False
    return hmac.compare_digest(hash_recovery_code(code, salt).partition("$")[2], digest)


# --- rules ------------------------------------------------------------------------------


def is_required(user: User) -> bool:
    return user.has_role(*current_app.config["MFA_REQUIRED_ROLES"])


# In the session of a login whose identity provider asserted a second factor of its own (the
# ID token's `amr`, portal/accounts/sso.py): the user's id. That browser is asked neither for
# the portal's code nor to enrol one.
PROVIDER_FACTOR = "_mfa_by_provider"


def needs_enrolment(user: User) -> bool:
    return (
        is_required(user)
        and not user.has_mfa
        and not (has_request_context() and session.get(PROVIDER_FACTOR) == user.id)
    )


def secret_of(user: User) -> str | None:
    return unseal(user.totp_secret) if user.totp_secret else None


def enable(user: User, secret: str, code: str, *, actor: User) -> list[str] | None:
    """Turn on two-factor authentication when `code` comes from `secret`; returns the new
    recovery codes (to show once), or None when the code does not match."""
    found = match_totp(secret, code, last_step=None)
    if found.result is not CodeCheck.OK:
        return None
    user.totp_secret = seal(secret)
    user.totp_enabled_at = utcnow()
    user.totp_last_step = found.step
    codes = _replace_recovery_codes(user)
    audit.record("mfa_enabled", user, actor=actor)
    end_all_sessions(user)
    return codes


def _replace_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(
        RecoveryCode(user_id=user.id, code_hash=hash_recovery_code(c)) for c in codes
    )
    return codes


def regenerate_recovery_codes(user: User, *, actor: User) -> list[str]:
    codes = _replace_recovery_codes(user)
    audit.record("recovery_codes_regenerated", user, actor=actor)
    return codes


def _clear(user: User) -> None:
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    end_all_sessions(user)


class MfaRefused(Exception):
    def __init__(self, message) -> None:
        super().__init__(message)
        self.message = message


REQUIRED_MESSAGE = _l("Din roll kräver tvåstegsverifiering. Den kan inte stängas av.")


def disable(user: User, *, actor: User) -> None:
    """Turn two-factor authentication off; only where the user's roles do not require it."""
    if is_required(user):
        raise MfaRefused(REQUIRED_MESSAGE)
    _clear(user)
    audit.record("mfa_disabled", user, actor=actor)


def reset(user: User, *, actor: User | None) -> None:
    """An admin (or, with no actor, `flask reset-mfa`) resets a lost second factor: the user
    enrols again at the next login, and is told by e-mail."""
    if not user.has_mfa:
        raise MfaRefused(
            _l("%(name)s har ingen tvåstegsverifiering att återställa.", name=user.name)
        )
    if actor is not None and user.id == actor.id:
        raise MfaRefused(_l("Din egen tvåstegsverifiering ändrar du under Mitt konto."))
    _clear(user)
    audit.record("mfa_reset", user, actor=actor)
    queue_email(
        user.email,
        "mfa_reset",
        _l("Din tvåstegsverifiering har återställts"),
        locale=user.locale or "sv",
        user=user,
        admin=actor,
        link=external_url("accounts.login"),
        required=is_required(user),
    )


def check_totp(user: User, code: str) -> CodeCheck:
    """A login or confirmation code from the user's app; spends its time step."""
    secret = secret_of(user)
    if secret is None:
        return CodeCheck.WRONG
    found = match_totp(secret, code, last_step=user.totp_last_step)
    if found.result is not CodeCheck.OK:
        return found.result
    # Raise the last step only if no other request got there first.
    spent = db.session.execute(
        update(User)
        .where(
            User.id == user.id,
            or_(User.totp_last_step.is_(None), User.totp_last_step < found.step),
        )
        .values(totp_last_step=found.step)
        .execution_options(synchronize_session=False)
    )
    if spent.rowcount != 1:
        return CodeCheck.REUSED
    user.totp_last_step = found.step
    return CodeCheck.OK


def use_recovery_code(user: User, code: str) -> bool:
    """True (and the code is spent) when `code` is one of the user's unused recovery codes."""
    if len(normalise_recovery_code(code)) != 10:
        return False
    unused = db.session.scalars(
        select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ).all()
    for row in unused:
        if recovery_code_matches(code, row.code_hash):
            spent = db.session.execute(
                update(RecoveryCode)
                .where(RecoveryCode.id == row.id, RecoveryCode.used_at.is_(None))
                .values(used_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            return spent.rowcount == 1
    return False


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


# What a logged-in user whose roles require two-factor authentication may reach before
# enrolling (portal/accounts/mfa.py): enrolment itself, logging out, the language.
BEFORE_ENROLMENT = frozenset(
    {"accounts.mfa_setup", "accounts.mfa_recovery_codes", "accounts.logout", "main.set_language"}
)


def enforce_enrolment():
    """before_request (before the access check): a user whose roles require a second factor
    reaches nothing else, public pages included, until it is set up. The API (token access)
    has no session and is not concerned."""
    if (
        request.endpoint in (None, "static")
        or isinstance(access_of(request.endpoint), TokenAccess)
        or request.endpoint in BEFORE_ENROLMENT
        or not current_user.is_authenticated
        or not needs_enrolment(current_user)
    ):
        return None
    if request.headers.get("HX-Request"):
        abort(403)
    flash(_("Aktivera tvåstegsverifiering innan du fortsätter. Din roll kräver det."), "info")
    return redirect(url_for("accounts.mfa_setup"))
