"""Answering calls and the standing intake: residents, employees, drafts, receipts."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.audit import AuditEntry
from portal.extensions import db as _db
from portal.mail.models import OutboxMessage
from portal.submissions.models import State, Submission
from tests.conftest import csrf_from
from tests.factories import make_call, make_user

FORM_KEY_RE = re.compile(r'name="form_key" type="hidden" value="([^"]+)"')
TEXT = (
    "Barn 🏃‍♀️ vill röra sig – åäö ÅÄÖ\nAndra raden\n\n<b>inte fet</b> & <script>alert(1)</script>"
)


def open_form(client, url):
    html = client.get(url).get_data(as_text=True)
    return {"csrf_token": csrf_from(html), "form_key": FORM_KEY_RE.search(html).group(1)}


def resident_data(**overrides):
    data = {
        "kind": "idea",
        "title": "Rörelsebingo på rasten",
        "purpose": TEXT,
        "name": "Kim Invånare",
        "email": "kim@example.org",
        "phone": "",
    }
    data.update(overrides)
    return data


def submissions():
    _db.session.expire_all()
    return _db.session.scalars(select(Submission).order_by(Submission.id)).all()


# --- residents -----------------------------------------------------------------------


def test_resident_submission_is_registered_and_receipted(client, smtp):
    call = make_call()
    url = f"/utlysningar/{call.slug}"
    response = client.post(url, data={**open_form(client, url), **resident_data()})
    assert response.status_code == 302
    [saved] = submissions()
    assert saved.state == State.RECEIVED
    assert re.fullmatch(r"SK-20\d\d-0001", saved.reg_number)
    assert saved.purpose == TEXT.replace("\r\n", "\n")
    assert saved.submitter_id is None and saved.party_id is None
    assert saved.consent_named_publicly is False and saved.consent_news is False

    receipt = client.get(response.headers["Location"])
    assert receipt.status_code == 200
    assert saved.reg_number in receipt.get_data(as_text=True)

    [message] = smtp.wait_for(1)
    assert message["To"] == "kim@example.org"
    assert saved.reg_number in message["Subject"]
    link = re.search(r"http://localhost(/mitt-bidrag/\S+)", smtp.body(message)).group(1)
    page = client.get(link)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Inkommen" in html
    assert "Barn 🏃‍♀️ vill röra sig – åäö ÅÄÖ\nAndra raden" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    assert page.headers["Referrer-Policy"] == "same-origin"


def test_resident_private_token_is_stored_only_as_hash(client, smtp):
    call = make_call()
    url = f"/utlysningar/{call.slug}"
    client.post(url, data={**open_form(client, url), **resident_data()})
    [message] = smtp.wait_for(1)
    token = re.search(r"/mitt-bidrag/(\S+)", smtp.body(message)).group(1)
    [saved] = submissions()
    assert len(token) >= 40
    assert token not in ("".join(link.token_hash for link in saved.private_links))
    assert client.get("/mitt-bidrag/" + "A" * 43).status_code == 404


def browser_referer(page, url: str) -> dict[str, str]:
    """The Referer a browser sends on a same-origin POST from `page` (at `url`), by the
    page's Referrer-Policy."""
    policy = page.headers.get("Referrer-Policy", "strict-origin-when-cross-origin")
    return {} if policy == "no-referrer" else {"Referer": url}


@pytest.mark.asvs("4.2.2")
def test_a_residents_private_page_forms_work_over_https(client, smtp):
    """Flask-WTF checks the Referer of a POST over HTTPS: the private page's own policy must
    let the browser send it, or the resident could never complete or withdraw."""
    https = "https://localhost"
    call = make_call()
    url = f"/utlysningar/{call.slug}"
    page = client.get(url, base_url=https)
    fields = {"csrf_token": csrf_from(page.get_data(as_text=True))}
    fields["form_key"] = FORM_KEY_RE.search(page.get_data(as_text=True)).group(1)
    sent = client.post(
        url, data={**fields, **resident_data()}, base_url=https,
        headers=browser_referer(page, https + url),
    )  # fmt: skip
    assert sent.status_code == 302
    [message] = smtp.wait_for(1)
    private = re.search(r"http://localhost(/mitt-bidrag/\S+)", smtp.body(message)).group(1)
    withdraw = private + "/aterkalla"
    page = client.get(withdraw, base_url=https)
    form = page.get_data(as_text=True).split('<form method="post">')[1]  # the page's own form
    answer = client.post(
        withdraw,
        data={
            "csrf_token": csrf_from(form),
            "intent": re.search(r'name="intent" value="([^"]+)"', form).group(1),
        },
        base_url=https,
        headers=browser_referer(page, https + withdraw),
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
    assert submissions()[0].state == State.WITHDRAWN
    assert page.headers["Referrer-Policy"] == "same-origin"  # never to another site


def test_resident_form_errors_keep_text_and_are_swedish(client):
    call = make_call()
    url = f"/utlysningar/{call.slug}"
    response = client.post(
        url, data={**open_form(client, url), **resident_data(title="", email="inte-en-adress")}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Det finns fel i formuläret" in html
    assert "Fyll i ”Projektnamn”." in html
    assert "Skriv en e-postadress i formen namn@exempel.se." in html
    assert "Barn 🏃‍♀️ vill röra sig – åäö ÅÄÖ" in html  # what was typed is still there
    assert submissions() == []


def test_resident_form_refuses_overlong_text(client):
    call = make_call()
    url = f"/utlysningar/{call.slug}"
    response = client.post(url, data={**open_form(client, url), **resident_data(title="x" * 201)})
    assert response.status_code == 422
    assert "Högst 200 tecken." in response.get_data(as_text=True)


def test_resident_double_submit_creates_one_submission(client):
    call = make_call()
    url = f"/utlysningar/{call.slug}"
    data = {**open_form(client, url), **resident_data()}
    first = client.post(url, data=data)
    second = client.post(url, data=data)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert len(submissions()) == 1


def test_resident_post_to_closed_call_is_refused_and_text_kept(client, app):
    call = make_call()
    url = f"/utlysningar/{call.slug}"
    form = open_form(client, url)
    from datetime import timedelta

    from portal.types import utcnow

    call.closes_at = utcnow() - timedelta(minutes=1)
    call.opens_at = utcnow() - timedelta(days=10)
    _db.session.commit()
    response = client.post(url, data={**form, **resident_data()})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Utlysningen har stängt och tar inte emot fler bidrag." in html
    assert "Barn 🏃‍♀️ vill röra sig – åäö ÅÄÖ" in html
    assert submissions() == []


def test_resident_honeypot_refuses_with_message(client):
    call = make_call()
    url = f"/utlysningar/{call.slug}"
    response = client.post(
        url, data={**open_form(client, url), **resident_data(website="http://spam.example")}
    )
    assert response.status_code == 422
    assert "Lämna fältet" in response.get_data(as_text=True)
    assert submissions() == []


@pytest.mark.slow
@pytest.mark.asvs("11.1.4")
def test_resident_submissions_are_rate_limited_per_email(client):
    call = make_call()
    url = f"/utlysningar/{call.slug}"
    statuses = [
        client.post(
            url, data={**open_form(client, url), **resident_data(title=f"Idé {i}")}
        ).status_code
        for i in range(6)
    ]
    assert statuses == [302] * 5 + [429]
    assert len(submissions()) == 5


def test_staff_only_call_is_refused_to_residents(client):
    call = make_call(audience="staff")
    response = client.get(f"/utlysningar/{call.slug}")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/logga-in")


def test_unpublished_call_is_not_found(client):
    call = make_call(published=False)
    assert client.get(f"/utlysningar/{call.slug}").status_code == 404


def test_call_with_full_cap_refuses_more(client):
    call = make_call(max_participants=1)
    url = f"/utlysningar/{call.slug}"
    assert client.post(url, data={**open_form(client, url), **resident_data()}).status_code == 302
    second = client.post(
        url, data={**open_form(client, url), **resident_data(email="other@example.org")}
    )
    assert second.status_code == 422
    assert "så många bidrag" in second.get_data(as_text=True)


def test_resident_can_complete_then_withdraw(client, smtp):
    call = make_call()
    url = f"/utlysningar/{call.slug}"
    client.post(url, data={**open_form(client, url), **resident_data()})
    [message] = smtp.wait_for(1)
    link = re.search(r"http://localhost(/mitt-bidrag/\S+)", smtp.body(message)).group(1)

    page = client.get(link + "/komplettera").get_data(as_text=True)
    response = client.post(
        link + "/komplettera",
        data={
            "csrf_token": csrf_from(page),
            "title": "Rörelsebingo",
            "purpose": "Ny text",
        },
    )
    assert response.status_code == 302
    [saved] = submissions()
    assert saved.purpose == "Ny text" and saved.title == "Rörelsebingo"

    page = client.get(link + "/aterkalla").get_data(as_text=True)
    assert client.post(link + "/aterkalla", data={"csrf_token": csrf_from(page)}).status_code == 302
    _db.session.refresh(saved)
    assert saved.state == State.WITHDRAWN
    assert "Återkallad" in client.get(link).get_data(as_text=True)
    actions = _db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["submitted", "completed_by_submitter", "withdrawn"]


def test_receipt_is_not_shown_to_another_visitor(client, app):
    call = make_call()
    url = f"/utlysningar/{call.slug}"
    response = client.post(url, data={**open_form(client, url), **resident_data()})
    stranger = app.test_client()
    assert stranger.get(response.headers["Location"]).status_code == 404


# --- employees -----------------------------------------------------------------------


def test_employee_submits_to_standing_intake_with_party(client, login_as, smtp):
    user = login_as(Role.EMPLOYEE, party_name="Eskilstuna kommun")
    data = {
        **open_form(client, "/lamna-in"),
        "kind": "challenge",
        "title": "Långa köer",
        "purpose": "Behov hos äldre",
        "action": "submit",
    }
    response = client.post("/lamna-in", data=data)
    assert response.status_code == 302
    [saved] = submissions()
    assert saved.submitter_id == user.id
    assert saved.party.name == "Eskilstuna kommun"
    assert saved.kind == "challenge" and saved.state == State.RECEIVED
    [message] = smtp.wait_for(1)
    assert message["To"] == user.email
    mine = client.get("/mina-inlamningar").get_data(as_text=True)
    assert saved.reg_number in mine and "Inkommen" in mine


def test_employee_draft_saved_without_required_fields_and_listed(client, login_as):
    login_as(Role.EMPLOYEE)
    data = {**open_form(client, "/lamna-in"), "title": "Halvfärdig idé", "action": "draft"}
    response = client.post("/lamna-in", data=data)
    assert response.status_code == 302
    [draft] = submissions()
    assert draft.state == State.DRAFT and draft.reg_number is None
    assert response.headers["Location"] == f"/mina-inlamningar/{draft.id}/redigera"
    edit = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Halvfärdig idé" in edit
    assert "Halvfärdig idé" in client.get("/mina-inlamningar").get_data(as_text=True)
    assert _db.session.scalar(select(func.count(OutboxMessage.id))) == 0


def test_employee_autosave_creates_then_updates_one_draft(client, login_as):
    login_as(Role.EMPLOYEE)
    form = open_form(client, "/lamna-in")
    first = client.post("/utkast", data={**form, "title": "Första"}, headers={"HX-Request": "true"})
    assert first.status_code == 200
    [draft] = submissions()
    assert first.headers["HX-Replace-Url"] == f"/mina-inlamningar/{draft.id}/redigera"
    assert f'value="{draft.id}"' in first.get_data(as_text=True)
    assert "<html" not in first.get_data(as_text=True)  # a fragment, not the page
    second = client.post(
        "/utkast",
        data={**form, "draft_id": str(draft.id), "title": "Andra"},
        headers={"HX-Request": "true"},
    )
    assert second.status_code == 200
    _db.session.refresh(draft)
    assert draft.title == "Andra"
    assert len(submissions()) == 1


def test_employee_autosave_with_hidden_ids_that_are_no_ids(client, login_as):
    """The hidden call_id and draft_id come back as sent: "²" passed str.isdigit() and
    raised in int(), and 30 digits reached the database (OverflowError): 500."""
    login_as(Role.EMPLOYEE)
    form = open_form(client, "/lamna-in")
    odd_call = client.post("/utkast", data={**form, "call_id": "²", "title": "Idé"})
    assert odd_call.status_code == 404  # names no call the employee may see
    assert submissions() == []
    assert client.post("/utkast", data={**form, "title": "Idé"}).status_code == 200
    [draft] = submissions()
    assert draft.call_id is None
    huge_draft = client.post("/utkast", data={**form, "draft_id": "9" * 30, "title": "Kapad"})
    assert huge_draft.status_code == 404  # names no draft, as someone else's id
    _db.session.refresh(draft)
    assert draft.title == "Idé"


def test_employee_submit_after_autosave_uses_the_same_draft(client, login_as):
    login_as(Role.EMPLOYEE)
    form = open_form(client, "/lamna-in")
    client.post("/utkast", data={**form, "title": "Idé"}, headers={"HX-Request": "true"})
    response = client.post(
        "/lamna-in",
        data={**form, "kind": "idea", "title": "Idé", "purpose": "Varför", "action": "submit"},
    )
    assert response.status_code == 302
    [saved] = submissions()
    assert saved.state == State.RECEIVED


def test_employee_missing_fields_on_submit_gets_422(client, login_as):
    login_as(Role.EMPLOYEE)
    data = {**open_form(client, "/lamna-in"), "title": "", "purpose": "", "action": "submit"}
    response = client.post("/lamna-in", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Välj om det är en utmaning/ett behov eller en idé." in html
    assert "Fyll i ”Projektnamn”." in html
    assert submissions() == []


def test_employee_can_delete_draft_and_withdraw_submitted(client, login_as):
    login_as(Role.EMPLOYEE)
    client.post(
        "/lamna-in", data={**open_form(client, "/lamna-in"), "title": "Utkast", "action": "draft"}
    )
    client.post(
        "/lamna-in",
        data={
            **open_form(client, "/lamna-in"),
            "kind": "idea",
            "title": "Skickad",
            "purpose": "p",
            "action": "submit",
        },
    )
    draft, sent = submissions()
    page = client.get("/mina-inlamningar").get_data(as_text=True)
    token = csrf_from(page)
    assert (
        client.post(f"/mina-inlamningar/{draft.id}/ta-bort", data={"csrf_token": token}).status_code
        == 302
    )
    assert (
        client.post(
            f"/mina-inlamningar/{sent.id}/aterkalla", data={"csrf_token": token}
        ).status_code
        == 302
    )
    [remaining] = submissions()
    assert remaining.id == sent.id and remaining.state == State.WITHDRAWN


def test_withdraw_refused_once_triaged(client, login_as):
    login_as(Role.EMPLOYEE)
    client.post(
        "/lamna-in",
        data={
            **open_form(client, "/lamna-in"),
            "kind": "idea",
            "title": "Skickad",
            "purpose": "p",
            "action": "submit",
        },
    )
    [sent] = submissions()
    sent.state = State.IN_PORTFOLIO
    _db.session.commit()
    token = csrf_from(client.get("/mina-inlamningar").get_data(as_text=True))
    response = client.post(f"/mina-inlamningar/{sent.id}/aterkalla", data={"csrf_token": token})
    assert response.status_code == 302
    _db.session.refresh(sent)
    assert sent.state == State.IN_PORTFOLIO


@pytest.mark.asvs("4.2.1")
def test_employee_cannot_see_or_touch_another_employees_submission(client, login_as, app):
    other = make_user(roles={Role.EMPLOYEE})
    from tests.conftest import login

    owner_client = app.test_client()
    login(owner_client, other)
    owner_client.post(
        "/lamna-in",
        data={**open_form(owner_client, "/lamna-in"), "title": "Hemlig", "action": "draft"},
    )
    [draft] = submissions()
    login_as(Role.EMPLOYEE)
    assert client.get(f"/mina-inlamningar/{draft.id}").status_code == 404
    assert client.get(f"/mina-inlamningar/{draft.id}/redigera").status_code == 404
    token = csrf_from(client.get("/mina-inlamningar").get_data(as_text=True))
    assert (
        client.post(f"/mina-inlamningar/{draft.id}/ta-bort", data={"csrf_token": token}).status_code
        == 404
    )
    form = open_form(client, "/lamna-in")
    stolen = client.post("/utkast", data={**form, "draft_id": str(draft.id), "title": "Kapad"})
    assert stolen.status_code == 404
    _db.session.refresh(draft)
    assert draft.title == "Hemlig"


def test_employee_answers_staff_call(client, login_as):
    call = make_call(
        audience="staff",
        title="Välbefinnande bland äldre",
        question="Hur ökar vi välbefinnandet bland äldre?",
        focus_area_name="Välmående och självständiga äldre",
    )
    login_as(Role.EMPLOYEE)
    url = f"/utlysningar/{call.slug}"
    page = client.get(url)
    assert page.status_code == 200
    assert "Hur ökar vi välbefinnandet bland äldre?" in page.get_data(as_text=True)
    response = client.post(
        url,
        data={
            **open_form(client, url),
            "kind": "idea",
            "title": "Promenadvänner",
            "purpose": "Ensamhet",
            "action": "submit",
        },
    )
    assert response.status_code == 302
    [saved] = submissions()
    assert saved.call_id == call.id


def test_employee_closed_call_keeps_text_as_draft(client, login_as):
    from datetime import timedelta

    from portal.types import utcnow

    call = make_call(audience="staff")
    login_as(Role.EMPLOYEE)
    url = f"/utlysningar/{call.slug}"
    form = open_form(client, url)
    call.closes_at = utcnow() - timedelta(seconds=1)
    _db.session.commit()
    response = client.post(
        url,
        data={**form, "kind": "idea", "title": "Sen idé", "purpose": "Text", "action": "submit"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Utlysningen har stängt" in html and "sparad som utkast" in html
    [draft] = submissions()
    assert draft.state == State.DRAFT and draft.title == "Sen idé"


def test_submission_survives_smtp_down_and_mail_goes_later(client, app, smtp):
    smtp.stop()
    call = make_call()
    url = f"/utlysningar/{call.slug}"
    response = client.post(url, data={**open_form(client, url), **resident_data()})
    assert response.status_code == 302
    assert client.get(response.headers["Location"]).status_code == 200
    [message] = _db.session.scalars(select(OutboxMessage)).all()
    assert message.status == "pending" and message.attempts == 1

    smtp.start()
    from datetime import timedelta

    message.next_attempt_at = message.next_attempt_at - timedelta(hours=1)
    _db.session.commit()
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert "Skickade: 1" in result.output
    [delivered] = smtp.wait_for(1)
    assert delivered["To"] == "kim@example.org"
