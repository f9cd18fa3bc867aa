"""What people may send about pilot money and the budget."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    RadioField,
    SelectChoice,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    InputRequired,
    Length,
    NumberRange,
    StopValidation,
    ValidationError,
)

from portal.forms import DATE_HINT, DayField, HiddenField, WholeNumberField, strip_text

MONEY_HINT = _l("Hela kronor, till exempel 50 000.")


BAD_MONEY = _l("Skriv beloppet i hela kronor med siffror, till exempel 50 000.")


MAX_KRONOR = 1_000_000_000


def parse_kronor(raw: str) -> int:
    """'50 000', '50 000 kr', '50000:-' → 50000; a ValueError with a Swedish text otherwise."""
    text = (raw or "").strip().lower()
    for suffix in ("kronor", "kr.", "kr", ":-"):
        if text.endswith(suffix):
            text = text[: -len(suffix)].strip()
            break
    for space in (" ", "\u00a0", "\u202f", "\u2009", "."):
        text = text.replace(space, "")
    if not text.isascii() or not text.isdigit():
        raise ValueError(str(BAD_MONEY))
    amount = int(text)
    if not 0 < amount <= MAX_KRONOR:
        raise ValueError(str(_l("Beloppet ska vara minst 1 kr och högst 1 000 000 000 kr.")))
    return amount


class KronorField(StringField):
    """Whole kronor typed the Swedish way (spaces between thousands); `data` is an int."""

    def process_formdata(self, valuelist) -> None:
        self.raw = valuelist[0] if valuelist else ""
        self.data = None
        if not self.raw.strip():
            return
        try:
            self.data = parse_kronor(self.raw)
        except ValueError as error:
            raise ValueError(str(error)) from None

    def _value(self) -> str:
        if getattr(self, "raw", None) is not None and (self.errors or self.data is None):
            return self.raw
        return f"{self.data:,}".replace(",", " ") if isinstance(self.data, int) else ""


class _RequiredKronor:
    field_flags = {"required": True}

    def __call__(self, form, field) -> None:
        if field.data is None and not field.errors and not getattr(field, "raw", "").strip():
            raise StopValidation(str(_l("Skriv beloppet.")))


_required_kronor = _RequiredKronor()


class FundingForm(FlaskForm):
    """Ask for pilot money from the innovation budget."""

    amount = KronorField(_l("Belopp (kr)"), validators=[_required_kronor], description=MONEY_HINT)
    purpose = TextAreaField(
        _l("Syfte"),
        validators=[
            InputRequired(_l("Skriv vad pengarna ska användas till.")),
            Length(max=5000, message=_l("Syftet får vara högst 5000 tecken.")),
        ],
        filters=[strip_text],
    )

    def validate_purpose(self, field) -> None:
        if not (field.data or "").strip():
            raise ValidationError(str(_l("Skriv vad pengarna ska användas till.")))

    period_start = DayField(
        _l("Periodens början"),
        validators=[InputRequired(_l("Skriv när perioden börjar."))],
        description=DATE_HINT,
    )
    period_end = DayField(
        _l("Periodens slut"),
        validators=[InputRequired(_l("Skriv när perioden slutar."))],
        description=DATE_HINT,
    )
    next = HiddenField()

    def validate_period_end(self, field) -> None:
        start = self.period_start.data
        if start is not None and field.data is not None and field.data < start:
            raise ValidationError(str(_l("Periodens slut kan inte ligga före dess början.")))


GRANT, REJECT = "grant", "reject"


class FundingDecisionForm(FlaskForm):
    verdict = RadioField(
        _l("Beslut"),
        choices=[SelectChoice(GRANT, _l("Bevilja")), SelectChoice(REJECT, _l("Avslå"))],
        validators=[InputRequired(_l("Välj bevilja eller avslå."))],
    )
    note = TextAreaField(
        _l("Kommentar till beslutet"),
        validators=[
            InputRequired(_l("Skriv en kommentar till beslutet.")),
            Length(max=2000, message=_l("Kommentaren får vara högst 2000 tecken.")),
        ],
        filters=[strip_text],
    )
    next = HiddenField()


class BudgetForm(FlaskForm):
    """The innovation budget of a calendar year."""

    year = WholeNumberField(
        _l("År"),
        validators=[
            InputRequired(_l("Skriv året, till exempel 2026.")),
            NumberRange(2000, 2100, message=_l("Skriv ett år mellan 2000 och 2100.")),
        ],
    )
    amount = KronorField(_l("Budget (kr)"), validators=[_required_kronor], description=MONEY_HINT)
