"""What an administrator may send: users and roles, parties, focus areas, perspectives."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    BooleanField,
    EmailField,
    SearchField,
    SelectChoice,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from portal.accounts.models import ROLE_LABELS, Role
from portal.admin.labels import KIND_LABELS, STATUS_LABELS
from portal.extensions import db
from portal.forms import (
    DATE_HINT,
    ChoiceField,
    DayField,
    MultiCheckboxField,
    WholeNumberField,
)
from portal.reference.models import Party


def at_least_one(form, field) -> None:
    """Like DataRequired, without marking each checkbox `required` (that means all of them)."""
    if not field.data:
        raise ValidationError(str(_l("Välj minst en roll.")))


def strip(value):
    return value.strip() if isinstance(value, str) else value


def _optional_int(value) -> int | None:
    if value in (None, "", "None"):
        return None
    return int(value)


def party_choices() -> list[SelectChoice]:
    parties = db.session.scalars(select(Party).order_by(Party.name)).all()
    choices = [SelectChoice("", str(_l("Ingen part")))]
    for party in parties:
        label = party.name
        if party.has_left:
            label = str(_l("%(name)s (har lämnat)", name=party.name))
        choices.append(SelectChoice(str(party.id), label))
    return choices


def role_choices() -> list[SelectChoice]:
    return [SelectChoice(role.value, str(ROLE_LABELS[role])) for role in Role]


class _UserFields(FlaskForm):
    name = StringField(
        _l("Namn"),
        validators=[DataRequired(_l("Fyll i namnet.")), Length(max=120)],
        filters=[strip],
        render_kw={"autocomplete": "off"},
    )
    party = ChoiceField(
        _l("Part"),
        coerce=_optional_int,
        validate_choice=True,
        description=_l("Den organisation personen arbetar i. Medarbetare måste höra till en part."),
    )
    roles = MultiCheckboxField(
        _l("Roller"),
        validators=[at_least_one],
        description=_l("Välj minst en. En person kan ha flera roller."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.party.choices = party_choices()
        self.roles.choices = role_choices()

    def selected_roles(self) -> set[Role]:
        return {Role(value) for value in self.roles.data or []}


EMAIL_VALIDATORS = [
    DataRequired(_l("Fyll i e-postadressen.")),
    Email(_l("Skriv en e-postadress i formen namn@exempel.se."), check_deliverability=False),
    Length(max=254),
]


class InviteUserForm(_UserFields):
    email = EmailField(
        _l("E-post"),
        validators=EMAIL_VALIDATORS,
        description=_l("Inbjudan skickas hit. Länken gäller i sju dagar."),
        filters=[strip],
        render_kw={"autocomplete": "off"},
    )


class EditUserForm(_UserFields):
    email = EmailField(
        _l("E-post"),
        validators=EMAIL_VALIDATORS,
        description=_l(
            "Personen loggar in med den här adressen. Om du ändrar den slutar länkar "
            "som redan skickats att gälla."
        ),
        filters=[strip],
        render_kw={"autocomplete": "off"},
    )
    active = BooleanField(
        _l("Kontot är aktivt"),
        description=_l(
            "Ett avstängt konto kan inte logga in, och personen loggas ut överallt direkt."
        ),
    )


class UserFilterForm(FlaskForm):
    """The search above the user list: role and status in the address, the search text posted
    and kept in the session (see admin.views.users); CSRFProtect checks the POST."""

    class Meta:
        csrf = False

    q = SearchField(_l("Sök på namn eller e-post"), validators=[Optional(), Length(max=100)])
    role = ChoiceField(_l("Roll"), validators=[Optional()])
    status = ChoiceField(_l("Status"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = [SelectChoice("", str(_l("Alla roller"))), *role_choices()]
        self.status.choices = [
            SelectChoice("", str(_l("Alla"))),
            *(SelectChoice(value, str(label)) for value, label in STATUS_LABELS.items()),
        ]


class PartyForm(FlaskForm):
    name = StringField(
        _l("Namn"), validators=[DataRequired(_l("Fyll i partens namn.")), Length(max=120)]
    )
    short_name = StringField(
        _l("Kort namn"),
        validators=[DataRequired(_l("Fyll i ett kort namn.")), Length(max=30)],
        description=_l("Visas i tabeller och diagram, till exempel ”Västerås”."),
    )
    kind = ChoiceField(
        _l("Typ av organisation"),
        choices=[SelectChoice(kind.value, label) for kind, label in KIND_LABELS.items()],
        validators=[InputRequired(_l("Välj typ av organisation."))],
    )
    joined_on = DayField(
        _l("Gick med"),
        validators=[InputRequired(_l("Fyll i datumet då parten gick med."))],
        description=DATE_HINT,
    )
    left_on = DayField(
        _l("Lämnade"),
        validators=[Optional()],
        description=_l(
            "Lämna tomt så länge parten är med. En part som lämnat finns kvar med sin historik."
        ),
    )
    note = TextAreaField(_l("Anteckning"), validators=[Optional(), Length(max=2000)])

    def validate_left_on(self, field) -> None:
        if field.data and self.joined_on.data and field.data < self.joined_on.data:
            raise ValidationError(
                _l("Datumet då parten lämnade kan inte vara före datumet då den gick med.")
            )


class FocusAreaForm(FlaskForm):
    name = StringField(_l("Namn"), validators=[DataRequired(_l("Fyll i namnet.")), Length(max=160)])
    effect_goal = TextAreaField(
        _l("Effektmål"),
        validators=[Optional(), Length(max=5000)],
        description=_l("Vad Samhällskontraktet vill uppnå inom fokusområdet."),
    )
    valid_from = DayField(
        _l("Gäller från"),
        validators=[InputRequired(_l("Fyll i datumet då fokusområdet börjar gälla."))],
        description=DATE_HINT,
    )
    valid_to = DayField(
        _l("Gäller till och med"),
        validators=[Optional()],
        description=_l("Lämna tomt om fokusområdet gäller tills vidare."),
    )

    def validate_valid_to(self, field) -> None:
        if field.data and self.valid_from.data and field.data < self.valid_from.data:
            raise ValidationError(_l("Slutdatumet kan inte vara före startdatumet."))


class RenameFocusAreaForm(FlaskForm):
    new_name = StringField(
        _l("Nytt namn"),
        validators=[DataRequired(_l("Fyll i det nya namnet.")), Length(max=160)],
    )
    effect_goal = TextAreaField(
        _l("Effektmål"),
        validators=[Optional(), Length(max=5000)],
        description=_l("Effektmålet för det nya namnet. Det gamla namnet behåller sitt."),
    )
    valid_from = DayField(
        _l("Det nya namnet gäller från"),
        validators=[InputRequired(_l("Fyll i datumet då det nya namnet börjar gälla."))],
        description=_l("Det gamla namnet gäller till och med dagen före. ÅÅÅÅ-MM-DD."),
    )


class PerspectiveForm(FlaskForm):
    name = StringField(
        _l("Namn"), validators=[DataRequired(_l("Fyll i perspektivets namn.")), Length(max=160)]
    )
    position = WholeNumberField(
        _l("Ordning"),
        validators=[
            InputRequired(_l("Fyll i ett heltal.")),
            NumberRange(min=0, max=999, message=_l("Skriv ett heltal mellan 0 och 999.")),
        ],
        description=_l("Perspektiven visas i stigande ordning."),
    )
    active = BooleanField(
        _l("Aktivt"),
        description=_l(
            "Ett inaktivt perspektiv går inte att välja för nya bedömningar men "
            "finns kvar på de initiativ som redan har det."
        ),
    )


class PartyDomainForm(FlaskForm):
    """Tie an e-mail domain to a party: its staff can then make accounts themselves."""

    domain = StringField(
        _l("E-postdomän"),
        validators=[
            DataRequired(_l("Fyll i en domän, till exempel eskilstuna.se.")),
            Length(max=260),
        ],
        description=_l(
            "Delen efter @ i medarbetarnas adresser, till exempel eskilstuna.se. Bara exakt "
            "den domänen räknas, inte underdomäner som student.mdu.se."
        ),
        render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "off"},
    )
