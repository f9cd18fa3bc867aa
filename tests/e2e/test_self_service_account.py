"""A resident answers a call from the start page in one click; a new employee makes an account
with their work address and the link from the mail; the admin's domain page. Every page passes
axe-core."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.accounts import registration
from portal.accounts.models import User
from portal.extensions import db
from portal.reference.models import Party
from tests.e2e.conftest import check_axe, login
from tests.factories import make_call

pytestmark = pytest.mark.e2e

LINK_RE = re.compile(r"https?://\S+/skapa-konto/[A-Za-z0-9_-]+")


def test_start_page_to_a_call_and_a_new_account(page, smtp):
    make_call(slug="barn-i-rorelse", title="Barn i rörelse")
    mdu = db.session.query(Party).filter_by(name="Mälardalens universitet").one()
    admin = db.session.query(User).filter_by(email="admin@example.org").one()
    registration.add_domain(mdu, "mdu.se", actor=admin)
    db.session.commit()

    page.goto("/")
    check_axe(page)
    page.get_by_role("link", name="Svara – Barn i rörelse").click()
    expect(page).to_have_url(re.compile(r"/utlysningar/barn-i-rorelse$"))

    page.goto("/")
    page.get_by_role("link", name="Skapa konto").click()
    check_axe(page)
    page.get_by_label("Namn").fill("Nora Ny")
    page.get_by_label("E-post i tjänsten").fill("nora.ny@gmail.com")
    page.get_by_role("button", name="Skicka länk").click()
    expect(page.locator(".error-summary")).to_contain_text("gmail.com")
    check_axe(page)
    page.get_by_label("E-post i tjänsten").fill("nora.ny@mdu.se")
    page.get_by_role("button", name="Skicka länk").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kolla din e-post")
    check_axe(page)

    mail = smtp.wait_for_mail("nora.ny@mdu.se", "Bekräfta")
    assert len(mail) == 1
    page.goto(LINK_RE.search(smtp.body(mail[0])).group(0))
    check_axe(page)
    page.get_by_label("Nytt lösenord").fill("en promenad runt mälaren")
    page.get_by_label("Upprepa lösenordet").fill("en promenad runt mälaren")
    page.get_by_role("button", name="Skapa kontot").click()
    expect(page.get_by_role("heading", name="Välkommen, Nora Ny")).to_be_visible()
    check_axe(page)


def test_the_admin_domain_page(page):
    login(page, "admin@example.org")
    mdu = db.session.query(Party).filter_by(name="Mälardalens universitet").one()
    page.goto(f"/admin/parter/{mdu.id}")
    page.get_by_role("link", name=re.compile("E-postdomäner")).click()
    page.get_by_label("E-postdomän").fill("mdu.se")
    page.get_by_role("button", name="Lägg till domän").click()
    expect(page.get_by_role("cell", name="mdu.se", exact=True)).to_be_visible()
    check_axe(page)
    page.get_by_role("button", name="Ta bort mdu.se").click()
    expect(page.locator("table")).to_contain_text("Borttagen")
    check_axe(page)
