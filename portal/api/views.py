"""The JSON API (/api/v1): the inflow and the agreement's figures for the parties' own
follow-up, and its OpenAPI document."""

from __future__ import annotations

from flask import Blueprint, current_app, g, request
from flask_babel import force_locale
from flask_limiter.errors import RateLimitExceeded
from sqlalchemy import select

from portal.api.auth import authenticate_request
from portal.api.openapi import document
from portal.api.params import parse_agreement_query, parse_inflow_query
from portal.api.responses import (
    ApiError,
    api_error_response,
    api_locale,
    http_error_response,
    json_response,
)
from portal.board.agreement import agreement_figures
from portal.board.filters import ComparedScope
from portal.board.inflow import PERIODS, InflowRow, inflow
from portal.extensions import db, limiter
from portal.permissions import BOARD_FIGURE_ROLES, api_token_required, public
from portal.reference.models import Party, Portfolio
from portal.submissions.models import KIND_LABELS, Kind, stockholm_day
from portal.types import utcnow

bp = Blueprint("api", __name__, url_prefix="/api/v1")

DEFAULT_RATE_LIMIT = "120 per minute"


def _rate_limit() -> str:
    return current_app.config.get("API_RATE_LIMIT", DEFAULT_RATE_LIMIT)


def _token_key() -> str:
    """Per token, not per address: many scripts may share one office's address."""
    return f"api-token:{g.api_token.id}"


@bp.get("/inflow")
@api_token_required(*BOARD_FIGURE_ROLES, authenticate=authenticate_request)
@limiter.limit(_rate_limit, key_func=_token_key, scope="api-inflow")
def inflow_figures():
    with force_locale(api_locale()):
        query = parse_inflow_query(request.args, stockholm_day(utcnow()))
        rows = inflow(
            query.date_from,
            query.date_to,
            query.group,
            portfolio_id=query.portfolio_id,
            source=query.source,
            kind=query.kind,
        )
        body = {
            "from": query.date_from.isoformat(),
            "to": query.date_to.isoformat(),
            "group": list(query.group),
            "filters": {
                "focus_area": query.portfolio_id,
                "party": query.source,
                "kind": query.kind,
            },
            "rows": [_row(row, query.group) for row in rows],
            "total": sum(int(row.count) for row in rows),
        }
    return json_response(body)


def _row(row: InflowRow, group: tuple[str, ...]) -> dict:
    """Only the fields grouped by, in the order asked for, then the count."""
    out: dict = {}
    for part in group:
        if part in PERIODS:
            out["period"] = row.period
        elif part == "party":
            out["party"] = {"id": row.source, "name": row.party}
        elif part == "focus_area":
            out["focus_area"] = {"id": row.portfolio_id, "name": row.focus_area}
        elif part == "kind":
            out["kind"] = {"id": row.kind, "name": str(KIND_LABELS[Kind(row.kind)])}
        else:
            out["call"] = {"id": row.call_id, "name": row.call}
    out["count"] = int(row.count)  # PostgreSQL's sum() of counts is a numeric (Decimal)
    return out


@bp.get("/agreement")
@api_token_required(*BOARD_FIGURE_ROLES, authenticate=authenticate_request)
@limiter.limit(_rate_limit, key_func=_token_key, scope="api-agreement")
def agreement():
    """The agreement's figures (students, collaborations, partners, research projects) for
    the period beside its comparison period, in total and per party (portal/board/agreement)."""
    with force_locale(api_locale()):
        query = parse_agreement_query(request.args, stockholm_day(utcnow()))
        scope = ComparedScope(
            query.date_from, query.date_to, query.portfolio_id, query.source, query.compare
        )
        result = agreement_figures(scope)
        names = {pid: name for pid, name in db.session.execute(select(Party.id, Party.name))}
        parties = sorted(result.parties, key=lambda p: names.get(p.party_id, "\uffff"))
        body = {
            "from": query.date_from.isoformat(),
            "to": query.date_to.isoformat(),
            "comparison": {
                "compare": query.compare,
                "from": result.previous.date_from.isoformat(),
                "to": result.previous.date_to.isoformat(),
            },
            "filters": {"focus_area": query.portfolio_id, "party": query.source},
            "figures": [
                {
                    "key": f.key,
                    "name": str(f.label),
                    "part_of": f.part_of,
                    "period": f.current,
                    "comparison": f.previous,
                }
                for f in result.figures
            ],
            "parties": [
                {
                    "party": (
                        {"id": p.party_id, "name": names.get(p.party_id, "")}
                        if p.party_id is not None
                        else None
                    ),
                    "figures": {
                        key: {"period": now, "comparison": before}
                        for key, _label in result.keys
                        for now, before in [p.get(key)]
                    },
                }
                for p in parties
            ],
        }
    return json_response(body)


@bp.get("/openapi.json")
@public
def openapi():
    """The document with the parties' and focus areas' ids as they are now."""
    party_ids = list(db.session.scalars(select(Party.id).order_by(Party.id)))
    focus_area_ids = list(db.session.scalars(select(Portfolio.id).order_by(Portfolio.id)))
    return json_response(document(party_ids, focus_area_ids))


@bp.errorhandler(ApiError)
def api_error(error: ApiError):
    return api_error_response(error)


@bp.errorhandler(RateLimitExceeded)
def rate_limited(error: RateLimitExceeded):
    response = http_error_response(429)
    response.headers["Retry-After"] = str(error.limit.limit.get_expiry())
    return response
