"""Password rules and hashing: Argon2id, at least 12 characters, not a common password."""

from __future__ import annotations

import contextlib
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app
from flask_babel import lazy_gettext as _l

MIN_LENGTH = 12
MAX_LENGTH = 256
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common-passwords.txt")

# A hash to verify against when the account does not exist, so timing does not tell.
_DUMMY_PASSWORD = "not-a-real-password-for-timing"  # noqa: S105


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().casefold() for line in lines if line and not line.startswith("#"))


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Return why a new password is not acceptable, or None."""
    if len(password) < MIN_LENGTH:
        return str(_l("Lösenordet måste ha minst %(n)s tecken.", n=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        return str(_l("Lösenordet får ha högst %(n)s tecken.", n=MAX_LENGTH))
    folded = password.casefold()
    if folded in common_passwords() or len(set(folded)) < 4:
        return str(_l("Lösenordet är för vanligt eller för enkelt att gissa. Välj ett annat."))
    local_part = email.split("@")[0].casefold()
    if (local_part and len(local_part) >= 4 and local_part in folded) or (
        name and folded == name.casefold()
    ):
        return str(_l("Lösenordet får inte bygga på ditt namn eller din e-postadress."))
    return None


def hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(
        time_cost=config.get("ARGON2_TIME_COST", 3),
        memory_cost=config.get("ARGON2_MEMORY_COST", 64 * 1024),
        parallelism=config.get("ARGON2_PARALLELISM", 2),
    )


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    ph = hasher()
    if not stored_hash:
        with contextlib.suppress(VerificationError):  # spend the same time as a real check
            ph.verify(ph.hash(_DUMMY_PASSWORD), password)
        return False
    try:
        return ph.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    try:
        return hasher().check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True
