"""The call page's canvas form is rendered once per call, rules and language and kept
(portal/fragments.py): the page a browser gets is the same byte for byte as without the
cache, an edited call shows at once, and a re-render with errors is the person's own."""

from __future__ import annotations

import re

import pytest

from portal.fragments import cache_of
from tests.conftest import csrf_from
from tests.factories import make_call

# What differs between two requests of the same page: the CSRF token (in the form and in
# htmx's headers), the once-per-intent key of form_guard and the form's own key.
PER_REQUEST = re.compile(
    r'(name="(?:csrf_token|intent|form_key)"[^>]*value="|"X-CSRFToken": ")[^"]*(")'
)

RULES = {  # a call whose canvas differs from the residents' default
    "title": "required",
    "focus_area": "required",
    "purpose": "optional",
    "effect_residents": "required",
    "effect_society": "optional",
    "timeline": "hidden",
    "effect_sk": "hidden",
    "visual_description": "hidden",
    "responsible": "hidden",
    "partners": "optional",
    "follow_up": "hidden",
    "challenges": "hidden",
    "key_activities": "required",
}


def normalised(html: str) -> str:
    return PER_REQUEST.sub(r"\1…\2", html)


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def set_language(client, lang: str) -> None:
    with client.session_transaction() as session:
        session["lang"] = lang


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_cached_page_is_the_uncached_page_byte_for_byte(app, client, monkeypatch, lang):
    call = make_call(rules=RULES)
    other = make_call(title="Trygga äldre")  # the residents' default rules
    set_language(client, lang)
    monkeypatch.setitem(app.config, "PAGE_CACHE_SIZE", 0)  # the whole page: test_page_cache.py
    cache = cache_of(app)
    for c in (call, other):
        url = f"/utlysningar/{c.slug}"
        monkeypatch.setitem(app.config, "FRAGMENT_CACHE_SIZE", 0)
        uncached = page(client, url)
        monkeypatch.setitem(app.config, "FRAGMENT_CACHE_SIZE", 256)
        first = page(client, url)
        hits = cache.hits
        cached = page(client, url)
        # The second render came from the cache: the canvas form, the menu and the footer.
        assert cache.hits == hits + 3
        assert normalised(first) == normalised(uncached)
        assert normalised(cached) == normalised(uncached)
        assert cached != uncached  # a new CSRF token and form keys on every request
    # The two calls ask for different fields, in the language asked for.
    first_call = page(client, f"/utlysningar/{call.slug}")
    second_call = page(client, f"/utlysningar/{other.slug}")
    assert 'name="key_activities"' in first_call and 'name="key_activities"' not in second_call
    assert 'id="key_activities" name="key_activities" required' in first_call
    assert 'name="visual_description"' in second_call and 'name="timeline"' not in first_call
    required = "(required)" if lang == "en" else "(obligatoriskt)"
    assert required in first_call
    assert f'<html lang="{lang}">' in first_call


def test_editing_the_call_shows_at_once(app, client, db):
    call = make_call(rules=RULES)
    url = f"/utlysningar/{call.slug}"
    before = page(client, url)
    assert 'name="partners"' in before and "Barn i rörelse" in before
    assert 'id="key_activities" name="key_activities" required' in before

    call.title = "Barn i rörelse, andra omgången"
    call.field_rules = {**RULES, "partners": "hidden", "key_activities": "optional"}
    db.session.commit()

    after = page(client, url)
    assert "Barn i rörelse, andra omgången" in after
    assert 'name="partners"' not in after
    assert 'name="key_activities"' in after
    assert 'id="key_activities" name="key_activities" required' not in after


def test_a_form_sent_with_errors_shows_what_was_typed_not_the_kept_form(app, client):
    call = make_call(rules=RULES)
    url = f"/utlysningar/{call.slug}"
    html = page(client, url)
    form_key = re.search(r'name="form_key"[^>]*value="([^"]*)"', html).group(1)
    response = client.post(
        url,
        data={
            "csrf_token": csrf_from(html),
            "form_key": form_key,
            "kind": "idea",
            "title": "Min egen rubrik",
            "partners": "Grannarna på gatan",
            "name": "Ada",
            "email": "ada@example.org",
            "action": "submit",
        },
    )
    assert response.status_code == 422
    sent = response.get_data(as_text=True)
    assert "Min egen rubrik" in sent and "Grannarna på gatan" in sent
    assert re.search(r'<input checked[^>]*name="kind"[^>]*value="idea"', sent)
    assert "Det finns fel i formuläret" in sent
    assert 'aria-invalid="true"' in sent
    # The page every visitor then opens is still the empty one.
    assert "Min egen rubrik" not in page(client, url)


def test_an_employees_page_is_the_same_cached_and_uncached(app, client, login_as, monkeypatch):
    from portal.accounts.models import Role

    call = make_call(audience="staff", rules=RULES)
    login_as(Role.EMPLOYEE)
    page(client, "/")  # the "logged in" message shown
    for url in (f"/utlysningar/{call.slug}", "/lamna-in"):
        monkeypatch.setitem(app.config, "FRAGMENT_CACHE_SIZE", 0)
        uncached = page(client, url)
        monkeypatch.setitem(app.config, "FRAGMENT_CACHE_SIZE", 256)
        page(client, url)
        hits = cache_of(app).hits
        cached = page(client, url)
        assert cache_of(app).hits == hits + 3  # the form, the menu, the footer
        assert normalised(cached) == normalised(uncached)
        assert 'name="kind"' in cached and "data-hx-post" in cached  # the employee's canvas
