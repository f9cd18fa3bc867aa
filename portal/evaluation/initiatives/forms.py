"""What people may send about initiatives: a new initiative, rating requests, ratings, jäv."""

from __future__ import annotations

from flask_babel import gettext as _
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
    StopValidation,
    ValidationError,
)

from portal.evaluation.models import PHASE_LABELS
from portal.forms import ChoiceField, MultiCheckboxField, strip_text
from portal.forms import int_or_none as _int_or_none
from portal.forms import options as _options
from portal.forms import str_or_none as _str_or_none
from portal.submissions.models import FUNCTION_LABELS, TYPE_LABELS

COMMENT_MAX = 2000


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
        filters=[strip_text],
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
        filters=[strip_text],
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
                filters=[strip_text],
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
        filters=[strip_text],
    )
