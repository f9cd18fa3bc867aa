"""Whole pages kept for anonymous visitors (portal/pagecache.py): the call page and the list
of calls are served from the kept page byte for byte as rendered anew (the per-request
values aside), never to a signed-in user or a visitor with a flash, anew after an edit or
the closing time, and with new CSRF tokens and form keys that work."""

from __future__ import annotations

import re

import pytest

from portal.pagecache import cache_of
from portal.types import utcnow
from tests.factories import make_call
from tests.functional.test_call_page_cache import normalised, page, set_language

FORM_KEY = re.compile(r'name="form_key"[^>]*value="([^"]*)"')
INTENT = re.compile(r'name="intent" value="([^"]*)"')
CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')


def pages_of(app, client, monkeypatch, url):
    monkeypatch.setitem(app.config, "PAGE_CACHE_SIZE", 0)
    uncached = page(client, url)
    monkeypatch.setitem(app.config, "PAGE_CACHE_SIZE", 64)
    cache = cache_of(app)
    first = page(client, url)
    hits = cache.hits
    kept = page(client, url)
    assert cache.hits == hits + 1, "the second page came from the cache"
    return uncached, first, kept


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_kept_page_is_the_rendered_page_byte_for_byte(app, client, monkeypatch, lang):
    call = make_call(title="Trygga äldre")
    set_language(client, lang)
    for url in (f"/utlysningar/{call.slug}", "/utlysningar"):
        uncached, first, kept = pages_of(app, client, monkeypatch, url)
        assert normalised(first) == normalised(uncached)
        assert normalised(kept) == normalised(uncached)
        assert f'<html lang="{lang}">' in kept and "Trygga äldre" in kept
        # New one-time keys in the kept page, every one of them. (The CSRF token is signed
        # per second and session: new for another visitor, see below.)
        for pattern in (INTENT, FORM_KEY):
            assert pattern.findall(kept) == [] or set(pattern.findall(kept)).isdisjoint(
                pattern.findall(first)
            )
        assert INTENT.findall(kept)


def test_two_visitors_get_their_own_keys_and_both_can_send(app, db, monkeypatch):
    from portal.submissions.models import Submission

    monkeypatch.setitem(app.config, "PAGE_CACHE_SIZE", 64)
    call = make_call(rules={"title": "required", "purpose": "required"})
    url = f"/utlysningar/{call.slug}"
    visitors = [app.test_client() for _ in range(2)]
    pages = [page(c, url) for c in visitors]
    assert cache_of(app).hits >= 1
    assert CSRF.search(pages[0]).group(1) != CSRF.search(pages[1]).group(1)
    assert FORM_KEY.search(pages[0]).group(1) != FORM_KEY.search(pages[1]).group(1)
    assert INTENT.findall(pages[0])[-1] != INTENT.findall(pages[1])[-1]
    for n, (visitor, html) in enumerate(zip(visitors, pages, strict=True)):
        form = re.search(r'<form[^>]*class="canvas[^"]*"[^>]*>.*?</form>', html, re.S)
        form_html = form.group(0) if form else html
        data = {
            "csrf_token": CSRF.findall(form_html)[0],
            "intent": INTENT.findall(form_html)[-1],
            "form_key": FORM_KEY.search(form_html).group(1),
            "call_id": str(call.id),
            "kind": "idea",
            "title": f"Idé nummer {n}",
            "purpose": "Fler möten mellan generationer.",
            "name": f"Besökare {n}",
            "email": f"besokare{n}@example.org",
            "consent": "y",
            "action": "submit",
        }
        response = visitor.post(url, data=data)
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    titles = set(
        db.session.scalars(db.select(Submission.title).where(Submission.call_id == call.id))
    )
    assert titles == {"Idé nummer 0", "Idé nummer 1"}


def test_never_to_a_signed_in_user_or_a_visitor_with_a_flash(app, client, login_as, monkeypatch):
    from portal.accounts.models import Role

    monkeypatch.setitem(app.config, "PAGE_CACHE_SIZE", 64)
    call = make_call()
    url = f"/utlysningar/{call.slug}"
    page(client, url)
    page(client, url)  # kept
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "Ett meddelande bara för dig")]
    assert "Ett meddelande bara för dig" in page(client, url)
    assert "Ett meddelande bara för dig" not in page(client, url)  # shown once
    user = login_as(Role.EMPLOYEE)
    for address in (url, "/utlysningar"):
        html = page(client, address)
        assert user.name in html and "Logga ut" in html
    # Query arguments are never kept: the page is rendered as asked.
    hits = cache_of(app).hits
    anonymous = app.test_client()
    page(anonymous, url + "?x=1")
    page(anonymous, url + "?x=1")
    assert cache_of(app).hits == hits


def test_an_edit_and_the_closing_time_show_at_once(app, client, db, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_CACHE_SIZE", 64)
    call = make_call(title="Barn i rörelse")
    url = f"/utlysningar/{call.slug}"
    for address in (url, "/utlysningar"):
        page(client, address)
        assert "Barn i rörelse" in page(client, address)
    call.title = "Barn i rörelse, andra omgången"
    db.session.commit()
    for address in (url, "/utlysningar"):
        assert "Barn i rörelse, andra omgången" in page(client, address)
    call.host_party.name = "Nytt namn på värden"  # a rename elsewhere shows as well
    db.session.commit()
    for address in (url, "/utlysningar"):
        assert "Nytt namn på värden" in page(client, address)
    # The closing time passes (in the same minute as the kept page): the call is closed.
    open_page = page(client, url)
    assert 'name="title"' in open_page
    db.session.execute(
        db.update(type(call)).where(type(call).id == call.id).values(closes_at=utcnow())
    )
    db.session.commit()
    monkeypatch.setitem(app.config, "PAGE_CACHE_SIZE", 0)
    uncached = client.get(url)
    monkeypatch.setitem(app.config, "PAGE_CACHE_SIZE", 64)
    served = client.get(url)
    assert served.status_code == uncached.status_code
    assert normalised(served.get_data(as_text=True)) == normalised(uncached.get_data(as_text=True))
    assert normalised(served.get_data(as_text=True)) != normalised(open_page)  # now closed
