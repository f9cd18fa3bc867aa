"""The canvas form, built from a call's field rules (or the standing intake's)."""

from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import (
    BooleanField,
    EmailField,
    RadioField,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.validators import Email, InputRequired, Length, Optional, Regexp, ValidationError

from portal import pagecache
from portal.forms import HiddenField, no_control_chars
from portal.reference.canvas import (
    CANVAS_FIELDS,
    CONFIGURABLE,
    FOCUS_AREA,
    CanvasField,
    FieldRule,
    too_long,
)
from portal.submissions.milestones import ANSWER
from portal.submissions.models import KIND_LABELS, Kind


def _required(label):
    return InputRequired(_l("Fyll i ”%(label)s”.", label=label))


class WithinLimit:
    """A canvas text within its field's limit, counted as stored (a line break once). No
    `maxlength` flag: a browser cuts pasted text to maxlength without a word, so the limit is
    said in the hint, counted live by static/js/charcount.js, and refused here with the whole
    text kept in the field."""

    def __init__(self, field: CanvasField) -> None:
        self.field = field

    def __call__(self, form, field) -> None:
        message = too_long(self.field, field.data)
        if message is not None:
            raise ValidationError(str(message))


class CanvasBase(FlaskForm):
    kind = RadioField(
        _l("Är det en utmaning eller en idé?"),
        choices=[(k.value, KIND_LABELS[k]) for k in Kind],
        validators=[InputRequired(_l("Välj om det är en utmaning/ett behov eller en idé."))],
        description=_l(
            "En utmaning eller ett behov är ett problem du ser i arbetet eller i vardagen. "
            "En idé är ett förslag på lösning."
        ),
    )
    form_key = HiddenField()
    draft_id = HiddenField()
    # Files accepted in a round that failed for another reason wait under this token (those
    # without a draft: residents, completions); see portal/submissions/uploads.py.
    upload_token = HiddenField()

    def canvas_data(self) -> dict[str, object]:
        data: dict[str, object] = {"kind": self.kind.data} if "kind" in self else {}
        for f in CANVAS_FIELDS:
            if f.key in self:
                data[f.key] = normalise_newlines(self[f.key].data)
        if FOCUS_AREA in self:
            data[FOCUS_AREA] = self[FOCUS_AREA].data or None
        return data

    def canvas_fields(self):
        """The canvas fields of this form in the template's order (for the template)."""

        return [self[key] for key in CONFIGURABLE if key in self]


def _resident_fields() -> dict[str, object]:
    """Contact details of a resident: name, e-mail, optional phone — nothing more.

    Made afresh for each form class so that they follow the canvas (WTForms orders fields by
    creation) and the error summary lists errors in page order.
    """
    return {
        "name": StringField(
            _l("Ditt namn"),
            validators=[InputRequired(_l("Fyll i ditt namn.")), Length(max=120), no_control_chars],
            render_kw={"autocomplete": "name"},
        ),
        "email": EmailField(
            _l("Din e-postadress"),
            validators=[
                InputRequired(_l("Fyll i din e-postadress.")),
                Email(
                    _l("Skriv en e-postadress i formen namn@exempel.se."),
                    check_deliverability=False,
                ),
                Length(max=254),
            ],
            description=_l("Dit skickar vi kvittot och en länk där du kan följa ditt bidrag."),
            render_kw={"autocomplete": "email"},
        ),
        "phone": TelField(
            _l("Telefonnummer (frivilligt)"),
            validators=[
                Optional(),
                Length(max=40),
                Regexp(
                    r"^[0-9+()\-\s]{5,40}$",
                    message=_l("Skriv bara siffror, +, - och mellanslag."),
                ),
            ],
            render_kw={"autocomplete": "tel"},
        ),
        "consent_named_publicly": BooleanField(
            _l("Ni får nämna mitt namn om idén publiceras."),
            description=_l("Frivilligt. Utan ditt ja publicerar vi aldrig ditt namn."),
        ),
        "consent_news": BooleanField(
            _l("Jag vill få nyheter om den här utlysningen med e-post."),
            description=_l("Frivilligt. Du kan när som helst avstå."),
        ),
        "consent_milestones": BooleanField(
            _l("Jag vill få e-post när något händer med min idé."),
            description=_l(
                "Frivilligt. Till exempel när den går vidare till en ny fas eller publiceras. "
                "Högst ett meddelande om dagen, och varje meddelande har en länk för att sluta."
            ),
        ),
        # A honeypot: invisible to people, filled in by scripts. Not a CAPTCHA.
        "website": StringField(
            _l("Lämna det här fältet tomt"), render_kw={"autocomplete": "off", "tabindex": "-1"}
        ),
    }


def _upload_fields() -> dict[str, object]:
    """The file fields. Not named like the submission's `attachments`: a form built with
    obj=submission would take the stored Attachment rows as the field's data when no new file
    is chosen."""
    accept = {"accept": "image/png,image/jpeg,image/webp,application/pdf"}
    return {
        "visual_file": FileField(
            _l("Bild eller dokument som visar idén"),
            description=_l("Frivilligt. PNG, JPEG, WebP eller PDF, högst 10 MB."),
            render_kw=accept,
        ),
        "more_files": MultipleFileField(
            _l("Fler bilagor"),
            description=_l("Frivilligt. Högst 5 filer totalt, högst 10 MB var."),
            render_kw=accept,
        ),
    }


def canvas_form_class(
    rules: dict[str, FieldRule],
    *,
    focus_choices: list[tuple[int, str]],
    resident: bool = False,
    uploads: bool = True,
    draft: bool = False,
    completing: bool = False,
    answering: bool = False,
) -> type[CanvasBase]:
    """A form class for these rules. `draft=True` drops the required checks (saving a draft);
    `completing=True` is the form for adding to a sent entry, which does not ask again whether
    it is a challenge or an idea (the page does not show that choice); `answering=True` adds
    the answer to process support's question (a completion while one is asked)."""
    attrs: dict[str, object] = {}
    if answering:
        attrs[ANSWER.key] = TextAreaField(
            ANSWER.label,
            validators=[Optional(), WithinLimit(ANSWER), no_control_chars],
            description=ANSWER.help,
            render_kw={"data-maxchars": ANSWER.max_length, "rows": 5},
        )
    if completing:
        attrs["kind"] = None  # WTForms: a field set to None in a subclass is removed
    elif draft:  # a draft may be saved before the person has chosen
        attrs["kind"] = RadioField(
            CanvasBase.kind.args[0],
            choices=CanvasBase.kind.kwargs["choices"],
            validators=[Optional()],
            validate_choice=False,
        )
    for f in CANVAS_FIELDS:
        rule = rules.get(f.key, FieldRule.OPTIONAL)
        if rule == FieldRule.HIDDEN:
            continue
        validators = [WithinLimit(f), no_control_chars]
        if rule == FieldRule.REQUIRED and not draft:
            validators.insert(0, _required(f.label))
        else:
            validators.insert(0, Optional())
        field_class = TextAreaField if f.multiline else StringField
        render_kw = {"data-maxchars": f.max_length}
        if f.multiline:
            render_kw["rows"] = 5 if f.max_length > 2000 else 3
        attrs[f.key] = field_class(
            f.label, validators=validators, description=f.help, render_kw=render_kw
        )
    focus_rule = rules.get(FOCUS_AREA, FieldRule.OPTIONAL)
    if focus_rule != FieldRule.HIDDEN and focus_choices:
        validators = (
            [InputRequired(_l("Välj ett fokusområde."))]
            if focus_rule == FieldRule.REQUIRED and not draft
            else [Optional()]
        )
        attrs[FOCUS_AREA] = SelectField(
            _l("Fokusområde"),
            choices=[("", _l("Vet inte / välj senare"))] + [(str(i), n) for i, n in focus_choices],
            coerce=lambda v: int(v) if v not in (None, "") else None,
            validators=validators,
            validate_choice=True,
            description=_l("Vilket av Samhällskontraktets fokusområden passar bäst?"),
        )
    if uploads:
        attrs.update(_upload_fields())
    if resident:
        attrs.update(_resident_fields())
    return type("CanvasForm", (CanvasBase,), attrs)


def new_form_key() -> str:
    key = secrets.token_urlsafe(24)
    pagecache.note("form_key", key, new_form_key)  # a kept page gets a new one
    return key


def normalise_newlines(value: str | None) -> str:
    return (value or "").replace("\r\n", "\n").replace("\r", "\n")
