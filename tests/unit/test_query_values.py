"""The readers of values in a query string (portal/forms.py): an id, a date. Whatever the
address holds, they answer a usable value or nothing, and never raise."""

from __future__ import annotations

import pytest

from portal.forms import id_from_text
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
