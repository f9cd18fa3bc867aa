"""Password rules and hashing (portal/accounts/passwords.py)."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, Type
from argon2.profiles import RFC_9106_LOW_MEMORY

from portal.accounts.passwords import (
    MAX_LENGTH,
    MIN_LENGTH,
    common_passwords,
    hash_password,
    hasher,
    needs_rehash,
    password_problem,
    verify_password,
)

TOO_SHORT = "Lösenordet måste ha minst 12 tecken."
TOO_COMMON = "Lösenordet är för vanligt eller för enkelt att gissa. Välj ett annat."
PERSONAL = "Lösenordet får inte bygga på ditt namn eller din e-postadress."


@pytest.fixture
def ctx(app):
    """An app context with the test configuration (no database needed)."""
    with app.test_request_context():
        yield


@pytest.mark.asvs("2.1.1")
def test_minimum_length_is_12(ctx):
    assert MIN_LENGTH == 12
    assert password_problem("x7#kq2!mzp9") == TOO_SHORT  # 11 characters
    assert password_problem("x7#kq2!mzp9w") is None  # 12 characters


@pytest.mark.asvs("2.1.1")
def test_length_counts_characters_not_bytes(ctx):
    assert password_problem("åäöÅÄÖåäöÅÄ") == TOO_SHORT  # 11 characters, 22 bytes
    assert password_problem("åäöÅÄÖåäöÅÄx") is None


@pytest.mark.asvs("2.1.2")
def test_at_least_64_and_at_most_256_characters_are_allowed(ctx):
    assert password_problem("a1b2c3d4" * 8) is None  # 64
    assert password_problem("q" + "a1b2c3d4" * 31 + "xyz") is None  # 252
    assert MAX_LENGTH == 256
    assert password_problem("a1b2c3d4" * 33) == "Lösenordet får ha högst 256 tecken."


@pytest.mark.asvs("2.1.4")
def test_any_printable_unicode_is_allowed(ctx):
    assert password_problem("grön cykel över mälarbron 🚲") is None
    assert password_problem("Фраза из четырёх слов") is None


@pytest.mark.asvs("2.1.9")
def test_no_composition_rules(ctx):
    assert password_problem("bara små bokstäver här") is None  # no digits, no capitals


@pytest.mark.asvs("2.1.7")
@pytest.mark.parametrize(
    "password", ["password1234", "PASSWORD1234", "portal-demo-2026", "1qaz2wsx3edc"]
)
def test_common_passwords_are_refused_whatever_the_case(ctx, password):
    assert password_problem(password) == TOO_COMMON


@pytest.mark.asvs("2.1.7")
def test_the_list_is_loaded_and_large(ctx):
    words = common_passwords()
    assert len(words) > 20_000
    assert "portal-demo-2026" in words
    assert not any(w.startswith("#") for w in words)  # the comment line is not a password


@pytest.mark.asvs("2.1.7")
@pytest.mark.parametrize("password", ["aaaaaaaaaaaaaaa", "abababababababab", "123123123123"])
def test_passwords_with_fewer_than_four_different_characters_are_refused(ctx, password):
    assert password_problem(password) == TOO_COMMON


@pytest.mark.asvs("2.1.7")
def test_passwords_built_on_the_users_email_or_name_are_refused(ctx):
    assert password_problem("karin.lind-2026!", email="karin.lind@example.org") == PERSONAL
    assert password_problem("Karin Lind Ekberg", name="karin lind ekberg") == PERSONAL
    # A very short local part is not treated as personal: it would refuse too much.
    assert password_problem("ann-och-sju-katter", email="ann@example.org") is None


@pytest.mark.asvs("2.4.1")
def test_hashes_are_argon2id(ctx):
    stored = hash_password("grön cykel över mälarbron")
    assert stored.startswith("$argon2id$v=19$")
    assert "grön" not in stored
    assert hash_password("grön cykel över mälarbron") != stored  # salted


@pytest.mark.asvs("2.4.1")
def test_verify(ctx):
    stored = hash_password("grön cykel över mälarbron")
    assert verify_password(stored, "grön cykel över mälarbron")
    assert not verify_password(stored, "Grön cykel över mälarbron")
    assert not verify_password(stored, "")
    assert not verify_password(None, "grön cykel över mälarbron")
    assert not verify_password("", "vad som helst")
    assert not verify_password("not-a-hash", "vad som helst")


@pytest.mark.asvs("2.4.1")
def test_production_parameters_meet_owasp_guidance(app):
    """Outside the test configuration (which lowers them for speed) the defaults apply."""
    saved = {k: app.config.pop(k) for k in ("ARGON2_TIME_COST", "ARGON2_MEMORY_COST")}
    try:
        with app.app_context():
            ph = hasher()
    finally:
        app.config.update(saved)
    assert ph.type is Type.ID
    assert ph.memory_cost >= 19 * 1024  # OWASP: at least 19 MiB with t=2
    assert ph.time_cost >= 2
    assert ph.parallelism >= 1


@pytest.mark.asvs("2.4.1")
def test_needs_rehash_when_parameters_change(ctx):
    assert not needs_rehash(hash_password("grön cykel över mälarbron"))
    other = PasswordHasher.from_parameters(RFC_9106_LOW_MEMORY).hash("grön cykel över mälarbron")
    assert needs_rehash(other)
    argon2i = PasswordHasher(time_cost=1, memory_cost=8 * 1024, type=Type.I).hash("x" * 12)
    assert needs_rehash(argon2i)
    assert needs_rehash("")
    assert needs_rehash("$2b$12$not-an-argon2-hash")
