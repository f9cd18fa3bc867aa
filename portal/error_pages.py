"""Error pages in the person's language: the one template, a title and a text per status.

The views that refuse with a reason of their own show it here (render_error(403, text=…));
portal/errors.py answers every error of the app through it (and as JSON for the API)."""

from __future__ import annotations

from flask import make_response, render_template
from flask_babel import lazy_gettext as _l

TEXTS = {
    400: (_l("Felaktig begäran"), _l("Sidan kunde inte hantera det som skickades.")),
    401: (_l("Du behöver logga in"), _l("Logga in och försök igen.")),
    403: (
        _l("Du har inte behörighet"),
        _l(
            "Ditt konto har inte behörighet till den här sidan. Kontakta processtödet om du "
            "tror att det är fel."
        ),
    ),
    404: (_l("Sidan finns inte"), _l("Kontrollera adressen, eller gå till startsidan.")),
    405: (_l("Otillåten metod"), _l("Sidan kan inte användas på det sättet.")),
    413: (
        _l("Filen eller formuläret är för stort"),
        _l(
            "Det du skickade var större än vad portalen tar emot. Välj mindre filer och försök igen."
        ),
    ),
    429: (
        _l("För många försök"),
        _l("Du har gjort för många försök på kort tid. Vänta en stund och försök sedan igen."),
    ),
    500: (
        _l("Något gick fel hos oss"),
        _l("Ett oväntat fel inträffade. Försök igen om en stund. Felet har loggats."),
    ),
    503: (_l("Tjänsten är inte tillgänglig"), _l("Försök igen om en stund.")),
}


def render_error(code: int, text=None):
    """The error page for `code`, with `text` instead of the usual one."""
    title, default_text = TEXTS[code]
    response = make_response(
        render_template("errors/error.html", code=code, title=title, text=text or default_text)
    )
    response.status_code = code
    return response
