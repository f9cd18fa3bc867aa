"""The board's dashboard through the test client: who may see it, the figures on the page,
filters and the htmx fragment, the exports read back, and a flat statement count."""

from __future__ import annotations

import csv
import io
import itertools
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import insert, select

from portal.accounts.models import Role
from portal.board import version
from portal.extensions import db as _db
from portal.reference.models import FocusArea
from portal.submissions.models import Submission
from tests.board_factories import initiative_from, make_submission, party_named
from tests.functional.test_inbox import count_statements

SCHOOL = "Alla barn och unga uppnår sin fulla potential"
H1 = "from=2026-01-01&to=2026-06-30"
ROW_RE = re.compile(r'<th scope="row"[^>]*data-label="([^"]+)"[^>]*>.*?</th>(.*?)</tr>', re.S)
VALUE_RE = re.compile(r'data-value="(\d+)"')
SERIES_RE = re.compile(r'data-series data-label="([^"]+)"')


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def table(html: str, table_id: str = "inflow-table") -> tuple[list[str], dict[str, list[int]]]:
    """(series labels, {row label: [values]}) of one of the page's chart tables."""
    start = html.index(f'id="{table_id}"')
    body = html[start : html.index("</table>", start)]
    rows = {
        label: [int(v) for v in VALUE_RE.findall(cells)] for label, cells in ROW_RE.findall(body)
    }
    return SERIES_RE.findall(body), rows


@pytest.fixture
def inflow(db):
    """The first half of 2026, hand-counted in the tests below."""
    make_submission(at(2026, 1, 10, 9), party="Västerås stad", area="Skolresultat")
    make_submission(at(2026, 2, 10, 9), party="Västerås stad", area=SCHOOL, kind="challenge")
    make_submission(at(2026, 3, 31, 21, 30), party="Eskilstuna kommun")  # 23:30 Stockholm: Q1
    make_submission(at(2026, 3, 31, 22, 30), resident_name="Rut Resident")  # 00:30: April
    make_submission(
        at(2026, 5, 5, 9),
        title='=HYPERLINK("http://example.org","klicka")',
        resident_name="Rut Resident",
        state="declined",
    )
    make_submission(None, party="Eskilstuna kommun", state="draft")
    initiative_from(
        make_submission(at(2026, 4, 2, 9), party="Region Sörmland", area=SCHOOL),
        ("go_on", "concept", date(2026, 5, 1)),
    )


@pytest.fixture
def board(login_as):
    return login_as(Role.BOARD)


# --- who may see it ------------------------------------------------------------------------

URLS = [
    "/styrelsen",
    "/styrelsen/rapport",
    "/styrelsen/export/inflode.csv",
    "/styrelsen/export/inlamningar.xlsx",
]


@pytest.mark.asvs("4.1.1")
@pytest.mark.parametrize("role", [Role.BOARD, Role.CORE_TEAM, Role.PROCESS_SUPPORT, Role.ADMIN])
def test_board_figures_open_to_board_core_team_process_support_admin(client, login_as, role):
    login_as(role)
    for url in URLS:
        assert client.get(url).status_code == 200, url


@pytest.mark.asvs("4.1.1")
@pytest.mark.parametrize("role", [Role.EMPLOYEE, Role.EXPERT, Role.PROJECT_LEADER])
def test_board_figures_refused_to_employee_and_expert(client, login_as, role):
    login_as(role)
    for url in [*URLS, "/inkorg/export/inlamningar.csv"]:
        assert client.get(url).status_code == 403, url


@pytest.mark.asvs("4.1.3")
def test_board_figures_send_anonymous_to_login(client):
    for url in URLS:
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/logga-in")


@pytest.mark.asvs("4.1.1")
def test_contact_export_is_for_process_support_not_the_board(client, board):
    assert client.get("/inkorg/export/inlamningar.csv").status_code == 403


def test_unknown_export_format_is_not_found(client, board):
    assert client.get("/styrelsen/export/inflode.pdf").status_code == 404


# --- the page ------------------------------------------------------------------------------


def test_dashboard_inflow_by_quarter_and_source(client, board, inflow):
    html = client.get(f"/styrelsen?{H1}&period=quarter").get_data(as_text=True)
    series, rows = table(html)
    assert series == [
        "Eskilstuna kommun",
        "Mälardalens universitet",
        "Region Sörmland",
        "Region Västmanland",
        "Västerås stad",
        "Invånare",
    ]
    assert rows == {"kv. 1 2026": [1, 0, 0, 0, 2, 0], "kv. 2 2026": [0, 0, 1, 0, 0, 2]}
    assert "Antal inskickade per kvartal, totalt 6" in html


def test_dashboard_switches_from_month_to_quarter(client, board, inflow):
    months = table(client.get(f"/styrelsen?{H1}&period=month").get_data(as_text=True))[1]
    assert list(months) == ["jan. 2026", "feb. 2026", "mars 2026", "apr. 2026", "maj 2026", "juni 2026"]  # fmt: skip
    assert [sum(v) for v in months.values()] == [1, 1, 1, 2, 1, 0]  # June: empty, still shown
    quarters = table(client.get(f"/styrelsen?{H1}&period=quarter").get_data(as_text=True))[1]
    assert [sum(v) for v in quarters.values()] == [3, 3]


def test_dashboard_inflow_per_focus_area_counts_renamed_area_together(client, board, inflow):
    html = client.get(f"/styrelsen?{H1}&period=year&per=focus_area").get_data(as_text=True)
    series, rows = table(html)
    assert series == [SCHOOL, "Välmående och självständiga äldre", "Utan fokusområde"]
    assert rows == {"2026*": [3, 0, 3]}
    assert "tidigare Skolresultat" in html


def test_dashboard_funnel_and_party_filter(client, board, inflow):
    html = client.get(f"/styrelsen?{H1}").get_data(as_text=True)
    _series, funnel = table(html, "funnel-table")
    assert funnel == {
        "Inkomna": [6], "I portfölj": [1], "Konceptfas": [1], "Pilotfas": [0],
        "Implementering": [0],
    }  # fmt: skip
    vasteras = party_named("Västerås stad").id
    html = client.get(f"/styrelsen?{H1}&source={vasteras}").get_data(as_text=True)
    series, rows = table(html)
    assert series == ["Västerås stad"]
    assert table(html, "funnel-table")[1]["Inkomna"] == [2]


def test_dashboard_htmx_request_gets_the_results_fragment(client, board, inflow):
    response = client.get(f"/styrelsen?{H1}&period=month", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="board-results"')
    assert "<html" not in html and 'id="inflow-table"' in html
    assert "HX-Request" in response.headers["Vary"]
    # The filter form travels inside the fragment, so it shows what the address says.
    assert 'name="period"' in html and '<option value="month" selected>' in html


def test_dashboard_odd_address_gives_messages_not_errors(client, board):
    response = client.get("/styrelsen?from=2026-02-30&to=banan&period=vecka&source=99")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count("kunde inte läsas") == 2
    assert "Filtret för indelning kändes inte igen" in html
    assert "Filtret för källa kändes inte igen" in html


def test_dashboard_empty_period_says_so(client, board, inflow):
    html = client.get("/styrelsen?from=2024-01-01&to=2024-12-31&period=quarter").get_data(
        as_text=True
    )
    assert [sum(v) for v in table(html)[1].values()] == [0, 0, 0, 0]
    assert "Inget kom in under perioden." in html


def test_report_states_the_filters_and_has_the_figures(client, board, inflow):
    html = client.get(f"/styrelsen/rapport?{H1}&period=quarter").get_data(as_text=True)
    assert "Rapport till styrelsen" in html
    assert "1 januari 2026 – 30 juni 2026" in html
    assert "Alla fokusområden" in html and "Alla parter och invånare" in html
    assert table(html)[1]["kv. 2 2026"] == [0, 0, 1, 0, 0, 2]


def test_dashboard_links_exports_with_the_same_filters(client, board, inflow):
    html = client.get(f"/styrelsen?{H1}&period=month").get_data(as_text=True)
    query = f"{H1}&period=month".replace("&", "&amp;")
    assert f'href="/styrelsen/export/inflode.csv?{query}"' in html
    assert f'href="/styrelsen/export/inlamningar.xlsx?{query}"' in html
    assert f'href="/styrelsen/rapport?{query}"' in html


# --- exports -------------------------------------------------------------------------------


def read_csv(response) -> list[list[str]]:
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM for Excel"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def read_xlsx(response) -> list[list]:
    workbook = load_workbook(io.BytesIO(response.get_data()))
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


def test_inflow_export_csv_and_xlsx_hold_the_table(client, board, inflow):
    response = client.get(f"/styrelsen/export/inflode.csv?{H1}&period=quarter")
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="inflode-2026-01-01-2026-06-30.csv"'
    )
    assert response.mimetype == "text/csv"
    header = ["Period", "Från", "Till", "Eskilstuna kommun", "Mälardalens universitet",
              "Region Sörmland", "Region Västmanland", "Västerås stad", "Invånare", "Totalt"]  # fmt: skip
    assert read_csv(response) == [
        header,
        ["kv. 1 2026", "2026-01-01", "2026-03-31", "1", "0", "0", "0", "2", "0", "3"],
        ["kv. 2 2026", "2026-04-01", "2026-06-30", "0", "0", "1", "0", "0", "2", "3"],
    ]
    response = client.get(f"/styrelsen/export/inflode.xlsx?{H1}&period=quarter")
    assert "inflode-2026-01-01-2026-06-30.xlsx" in response.headers["Content-Disposition"]
    # As on the screen: the quarter as "kv. 1 2026", the days as date cells.
    assert read_xlsx(response) == [
        header,
        ["kv. 1 2026", datetime(2026, 1, 1), datetime(2026, 3, 31), 1, 0, 0, 0, 2, 0, 3],
        ["kv. 2 2026", datetime(2026, 4, 1), datetime(2026, 6, 30), 0, 0, 1, 0, 0, 2, 3],
    ]
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    assert sheet.freeze_panes == "A2"  # the header row stays when scrolling
    assert sheet["B2"].is_date and sheet["B2"].number_format == "yyyy-mm-dd"
    assert sheet["A2"].data_type == "s" and sheet["D2"].data_type == "n"
    widths = {c: sheet.column_dimensions[c].width for c in "ABCDI"}
    assert widths["A"] >= len("kv. 1 2026") and widths["B"] >= len("2026-01-01")
    assert widths["D"] >= len("Eskilstuna kommun") > widths["I"] - 2 >= len("Invånare")


def test_board_submissions_export_has_no_residents_personal_data(client, board, inflow):
    rows = read_csv(client.get(f"/styrelsen/export/inlamningar.csv?{H1}"))
    assert rows[0] == ["Reg.nr", "Inskickad", "Typ", "Källa", "Utlysning", "Fokusområde",
                       "Status", "Fas", "Projektnamn"]  # fmt: skip
    assert len(rows) == 1 + 6  # never the draft
    text = "\n".join(";".join(r) for r in rows)
    assert "Rut Resident" not in text and "invanare" not in text and "070-123" not in text
    resident_rows = [r for r in rows if r[3] == "Invånare"]
    assert [r[1] for r in resident_rows] == ["2026-04-01", "2026-05-05"]  # the Stockholm day
    # Formula injection: text a spreadsheet would run gets a leading apostrophe.
    assert resident_rows[1][8] == '\'=HYPERLINK("http://example.org","klicka")'
    sormland = next(r for r in rows if r[3] == "Region Sörmland")
    assert sormland[5:8] == [SCHOOL, "I portfölj", "Konceptfas"]


def test_board_submissions_xlsx_keeps_formulas_as_text(client, board, inflow):
    response = client.get(f"/styrelsen/export/inlamningar.xlsx?{H1}")
    workbook = load_workbook(io.BytesIO(response.get_data()))
    cells = [row[8] for row in workbook.active.iter_rows(min_row=2)]
    formula = next(c for c in cells if "HYPERLINK" in str(c.value))
    assert formula.data_type == "s"
    submitted = [row[1] for row in workbook.active.iter_rows(min_row=2)]
    assert all(c.is_date and c.number_format == "yyyy-mm-dd" for c in submitted)
    assert workbook.active.freeze_panes == "A2"
    assert all("Rut" not in str(v) for row in read_xlsx(response) for v in row)


def test_process_support_export_has_contacts_and_says_so(client, login_as, inflow):
    login_as(Role.PROCESS_SUPPORT)
    response = client.get("/inkorg/export/inlamningar.csv?state=all&source=invanare")
    rows = read_csv(response)
    assert "personuppgifter" in rows[0][0]
    assert rows[1][-4:] == ["Kontaktperson", "E-post", "Telefon", "Handläggare"]
    assert [r[9] for r in rows[2:]] == ["Rut Resident", "Rut Resident"]  # the inbox's order
    assert all(r[10].endswith("@example.org") and r[11] == "070-123 45 67" for r in rows[2:])
    assert "personuppgifter" in response.headers["Content-Disposition"]
    # The inbox's default filter (open submissions) holds here too.
    assert len(read_csv(client.get("/inkorg/export/inlamningar.csv?source=invanare"))) == 2 + 1
    workbook = load_workbook(io.BytesIO(client.get("/inkorg/export/inlamningar.xlsx").get_data()))
    assert workbook.active.title == "Med personuppgifter"
    assert workbook.active.freeze_panes == "A3"  # below the warning and the header
    assert workbook.active.column_dimensions["A"].width < 20  # not as wide as the warning


def test_process_support_export_ignores_a_far_out_date(client, login_as, inflow):
    login_as(Role.PROCESS_SUPPORT)
    everything = read_csv(client.get("/inkorg/export/inlamningar.csv?state=all"))
    far_out = client.get("/inkorg/export/inlamningar.csv?state=all&from=0001-01-01&to=9999-12-31")
    assert far_out.status_code == 200  # was 500: the day's midnight in UTC before year 1
    assert read_csv(far_out) == everything


# --- the number of statements does not grow with the data ---------------------------------


_bulk = itertools.count(1)


def seed_bulk(count: int, areas: list[int], staff_ids: list[tuple[int, int]]) -> None:
    rows = []
    start = at(2026, 1, 1, 8)
    for n in (next(_bulk) for _ in range(count)):
        staff = staff_ids[n % len(staff_ids)] if n % 3 else None
        rows.append(
            {
                "kind": "challenge" if n % 2 else "idea",
                "state": ["received", "declined", "in_portfolio", "withdrawn"][n % 4],
                "title": f"Inlämning {n}",
                "submitted_at": start + timedelta(hours=7 * n),
                "reg_year": 2026,
                "reg_seq": 20000 + n,
                "reg_number": f"SK-2026-{20000 + n}",
                "submitter_id": staff[0] if staff else None,
                "party_id": staff[1] if staff else None,
                "resident_email": None if staff else f"r{n}@example.org",
                "focus_area_id": areas[n % len(areas)] if n % 5 else None,
            }
        )
    _db.session.execute(insert(Submission), rows)
    _db.session.commit()


@pytest.mark.slow
def test_dashboard_statement_count_is_the_same_for_10_and_500_submissions(app, client, board):
    from tests.board_factories import staff_of

    staff = [(staff_of(n).id, staff_of(n).party_id) for n in ("Västerås stad", "Eskilstuna kommun")]
    areas = list(_db.session.scalars(select(FocusArea.id)))
    school = _db.session.scalar(select(FocusArea.portfolio_id).where(FocusArea.name == SCHOOL))
    urls = [
        "/styrelsen",
        "/styrelsen?from=2026-01-01&to=2026-12-31&period=month",
        f"/styrelsen?from=2026-01-01&to=2026-12-31&portfolio={school}&source=invanare&per=call",
        "/styrelsen?from=2026-01-01&to=2026-12-31&per=focus_area&period=year",
    ]

    def uncached(url: str) -> int:
        version.forget()  # the figures counted, not taken from the cache
        return count_statements(app, client, url)

    seed_bulk(10, areas, staff)
    client.get("/styrelsen")  # warm-up: first-request work is not the dashboard's
    small = {url: uncached(url) for url in urls}
    seed_bulk(490, areas, staff)
    large = {url: uncached(url) for url in urls}
    assert large == small
    # 12 for the figures (the data version one of them; on PostgreSQL one more, the SET of
    # figures.plan_for_these_dates), 1 for the agreement's figures, 2 for the portfolio per
    # goal (board/goals.py), the rest the session
    postgresql = _db.session.get_bind().dialect.name == "postgresql"
    assert max(small.values()) <= 18 + postgresql, small


def test_inbox_links_the_contact_export_with_its_filters(client, login_as, inflow):
    login_as(Role.PROCESS_SUPPORT)
    html = client.get("/inkorg?state=all&kind=idea").get_data(as_text=True)
    assert "innehåller personuppgifter" in html
    assert 'href="/inkorg/export/inlamningar.csv?state=all&amp;kind=idea"' in html


def test_a_party_that_left_keeps_its_history_but_no_empty_column_after(client, board, inflow):
    vastmanland = party_named("Region Västmanland")
    vastmanland.left_on = date(2025, 6, 30)
    _db.session.commit()
    make_submission(at(2025, 3, 3, 9), party="Region Västmanland")
    series, rows = table(client.get(f"/styrelsen?{H1}").get_data(as_text=True))
    assert "Region Västmanland" not in series  # not a member in 2026, nothing came in
    html = client.get("/styrelsen?from=2025-01-01&to=2025-12-31").get_data(as_text=True)
    series, rows = table(html)
    assert "Region Västmanland" in series
    assert rows["kv. 1 2025"][series.index("Region Västmanland")] == 1
    assert "lämnade 2025-06-30" in html
