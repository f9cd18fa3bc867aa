"""How the app answers every error: the error page in the person's language
(portal/error_pages.py), JSON for the API, and what a failing database or a refused value
needs first (create_app registers the handlers; nothing below the app imports this)."""

from __future__ import annotations

import contextlib
import logging

from flask import Flask, g, request
from flask_babel import lazy_gettext as _l
from flask_login import AnonymousUserMixin
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, DBAPIError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from portal.api.responses import http_error_response
from portal.error_pages import TEXTS
from portal.error_pages import render_error as error_page
from portal.extensions import db

log = logging.getLogger(__name__)

DATABASE_DOWN_TEXT = _l(
    "Portalen når inte sin databas just nu, så det du skickade har inte sparats – inte heller "
    "en del av det. Gå tillbaka i webbläsaren; texten finns oftast kvar i formuläret. Försök "
    "igen om en stund."
)
RETRY_AFTER_SECONDS = 30
UNSTORABLE_TEXT = _l(
    "Det du skickade innehöll tecken som inte kan sparas, till exempel osynliga styrtecken. "
    "Inget har sparats. Gå tillbaka, ta bort tecknen och försök igen."
)
CSRF_TEXT = _l(
    "Formuläret hade gått ut eller saknade en säkerhetskod. Gå tillbaka, ladda om sidan och "
    "skicka igen."
)


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_error(400, text=CSRF_TEXT)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        if code not in TEXTS:
            return error
        response = render_error(code)
        if code == 405 and getattr(error, "valid_methods", None):
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def database_down(error: DBAPIError):
        """The database cannot be reached: 503, nothing half-saved (the transaction is rolled
        back), and the next request tries again on a fresh connection (pool_pre_ping)."""
        log.warning(
            "database unavailable on %s %s: %s", request.method, request.path, type(error.orig)
        )

        with contextlib.suppress(Exception):
            db.session.rollback()
        with contextlib.suppress(Exception):
            db.session.remove()
        # The page must not need the database: show it as to a visitor not logged in.
        g._login_user = AnonymousUserMixin()
        response = render_error(503, text=DATABASE_DOWN_TEXT)
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    @app.errorhandler(DataError)
    def unstorable(error: DataError):
        """A value the database refuses (PostgreSQL stores no NUL character in text) that no
        form caught on its field: 400, the transaction rolled back."""
        log.warning("value refused by the database on %s %s", request.method, request.path)

        db.session.rollback()
        return render_error(400, text=UNSTORABLE_TEXT)

    @app.errorhandler(Exception)
    def unhandled(error: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)

        db.session.rollback()
        return render_error(500)


def render_error(code: int, text=None):
    """The error page, or the API's JSON error for an address under /api/."""
    if request.path.startswith("/api/"):
        response = http_error_response(code)
        response.status_code = code
        return response
    return error_page(code, text)
