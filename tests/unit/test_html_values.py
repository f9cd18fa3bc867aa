"""Values the templates write into HTML attributes that HTML restricts: the `datetime` of a
<time> element, and hidden inputs (without ids, as a page holds many forms)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from flask_wtf import FlaskForm

from portal.forms import HiddenField
from portal.templating import time_datetime


@pytest.mark.parametrize(
    ("value", "attribute"),
    [
        (datetime(2026, 11, 24, 17, 53, 23, 696046, tzinfo=UTC), "2026-11-24T17:53:23+00:00"),
        (datetime(2026, 11, 24, 17, 53, tzinfo=UTC), "2026-11-24T17:53:00+00:00"),
        (
            datetime(2026, 6, 1, 9, 0, 0, 5, tzinfo=timezone(timedelta(hours=2))),
            "2026-06-01T09:00:00+02:00",
        ),
        (datetime(2026, 11, 24, 17, 53, 23, 1), "2026-11-24T17:53:23+00:00"),  # stored UTC
        ("2026-11-24T17:53:23.696046+00:00", "2026-11-24T17:53:23+00:00"),  # access data
        (date(2026, 11, 24), "2026-11-24"),
        (None, ""),
        ("", ""),
    ],
)
def test_time_datetime_is_to_the_second_with_its_offset(value, attribute):
    assert time_datetime(value) == attribute


class NextForm(FlaskForm):
    next = HiddenField()


def test_hidden_field_renders_without_an_id(app):
    with app.test_request_context():
        form = NextForm(meta={"csrf": False}, data={"next": "/konto"})
        assert form.next() == '<input name="next" type="hidden" value="/konto">'
        assert form.next(id="given") == (
            '<input id="given" name="next" type="hidden" value="/konto">'
        )
