"""What people may send about pilot reports."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from portal.evaluation.models import OUTCOME_LABELS, PILOT_OUTCOMES
from portal.evaluation.pilot_reports.sections import MAX_CHARS, SECTIONS
from portal.forms import (
    HiddenField,
    MultiCheckboxField,
    RadioChoiceField,
    no_control_chars,
    strip_text,
)


def _public(key: str) -> BooleanField:
    """The section's "public" box, named after the section (six boxes, six labels)."""
    label = _l("Utfall") if key == "outcome" else SECTIONS[key].label
    return BooleanField(_l("Visa ”%(part)s” i hubben när initiativet är publicerat", part=label))


def _text(section) -> TextAreaField:
    return TextAreaField(
        section.label,
        validators=[
            InputRequired(section.required),
            Length(max=MAX_CHARS, message=_l("Texten får vara högst 8000 tecken.")),
            no_control_chars,
        ],
        description=section.hint,
        filters=[strip_text],
        render_kw={"data-maxchars": MAX_CHARS, "rows": 6},
    )


class PilotReportForm(FlaskForm):
    """The pilot report: every section, each with its "public" box; files may be added."""

    tested_what = _text(SECTIONS["tested_what"])
    tested_what_public = _public("tested_what")
    tested_with = _text(SECTIONS["tested_with"])
    tested_with_public = _public("tested_with")
    measurement = _text(SECTIONS["measurement"])
    measurement_public = _public("measurement")
    results = _text(SECTIONS["results"])
    results_public = _public("results")
    outcome = RadioChoiceField(
        _l("Utfall"),
        choices=[(o.value, OUTCOME_LABELS[o]) for o in PILOT_OUTCOMES],
        validators=[InputRequired(_l("Välj vilket utfall piloten fick."))],
        description=_l(
            "Rapportens bedömning. Core Team beslutar om utfallet och registrerar beslutet."
        ),
    )
    outcome_reason = _text(SECTIONS["outcome"])
    outcome_public = _public("outcome")
    lessons = _text(SECTIONS["lessons"])
    lessons_public = _public("lessons")
    files = MultipleFileField(
        _l("Bilagor"),
        description=_l("Frivilligt. PNG, JPEG, WebP eller PDF, högst 5 filer, högst 10 MB var."),
        render_kw={"accept": "image/png,image/jpeg,image/webp,application/pdf"},
    )
    remove_files = MultiCheckboxField(_l("Ta bort bilagor"), coerce=int)
    # The report's version the page showed (empty: a new report).
    version = HiddenField()

    def __init__(self, *args, stored_files=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.remove_files.choices = [(f.id, f.original_name) for f in stored_files]

    def validate_version(self, field) -> None:
        raw = (field.data or "").strip()
        if raw and not (raw.isascii() and raw.isdigit()):
            raise ValidationError(str(_l("Sidan var inte aktuell. Ladda om sidan.")))

    @property
    def posted_version(self) -> int | None:
        raw = (self.version.data or "").strip()
        return int(raw) if raw.isdigit() else None

    def texts(self) -> dict[str, str]:
        return {
            "tested_what": self.tested_what.data,
            "tested_with": self.tested_with.data,
            "measurement": self.measurement.data,
            "results": self.results.data,
            "outcome": self.outcome.data,
            "outcome_reason": self.outcome_reason.data,
            "lessons": self.lessons.data,
        }

    def public_parts(self) -> list[str]:
        return [key for key in SECTIONS if self[f"{key}_public"].data]

    def chosen_files(self) -> list:
        return [f for f in (self.files.data or []) if getattr(f, "filename", "")]


class LessonsToInsightForm(FlaskForm):
    """Only the CSRF token (and the one-time key): which report is in the address."""
