"""Journeys through the browser: without JavaScript, by keyboard, and the error summary."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e

LANG_BUTTON = "form.lang-form button"
LOGOUT_BUTTON = "form[action='/logga-ut'] button"


def test_log_in_switch_language_and_log_out_without_javascript(page_factory):
    page = page_factory(java_script_enabled=False)

    login(page, "anna.eskilstuna@example.org")
    # Playwright's evaluate goes through DevTools; the page's own scripts did not run.
    assert page.evaluate("() => typeof window.htmx") == "undefined"
    assert page.url.endswith("/")
    assert page.locator(".flash-success").inner_text() == "Du är inloggad."
    assert page.locator(".whoami").inner_text().startswith("Anna Andersson")

    # To English and back, with the button in the header; the page stays where it was.
    page.locator("nav[aria-label=Huvudmeny]").get_by_role("link", name="Mitt konto").click()
    expect(page).to_have_url(re.compile(r"/konto$"))
    page.get_by_role("button", name="In English").click()
    # The address stays the same: wait for the English page, not for a new URL.
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/konto$"))
    assert page.locator(LANG_BUTTON).inner_text() == "På svenska"
    assert page.locator(LANG_BUTTON).get_attribute("lang") == "sv"
    assert page.locator(".whoami").is_visible()  # still logged in

    page.get_by_role("button", name="På svenska").click()
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(page).to_have_url(re.compile(r"/konto$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Mitt konto"

    page.locator(LOGOUT_BUTTON).click()
    expect(page.locator(".flash-success")).to_have_text("Du är utloggad.")
    assert page.locator(".whoami").count() == 0
    assert page.locator("header").get_by_role("link", name="Logga in").is_visible()
    # The session really ended: the account page now asks for a login.
    page.goto("/konto")
    assert page.url.endswith("/logga-in?next=/konto")


def test_skip_link_is_first_tab_stop_and_moves_focus_to_main(page):
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => [document.activeElement.className, document.activeElement.textContent.trim()]"
    )
    assert focused == ["skip-link", "Hoppa till innehållet"]
    assert page.locator(".skip-link").is_visible()  # shown when focused
    box = page.locator(".skip-link").bounding_box()
    assert box is not None and box["y"] >= 0

    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    # The next Tab continues inside main, not at the top of the page.
    page.keyboard.press("Tab")
    assert page.evaluate("() => !!document.activeElement.closest('main')")


def test_skip_link_works_for_a_logged_in_user(page):
    login(page, "expert@example.org")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"


def test_error_summary_gets_focus_after_failed_login(page):
    page.goto("/logga-in")
    page.get_by_label("E-post").fill("sara.mdh@example.org")
    page.get_by_label("Lösenord").fill("wrong-password-here")
    page.get_by_role("button", name="Logga in").click()

    summary = page.locator(".error-summary")
    assert summary.get_attribute("role") == "alert"
    assert "Fel e-postadress eller lösenord." in summary.inner_text()
    page.wait_for_function("() => document.activeElement.classList.contains('error-summary')")
    # The e-mail is kept, the password is not.
    assert page.get_by_label("E-post").input_value() == "sara.mdh@example.org"
    assert page.get_by_label("Lösenord").input_value() == ""


def test_error_summary_links_lead_to_the_fields(page):
    page.goto("/logga-in")
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_function("() => document.activeElement.classList.contains('error-summary')")
    page.locator(".error-summary").get_by_role("link", name="Lösenord").click()
    assert page.url.endswith("#password")
    assert page.evaluate("() => document.activeElement.id") == "password"
