"""Personal data never appears in logs or in addresses: every log record (DEBUG and up) and
every requested URL and redirect are captured while a resident submits with name, e-mail and
phone, process support triages, the resident completes, downloads their data and has it
erased, and an employee downloads theirs. None of the personal values may appear."""

from __future__ import annotations

import logging
import re

import pytest
from flask import request_started
from sqlalchemy import select

from portal.accounts.models import Role
from portal.extensions import db as _db
from portal.submissions.models import Submission
from tests.conftest import csrf_from, login, post_form
from tests.factories import make_call, make_user
from tests.functional.test_submissions import open_form

PERSONAL = {
    "name": "Ylva Personsson",
    "email": "ylva.personsson@example.net",
    "phone": "070-9876543",
}
EMPLOYEE = {"name": "Tore Tjänsteman", "email": "tore.tjansteman@example.org"}


@pytest.mark.asvs("7.1.2")
@pytest.mark.asvs("8.3.1")
def test_journeys_leave_no_personal_data_in_logs_or_urls(app, client, db, caplog, capsys):
    urls: list[str] = []

    def remember(sender, **extra):
        from flask import request

        urls.append(request.full_path)

    caplog.set_level(logging.DEBUG)
    for name in ("portal", "werkzeug", "flask", "gunicorn.access", "gunicorn.error"):
        caplog.set_level(logging.DEBUG, logger=name)
    request_started.connect(remember, app)
    try:
        _journeys(app, client, urls, capsys)
    finally:
        request_started.disconnect(remember, app)

    assert len(urls) > 15
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.args!r}" for r in caplog.records)
    for value in [*PERSONAL.values(), *EMPLOYEE.values()]:
        for variant in {value, value.lower(), value.replace(" ", "+"), value.replace("@", "%40")}:
            assert variant not in logged, f"{variant} in the log"
            for url in urls:
                assert variant not in url, f"{variant} in {url}"


def _journeys(app, client, urls: list[str], capsys) -> None:
    # A resident submits with name, e-mail and phone.
    call = make_call()
    url = f"/utlysningar/{call.slug}"
    response = client.post(
        url,
        data={
            **open_form(client, url),
            "kind": "idea",
            "title": "Rörelsebingo",
            "purpose": "Varje rast.",
            **PERSONAL,
            "consent_news": "y",
        },
    )
    assert response.status_code == 302
    urls.append(response.headers["Location"])
    client.get(response.headers["Location"])
    # No SMTP server: the message is printed (the test's own SMTP sink would log it); the
    # outbox's copy of a sent message no longer holds the private link.
    receipt = capsys.readouterr().out
    link = re.search(r"http://localhost(/mitt-bidrag/\S+)", receipt).group(1)
    submission = _db.session.scalar(select(Submission))

    # Process support asks for more; the resident completes; process support declines.
    staff = app.test_client()
    login(staff, make_user(roles={Role.PROCESS_SUPPORT}))
    page = staff.get(f"/inkorg/{submission.id}").get_data(as_text=True)
    response = staff.post(
        f"/inkorg/{submission.id}/komplettering",
        data={
            "info-csrf_token": csrf_from(page),
            "info-version": str(submission.version),
            "info-question": "Vilka skolor?",
        },
    )
    assert response.status_code == 302
    page = client.get(link + "/komplettera").get_data(as_text=True)
    response = client.post(
        link + "/komplettera",
        data={"csrf_token": csrf_from(page), "title": "Rörelsebingo",
              "purpose": "Varje rast, i alla skolor."},
    )  # fmt: skip
    assert response.status_code == 302
    _db.session.expire_all()
    page = staff.get(f"/inkorg/{submission.id}").get_data(as_text=True)
    assert PERSONAL["email"] in page  # process support sees it on the page, not in the log
    response = staff.post(
        f"/inkorg/{submission.id}/avsla",
        data={
            "decline-csrf_token": csrf_from(page),
            "decline-version": str(_db.session.get(Submission, submission.id).version),
            "decline-reason": "Utanför fokusområdena.",
        },
    )
    assert response.status_code == 302
    staff.get("/diarium")
    staff.get("/diarium/export.csv")

    # The resident downloads everything, withdraws an opt-in, then has it erased.
    response = post_form(client, link + "/mina-uppgifter", {}, page=link)
    access = response.headers["Location"]
    urls.append(access)
    assert PERSONAL["phone"] in client.get(access).get_data(as_text=True)
    assert client.get(access + "/mina-uppgifter.json").status_code == 200
    post_form(client, link + "/samtycken", {"consent": "consent_news"}, page=link)
    response = post_form(client, link + "/radera", {"confirm": "y"})
    assert response.status_code == 302
    client.get(link)

    # An employee downloads their own.
    employee = make_user(**EMPLOYEE)
    login(client, employee)
    response = post_form(client, "/konto/personuppgifter/lank", {}, page="/konto/personuppgifter")
    urls.append(response.headers["Location"])
    assert EMPLOYEE["email"] in client.get(response.headers["Location"]).get_data(as_text=True)
