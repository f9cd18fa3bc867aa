"""Form pieces every capability uses: Swedish refusals for choices and dates, checkbox groups,
small coercions for select values, and the readers of dates and ids in a query string."""

from __future__ import annotations

import re
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DateField, RadioField, SelectChoice, SelectField, SelectMultipleField
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal.types import INTEGER_MAX

DATE_HINT = _l("Skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2026-01-01.")
BAD_DATE = _l("Skriv datumet som ÅÅÅÅ-MM-DD.")
BAD_CHOICE = _l("Välj bland alternativen.")


CONTROL_CHARS = _l("Texten innehåller otillåtna tecken.")


def no_control_chars(form, field) -> None:
    """Refuse invisible control characters (keeps tabs and line breaks, Swedish and emoji)."""
    if field.data and any(ord(c) < 32 and c not in "\t\r\n" for c in field.data):
        raise ValidationError(str(CONTROL_CHARS))


ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# The dates a filter may name. Beyond them a day has no submissions, and the arithmetic on it
# (the day after, the previous period, midnight in UTC) would leave what `date` can hold.
EARLIEST = date(2000, 1, 1)
LATEST = date(2099, 12, 31)


def day_from_args(args, name: str, messages: list[str]) -> date | None:
    """A YYYY-MM-DD date between EARLIEST and LATEST from a query string (filters in the
    address); an unreadable or far-out one is ignored and said in plain words in `messages`,
    never raised."""
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        if not ISO_DAY.fullmatch(raw):
            raise ValueError(raw)
        day = date.fromisoformat(raw)
    except ValueError:
        messages.append(
            _(
                "Datumet %(value)s kunde inte läsas och används inte. Skriv datum som ÅÅÅÅ-MM-DD.",
                value=raw[:20],
            )
        )
        return None
    if not EARLIEST <= day <= LATEST:
        messages.append(
            _(
                "Datumet %(value)s ligger utanför åren %(first)s–%(last)s och används inte.",
                value=raw,
                first=EARLIEST.year,
                last=LATEST.year,
            )
        )
        return None
    return day


ID_TEXT = re.compile(r"[0-9]{1,10}")


def id_from_text(raw: str | None, *, minimum: int = 1) -> int | None:
    """An id (or another whole number kept in an integer column, such as a version from
    `minimum=0`) from a query string or a hidden field: ASCII digits from `minimum` to
    INTEGER_MAX, else None. Not str.isdigit(): "²" is a digit to it, and int() refuses it;
    nor int() alone: 5 000 digits make it raise too."""
    raw = (raw or "").strip()
    if not ID_TEXT.fullmatch(raw):
        return None
    value = int(raw)
    return value if minimum <= value <= INTEGER_MAX else None


class DayField(DateField):
    """A date typed as ÅÅÅÅ-MM-DD (a native date picker where the browser has one)."""

    def process_formdata(self, valuelist) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(str(BAD_DATE)) from None


class ChoiceField(SelectField):
    """A select whose refusal of an unknown value is said in plain Swedish."""

    def pre_validate(self, form) -> None:
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError(str(BAD_CHOICE)) from None


class RadioChoiceField(RadioField):
    """A radio group whose refusal of an unknown value is said in plain Swedish."""

    def pre_validate(self, form) -> None:
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError(str(BAD_CHOICE)) from None


class MultiCheckboxField(SelectMultipleField):
    """Several choices as checkboxes (the `field` macro renders it as a fieldset)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form) -> None:
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError(str(BAD_CHOICE)) from None


def options(pairs, empty=None) -> list[SelectChoice]:
    """(value, label) pairs as select options, with an empty first option if `empty`."""
    first = [SelectChoice("", empty)] if empty is not None else []
    return first + [SelectChoice(str(value), label) for value, label in pairs]


def int_or_none(value) -> int | None:
    """A select's value as an int; empty or not a number is None (then refused as a choice)."""
    try:
        return int(value) if value not in ("", None) else None
    except (TypeError, ValueError):
        return None


def str_or_none(value) -> str | None:
    return value or None
