"""Cross-cutting security rules: CSRF, headers, cookies, configuration, errors, health, language."""

from __future__ import annotations

import re

import pytest
from flask import request
from sqlalchemy import select

from portal import ConfigurationError, create_app
from portal.accounts.models import Role, User
from portal.config import (
    DEFAULT_DATABASE_URL,
    DEFAULT_SENDER,
    Config,
    ProductionConfig,
    TestConfig,
    normalise_database_url,
    setting_problems,
)
from portal.extensions import db as _db
from portal.permissions import is_safe_next, public
from tests.conftest import csrf_from, login, post_form
from tests.factories import PASSWORD, make_user

CSRF_TEXT = "Formuläret hade gått ut eller saknade en säkerhetskod."


def text(response) -> str:
    return response.get_data(as_text=True)


def session_cookie_header(response) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("sk_session=")]
    assert cookies, response.headers
    return cookies[-1]


# --- CSRF -------------------------------------------------------------------------------


@pytest.mark.asvs("4.2.2")
def test_a_post_without_csrf_token_is_refused_in_swedish(client, db):
    user = make_user()
    client.get("/logga-in")
    response = client.post("/logga-in", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    page = text(response)
    assert CSRF_TEXT in page
    assert '<html lang="sv">' in page
    assert client.get("/konto").status_code == 302  # not logged in


@pytest.mark.asvs("4.2.2")
def test_a_post_with_a_forged_csrf_token_is_refused(client, db):
    user = make_user()
    client.get("/logga-in")
    response = client.post(
        "/logga-in",
        data={"csrf_token": "forged.token.value", "email": user.email, "password": PASSWORD},
    )
    assert response.status_code == 400
    assert CSRF_TEXT in text(response)


@pytest.mark.asvs("4.2.2")
def test_a_token_from_another_session_is_refused(app, client, db):
    other = app.test_client()
    foreign_token = csrf_from(text(other.get("/logga-in")))
    user = make_user()
    client.get("/logga-in")
    response = client.post(
        "/logga-in",
        data={"csrf_token": foreign_token, "email": user.email, "password": PASSWORD},
    )
    assert response.status_code == 400


@pytest.mark.asvs("4.2.2")
def test_logout_without_csrf_token_keeps_the_session(client, db):
    login(client, make_user())
    response = client.post("/logga-ut")
    assert response.status_code == 400
    assert client.get("/konto").status_code == 200


@pytest.mark.asvs("4.2.2")
def test_htmx_requests_carry_the_token_in_a_header(client, db):
    page = text(client.get("/"))
    match = re.search(r"data-hx-headers='\{\"X-CSRFToken\": \"([^\"]+)\"\}'", page)
    assert match, "no CSRF header for htmx on <body>"
    response = client.post(
        "/sprak",
        data={"lang": "sv", "next": "/"},
        headers={"X-CSRFToken": match.group(1), "HX-Request": "true"},
    )
    assert response.status_code == 302


# --- headers and cookies ---------------------------------------------------------------


def csp_directives(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    directives = {}
    for part in policy.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.mark.asvs("14.4.3")
@pytest.mark.parametrize("path", ["/", "/logga-in", "/finns-inte"])
def test_pages_carry_a_strict_content_security_policy(client, db, path):
    response = client.get(path)
    csp = csp_directives(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["form-action"] == ["'self'"]
    policy = response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in policy
    assert "'unsafe-eval'" not in policy
    assert "*" not in policy


@pytest.mark.asvs("14.4.3")
def test_pages_have_no_inline_script_or_style(client, db):
    login(client, make_user(roles={Role.ADMIN}))
    for path in ("/", "/logga-in", "/konto", "/tillganglighet"):
        page = text(client.get(path))
        for tag in re.findall(r"<script\b[^>]*>", page):
            assert "src=" in tag, (path, tag)
        assert not re.search(r"<script\b[^>]*>\s*[^<\s]", page), path
        assert "<style" not in page, path
        assert not re.search(r"\sstyle=", page), path
        assert not re.search(r"\son[a-z]+=", page), path  # no onclick= and the like


@pytest.mark.asvs("14.4.4")
@pytest.mark.asvs("14.4.5")
@pytest.mark.asvs("14.4.6")
@pytest.mark.asvs("14.4.7")
@pytest.mark.parametrize("path", ["/", "/logga-in", "/finns-inte", "/healthz", "/readyz"])
def test_security_headers(client, db, path):
    headers = client.get(path).headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] in {"strict-origin-when-cross-origin", "same-origin"}
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in headers["Permissions-Policy"]
    assert "Strict-Transport-Security" not in headers  # only in production (HTTPS)


@pytest.mark.asvs("8.2.1")
def test_pages_are_not_cached_but_static_files_may_be(client, db):
    login(client, make_user())
    assert client.get("/konto").headers["Cache-Control"] == "no-store"
    static = client.get("/static/css/portal.css")
    assert static.status_code == 200
    assert static.headers.get("Cache-Control") != "no-store"
    assert static.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.asvs("3.4.2")
@pytest.mark.asvs("3.4.3")
def test_session_cookie_is_httponly_and_samesite_lax(client, db):
    response = client.get("/logga-in")
    cookie = session_cookie_header(response)
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # the test configuration runs over plain HTTP

    user = make_user()
    response = post_form(client, "/logga-in", {"email": user.email, "password": PASSWORD})
    cookie = session_cookie_header(response)
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


class SecureCookieConfig(TestConfig):
    SESSION_COOKIE_SECURE = True


@pytest.mark.asvs("3.4.1")
def test_session_cookie_is_secure_when_configured(db):
    secure_app = create_app(SecureCookieConfig)
    response = secure_app.test_client().get("/logga-in", base_url="https://localhost")
    cookie = session_cookie_header(response)
    assert "Secure" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


# --- configuration ----------------------------------------------------------------------


class ProductionWithoutKey(ProductionConfig):
    SECRET_KEY = ""


class ProductionWithShortKey(ProductionConfig):
    SECRET_KEY = "too-short-for-production"


class ProductionForTests(ProductionConfig):
    SECRET_KEY = "Vq3-lT8r_Zk1mWc9Xy2bNp7dHs4gJf6aEo0uRi5L"
    SQLALCHEMY_DATABASE_URI = TestConfig.SQLALCHEMY_DATABASE_URI
    RATELIMIT_STORAGE_URI = "memory://"
    BASE_URL = "https://ideportal.example.se"
    MAIL_SERVER = "smtp.example.se"
    MAIL_DEFAULT_SENDER = "Idéportalen <ideportal@example.se>"
    SESSION_COOKIE_SECURE = True


@pytest.mark.asvs("14.1.3")
@pytest.mark.parametrize("config", [ProductionWithoutKey, ProductionWithShortKey])
def test_production_refuses_to_start_without_a_secret_key(config):
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app(config)


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("SECRET_KEY", "", "SECRET_KEY must be set"),
        ("SECRET_KEY", "k" * 48, "SECRET_KEY is weak"),
        ("SECRET_KEY", "dev-only-not-secret", "SECRET_KEY is weak"),
        ("SQLALCHEMY_DATABASE_URI", normalise_database_url(DEFAULT_DATABASE_URL), "DATABASE_URL"),
        ("BASE_URL", "", "BASE_URL must be the portal's public https:// address"),
        ("BASE_URL", "http://ideportal.example.se", "BASE_URL must be"),
        ("MAIL_SERVER", "", "MAIL_SERVER must be set"),
        ("MAIL_DEFAULT_SENDER", DEFAULT_SENDER, "MAIL_DEFAULT_SENDER must be set"),
        ("SESSION_COOKIE_SECURE", False, "SESSION_COOKIE_SECURE"),
        ("TRUSTED_PROXIES", "two", "TRUSTED_PROXIES must be a whole number from 0 to 5"),
        ("TRUSTED_PROXIES", 9, "TRUSTED_PROXIES"),
    ],
)
def test_production_names_each_missing_or_weak_setting(setting, value, message):
    config = type("Broken", (ProductionForTests,), {setting: value})
    with pytest.raises(ConfigurationError) as refused:
        create_app(config)
    lines = str(refused.value).splitlines()
    assert lines[0] == "The portal will not start when PORTAL_ENV=production:"
    assert len(lines) == 2  # only the broken setting is named
    assert message in lines[1]


def test_production_lists_every_problem_at_once():
    nothing_set = {
        "ENV_NAME": "production",
        "SQLALCHEMY_DATABASE_URI": Config.SQLALCHEMY_DATABASE_URI,
    }
    assert len(setting_problems(nothing_set)) == 6
    assert setting_problems({"ENV_NAME": "development", "SECRET_KEY": ""}) == []


@pytest.mark.asvs("14.4.5")
@pytest.mark.asvs("3.4.1")
def test_production_sends_hsts_and_secure_cookies(db):
    production = create_app(ProductionForTests)
    assert production.config["DEBUG"] is False
    response = production.test_client().get("/logga-in", base_url="https://localhost")
    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "Secure" in session_cookie_header(response)


# --- behind a proxy ---------------------------------------------------------------------


def peer_seen_by(config, **headers) -> tuple[str, str]:
    """The client address and scheme a request from 10.0.0.2 with `headers` is seen with."""
    app = create_app(config)

    @app.get("/_peer")
    @public
    def peer():
        return f"{request.remote_addr} {request.scheme}"

    answer = app.test_client().get(
        "/_peer", headers=headers, environ_base={"REMOTE_ADDR": "10.0.0.2"}
    )
    return tuple(answer.get_data(as_text=True).split())


# As two proxies pass it on: each appends the address it got the request from, and the scheme.
FORWARDED = {"X-Forwarded-For": "203.0.113.9, 198.51.100.7", "X-Forwarded-Proto": "https, https"}


def test_forwarded_headers_are_ignored_without_trusted_proxies(db):
    assert peer_seen_by(TestConfig, **FORWARDED) == ("10.0.0.2", "http")


@pytest.mark.parametrize(("proxies", "client"), [(1, "198.51.100.7"), (2, "203.0.113.9")])
def test_trusted_proxies_give_the_client_they_saw(db, proxies, client):
    config = type("BehindProxies", (TestConfig,), {"TRUSTED_PROXIES": proxies})
    assert peer_seen_by(config, **FORWARDED) == (client, "https")


# --- health -----------------------------------------------------------------------------


def test_healthz_answers_without_asking_the_database(db):
    broken = create_app(UnreachableDatabaseConfig)
    response = broken.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_answers_json(client, db):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.is_json
    assert response.get_json() == {"status": "ok", "database": "ok"}


class UnreachableDatabaseConfig(TestConfig):
    SQLALCHEMY_DATABASE_URI = "postgresql+psycopg://127.0.0.1:1/x"
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "connect_args": {"connect_timeout": 2}}


def test_readyz_is_503_when_the_database_is_unreachable(db):
    broken = create_app(UnreachableDatabaseConfig)
    try:
        response = broken.test_client().get("/readyz")
        assert response.status_code == 503
        assert response.get_json() == {"status": "error", "database": "unreachable"}
        assert "127.0.0.1" not in text(response)  # nothing about the connection leaks
    finally:
        with broken.app_context():
            _db.engine.dispose()


@pytest.mark.parametrize(
    ("url", "status", "redis"),
    [
        ("redis://127.0.0.1:6379/0", 200, "ok"),
        ("redis://127.0.0.1:1/0", 503, "unreachable"),  # nobody listens on port 1
    ],
)
def test_readyz_asks_redis_when_it_is_configured(db, url, status, redis):
    config = type("WithRedis", (TestConfig,), {"REDIS_URL": url})
    response = create_app(config).test_client().get("/readyz")
    assert response.status_code == status
    assert response.get_json()["redis"] == redis


# --- error pages ------------------------------------------------------------------------


def test_404_page_in_swedish(client, db):
    response = client.get("/finns-inte")
    assert response.status_code == 404
    page = text(response)
    assert '<html lang="sv">' in page
    assert "Sidan finns inte" in page
    assert "Felkod: 404" in page


def test_403_page_in_swedish(client, db):
    login(client, make_user(roles={Role.EMPLOYEE}))
    response = client.get("/admin/")
    if response.status_code in (301, 308):
        response = client.get(response.headers["Location"])
    assert response.status_code == 403
    assert "Du har inte behörighet" in text(response)


def test_401_for_htmx_requests_from_anonymous_visitors(client, db):
    response = client.get("/konto", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert "Du behöver logga in" in text(response)


def test_405_page_in_swedish(client, db):
    response = client.put("/logga-in")
    assert response.status_code == 405
    assert "Otillåten metod" in text(response)
    assert "GET" in response.headers["Allow"]


@pytest.mark.asvs("12.1.1")
def test_413_page_in_swedish(app, client, db, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2048)
    page = text(client.get("/glomt-losenord"))
    response = client.post(
        "/glomt-losenord",
        data={"csrf_token": csrf_from(page), "email": "a@example.org", "padding": "x" * 4096},
    )
    assert response.status_code == 413
    assert "Filen eller formuläret är för stort" in text(response)
    assert '<html lang="sv">' in text(response)


@pytest.mark.asvs("7.4.1")
def test_500_page_is_generic_and_logged(app, client, db, monkeypatch, caplog):
    @public
    def broken():
        raise RuntimeError("hemlig detalj: lösenordet till databasen")

    monkeypatch.setitem(app.view_functions, "accessibility.statement", broken)
    response = client.get("/tillganglighet")
    assert response.status_code == 500
    page = text(response)
    assert "Något gick fel hos oss" in page
    assert "hemlig detalj" not in page
    assert "Traceback" not in page
    assert "RuntimeError" not in page
    assert any("hemlig detalj" in (r.exc_text or "") for r in caplog.records)


@pytest.mark.asvs("7.4.1")
def test_500_rolls_back_what_the_view_did(app, client, db, monkeypatch):
    @public
    def half_done():
        _db.session.add(User(email="halv@example.org", name="Halv"))
        _db.session.flush()
        raise RuntimeError("boom")

    monkeypatch.setitem(app.view_functions, "accessibility.statement", half_done)
    assert client.get("/tillganglighet").status_code == 500
    _db.session.expire_all()
    assert _db.session.scalar(select(User).where(User.email == "halv@example.org")) is None


# --- open redirects elsewhere ------------------------------------------------------------


@pytest.mark.asvs("5.1.5")
@pytest.mark.parametrize(
    ("target", "safe"),
    [
        ("/", True),
        ("/konto", True),
        ("/konto?flik=1#x", True),
        ("", False),
        (None, False),
        ("konto", False),
        ("//evil.example", False),
        ("///evil.example", False),
        ("https://evil.example", False),
        ("/\\evil.example", False),
        ("\\\\evil.example", False),
        ("/\tevil.example", False),
        ("/\r\nLocation: https://evil.example", False),
        ("javascript:alert(1)", False),
    ],
)
def test_is_safe_next(target, safe):
    assert is_safe_next(target) is safe


@pytest.mark.asvs("5.1.5")
@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example", "/\\evil"])
def test_language_switch_refuses_an_offsite_next(client, db, target):
    response = post_form(client, "/sprak", {"lang": "en", "next": target}, page="/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


# --- language ---------------------------------------------------------------------------


def test_swedish_is_the_default_language(client, db):
    page = text(client.get("/logga-in", headers={"Accept-Language": "en"}))
    assert '<html lang="sv">' in page
    assert "In English" in page


def test_language_switch_to_english_and_back(client, db):
    response = post_form(client, "/sprak", {"lang": "en", "next": "/logga-in"}, page="/logga-in")
    assert response.status_code == 302
    assert response.headers["Location"] == "/logga-in"
    page = text(client.get("/logga-in"))
    assert '<html lang="en">' in page
    assert "Log in" in page
    assert "Password" in page
    assert "På svenska" in page

    response = post_form(client, "/logga-in", {"email": "nobody@example.org", "password": "x"})
    assert response.status_code == 422
    assert "Incorrect e-mail address or password." in text(response)

    post_form(client, "/sprak", {"lang": "sv", "next": "/"}, page="/")
    assert '<html lang="sv">' in text(client.get("/"))


def test_an_unknown_language_is_ignored(client, db):
    post_form(client, "/sprak", {"lang": "xx", "next": "/"}, page="/")
    assert '<html lang="sv">' in text(client.get("/"))


def test_a_logged_in_user_keeps_the_chosen_language(app, client, db):
    user = make_user()
    login(client, user)
    post_form(client, "/sprak", {"lang": "en", "next": "/"}, page="/")
    _db.session.expire_all()
    assert _db.session.get(User, user.id).locale == "en"

    elsewhere = app.test_client()
    login(elsewhere, user)
    assert '<html lang="en">' in text(elsewhere.get("/konto"))
    assert "My account" in text(elsewhere.get("/konto"))


def test_a_value_the_database_cannot_store_is_a_400_not_a_500(client, login_as, db):
    """A NUL character in a field with no control-character check of its own: PostgreSQL
    refuses it, the portal answers 400 in Swedish and keeps nothing; SQLite stores it."""
    from portal.accounts.models import Role
    from portal.calls.models import Call
    from tests.functional.test_calls import form_data

    login_as(Role.PROCESS_SUPPORT)
    response = post_form(client, "/utlysningar/ny", form_data(background="Trygg\x00 skolväg"))
    assert response.status_code < 500
    if db.engine.dialect.name == "postgresql":
        assert response.status_code == 400
        assert "tecken som inte kan sparas" in response.get_data(as_text=True)
        assert db.session.scalars(select(Call)).all() == []
