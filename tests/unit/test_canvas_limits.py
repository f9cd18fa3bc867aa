"""A canvas text's limit: counted as stored (a line break once, however the browser sent it),
refused over it with the limit and how far over, never cut."""

from __future__ import annotations

import pytest

from portal.reference.canvas import FIELDS_BY_KEY, text_length, too_long
from portal.submissions import services

PURPOSE = FIELDS_BY_KEY["purpose"]  # 8 000


def test_a_line_break_counts_once_however_it_was_sent():
    assert text_length("a\r\nb") == text_length("a\nb") == text_length("a\rb") == 3
    assert text_length(None) == 0


def test_at_the_limit_is_taken_one_over_is_refused_with_the_numbers(app):
    with app.test_request_context():
        assert too_long(PURPOSE, "x" * 8_000) is None
        assert too_long(PURPOSE, "x\r\n" * 4_000) is None  # 8 000 as stored, 12 000 as sent
        message = str(too_long(PURPOSE, "x" * 8_001)).replace("\u00a0", " ")
        assert "högst 8 000 tecken, du har skrivit 8 001 (1 för många)" in message


def test_the_service_refuses_rather_than_cuts(app):
    with app.test_request_context():
        with pytest.raises(services.TextTooLong) as refused:
            services.apply_canvas(services.Submission(), {"title": "ok", "purpose": "x" * 9_000})
        assert list(refused.value.errors) == ["purpose"]
        assert "1 000 för många" in str(refused.value.errors["purpose"]).replace("\u00a0", " ")
