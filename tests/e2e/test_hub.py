"""The public hub in Chromium, on the demo data: a resident with no account finds the
initiatives on "äldre", opens one and sees where it stands; nothing unpublished is reachable;
the hub, an initiative's page and the showroom pass axe-core."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.demo import seed_demo_content
from portal.evaluation.models import Initiative
from portal.hub import public, services
from tests.e2e.conftest import assert_no_horizontal_scroll, check_axe

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo_site(base_url, db):
    seed_demo_content()
    db.session.commit()
    return base_url


def unpublished(db) -> list[Initiative]:
    return list(
        db.session.scalars(select(Initiative).where(~Initiative.id.in_(public.published_ids())))
    )


def test_resident_finds_the_elderly_initiatives_opens_one_and_sees_its_phase(page, demo_site):
    page.goto("/hubb")
    check_axe(page)
    page.evaluate("window.sameDocument = true")  # gone if the page were loaded again

    page.get_by_role("searchbox", name="Sök").fill("äldre")
    page.wait_for_url(re.compile(r"/hubb\?q=%C3%A4ldre$"))  # the address follows
    cards = page.locator(".hub-card")
    cards.first.wait_for()
    count = cards.count()
    assert count >= 3
    assert page.evaluate("window.sameDocument") is True  # htmx swapped the results in place
    assert page.locator("#hub-status").count() == 1
    assert page.locator("#hub-status").inner_text() == f"{count} initiativ hittades."
    assert page.locator("#hub-count").inner_text().startswith(f"{count} initiativ")
    check_axe(page)

    link = cards.first.get_by_role("link")
    title = link.inner_text()
    link.click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == title
    phase = page.locator(".hub-facts .badge").inner_text()
    assert phase in {"Idéfas", "Konceptfas", "Pilotfas", "Implementeringsfas", "Uppföljning"}
    assert page.locator('[aria-current="step"]').inner_text().startswith(phase)
    check_axe(page)

    page.go_back()  # the search is still there, from the address
    page.wait_for_url(re.compile(r"q=%C3%A4ldre"))
    assert page.get_by_role("searchbox", name="Sök").input_value() == "äldre"
    assert page.locator(".hub-card").count() == count


def test_nothing_unpublished_can_be_reached(page, demo_site, db):
    hidden = unpublished(db)
    assert hidden, "the demo keeps initiatives back"
    feed = page.request.get("/hubb/flode.atom").text()
    for initiative in hidden:
        assert page.goto(f"/hubb/{initiative.id}").status == 404
        page.goto(f"/hubb?q={initiative.title}")
        links = page.locator(".hub-card h3 a").evaluate_all("as => as.map(a => a.pathname)")
        assert not [link for link in links if link.startswith(f"/hubb/{initiative.id}-")]
        assert f"/hubb/{initiative.id}</id>" not in feed


def test_hub_works_without_javascript(page_factory, demo_site):
    page = page_factory(java_script_enabled=False)
    page.goto("/hubb")
    page.get_by_role("searchbox", name="Sök").fill("äldre")
    page.get_by_label("Fas").select_option(label="Idéfas")
    page.get_by_role("button", name="Sök").click()
    page.wait_for_url(re.compile(r"q=%C3%A4ldre&fas=idea"))
    assert page.locator(".hub-card").count() >= 1
    for badge in page.locator(".hub-card .badge").all_inner_texts():
        assert badge == "Idéfas"


def test_showroom_passes_axe_and_refreshes_in_place(page, demo_site, db, app):
    app.config["HUB_SHOWROOM_REFRESH_SECONDS"] = 1
    app.config["HUB_SHOWROOM_ROWS"] = 100  # one screen: the board is fetched again in place
    try:
        page.goto("/showroom")
        check_axe(page)
        page.get_by_role("link", name="Välmående och självständiga äldre", exact=True).click()
        page.wait_for_load_state()
        check_axe(page)
        page.set_viewport_size({"width": 1280, "height": 400})
        page.evaluate("window.scrollTo(0, 200); window.sameDocument = true")
        first = page.locator(".showroom-column li a").first
        title = first.inner_text()
        initiative = db.session.scalar(
            select(Initiative).where(Initiative.title == title, public.published_clause())
        )
        services.unpublish(initiative, actor=None)
        db.session.commit()
        page.wait_for_function(
            "t => !Array.from(document.querySelectorAll('.showroom-column li a'))"
            ".some(a => a.textContent === t)",
            arg=title,
            timeout=5000,
        )
        assert page.evaluate("window.sameDocument") is True  # no reload
        assert page.evaluate("window.scrollY") == 200  # the position is kept
    finally:
        app.config.pop("HUB_SHOWROOM_REFRESH_SECONDS", None)
        app.config.pop("HUB_SHOWROOM_ROWS", None)


@pytest.mark.parametrize("path", ["/hubb", "/showroom"])
def test_hub_pages_reflow_at_320_px(page, demo_site, path):
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(path)
    assert_no_horizontal_scroll(page, 320)
