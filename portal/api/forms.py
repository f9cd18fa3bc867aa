from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField
from wtforms.validators import InputRequired, Length

LIFETIMES = {
    "30": timedelta(days=30),
    "90": timedelta(days=90),
    "365": timedelta(days=365),
    "never": None,
}


class CreateTokenForm(FlaskForm):
    name = StringField(
        _l("Namn på nyckeln"),
        validators=[
            InputRequired(_l("Ge nyckeln ett namn, så att du känner igen den senare.")),
            Length(max=80, message=_l("Högst 80 tecken.")),
        ],
        description=_l("Till exempel vad den används till: ”Månadsrapport till ledningsgruppen”."),
        render_kw={"autocomplete": "off", "maxlength": 80},
    )
    lifetime = RadioField(
        _l("Giltig"),
        choices=[
            ("30", _l("30 dagar")),
            ("90", _l("90 dagar")),
            ("365", _l("Ett år")),
            ("never", _l("Tills jag återkallar den")),
        ],
        default="365",
        validators=[InputRequired(_l("Välj hur länge nyckeln ska gälla."))],
    )

    def lifetime_delta(self) -> timedelta | None:
        return LIFETIMES[self.lifetime.data]


class RevokeTokenForm(FlaskForm):
    """Only the CSRF token: the button names the key."""
