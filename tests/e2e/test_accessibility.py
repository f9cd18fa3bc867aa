"""axe-core (WCAG 2.1 A + AA) finds nothing on the main pages, and none scrolls sideways at 320 px.

Set E2E_SCREENSHOTS=/some/dir to save a full-page screenshot of each page at both widths.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_no_horizontal_scroll, check_axe, login, watched_violations

pytestmark = pytest.mark.e2e

SHOTS = os.environ.get("E2E_SCREENSHOTS")


def home_anonymous(page):
    page.goto("/")


def home_logged_in(page):
    login(page, "processtod@example.org")  # the account with the longest navigation
    assert page.locator(".whoami").is_visible()


def login_empty(page):
    page.goto("/logga-in")


def login_failed(page):
    page.goto("/logga-in")
    page.get_by_label("E-post").fill("anna.eskilstuna@example.org")
    page.get_by_label("Lösenord").fill("not-the-password")
    page.get_by_role("button", name="Logga in").click()
    assert page.locator(".error-summary").inner_text().count("Fel e-postadress eller lösenord")


def login_missing_fields(page):
    page.goto("/logga-in")
    page.get_by_role("button", name="Logga in").click()
    # The answer is a new page: wait for it before counting.
    expect(page.locator(".error-summary a")).to_have_count(2)  # one link per field
    expect(page.locator("[aria-invalid=true]")).to_have_count(2)


def forgot_password(page):
    page.goto("/glomt-losenord")


def accessibility_statement(page):
    page.goto("/tillganglighet")


def open_data(page):
    page.goto("/oppna-data")
    assert page.get_by_role("heading", level=1).inner_text() == "Öppna data"


def open_data_licence(page):
    login(page, "admin@example.org")
    response = page.goto("/admin/oppna-data")
    assert response.status == 200
    assert page.get_by_role("radio", name="CC0 1.0").is_checked()


def not_found(page):
    response = page.goto("/finns-inte-alls")
    assert response.status == 404


def forbidden(page):
    login(page, "erik.vasteras@example.org")
    response = page.goto("/admin/")
    assert response.status == 403
    assert page.get_by_role("heading", level=1).inner_text() == "Du har inte behörighet"


def admin_home(page):
    login(page, "admin@example.org")
    response = page.goto("/admin/")
    assert response.status == 200
    assert page.get_by_role("heading", level=1).inner_text() == "Administration"


def account(page):
    login(page, "coreteam@example.org")
    response = page.goto("/konto")
    assert response.status == 200


PAGES = [
    home_anonymous,
    home_logged_in,
    login_empty,
    login_failed,
    login_missing_fields,
    forgot_password,
    accessibility_statement,
    open_data,
    open_data_licence,
    not_found,
    forbidden,
    admin_home,
    account,
]


@pytest.mark.parametrize("open_page", PAGES, ids=[p.__name__ for p in PAGES])
def test_page_passes_axe_and_reflows_at_320_px(page, open_page):
    open_page(page)
    assert page.locator("html").get_attribute("lang") == "sv"
    assert page.title().endswith("Samhällskontraktets idéportal")
    check_axe(page)
    shoot(page, f"{open_page.__name__}-wide")

    page.set_viewport_size({"width": 320, "height": 640})
    assert_no_horizontal_scroll(page, 320)
    shoot(page, f"{open_page.__name__}-320")


def shoot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(
            path=str(Path(SHOTS) / f"{re.sub(r'[^a-z0-9-]', '_', name)}.png"), full_page=True
        )


def test_check_axe_reports_violations(page):
    """The helper really runs axe: a page with known faults fails with a readable list."""
    page.goto("/tillganglighet")
    page.evaluate(
        """() => {
            const img = document.createElement('img');
            img.src = '/static/none.png';
            document.querySelector('main').append(img);
            document.querySelector('input, button').removeAttribute('type');
            const input = document.createElement('input');
            document.querySelector('main').append(input);
        }"""
    )
    with pytest.raises(pytest.fail.Exception) as failure:
        check_axe(page)
    message = str(failure.value)
    assert "image-alt (critical)" in message
    assert "label" in message


def test_axe_runs_by_itself_after_every_htmx_swap(page):
    """The watcher every e2e test gets: a swap that leaves a violation is caught and named."""
    page.goto("/tillganglighet")
    page.evaluate(
        """() => {
            const img = document.createElement('img');
            img.src = '/static/none.png';
            img.id = 'utan-alt';
            document.querySelector('main').append(img);
            document.body.dispatchEvent(new CustomEvent('htmx:afterSettle', {
                bubbles: true, detail: {target: document.querySelector('main')}}));
        }"""
    )
    runs, problems = watched_violations(page)
    assert runs == 2, problems  # the page load, then the swap
    assert any("(htmx-byte" in line and "image-alt" in line for line in problems), problems
    assert not any("(sidladdning)" in line for line in problems), problems
    page.evaluate("() => sessionStorage.removeItem('__axe_watch')")  # the test's own fault
