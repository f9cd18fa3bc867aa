"""The list of logged-in browsers (the user's and the admin's), ending a session, and the
security events an admin reads per account."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.accounts import mfa
from portal.accounts.models import Role, User, UserSession
from portal.audit import AuditEntry
from portal.extensions import db as _db
from portal.extensions import limiter
from portal.types import utcnow
from tests.conftest import csrf_from, login, next_totp_code, post_form
from tests.factories import PASSWORD, TOTP_SECRET, make_user

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1"
)


def text(response) -> str:
    return response.get_data(as_text=True)


def is_logged_in(client) -> bool:
    return client.get("/konto").status_code == 200


def browser(app, agent: str, address: str):
    """A test client that sends this User-Agent from this address."""
    client = app.test_client()
    client.environ_base.update({"HTTP_USER_AGENT": agent, "REMOTE_ADDR": address})
    return client


def rows_of(user) -> list[UserSession]:
    _db.session.expire_all()
    return list(
        _db.session.scalars(
            select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.id)
        )
    )


def events_of(user) -> list[AuditEntry]:
    _db.session.expire_all()
    return list(
        _db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.object_type == "users", AuditEntry.object_id == user.id)
            .order_by(AuditEntry.id)
        )
    )


# --- the user's own list --------------------------------------------------------------------


@pytest.mark.asvs("3.3.4")
def test_the_account_page_lists_the_browsers_with_minimised_details(app, db):
    user = make_user()
    laptop = browser(app, FIREFOX, "192.0.2.77")
    phone = browser(app, SAFARI_IPHONE, "2001:db8:abcd:12::5")
    login(laptop, user)
    login(phone, user)
    page = text(laptop.get("/konto"))
    assert "Inloggade webbläsare" in page
    assert "Firefox 128, Linux" in page
    assert "Safari 17, iOS" in page
    assert "192.0.2.0/24" in page and "192.0.2.77" not in page
    assert "2001:db8:abcd::/48" in page
    assert page.count("Den här webbläsaren") == 1
    stored = rows_of(user)
    assert [(r.browser, r.network) for r in stored] == [
        ("Firefox 128, Linux", "192.0.2.0/24"),
        ("Safari 17, iOS", "2001:db8:abcd::/48"),
    ]
    # Only the hash of the key in the cookie is stored.
    with laptop.session_transaction() as sess:
        key = sess["_sid"]
    assert all(key not in r.key_hash for r in stored)


@pytest.mark.asvs("3.3.4")
def test_ending_another_session_logs_that_cookie_out(app, db):
    user = make_user()
    laptop, phone = app.test_client(), browser(app, SAFARI_IPHONE, "192.0.2.9")
    login(laptop, user)
    login(phone, user)
    stolen = phone.get_cookie("sk_session").value
    phone_row = rows_of(user)[1]

    response = post_form(laptop, f"/konto/sessioner/{phone_row.id}/avsluta", {}, page="/konto")
    assert response.status_code == 302
    assert "Den andra inloggningen är avslutad." in text(laptop.get("/konto"))

    response = phone.get("/konto")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/logga-in")
    copy = app.test_client()
    copy.set_cookie("sk_session", stolen)
    assert not is_logged_in(copy)
    assert is_logged_in(laptop)
    ended = events_of(user)[-1]
    assert ended.action == "session_ended"
    assert ended.actor_id == user.id
    assert ended.changes["ended"] == "Safari 17, iOS"


def test_the_current_session_is_ended_by_logging_out_not_from_the_list(client, db):
    user = make_user()
    login(client, user)
    row = rows_of(user)[0]
    post_form(client, f"/konto/sessioner/{row.id}/avsluta", {}, page="/konto")
    assert is_logged_in(client)


def test_another_users_session_cannot_be_ended(app, client, db):
    user, other = make_user(), make_user()
    login(client, user)
    other_client = app.test_client()
    login(other_client, other)
    row = rows_of(other)[0]
    response = post_form(client, f"/konto/sessioner/{row.id}/avsluta", {}, page="/konto")
    assert response.status_code == 404
    assert is_logged_in(other_client)


def test_log_out_every_other_browser(app, client, db):
    user = make_user()
    others = [app.test_client() for _ in range(2)]
    for c in [client, *others]:
        login(c, user)
    response = post_form(client, "/konto/sessioner/avsluta-andra", {}, page="/konto")
    assert response.status_code == 302
    assert "Du har loggats ut från 2 andra webbläsare." in text(client.get("/konto"))
    assert [is_logged_in(c) for c in others] == [False, False]
    assert is_logged_in(client)
    assert len(rows_of(user)) == 1


@pytest.mark.asvs("3.3.1")
def test_logout_ends_this_browser_only(app, client, db):
    user = make_user()
    other = app.test_client()
    login(client, user)
    login(other, user)
    token = csrf_from(text(client.get("/konto")))
    client.post("/logga-ut", data={"csrf_token": token})
    assert not is_logged_in(client)
    assert is_logged_in(other)
    assert len(rows_of(user)) == 1


def test_last_seen_is_written_at_most_once_a_minute(client, db):
    user = make_user()
    login(client, user)
    row = rows_of(user)[0]
    first = row.last_seen_at
    assert is_logged_in(client)
    assert rows_of(user)[0].last_seen_at == first  # within the minute: no write
    row = rows_of(user)[0]
    row.last_seen_at = utcnow() - timedelta(minutes=2)
    _db.session.commit()
    assert is_logged_in(client)
    assert utcnow() - rows_of(user)[0].last_seen_at < timedelta(seconds=30)


def test_expired_sessions_are_not_listed_and_are_purged_at_the_next_login(app, client, db):
    user = make_user()
    old = app.test_client()
    login(old, user)
    row = rows_of(user)[0]
    row.last_seen_at = utcnow() - timedelta(minutes=31)
    _db.session.commit()
    login(client, user)
    assert len(rows_of(user)) == 1
    assert "Firefox" not in text(client.get("/konto"))


# --- the admin's view of a user -------------------------------------------------------------


@pytest.mark.asvs("3.3.4")
def test_an_admin_sees_and_ends_a_users_sessions(app, client, db):
    admin = make_user(roles={Role.ADMIN})
    user = make_user()
    laptop = browser(app, FIREFOX, "198.51.100.20")
    login(laptop, user)
    login(client, admin)
    page = text(client.get(f"/admin/anvandare/{user.id}"))
    assert "Inloggade webbläsare" in page
    assert "Firefox 128, Linux" in page
    assert "198.51.100.0/24" in page
    row = rows_of(user)[0]
    response = post_form(
        client,
        f"/admin/anvandare/{user.id}/sessioner/{row.id}/avsluta",
        {},
        page=f"/admin/anvandare/{user.id}",
    )
    assert response.status_code == 302
    assert not is_logged_in(laptop)
    ended = events_of(user)[-1]
    assert (ended.action, ended.actor_id) == ("session_ended", admin.id)
    # A session id of another user under this user's address is not found.
    other = make_user()
    login(app.test_client(), other)
    response = post_form(
        client,
        f"/admin/anvandare/{user.id}/sessioner/{rows_of(other)[0].id}/avsluta",
        {},
        page=f"/admin/anvandare/{user.id}",
    )
    assert response.status_code == 404


# --- security events ------------------------------------------------------------------------


def wrong_code() -> str:
    right = {mfa.totp_code(TOTP_SECRET, mfa.time_step() + d) for d in (-1, 0, 1)}
    return next(c for c in ("123456", "654321", "111111") if c not in right)


@pytest.mark.asvs("7.1.1")
@pytest.mark.asvs("7.1.2")
@pytest.mark.asvs("7.2.1")
def test_security_events_are_recorded_for_each_kind_without_secrets(app, client, db, smtp):
    admin = make_user(roles={Role.ADMIN}, name="Alva Admin")
    user = make_user(roles={Role.EMPLOYEE}, email="karin@example.org")
    typed_unknown = "finns.inte@example.org"
    attempt = app.test_client()
    attempt.environ_base.update({"HTTP_USER_AGENT": FIREFOX, "REMOTE_ADDR": "192.0.2.44"})

    # Failures: a wrong password, an unknown address, then throttling.
    post_form(attempt, "/logga-in", {"email": user.email, "password": "fel-lösenord-1234"})
    post_form(attempt, "/logga-in", {"email": typed_unknown, "password": "fel-lösenord-1234"})
    for _ in range(11):
        post_form(attempt, "/logga-in", {"email": user.email, "password": "fel-lösenord-1235"})
    limiter.reset()  # a quarter of an hour later
    # Success, a password change, a role change by the admin (the user now needs MFA).
    login(client, user)
    new_password = "grön-cykel-över-mälarbron"
    post_form(
        client,
        "/konto/losenord",
        {"current": PASSWORD, "password": new_password, "confirm": new_password},
        page="/konto",
    )
    admin_client = app.test_client()
    login(admin_client, admin)
    post_form(
        admin_client,
        f"/admin/anvandare/{user.id}",
        {
            "name": user.name,
            "email": user.email,
            "party": str(user.party_id),
            "roles": ["employee", "process_support"],
            "active": "y",
        },
    )
    # Enrolment, a wrong code, a reused code, an admin reset.
    enrol = app.test_client()
    post_form(enrol, "/logga-in", {"email": user.email, "password": new_password})
    page = text(enrol.get("/konto/tvastegsverifiering/aktivera"))
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    post_form(enrol, "/konto/tvastegsverifiering/aktivera", {"code": wrong_code()})
    setup_code = mfa.totp_code(secret, mfa.time_step())
    post_form(enrol, "/konto/tvastegsverifiering/aktivera", {"code": setup_code})
    reuse = app.test_client()
    post_form(reuse, "/logga-in", {"email": user.email, "password": new_password})
    post_form(reuse, "/logga-in/kod", {"code": setup_code})
    post_form(admin_client, f"/admin/anvandare/{user.id}/tvastegsverifiering", {})

    entries = events_of(user)
    kinds = [e.action for e in entries]
    for kind in [
        "login_failed",
        "login_throttled",
        "login_succeeded",
        "password_set",
        "roles_changed",
        "mfa_failed",
        "mfa_enabled",
        "mfa_code_reused",
        "mfa_reset",
    ]:
        assert kind in kinds, (kind, kinds)
    assert kinds.count("login_throttled") == 1
    failed = next(e for e in entries if e.action == "login_failed")
    assert failed.actor_id is None
    assert failed.changes == {
        "step": "password",
        "browser": "Firefox 128, Linux",
        "network": "192.0.2.0/24",
    }
    reset = next(e for e in entries if e.action == "mfa_reset")
    assert reset.actor_id == admin.id

    # The unknown address is kept only as a fingerprint, on no account.
    unknown = _db.session.scalar(
        select(AuditEntry).where(
            AuditEntry.action == "login_failed", AuditEntry.object_id.is_(None)
        )
    )
    assert set(unknown.changes) == {"account", "browser", "network"}
    assert len(unknown.changes["account"]) == 16

    # Nothing secret anywhere in the log.
    everything = json.dumps(
        [e.changes for e in _db.session.scalars(select(AuditEntry))], ensure_ascii=False
    )
    stored_user = _db.session.get(User, user.id)
    for secret_text in [
        typed_unknown,
        "finns.inte",
        "fel-lösenord-1234",
        PASSWORD,
        new_password,
        secret,
        setup_code,
        "192.0.2.44",
        stored_user.password_hash,
    ]:
        assert secret_text not in everything, secret_text


def test_the_admin_user_page_lists_events_newest_first_in_pages(app, client, db):
    admin = make_user(roles={Role.ADMIN})
    user = make_user()
    for _ in range(24):
        post_form(app.test_client(), "/logga-in", {"email": user.email, "password": "x" * 12})
        limiter.reset()
    login(app.test_client(), user)
    login(client, admin)
    page = text(client.get(f"/admin/anvandare/{user.id}"))
    assert "Säkerhetshändelser och historik" in page
    rows = re.findall(r"<tr>\s*<td class=\"nowrap\">[^<]*</td>\s*<td>([^<]*)</td>", page)
    assert rows[0] == "Inloggning"  # the newest first
    assert rows.count("Misslyckad inloggning") == 19
    assert "Sida 1 av 2" in page
    assert "med lösenord" in page and "fel lösenord" in page

    second = client.get(f"/admin/anvandare/{user.id}?handelser=2", headers={"HX-Request": "true"})
    fragment = text(second)
    assert fragment.lstrip().startswith('<section id="handelser"')
    assert "<html" not in fragment
    assert fragment.count("Misslyckad inloggning") == 5
    assert "Sida 2 av 2" in fragment
    full = text(client.get(f"/admin/anvandare/{user.id}?handelser=2"))
    assert "<html" in full and "Sida 2 av 2" in full
    # Beyond the last page: the last page (10**30 used to reach the database as an OFFSET).
    beyond = client.get(f"/admin/anvandare/{user.id}?handelser={10**30}")
    assert beyond.status_code == 200
    assert "Sida 2 av 2" in text(beyond)


def test_a_failed_code_is_an_event_of_the_account(client, db):
    user = make_user(roles={Role.ADMIN})
    post_form(client, "/logga-in", {"email": user.email, "password": PASSWORD})
    post_form(client, "/logga-in/kod", {"code": wrong_code()})
    post_form(client, "/logga-in/kod", {"code": next_totp_code(user)})
    kinds = [e.action for e in events_of(user)]
    assert kinds[-2:] == ["mfa_failed", "login_succeeded"]
    assert events_of(user)[-1].changes["method"] == "totp"
