"""The register (diarium): the listing with its filters, the exports read back, no names."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from portal.accounts.models import Role
from portal.extensions import db as _db
from portal.submissions import services
from tests.factories import make_call, make_user
from tests.functional.test_board import read_csv, read_xlsx
from tests.privacy_factories import RESIDENT, decline, employee_submission, resident_submission

HEADER = ["Reg.nr", "Datum", "Utlysning", "Avsändare", "Rubrik", "Status"]


@pytest.fixture
def register(db):
    """Three registered submissions over two years, and a draft (never in the register)."""
    call = make_call(title="Barn i rörelse", opens_in_days=-800)
    author = make_user(name="Erik Västerås", party_name="Västerås stad")
    old, _t = resident_submission(
        call,
        title='=HYPERLINK("http://example.org","klicka")',
        now=datetime(2025, 12, 31, 22, 30, tzinfo=UTC),
    )
    resident, _t = resident_submission(
        call, title="Rörelsebingo", now=datetime(2026, 3, 2, 9, tzinfo=UTC)
    )
    decline(resident)
    staff = employee_submission(author, title="Trygga hem")
    services.save_draft(None, {"title": "Utkast"}, actor=author)
    db.session.commit()
    return {"call": call, "old": old, "resident": resident, "staff": staff}


def test_register_lists_each_record_as_received_without_names(client, login_as, register):
    login_as(Role.PROCESS_SUPPORT)
    register["resident"].title = "Ändrad rubrik"  # the working copy; the register keeps the record
    _db.session.commit()
    response = client.get("/diarium")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "3 registrerade handlingar" in html
    for s in register.values():
        if hasattr(s, "reg_number"):
            assert s.reg_number in html
    assert "Rörelsebingo" in html and "Ändrad rubrik" not in html
    assert "Invånare" in html and "Västerås stad" in html and "Avslagen" in html
    assert RESIDENT["name"] not in html and RESIDENT["email"] not in html
    assert "Erik Västerås" not in html and "Utkast" not in html


def test_register_filters_by_year_call_and_state_from_the_address(client, login_as, register):
    login_as(Role.ADMIN)
    year = register["staff"].reg_year
    by_year = client.get(f"/diarium?year={year}").get_data(as_text=True)
    assert register["staff"].reg_number in by_year and register["old"].reg_number not in by_year
    by_call = client.get(f"/diarium?call={register['call'].id}").get_data(as_text=True)
    assert register["staff"].reg_number not in by_call and register["old"].reg_number in by_call
    by_state = client.get("/diarium?state=declined").get_data(as_text=True)
    assert "1 registrerad handling" in by_state and register["resident"].reg_number in by_state
    odd = client.get("/diarium?year=abc&call=999999&state=draft")
    assert odd.status_code == 200 and "3 registrerade handlingar" in odd.get_data(as_text=True)


def test_register_fragment_for_htmx(client, login_as, register):
    login_as(Role.PROCESS_SUPPORT)
    response = client.get("/diarium?state=declined", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="register-results"') and "<html" not in html


def test_register_exports_read_back_as_csv_and_xlsx(client, login_as, register):
    login_as(Role.PROCESS_SUPPORT)
    response = client.get("/diarium/export.csv")
    assert response.headers["Content-Disposition"] == 'attachment; filename="diarium.csv"'
    assert response.headers["Cache-Control"] == "no-store"
    rows = read_csv(response)
    assert rows[0] == HEADER
    old, resident, staff = register["old"], register["resident"], register["staff"]
    by_number = {r[0]: r for r in rows[1:]}
    assert len(rows) == 4
    # 23:30 on New Year's Eve in Stockholm: still 2025, its number and its day.
    assert by_number[old.reg_number] == [
        old.reg_number, "2025-12-31", "Barn i rörelse", "Invånare",
        "'=HYPERLINK(\"http://example.org\",\"klicka\")", "Inkommen",
    ]  # fmt: skip
    assert by_number[resident.reg_number][1:] == [
        "2026-03-02", "Barn i rörelse", "Invånare", "Rörelsebingo", "Avslagen"
    ]  # fmt: skip
    assert by_number[staff.reg_number][2:] == [
        "Löpande inlämning", "Västerås stad", "Trygga hem", "Inkommen"
    ]  # fmt: skip
    text = response.get_data(as_text=True)
    assert RESIDENT["name"] not in text and RESIDENT["email"] not in text

    xlsx = client.get(f"/diarium/export.xlsx?state=declined&year={resident.reg_year}")
    assert (
        f"filename=diarium-{resident.reg_year}-declined.xlsx" in xlsx.headers["Content-Disposition"]
    )
    assert read_xlsx(xlsx) == [HEADER, by_number[resident.reg_number]]


def test_register_xlsx_keeps_formulas_as_text(client, login_as, register):
    login_as(Role.ADMIN)
    workbook = load_workbook(io.BytesIO(client.get("/diarium/export.xlsx").get_data()))
    cells = [row[4] for row in workbook.active.iter_rows(min_row=2)]
    formula = next(c for c in cells if "HYPERLINK" in str(c.value))
    assert formula.data_type == "s"


@pytest.mark.parametrize("role", [Role.EMPLOYEE, Role.BOARD, Role.EXPERT, Role.CORE_TEAM])
def test_register_is_for_process_support_and_admin_only(client, login_as, register, role):
    login_as(role)
    assert client.get("/diarium").status_code == 403
    assert client.get("/diarium/export.csv").status_code == 403


def test_unknown_export_format_is_not_found(client, login_as, register):
    login_as(Role.PROCESS_SUPPORT)
    assert client.get("/diarium/export.pdf").status_code == 404


@pytest.mark.parametrize(
    "query",
    ["page=²", f"page={10**30}", "page=-1", "year=²", "call=²", "year=-1", "call=" + "9" * 5000],
)
def test_register_odd_numbers_in_the_address_show_everything(client, login_as, register, query):
    """Odd numbers are ignored: "²" passed str.isdigit() and failed in int() (500)."""
    login_as(Role.PROCESS_SUPPORT)
    response = client.get(f"/diarium?{query}")
    assert response.status_code == 200
    assert register["resident"].reg_number in response.get_data(as_text=True)
    assert client.get(f"/diarium/export.csv?{query}").status_code == 200


def test_register_pages_keep_the_filters(client, login_as, register, monkeypatch):
    from portal.privacy import register as listing

    monkeypatch.setattr(listing, "PER_PAGE", 1)
    login_as(Role.PROCESS_SUPPORT)
    call = register["call"].id
    html = client.get(f"/diarium?call={call}&page=2").get_data(as_text=True)
    assert "Sida 2 av 2" in html
    assert f'href="/diarium?call={call}" hx-get="/diarium?call={call}" rel="prev"' in html
    assert 'rel="next"' not in html
    assert register["old"].reg_number in html and register["resident"].reg_number not in html
    last = client.get(f"/diarium?call={call}&page=999").get_data(as_text=True)
    assert "Sida 2 av 2" in last
