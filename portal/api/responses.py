"""The API's answers: JSON in the order written, never cached, and one error format,
`{"error": {"code", "message", "parameter"?}}`.

Messages are Swedish, or English when the client's Accept-Language prefers it; the session's
language plays no part (the API has no session).
"""

from __future__ import annotations

import json

from flask import current_app, request
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

# The answers to errors that happen before or outside an API view (routing, rate limit, bugs).
HTTP_ERRORS = {
    400: ("bad_request", _l("Begäran kunde inte tolkas.")),
    401: ("unauthorized", _l("Anropet saknar en giltig API-nyckel.")),
    403: ("forbidden", _l("API-nyckeln ger inte behörighet till det här.")),
    404: ("not_found", _l("Adressen finns inte i API:t. Se /api/v1/openapi.json.")),
    405: ("method_not_allowed", _l("API:t tar bara emot GET.")),
    413: ("too_large", _l("Begäran är för stor.")),
    429: (
        "rate_limited",
        _l("För många anrop med den här API-nyckeln. Vänta en stund och försök igen."),
    ),
    500: (
        "server_error",
        _l("Ett oväntat fel inträffade. Försök igen om en stund. Felet har loggats."),
    ),
    503: ("unavailable", _l("Tjänsten är inte tillgänglig. Försök igen om en stund.")),
}


class ApiError(Exception):
    """Raised by API code; answered as JSON with `status`."""

    def __init__(self, status: int, code: str, message, parameter: str | None = None):
        super().__init__(code)
        self.status, self.code, self.message, self.parameter = status, code, message, parameter


def api_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    return request.accept_languages.best_match(languages) or languages[0]


def json_response(body: dict, status: int = 200):
    response = current_app.response_class(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        status=status,
        mimetype="application/json",
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Language"] = api_locale()
    return response


def error_response(status: int, code: str, message, *, parameter: str | None = None):
    with force_locale(api_locale()):
        error = {"code": code, "message": str(message)}
    if parameter is not None:
        error["parameter"] = parameter
    return json_response({"error": error}, status)


def api_error_response(error: ApiError):
    return error_response(error.status, error.code, error.message, parameter=error.parameter)


def http_error_response(status: int):
    code, message = HTTP_ERRORS.get(status, HTTP_ERRORS[500])
    return error_response(status, code, message)
