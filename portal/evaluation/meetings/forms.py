"""What people may send about priority meetings and decisions."""

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
    ValidationError,
)

from portal.forms import DATE_HINT, ChoiceField, DayField, HiddenField, strip_text
from portal.forms import int_or_none as _int_or_none
from portal.forms import options as _options


class MeetingForm(FlaskForm):
    """Plan a priority meeting for a focus area's portfolio."""

    held_on = DayField(
        _l("Datum"), validators=[InputRequired(_l("Skriv mötets datum."))], description=DATE_HINT
    )
    focus_area = ChoiceField(
        _l("Fokusområde"),
        coerce=_int_or_none,
        description=_l("Primötet behandlar initiativ i fokusområdets portfölj."),
    )
    title = StringField(
        _l("Rubrik"),
        validators=[Length(max=200, message=_l("Rubriken får vara högst 200 tecken."))],
        description=_l("Frivilligt, till exempel ”Primöte december”."),
        filters=[strip_text],
    )

    def __init__(self, *args, focus_areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.focus_area.choices = _options(focus_areas, _l("Välj fokusområde"))

    def validate_focus_area(self, field) -> None:
        if field.data is None:
            raise ValidationError(str(_l("Välj ett fokusområde.")))


class AgendaAddForm(FlaskForm):
    initiative = ChoiceField(_l("Initiativ"), coerce=_int_or_none)

    def __init__(self, *args, initiatives=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.initiative.choices = _options(initiatives, _l("Välj initiativ"))

    def validate_initiative(self, field) -> None:
        if field.data is None:
            raise ValidationError(str(_l("Välj ett initiativ att ta upp.")))


class AgendaRemoveForm(FlaskForm):
    """Only the CSRF token: which item is in the address."""


FOLLOWS = ""  # the next phase follows from the outcome


class DecisionForm(FlaskForm):
    """A decision at a priority meeting: the date is the meeting's."""

    outcome = RadioField(_l("Beslut"), validators=[InputRequired(_l("Välj ett beslut."))])
    to_phase = ChoiceField(
        _l("Nästa fas"),
        default=FOLLOWS,
        description=_l(
            "Behövs när beslutet kan leda till flera faser: en misslyckad pilot kan göras om "
            "(Pilotfas) eller gå tillbaka till Konceptfas; ”tillbaka” kan gå till Konceptfas "
            "eller Idéfas."
        ),
    )
    rationale = TextAreaField(
        _l("Motivering"),
        validators=[
            InputRequired(_l("Skriv en motivering till beslutet.")),
            Length(max=5000, message=_l("Motiveringen får vara högst 5000 tecken.")),
        ],
        filters=[strip_text],
    )
    # The latest decision the page showed (its id; 0: none). A decision sent from a page that
    # is out of date is recognised by it (services.record_decision).
    latest = HiddenField(default="0")

    def __init__(self, *args, outcomes=(), phases=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.outcome.choices = [SelectChoice(str(value), label) for value, label in outcomes]
        self.to_phase.choices = _options(phases, _l("Den fas beslutet leder till"))

    def validate_rationale(self, field) -> None:
        if not (field.data or "").strip():
            raise ValidationError(str(_l("Skriv en motivering till beslutet.")))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.latest_seen is None:
            self.form_errors.append(str(STALE_PAGE))
            return False
        return valid

    @property
    def latest_seen(self) -> int | None:
        raw = (self.latest.data or "").strip()
        return int(raw) if raw.isascii() and raw.isdigit() else None


STALE_PAGE = _l("Sidan var inte aktuell. Ladda om sidan och registrera beslutet igen.")


class DecisionWithDateForm(DecisionForm):
    """A decision outside a meeting (for example the process leader's): it has its own date,
    today or earlier."""

    decided_on = DayField(
        _l("Beslutsdatum"),
        validators=[InputRequired(_l("Skriv beslutets datum."))],
        description=_l("Dagens datum eller ett tidigare datum, skrivet som ÅÅÅÅ-MM-DD."),
    )
    next = HiddenField()

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def validate_decided_on(self, field) -> None:
        if self.today is not None and field.data is not None and field.data > self.today:
            raise ValidationError(str(_l("Beslutsdatumet kan inte ligga i framtiden.")))
