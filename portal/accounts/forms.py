from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import Email, EqualTo, InputRequired, Length, ValidationError

from portal.accounts import registration
from portal.accounts.passwords import MAX_LENGTH, password_problem
from portal.forms import HiddenField, strip_text

EMAIL_VALIDATORS = [
    InputRequired(_l("Fyll i din e-postadress.")),
    Email(_l("Skriv en e-postadress i formen namn@exempel.se."), check_deliverability=False),
    Length(max=254),
]


class LoginForm(FlaskForm):
    email = EmailField(
        _l("E-post"),
        validators=[InputRequired(_l("Fyll i din e-postadress.")), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Lösenord"),
        validators=[InputRequired(_l("Fyll i ditt lösenord.")), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("E-post"), validators=EMAIL_VALIDATORS, render_kw={"autocomplete": "email"}
    )


class NewPasswordForm(FlaskForm):
    """Set a password (reset, invitation). The user's e-mail and name are checked against it."""

    password = PasswordField(
        _l("Nytt lösenord"),
        validators=[InputRequired(_l("Fyll i ett nytt lösenord."))],
        description=_l(
            "Minst 12 tecken. Ett vanligt lösenord godtas inte; "
            "en mening med flera ord är lätt att minnas."
        ),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Upprepa lösenordet"),
        validators=[
            InputRequired(_l("Upprepa lösenordet.")),
            EqualTo("password", _l("Lösenorden är inte likadana.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._user = user

    def validate_password(self, field) -> None:
        problem = password_problem(
            field.data or "",
            email=getattr(self._user, "email", ""),
            name=getattr(self._user, "name", ""),
        )
        if problem:
            raise ValidationError(problem)


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(
        _l("Nuvarande lösenord"),
        validators=[InputRequired(_l("Fyll i ditt nuvarande lösenord."))],
        render_kw={"autocomplete": "current-password"},
    )


class TotpCodeForm(FlaskForm):
    """Six digits from the authenticator app."""

    code = StringField(
        _l("Kod från appen"),
        validators=[InputRequired(_l("Fyll i koden från appen.")), Length(max=20)],
        description=_l("Sex siffror. Koden byts var 30:e sekund."),
        render_kw={
            "autocomplete": "one-time-code",
            "inputmode": "numeric",
            "pattern": "[0-9 ]*",
            "spellcheck": "false",
            "autocapitalize": "off",
        },
    )


class RecoveryCodeForm(FlaskForm):
    code = StringField(
        _l("Återställningskod"),
        validators=[InputRequired(_l("Fyll i en av dina återställningskoder.")), Length(max=40)],
        description=_l("Tio tecken, till exempel abcde-fgh23. Varje kod fungerar en gång."),
        render_kw={
            "autocomplete": "one-time-code",
            "spellcheck": "false",
            "autocapitalize": "off",
        },
    )


class RegisterForm(FlaskForm):
    """Ask for an account with an address on one of the parties' domains."""

    name = StringField(
        _l("Namn"),
        validators=[InputRequired(_l("Fyll i ditt namn.")), Length(max=120)],
        render_kw={"autocomplete": "name"},
    )
    email = EmailField(
        _l("E-post i tjänsten"),
        validators=EMAIL_VALIDATORS,
        description=_l("Adressen du har hos din arbetsgivare, till exempel namn@eskilstuna.se."),
        filters=[strip_text],
        render_kw={"autocomplete": "email"},
    )

    outside_domain: str | None = None  # set when the address's domain opens no account

    def validate_name(self, field) -> None:
        if not " ".join((field.data or "").split()):
            raise ValidationError(_l("Fyll i ditt namn."))

    def validate_email(self, field) -> None:
        if registration.party_for_email(field.data or "") is None:
            self.outside_domain = (field.data or "").rpartition("@")[2].strip().lower()
            raise ValidationError(
                _l(
                    "Adresser på %(domain)s kan inte skapa ett konto själva: domänen hör inte "
                    "till någon av parterna i listan. Kontakta processtödet (se Kontakt nedan) "
                    "så hjälper vi dig.",
                    domain=self.outside_domain,
                )
            )
