"""Single sign-on against a real OpenID Connect provider on loopback (tests/oidc_provider.py):
the portal talks HTTP to it exactly as to a party's provider. Per-user claims (e-mail,
email_verified, name, amr) differ per test person. For the tokens a provider must never send
(another audience, expired, signed with another key, another nonce or issuer), the provider's
token endpoint re-signs the ID token after changing it; the portal must refuse it.
"""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import select

from portal.accounts import sso
from portal.accounts.models import ExternalIdentity, Role, User, UserSession
from portal.audit import AuditEntry
from portal.extensions import db as _db
from portal.reference.models import Party
from tests.browser import Browser, error_texts, flashes, path_of
from tests.conftest import next_totp_code
from tests.factories import make_user
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, register, running_provider

PARTY = "Eskilstuna kommun"


@pytest.fixture(scope="module")
def provider():
    with running_provider() as running:
        yield running


@pytest.fixture
def registered(provider, db):
    """The party's provider, registered as an admin would."""
    party = db.session.scalar(select(Party).where(Party.name == PARTY))
    register(provider, party, actor=make_user(roles={Role.ADMIN}, email="admin.sso@example.org"))
    db.session.commit()
    return party


@pytest.fixture
def browser(app, db):
    return Browser(app)


def begin(browser) -> str:
    """From the login page's button to the provider's authorization page; its address."""
    page = browser.get("/logga-in")
    links = page.html.find_all("a", string=f"Logga in med ditt konto hos {PARTY}")
    assert len(links) == 1, page.text
    answer = browser.get(links[0]["href"])
    assert answer.status_int == 302, answer.text[:2000]
    return answer.headers["Location"]


def log_in(browser, provider, sub: str, *, deny: bool = False):
    """The whole round trip: the portal's answer to the provider's redirect back."""
    authorize = begin(browser)
    assert authorize.startswith(provider.url + "/oauth2/authorize?")
    form = {"action": "deny"} if deny else {"sub": sub}
    back = requests.post(authorize, data=form, allow_redirects=False, timeout=5)
    assert back.status_code == 302, back.text
    return browser.get(path_of(back.headers["Location"]))


def refused(browser, answer) -> list[str]:
    """The refusal's message on the login page; the browser is logged in nowhere."""
    assert answer.status_int == 302
    assert path_of(answer.headers["Location"]) == "/logga-in"
    page = browser.get("/logga-in")
    assert page.status_int == 200
    assert browser.get("/konto").status_int == 302  # not logged in
    return flashes(page)


def events(action: str) -> list[AuditEntry]:
    return list(_db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_the_first_login_creates_an_employee_of_the_providers_party(browser, provider, registered):
    provider.set_user("anna-1", email="Anna.Ny@Eskilstuna.example", name="Anna Ny")
    authorize = begin(browser)
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"]
    assert query["nonce"] and query["state"] and query["client_id"] == [CLIENT_ID]
    assert query["redirect_uri"] == ["http://localhost/logga-in/sso/tillbaka"]
    back = requests.post(authorize, data={"sub": "anna-1"}, allow_redirects=False, timeout=5)
    answer = browser.get(path_of(back.headers["Location"]))

    assert answer.status_int == 302 and path_of(answer.headers["Location"]) == "/"
    user = _db.session.scalar(select(User).where(User.email == "anna.ny@eskilstuna.example"))
    assert user.name == "Anna Ny" and user.party.name == PARTY
    assert user.roles == {Role.EMPLOYEE} and user.password_hash is None
    identity = _db.session.scalar(select(ExternalIdentity))
    assert (identity.issuer, identity.subject, identity.user_id) == (
        provider.url,
        "anna-1",
        user.id,
    )
    assert _db.session.scalar(select(UserSession.method)) == "oidc"
    assert browser.get("/konto").status_int == 200
    assert [e.changes["method"] for e in events("login_succeeded")] == ["oidc"]
    assert events("user_created_by_sso")


def test_the_second_login_finds_the_account_by_issuer_and_subject(browser, provider, registered):
    provider.set_user("bo-2", email="bo@eskilstuna.example", name="Bo")
    log_in(browser, provider, "bo-2")
    browser.post("/logga-ut", {"csrf_token": _csrf(browser)})
    answer = log_in(browser, provider, "bo-2")
    assert path_of(answer.headers["Location"]) == "/"
    assert _db.session.scalar(select(_count(User))) == 2  # the admin and Bo
    assert _db.session.scalar(select(_count(ExternalIdentity))) == 1


def test_a_changed_email_at_the_provider_follows_to_the_account(browser, provider, registered):
    provider.set_user("cia-3", email="cia@eskilstuna.example", name="Cia")
    log_in(browser, provider, "cia-3")
    browser.reset()
    provider.set_user("cia-3", email="cia.gift@eskilstuna.example", name="Cia")
    answer = log_in(browser, provider, "cia-3")
    assert path_of(answer.headers["Location"]) == "/"
    identity = _db.session.scalar(select(ExternalIdentity))
    _db.session.refresh(identity.user)
    assert identity.user.email == "cia.gift@eskilstuna.example"
    assert events("email_changed_by_sso")[0].changes["email"] == [
        "cia@eskilstuna.example",
        "cia.gift@eskilstuna.example",
    ]


def test_an_address_only_in_the_userinfo_answer_is_fetched_from_there(
    browser, provider, registered
):
    provider.set_user("kim-11", email="kim@eskilstuna.example", name="Kim")
    provider.tamper = {"email": None}  # the ID token without it; userinfo still has it
    answer = log_in(browser, provider, "kim-11")
    assert path_of(answer.headers["Location"]) == "/"
    assert _db.session.scalar(select(User.email).where(User.name == "Kim")) == (
        "kim@eskilstuna.example"
    )


def test_no_address_anywhere_is_refused(browser, provider, registered):
    provider.set_user("lo-12", name="Lo")
    provider.tamper = {"email": None}
    messages = refused(browser, log_in(browser, provider, "lo-12"))
    assert any("lämnade ingen e-postadress" in m for m in messages), messages


def test_a_changed_email_another_account_holds_is_refused(browser, provider, registered):
    provider.set_user("dan-4", email="dan@eskilstuna.example")
    log_in(browser, provider, "dan-4")
    browser.reset()
    make_user(email="taken@eskilstuna.example", party_name=PARTY)
    provider.set_user("dan-4", email="taken@eskilstuna.example")
    messages = refused(browser, log_in(browser, provider, "dan-4"))
    assert any("har redan ett annat konto" in m for m in messages), messages
    identity = _db.session.scalar(select(ExternalIdentity))
    _db.session.refresh(identity.user)
    assert identity.user.email == "dan@eskilstuna.example"
    assert events("login_failed")[-1].changes["reason"] == "email_taken"


def test_an_existing_account_is_linked_only_by_a_verified_address(browser, provider, registered):
    existing = make_user(email="eva@eskilstuna.example", party_name=PARTY)
    provider.set_user("eva-5", email="eva@eskilstuna.example")
    messages = refused(browser, log_in(browser, provider, "eva-5"))
    assert any("har inte bekräftat adressen" in m for m in messages), messages
    assert _db.session.scalar(select(_count(ExternalIdentity))) == 0

    provider.set_user("eva-5", email="eva@eskilstuna.example", email_verified=True)
    answer = log_in(browser, provider, "eva-5")
    assert path_of(answer.headers["Location"]) == "/"
    assert _db.session.scalar(select(ExternalIdentity.user_id)) == existing.id
    assert events("sso_linked")


def test_another_partys_account_is_not_linked(browser, provider, registered):
    make_user(email="fia@vasteras.example", party_name="Västerås stad")
    provider.set_user("fia-6", email="fia@vasteras.example", email_verified=True)
    messages = refused(browser, log_in(browser, provider, "fia-6"))
    assert any("hör till en annan part" in m for m in messages), messages


def test_a_deactivated_account_is_refused(browser, provider, registered):
    provider.set_user("gus-7", email="gus@eskilstuna.example")
    log_in(browser, provider, "gus-7")
    browser.reset()
    user = _db.session.scalar(select(User).where(User.email == "gus@eskilstuna.example"))
    user.active = False
    _db.session.commit()
    messages = refused(browser, log_in(browser, provider, "gus-7"))
    assert any("avstängt" in m for m in messages), messages


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        ({"aud": "another-client"}, "bad_aud"),
        ({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}, "expired_token"),
        ({"_key": "other"}, "bad_signature"),
        ({"nonce": "not-the-nonce-we-sent"}, "bad_nonce"),
        ({"iss": "https://impostor.example"}, "bad_iss"),
    ],
    ids=["wrong-audience", "expired", "bad-signature", "wrong-nonce", "wrong-issuer"],
)
def test_a_token_that_does_not_verify_is_refused(browser, provider, registered, tamper, reason):
    provider.set_user("hal-8", email="hal@eskilstuna.example")
    provider.tamper = tamper
    messages = refused(browser, log_in(browser, provider, "hal-8"))
    assert any("kunde inte bekräftas" in m for m in messages), messages
    assert _db.session.scalar(select(_count(User))) == 1  # only the admin
    failed = events("login_failed")[-1]
    assert failed.changes["reason"] == reason and failed.changes["step"] == "sso"


def test_a_forged_or_replayed_state_is_refused(browser, provider, registered):
    provider.set_user("ivy-9", email="ivy@eskilstuna.example")
    authorize = begin(browser)
    back = requests.post(authorize, data={"sub": "ivy-9"}, allow_redirects=False, timeout=5)
    callback = path_of(back.headers["Location"])
    forged = callback.replace("state=", "state=x")
    messages = refused(browser, browser.get(forged))
    assert any("tog för lång tid eller avbröts" in m for m in messages), messages
    # The genuine answer works once; the same answer again finds no state.
    assert path_of(browser.get(callback).headers["Location"]) == "/"
    browser.post("/logga-ut", {"csrf_token": _csrf(browser)})
    assert path_of(browser.get(callback).headers["Location"]) == "/logga-in"
    # Another browser cannot use this one's answer (login CSRF).
    other = Browser(browser.flask_app)
    assert path_of(other.get(callback).headers["Location"]) == "/logga-in"


def test_cancelling_at_the_provider_ends_on_the_login_page(browser, provider, registered):
    messages = refused(browser, log_in(browser, provider, "", deny=True))
    assert messages == ["Inloggningen avbröts. Du är inte inloggad."]
    assert events("login_failed")[-1].changes["reason"] == "access_denied"


def test_a_provider_that_is_down_ends_on_the_login_page(browser, registered):
    provider_row = _db.session.scalar(select(sso.IdentityProvider))
    provider_row.issuer = "http://127.0.0.1:9"  # nothing listens there
    _db.session.commit()
    page = browser.get("/logga-in")
    link = page.html.find("a", string=f"Logga in med ditt konto hos {PARTY}")
    messages = refused(browser, browser.get(link["href"]))
    assert any("gick inte att nå inloggningstjänsten" in m for m in messages), messages
    assert events("login_failed")[-1].changes["reason"] == "provider_unreachable"


def test_an_admin_without_amr_still_gives_the_portals_code(browser, provider, registered):
    admin = make_user(roles={Role.ADMIN}, email="boss@eskilstuna.example", party_name=PARTY)
    provider.set_user("boss", email="boss@eskilstuna.example", email_verified=True)
    answer = log_in(browser, provider, "boss")
    assert path_of(answer.headers["Location"]) == "/logga-in/kod"
    assert browser.get("/admin/").status_int == 302  # not logged in yet
    page = browser.get("/logga-in/kod")
    form = browser.form(page, action="/logga-in/kod")
    form["code"] = next_totp_code(admin)
    done = browser.submit(form)
    assert done.status_int == 302, error_texts(done)
    assert browser.get("/admin/").status_int == 200
    assert _db.session.scalar(select(UserSession.method)) == "oidc_totp"


def test_an_admin_whose_provider_asserts_a_second_factor_skips_the_code(
    browser, provider, registered
):
    make_user(roles={Role.ADMIN}, email="chef@eskilstuna.example", party_name=PARTY)
    provider.set_user(
        "chef", email="chef@eskilstuna.example", email_verified=True, amr=["pwd", "mfa"]
    )
    answer = log_in(browser, provider, "chef")
    assert path_of(answer.headers["Location"]) == "/"
    assert browser.get("/admin/").status_int == 200
    assert _db.session.scalar(select(UserSession.method)) == "oidc_mfa"


def test_process_support_without_a_second_factor_enrols_unless_the_provider_has_one(
    browser, provider, registered
):
    provider.set_user("ps", email="ps@eskilstuna.example", email_verified=True, amr=["pwd"])
    make_user(roles={Role.PROCESS_SUPPORT}, email="ps@eskilstuna.example", party_name=PARTY)
    user = _db.session.scalar(select(User).where(User.email == "ps@eskilstuna.example"))
    user.totp_secret = user.totp_enabled_at = None
    _db.session.commit()
    answer = log_in(browser, provider, "ps")
    assert path_of(answer.headers["Location"]) == "/konto/tvastegsverifiering/aktivera"
    browser.reset()
    provider.set_user("ps", email="ps@eskilstuna.example", email_verified=True, amr=["hwk"])
    answer = log_in(browser, provider, "ps")
    assert path_of(answer.headers["Location"]) == "/"
    assert browser.get("/").status_int == 200


def test_the_login_page_offers_only_enabled_providers(browser, registered):
    row = _db.session.scalar(select(sso.IdentityProvider))
    row.enabled = False
    _db.session.commit()
    page = browser.get("/logga-in")
    assert "Logga in med ditt konto hos" not in page.text
    assert browser.get(f"/logga-in/sso/{registered.id}").status_int == 404


def test_a_provider_from_configuration(app, browser, provider, db):
    sso.forget_cached()
    saved = app.config["OIDC_PROVIDERS"]
    app.config["OIDC_PROVIDERS"] = json.dumps(
        [
            {
                "party": "Eskilstuna",
                "issuer": provider.url,
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
            }
        ]
    )
    try:
        provider.tamper = {}
        provider.set_user("jon-10", email="jon@eskilstuna.example")
        answer = log_in(browser, provider, "jon-10")
        assert path_of(answer.headers["Location"]) == "/"
    finally:
        app.config["OIDC_PROVIDERS"] = saved


def test_the_admin_registers_a_provider_and_never_sees_the_secret_again(app, provider, db):
    browser = Browser(app)
    admin = make_user(roles={Role.ADMIN})
    browser.login(admin)
    party = db.session.scalar(select(Party).where(Party.name == PARTY))
    page = browser.get(f"/admin/parter/{party.id}")
    link = page.html.find("a", string="Inställningar för inloggning via organisationen")
    page = browser.get(link["href"])
    assert "http://localhost/logga-in/sso/tillbaka" in page.text
    form = browser.form(page, action=f"/admin/parter/{party.id}/inloggning")
    form["issuer"] = "ftp://nowhere"
    form["client_id"] = CLIENT_ID
    answer = browser.submit(form)
    assert answer.status_int == 422
    errors = " ".join(error_texts(answer))
    assert "Skriv en adress som börjar med https://." in errors
    assert "Fyll i klienthemligheten." in errors

    form = browser.form(answer, action=f"/admin/parter/{party.id}/inloggning")
    form["issuer"] = provider.url
    form["client_secret"] = CLIENT_SECRET
    form["enabled"] = True
    assert browser.submit(form).status_int == 302
    row = db.session.scalar(select(sso.IdentityProvider))
    assert row.client_secret != CLIENT_SECRET
    assert sso.configured()[party.id].client_secret == CLIENT_SECRET

    page = browser.get(f"/admin/parter/{party.id}/inloggning")
    assert CLIENT_SECRET not in page.text
    assert "En klienthemlighet är sparad." in page.text
    form = browser.form(page, action=f"/admin/parter/{party.id}/inloggning")
    form["email_claim"] = "upn"
    assert browser.submit(form).status_int == 302  # an empty secret keeps the saved one
    assert sso.configured()[party.id].client_secret == CLIENT_SECRET
    changes = [e.changes for e in events("sso_provider_changed")]
    assert changes == [{"email_claim": ["email", "upn"]}]
    assert CLIENT_SECRET not in json.dumps([e.changes for e in events("sso_provider_registered")])


def _csrf(browser) -> str:
    page = browser.get("/konto")
    return page.html.find("input", attrs={"name": "csrf_token"})["value"]


def _count(model):
    from sqlalchemy import func

    return func.count(model.id)


def test_the_admin_sees_the_account_and_its_refused_logins(app, browser, provider, registered):
    provider.set_user("max-13", email="max@eskilstuna.example", name="Max")
    log_in(browser, provider, "max-13")
    browser.reset()
    make_user(email="upptagen@eskilstuna.example", party_name=PARTY)
    provider.set_user("max-13", email="upptagen@eskilstuna.example", name="Max")
    refused(browser, log_in(browser, provider, "max-13"))
    user = _db.session.scalar(select(User).where(User.email == "max@eskilstuna.example"))

    admin = Browser(app)
    admin.login(_db.session.scalar(select(User).where(User.email == "admin.sso@example.org")))
    page = admin.get(f"/admin/anvandare/{user.id}")
    text = " ".join(page.html.get_text(" ").split())
    assert "Kontot skapat vid inloggning via organisationen" in text
    assert "Kopplat till organisationens inloggning" in text
    assert f"via {PARTY}" in text and "den nya e-postadressen har ett annat konto" in text
    listing = admin.get("/admin/anvandare")
    row = next(tr for tr in listing.html.select("tr") if "max@eskilstuna.example" in tr.text)
    assert "Aktiv" in row.text and "Inbjuden" not in row.text
