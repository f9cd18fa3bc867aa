"""An employee logs in through the party's identity provider in Chromium: the login page's
button, the provider's own form on loopback (tests/oidc_provider.py), back to the portal with
a new account. And the admin's single sign-on page. Every page passes axe-core and reflows at
320 px; the login works without JavaScript too."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.accounts.models import User
from portal.reference.models import Party
from tests.e2e.conftest import login
from tests.e2e.test_mfa import check  # axe-core and reflow at 320 px
from tests.oidc_provider import register, running_provider

pytestmark = pytest.mark.e2e
PARTY = "Eskilstuna kommun"


@pytest.fixture(scope="module")
def provider():
    with running_provider() as running:
        yield running


@pytest.fixture
def registered(base_url, db, provider):
    party = db.session.scalar(select(Party).where(Party.name == PARTY))
    admin = db.session.scalar(select(User).where(User.email == "admin@example.org"))
    register(provider, party, actor=admin)
    db.session.commit()
    return party


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_an_employee_logs_in_through_the_partys_provider(
    page_factory, provider, registered, db, javascript
):
    sub = "sara-js" if javascript else "sara-nojs"
    provider.set_user(sub, email=f"{sub}@eskilstuna.example", name="Sara Sundberg")
    page = page_factory(java_script_enabled=javascript)
    page.goto("/logga-in")
    button = page.get_by_role("link", name=f"Logga in med ditt konto hos {PARTY}")
    expect(button).to_be_visible()
    if javascript:
        check(page)
    button.click()
    assert page.url.startswith(provider.url)  # the provider's own form
    page.get_by_placeholder("sub").fill(sub)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_load_state()
    expect(page.locator("p.flash")).to_contain_text("Du är inloggad.")
    page.goto("/konto")
    expect(page.locator("main")).to_contain_text("med organisationens inloggning")
    if javascript:
        check(page)
    user = db.session.scalar(select(User).where(User.email == f"{sub}@eskilstuna.example"))
    assert user.name == "Sara Sundberg" and user.party.name == PARTY


def test_cancelling_at_the_provider_shows_why_on_the_login_page(page, provider, registered):
    page.goto("/logga-in")
    page.get_by_role("link", name=f"Logga in med ditt konto hos {PARTY}").click()
    page.get_by_role("button", name="Deny").click()
    page.wait_for_load_state()
    assert page.url.endswith("/logga-in")
    expect(page.locator("p.flash")).to_contain_text("Inloggningen avbröts.")
    check(page)


def test_the_admins_single_sign_on_page(page, registered):
    login(page, "admin@example.org")
    page.goto(f"/admin/parter/{registered.id}")
    page.get_by_role("link", name="Inställningar för inloggning via organisationen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Inloggning via {PARTY}")
    assert page.get_by_label("Klienthemlighet").input_value() == ""
    check(page)
    page.get_by_label("Utfärdare (issuer)").fill("http://example.org")
    page.get_by_role("button", name="Spara").click()
    expect(page.locator(".error-summary")).to_contain_text("https://")
    check(page)
