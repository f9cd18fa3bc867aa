"""What people may send about initiatives: new initiatives, rating requests, ratings, jäv;
priority meetings, decisions, funding and insights."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    IntegerField,
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

from portal.evaluation.models import PHASE_LABELS
from portal.forms import DATE_HINT, ChoiceField, DayField, MultiCheckboxField
from portal.forms import int_or_none as _int_or_none
from portal.forms import options as _options
from portal.forms import str_or_none as _str_or_none
from portal.submissions.models import FUNCTION_LABELS, TYPE_LABELS

# --- initiatives and expert ratings ---------------------------------------------------------

COMMENT_MAX = 2000


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class InitiativeFilterForm(FlaskForm):
    """The list's filters, sent with GET: the address holds the state."""

    class Meta:
        csrf = False

    portfolio = ChoiceField(_l("Fokusområde"), coerce=_int_or_none)
    phase = ChoiceField(_l("Fas"), coerce=_str_or_none)

    def __init__(self, *args, portfolios=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.portfolio.choices = _options(portfolios, _l("Alla fokusområden"))
        self.phase.choices = _options(PHASE_LABELS.items(), _l("Alla faser"))


class InitiativeForm(FlaskForm):
    """Create an initiative directly, for example from a Samhällsforum workshop."""

    title = StringField(
        _l("Namn på initiativet"),
        validators=[
            InputRequired(_l("Skriv initiativets namn.")),
            Length(max=200, message=_l("Namnet får vara högst 200 tecken.")),
        ],
        filters=[_strip],
    )
    summary = TextAreaField(
        _l("Sammanfattning"),
        validators=[
            InputRequired(_l("Skriv en kort sammanfattning av initiativet.")),
            Length(max=5000, message=_l("Sammanfattningen får vara högst 5000 tecken.")),
        ],
        description=_l(
            "Vad initiativet handlar om och varifrån det kommer, till exempel en workshop."
        ),
        filters=[_strip],
    )
    focus_area = ChoiceField(
        _l("Fokusområde"),
        coerce=_int_or_none,
        validators=[InputRequired(_l("Välj ett fokusområde."))],
    )
    sk_function = ChoiceField(
        _l("Funktion"),
        coerce=_str_or_none,
        choices=_options(FUNCTION_LABELS.items(), _l("Inte bestämd")),
        description=_l("Den del av Samhällskontraktet som arbetar med initiativet."),
    )
    initiative_type = ChoiceField(
        _l("Typ av satsning"),
        coerce=_str_or_none,
        choices=_options(TYPE_LABELS.items(), _l("Inte bestämd")),
    )

    def __init__(self, *args, focus_areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.focus_area.choices = _options(focus_areas, _l("Välj fokusområde"))

    def validate_focus_area(self, field) -> None:
        if field.data is None:
            raise ValidationError(str(_l("Välj ett fokusområde.")))


def _at_least_one_expert(form, field) -> None:
    if not field.data:
        raise ValidationError(str(_l("Välj minst en expert.")))


class RatingRequestForm(FlaskForm):
    """Ask one or more experts to rate the initiative."""

    experts = MultiCheckboxField(
        _l("Experter"),
        coerce=int,
        validators=[_at_least_one_expert],
        description=_l("De valda får e-post med en länk till bedömningen."),
    )

    def __init__(self, *args, experts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.experts.choices = _options(experts)


class RatingRequestRemoveForm(FlaskForm):
    """Only the CSRF token: which request is in the address."""


SCORE_LABELS = {
    1: _l("1 – lägst"),
    2: "2",
    3: "3",
    4: "4",
    5: _l("5 – högst"),
}


class RatingScoreField(RadioField):
    """A 1–5 score; a missing or unknown value is refused once, in plain Swedish."""

    def __init__(self, *args, missing=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.type = "RadioField"  # the field macro renders it as a radio group (fieldset)
        self.missing = missing or _l("Välj ett betyg från 1 till 5.")

    def pre_validate(self, form) -> None:
        if self.data not in SCORE_LABELS:
            raise StopValidation(str(self.missing))


def rating_form_class(criteria) -> type[FlaskForm]:
    """A form with a score and a comment per criterion, in the criteria's order.

    Built per request: labels are plain strings (a lazy string would count as safe markup).
    """

    class RatingForm(FlaskForm):
        pass

    for criterion in criteria:
        missing = _("Välj ett betyg från 1 till 5 för %(name)s.", name=criterion.name)
        score = RatingScoreField(
            _("Betyg för %(name)s", name=criterion.name),
            coerce=_int_or_none,
            choices=[SelectChoice(value, label) for value, label in SCORE_LABELS.items()],
            validators=[InputRequired(missing)],
            description=" ".join(criterion.questions),
            missing=missing,
        )
        setattr(RatingForm, f"score_{criterion.id}", score)
        setattr(
            RatingForm,
            f"comment_{criterion.id}",
            TextAreaField(
                _("Kommentar om %(name)s", name=criterion.name),
                validators=[
                    Length(
                        max=COMMENT_MAX,
                        message=_l("Kommentaren får vara högst %(max)d tecken.", max=COMMENT_MAX),
                    )
                ],
                description=_l("Frivilligt."),
                filters=[_strip],
            ),
        )
    return RatingForm


class ConflictForm(FlaskForm):
    """Declare a conflict of interest (jäv)."""

    reason = TextAreaField(
        _l("Skäl till jävet"),
        validators=[
            InputRequired(_l("Skriv varför du är jävig.")),
            Length(max=2000, message=_l("Skälet får vara högst 2000 tecken.")),
        ],
        description=_l(
            "Till exempel att du själv, en närstående eller din enhet deltar i initiativet."
        ),
        filters=[_strip],
    )


# --- meetings, decisions, funding, insights --------------------------------------------------

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
        filters=[_strip],
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
        filters=[_strip],
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


class FundingForm(FlaskForm):
    """Ask for pilot money from the innovation budget."""

    amount = KronorField(_l("Belopp (kr)"), validators=[_required_kronor], description=MONEY_HINT)
    purpose = TextAreaField(
        _l("Syfte"),
        validators=[
            InputRequired(_l("Skriv vad pengarna ska användas till.")),
            Length(max=5000, message=_l("Syftet får vara högst 5000 tecken.")),
        ],
        filters=[_strip],
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
        filters=[_strip],
    )
    next = HiddenField()


class BudgetForm(FlaskForm):
    """The innovation budget of a calendar year."""

    year = IntegerField(
        _l("År"),
        validators=[
            InputRequired(_l("Skriv året, till exempel 2026.")),
            NumberRange(2000, 2100, message=_l("Skriv ett år mellan 2000 och 2100.")),
        ],
    )
    amount = KronorField(_l("Budget (kr)"), validators=[_required_kronor], description=MONEY_HINT)


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
        filters=[_strip],
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
