"""An employee turns on two-factor authentication by the QR page's key, saves the recovery
codes, and logs in again with a code; the admin logs in with the demo code. Every page of the
flow passes axe-core and reflows at 320 px."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_no_horizontal_scroll, check_axe, login

pytestmark = pytest.mark.e2e


def check(page) -> None:
    check_axe(page)
    size = page.viewport_size
    page.set_viewport_size({"width": 320, "height": 800})
    assert_no_horizontal_scroll(page)
    page.set_viewport_size(size)


def test_enrolment_and_login_with_a_code(page, page_factory):
    login(page, "anna.eskilstuna@example.org")
    page.goto("/konto")
    page.get_by_role("link", name="Aktivera tvåstegsverifiering").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Aktivera tvåstegsverifiering"
    qr = page.get_by_role("img", name="QR-kod för att lägga till kontot i en autentiseringsapp")
    assert qr.is_visible()
    check(page)

    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    field = page.get_by_label("Kod från appen")
    assert field.get_attribute("autocomplete") == "one-time-code"
    assert field.get_attribute("inputmode") == "numeric"
    field.fill("000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    page.get_by_role("button", name="Aktivera").click()
    assert "Koden stämmer inte" in page.get_by_role("alert").inner_text()
    check(page)

    page.get_by_label("Kod från appen").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Aktivera").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Dina återställningskoder"
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    check(page)
    page.get_by_role("link", name="Jag har sparat koderna, fortsätt").click()

    page.get_by_role("button", name="Logga ut").click()
    page.goto("/logga-in")
    page.get_by_label("E-post").fill("anna.eskilstuna@example.org")
    page.get_by_label("Lösenord").fill("portal-demo-2026")
    page.get_by_role("button", name="Logga in").click()
    assert page.url.endswith("/logga-in/kod")
    check(page)
    page.get_by_role("link", name="Logga in med en återställningskod").click()
    check(page)
    page.get_by_role("link", name="Använd koden från appen i stället").click()
    # This step's code went to the enrolment and works once; the app's next one is accepted.
    page.get_by_label("Kod från appen").fill(pyotp.TOTP(secret).at(time.time() + 30))
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("button", name="Logga ut")).to_be_visible()  # logged in
    page.goto("/konto/tvastegsverifiering")
    assert "Återställningskoder kvar" in page.content()
    check(page)

    # The demo admin logs in with the documented demo secret (tests/e2e/conftest.py: login).
    admin = page_factory()
    login(admin, "admin@example.org")
    assert (
        admin.get_by_role("navigation", name="Huvudmeny")
        .get_by_role("link", name="Administration")
        .is_visible()
    )
