"""Open data without a token: /oppna-data (what it is), the initiatives as JSON and CSV, and the
DCAT-AP-SE catalogue record (portal/hub/opendata.py builds them).

Public and cacheable: ETag and Last-Modified from one aggregate query, 304 for a conditional
request that has the current version, `Cache-Control: public` for a few minutes. Rate-limited
per address like the API is per token: 429 in JSON with Retry-After.
"""

from __future__ import annotations

import json

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded

from portal.extensions import limiter
from portal.hub import opendata
from portal.permissions import public
from portal.texts import settings

bp = Blueprint("opendata", __name__)

DEFAULT_RATE_LIMIT = "60 per minute"
MAX_AGE = 300  # seconds a cache may keep a file without asking again
DEFAULT_CONTACT = "samhallskontraktet@mdu.se"
JSON_LD = "application/ld+json"


def _rate_limit() -> str:
    return current_app.config.get("OPEN_DATA_RATE_LIMIT", DEFAULT_RATE_LIMIT)


def _not_modified(version: opendata.Version) -> bool:
    """If-None-Match decides when sent (RFC 9110 13.2.2); else If-Modified-Since."""
    if request.if_none_match:
        return request.if_none_match.contains(version.etag)
    since = request.if_modified_since
    return since is not None and version.last_modified <= since


def _answer(kind: str, mimetype: str, build, *, filename: str | None = None):
    version = opendata.version(kind)
    if _not_modified(version):
        response = current_app.response_class(status=304)
    else:
        response = current_app.response_class(build(version), mimetype=mimetype)
        if mimetype.startswith("text/") or mimetype.endswith("json"):
            response.charset = "utf-8"
        if filename:
            response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.set_etag(version.etag)
    response.last_modified = version.last_modified
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response.headers["Access-Control-Allow-Origin"] = "*"  # anyone's page may read it
    return response


def _json(body: dict) -> str:
    return json.dumps(body, ensure_ascii=False, indent=1)


@bp.get("/oppna-data")
@public
def index():
    return render_template(
        "opendata/index.html",
        licence=settings.open_data_licence(),
        columns=opendata.COLUMNS,
    )


@bp.get("/oppna-data/initiativ.json")
@public
@limiter.shared_limit(_rate_limit, scope="open-data")
def initiatives_json():
    return _answer(
        "json",
        "application/json",
        lambda v: _json(opendata.as_json(opendata.initiatives(), v.last_modified)),
    )


@bp.get("/oppna-data/initiativ.csv")
@public
@limiter.shared_limit(_rate_limit, scope="open-data")
def initiatives_csv():
    return _answer(
        "csv",
        "text/csv",
        lambda _v: opendata.as_csv(opendata.initiatives()),
        filename="initiativ.csv",
    )


@bp.get("/oppna-data/katalog.jsonld")
@public
@limiter.shared_limit(_rate_limit, scope="open-data")
def catalogue():
    contact = current_app.config.get("OPEN_DATA_CONTACT_EMAIL") or DEFAULT_CONTACT
    return _answer(
        "jsonld",
        JSON_LD,
        lambda v: _json(opendata.catalogue(v.last_modified, contact)),
    )


@bp.errorhandler(RateLimitExceeded)
def rate_limited(error: RateLimitExceeded):
    body = {
        "error": {
            "code": "rate_limited",
            "message": _("För många anrop från samma adress. Vänta en stund och försök igen."),
        }
    }
    response = current_app.response_class(
        json.dumps(body, ensure_ascii=False), status=429, mimetype="application/json"
    )
    response.headers["Retry-After"] = str(error.limit.limit.get_expiry())
    response.headers["Cache-Control"] = "no-store"
    return response
