"""The readers of values in a query string (portal/forms.py): an id, a date. Whatever the
address holds, they answer a usable value or nothing, and never raise."""

from __future__ import annotations

from datetime import date

import pytest

from portal.forms import day_from_args, id_from_text
from portal.types import INTEGER_MAX


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("7", 7),
        (" 42 ", 42),
        (str(INTEGER_MAX), INTEGER_MAX),
        (str(INTEGER_MAX + 1), None),  # beyond PostgreSQL's integer: names no row
        (str(2**63), None),
        (str(10**30), None),
        ("9" * 5000, None),  # int() refuses more than 4 300 digits
        ("0", None),
        ("-1", None),
        ("", None),
        (None, None),
        ("abc", None),
        ("1e9", None),
        ("½", None),
        ("²", None),  # str.isdigit() says yes, int() raises
        ("１", None),  # a full-width digit
        ("1\x00", None),
    ],
)
def test_id_from_text_reads_only_an_id_the_database_can_hold(raw, value):
    assert id_from_text(raw) == value


@pytest.mark.parametrize(
    ("raw", "day", "said"),
    [
        ("2026-02-28", date(2026, 2, 28), None),
        (" 2000-01-01 ", date(2000, 1, 1), None),
        ("2099-12-31", date(2099, 12, 31), None),
        ("", None, None),
        ("1999-12-31", None, "Datumet 1999-12-31 ligger utanför åren 2000–2099 och används inte."),
        ("0001-01-01", None, "Datumet 0001-01-01 ligger utanför åren 2000–2099 och används inte."),
        ("9999-12-31", None, "Datumet 9999-12-31 ligger utanför åren 2000–2099 och används inte."),
        ("2026-02-30", None, "Datumet 2026-02-30 kunde inte läsas"),
        ("20261301", None, "Datumet 20261301 kunde inte läsas"),
        ("-0001-01-01", None, "kunde inte läsas"),
        ("２０２６-01-01", None, "kunde inte läsas"),  # full-width digits
        ("2026-01-01\x00", None, "kunde inte läsas"),
        ("9" * 5000, None, "Datumet 99999999999999999999 kunde inte läsas"),  # cut at 20
    ],
)
def test_day_from_args_reads_a_date_within_the_years_or_says_why_not(app, raw, day, said):
    messages: list[str] = []
    with app.test_request_context():
        assert day_from_args({"from": raw}, "from", messages) == day
    assert len(messages) == (0 if said is None else 1)
    if said:
        assert said in messages[0]
