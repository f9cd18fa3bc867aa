"""The spreadsheet exports' cell rules: what could run as a formula is neutralised."""

from __future__ import annotations

from datetime import date

import pytest

from portal.board.exports import safe_text


@pytest.mark.parametrize(
    "value",
    [
        "=1+1",
        "+46 70",
        "-5",
        "@SUM(A1)",
        "\t=1",
        "\r=1",
        '\n=HYPERLINK("http://example.org")',
        "\r\n+1",
        "  \n-1",
        " \t\r\n@cmd",
        "  =1",
    ],
)
def test_text_a_spreadsheet_would_run_gets_an_apostrophe(value):
    assert safe_text(value) == "'" + value


@pytest.mark.parametrize(
    "value",
    ["Promenadvänner", "\nen rad", "  text = svar", "a\n=1", "e-post", "", "100 %"],
)
def test_ordinary_text_is_left_as_it_is(value):
    assert safe_text(value) == value


def test_numbers_stay_numbers_and_dates_become_iso_text():
    assert safe_text(-5) == -5
    assert safe_text(None) == ""
    assert safe_text(date(2026, 3, 10)) == "2026-03-10"
