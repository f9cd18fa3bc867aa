"""Process support's form for what the public hub shows of an initiative."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField

from portal.forms import HiddenField, MultiCheckboxField


class PublicationForm(FlaskForm):
    published = BooleanField(_l("Visa initiativet i den öppna hubben"))
    public_fields = MultiCheckboxField(_l("Texter som visas"), choices=[])
    show_submitter_name = BooleanField(_l("Visa inlämnarens namn"))
    public_rationales = MultiCheckboxField(_l("Motiveringar som visas"), choices=[], coerce=int)
    public_insights = MultiCheckboxField(_l("Insikter som visas"), choices=[], coerce=int)
    version = HiddenField()

    def __init__(self, *args, fields=(), decisions=(), insights=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.public_fields.choices = [(key, str(label)) for key, label in fields]
        self.public_rationales.choices = [(d.id, d.outcome_label) for d in decisions]
        self.public_insights.choices = [(i.id, str(i.noted_on)) for i in insights]
