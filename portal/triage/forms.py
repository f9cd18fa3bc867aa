"""What process support may send from the inbox and from one submission's triage page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice

from portal.admin.forms import ChoiceField

# --- the inbox -----------------------------------------------------------------------


KEEP = ""  # bulk choice: leave as it is
CLEAR = "ingen"  # bulk choice: no focus area / no handler


class BulkForm(FlaskForm):
    """Set the focus area and/or the handler of the submissions ticked in the inbox.

    The ticked ids come as `ids` checkboxes in the table; `next` carries the inbox's filters.
    """

    focus_area = ChoiceField(_l("Sätt fokusområde"), default=KEEP)
    handler = ChoiceField(_l("Sätt handläggare"), default=KEEP)
    next = HiddenField()

    def __init__(self, *args, focus_areas=(), handlers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.focus_area.choices = [
            SelectChoice(KEEP, _l("Ändra inte")),
            SelectChoice(CLEAR, _l("Inget fokusområde")),
            *(SelectChoice(str(value), label) for value, label in focus_areas),
        ]
        self.handler.choices = [
            SelectChoice(KEEP, _l("Ändra inte")),
            SelectChoice(CLEAR, _l("Ingen handläggare")),
            *(SelectChoice(str(value), label) for value, label in handlers),
        ]


# --- one submission --------------------------------------------------------------------
