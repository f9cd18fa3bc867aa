"""The shared field macro ties hints and errors to their field, and only existing ones."""

from __future__ import annotations

import re

from tests.conftest import csrf_from


def test_field_without_hint_has_no_dangling_describedby(client):
    html = client.get("/logga-in").get_data(as_text=True)
    assert 'aria-describedby="None"' not in html
    for ids in re.findall(r'aria-describedby="([^"]+)"', html):
        for ref in ids.split():
            assert f'id="{ref}"' in html, ref


def test_field_error_is_described_and_marked_invalid(client):
    page = client.get("/logga-in").get_data(as_text=True)
    html = client.post(
        "/logga-in", data={"csrf_token": csrf_from(page), "email": "", "password": ""}
    ).get_data(as_text=True)
    assert 'aria-describedby="email-error"' in html
    assert 'aria-invalid="true"' in html


def test_only_the_most_specific_nav_item_is_current(client, login_as):
    from portal.accounts.models import Role

    login_as(Role.PROCESS_SUPPORT)
    html = client.get("/utlysningar/hantera").get_data(as_text=True)
    assert html.count('aria-current="page"') == 1
    assert 'href="/utlysningar/hantera" aria-current="page"' in html
