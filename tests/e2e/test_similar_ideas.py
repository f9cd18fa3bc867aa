"""Similar ideas in Chromium: as a resident types the name and the need, the published
initiatives like it appear in the form's live region (htmx, debounced), axe-core clean."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import check_axe
from tests.factories import make_call
from tests.hub_factories import make_hub_initiative

pytestmark = pytest.mark.e2e


def test_similar_ideas_appear_while_typing(page, base_url, db):
    make_hub_initiative(
        "Digitala besök i äldreomsorgen",
        summary="Surfplattor för videosamtal mellan boende på äldreboenden och anhöriga.",
    )
    make_hub_initiative("Hemliga videosamtal för äldre", summary="Videosamtal.", publish=False)
    call = make_call()
    db.session.commit()
    page.goto(f"/utlysningar/{call.slug}")
    check_axe(page)
    page.locator("#title").press_sequentially("Omsorg om äldre via video")
    page.locator("#purpose").press_sequentially("Anhöriga ringer videosamtal till boendet.")
    link = page.locator("#similar-ideas li a")
    link.first.wait_for()
    assert link.all_inner_texts() == ["Digitala besök i äldreomsorgen"]
    assert (
        "Finns din idé redan? Du kan ändå skicka in." in page.locator("#similar-ideas").inner_text()
    )
    assert page.locator("#title").input_value() == "Omsorg om äldre via video"
    check_axe(page)
