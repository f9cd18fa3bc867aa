"""The helpers behind two-factor authentication and the session list: TOTP codes, recovery
codes, the encrypted secret, and the minimised browser and network descriptions."""

from __future__ import annotations

import re

import pytest

from portal.accounts import mfa
from portal.accounts.mfa import CodeCheck, match_totp
from portal.accounts.sessions import describe_browser, network_of

# RFC 6238, appendix B: the SHA-1 key "12345678901234567890" in base32.
RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
NOW = 1_800_000_015.0  # a fixed moment, in the middle of its 30-second step
STEP = int(NOW // 30)


@pytest.fixture
def app_context(app):
    with app.app_context():
        yield app


@pytest.mark.parametrize(
    ("seconds", "code"),
    [(59, "287082"), (1111111109, "081804"), (1234567890, "005924"), (2000000000, "279037")],
)
def test_totp_codes_are_those_of_rfc_6238(seconds, code):
    assert mfa.totp_code(RFC_SECRET, mfa.time_step(seconds)) == code


@pytest.mark.asvs("2.8.1")
@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_a_code_one_step_either_side_is_accepted(offset):
    code = mfa.totp_code(SECRET, STEP + offset)
    assert match_totp(SECRET, code, last_step=None, at=NOW) == mfa.TotpMatch(
        CodeCheck.OK, STEP + offset
    )


@pytest.mark.asvs("2.8.1")
@pytest.mark.parametrize("offset", [-3, -2, 2, 3])
def test_a_code_two_steps_away_is_refused(offset):
    code = mfa.totp_code(SECRET, STEP + offset)
    assert match_totp(SECRET, code, last_step=None, at=NOW).result is CodeCheck.WRONG


@pytest.mark.asvs("2.8.4")
def test_a_code_of_a_spent_step_is_reused_not_wrong():
    code = mfa.totp_code(SECRET, STEP)
    assert match_totp(SECRET, code, last_step=STEP, at=NOW).result is CodeCheck.REUSED
    # An older step's code is spent too once a later step was used.
    older = mfa.totp_code(SECRET, STEP - 1)
    assert match_totp(SECRET, older, last_step=STEP, at=NOW).result is CodeCheck.REUSED
    newer = mfa.totp_code(SECRET, STEP + 1)
    assert match_totp(SECRET, newer, last_step=STEP, at=NOW).result is CodeCheck.OK


@pytest.mark.parametrize("typed", ["{c}", " {c} ", "{a} {b}", "{a}-{b}"])
def test_spaces_and_a_dash_in_a_code_are_ignored(typed):
    code = mfa.totp_code(SECRET, STEP)
    typed = typed.format(c=code, a=code[:3], b=code[3:])
    assert match_totp(SECRET, typed, last_step=None, at=NOW).result is CodeCheck.OK


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "abcdef", "١٢٣٤٥٦", "000000"])
def test_malformed_or_wrong_codes_are_wrong(typed):
    if typed == "000000" and mfa.totp_code(SECRET, STEP) == "000000":
        pytest.skip("the step's code happens to be 000000")
    assert match_totp(SECRET, typed, last_step=None, at=NOW).result is CodeCheck.WRONG


def test_a_new_secret_has_160_random_bits_in_base32():
    secrets = {mfa.new_secret() for _ in range(50)}
    assert len(secrets) == 50
    assert all(re.fullmatch(r"[A-Z2-7]{32}", s) for s in secrets)


def test_the_provisioning_uri_names_the_portal_and_the_account():
    uri = mfa.provisioning_uri(SECRET, "karin@example.org")
    assert uri.startswith("otpauth://totp/Samh%C3%A4llskontraktet:karin%40example.org?")
    assert f"secret={SECRET}" in uri
    assert "issuer=Samh%C3%A4llskontraktet" in uri


def test_the_qr_code_is_an_svg_without_style_or_script():
    svg = str(mfa.qr_svg(mfa.provisioning_uri(SECRET, "a@example.org"), 'QR <"kod">'))
    assert svg.startswith('<svg role="img" aria-label="QR &lt;&#34;kod&#34;&gt;" ')
    assert "style" not in svg
    assert "<script" not in svg
    assert '<title>QR &lt;"kod"&gt;</title>' in svg


def test_the_secret_is_grouped_for_typing():
    assert mfa.grouped("ABCDEFGHIJ") == "ABCD EFGH IJ"


# --- recovery codes -----------------------------------------------------------------------


@pytest.mark.asvs("2.6.2")
def test_recovery_codes_are_random_and_unambiguous():
    codes = {mfa.new_recovery_code() for _ in range(1000)}
    assert len(codes) == 1000
    for code in codes:
        assert re.fullmatch(r"[a-z2-9]{5}-[a-z2-9]{5}", code)
        assert not set(code) & set("01oil")


@pytest.mark.asvs("2.6.2")
def test_a_recovery_code_is_stored_salted_and_hashed():
    code = "abcde-fgh23"
    first, second = mfa.hash_recovery_code(code), mfa.hash_recovery_code(code)
    assert first != second  # a salt of its own each
    for stored in (first, second):
        assert "abcde" not in stored and "fgh23" not in stored
        assert re.fullmatch(r"[0-9a-f]{32}\$[0-9a-f]{64}", stored)
        assert mfa.recovery_code_matches(code, stored)


@pytest.mark.parametrize("typed", ["abcde-fgh23", "ABCDE-FGH23", "abcdefgh23", " abcde fgh23 "])
def test_a_recovery_code_matches_however_it_is_typed(typed):
    assert mfa.recovery_code_matches(typed, mfa.hash_recovery_code("abcde-fgh23"))


@pytest.mark.parametrize("typed", ["abcde-fgh24", "", "abcde", "zz$zz"])
def test_another_recovery_code_does_not_match(typed):
    assert not mfa.recovery_code_matches(typed, mfa.hash_recovery_code("abcde-fgh23"))


def test_a_damaged_stored_hash_matches_nothing():
    assert not mfa.recovery_code_matches("abcde-fgh23", "not-hex$0000")


# --- the encrypted secret -----------------------------------------------------------------


@pytest.mark.asvs("2.8.2")
def test_the_secret_is_stored_encrypted(app_context):
    sealed = mfa.seal(SECRET)
    assert SECRET not in sealed
    assert mfa.seal(SECRET) != sealed  # a fresh nonce every time
    assert mfa.unseal(sealed) == SECRET


def test_a_previous_secret_key_still_opens_the_secret(app_context):
    app = app_context
    sealed = mfa.seal(SECRET)
    saved = app.config["SECRET_KEY"], app.config.get("SECRET_KEY_FALLBACKS", [])
    try:
        app.config["SECRET_KEY"] = "a-new-key-" + "x" * 30
        assert mfa.unseal(sealed) is None  # a key that never sealed it
        app.config["SECRET_KEY_FALLBACKS"] = [saved[0]]
        assert mfa.unseal(sealed) == SECRET
    finally:
        app.config["SECRET_KEY"], app.config["SECRET_KEY_FALLBACKS"] = saved


def test_garbage_does_not_unseal(app_context):
    assert mfa.unseal("not a token") is None


# --- minimised session details ------------------------------------------------------------

CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)
EDGE_WINDOWS = CHROME_WINDOWS + " Edg/120.0.2210.91"
FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1"
)
CHROME_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/121.0.0.0 Mobile Safari/537.36"
)


@pytest.mark.parametrize(
    ("agent", "described"),
    [
        (CHROME_WINDOWS, "Chrome 120, Windows"),
        (EDGE_WINDOWS, "Edge 120, Windows"),
        (FIREFOX_LINUX, "Firefox 128, Linux"),
        (SAFARI_IPHONE, "Safari 17, iOS"),
        (CHROME_ANDROID, "Chrome 121, Android"),
        ("curl/8.5.0", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_the_browser_is_named_not_fingerprinted(agent, described):
    assert describe_browser(agent) == described


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("192.0.2.123", "192.0.2.0/24"),
        ("2001:db8:abcd:1234::1", "2001:db8:abcd::/48"),
        ("::ffff:192.0.2.5", "192.0.2.0/24"),
        ("127.0.0.1", "127.0.0.0/24"),
        ("not an address", ""),
        (None, ""),
    ],
)
def test_only_the_network_of_the_address_is_kept(address, network):
    assert network_of(address) == network
