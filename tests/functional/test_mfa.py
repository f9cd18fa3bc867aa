"""Two-factor authentication: enrolment, the code step of a login, recovery codes, turning it
off, and an admin's reset of a lost second factor."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import select

from portal.accounts import mfa
from portal.accounts.models import RecoveryCode, Role, User, UserSession
from portal.audit import AuditEntry
from portal.extensions import db as _db
from portal.mail.services import deliver_due
from tests.conftest import csrf_from, login, next_totp_code, post_form
from tests.factories import PASSWORD, TOTP_SECRET, make_user

SETUP = "/konto/tvastegsverifiering/aktivera"
CODES_PAGE = "/konto/tvastegsverifiering/aterstallningskoder"
CODE_STEP = "/logga-in/kod"
RECOVERY_STEP = "/logga-in/aterstallningskod"
CODE_RE = re.compile(r"<code class=\"token-value\">([a-z2-9]{5}-[a-z2-9]{5})</code>")
SECRET_RE = re.compile(r'<code class="token-value" id="totp-secret">([A-Z2-7 ]+)</code>')


def text(response) -> str:
    return response.get_data(as_text=True)


def password_step(client, user, **kwargs):
    return post_form(
        client, "/logga-in", {"email": user.email, "password": PASSWORD, **kwargs.pop("data", {})}
    )


def is_logged_in(client) -> bool:
    return client.get("/konto").status_code == 200


def actions(user) -> list[str]:
    _db.session.expire_all()
    return list(
        _db.session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.object_type == "users", AuditEntry.object_id == user.id)
            .order_by(AuditEntry.id)
        )
    )


def refresh(user) -> User:
    _db.session.expire_all()
    return _db.session.get(User, user.id)


def enrol_through_the_pages(client) -> tuple[str, list[str]]:
    """Scan (read the secret off the page), confirm a code, read the recovery codes."""
    page = text(client.get(SETUP))
    secret = SECRET_RE.search(page).group(1).replace(" ", "")
    code = mfa.totp_code(secret, mfa.time_step())
    response = post_form(client, SETUP, {"code": code})
    assert response.status_code == 302, text(response)[:1000]
    assert response.headers["Location"] == CODES_PAGE
    codes = CODE_RE.findall(text(client.get(CODES_PAGE)))
    return secret, codes


def enrolled_with_codes(user) -> list[str]:
    """Enrol through the service with TOTP_SECRET; the recovery codes it shows once."""
    codes = mfa.enable(user, TOTP_SECRET, mfa.totp_code(TOTP_SECRET, mfa.time_step()), actor=user)
    _db.session.commit()
    return codes


# --- enrolment ----------------------------------------------------------------------------


@pytest.mark.asvs("2.7.1")
@pytest.mark.parametrize("role", [Role.ADMIN, Role.PROCESS_SUPPORT])
def test_a_required_role_without_a_second_factor_reaches_nothing_but_enrolment(client, db, role):
    user = make_user(roles={role}, mfa=False)
    response = password_step(client, user, data={"next": "/konto"})
    assert response.status_code == 302
    assert response.headers["Location"] == SETUP
    for path in ["/", "/konto", "/admin/", "/inkorg", "/utlysningar", "/konto/api-nycklar"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"] == SETUP, path
    assert client.get("/inkorg", headers={"HX-Request": "true"}).status_code == 403
    page = client.get(SETUP, follow_redirects=True)
    assert "Aktivera tvåstegsverifiering innan du fortsätter. Din roll kräver det." in text(
        client.get("/", follow_redirects=True)
    )
    assert page.status_code == 200
    # Logging out is allowed.
    token = csrf_from(text(client.get(SETUP)))
    assert client.post("/logga-ut", data={"csrf_token": token}).status_code == 302
    assert client.get("/konto").headers["Location"].startswith("/logga-in")


@pytest.mark.asvs("2.8.2")
def test_enrolment_with_qr_code_confirmation_and_recovery_codes(app, client, db):
    user = make_user(roles={Role.ADMIN}, mfa=False)
    elsewhere = app.test_client()
    login(elsewhere, user)
    login(client, user)

    page = client.get(SETUP)
    html = text(page)
    assert page.status_code == 200
    assert (
        '<svg role="img" aria-label="QR-kod för att lägga till kontot i en autentiseringsapp"'
        in html
    )
    assert "style=" not in html
    assert 'autocomplete="one-time-code"' in html
    assert 'inputmode="numeric"' in html
    secret = SECRET_RE.search(html).group(1).replace(" ", "")
    # The same secret until it is confirmed (the app may be scanned on a second try).
    assert secret == SECRET_RE.search(text(client.get(SETUP))).group(1).replace(" ", "")

    right = {mfa.totp_code(secret, mfa.time_step() + d) for d in (-1, 0, 1)}
    wrong = next(c for c in ("123456", "654321", "111111") if c not in right)
    response = post_form(client, SETUP, {"code": wrong})
    assert response.status_code == 422
    assert "Koden stämmer inte." in text(response)
    assert not refresh(user).has_mfa

    response = post_form(client, SETUP, {"code": mfa.totp_code(secret, mfa.time_step())})
    assert response.status_code == 302
    assert response.headers["Location"] == CODES_PAGE
    codes_page = client.get(CODES_PAGE)
    codes = CODE_RE.findall(text(codes_page))
    assert len(codes) == len(set(codes)) == 10
    assert "De visas bara den här gången" in text(codes_page)
    assert codes_page.headers["Cache-Control"] == "no-store"
    # Shown once.
    assert client.get(CODES_PAGE).headers["Location"] == "/konto/tvastegsverifiering"

    stored = refresh(user)
    assert stored.has_mfa
    assert secret not in stored.totp_secret
    assert mfa.unseal(stored.totp_secret) == secret
    hashes = _db.session.scalars(
        select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)
    ).all()
    assert len(hashes) == 10
    assert not any(code.replace("-", "") in h or code in h for code in codes for h in hashes)
    assert "mfa_enabled" in actions(user)

    assert client.get("/admin/").status_code == 200  # the rest of the portal is open now
    assert not is_logged_in(elsewhere)  # enabling ended the other sessions


def test_enrolment_goes_on_to_where_the_user_was_going(client, db):
    user = make_user(roles={Role.PROCESS_SUPPORT}, mfa=False)
    password_step(client, user, data={"next": "/inkorg"})
    page = text(client.get(SETUP))
    secret = SECRET_RE.search(page).group(1).replace(" ", "")
    post_form(client, SETUP, {"code": mfa.totp_code(secret, mfa.time_step())})
    codes_page = text(client.get(CODES_PAGE))
    assert '<a class="button" href="/inkorg">Jag har sparat koderna, fortsätt</a>' in codes_page
    assert client.get("/inkorg").status_code == 200


def test_an_optional_role_logs_in_without_and_may_turn_it_on_and_off(app, client, db):
    user = make_user(roles={Role.EXPERT})
    response = password_step(client, user)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = text(client.get("/konto"))
    assert "Inte aktiverad" in page
    assert client.get("/").status_code == 200

    secret, _codes = enrol_through_the_pages(client)
    fresh = app.test_client()
    assert password_step(fresh, user).headers["Location"] == CODE_STEP

    # Turning it off needs a current code.
    response = post_form(
        client,
        "/konto/tvastegsverifiering/stang-av",
        {"disable-code": "12345"},
        page="/konto/tvastegsverifiering",
    )
    assert response.status_code == 422
    assert refresh(user).has_mfa
    next_code = mfa.totp_code(secret, mfa.time_step() + 1)  # the setup spent this step's
    response = post_form(
        client,
        "/konto/tvastegsverifiering/stang-av",
        {"disable-code": next_code},
        page="/konto/tvastegsverifiering",
    )
    assert response.status_code == 302
    assert not refresh(user).has_mfa
    assert is_logged_in(client)
    assert (
        _db.session.scalar(select(RecoveryCode.id).where(RecoveryCode.user_id == user.id)) is None
    )
    assert password_step(app.test_client(), user).headers["Location"] == "/"
    assert actions(user).count("mfa_disabled") == 1


@pytest.mark.parametrize("role", [Role.ADMIN, Role.PROCESS_SUPPORT])
def test_a_required_role_cannot_turn_it_off(client, db, role):
    user = make_user(roles={role})
    login(client, user)
    page = text(client.get("/konto/tvastegsverifiering"))
    assert "Din roll kräver tvåstegsverifiering, så den kan inte stängas av." in page
    assert "disable-code" not in page
    response = post_form(
        client,
        "/konto/tvastegsverifiering/stang-av",
        {"disable-code": next_totp_code(user)},
        page="/konto/tvastegsverifiering",
    )
    assert response.status_code == 422
    assert "Din roll kräver tvåstegsverifiering. Den kan inte stängas av." in text(response)
    assert refresh(user).has_mfa


# --- the code step of a login ---------------------------------------------------------------


@pytest.mark.asvs("2.7.1")
def test_login_with_password_and_code(client, db):
    user = make_user(roles={Role.ADMIN})
    response = password_step(client, user, data={"next": "/admin/"})
    assert response.headers["Location"] == CODE_STEP
    # Half logged in: nothing opens yet.
    assert client.get("/konto").headers["Location"].startswith("/logga-in")
    assert client.get("/admin/").headers["Location"].startswith("/logga-in")
    page = client.get(CODE_STEP)
    assert page.status_code == 200
    assert 'autocomplete="one-time-code"' in text(page)
    assert 'inputmode="numeric"' in text(page)

    response = post_form(client, CODE_STEP, {"code": next_totp_code(user)})
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    row = _db.session.scalar(select(UserSession).where(UserSession.user_id == user.id))
    assert row.method == "totp"
    assert refresh(user).last_login_at is not None
    assert actions(user)[-1] == "login_succeeded"


@pytest.mark.asvs("2.8.4")
@pytest.mark.asvs("2.8.5")
def test_a_code_works_only_once(app, client, db):
    user = make_user(roles={Role.ADMIN})
    code = mfa.totp_code(TOTP_SECRET, mfa.time_step())
    password_step(client, user)
    assert post_form(client, CODE_STEP, {"code": code}).status_code == 302

    thief = app.test_client()
    password_step(thief, user)
    response = post_form(thief, CODE_STEP, {"code": code})
    assert response.status_code == 422
    assert "Koden har redan använts. Vänta tills appen visar en ny kod." in text(response)
    assert not is_logged_in(thief)
    assert actions(user)[-1] == "mfa_code_reused"


def test_a_wrong_code_is_refused_and_recorded(client, db):
    user = make_user(roles={Role.PROCESS_SUPPORT})
    password_step(client, user)
    right = {mfa.totp_code(TOTP_SECRET, mfa.time_step() + d) for d in (-1, 0, 1)}
    wrong = next(c for c in ("123456", "654321", "111111") if c not in right)
    response = post_form(client, CODE_STEP, {"code": wrong})
    assert response.status_code == 422
    assert "Koden stämmer inte." in text(response)
    assert 'aria-invalid="true"' in text(response)
    assert not is_logged_in(client)
    assert actions(user)[-1] == "mfa_failed"


@pytest.mark.slow
@pytest.mark.asvs("2.2.1")
def test_codes_are_throttled_per_account(app, client, db):
    user = make_user(roles={Role.ADMIN})
    right = {mfa.totp_code(TOTP_SECRET, mfa.time_step() + d) for d in (-1, 0, 1)}
    wrong = next(c for c in ("123456", "654321", "111111") if c not in right)
    password_step(client, user)
    for _ in range(5):
        assert post_form(client, CODE_STEP, {"code": wrong}).status_code == 422
    response = post_form(client, CODE_STEP, {"code": next_totp_code(user)})
    assert response.status_code == 429
    # From another client too: the limit is the account's.
    other = app.test_client()
    password_step(other, user, environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert post_form(other, RECOVERY_STEP, {"code": "abcde-fgh23"}).status_code == 429
    assert actions(user).count("login_throttled") == 1  # recorded once per quarter


def test_the_code_step_expires(client, db):
    user = make_user(roles={Role.ADMIN})
    password_step(client, user)
    with client.session_transaction() as sess:
        sess["_mfa_pending"] = {**sess["_mfa_pending"], "at": time.time() - 6 * 60}
    response = client.get(CODE_STEP, follow_redirects=True)
    assert response.request.path == "/logga-in"
    assert "Inloggningen tog för lång tid eller avbröts. Logga in igen." in text(response)


def test_the_code_step_without_a_password_step_goes_to_login(client, db):
    assert client.get(CODE_STEP).headers["Location"] == "/logga-in"
    assert client.get(RECOVERY_STEP).headers["Location"] == "/logga-in"


def test_a_password_change_elsewhere_ends_the_code_step(client, db):
    user = make_user(roles={Role.ADMIN})
    password_step(client, user)
    user.session_version += 1
    _db.session.commit()
    response = post_form(client, CODE_STEP, {"code": next_totp_code(user)}, page="/logga-in")
    assert response.headers["Location"] == "/logga-in"
    assert not is_logged_in(client)


@pytest.mark.asvs("2.5.6")
def test_a_password_reset_does_not_skip_the_second_factor(client, db, smtp):
    user = make_user(roles={Role.PROCESS_SUPPORT})
    post_form(client, "/glomt-losenord", {"email": user.email})
    body = smtp.body(smtp.wait_for(1)[0])
    link = re.search(r"http://localhost(/losenord/[A-Za-z0-9_-]+)", body).group(1)
    response = post_form(
        client,
        link,
        {"password": "grön-cykel-över-mälarbron", "confirm": "grön-cykel-över-mälarbron"},
    )
    assert response.headers["Location"] == CODE_STEP
    assert not is_logged_in(client)
    assert post_form(client, CODE_STEP, {"code": next_totp_code(user)}).status_code == 302
    assert is_logged_in(client)


# --- recovery codes -------------------------------------------------------------------------


@pytest.mark.asvs("2.6.1")
def test_a_recovery_code_works_once(app, client, db):
    user = make_user(roles={Role.ADMIN}, mfa=False)
    codes = enrolled_with_codes(user)
    password_step(client, user)
    assert "Logga in med en återställningskod" in text(client.get(CODE_STEP))
    typed = codes[3].upper().replace("-", " ")
    response = post_form(client, RECOVERY_STEP, {"code": typed})
    assert response.status_code == 302
    assert "Du har 9 kvar." in text(client.get("/"))
    assert is_logged_in(client)
    row = _db.session.scalar(select(UserSession).where(UserSession.user_id == user.id))
    assert row.method == "recovery_code"
    assert "recovery_code_used" in actions(user)

    again = app.test_client()
    password_step(again, user)
    response = post_form(again, RECOVERY_STEP, {"code": codes[3]})
    assert response.status_code == 422
    assert "Koden stämmer inte eller har redan använts." in text(response)
    assert not is_logged_in(again)
    assert post_form(again, RECOVERY_STEP, {"code": codes[4]}).status_code == 302
    assert mfa.recovery_codes_left(user) == 8


def test_new_recovery_codes_replace_the_old(client, db):
    user = make_user(roles={Role.ADMIN}, mfa=False)
    old = enrolled_with_codes(user)
    login(client, user)
    page = text(client.get("/konto/tvastegsverifiering"))
    assert "Återställningskoder kvar" in page
    response = post_form(
        client,
        "/konto/tvastegsverifiering/nya-koder",
        {"regenerate-code": "999999x"},
        page="/konto/tvastegsverifiering",
    )
    assert response.status_code == 422
    response = post_form(
        client,
        "/konto/tvastegsverifiering/nya-koder",
        {"regenerate-code": next_totp_code(user)},
        page="/konto/tvastegsverifiering",
    )
    assert response.headers["Location"] == CODES_PAGE
    new = CODE_RE.findall(text(client.get(CODES_PAGE)))
    assert len(new) == 10 and not set(new) & set(old)
    assert not mfa.use_recovery_code(user, old[0])
    assert mfa.use_recovery_code(user, new[0])
    assert "recovery_codes_regenerated" in actions(user)


# --- an admin resets a lost second factor -------------------------------------------------


@pytest.mark.asvs("2.5.1")
def test_an_admin_resets_a_lost_second_factor(app, client, db, smtp):
    admin = make_user(roles={Role.ADMIN}, name="Alva Admin")
    user = make_user(roles={Role.PROCESS_SUPPORT}, name="Petra Process")
    phone = app.test_client()
    login(phone, user)
    login(client, admin)

    page = client.get(f"/admin/anvandare/{user.id}")
    assert "Återställ tvåstegsverifiering" in text(page)
    confirm = client.get(f"/admin/anvandare/{user.id}/tvastegsverifiering")
    assert confirm.status_code == 200
    assert "Återställ tvåstegsverifiering för Petra Process" in text(confirm)
    assert refresh(user).has_mfa  # a GET changes nothing

    response = post_form(client, f"/admin/anvandare/{user.id}/tvastegsverifiering", {})
    assert response.headers["Location"] == f"/admin/anvandare/{user.id}"
    assert "är återställd" in text(client.get(response.headers["Location"]))

    assert not refresh(user).has_mfa
    assert not is_logged_in(phone)
    entry = _db.session.scalar(select(AuditEntry).where(AuditEntry.action == "mfa_reset"))
    assert (entry.object_id, entry.actor_id) == (user.id, admin.id)

    deliver_due()
    message = smtp.wait_for(1)[0]
    assert message["To"] == user.email
    assert message["Subject"] == "Din tvåstegsverifiering har återställts"
    body = smtp.body(message)
    assert "Alva Admin har återställt tvåstegsverifieringen" in body
    assert "lägger du till kontot i en autentiseringsapp igen" in body

    # At the next login the user enrols again.
    again = app.test_client()
    assert password_step(again, user).headers["Location"] == SETUP


def test_an_admin_cannot_reset_their_own_or_a_missing_second_factor(client, db):
    admin = make_user(roles={Role.ADMIN})
    login(client, admin)
    response = post_form(
        client, f"/admin/anvandare/{admin.id}/tvastegsverifiering", {}, page="/admin/"
    )
    assert response.status_code == 302
    assert "Din egen tvåstegsverifiering ändrar du under Mitt konto." in text(
        client.get(response.headers["Location"])
    )
    assert refresh(admin).has_mfa
    employee = make_user()
    response = client.get(f"/admin/anvandare/{employee.id}/tvastegsverifiering")
    assert response.headers["Location"] == f"/admin/anvandare/{employee.id}"


def test_a_role_that_requires_it_sends_a_logged_in_user_to_enrolment(app, client, db):
    user = make_user(roles={Role.EMPLOYEE})
    login(client, user)
    assert client.get("/").status_code == 200
    admin = make_user(roles={Role.ADMIN})
    admin_client = app.test_client()
    login(admin_client, admin)
    from portal.accounts.services import set_roles

    set_roles(refresh(user), {Role.EMPLOYEE, Role.PROCESS_SUPPORT}, actor=admin)
    _db.session.commit()
    assert client.get("/inkorg").headers["Location"] == SETUP


def test_the_command_line_resets_the_only_admins_second_factor(app, db, smtp):
    admin = make_user(roles={Role.ADMIN})
    result = app.test_cli_runner().invoke(args=["reset-mfa", "--email", admin.email.upper()])
    assert result.exit_code == 0, result.output
    assert f"Tvåstegsverifieringen för {admin.email} är återställd." in result.output
    assert not refresh(admin).has_mfa
    entry = _db.session.scalar(select(AuditEntry).where(AuditEntry.action == "mfa_reset"))
    assert (entry.object_id, entry.actor_id) == (admin.id, None)
    assert "En administratör har återställt" in smtp.body(smtp.wait_for(1)[0])
    again = app.test_cli_runner().invoke(args=["reset-mfa", "--email", admin.email])
    assert again.exit_code != 0
    assert "har ingen tvåstegsverifiering att återställa" in again.output
    unknown = app.test_cli_runner().invoke(args=["reset-mfa", "--email", "ingen@example.org"])
    assert unknown.exit_code != 0
