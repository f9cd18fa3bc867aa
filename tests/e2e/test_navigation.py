"""Each demo account logs in and sees the navigation of its roles, and only that."""

from __future__ import annotations

import re

import pytest
from flask import current_app
from playwright.sync_api import expect
from sqlalchemy import select

from portal.accounts.models import Role, User
from portal.demo import DEMO_USERS
from portal.navigation import items_for
from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e

NAV = "nav[aria-label=Huvudmeny]"


def expected_labels(email: str) -> list[str]:
    """What portal.navigation shows this user, with the endpoints the app serves right now."""
    user = current_app.extensions["sqlalchemy"].session.scalar(
        select(User).where(User.email == email)
    )
    with current_app.test_request_context():
        return [str(item.label) for item in items_for(user)]


@pytest.mark.parametrize(
    ("email", "roles"), [(email, roles) for email, _name, _party, roles in DEMO_USERS]
)
def test_demo_account_sees_its_own_navigation(page, email, roles):
    expected = expected_labels(email)
    assert "Mitt konto" in expected
    assert ("Administration" in expected) == (Role.ADMIN in roles)

    login(page, email)

    assert page.locator(".flash-success").inner_text() == "Du är inloggad."
    nav = page.locator(NAV)
    # Every link, those in closed groups (Inflöde, Process) too.
    labels = nav.locator("a").evaluate_all("as => as.map(a => a.textContent.trim())")
    assert labels == expected
    assert "Mitt konto" in labels
    if Role.ADMIN in roles:
        assert "Administration" in labels
    else:
        assert "Administration" not in labels
        assert nav.get_by_role("link", name="Administration").count() == 0

    # The home page offers the same things as cards, and the header names the user.
    name = next(n for e, n, _p, _r in DEMO_USERS if e == email)
    assert page.locator(".whoami").inner_text().startswith(name)
    assert page.get_by_role("heading", name=f"Välkommen, {name}").is_visible()


def test_anonymous_visitor_sees_no_member_navigation(page):
    page.goto("/")
    text = page.locator("header").inner_text()
    assert "Mitt konto" not in text
    assert "Administration" not in text
    assert page.locator("header").get_by_role("link", name="Logga in").is_visible()


def test_current_page_is_marked_in_navigation(page):
    login(page, "sara.mdh@example.org")
    page.locator(NAV).get_by_role("link", name="Mitt konto").click()
    # The URL changes when the new page starts to arrive; wait for it to be there.
    expect(page).to_have_url(re.compile(r"/konto$"))
    current = page.locator(f"{NAV} a[aria-current=page]")
    expect(current).to_have_count(1)
    expect(current).to_have_text("Mitt konto")
