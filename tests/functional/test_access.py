"""Every route declares who may reach it, and the declaration holds (default deny).

New routes are covered automatically: the test walks app.url_map.
"""

from __future__ import annotations

import pytest
from werkzeug.exceptions import NotFound

from portal.accounts.models import Role
from portal.permissions import AUTHENTICATED, PUBLIC, TokenAccess, access_of
from portal.types import INTEGER_MAX
from tests.conftest import csrf_from, login
from tests.factories import make_user
from tests.routes import converter_kind, rules
from tests.routes import request as _request
from tests.routes import routes as _routes


def test_every_route_declares_its_access(app):
    with app.test_request_context():
        undeclared = [ep for ep, _m, _u in _routes(app) if access_of(ep) is None]
    assert undeclared == []


@pytest.mark.asvs("4.1.3")
def test_anonymous_is_sent_to_login_from_every_non_public_route(app, client):
    token = csrf_from(client.get("/logga-in").get_data(as_text=True))
    checked = 0
    with app.test_request_context():
        routes = [(ep, m, u, access_of(ep)) for ep, m, u in _routes(app)]
    for endpoint, method, url, access in routes:
        if access == PUBLIC:
            continue
        response = _request(client, method, url, token)
        assert response.status_code in (302, 401), (endpoint, method, response.status_code)
        if response.status_code == 302:
            assert response.headers["Location"].startswith("/logga-in"), endpoint
        checked += 1
    assert checked > 0


@pytest.mark.asvs("4.1.1")
@pytest.mark.parametrize("role", list(Role))
def test_each_role_is_refused_where_it_does_not_belong(app, client, role):
    user = make_user(roles={role})
    login(client, user)
    token = csrf_from(client.get("/konto").get_data(as_text=True))
    with app.test_request_context():
        routes = [(ep, m, u, access_of(ep)) for ep, m, u in _routes(app)]
    for endpoint, method, url, access in routes:
        if endpoint in {"accounts.logout", "accounts.login"} or access in (PUBLIC, AUTHENTICATED):
            continue
        response = _request(client, method, url, token)
        if isinstance(access, TokenAccess):
            # A session never opens the API, only a bearer token (tests/functional/test_api.py).
            assert response.status_code == 401, (endpoint, method, response.status_code)
            continue
        if role in access:
            assert response.status_code != 403, (endpoint, method)
        else:
            assert response.status_code == 403, (endpoint, method, response.status_code)
            assert "Du har inte behörighet" in response.get_data(as_text=True)


def test_logged_in_routes_open_to_every_role(app, client):
    user = make_user(roles={Role.BOARD})
    login(client, user)
    assert client.get("/konto").status_code == 200


# --- path parameters the database cannot hold -------------------------------------------


def test_every_int_path_parameter_stops_at_the_database_integer(app):
    """portal/routing.py: an <int:...> beyond PostgreSQL's integer matches no route."""
    bounds = {
        (rule.rule, name): converter.max
        for rule in rules(app)
        for name, converter in rule._converters.items()
        if converter_kind(converter) == "Integer"
    }
    assert bounds
    assert set(bounds.values()) == {INTEGER_MAX}


@pytest.mark.parametrize("number", [str(2**31), str(2**63), str(10**30), "9" * 5000])
def test_an_id_beyond_the_database_integer_is_not_found(client, login_as, number):
    """Not a 500 (SQLite: OverflowError beyond 64 bits) nor a 400 (PostgreSQL: DataError
    beyond its integer), on a page or a form's action alike."""
    login_as(Role.PROCESS_SUPPORT)
    token = csrf_from(client.get("/inkorg").get_data(as_text=True))
    assert client.get(f"/inkorg/{number}").status_code == 404
    assert client.post(f"/inkorg/{number}/avsla", data={"csrf_token": token}).status_code == 404
    assert client.get(f"/hubb/{number}-namn").status_code == 404


def test_the_largest_id_the_database_holds_still_reaches_the_view(client, login_as):
    login_as(Role.PROCESS_SUPPORT)
    assert client.get(f"/inkorg/{INTEGER_MAX}").status_code == 404  # the view's own 404
    assert client.get("/inkorg/0").status_code == 404


@pytest.mark.parametrize("segment", ["a\x00b", "\x01", "x\x7f"])
def test_a_control_character_in_a_path_segment_matches_no_route(app, client, segment):
    """PostgreSQL stores no NUL: /utlysningar/%00 reached the query and failed there (a
    DataError, 400 "could not be stored")."""
    with pytest.raises(NotFound):
        app.url_map.bind("localhost").match(f"/utlysningar/{segment}")
    assert client.get("/utlysningar/a%00b").status_code == 404
