from __future__ import annotations

import logging

import redis
from flask import (
    Blueprint,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from sqlalchemy import text

from portal.calls.models import CallState
from portal.calls.services import visible_calls
from portal.calls.views import status_text
from portal.extensions import db
from portal.main.dashboard import waiting_for
from portal.permissions import is_safe_next, public
from portal.types import today_in_stockholm, utcnow

bp = Blueprint("main", __name__)
log = logging.getLogger(__name__)


@bp.get("/")
@public
def home():
    now = utcnow()
    user = current_user._get_current_object()
    open_calls = [c for c in visible_calls(user, now) if c.state_at(now) == CallState.OPEN]
    waiting = waiting_for(user, today_in_stockholm()) if user.is_authenticated else None
    return render_template(
        "main/home.html",
        open_calls=open_calls,
        status_text=lambda call: status_text(call, now),
        waiting=waiting,
    )


@bp.post("/sprak")
@public
def set_language():
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated:
            current_user.locale = lang
            db.session.commit()
    target = request.form.get("next")
    return redirect(target if is_safe_next(target) else url_for("main.home"))


@bp.get("/healthz")
@public
def healthz():
    """Alive: the process answers. Nothing else is asked, so a load balancer never takes an
    instance out for what another part (the database) does; /readyz says that."""
    return jsonify(status="ok")


@bp.get("/readyz")
@public
def readyz():
    """Ready for traffic: the database answers and, when REDIS_URL is set, Redis does.
    503 otherwise; which part failed is named, how it failed is only logged."""
    checks = {"database": _database_answers()}
    if current_app.config["REDIS_URL"]:
        checks["redis"] = _redis_answers(current_app.config["REDIS_URL"])
    ready = all(checks.values())
    body = {"status": "ok" if ready else "error"}
    body.update({name: "ok" if fine else "unreachable" for name, fine in checks.items()})
    return jsonify(body), 200 if ready else 503


def _database_answers() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any database failure means not ready
        db.session.rollback()
        log.warning("readyz: the database does not answer", exc_info=True)
        return False
    return True


def _redis_answers(url: str) -> bool:
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except redis.RedisError:
        log.warning("readyz: Redis does not answer", exc_info=True)
        return False
