"""What people may send about insights."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    TextAreaField,
)
from wtforms.validators import (
    InputRequired,
    Length,
    ValidationError,
)

from portal.forms import DATE_HINT, ChoiceField, DayField, HiddenField, strip_text
from portal.forms import int_or_none as _int_or_none
from portal.forms import options as _options


class InsightForm(FlaskForm):
    """A lesson or a "Halleluja moment" on an initiative."""

    noted_on = DayField(
        _l("Datum"), validators=[InputRequired(_l("Skriv datumet."))], description=DATE_HINT
    )
    text = TextAreaField(
        _l("Insikt"),
        validators=[
            InputRequired(_l("Skriv insikten.")),
            Length(max=5000, message=_l("Insikten får vara högst 5000 tecken.")),
        ],
        description=_l("Vad lärde ni er? Ett ”Halleluja moment”, något som fungerade eller inte."),
        filters=[strip_text],
    )
    next = HiddenField()

    def validate_text(self, field) -> None:
        if not (field.data or "").strip():
            raise ValidationError(str(_l("Skriv insikten.")))


class InsightFilterForm(FlaskForm):
    """The insight bank's filter, sent with GET."""

    class Meta:
        csrf = False

    portfolio = ChoiceField(_l("Fokusområde"), coerce=_int_or_none)

    def __init__(self, *args, portfolios=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.portfolio.choices = _options(portfolios, _l("Alla fokusområden"))
