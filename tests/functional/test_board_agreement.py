"""The agreement's figures on the board's pages: the dashboard (its filter form read and sent
as a browser does, in both comparison modes), the printed report and the exports."""

from __future__ import annotations

import pytest

from portal.accounts.models import Role
from tests.browser import Browser
from tests.factories import make_user
from tests.functional.test_board import read_csv, read_xlsx
from tests.unit.test_board_agreement import entries  # noqa: F401  (the hand-counted fixture)

Q1 = "from=2026-01-01&to=2026-03-31"


@pytest.fixture
def browser(app, db):
    b = Browser(app)
    b.login(make_user(roles={Role.BOARD}))
    return b


def figure_row(page, label: str) -> list[str]:
    """The period's, the comparison's and the change's cells of a figure row."""
    section = page.html.select_one("section[aria-labelledby=agreement-heading]")
    for row in section.select("tbody tr"):
        if row.th.get_text(strip=True) == label:
            return [td.get_text(" ", strip=True) for td in row.select("td")][:3]
    raise AssertionError(f"no row {label}")


def test_the_dashboard_counts_them_beside_a_year_earlier_and_the_filter_switches(
    browser,
    entries,  # noqa: F811
):
    page = browser.get(f"/styrelsen?{Q1}")
    assert page.status_int == 200
    assert "registreras inte" not in page.text
    assert "Studenter, samarbeten och partner" in page.text
    assert "(samma period ett år tidigare)" in page.text
    assert figure_row(page, "Studenter") == ["15", "7", "+8"]
    assert figure_row(page, "Externa partner") == ["3", "1", "+2"]
    assert figure_row(page, "varav företag") == ["2", "0", "+2"]
    per_party = page.html.find("caption", string="Studenter, samarbeten och partner per part")
    rows = {
        tr.th.get_text(strip=True): [td.get_text(" ", strip=True) for td in tr.select("td")]
        for tr in per_party.find_parent("table").select("tbody tr")
    }
    assert rows["Mälardalens universitet"] == ["12 (7)", "0 (0)", "0 (0)", "1 (1)"]
    assert rows["Utan part"] == ["0 (0)", "0 (0)", "1 (0)", "0 (0)"]

    # the filter form, as rendered: choose the period just before and send it (no JS needed)
    form = browser.form(page, action="/styrelsen")
    assert form["compare"].value == "year"
    form["compare"] = "previous"
    page = browser.submit(form)
    assert page.status_int == 200
    assert "compare=previous" in page.text  # the links and exports keep the choice
    assert "(lika lång period närmast före)" in page.text
    assert figure_row(page, "Studenter") == ["15", "5", "+10"]
    assert figure_row(page, "Nya samarbeten") == ["1", "1", "±0"]
    assert browser.form(page, action="/styrelsen")["compare"].value == "previous"


def test_the_report_shows_them_too(browser, entries):  # noqa: F811
    page = browser.get(f"/styrelsen/rapport?{Q1}&compare=previous")
    assert page.status_int == 200
    assert figure_row(page, "Studenter") == ["15", "5", "+10"]


def test_an_empty_period_says_so(browser, db):
    page = browser.get("/styrelsen?from=2030-01-01&to=2030-03-31")
    assert "Inget registrerat under perioderna." in page.text
    assert figure_row(page, "Forskningsprojekt") == ["0", "0", "±0"]


def test_the_export_holds_the_totals_and_each_party(client, login_as, entries):  # noqa: F811
    login_as(Role.BOARD)
    response = client.get(f"/styrelsen/export/avtalet.csv?{Q1}")
    assert response.status_code == 200
    assert 'filename="avtalet-2026-01-01-2026-03-31.csv"' in response.headers["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0] == [
        "Part", "Nyckel", "Mått",
        "Perioden 2026-01-01 – 2026-03-31", "Jämförelseperioden 2025-01-01 – 2025-03-31",
    ]  # fmt: skip
    assert ["Alla parter", "students", "Studenter", "15", "7"] in rows
    assert ["Alla parter", "partners_public", "varav andra offentliga aktörer", "0", "1"] in rows
    assert ["Mälardalens universitet", "students", "Studenter", "12", "7"] in rows
    assert ["Utan part", "partners", "Externa partner", "1", "0"] in rows
    xlsx = read_xlsx(client.get(f"/styrelsen/export/avtalet.xlsx?{Q1}&compare=previous"))
    assert xlsx[0][4] == "Jämförelseperioden 2025-10-03 – 2025-12-31"
    assert ["Alla parter", "students", "Studenter", 15, 5] in xlsx


def test_the_dashboard_links_the_export_with_its_filters(browser, db):
    page = browser.get(f"/styrelsen?{Q1}&compare=previous")
    assert "/styrelsen/export/avtalet.csv?" in page.text
    link = page.html.find("a", href=lambda h: h and h.startswith("/styrelsen/export/avtalet.xlsx"))
    assert "compare=previous" in link["href"]


@pytest.mark.parametrize("role", [Role.EMPLOYEE, Role.EXPERT])
def test_the_export_is_for_those_who_see_the_board_figures(app, db, role):
    b = Browser(app)
    b.login(make_user(roles={role}))
    assert b.get(f"/styrelsen/export/avtalet.csv?{Q1}").status_int == 403
