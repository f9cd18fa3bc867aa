"""What process support sends about the agreement's figures: one form per kind of entry."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, URLField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from portal.evaluation.agreement.models import PARTNER_KIND_LABELS, EntryKind
from portal.forms import (
    DATE_HINT,
    EARLIEST,
    LATEST,
    ChoiceField,
    DayField,
    HiddenField,
    WholeNumberField,
    no_control_chars,
    strip_text,
)
from portal.forms import int_or_none as _int_or_none
from portal.forms import options as _options
from portal.forms import str_or_none as _str_or_none

MAX_STUDENTS = 10_000


def http_url(form, field) -> None:
    """A link is an http(s) address to a site: nothing else is shown as a link."""
    value = (field.data or "").strip()
    if not value:
        return
    try:
        parts = urlsplit(value)
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme.lower() not in ("http", "https")
        or not parts.hostname
        or any(c.isspace() for c in value)
    ):
        raise ValidationError(str(_l("Skriv en webbadress som börjar med https:// eller http://.")))


class EntryForm(FlaskForm):
    """What every entry has: its date and party, and the version it was edited from."""

    dated_on = DayField(
        _l("Datum"), validators=[InputRequired(_l("Skriv datumet."))], description=DATE_HINT
    )
    party = ChoiceField(_l("Part"), coerce=_int_or_none)
    version = HiddenField()

    party_required = True
    party_empty = _l("Välj part")

    def __init__(self, *args, parties=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.party.choices = _options(parties, self.party_empty)

    def validate_dated_on(self, field) -> None:
        if field.data is not None and not EARLIEST <= field.data <= LATEST:
            raise ValidationError(
                str(
                    _l(
                        "Datumet ska ligga mellan %(first)s och %(last)s.",
                        first=EARLIEST.isoformat(),
                        last=LATEST.isoformat(),
                    )
                )
            )

    def validate_party(self, field) -> None:
        if self.party_required and field.data is None:
            raise ValidationError(str(_l("Välj en part.")))


def _text(label, missing, *, max_length: int, description=None, required=True, kind=StringField):
    return kind(
        label,
        validators=[
            InputRequired(missing) if required else Optional(),
            Length(
                max=max_length,
                message=_l("Texten får vara högst %(max)d tecken.", max=max_length),
            ),
            no_control_chars,
        ],
        description=description,
        filters=[strip_text],
    )


class StudentsForm(EntryForm):
    students = WholeNumberField(
        _l("Antal studenter"),
        validators=[
            InputRequired(_l("Skriv hur många studenter som deltar, som en siffra.")),
            NumberRange(
                min=1,
                max=MAX_STUDENTS,
                message=_l("Antalet ska vara mellan 1 och %(max)d.", max=MAX_STUDENTS),
            ),
        ],
    )
    institution = _text(_l("Lärosäte"), _l("Skriv studenternas lärosäte."), max_length=200)
    title = _text(
        _l("Kurs eller examensarbete"),
        _l("Skriv kursen eller examensarbetet."),
        max_length=300,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.party.label.text = str(_l("Part som studenterna arbetar med"))


class CollaborationForm(EntryForm):
    title = _text(
        _l("Mellan vilka parter eller enheter"),
        _l("Skriv mellan vilka parter eller enheter samarbetet är."),
        max_length=300,
        description=_l(
            "Till exempel ”Västerås stad, äldreförvaltningen och Mälardalens universitet, Akademin för hälsa”."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.dated_on.label.text = str(_l("Samarbetet startade"))
        self.party.label.text = str(_l("Part i samarbetet"))


class PartnerForm(EntryForm):
    title = _text(_l("Organisation"), _l("Skriv organisationens namn."), max_length=300)
    partner_kind = ChoiceField(
        _l("Slags organisation"),
        coerce=_str_or_none,
        choices=_options(PARTNER_KIND_LABELS.items(), _l("Välj slag")),
    )

    party_required = False
    party_empty = _l("Ingen särskild part")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.party.label.text = str(_l("Part som har kontakten"))
        self.party.description = _l("Frivilligt.")

    def validate_partner_kind(self, field) -> None:
        if field.data is None:
            raise ValidationError(str(_l("Välj vilket slags organisation det är.")))


class ResearchForm(EntryForm):
    title = _text(_l("Projektets titel"), _l("Skriv forskningsprojektets titel."), max_length=300)
    url = _text(
        _l("Länk"),
        None,
        max_length=500,
        description=_l("Frivilligt. En webbadress som börjar med https://."),
        required=False,
        kind=URLField,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.party.label.text = str(_l("Part som forskar"))

    def validate_url(self, field) -> None:
        http_url(self, field)


FORMS: dict[str, type[EntryForm]] = {
    EntryKind.STUDENTS: StudentsForm,
    EntryKind.COLLABORATION: CollaborationForm,
    EntryKind.PARTNER: PartnerForm,
    EntryKind.RESEARCH: ResearchForm,
}
# The fields a kind's entry keeps (what the service is given), beside date and party.
FIELDS = {
    EntryKind.STUDENTS: ("students", "institution", "title"),
    EntryKind.COLLABORATION: ("title",),
    EntryKind.PARTNER: ("title", "partner_kind"),
    EntryKind.RESEARCH: ("title", "url"),
}


class EntryDeleteForm(FlaskForm):
    """The CSRF token and the version the person saw."""

    version = HiddenField()
