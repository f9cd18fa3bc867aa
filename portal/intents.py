"""Once per intent: the same form sent twice takes effect once.

Every form that changes something carries a one-time key (`intent`, rendered by
`form_guard()` beside the CSRF token, in every template). The first POST with
a key claims it: a row in `intents`, inserted before the view runs, in the view's own
transaction, so it is committed together with the effect or not at all. A double click, a
resend, a replay or a parallel duplicate carries the same key:

- sent again after the first has committed, the claim finds the row and the request does
  nothing: the person is sent where the first one led, with a message saying it was already
  done;
- sent while the first is still running, the claim waits on the key (PostgreSQL's unique
  index, SQLite's write lock) until the first commits, and then does the same.

A claim counts only for an answer that is not an error: when the view answers 4xx/5xx (a
form with errors, a refusal) the key is released, so the person can correct the same form and
send it again. What the view did not commit is rolled back first, as the request's teardown
would.

Pressing Back and sending a page that was loaded anew is a new key; where that could repeat an
effect (the canvas, decisions, funding requests), the service recognises the repetition by
its content.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import Flask, flash, g, redirect, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy import String, delete, func, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from portal import pagecache
from portal.extensions import db
from portal.types import UTCDateTime, utcnow

FIELD = "intent"
KEY_RE = re.compile(r"[A-Za-z0-9_-]{16,64}")
KEEP_FOR = timedelta(days=7)  # longer than anyone keeps a form open; older keys are purged

# Requests that are not one intent each: logging in (the second answer must set the cookie
# the browser keeps), logging out and choosing a language (the same effect however often),
# the canvas's autosave (sent again on every pause in typing), and searches sent as POST.
EXEMPT = frozenset(
    {
        "accounts.login",
        "accounts.login_code",
        "accounts.login_recovery",
        "accounts.logout",
        "main.set_language",
        "submissions.autosave",
        "submissions.similar",
        "admin.users",
    }
)
# A button of a form that only shows something (the canvas's "Visa liknande" re-renders the
# form with similar ideas): no effect, so the page's key stays unused for the real sending.
SHOW_ONLY_ACTIONS = frozenset({"similar"})
# Where the result holds a private link, its address is not stored: the repeat goes back to
# the page the form was on instead (the person has that address already).
PRIVATE_PREFIXES = (
    "/mitt-bidrag/",
    "/mina-uppgifter/",
    "/valkommen/",
    "/losenord/",
    "/skapa-konto/",
    "/e-post/sluta/",
)

ALREADY_DONE = _l(
    "Du hade redan skickat det här formuläret. Det registrerades en gång, och du ser "
    "resultatet här."
)
MESSAGES = {
    "evaluation.record_decision": _l("Det här beslutet är redan registrerat. Du ser det här."),
    "evaluation.decide_agenda_item": _l("Det här beslutet är redan registrerat. Du ser det här."),
    "evaluation.decide_funding": _l("Beslutet om ansökan är redan registrerat."),
    "submissions.call_page": _l("Ditt bidrag är redan inskickat. Här är kvittot."),
    "submissions.new": _l("Inlämningen är redan inskickad."),
}


# What a repeat must still do for the person, by endpoint: a function of where the first
# answer led (on_repeat registers it). A resident's receipt is shown only to the browser
# session that sent the form, and the first answer's cookie may never have reached the
# browser: a second click cancels the first request in the browser, not on the server.
REPEAT_HOOKS: dict[str, Callable[[str | None], None]] = {}


def on_repeat(endpoint: str):
    """Register `function(result_url)` to run when a used key of `endpoint` comes again."""

    def register_hook(function: Callable[[str | None], None]):
        REPEAT_HOOKS[endpoint] = function
        return function

    return register_hook


class Intent(db.Model):
    """A form key that has been used, and where its answer led."""

    __tablename__ = "intents"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    endpoint: Mapped[str] = mapped_column(String(100))
    # NULL while the first request is still at work; "" once it answered somewhere that is
    # not kept (a resident's private page, a download, another site)
    result_url: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


def new_key() -> str:
    key = secrets.token_urlsafe(16)
    pagecache.note(FIELD, key, new_key)  # a kept page gets a new one (portal/pagecache.py)
    return key


def form_guard(form=None, prefix: str = "") -> Markup:
    """The hidden fields of every form that changes something: the CSRF token (without an id,
    as a page may hold many forms; a prefixed form's own name) and a new one-time key."""
    name = form.csrf_token.name if form is not None else f"{prefix}csrf_token"
    return Markup(
        '<input type="hidden" name="{}" value="{}"><input type="hidden" name="{}" value="{}">'
    ).format(name, generate_csrf(), FIELD, new_key())


def register(app: Flask) -> None:
    app.jinja_env.globals["form_guard"] = form_guard
    app.before_request(claim)
    app.after_request(settle)


def _posted_key() -> str | None:
    if request.method != "POST" or request.endpoint in EXEMPT or request.blueprint == "api":
        return None
    if request.form.get("action") in SHOW_ONLY_ACTIONS:
        return None
    key = request.form.get(FIELD, "")
    return key if KEY_RE.fullmatch(key) else None


def claim():
    """Claim this request's key before the view runs; a used key answers at once."""
    key = _posted_key()
    if key is None:
        return None
    db.session.add(Intent(key=key, endpoint=request.endpoint or ""))
    try:
        db.session.flush()  # waits here while a parallel request holds the same key
    except IntegrityError:
        db.session.rollback()
        return _already_done(key)
    g.intent_key = key
    return None


def settle(response):
    """Keep the claim with where the answer led, or release it when the answer is an error."""
    key = g.pop("intent_key", None)
    if key is None:
        return response
    try:
        db.session.rollback()  # what the view did not commit is not part of its effect
        if response.status_code < 400:
            row = db.session.get(Intent, key)
            if row is None:
                row = Intent(key=key, endpoint=request.endpoint or "")
                db.session.add(row)
            row.result_url = _storable(response.headers.get("Location") or _referrer_path()) or ""
        else:
            db.session.execute(delete(Intent).where(Intent.key == key))
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
    return response


def _already_done(key: str):
    row = None
    for _attempt in range(20):  # the first request may still be writing where it led
        row = db.session.get(Intent, key)
        if row is None or row.result_url is not None:
            break
        db.session.rollback()
        time.sleep(0.1)
    endpoint = row.endpoint if row is not None else request.endpoint
    hook = REPEAT_HOOKS.get(endpoint)
    if hook is not None:
        hook((row.result_url or None) if row is not None else None)
    flash(MESSAGES.get(endpoint, ALREADY_DONE), "info")
    target = (
        (row.result_url if row is not None else None) or _private_page() or _referrer_path() or "/"
    )
    return redirect(target, code=303)


def _private_page() -> str | None:
    """For a form on a resident's private pages, the private page itself (its address is in
    this request's own path, and is never stored)."""
    match = re.match(r"(/mitt-bidrag/[^/]+)/", request.path)
    return match.group(1) if match else None


def _referrer_path() -> str | None:
    """The page the form was on, when it is this site's (never another site's address)."""
    referrer = request.referrer
    if not referrer:
        return None
    parts = urlsplit(referrer)
    if parts.netloc and parts.netloc != request.host:
        return None
    path = parts.path or "/"
    return path + (f"?{parts.query}" if parts.query else "")


def _storable(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    if parts.netloc and parts.netloc != request.host:
        return None
    path = parts.path or "/"
    if path.startswith(PRIVATE_PREFIXES):
        return None
    full = (
        path
        + (f"?{parts.query}" if parts.query else "")
        + (f"#{parts.fragment}" if parts.fragment else "")
    )
    return full[:500]


def purge(now: datetime | None = None, *, dry_run: bool = False) -> int:
    """Forget keys older than KEEP_FOR (the nightly `flask retention run` does it); returns
    how many (with `dry_run`, how many it would)."""
    old = Intent.created_at < (now or utcnow()) - KEEP_FOR
    if dry_run:
        return db.session.scalar(select(func.count()).select_from(Intent).where(old)) or 0
    return db.session.execute(delete(Intent).where(old)).rowcount or 0


def purge_report(count: int, applied: bool) -> str:
    done = "borttagna" if applied else "skulle tas bort"
    return f"- Formulärnycklar äldre än {KEEP_FOR.days} dagar: {count} {done}"
