from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from portal.forms import MultiCheckboxField
from portal.notifications.models import KIND_LABELS, OPTIONAL_KINDS


class PreferencesForm(FlaskForm):
    """Which milestones of their ideas an employee wants e-mail about."""

    kinds = MultiCheckboxField(
        _l("Skicka e-post till mig när"),
        description=_l("Bocka ur det du inte vill få e-post om."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kinds.choices = [(k.value, KIND_LABELS[k]) for k in OPTIONAL_KINDS]


class UnsubscribeForm(FlaskForm):
    """The confirm button of an unsubscribe link (a GET never changes anything)."""
