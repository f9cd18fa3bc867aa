"""The user's API keys page (/konto/api-nycklar): create, list, revoke, audit, access."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.api import services
from portal.api.models import ApiToken
from portal.audit import AuditEntry
from portal.extensions import db as _db
from portal.types import utcnow
from tests.conftest import csrf_from, post_form
from tests.factories import make_user

PAGE = "/konto/api-nycklar"
TOKEN_RE = re.compile(r'id="new-token"[^>]*value="(skp_[A-Za-z0-9_-]{43})"')


def create(client, name: str = "Månadsrapport", lifetime: str = "365"):
    return post_form(client, PAGE, {"name": name, "lifetime": lifetime})


def tokens_of(user) -> list[ApiToken]:
    return list(_db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)))


@pytest.mark.parametrize("role", [Role.BOARD, Role.CORE_TEAM, Role.PROCESS_SUPPORT, Role.ADMIN])
def test_roles_that_see_the_board_figures_reach_the_page(login_as, client, role):
    login_as(role)
    response = client.get(PAGE)
    assert response.status_code == 200
    assert "Skapa en nyckel" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.EMPLOYEE, Role.EXPERT, Role.PROCESS_LEADER])
def test_other_roles_get_403(login_as, client, role):
    login_as(role)
    assert client.get(PAGE).status_code == 403


def test_account_page_links_to_the_keys_only_for_those_who_may_have_them(app, db):
    board, employee = app.test_client(), app.test_client()
    from tests.conftest import login

    login(board, make_user(roles={Role.BOARD}))
    login(employee, make_user(roles={Role.EMPLOYEE}))
    assert f'href="{PAGE}"' in board.get("/konto").get_data(as_text=True)
    assert f'href="{PAGE}"' not in employee.get("/konto").get_data(as_text=True)


@pytest.mark.asvs("2.10.4")
def test_create_shows_the_token_once_with_a_warning_and_stores_only_its_hash(login_as, client):
    user = login_as(Role.BOARD)
    response = create(client)
    html = response.get_data(as_text=True)
    assert response.status_code == 201
    assert "Kopiera nyckeln nu. Den visas bara den här gången." in html
    raw = TOKEN_RE.search(html).group(1)
    [token] = tokens_of(user)
    assert token.name == "Månadsrapport"
    assert token.token_hash == services.hash_token(raw)
    assert token.prefix == raw[:8]
    assert timedelta(days=364) < token.expires_at - utcnow() <= timedelta(days=365)
    assert response.headers["Cache-Control"] == "no-store"
    # The list shows it, but never the token again.
    listing = client.get(PAGE).get_data(as_text=True)
    assert "Månadsrapport" in listing and f"{raw[:8]}…" in listing
    assert raw not in listing
    # And the token works.
    assert (
        client.get("/api/v1/inflow", headers={"Authorization": f"Bearer {raw}"}).status_code == 200
    )


@pytest.mark.parametrize(("lifetime", "days"), [("30", 30), ("90", 90), ("never", None)])
def test_create_with_each_lifetime(login_as, client, lifetime, days):
    user = login_as(Role.CORE_TEAM)
    assert create(client, lifetime=lifetime).status_code == 201
    [token] = tokens_of(user)
    if days is None:
        assert token.expires_at is None
    else:
        assert timedelta(days=days - 1) < token.expires_at - utcnow() <= timedelta(days=days)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "lifetime": "365"}, "Ge nyckeln ett namn"),
        ({"name": "x" * 81, "lifetime": "365"}, "Högst 80 tecken."),
        ({"name": "Rapport", "lifetime": "7"}, "Inte ett giltigt val"),
    ],
)
def test_create_refuses_bad_input_with_422(login_as, client, data, message):
    user = login_as(Role.BOARD)
    response = post_form(client, PAGE, data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert tokens_of(user) == []


@pytest.mark.asvs("4.2.2")
def test_create_without_csrf_token_is_refused(login_as, client):
    user = login_as(Role.BOARD)
    response = client.post(PAGE, data={"name": "Rapport", "lifetime": "365"})
    assert response.status_code == 400
    assert tokens_of(user) == []


def test_create_is_refused_past_the_maximum(login_as, client):
    user = login_as(Role.BOARD)
    for n in range(services.MAX_ACTIVE_TOKENS):
        services.create_token(user, f"Nyckel {n}", None, actor=user)
    _db.session.commit()
    response = create(client)
    assert response.status_code == 422
    assert "Du har redan 20 giltiga nycklar." in response.get_data(as_text=True)
    assert len(tokens_of(user)) == services.MAX_ACTIVE_TOKENS


def test_create_and_revoke_are_audited(login_as, client):
    user = login_as(Role.BOARD)
    create(client)
    [token] = tokens_of(user)
    html = client.get(PAGE).get_data(as_text=True)
    response = client.post(f"{PAGE}/{token.id}/aterkalla", data={"csrf_token": csrf_from(html)})
    assert response.status_code == 302
    assert "är återkallad" in client.get(PAGE).get_data(as_text=True)
    entries = _db.session.scalars(
        select(AuditEntry).where(AuditEntry.object_type == "api_tokens").order_by(AuditEntry.id)
    ).all()
    assert [(e.action, e.actor_id, e.object_id) for e in entries] == [
        ("api_token_created", user.id, token.id),
        ("api_token_revoked", user.id, token.id),
    ]
    assert entries[0].changes["name"] == [None, "Månadsrapport"]


def test_revoked_token_leaves_the_list_and_stops_working(login_as, client):
    user = login_as(Role.BOARD)
    raw = TOKEN_RE.search(create(client).get_data(as_text=True)).group(1)
    [token] = tokens_of(user)
    html = client.get(PAGE).get_data(as_text=True)
    client.post(f"{PAGE}/{token.id}/aterkalla", data={"csrf_token": csrf_from(html)})
    _db.session.refresh(token)
    assert token.revoked_at is not None
    assert "Du har inga giltiga nycklar." in client.get(PAGE).get_data(as_text=True)
    response = client.get("/api/v1/inflow", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 401


def test_revoke_without_csrf_token_is_refused(login_as, client):
    user = login_as(Role.BOARD)
    token, _raw = services.create_token(user, "Rapport", None, actor=user)
    _db.session.commit()
    assert client.post(f"{PAGE}/{token.id}/aterkalla").status_code == 400
    _db.session.refresh(token)
    assert token.revoked_at is None


@pytest.mark.asvs("4.2.1")
def test_a_user_cannot_revoke_someone_elses_token(login_as, client):
    other = make_user(roles={Role.BOARD})
    token, _raw = services.create_token(other, "Annans", None, actor=other)
    _db.session.commit()
    login_as(Role.ADMIN)
    html = client.get(PAGE).get_data(as_text=True)
    response = client.post(f"{PAGE}/{token.id}/aterkalla", data={"csrf_token": csrf_from(html)})
    assert response.status_code == 404
    _db.session.refresh(token)
    assert token.revoked_at is None


def test_expired_and_revoked_tokens_are_not_listed(login_as, client):
    user = login_as(Role.BOARD)
    old, _ = services.create_token(user, "Gammal", timedelta(days=30), actor=user)
    gone, _ = services.create_token(user, "Återkallad", None, actor=user)
    services.create_token(user, "Giltig", None, actor=user)
    old.expires_at = utcnow() - timedelta(days=1)
    services.revoke_token(gone, actor=user)
    _db.session.commit()
    html = client.get(PAGE).get_data(as_text=True)
    assert "Giltig" in html
    assert "Gammal" not in html and "Återkallad</td>" not in html
