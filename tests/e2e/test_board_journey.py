"""A board member with the demo account sees how many needs and ideas each party sent per
quarter and where they are in the process, switches to months and back with htmx (the
address follows), downloads the same figures; the page also works without JavaScript."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from pathlib import Path

import pytest
from playwright.sync_api import expect

from portal.board.filters import period_start, periods, shift_months
from portal.demo import seed_demo_content
from portal.types import STOCKHOLM
from tests.e2e.conftest import check_axe, login

pytestmark = pytest.mark.e2e

BOARD = "styrelsen@example.org"


@pytest.fixture
def demo_site(base_url, db):
    seed_demo_content()
    db.session.commit()
    return base_url


def default_range():
    """The default: the last four quarters, this one included."""
    today = datetime.now(STOCKHOLM).date()
    return shift_months(period_start(today, "quarter"), -9), today


def table_rows(page) -> dict[str, list[int]]:
    return page.eval_on_selector_all(
        "#inflow-table tbody tr",
        """rows => Object.fromEntries(rows.map(r => [
            r.querySelector('th').dataset.label,
            Array.from(r.querySelectorAll('td[data-value]')).map(td => Number(td.dataset.value))
        ]))""",
    )


def caption_total(page) -> str:
    return re.search(r"totalt (\d+)", page.locator("#inflow-table caption").inner_text()).group(1)


def test_board_member_follows_the_inflow_and_switches_month_to_quarter(page, demo_site):
    login(page, BOARD)
    page.get_by_role("navigation", name="Huvudmeny").get_by_role(
        "link", name="Styrelsens uppföljning"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Styrelsens uppföljning")
    expect(page.get_by_role("heading", name="Inflöde per kvartal och källa")).to_be_visible()

    quarters = table_rows(page)
    assert len(quarters) == 4 and all(label.startswith("kv. ") for label in quarters)
    headers = page.locator("#inflow-table thead th").all_inner_texts()
    for source in ("Eskilstuna kommun", "Mälardalens universitet", "Region Sörmland",
                   "Region Västmanland", "Västerås stad", "Invånare"):  # fmt: skip
        assert any(h.startswith(source) for h in headers), source
    total = caption_total(page)
    assert int(total) > 0
    # Where they are in the process: the funnel's table and its chart.
    expect(page.locator("#funnel-table")).to_contain_text("I portfölj")
    expect(page.locator("[data-chart-for=inflow-table] canvas")).to_have_count(1)
    expect(page.locator("[data-chart-for=funnel-table] canvas")).to_have_count(1)
    check_axe(page)

    page.evaluate("() => { window.__notReloaded = true; }")
    page.get_by_label("Indelning").select_option("month")
    expect(page).to_have_url(re.compile(r"period=month"))
    date_from, date_to = default_range()
    expect(page.locator("#inflow-table tbody tr")).to_have_count(
        len(periods(date_from, date_to, "month"))
    )
    assert page.evaluate("() => window.__notReloaded === true"), "htmx swapped, no reload"
    assert caption_total(page) == total
    assert f"from={date_from}" in page.url and "portfolio=" not in page.url
    expect(page.locator("[data-chart-for=inflow-table] canvas")).to_have_count(1)
    check_axe(page)

    page.get_by_label("Indelning").select_option("quarter")
    expect(page).to_have_url(re.compile(r"period=quarter"))
    expect(page.locator("#inflow-table tbody tr")).to_have_count(4)
    assert table_rows(page) == quarters

    # The same figures, downloaded.
    with page.expect_download() as info:
        page.get_by_role("link", name="CSV (inflödet)").click()
    download = info.value
    assert re.fullmatch(
        r"inflode-\d{4}-\d\d-\d\d-\d{4}-\d\d-\d\d\.csv", download.suggested_filename
    )
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert [int(r[-1]) for r in rows[1:]] == [sum(v) for v in quarters.values()]


def test_board_dashboard_works_without_javascript(page_factory, demo_site):
    page = page_factory(java_script_enabled=False)
    login(page, BOARD)
    page.goto("/styrelsen")
    expect(page.locator("#inflow-table tbody tr")).to_have_count(4)
    expect(page.locator("[data-chart-for] canvas")).to_have_count(0)  # the table is the figure
    page.get_by_label("Indelning").select_option("year")
    page.get_by_role("button", name="Visa").click()
    expect(page).to_have_url(re.compile(r"period=year"))
    years = page.locator("#inflow-table tbody th").all_inner_texts()
    assert years and all(re.fullmatch(r"\d{4}\*?(\s*\(del av perioden\))?", y) for y in years)
    page.get_by_role("link", name="Skriv ut rapport").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rapport till styrelsen")
    expect(page.get_by_text("Skriv ut med webbläsarens utskriftskommando")).to_be_visible()


def test_board_charts_do_not_move_when_less_motion_is_asked(page_factory, demo_site):
    page = page_factory(reduced_motion="reduce")
    login(page, BOARD)
    page.goto("/styrelsen")
    expect(page.locator("[data-chart-for=inflow-table] canvas")).to_have_count(1)
    animation = page.evaluate(
        "() => Chart.getChart(document.querySelector('[data-chart-for=inflow-table] canvas'))"
        ".options.animation"
    )
    assert animation is False
    page.goto("/styrelsen/rapport")
    expect(page.get_by_role("button", name="Skriv ut")).to_be_visible()
    check_axe(page)
