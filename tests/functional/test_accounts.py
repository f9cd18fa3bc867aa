"""Logging in and out, sessions, throttling, password reset, invitations and password change."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from portal.accounts import services
from portal.accounts.models import AccountToken, Role, TokenPurpose
from portal.accounts.passwords import needs_rehash, verify_password
from portal.extensions import db as _db
from portal.mail.models import OutboxMessage
from portal.mail.services import deliver_due
from portal.types import utcnow
from tests.conftest import csrf_from, login, post_form
from tests.factories import PASSWORD, make_user

WRONG = "Fel e-postadress eller lösenord."
NEW_PASSWORD = "grön-cykel-över-mälarbron"
# CSRF tokens (in forms and in data-hx-headers) carry a timestamp and differ from page to page.
CSRF_VALUE_RE = re.compile(r'value="[^"]{40,}"|"X-CSRFToken": "[^"]+"|name="intent" value="[^"]+"')
LINK_RE = re.compile(r"http://localhost(/(?:losenord|valkommen)/[A-Za-z0-9_-]+)")


def text(response) -> str:
    return response.get_data(as_text=True)


def attempt_login(client, email: str, password: str, **kwargs):
    return post_form(client, "/logga-in", {"email": email, "password": password}, **kwargs)


def is_logged_in(client) -> bool:
    return client.get("/konto").status_code == 200


def refresh(obj):
    _db.session.expire_all()
    return _db.session.get(type(obj), obj.id)


# --- logging in -------------------------------------------------------------------------


def test_login_form_is_in_swedish(client, db):
    response = client.get("/logga-in")
    assert response.status_code == 200
    assert '<html lang="sv">' in text(response)
    assert "Logga in" in text(response)


@pytest.mark.asvs("5.1.5")
def test_login_redirects_to_a_safe_next_path(client, db):
    user = make_user()
    response = post_form(
        client,
        "/logga-in",
        {"email": user.email, "password": PASSWORD, "next": "/konto?flik=1"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/konto?flik=1"
    assert is_logged_in(client)


@pytest.mark.asvs("5.1.5")
def test_the_next_path_survives_the_redirect_to_login(client, db):
    response = client.get("/konto")
    assert response.status_code == 302
    assert response.headers["Location"] == "/logga-in?next=/konto"
    page = text(client.get(response.headers["Location"]))
    assert 'name="next" type="hidden" value="/konto"' in page


@pytest.mark.asvs("5.1.5")
@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "//evil.example/konto",
        "https://evil.example",
        "http://evil.example/konto",
        "/\\evil.example",
        "\\\\evil.example",
        "/\tevil.example",
        "javascript:alert(1)",
        "evil.example",
    ],
)
def test_login_refuses_an_offsite_next(client, db, target):
    user = make_user()
    response = post_form(
        client, "/logga-in", {"email": user.email, "password": PASSWORD, "next": target}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    # Already logged in, the login page redirects straight away: also only on the site.
    response = client.get("/logga-in", query_string={"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.asvs("7.4.1")
def test_wrong_password_and_unknown_email_get_the_same_answer(client, db):
    user = make_user(email="finns@example.org")
    wrong_password = attempt_login(client, "finns@example.org", "fel-lösenord-1234")
    unknown = attempt_login(client, "finnsinte@example.org", PASSWORD)
    for response in (wrong_password, unknown):
        assert response.status_code == 422
        assert WRONG in text(response)
    same = [
        CSRF_VALUE_RE.sub("", text(r)).replace(email, "EMAIL")
        for r, email in ((wrong_password, user.email), (unknown, "finnsinte@example.org"))
    ]
    assert same[0] == same[1]
    assert not is_logged_in(client)


def test_login_ignores_case_and_spaces_in_the_email(client, db):
    user = make_user(email="karin@example.org")
    response = attempt_login(client, "  Karin@Example.ORG ", PASSWORD)
    assert response.status_code == 302
    assert refresh(user).last_login_at is not None


def test_missing_fields_are_explained_in_swedish(client, db):
    response = attempt_login(client, "", "")
    assert response.status_code == 422
    assert "Fyll i din e-postadress." in text(response)
    assert "Fyll i ditt lösenord." in text(response)


def test_a_deactivated_user_cannot_log_in(client, db):
    user = make_user(active=False)
    response = attempt_login(client, user.email, PASSWORD)
    assert response.status_code == 422
    assert WRONG in text(response)
    assert not is_logged_in(client)


def test_a_user_without_password_cannot_log_in(client, db):
    user = make_user(password=None)
    response = attempt_login(client, user.email, "")
    assert response.status_code == 422
    response = attempt_login(client, user.email, "vad-som-helst-123")
    assert response.status_code == 422
    assert WRONG in text(response)


@pytest.mark.asvs("3.3.1")
def test_deactivating_a_user_ends_their_session(client, db):
    user = make_user()
    login(client, user)
    assert is_logged_in(client)
    user.active = False
    _db.session.commit()
    assert not is_logged_in(client)


@pytest.mark.asvs("3.2.1")
def test_login_starts_a_new_session(client, db):
    client.get("/logga-in")
    with client.session_transaction() as sess:
        sess["planted"] = "by-an-attacker"
        sess["lang"] = "en"
    before = client.get_cookie("sk_session").value
    user = make_user()
    login(client, user)
    after = client.get_cookie("sk_session").value
    assert after != before
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert sess["_user_id"] == f"{user.id}:{user.session_version}"
        assert sess["lang"] == "en"  # the chosen language is not security state; it stays


@pytest.mark.asvs("2.4.1")
def test_login_rehashes_a_hash_made_with_other_parameters(client, db):
    user = make_user()
    old_hash = PasswordHasher(time_cost=2, memory_cost=16 * 1024, parallelism=1).hash(PASSWORD)
    user.password_hash = old_hash
    _db.session.commit()
    assert needs_rehash(old_hash)

    login(client, user)

    new_hash = refresh(user).password_hash
    assert new_hash != old_hash
    assert new_hash.startswith("$argon2id$")
    assert not needs_rehash(new_hash)
    assert verify_password(new_hash, PASSWORD)


def test_login_keeps_a_current_hash(client, db):
    user = make_user()
    before = user.password_hash
    login(client, user)
    assert refresh(user).password_hash == before


# --- throttling -------------------------------------------------------------------------


@pytest.mark.asvs("2.2.1")
def test_eleventh_attempt_on_an_account_is_refused_even_with_the_right_password(client, db):
    user = make_user()
    for _ in range(10):
        assert attempt_login(client, user.email, "fel-lösenord-1234").status_code == 422
    response = attempt_login(client, user.email, PASSWORD)
    assert response.status_code == 429
    assert "För många försök" in text(response)
    assert '<html lang="sv">' in text(response)
    assert not is_logged_in(client)


@pytest.mark.slow
@pytest.mark.asvs("2.2.1")
def test_ten_wrong_passwords_from_another_client_do_not_lock_the_owner_out(app, client, db):
    user = make_user()
    for _ in range(10):
        response = attempt_login(
            client,
            user.email.upper(),
            "fel-lösenord-1234",
            environ_base={"REMOTE_ADDR": "10.9.9.9"},
        )
        assert response.status_code == 422
    # The guessing client is stopped, even with the right password...
    guesser = attempt_login(client, user.email, PASSWORD, environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert guesser.status_code == 429
    # ...and the owner, on their own computer, gets in.
    owner = attempt_login(
        app.test_client(), user.email, PASSWORD, environ_base={"REMOTE_ADDR": "10.0.1.1"}
    )
    assert owner.status_code == 302


@pytest.mark.slow
@pytest.mark.asvs("2.2.1")
def test_account_guessed_from_many_clients_backs_off_after_a_hundred(app, client, db):
    user = make_user()
    for i in range(100):
        address = f"10.0.{i // 200}.{i % 200 + 1}"
        response = attempt_login(
            app.test_client(),
            user.email,
            "fel-lösenord-1234",
            environ_base={"REMOTE_ADDR": address},
        )
        assert response.status_code == 422, i
    response = attempt_login(
        app.test_client(), user.email, PASSWORD, environ_base={"REMOTE_ADDR": "10.0.7.7"}
    )
    assert response.status_code == 429
    # Another account is not affected.
    assert attempt_login(app.test_client(), make_user().email, PASSWORD).status_code == 302


@pytest.mark.slow
@pytest.mark.asvs("2.2.1")
def test_one_client_is_throttled_across_accounts(app, client, db):
    for i in range(30):
        response = attempt_login(client, f"gissning{i}@example.org", "fel-lösenord-1234")
        assert response.status_code == 422, i
    user = make_user()
    response = attempt_login(client, user.email, PASSWORD)
    assert response.status_code == 429
    assert "För många försök" in text(response)
    # Another client may still log in to that account.
    other = app.test_client()
    response = attempt_login(other, user.email, PASSWORD, environ_base={"REMOTE_ADDR": "10.0.2.1"})
    assert response.status_code == 302


@pytest.mark.asvs("2.2.1")
def test_successful_logins_are_not_counted(app, client, db):
    user = make_user()
    for _ in range(35):  # more than both limits
        assert attempt_login(app.test_client(), user.email, PASSWORD).status_code == 302
    for _ in range(9):
        assert attempt_login(client, user.email, "fel-lösenord-1234").status_code == 422
    assert attempt_login(client, user.email, PASSWORD).status_code == 302


# --- logging out and session lifetime ----------------------------------------------------


@pytest.mark.asvs("3.3.1")
def test_logout_ends_the_session_and_a_copied_cookie(app, client, db):
    user = make_user()
    login(client, user)
    stolen = client.get_cookie("sk_session").value

    thief = app.test_client()
    thief.set_cookie("sk_session", stolen)
    assert thief.get("/konto").status_code == 200  # the copy works while the session lives

    token = csrf_from(text(client.get("/konto")))
    response = client.post("/logga-ut", data={"csrf_token": token}, follow_redirects=True)
    assert response.status_code == 200
    assert "Du är utloggad." in text(response)
    assert not is_logged_in(client)

    thief.set_cookie("sk_session", stolen)
    response = thief.get("/konto")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/logga-in")


@pytest.mark.asvs("3.3.1")
def test_logout_needs_a_post(client, db):
    login(client, make_user())
    assert client.get("/logga-ut").status_code == 405
    assert is_logged_in(client)


@pytest.mark.asvs("3.3.2")
def test_idle_session_expires_after_30_minutes(client, db):
    login(client, make_user())
    with client.session_transaction() as sess:
        sess["_seen"] = time.time() - 31 * 60
    response = client.get("/konto", follow_redirects=True)
    page = text(response)
    assert response.request.path == "/logga-in"
    assert "Din session har gått ut. Logga in igen för att fortsätta." in page
    assert not is_logged_in(client)


@pytest.mark.asvs("3.3.2")
def test_activity_keeps_the_session_alive(client, db):
    login(client, make_user())
    with client.session_transaction() as sess:
        sess["_seen"] = time.time() - 29 * 60
    assert is_logged_in(client)
    with client.session_transaction() as sess:
        assert time.time() - sess["_seen"] < 60  # the request counted as activity
        sess["_seen"] = time.time() - 29 * 60
    assert is_logged_in(client)


def test_the_session_cookie_is_written_when_the_session_changes_not_on_every_answer(client, db):
    login(client, make_user())
    client.get("/konto")
    # Within the minute nothing in the session changed: no new cookie to sign and send.
    assert "Set-Cookie" not in client.get("/konto").headers
    with client.session_transaction() as sess:
        sess["_seen"] = time.time() - 61
    answer = client.get("/konto")
    assert "sk_session=" in answer.headers["Set-Cookie"]  # the activity noted, a new expiry
    with client.session_transaction() as sess:
        assert time.time() - sess["_seen"] < 5


@pytest.mark.asvs("3.3.2")
def test_session_ends_after_12_hours_even_when_active(client, db):
    login(client, make_user())
    with client.session_transaction() as sess:
        sess["_started"] = time.time() - 12 * 3600 + 120
        sess["_seen"] = time.time()
    assert is_logged_in(client)
    with client.session_transaction() as sess:
        sess["_started"] = time.time() - 12 * 3600 - 60
    response = client.get("/", follow_redirects=True)
    assert "Din session har gått ut" in text(response)
    assert not is_logged_in(client)


@pytest.mark.asvs("3.3.4")
def test_password_change_ends_other_sessions_but_keeps_this_one(app, client, db):
    user = make_user()
    login(client, user)
    other = app.test_client()
    login(other, user)
    assert is_logged_in(other)

    response = post_form(
        client,
        "/konto/losenord",
        {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        page="/konto",
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/konto"
    page = text(client.get("/konto"))
    assert "Ditt lösenord är bytt. Du har loggats ut överallt utom här." in page

    assert not is_logged_in(other)
    assert verify_password(refresh(user).password_hash, NEW_PASSWORD)
    fresh = app.test_client()
    assert attempt_login(fresh, user.email, PASSWORD).status_code == 422
    assert attempt_login(fresh, user.email, NEW_PASSWORD).status_code == 302


@pytest.mark.asvs("2.1.1")
def test_password_change_needs_the_current_password_and_a_good_new_one(client, db):
    user = make_user()
    login(client, user)
    before = user.password_hash

    response = post_form(
        client,
        "/konto/losenord",
        {"current": "inte-det-riktiga-1", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        page="/konto",
    )
    assert response.status_code == 422
    assert "Det nuvarande lösenordet stämmer inte." in text(response)

    response = post_form(
        client,
        "/konto/losenord",
        {"current": PASSWORD, "password": "för-kort-1", "confirm": "för-kort-1"},
        page="/konto",
    )
    assert response.status_code == 422
    assert "Lösenordet måste ha minst 12 tecken." in text(response)

    response = post_form(
        client,
        "/konto/losenord",
        {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"},
        page="/konto",
    )
    assert response.status_code == 422
    assert "Lösenorden är inte likadana." in text(response)

    assert refresh(user).password_hash == before
    assert is_logged_in(client)


# --- password reset ---------------------------------------------------------------------


def request_reset(client, email: str):
    return post_form(client, "/glomt-losenord", {"email": email})


def reset_link(smtp, index: int = 0) -> str:
    messages = smtp.wait_for(index + 1)
    assert len(messages) > index, "no e-mail arrived"
    match = LINK_RE.search(smtp.body(messages[index]))
    assert match, smtp.body(messages[index])
    return match.group(1)


def set_new_password(client, link: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    return post_form(client, link, {"password": password, "confirm": confirm or password})


@pytest.mark.asvs("2.5.6")
def test_password_reset_by_email(app, client, db, smtp):
    user = make_user(name="Karin Ek")
    other = app.test_client()
    login(other, user)

    response = request_reset(client, user.email)
    assert response.status_code == 200
    assert "Kolla din e-post" in text(response)

    messages = smtp.wait_for(1)
    assert len(messages) == 1
    message = messages[0]
    assert message["To"] == user.email
    assert message["Subject"] == "Återställ ditt lösenord till Samhällskontraktets idéportal"
    assert "Hej Karin Ek!" in smtp.body(message)
    link = reset_link(smtp)

    page = client.get(link)
    assert page.status_code == 200
    assert "Välj ett nytt lösenord" in text(page)

    response = set_new_password(client, link)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "Ditt lösenord är sparat och du är inloggad." in text(client.get("/"))
    assert is_logged_in(client)
    assert verify_password(refresh(user).password_hash, NEW_PASSWORD)
    assert not is_logged_in(other)  # a reset ends every other session


@pytest.mark.asvs("2.5.6")
def test_a_reset_link_works_only_once(app, client, db, smtp):
    user = make_user()
    request_reset(client, user.email)
    link = reset_link(smtp)
    assert set_new_password(client, link).status_code == 302

    again = app.test_client()
    response = again.get(link)
    assert response.status_code == 410
    assert "Länken har redan använts" in text(response)
    token = csrf_from(text(again.get("/glomt-losenord")))
    response = again.post(
        link,
        data={
            "csrf_token": token,
            "password": "ett-annat-lösen-99",
            "confirm": "ett-annat-lösen-99",
        },
    )
    assert response.status_code == 410
    assert verify_password(refresh(user).password_hash, NEW_PASSWORD)


@pytest.mark.asvs("2.5.6")
def test_a_new_password_spends_every_open_link(client, db, smtp):
    user = make_user()
    request_reset(client, user.email)
    request_reset(client, user.email)
    first, second = reset_link(smtp, 0), reset_link(smtp, 1)
    assert first != second
    assert set_new_password(client, second).status_code == 302
    assert client.get(first).status_code == 410


@pytest.mark.asvs("2.5.6")
def test_an_expired_reset_link_says_so(client, db, smtp):
    user = make_user()
    request_reset(client, user.email)
    link = reset_link(smtp)
    token = _db.session.scalar(select(AccountToken).where(AccountToken.user_id == user.id))
    assert timedelta(minutes=59) < token.expires_at - utcnow() <= timedelta(hours=1)
    token.expires_at = utcnow() - timedelta(seconds=1)
    _db.session.commit()

    response = client.get(link)
    assert response.status_code == 410
    assert "Länken har slutat gälla." in text(response)
    before = refresh(user).password_hash
    token_value = csrf_from(text(client.get("/glomt-losenord")))
    response = client.post(
        link, data={"csrf_token": token_value, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 410
    assert refresh(user).password_hash == before


@pytest.mark.asvs("2.5.6")
@pytest.mark.parametrize("link", ["/losenord/" + "x" * 43, "/losenord/abc", "/valkommen/abc"])
def test_an_unknown_link_is_refused(client, db, link):
    response = client.get(link)
    assert response.status_code == 410
    assert "Länken är felaktig eller har slutat gälla." in text(response)


def test_an_invitation_link_is_not_a_reset_link(client, db, smtp):
    user = make_user()
    request_reset(client, user.email)
    link = reset_link(smtp)
    assert client.get(link.replace("/losenord/", "/valkommen/")).status_code == 410


@pytest.mark.asvs("2.5.6")
def test_reset_for_an_unknown_email_looks_the_same_and_sends_nothing(client, db, smtp):
    user = make_user(email="finns@example.org")
    known = request_reset(client, "finns@example.org")
    unknown = request_reset(client, "okand@example.org")
    inactive = make_user(email="slutat@example.org", active=False)
    deactivated = request_reset(client, inactive.email)
    for response in (known, unknown, deactivated):
        assert response.status_code == 200
    pages = [
        CSRF_VALUE_RE.sub("", text(r)).replace(email, "EMAIL")
        for r, email in (
            (known, user.email),
            (unknown, "okand@example.org"),
            (deactivated, inactive.email),
        )
    ]
    assert pages[0] == pages[1] == pages[2]
    smtp.wait_for(2, timeout=1)
    assert [m["To"] for m in smtp.messages] == [user.email]
    assert _db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


@pytest.mark.asvs("2.1.1")
@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("elva-tecken", "Lösenordet måste ha minst 12 tecken."),
        (
            "portal-demo-2026",
            "Lösenordet är för vanligt eller för enkelt att gissa. Välj ett annat.",
        ),
        ("Password1234", "Lösenordet är för vanligt eller för enkelt att gissa. Välj ett annat."),
        (
            "abababababababab",
            "Lösenordet är för vanligt eller för enkelt att gissa. Välj ett annat.",
        ),
        ("karin.ek-lösenord", "Lösenordet får inte bygga på ditt namn eller din e-postadress."),
    ],
)
def test_a_weak_new_password_is_refused_on_the_field(client, db, smtp, password, message):
    user = make_user(email="karin.ek@example.org")
    before = user.password_hash
    request_reset(client, user.email)
    link = reset_link(smtp)

    response = set_new_password(client, link, password)

    assert response.status_code == 422
    field_error = re.search(r'<p class="error" id="password-error">(.*?)</p>', text(response), re.S)
    assert field_error, "no error on the password field"
    assert message in field_error.group(1)
    assert 'aria-invalid="true"' in text(response)
    assert refresh(user).password_hash == before
    token = _db.session.scalar(select(AccountToken).where(AccountToken.user_id == user.id))
    assert token.used_at is None
    assert not is_logged_in(client)


@pytest.mark.asvs("2.1.7")
def test_the_demo_password_is_refused_for_real_accounts(client, db, smtp):
    user = make_user()
    request_reset(client, user.email)
    response = set_new_password(client, reset_link(smtp), "PORTAL-DEMO-2026")
    assert response.status_code == 422
    assert "för vanligt" in text(response)


@pytest.mark.slow
@pytest.mark.asvs("2.2.1")
def test_reset_requests_are_throttled_per_account(client, db, smtp):
    user = make_user()
    for _ in range(3):
        assert request_reset(client, user.email).status_code == 200
    response = request_reset(client, user.email)
    assert response.status_code == 429
    assert "För många försök" in text(response)
    assert len(smtp.wait_for(3)) == 3


# --- invitations ------------------------------------------------------------------------


@pytest.mark.asvs("2.3.1")
def test_an_invited_user_chooses_a_password_and_is_logged_in(client, db, smtp):
    admin = make_user(roles={Role.ADMIN})
    invited = services.invite_user(
        email=" Ny.Person@Example.org ",
        name="Ny Person",
        party=None,
        roles={Role.EXPERT},
        actor=admin,
    )
    _db.session.commit()
    deliver_due()
    assert invited.email == "ny.person@example.org"
    assert invited.password_hash is None

    messages = smtp.wait_for(1)
    assert messages[0]["Subject"] == "Du är inbjuden till Samhällskontraktets idéportal"
    link = reset_link(smtp)
    assert link.startswith("/valkommen/")
    token = _db.session.scalar(
        select(AccountToken).where(AccountToken.purpose == TokenPurpose.INVITE)
    )
    assert timedelta(days=6) < token.expires_at - utcnow() <= timedelta(days=7)

    page = client.get(link)
    assert page.status_code == 200
    assert "Välkommen till idéportalen" in text(page)
    assert set_new_password(client, link).status_code == 302
    assert is_logged_in(client)
    assert client.get(link).status_code == 410


def test_one_invitation_link_sent_from_two_tabs_at_once_sets_one_password(app, db):
    """Two tabs of the same link (each its own form key), sent together: one sets the
    password, the other is told the link is used."""
    import threading

    from portal.audit import AuditEntry
    from tests.browser import Browser

    user = make_user(password=None, email="tva.flikar@example.org")
    raw = services.issue_token(user, TokenPurpose.INVITE)
    _db.session.commit()
    url = f"/valkommen/{raw}"
    tabs = []
    for password in ("Forsta-fliken-losenord-2026", "Andra-fliken-losenord-2026"):
        browser = Browser(app)
        form = browser.form(browser.get(url), action=url)
        form["password"], form["confirm"] = password, password
        tabs.append((browser, form))
    barrier = threading.Barrier(2)
    statuses = []

    def send(tab):
        barrier.wait()
        statuses.append(tab[0].submit(tab[1]).status_int)

    threads = [threading.Thread(target=send, args=(tab,)) for tab in tabs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [302, 410]
    set_entries = _db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "password_set")
    ).all()
    assert len(set_entries) == 1
    assert _db.session.scalar(select(AccountToken.used_at)) is not None


@pytest.mark.asvs("5.1.5")
def test_reset_link_is_on_base_url_whatever_host_the_request_names(app, client, db, smtp):
    """A forged Host header must not put another site's address into the e-mail."""
    user = make_user(email="vardag@example.org")
    page = client.get("/glomt-losenord", headers={"Host": "angripare.example"})
    client.post(
        "/glomt-losenord",
        data={"csrf_token": csrf_from(page.get_data(as_text=True)), "email": user.email},
        headers={"Host": "angripare.example"},
    )
    [message] = smtp.wait_for(1)
    body = smtp.body(message)
    assert "angripare.example" not in body
    assert f"{app.config['BASE_URL']}/losenord/" in body
