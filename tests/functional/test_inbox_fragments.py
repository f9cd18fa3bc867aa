"""The inbox's select lists are rendered once per key and kept (portal/fragments.py): the
page is the same byte for byte as without the cache, in both languages and with filters, and
a new choice (a call, a focus area's new name, a handler) shows at once."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.extensions import db as _db
from portal.fragments import cache_of
from portal.reference.models import FocusArea
from portal.triage.inbox import RESIDENTS
from tests.factories import make_call, make_user
from tests.functional.test_inbox import add, row

# What differs between two requests of the same page: the CSRF token (in the forms and in
# htmx's headers) and the once-per-intent keys of the forms (portal/intents.py).
PER_REQUEST = re.compile(r'(name="(?:csrf_token|intent)"[^>]*value="|"X-CSRFToken": ")[^"]*(")')


def normalised(html: str) -> str:
    return PER_REQUEST.sub(r"\1…\2", html)


def page(client, url: str, **headers) -> str:
    response = client.get(url, headers=headers)
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.fixture
def inbox(client, login_as):
    call = make_call(title="Trygga skolvägar")
    handler = make_user(roles={Role.PROCESS_SUPPORT}, name="Hanna Handläggare")
    area = _db.session.scalar(select(FocusArea).order_by(FocusArea.id))
    add(
        row(1, call_id=call.id, focus_area_id=area.id, handler_id=handler.id),
        row(2, kind="challenge"),
        row(3, state="awaiting_info"),
    )
    login_as(handler)
    page(client, "/")  # the "logged in" message shown
    return call, handler, area


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_cached_lists_are_the_uncached_lists_byte_for_byte(
    app, client, inbox, monkeypatch, lang
):
    call, handler, area = inbox
    with client.session_transaction() as session:
        session["lang"] = lang
    filtered = (
        f"/inkorg?call={call.id}&kind=idea&source={RESIDENTS}"
        f"&portfolio={area.portfolio_id}&handler={handler.id}&state=all"
    )
    cache = cache_of(app)
    for url, headers in (("/inkorg", {}), (filtered, {}), (filtered, {"HX-Request": "true"})):
        monkeypatch.setitem(app.config, "FRAGMENT_CACHE_SIZE", 0)
        uncached = page(client, url, **headers)
        monkeypatch.setitem(app.config, "FRAGMENT_CACHE_SIZE", 256)
        first = page(client, url, **headers)
        hits = cache.hits
        cached = page(client, url, **headers)
        assert cache.hits > hits  # the second render came from the cache
        assert normalised(first) == normalised(uncached)
        assert normalised(cached) == normalised(uncached)
    # What the lists show: the selected filters, and the choices in the language asked for.
    html = page(client, filtered)
    assert f'<option value="{call.id}" selected>Trygga skolvägar</option>' in html
    assert f'<option value="{handler.id}" selected>Hanna Handläggare</option>' in html
    keep = "Do not change" if lang == "en" else "Ändra inte"
    assert f'<option selected value="">{keep}</option>' in html


def test_a_new_choice_shows_at_once(client, inbox):
    call, _handler, area = inbox
    before = page(client, "/inkorg")
    assert "Vårens utlysning" not in before and "Nytt namn på området" not in before

    make_call(title="Vårens utlysning", slug="varens")
    area.name = "Nytt namn på området"
    make_user(roles={Role.PROCESS_SUPPORT}, name="Nils Nykomling")
    _db.session.commit()

    after = page(client, "/inkorg")
    assert "Vårens utlysning" in after
    assert after.count("Nytt namn på området") >= 2  # the filter and the bulk form
    assert after.count("Nils Nykomling") == 2


def test_the_kept_menu_marks_the_page_it_is_on(client, inbox):
    for url, current in (("/inkorg", "Inkorg"), ("/konto", "Mitt konto"), ("/inkorg", "Inkorg")):
        html = page(client, url)
        marked = re.findall(r'<a href="[^"]*" aria-current="page">([^<]*)</a>', html)
        assert marked == [current], url
