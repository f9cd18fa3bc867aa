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


# --- what an id names: shown only to who may see it --------------------------------------------


def test_what_an_id_names_is_shown_only_to_who_may_see_it(app, db):
    """Each page that loads something by an id in its address (or a hidden field) checks who
    asks, as every role and as a stranger: a receipt, an employee's own submission and its
    file, an unpublished call (also through autosave's hidden call id), an initiative and its
    insights."""
    from portal.evaluation.insights.services import record_insight
    from portal.evaluation.models import RatingRequest
    from portal.extensions import db as _db
    from portal.submissions.services import save_draft, submit
    from portal.submissions.uploads import CheckedUpload, store
    from portal.types import today_in_stockholm
    from tests.browser import Browser
    from tests.factories import make_call
    from tests.process_factories import make_initiative

    owner = make_user(roles={Role.EMPLOYEE}, email="agare@example.org")
    draft = save_draft(
        None, {"kind": "idea", "title": "Ägarens idé", "purpose": "Syfte"}, actor=owner
    )
    _db.session.flush()
    pdf = b"%PDF-1.4\n%%EOF\n"
    file = store(draft, CheckedUpload(pdf, "application/pdf", "hemlig.pdf", len(pdf)))
    submit(draft, actor=owner)
    hidden_call = make_call(audience="staff", published=False, title="Opublicerad utlysning")
    initiative = make_initiative("Hemligt initiativ")
    record_insight(initiative, noted_on=today_in_stockholm(), text="Intern insikt 42", actor=owner)
    _db.session.commit()

    pages = [
        f"/kvitto/{draft.id}",
        f"/mina-inlamningar/{draft.id}",
        f"/mina-inlamningar/{draft.id}/redigera",
        f"/inlamningar/{draft.id}/filer/{file.id}",
        f"/utlysningar/{hidden_call.slug}",
        f"/initiativ/{initiative.id}",
    ]
    may_see = {
        f"/inlamningar/{draft.id}/filer/{file.id}": {Role.PROCESS_SUPPORT, Role.ADMIN},
        f"/initiativ/{initiative.id}": {Role.PROCESS_SUPPORT, Role.CORE_TEAM, Role.ADMIN},
        f"/utlysningar/{hidden_call.slug}": {Role.PROCESS_SUPPORT, Role.ADMIN},
    }
    shown = []
    for role in [None, *Role]:
        browser = Browser(app)
        if role is not None:
            browser.login(make_user(roles={role}))
        for page in pages:
            status = browser.get(page).status_int
            if status == 200 and role not in may_see.get(page, set()):
                shown.append((role, page))
        if role == Role.EXPERT:  # an expert asked about nothing sees none of its insights
            insights = browser.get("/insikter")
            assert insights.status_int == 200 and "Intern insikt 42" not in insights.text
        if role == Role.EMPLOYEE:
            call = make_call(audience="staff")
            form = browser.form(browser.get(f"/utlysningar/{call.slug}"), contains="call_id")
            form["call_id"].force_value(str(hidden_call.id))
            autosave = browser.submit(form, action="/utkast", headers={"HX-Request": "true"})
            assert autosave.status_int == 404 and "Opublicerad" not in autosave.text
    assert shown == []

    asked = make_user(roles={Role.EXPERT})
    _db.session.add(RatingRequest(initiative_id=initiative.id, expert_id=asked.id))
    _db.session.commit()
    expert = Browser(app)
    expert.login(asked)
    assert "Intern insikt 42" in expert.get("/insikter").text  # asked: the insight is theirs
    mine = Browser(app)
    mine.login(owner)
    for page in pages[:3]:
        assert mine.get(page).status_int == 200, page
