"""Bearer-token authentication of the JSON API, called by permissions.enforce_access.

Only `Authorization: Bearer <token>`: never a token in the URL (it would end up in logs and
browser history), never the session cookie (so no CSRF either: the API only reads).
"""

from __future__ import annotations

import logging

from flask import g, request
from flask_babel import lazy_gettext as _l

from portal.accounts.models import Role
from portal.api import services
from portal.api.models import ApiToken
from portal.api.responses import error_response
from portal.extensions import db
from portal.types import utcnow

log = logging.getLogger(__name__)

PROBLEMS = {
    None: ("missing_token", _l("Skicka din API-nyckel i huvudet Authorization: Bearer <nyckel>.")),
    services.TokenProblem.UNKNOWN: ("invalid_token", _l("API-nyckeln är okänd.")),
    services.TokenProblem.REVOKED: ("token_revoked", _l("API-nyckeln är återkallad.")),
    services.TokenProblem.EXPIRED: ("token_expired", _l("API-nyckeln har gått ut.")),
}
FORBIDDEN = _l(
    "Kontot som API-nyckeln hör till har inte längre behörighet till styrelsens siffror, "
    "eller är avstängt."
)


def bearer_token() -> str | None:
    scheme, _sep, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def authenticate_request(roles: frozenset[Role]):
    """None when the request carries a usable token of a user with one of `roles` (then
    g.api_token and g.api_user are set); otherwise the 401 or 403 JSON response."""
    raw = bearer_token()
    now = utcnow()
    found = services.find_token(raw, now) if raw else None
    if not isinstance(found, ApiToken):
        code, message = PROBLEMS[found]
        response = error_response(401, code, message)
        challenge = 'Bearer realm="api"'
        if raw:
            challenge += f', error="invalid_token", error_description="{code}"'
        response.headers["WWW-Authenticate"] = challenge
        return response
    user = found.user
    if not user.active or not user.has_role(*roles):
        log.info("API token %s refused: user %s lacks the role or is inactive", found.id, user.id)
        return error_response(403, "forbidden", FORBIDDEN)
    if services.note_use(found, now):
        db.session.commit()
    g.api_token, g.api_user = found, user
    return None
