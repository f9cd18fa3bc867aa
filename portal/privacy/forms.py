from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField
from wtforms.validators import InputRequired, Length, NumberRange, ValidationError

from portal.accounts.passwords import MAX_LENGTH
from portal.calls.forms import PositiveIntegerField
from portal.forms import HiddenField, RadioChoiceField
from portal.privacy.models import ACTION_LABELS, RetentionAction

CONSENT_CHOICES = ("consent_news", "consent_named_publicly", "consent_milestones")


class EmptyForm(FlaskForm):
    """A button that only needs the CSRF token (ask for the link, withdraw an opt-in)."""


class ConsentForm(FlaskForm):
    consent = HiddenField()

    def validate_consent(self, field) -> None:

        if field.data not in CONSENT_CHOICES:
            raise ValidationError(_l("Välj bland alternativen."))


class ResidentErasureForm(FlaskForm):
    confirm = BooleanField(
        _l("Jag förstår att mina kontaktuppgifter raderas och inte kan återställas."),
        validators=[InputRequired(_l("Kryssa i rutan för att bekräfta."))],
    )


class EmployeeErasureForm(ResidentErasureForm):
    confirm = BooleanField(
        _l("Jag förstår att mitt konto stängs och mina uppgifter raderas."),
        validators=[InputRequired(_l("Kryssa i rutan för att bekräfta."))],
    )
    password = PasswordField(
        _l("Ditt lösenord"),
        validators=[InputRequired(_l("Fyll i ditt lösenord.")), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )


class RetentionRuleForm(FlaskForm):
    period = PositiveIntegerField(
        _l("Tid"),
        validators=[
            InputRequired(_l("Skriv ett heltal.")),
            NumberRange(min=1, max=1200, message=_l("Skriv ett tal från 1 till 1200.")),
        ],
    )
    action = RadioChoiceField(_l("Vad som görs"))
    active = BooleanField(_l("Regeln gäller (körs varje natt)"))
    version = HiddenField()

    def __init__(self, *args, actions=(), unit_label="", **kwargs):
        super().__init__(*args, **kwargs)
        self.action.choices = [(a.value, str(ACTION_LABELS[RetentionAction(a)])) for a in actions]
        self.period.label.text = _l("Tid i %(unit)s", unit=unit_label)
