"""What process support may send from the inbox and from one submission's triage page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from portal.forms import ChoiceField, HiddenField, MultiCheckboxField, no_control_chars
from portal.forms import int_or_none as _int_or_none
from portal.forms import options as _options
from portal.forms import str_or_none as _str_or_none
from portal.submissions.models import FUNCTION_LABELS, TYPE_LABELS

# --- the inbox -----------------------------------------------------------------------


KEEP = ""  # bulk choice: leave as it is
CLEAR = "ingen"  # bulk choice: no focus area / no handler


class BulkForm(FlaskForm):
    """Set the focus area and/or the handler of the submissions ticked in the inbox.

    The ticked ids come as `ids` checkboxes in the table; `next` carries the inbox's filters.
    """

    focus_area = ChoiceField(_l("Sätt fokusområde"), default=KEEP)
    handler = ChoiceField(_l("Sätt handläggare"), default=KEEP)
    next = HiddenField()

    def __init__(self, *args, focus_areas=(), handlers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.focus_area.choices = [
            SelectChoice(KEEP, _l("Ändra inte")),
            SelectChoice(CLEAR, _l("Inget fokusområde")),
            *(SelectChoice(str(value), label) for value, label in focus_areas),
        ]
        self.handler.choices = [
            SelectChoice(KEEP, _l("Ändra inte")),
            SelectChoice(CLEAR, _l("Ingen handläggare")),
            *(SelectChoice(str(value), label) for value, label in handlers),
        ]


# --- one submission --------------------------------------------------------------------


class _VersionedForm(FlaskForm):
    """Every triage action carries the version of the submission the triager saw."""

    version = HiddenField()

    def posted_version(self) -> int | None:
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return None


class ClassifyForm(_VersionedForm):
    focus_area = ChoiceField(_l("Fokusområde"), coerce=_int_or_none)
    sk_function = ChoiceField(
        _l("Funktion"),
        coerce=_str_or_none,
        choices=_options(FUNCTION_LABELS.items(), _l("Inte bestämd")),
        description=_l("Den del av Samhällskontraktet som arbetar vidare med inlämningen."),
    )
    initiative_type = ChoiceField(
        _l("Typ av satsning"),
        coerce=_str_or_none,
        choices=_options(TYPE_LABELS.items(), _l("Inte bestämd")),
    )
    perspectives = MultiCheckboxField(_l("Perspektiv"), coerce=int)
    goals = MultiCheckboxField(_l("Mål i Agenda 2030"), coerce=int)
    handler = ChoiceField(
        _l("Handläggare"),
        coerce=_int_or_none,
        description=_l("Den på processtödet som ansvarar för inlämningen."),
    )

    def __init__(self, *args, focus_areas=(), perspectives=(), goals=(), handlers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.focus_area.choices = _options(focus_areas, _l("Inte bestämt"))
        self.perspectives.choices = _options(perspectives)
        self.goals.choices = _options(goals)
        self.handler.choices = _options(handlers, _l("Ingen"))


class _RegNumberForm(_VersionedForm):
    reg_number = StringField(
        _l("Registreringsnummer"),
        validators=[
            InputRequired(_l("Skriv registreringsnumret, till exempel SK-2026-0012.")),
            Length(max=20, message=_l("Ett registreringsnummer har högst 20 tecken.")),
            no_control_chars,
        ],
        description=_l("Till exempel SK-2026-0012."),
        filters=[lambda v: v.strip().upper() if isinstance(v, str) else v],
    )


class DuplicateForm(_RegNumberForm):
    """Mark as a duplicate of an earlier submission."""


class RelatedForm(_RegNumberForm):
    """Link to a related submission (symmetric)."""


class InfoRequestForm(_VersionedForm):
    question = TextAreaField(
        _l("Fråga till inlämnaren"),
        validators=[
            InputRequired(_l("Skriv vad inlämnaren behöver komplettera med.")),
            Length(max=2000, message=_l("Frågan får vara högst 2000 tecken.")),
            no_control_chars,
        ],
        description=_l("Inlämnaren får frågan med e-post och ser den på sin sida."),
        render_kw={"rows": 4},
    )


class DeclineForm(_VersionedForm):
    reason = TextAreaField(
        _l("Skäl"),
        validators=[
            InputRequired(_l("Skriv varför inlämningen inte går vidare.")),
            Length(max=2000, message=_l("Skälet får vara högst 2000 tecken.")),
            no_control_chars,
        ],
        description=_l("Inlämnaren får skälet med e-post och ser det på sin sida."),
        render_kw={"rows": 4},
    )


class AcceptForm(_VersionedForm):
    """Accept into the focus area's portfolio (the button; the version travels along)."""


class ReopenForm(_VersionedForm):
    """Back to the inbox (from declined or duplicate)."""


class UnlinkForm(_VersionedForm):
    """Remove a related link."""
