"""What process support may send when creating or editing a call."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields import DateTimeLocalField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from portal.calls.models import Audience, Call
from portal.forms import MultiCheckboxField
from portal.reference.canvas import (
    ALWAYS_REQUIRED,
    CONFIGURABLE,
    FIELDS_BY_KEY,
    FOCUS_AREA,
    FieldRule,
    label_of,
)
from portal.types import STOCKHOLM

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"

AUDIENCE_CHOICES = [
    (Audience.STAFF.value, _l("Bara parternas medarbetare")),
    (Audience.RESIDENTS.value, _l("Även invånare")),
]
RULE_LABELS = {
    FieldRule.REQUIRED: _l("Obligatoriskt"),
    FieldRule.OPTIONAL: _l("Valfritt"),
    FieldRule.HIDDEN: _l("Dolt"),
}
RULE_KEYS = tuple(key for key in CONFIGURABLE if key not in ALWAYS_REQUIRED)


class StockholmDateTimeField(DateTimeLocalField):
    """A datetime-local input read and shown in Swedish time; `data` is aware UTC."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format=LOCAL_FORMAT, **kwargs)

    def _value(self) -> str:
        if self.raw_data:
            return " ".join(self.raw_data)
        if self.data:
            return self.data.astimezone(STOCKHOLM).strftime(LOCAL_FORMAT)
        return ""

    def process_formdata(self, valuelist) -> None:
        if not valuelist:
            return
        raw = valuelist[0].strip()
        self.data = None
        if not raw:
            return
        for fmt in (LOCAL_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"):
            try:
                local = datetime.strptime(raw, fmt)
            except ValueError:
                continue
            self.data = local.replace(tzinfo=STOCKHOLM).astimezone(UTC)
            return
        raise ValueError(_l("Skriv datum och tid som 2026-12-01 09:00."))


class PositiveIntegerField(IntegerField):
    def process_formdata(self, valuelist) -> None:
        self.data = None
        if not valuelist or not valuelist[0].strip():
            return
        try:
            self.data = int(valuelist[0].strip())
        except ValueError as error:
            raise ValueError(_l("Skriv ett heltal, till exempel 200.")) from error


def _ends_with_question_mark(form, field) -> None:
    if field.data and not field.data.strip().endswith("?"):
        raise ValidationError(
            _l(
                "Skriv problemformuleringen som en fråga som slutar med frågetecken, till exempel "
                "”Hur motiverar vi barn att röra på sig mer?”."
            )
        )


def _rule_chosen(form, field) -> None:
    # A plain function, not InputRequired: that would mark the field "(obligatoriskt)".
    if not field.data:
        raise ValidationError(_l("Välj obligatoriskt, valfritt eller dolt."))


def _optional_int(value):
    return int(value) if value not in ("", None) else None


class CallForm(FlaskForm):
    title = StringField(
        _l("Titel"),
        validators=[InputRequired(_l("Ge utlysningen en titel.")), Length(max=200)],
        description=_l(
            "Ett kort namn, till exempel ”Barn i rörelse”. Webbadressen bildas av "
            "titeln när utlysningen skapas och ändras inte sedan."
        ),
    )
    question = StringField(
        _l("Problemformulering"),
        validators=[
            InputRequired(_l("Skriv problemformuleringen.")),
            Length(max=300, message=_l("Problemformuleringen får vara högst 300 tecken.")),
            _ends_with_question_mark,
        ],
        description=_l(
            "Utmaningen formulerad som en fråga, till exempel ”Hur motiverar vi barn "
            "att röra på sig mer?”."
        ),
    )
    background = TextAreaField(
        _l("Bakgrund"),
        validators=[Optional(), Length(max=20000)],
        description=_l(
            "Varför utlysningen görs och vad som redan är känt. Tomma rader blir nya stycken."
        ),
        render_kw={"rows": 8},
    )
    focus_areas = MultiCheckboxField(
        _l("Fokusområden"),
        coerce=int,
        description=_l("Minst ett fokusområde behövs för att publicera utlysningen."),
    )
    opens_at = StockholmDateTimeField(
        _l("Öppnar"),
        validators=[InputRequired(_l("Ange när utlysningen öppnar."))],
        description=_l("Svensk tid."),
    )
    closes_at = StockholmDateTimeField(
        _l("Stänger"),
        validators=[InputRequired(_l("Ange när utlysningen stänger."))],
        description=_l("Svensk tid."),
    )
    audience = RadioField(
        _l("Vem kan svara?"),
        choices=AUDIENCE_CHOICES,
        validators=[InputRequired(_l("Välj vem som kan svara på utlysningen."))],
    )
    host_party = SelectField(
        _l("Värdpart"),
        coerce=_optional_int,
        validators=[InputRequired(_l("Välj vilken part som står värd för utlysningen."))],
    )
    max_participants = PositiveIntegerField(
        _l("Högsta antal deltagare"),
        validators=[
            Optional(),
            NumberRange(min=1, message=_l("Högsta antal deltagare måste vara minst 1.")),
        ],
        description=_l("Lämna tomt om antalet inte är begränsat."),
        render_kw={"min": 1, "inputmode": "numeric"},
    )
    version = HiddenField()

    def __init__(self, *args, parties=(), focus_areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._parties = {p.id: p for p in parties}
        self._areas = {a.id: a for a in focus_areas}
        self.host_party.choices = [("", _l("Välj part"))] + [(p.id, p.name) for p in parties]
        self.focus_areas.choices = [(a.id, a.name) for a in focus_areas]

    def validate_closes_at(self, field) -> None:
        if field.data and self.opens_at.data and field.data <= self.opens_at.data:
            raise ValidationError(_l("Utlysningen måste stänga efter att den öppnar."))

    def rule_fields(self):
        return [self[f"rule_{key}"] for key in RULE_KEYS]

    def field_rules(self) -> dict[str, str]:
        rules = {key: FieldRule.REQUIRED.value for key in ALWAYS_REQUIRED}
        rules |= {key: self[f"rule_{key}"].data for key in RULE_KEYS}
        return rules

    def call_fields(self) -> dict:
        """The validated input as keyword arguments for create_call / update_call."""
        return {
            "title": self.title.data.strip(),
            "question": self.question.data.strip(),
            "background": (self.background.data or "").replace("\r\n", "\n").strip(),
            "focus_areas": [self._areas[i] for i in self.focus_areas.data or []],
            "opens_at": self.opens_at.data,
            "closes_at": self.closes_at.data,
            "audience": self.audience.data,
            "host_party": self._parties[self.host_party.data],
            "max_participants": self.max_participants.data,
            "field_rules": self.field_rules(),
        }


def initial_data(call: Call | None, *, audience: str, rules: dict) -> dict:
    """What the form shows on GET: the stored call, or the defaults for a new one."""
    data: dict = {f"rule_{key}": str(rules[key]) for key in RULE_KEYS}
    if call is None:
        return data | {"audience": audience}
    return data | {
        "title": call.title,
        "question": call.question,
        "background": call.background,
        "focus_areas": [a.id for a in call.focus_areas],
        "opens_at": call.opens_at,
        "closes_at": call.closes_at,
        "audience": call.audience,
        "host_party": call.host_party_id,
        "max_participants": call.max_participants,
        "version": str(call.version),
    }


for _key in RULE_KEYS:
    _group = FIELDS_BY_KEY[_key].group if _key != FOCUS_AREA else None
    setattr(
        CallForm,
        f"rule_{_key}",
        RadioField(
            label_of(_key),
            choices=[(rule.value, label) for rule, label in RULE_LABELS.items()],
            validators=[_rule_chosen],
            description=_group,
        ),
    )
