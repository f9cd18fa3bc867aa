"""The long pages made short, measured in Chromium: the triage page's actions within the first
screen at 1280 px (and first on a phone); every role's menu on one line at 1280 px and folded
behind an accessible "Meny" at 390 px; the showroom within one 1920×1080 screen whatever the
number of initiatives, with a pause button, and kiosk mode without login or menu."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.evaluation.models import Phase
from tests.e2e.conftest import login, resize
from tests.hub_factories import make_hub_initiative
from tests.privacy_factories import resident_submission

pytestmark = pytest.mark.e2e

NAV = "nav[aria-label=Huvudmeny]"
ROLES = [
    "admin@example.org",
    "processtod@example.org",
    "expert@example.org",
    "coreteam@example.org",
    "styrelsen@example.org",
    "anna.eskilstuna@example.org",
]


def bottom(locator) -> float:
    box = locator.bounding_box()
    assert box is not None, locator
    return box["y"] + box["height"]


# --- the triage page --------------------------------------------------------------------------


def test_triage_actions_are_within_the_first_screen_at_1280_and_first_on_a_phone(page, db):
    submission, _token = resident_submission(
        title="Cykelkompisar", purpose="Äldre barn cyklar med yngre.\n" * 40
    )
    db.session.commit()
    page.set_viewport_size({"width": 1280, "height": 800})
    login(page, "processtod@example.org")
    page.goto(f"/inkorg/{submission.id}")

    actions = page.get_by_role("region", name="Triage")
    controls = actions.locator("button:visible, summary")
    names = [c.strip() for c in controls.all_inner_texts()]
    assert names == [
        "Ta in i portfölj",
        "Klassning",
        "Be om komplettering",
        "Markera som dubblett",
        "Avslå",
    ]
    for i in range(controls.count()):
        assert bottom(controls.nth(i)) <= 800, names[i]
    # Beside the content: the canvas starts at the same height, to the left.
    content = page.locator(".triage-content")
    assert content.bounding_box()["x"] < actions.bounding_box()["x"]
    assert page.evaluate("document.documentElement.scrollHeight") > 800  # the page is long

    # One click opens a decision's form, and keyboard users reach the actions before the canvas.
    actions.locator("summary", has_text="Be om komplettering").click()
    expect(page.get_by_label("Fråga till inlämnaren")).to_be_visible()
    assert bottom(page.get_by_role("button", name="Skicka frågan")) <= 800

    # On a phone the actions come first, above what they act on.
    resize(page, 390, 844)
    assert bottom(actions) <= content.bounding_box()["y"]
    assert bottom(actions.get_by_role("button", name="Ta in i portfölj")) <= 844


# --- the main menu ----------------------------------------------------------------------------


@pytest.mark.parametrize("email", ROLES)
def test_each_roles_menu_is_one_line_at_1280_and_folds_behind_meny_on_a_phone(page, email):
    page.set_viewport_size({"width": 1280, "height": 800})
    login(page, email)
    nav = page.locator(NAV)
    entries = nav.locator(".nav-list > li")
    heights = [entries.nth(i).bounding_box()["height"] for i in range(entries.count())]
    tops = {round(entries.nth(i).bounding_box()["y"]) for i in range(entries.count())}
    assert len(tops) == 1, f"{email}: the menu wraps ({len(tops)} lines)"
    assert nav.locator(".nav-list").bounding_box()["height"] <= max(heights) + 1
    expect(nav.locator("summary", has_text="Meny")).to_be_hidden()
    expect(nav.get_by_role("link", name="Mitt konto")).to_be_visible()

    # A group opens and closes from the keyboard; the other groups stay closed.
    groups = nav.locator(".nav-group > details > summary")
    if groups.count():
        summary = groups.first
        summary.focus()
        page.keyboard.press("Enter")
        link = nav.locator(".nav-group details[open] a").first
        expect(link).to_be_visible()
        page.keyboard.press("Escape")
        expect(link).to_be_hidden()
        expect(summary).to_be_focused()

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    toggle = nav.locator("summary", has_text="Meny")
    expect(toggle).to_be_visible()
    expect(nav.get_by_role("link", name="Mitt konto")).to_be_hidden()
    # Chromium exposes a <summary> as a control whose expanded state follows <details>.
    assert page.evaluate(
        "s => getComputedStyle(s).display !== 'none' && s.parentElement.open === false",
        toggle.element_handle(),
    )
    toggle.focus()
    page.keyboard.press("Enter")
    expect(nav.get_by_role("link", name="Mitt konto")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_menu_is_there_without_javascript(page_factory, base_url):
    page = page_factory(java_script_enabled=False, viewport={"width": 1280, "height": 800})
    login(page, "coreteam@example.org")
    nav = page.locator(NAV)
    nav.locator("summary", has_text="Process").click()
    nav.get_by_role("link", name="Primöten").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Primöten"))
    expect(nav.locator("summary.nav-current")).to_have_text("Process")


# --- the showroom -----------------------------------------------------------------------------


@pytest.fixture
def forty_initiatives(base_url, db):
    phases = [Phase.IDEA, Phase.CONCEPT, Phase.PILOT, Phase.IMPLEMENTATION, Phase.FOLLOW_UP]
    for n in range(40):
        long = " med ett namn så långt att det inte ryms på två rader i sin kolumn" * (n % 4 == 0)
        initiative = make_hub_initiative(f"Initiativ {n:02d}{long}", phase=phases[n % 3])
    return initiative.portfolio_id


@pytest.mark.parametrize("kiosk", [False, True])
def test_showroom_fits_one_1920_screen_with_forty_initiatives(page, forty_initiatives, kiosk):
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"/showroom/{forty_initiatives}" + ("?kiosk=1" if kiosk else ""))
    assert page.evaluate("document.documentElement.scrollHeight") <= 1080
    assert page.evaluate("document.documentElement.scrollWidth") <= 1920
    expect(page.get_by_text(re.compile(r"^Sida 1 av \d+"))).to_be_visible()
    expect(page.get_by_role("button", name="Pausa visningen")).to_be_visible()
    header = page.locator("header").inner_text()
    if kiosk:
        assert "Logga in" not in page.locator("body").inner_text()
        assert page.locator(NAV).count() == 0
        assert "In English" not in header
    else:
        assert "Logga in" in header


def test_showroom_rotates_and_pauses(page, forty_initiatives, app):
    app.config["HUB_SHOWROOM_ROTATE_SECONDS"] = 1
    try:
        page.set_viewport_size({"width": 1920, "height": 1080})
        page.goto(f"/showroom/{forty_initiatives}?kiosk=1")
        pages = page.locator(".showroom-pages")
        expect(pages).to_contain_text("Sida 2 av", timeout=5000)
        page.get_by_role("button", name="Pausa visningen").click()
        expect(page.get_by_role("button", name="Fortsätt visningen")).to_be_visible()
        shown = pages.inner_text()
        page.wait_for_timeout(2500)
        assert pages.inner_text() == shown  # paused: the screen stays
        page.get_by_role("button", name="Fortsätt visningen").click()
        expect(pages).not_to_have_text(shown, timeout=5000)
        assert page.evaluate("document.documentElement.scrollHeight") <= 1080
    finally:
        app.config.pop("HUB_SHOWROOM_ROTATE_SECONDS", None)


def test_showroom_without_javascript_links_to_the_next_screen(page_factory, forty_initiatives):
    page = page_factory(java_script_enabled=False, viewport={"width": 1920, "height": 1080})
    page.goto(f"/showroom/{forty_initiatives}?kiosk=1")
    expect(page.get_by_role("button", name="Pausa visningen")).to_be_hidden()  # nothing moves
    first = page.locator(".showroom-column li a").first.inner_text()
    page.get_by_role("link", name="Nästa sida").click()
    expect(page.locator(".showroom-pages")).to_contain_text("Sida 2 av")
    assert page.url.endswith("sida=2&kiosk=1")
    assert page.locator(".showroom-column li a").first.inner_text() != first
    assert page.evaluate("document.documentElement.scrollHeight") <= 1080
