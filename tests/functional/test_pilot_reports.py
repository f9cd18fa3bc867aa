"""Pilot reports: written on the initiative (form rendered, parsed and posted as a browser
does), version-locked, with files, printable, public parts in the hub, and required before a
pilot outcome is recorded."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from portal.accounts.models import Role
from portal.audit import AuditEntry
from portal.evaluation.models import Decision, Insight, Phase, PilotReport, PilotReportFile
from portal.extensions import db as _db
from portal.hub.views import initiative_url
from tests.browser import Browser, Upload
from tests.factories import make_user
from tests.hub_factories import make_hub_initiative, make_origin
from tests.process_factories import make_initiative, make_meeting, put_on_agenda

TEXTS = {
    "tested_what": "Promenadgrupper under fyra veckor.",
    "tested_with": "Tolv äldre i Råby.",
    "measurement": "Enkät före och efter.",
    "results": "Nio av tolv kände sig mindre ensamma.",
    "outcome_reason": "Behovet möttes.",
    "lessons": "Gå på förmiddagen, inte på kvällen.",
}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _browser(app, role=Role.PROCESS_SUPPORT, user=None):
    browser = Browser(app)
    user = user or make_user(roles={role})
    browser.login(user)
    return browser, user


def _fill(form, **extra):
    for key, value in (TEXTS | extra).items():
        form[key] = value
    form["outcome"] = extra.get("outcome", "pilot_success")
    return form


def _write(browser, initiative, files=None, **extra):
    page = browser.get(f"/initiativ/{initiative.id}/pilotrapport")
    assert page.status_int == 200
    form = _fill(browser.form(page, contains="tested_what"), **extra)
    return browser.submit(form, files=files)


def test_owner_writes_the_report_with_a_file_and_the_canvas_follow_up_is_shown(
    app, db, upload_folder
):
    owner = make_user(roles={Role.EMPLOYEE}, name="Olle Ägare")
    origin = make_origin(resident=False, submitter=owner, follow_up="Vi mäter ensamhet med enkät.")
    initiative = make_hub_initiative(origin=origin, phase=Phase.PILOT, publish=False)
    browser, _ = _browser(app, user=owner)
    page = browser.get(f"/initiativ/{initiative.id}/pilotrapport")
    assert "Vi mäter ensamhet med enkät." in page.text  # the canvas's Uppföljning as context
    form = _fill(browser.form(page, contains="tested_what"))
    form["lessons_public"] = True
    response = browser.submit(form, files={"files": [Upload("resultat.pdf", PDF)]})
    assert response.status_int == 303, response.text[:3000]
    report = _db.session.scalar(select(PilotReport))
    assert (report.initiative_id, report.pilot_round, report.outcome) == (
        initiative.id,
        0,
        "pilot_success",
    )
    assert report.public_parts == ["lessons"] and report.written_by_id == owner.id
    (stored,) = _db.session.scalars(select(PilotReportFile)).all()
    assert stored.original_name == "resultat.pdf"
    assert _db.session.scalar(select(AuditEntry).where(AuditEntry.action == "pilot_report_written"))
    shown = browser.get(f"/pilotrapporter/{report.id}")
    assert TEXTS["results"] in shown.text and "resultat.pdf" in shown.text
    download = browser.get(f"/pilotrapporter/{report.id}/filer/{stored.id}")
    assert download.status_int == 200 and download.body == PDF


def test_someone_else_may_not_write_it(app, db):
    initiative = make_initiative(phase=Phase.PILOT)
    browser, _ = _browser(app, role=Role.EMPLOYEE)
    assert browser.get(f"/initiativ/{initiative.id}/pilotrapport").status_int == 403


def test_upload_errors_are_said_in_swedish_and_nothing_typed_is_lost(app, db, upload_folder):
    initiative = make_initiative(phase=Phase.PILOT)
    browser, _ = _browser(app)
    response = _write(browser, initiative, files={"files": [Upload("skript.pdf", b"<html>x")]})
    assert response.status_int == 422
    assert "Filtypen stöds inte." in response.text
    assert TEXTS["lessons"] in response.text and TEXTS["results"] in response.text
    big = PDF + b"0" * (10 * 1024 * 1024)
    response = _write(browser, initiative, files={"files": [Upload("stor.pdf", big)]})
    assert response.status_int == 422 and "större än 10 MB" in response.text
    assert _db.session.scalar(select(PilotReport.id)) is None


def test_double_submit_makes_one_report(app, db):
    initiative = make_initiative(phase=Phase.PILOT)
    browser, _ = _browser(app)
    page = browser.get(f"/initiativ/{initiative.id}/pilotrapport")
    form = _fill(browser.form(page, contains="tested_what"))
    assert browser.submit(form).status_int == 303
    again = browser.submit(form)  # the same rendering sent twice: its one-time key
    assert again.status_int in (302, 303)
    # a fresh page sent with the same texts: recognised by its content
    assert _write(browser, initiative).status_int == 303
    assert len(_db.session.scalars(select(PilotReport)).all()) == 1


def test_a_stale_edit_is_refused_and_keeps_what_was_typed(app, db):
    initiative = make_initiative(phase=Phase.PILOT)
    browser, _ = _browser(app)
    _write(browser, initiative)
    report = _db.session.scalar(select(PilotReport))
    first = browser.form(browser.get(f"/pilotrapporter/{report.id}"), contains="tested_what")
    second = browser.form(browser.get(f"/pilotrapporter/{report.id}"), contains="tested_what")
    first["results"] = "Elva av tolv."
    assert browser.submit(first).status_int == 303
    second["results"] = "Tio av tolv."
    response = browser.submit(second)
    assert response.status_int == 409
    assert "Någon annan har ändrat pilotrapporten" in response.text
    assert "Tio av tolv." in response.text  # what the person typed is still there
    _db.session.expire_all()
    assert _db.session.get(PilotReport, report.id).results == "Elva av tolv."
    changed = _db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "pilot_report_changed")
    )
    assert changed.changes["results"] == [TEXTS["results"], "Elva av tolv."]


def test_a_pilot_outcome_without_report_is_refused_with_a_link_and_nothing_lost(app, db):
    initiative = make_initiative(phase=Phase.PILOT)
    browser, _ = _browser(app, role=Role.PROCESS_SUPPORT)
    page = browser.get(f"/initiativ/{initiative.id}")
    assert "Pilotrapporten för den pågående piloten är inte skriven." in page.text
    form = browser.form(page, action=f"/initiativ/{initiative.id}/beslut")
    form["outcome"] = "pilot_success"
    form["rationale"] = "Piloten mötte behovet."
    response = browser.submit(form)
    assert response.status_int == 422
    assert "Pilotrapporten saknas." in response.text
    assert f'href="/initiativ/{initiative.id}/pilotrapport"' in response.text
    assert "Piloten mötte behovet." in response.text
    assert _db.session.scalar(select(Decision.id)) is None
    _write(browser, initiative)
    form = browser.form(response, action=f"/initiativ/{initiative.id}/beslut")
    assert browser.submit(form).status_int == 302
    _db.session.expire_all()
    assert _db.session.get(type(initiative), initiative.id).phase == Phase.IMPLEMENTATION


def test_print_page_shows_every_part(app, db, upload_folder):
    origin = make_origin(follow_up="Enkät varje vecka.")
    initiative = make_hub_initiative(origin=origin, phase=Phase.PILOT, publish=False)
    browser, _ = _browser(app)
    _write(browser, initiative, files={"files": [Upload("bild.pdf", PDF)]})
    report = _db.session.scalar(select(PilotReport))
    page = browser.get(f"/pilotrapporter/{report.id}/utskrift")
    assert page.status_int == 200
    for text in [*TEXTS.values(), "Total framgång", "Enkät varje vecka.", "bild.pdf"]:
        assert text in page.text, text
    assert re.search(r"css/print(\.[0-9a-f]+)?\.css", page.text)  # hashed once built
    assert "<form" not in page.text.split("<main", 1)[1].split("</main>", 1)[0]


def test_hub_shows_only_public_parts_and_only_once_published(app, db):
    initiative = make_hub_initiative(phase=Phase.PILOT, publish=False)
    browser, _ = _browser(app)
    _write(browser, initiative, lessons_public=True, results_public=True)
    visitor = Browser(app)
    with app.test_request_context():
        url = initiative_url(initiative)
    assert visitor.get(url).status_int == 404  # not published
    from portal.hub import services as hub

    hub.update_publication(
        initiative, published=True, public_fields=["summary"], expected_version=None, actor=None
    )
    _db.session.commit()
    page = visitor.get(url)
    assert page.status_int == 200
    assert TEXTS["lessons"] in page.text and TEXTS["results"] in page.text
    for private in ("tested_what", "tested_with", "measurement", "outcome_reason"):
        assert TEXTS[private] not in page.text, private


def test_lessons_become_an_insight_once(app, db):
    initiative = make_initiative(phase=Phase.PILOT)
    browser, _ = _browser(app)
    _write(browser, initiative)
    report = _db.session.scalar(select(PilotReport))
    page = browser.get(f"/pilotrapporter/{report.id}")
    form = browser.form(page, action=f"/pilotrapporter/{report.id}/insikt")
    assert browser.submit(form).status_int == 303
    again = browser.form(page, action=f"/pilotrapporter/{report.id}/insikt")
    browser.submit(again)  # the same button once more
    shown = browser.get(f"/pilotrapporter/{report.id}")
    assert "Lärdomarna är sparade som en insikt" in shown.text  # a link now, not the button
    insights = _db.session.scalars(select(Insight)).all()
    assert [(i.initiative_id, i.text) for i in insights] == [(initiative.id, TEXTS["lessons"])]


def test_at_a_meeting_a_pilot_outcome_without_report_is_refused_with_a_link(app, db):
    initiative = make_initiative(phase=Phase.PILOT)
    meeting = make_meeting(held_on=date(2026, 3, 12))
    (item,) = put_on_agenda(meeting, initiative)
    browser, _ = _browser(app, role=Role.CORE_TEAM)
    page = browser.get(f"/primoten/{meeting.id}")
    form = browser.form(page, action=f"/primoten/{meeting.id}/dagordning/{item.id}/beslut")
    form[f"punkt{item.id}-outcome"] = "pilot_partial"
    form[f"punkt{item.id}-rationale"] = "Ändra och testa igen."
    response = browser.submit(form)
    assert response.status_int == 422
    assert "Pilotrapporten saknas." in response.text
    assert f'href="/initiativ/{initiative.id}/pilotrapport"' in response.text
    assert "Ändra och testa igen." in response.text
    assert _db.session.scalar(select(Decision.id)) is None


def test_the_owner_finds_the_report_to_write_on_the_start_page(app, db):
    owner = make_user(roles={Role.EMPLOYEE})
    origin = make_origin(resident=False, submitter=owner)
    initiative = make_hub_initiative("Gåvänner", origin=origin, phase=Phase.PILOT, publish=False)
    browser, _ = _browser(app, user=owner)
    home = browser.get("/")
    assert "1 pilotrapport att skriva" in home.text
    assert f'href="/initiativ/{initiative.id}/pilotrapport"' in home.text
    page = browser.get(f"/initiativ/{initiative.id}/pilotrapport")
    assert page.status_int == 200
    assert browser.submit(_fill(browser.form(page, contains="tested_what"))).status_int == 303
    assert "pilotrapport att skriva" not in browser.get("/").text


def test_a_file_is_removed_from_the_report(app, db, upload_folder):
    initiative = make_initiative(phase=Phase.PILOT)
    browser, _ = _browser(app)
    _write(browser, initiative, files={"files": [Upload("a.pdf", PDF), Upload("b.pdf", PDF)]})
    report = _db.session.scalar(select(PilotReport))
    first, second = _db.session.scalars(select(PilotReportFile).order_by(PilotReportFile.id))
    first_id, first_name, second_name = first.id, first.stored_name, second.stored_name
    page = browser.get(f"/pilotrapporter/{report.id}")
    form = browser.form(page, contains="remove_files")
    for box in form.fields["remove_files"]:
        box.checked = box._value == str(first_id)
    assert browser.submit(form).status_int == 303
    _db.session.expire_all()
    names = [f.original_name for f in _db.session.scalars(select(PilotReportFile))]
    assert names == ["b.pdf"]
    assert not (upload_folder / first_name).exists()
    assert (upload_folder / second_name).exists()
