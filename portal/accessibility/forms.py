from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, StringField, TextAreaField
from wtforms.validators import Email, InputRequired, Length

from portal.accessibility.models import Compliance
from portal.accessibility.services import COMPLIANCE_LABELS
from portal.forms import DayField, HiddenField, RadioChoiceField

TEXT_MAX = 10_000


def _text(label, *, required=True, rows=6, description=None):
    validators = [Length(max=TEXT_MAX)]
    if required:
        validators.insert(0, InputRequired(_l("Fältet får inte vara tomt.")))
    return TextAreaField(
        label, validators=validators, description=description, render_kw={"rows": rows}
    )


class StatementForm(FlaskForm):
    version = HiddenField()
    organisation = StringField(
        _l("Organisation som står bakom tjänsten"),
        validators=[InputRequired(_l("Fyll i organisationen.")), Length(max=200)],
    )
    service_name = StringField(
        _l("Tjänstens namn"),
        validators=[InputRequired(_l("Fyll i tjänstens namn.")), Length(max=200)],
    )
    compliance = RadioChoiceField(
        _l("Förenlighet med lagen om tillgänglighet till digital offentlig service"),
        choices=[(value, COMPLIANCE_LABELS[value]) for value in Compliance.ALL],
        validators=[InputRequired(_l("Välj hur förenlig tjänsten är."))],
    )
    shortcomings_sv = _text(
        _l("Kända brister (svenska)"),
        required=False,
        description=_l("Lämna tomt om ni inte känner till några brister."),
    )
    shortcomings_en = _text(_l("Kända brister (engelska)"), required=False)
    feedback_sv = _text(_l("Hur man lämnar synpunkter (svenska)"), rows=4)
    feedback_en = _text(_l("Hur man lämnar synpunkter (engelska)"), rows=4)
    contact_email = EmailField(
        _l("E-postadress för synpunkter"),
        validators=[
            InputRequired(_l("Fyll i en e-postadress.")),
            Email(_l("Skriv en giltig e-postadress.")),
            Length(max=254),
        ],
    )
    method_sv = _text(_l("Hur tjänsten har granskats (svenska)"))
    method_en = _text(_l("Hur tjänsten har granskats (engelska)"))
    published_on = DayField(
        _l("Redogörelsen upprättades"), validators=[InputRequired(_l("Fyll i ett datum."))]
    )
    assessed_on = DayField(
        _l("Tjänsten granskades senast"), validators=[InputRequired(_l("Fyll i ett datum."))]
    )
