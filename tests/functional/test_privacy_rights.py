"""A person's rights: see and download everything held about them through a single-use,
short-lived link (art. 15), have it erased at once (except the record kept under the archive
rules, marked and removed when its retention ends), and withdraw opt-ins."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.accounts.models import AccountToken, Role, User
from portal.api.models import ApiToken
from portal.api.services import create_token
from portal.audit import AuditEntry
from portal.hub.models import Publication
from portal.mail.models import OutboxMessage
from portal.privacy import records, retention
from portal.privacy.erasure import ANONYMISED, ERASED_USER_NAME
from portal.privacy.models import RetentionKind
from portal.submissions import services
from portal.submissions.models import Submission
from portal.types import today_in_stockholm, utcnow
from tests.conftest import csrf_from, login, post_form
from tests.factories import make_call, make_user
from tests.privacy_factories import (
    RESIDENT,
    accept,
    decline,
    employee_submission,
    resident_submission,
)

LINK_RE = re.compile(r"/mina-uppgifter/[A-Za-z0-9_-]{40,}")


def ask_for_link(client, token: str):
    """Press "Hämta mina uppgifter" on the resident's private page."""
    page = f"/mitt-bidrag/{token}"
    response = post_form(client, f"{page}/mina-uppgifter", {}, page=page)
    assert response.status_code == 302, response.status_code
    location = response.headers["Location"]
    assert LINK_RE.fullmatch(location), location
    return location


# --- access -----------------------------------------------------------------------------------


@pytest.mark.asvs("8.2.1")
@pytest.mark.asvs("8.3.2")
def test_resident_gets_everything_held_as_page_and_json(client, db):
    call = make_call()
    first, token = resident_submission(call, title="Rörelsebingo", purpose="Varje rast.")
    second, _t = resident_submission(call, title="Skolgårdsdans", email=RESIDENT["email"].upper())
    other, _o = resident_submission(call, name="Bo Annan", email="bo@example.net", title="Bos idé")
    services.complete(first, {"purpose": "Varje rast, hela året."}, actor=None)
    db.session.commit()

    link = ask_for_link(client, token)
    page = client.get(link)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "same-origin"
    for text in (RESIDENT["name"], RESIDENT["email"], RESIDENT["phone"], "Rörelsebingo",
                 "Skolgårdsdans", "Varje rast, hela året.", first.reg_number, second.reg_number,
                 "Vi har tagit emot ditt bidrag"):  # fmt: skip
        assert text in html, text
    assert "Bo Annan" not in html and "Bos idé" not in html and other.reg_number not in html

    download = client.get(f"{link}/mina-uppgifter.json")
    assert download.status_code == 200
    assert download.mimetype == "application/json"
    assert download.headers["Content-Disposition"].startswith(
        'attachment; filename="mina-uppgifter-'
    )
    assert download.headers["Cache-Control"] == "no-store"
    data = json.loads(download.get_data(as_text=True))
    assert data["subject"] == "resident"
    assert [c["reg_number"] for c in data["contact_details"]] == [
        first.reg_number,
        second.reg_number,
    ]
    assert data["contact_details"][0]["phone"] == RESIDENT["phone"]
    [one, two] = data["submissions"]
    assert one["canvas"]["purpose"] == "Varje rast, hela året."
    assert [r["kind"] for r in one["records"]] == ["received", "completion"]
    assert one["records"][0]["content"]["canvas"]["purpose"] == "Varje rast."
    assert one["records"][0]["sender"]["email"] == RESIDENT["email"]
    assert {m["subject"] for m in data["emails"]} >= {
        f"Vi har tagit emot ditt bidrag {first.reg_number}"
    }
    assert [e["action"] for e in data["events"] if e["reg_number"] == first.reg_number] == [
        "submitted",
        "completed_by_submitter",
    ]
    assert "Bo Annan" not in download.get_data(as_text=True)


def test_access_link_is_single_use_and_bound_to_the_browser(app, client, db):
    _submission, token = resident_submission()
    link = ask_for_link(client, token)
    assert client.get(link).status_code == 200
    assert client.get(link).status_code == 200  # the same browser, within the time
    [stored] = db.session.scalars(select(AccountToken)).all()
    assert stored.purpose == "access" and stored.used_at is not None
    assert link.rsplit("/", 1)[1] not in stored.token_hash  # only the hash is kept

    other_browser = app.test_client()
    response = other_browser.get(link)
    assert response.status_code == 410
    assert "Länken har redan använts" in response.get_data(as_text=True)
    assert other_browser.get(f"{link}/mina-uppgifter.json").status_code == 410


def test_access_link_expires_after_fifteen_minutes(client, db):
    _submission, token = resident_submission()
    link = ask_for_link(client, token)
    stored = db.session.scalar(select(AccountToken))
    assert timedelta(minutes=14) < stored.expires_at - stored.created_at <= timedelta(minutes=15)
    stored.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = client.get(link)
    assert response.status_code == 410
    assert "Länken har slutat gälla" in response.get_data(as_text=True)


def test_access_link_used_then_expired_stops_in_the_same_browser_too(client, db):
    _submission, token = resident_submission()
    link = ask_for_link(client, token)
    assert client.get(link).status_code == 200
    stored = db.session.scalar(select(AccountToken))
    stored.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get(f"{link}/mina-uppgifter.json").status_code == 410


def test_unknown_access_link_and_another_residents_token_show_nothing(client, db):
    resident_submission()
    response = client.get("/mina-uppgifter/" + "A" * 43)
    assert response.status_code == 404
    assert "Länken är felaktig" in response.get_data(as_text=True)
    assert client.post("/mitt-bidrag/" + "B" * 43 + "/mina-uppgifter").status_code in (400, 404)
    assert client.get("/mitt-bidrag/" + "B" * 43 + "/radera").status_code == 404


def test_employee_gets_account_submissions_and_api_key_names(client, login_as, db):
    user = login_as(Role.BOARD, name="Stina Styrelse", email="stina@example.org")
    create_token(user, "Kalkylarket", None, actor=user)
    db.session.commit()
    page = client.get("/konto/personuppgifter")
    assert page.status_code == 200
    response = post_form(client, "/konto/personuppgifter/lank", {}, page="/konto/personuppgifter")
    link = response.headers["Location"]
    assert LINK_RE.fullmatch(link)
    html = client.get(link).get_data(as_text=True)
    assert "Stina Styrelse" in html and "stina@example.org" in html and "Kalkylarket" in html
    data = client.get(f"{link}/mina-uppgifter.json").get_json()
    assert data["account"]["email"] == "stina@example.org"
    assert data["account"]["roles"] == ["Styrelsen"]
    assert [t["name"] for t in data["api_tokens"]] == ["Kalkylarket"]
    assert "token_hash" not in json.dumps(data) and "skp_" not in json.dumps(data)
    assert data["sessions"] == [] or all("browser" in s for s in data["sessions"])


def test_employee_link_opens_only_for_that_account(app, client, login_as, db):
    login_as(Role.EMPLOYEE)
    link = post_form(
        client, "/konto/personuppgifter/lank", {}, page="/konto/personuppgifter"
    ).headers["Location"]
    anonymous = app.test_client()
    assert anonymous.get(link).status_code == 404
    someone_else = app.test_client()
    login(someone_else, make_user())
    response = someone_else.get(link)
    assert response.status_code == 404
    assert "inloggad med det konto som bad om den" in response.get_data(as_text=True)
    assert client.get(link).status_code == 200  # still unused: the owner can open it


# --- residents' erasure and opt-ins -----------------------------------------------------------


def test_resident_erasure_needs_confirmation(client, db):
    submission, token = resident_submission()
    response = post_form(client, f"/mitt-bidrag/{token}/radera", {})
    assert response.status_code == 422
    assert "Kryssa i rutan för att bekräfta." in response.get_data(as_text=True)
    db.session.expire_all()
    assert submission.resident_email == RESIDENT["email"]


@pytest.mark.asvs("8.3.2")
def test_resident_erasure_at_once_record_marked_receipt_then_address_gone(
    app, client, login_as, db, smtp
):
    call = make_call()
    first, token = resident_submission(
        call, responsible="Kim, 070-1234567", consent_named_publicly=True, consent_news=True
    )
    second, _t = resident_submission(call)
    initiative = accept(first)
    from portal.hub import services as hub

    hub.update_publication(
        initiative, published=True, public_fields=("summary",), expected_version=None,
        actor=None, show_submitter_name=True,
    )  # fmt: skip
    db.session.commit()
    assert RESIDENT["name"] in client.get(f"/hubb/{initiative.id}", follow_redirects=True).get_data(
        as_text=True
    )
    smtp.wait_for(2)
    smtp.messages.clear()

    page = client.get(f"/mitt-bidrag/{token}/radera")
    assert page.status_code == 200
    assert first.reg_number in page.get_data(as_text=True) and second.reg_number in page.get_data(
        as_text=True
    )
    response = post_form(client, f"/mitt-bidrag/{token}/radera", {"confirm": "y"})
    assert response.status_code == 302

    db.session.expire_all()
    for s in (first, second):
        assert (s.resident_name, s.resident_email, s.resident_phone) == (
            ANONYMISED,
            ANONYMISED,
            None,
        )
        assert s.consent_named_publicly is False and s.consent_news is False
        assert records.records_of(s)[0].erasure_requested_at is not None
        assert records.records_of(s)[0].sender["email"] == RESIDENT["email"]  # archived
    assert first.responsible == ""
    assert db.session.get(Publication, initiative.id).show_submitter_name is False
    assert RESIDENT["name"] not in client.get(
        f"/hubb/{initiative.id}", follow_redirects=True
    ).get_data(as_text=True)

    [receipt] = smtp.wait_for(1)
    assert receipt["To"] == RESIDENT["email"]
    assert first.reg_number in smtp.body(receipt)
    # Sent, then gone: no message to the address is left in the outbox.
    left = db.session.scalar(
        select(func.count()).where(func.lower(OutboxMessage.recipient) == RESIDENT["email"])
    )
    assert left == 0

    entry = db.session.scalar(
        select(AuditEntry).where(
            AuditEntry.action == "personal_data_erased", AuditEntry.object_id == first.id
        )
    )
    assert entry.actor_id is None and entry.changes["decision"] == "erased_except_record"
    assert RESIDENT["email"] not in json.dumps(entry.changes)

    private = client.get(f"/mitt-bidrag/{token}").get_data(as_text=True)
    assert "Dina kontaktuppgifter är raderade" in private
    login_as(Role.PROCESS_SUPPORT)
    triage_page = client.get(f"/inkorg/{second.id}").get_data(as_text=True)
    assert "Inlämnaren begärde radering" in triage_page
    assert "Personuppgifter raderade på begäran" in triage_page


def test_erased_record_is_removed_when_its_retention_ends(client, db, app):
    submission, token = resident_submission()
    decline(submission)
    post_form(client, f"/mitt-bidrag/{token}/radera", {"confirm": "y"})
    with app.test_request_context():
        retention.save_rule(
            RetentionKind.CLOSED_SUBMISSIONS, period=1, action="anonymise", active=True, actor=None
        )
        db.session.commit()
        assert len(records.records_of(submission)) == 1
        retention.run(retention.shift_months(today_in_stockholm(), 12), apply=True)
        db.session.commit()
    assert records.records_of(submission) == []


def test_resident_withdraws_opt_ins_on_every_submission(client, db):
    call = make_call()
    first, token = resident_submission(call, consent_named_publicly=True, consent_news=True)
    second, _t = resident_submission(call, consent_news=True)
    page = f"/mitt-bidrag/{token}"
    html = client.get(page).get_data(as_text=True)
    assert "Återkalla: inga nyheter" in html and "Återkalla: visa inte mitt namn" in html

    response = post_form(client, f"{page}/samtycken", {"consent": "consent_news"}, page=page)
    assert response.status_code == 302
    db.session.expire_all()
    assert (first.consent_news, second.consent_news) == (False, False)
    assert first.consent_named_publicly is True
    entries = db.session.scalars(
        select(AuditEntry.changes).where(AuditEntry.action == "consent_withdrawn")
    ).all()
    assert entries == [{"consent_news": [True, False]}] * 2

    post_form(client, f"{page}/samtycken", {"consent": "consent_named_publicly"}, page=page)
    db.session.expire_all()
    assert first.consent_named_publicly is False
    assert (
        post_form(client, f"{page}/samtycken", {"consent": "resident_email"}, page=page).status_code
        == 400
    )


# --- employees' erasure -----------------------------------------------------------------------


def test_employee_erasure_closes_and_anonymises_the_account(app, client, db, smtp):
    user = make_user(name="Erik Västerås", email="erik@example.org")
    sent = employee_submission(user)
    draft = services.save_draft(None, {"title": "Utkast"}, actor=user)
    create_token(user, "Nyckeln", None, actor=user)
    db.session.commit()
    draft_id = draft.id
    login(client, user)
    smtp.wait_for(1)
    smtp.messages.clear()

    wrong = post_form(
        client, "/konto/personuppgifter/radera", {"confirm": "y", "password": "fel-lösenord-123"},
        page="/konto/personuppgifter",
    )  # fmt: skip
    assert wrong.status_code == 422
    assert "Lösenordet stämmer inte." in wrong.get_data(as_text=True)

    response = post_form(
        client, "/konto/personuppgifter/radera",
        {"confirm": "y", "password": "a-long-test-password-1"}, page="/konto/personuppgifter",
    )  # fmt: skip
    assert response.status_code == 302
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.name == ERASED_USER_NAME and user.email == f"raderad-{user.id}@konto.invalid"
    assert user.active is False and user.password_hash is None and user.roles == frozenset()
    assert db.session.get(Submission, draft_id) is None
    assert db.session.get(Submission, sent.id).submitter_id == user.id  # the record stays
    assert records.records_of(sent)[0].erasure_requested_at is not None
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0
    assert client.get("/konto").status_code == 302  # logged out
    [receipt] = smtp.wait_for(1)
    assert receipt["To"] == "erik@example.org"
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    relogin = post_form(
        client, "/logga-in", {"email": "erik@example.org", "password": "a-long-test-password-1"}
    )
    assert relogin.status_code != 302


def test_last_admin_cannot_erase_their_account(client, login_as, db):
    login_as(Role.ADMIN)
    html = client.get("/konto/personuppgifter").get_data(as_text=True)
    assert "Du är den enda aktiva administratören" in html
    response = client.post(
        "/konto/personuppgifter/radera",
        data={"csrf_token": csrf_from(html), "confirm": "y", "password": "a-long-test-password-1"},
    )
    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).where(User.active.is_(True))) == 1


@pytest.mark.parametrize("path", ["/konto/personuppgifter"])
def test_account_privacy_page_needs_login(client, db, path):
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"].startswith("/logga-in")
