"""A board member creates an API key, reads it once, uses it, and revokes it; the page passes
axe-core and reflows at 320 px with the new key shown."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import assert_no_horizontal_scroll, check_axe, login

pytestmark = pytest.mark.e2e


def test_board_member_creates_uses_and_revokes_an_api_key(page, page_factory):
    login(page, "styrelsen@example.org")
    page.goto("/konto")
    page.get_by_role("link", name="Hantera dina API-nycklar").click()
    assert page.get_by_role("heading", level=1).inner_text() == "API-nycklar"
    assert page.get_by_text("Du har inga giltiga nycklar.").is_visible()
    check_axe(page)

    page.get_by_label("Namn på nyckeln").fill("Kvartalsrapport")
    page.get_by_label("90 dagar").check()
    page.get_by_role("button", name="Skapa nyckel").click()
    alert = page.get_by_role("alert")
    assert "Den visas bara den här gången" in alert.inner_text()
    raw = page.get_by_label("API-nyckel", exact=True).input_value()
    assert raw.startswith("skp_") and len(raw) == 47
    assert page.get_by_role("cell", name="Kvartalsrapport", exact=True).is_visible()
    check_axe(page)
    page.set_viewport_size({"width": 320, "height": 800})
    assert_no_horizontal_scroll(page)

    api = page.request.get("/api/v1/inflow?group=party", headers={"Authorization": f"Bearer {raw}"})
    assert api.status == 200
    assert api.json()["group"] == ["party"]

    page.get_by_role("button", name="Återkalla Kvartalsrapport").click()
    assert "är återkallad" in page.locator(".flashes").inner_text()
    assert page.get_by_text("Du har inga giltiga nycklar.").is_visible()
    api = page.request.get("/api/v1/inflow", headers={"Authorization": f"Bearer {raw}"})
    assert api.status == 401
