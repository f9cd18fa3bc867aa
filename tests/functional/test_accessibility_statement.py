"""The accessibility statement: Digg's parts on the public page, linked from every page, edited
by an admin with optimistic locking and an audit entry, fed by the automated checks."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from portal.accessibility import services
from portal.accessibility.models import AccessibilityStatement
from portal.accounts.models import Role
from portal.audit import AuditEntry
from tests.conftest import csrf_from, post_form

FOOTER_LINK = '<a href="/tillganglighet">Tillgänglighetsredogörelse</a>'


def form_values(client) -> dict[str, str]:
    html = client.get("/admin/tillganglighet").get_data(as_text=True)
    statement = services.current_statement()
    values = {name: getattr(statement, name) for name in services.EDITABLE}
    values = {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in values.items()}
    return {**values, "version": str(statement.version), "csrf_token": csrf_from(html)}


def test_public_statement_has_what_digg_requires(client):
    html = client.get("/tillganglighet").get_data(as_text=True)
    assert "Mälardalens universitet står bakom Samhällskontraktets idéportal." in html  # the body
    assert "Samhällskontraktets idéportal är delvis förenlig" in html  # compliance
    assert "Bilagor som de som lämnar bidrag laddar upp" in html  # known shortcomings
    assert 'href="mailto:samhallskontraktet@mdu.se"' in html  # feedback route
    assert 'href="https://www.digg.se/tdosanmalan"' in html  # Digg's complaint form
    assert "Vi har gjort en självskattning." in html  # how it was assessed
    assert "upprättades den 23 november 2026" in html
    assert "granskades senast den 24 november 2026" in html


@pytest.mark.parametrize(
    "path", ["/", "/logga-in", "/utlysningar", "/finns-inte", "/glomt-losenord"]
)
def test_every_page_links_the_statement_from_its_footer(client, path):
    response = client.get(path)
    assert FOOTER_LINK in response.get_data(as_text=True), (path, response.status_code)


def test_logged_in_pages_link_it_too(client, login_as):
    login_as(Role.PROCESS_SUPPORT)
    assert FOOTER_LINK in client.get("/inkorg").get_data(as_text=True)


def test_only_an_admin_edits_it(client, login_as):
    assert client.get("/admin/tillganglighet").status_code == 302  # to the login page
    login_as(Role.PROCESS_SUPPORT)
    assert client.get("/admin/tillganglighet").status_code == 403
    assert client.post("/admin/tillganglighet", data={}).status_code in (400, 403)


def test_admin_saves_the_statement_and_the_change_is_audited(client, login_as, db):
    admin = login_as(Role.ADMIN)
    data = form_values(client)
    data.update(
        compliance="full",
        shortcomings_sv="",
        shortcomings_en="",
        feedback_sv="Ring oss på 021-10 13 00.\r\n\r\nEller skriv ett brev.",
        assessed_on="2027-01-15",
    )
    response = client.post("/admin/tillganglighet", data=data)
    assert response.status_code == 302
    saved = db.session.get(AccessibilityStatement, services.STATEMENT_ID)
    assert saved.compliance == "full" and saved.version == 1
    assert saved.feedback_sv == "Ring oss på 021-10 13 00.\n\nEller skriv ett brev."
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "accessibility_statement_updated")
    ).one()
    assert entry.actor_id == admin.id
    assert entry.changes["compliance"] == ["partial", "full"]

    html = client.get("/tillganglighet").get_data(as_text=True)
    assert "Samhällskontraktets idéportal är helt förenlig" in html
    assert "Vi känner inte till några brister just nu." in html
    assert "<p>Ring oss på 021-10 13 00.</p><p>Eller skriv ett brev.</p>" in html
    assert "granskades senast den 15 januari 2027" in html
    assert "Redogörelsen uppdaterades senast den" in html


def test_english_readers_get_the_english_texts(client):
    post_form(client, "/sprak", {"lang": "en"}, page="/")
    html = client.get("/tillganglighet").get_data(as_text=True)
    assert "Attachments uploaded by submitters" in html
    assert "Bilagor som de som lämnar bidrag" not in html


def test_a_stale_save_is_refused_and_keeps_what_was_typed(client, login_as, db):
    login_as(Role.ADMIN)
    first = form_values(client)
    second = dict(first)
    first["service_name"] = "Idéportalen"
    assert client.post("/admin/tillganglighet", data=first).status_code == 302
    second["service_name"] = "Min egen ändring"
    response = client.post("/admin/tillganglighet", data=second)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Någon annan sparade redogörelsen medan du skrev." in html
    assert 'value="Min egen ändring"' in html
    assert db.session.get(AccessibilityStatement, 1).service_name == "Idéportalen"


@pytest.mark.parametrize("version", ["²", "9" * 5000, "-1", "abc"])
def test_a_version_that_is_no_number_is_a_stale_save_not_an_error(client, login_as, db, version):
    """The hidden version is sent back as it was received; "²" passed str.isdigit() and
    raised in int(): 500."""
    login_as(Role.ADMIN)
    data = {**form_values(client), "version": version, "service_name": "Idéportalen"}
    response = client.post("/admin/tillganglighet", data=data)
    assert response.status_code == 409
    assert "Någon annan sparade redogörelsen medan du skrev." in response.get_data(as_text=True)
    assert db.session.get(AccessibilityStatement, 1) is None


def test_bad_input_is_refused_on_the_form_in_swedish(client, login_as, db):
    login_as(Role.ADMIN)
    data = form_values(client)
    data.update(organisation="", compliance="helt-och-hållet", assessed_on="24/11/2026")
    data["method_sv"] = "x" * 10_001
    response = client.post("/admin/tillganglighet", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Fyll i organisationen." in html
    assert "Välj bland alternativen." in html
    assert "Skriv datumet som ÅÅÅÅ-MM-DD." in html
    assert "Fältet får inte vara längre än 10000 tecken." in html
    assert db.session.get(AccessibilityStatement, 1) is None


def test_a_recorded_check_shows_under_how_it_was_tested(client, app, db, tmp_path):
    report = {
        "checked_at": "2026-11-24T02:00:00+00:00",
        "tool": "axe-core 4.14.1",
        "standard": "WCAG 2.1 A/AA",
        "pages": 187,
        "roles": ["anonymous", "admin", "board"],
        "violations": 0,
    }
    path = tmp_path / "report.json"
    path.write_text(json.dumps(report), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["accessibility", "record-check", str(path)])
    assert result.exit_code == 0, result.output
    assert "187 sidor, 0 brister" in result.output
    html = client.get("/tillganglighet").get_data(as_text=True)
    assert "Senaste automatiska granskning: 24 november 2026, 187 sidor i rollerna" in html
    assert "besökare som inte loggat in, Administratör, Styrelsen" in html
    assert "Den hittade inga brister." in html


def test_a_broken_report_is_refused_with_a_message(app, db, tmp_path):
    path = tmp_path / "report.json"
    path.write_text(json.dumps({"pages": "många"}), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["accessibility", "record-check", str(path)])
    assert result.exit_code != 0
    assert "Rapporten kunde inte läsas" in result.output
    assert services.latest_check() is None


def test_admin_page_without_a_check_says_what_happens_without_commands(client, login_as):
    login_as(Role.ADMIN)
    html = client.get("/admin/tillganglighet").get_data(as_text=True)
    assert "Ingen automatisk granskning är registrerad ännu." in html
    assert "Inför varje ny version granskar webbläsartesterna varje sida" in html
    for word in ("flask", "record-check", "kommandot"):
        assert word not in html, word
