"""Form pieces every capability uses: Swedish refusals for choices and dates, checkbox groups,
small coercions for select values, and the readers of dates and ids in a query string."""

from __future__ import annotations

import functools
import re
from datetime import date

import wtforms
from babel import support
from flask import Request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.utils import cached_property
from wtforms import (
    DateField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
)
from wtforms.i18n import messages_path
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

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


def required_attributes(field) -> dict[str, bool | str]:
    """How a required field says so in HTML. A single select whose first option is a real
    choice always has a value, and HTML allows `required` on it only when its first option is
    an empty placeholder: it gets aria-required instead, so assistive technology still says
    the field is required."""
    if not field.flags.required:
        return {}
    if isinstance(field, SelectField) and not isinstance(field, SelectMultipleField):
        first = next(iter(field.iter_choices()), None)
        if first is not None and first.value not in ("", None):
            return {"aria-required": "true", "required": False}  # False: WTForms leaves it out
    return {"required": True}


class HiddenInputWithoutId(HiddenInput):
    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", False)  # False: WTForms leaves the attribute out
        return super().__call__(field, **kwargs)


class HiddenField(wtforms.HiddenField):
    """A hidden input without an id: no label or link points at it, and a page with several
    forms (a decision, a funding request, an insight) would otherwise repeat id="next"."""

    widget = HiddenInputWithoutId()


class DayField(DateField):
    """A date typed as ÅÅÅÅ-MM-DD (a native date picker where the browser has one).

    Shown again as the date read, never as the text sent: HTML allows only a date in a date
    input's value, so text that could not be read comes back empty beside its error."""

    def _value(self) -> str:
        return self.data.isoformat() if self.data else ""

    def process_formdata(self, valuelist) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(str(BAD_DATE)) from None


class WholeNumberField(IntegerField):
    """A whole number (a number input). Shown again as the number read, never as the text
    sent: HTML allows only a number in a number input's value."""

    def _value(self) -> str:
        return "" if self.data is None else str(self.data)


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


def strip_text(value):
    """A filter for text fields: surrounding spaces removed."""
    return value.strip() if isinstance(value, str) else value


def int_or_none(value) -> int | None:
    """A select's value as an int; empty or not a number is None (then refused as a choice)."""
    try:
        return int(value) if value not in ("", None) else None
    except (TypeError, ValueError):
        return None


def str_or_none(value) -> str | None:
    return value or None


# --- WTForms' own messages, loaded once per language -------------------------------------------


@functools.lru_cache(maxsize=8)
def wtforms_translations(locale: str) -> support.Translations:
    """WTForms' catalogue of its built-in messages in one language. Flask-WTF loads it from
    disk (and parses it) on every request that builds a form, about a millisecond; the
    catalogue never changes while the process runs."""
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class PortalRequest(Request):
    """The request, with WTForms' catalogue from the cache above: Flask-WTF reads it from
    `request.wtforms_translations` before it would load it (flask_wtf.i18n)."""

    @cached_property
    def wtforms_translations(self) -> support.Translations:
        return wtforms_translations(str(get_locale()))
