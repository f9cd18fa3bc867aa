"""Whole pages kept for anonymous visitors: the call page and the list of calls.

Most visitors of a call are anonymous residents who arrive with nothing in their session
but a CSRF token and perhaps a language. For them the page is the same for everyone, except
for what is new on every request: the CSRF token, the once-per-intent keys of form_guard()
and the canvas's form key. `@whole_page(stamp)` renders such a page once per key and process,
keeps it with those values cut out, and serves later visitors the kept page with new values
put in: byte for byte what the view would have rendered (tests/functional/test_page_cache.py).

The key is the view's `stamp()` — one cheap query of everything the page shows that can
change in the database (the call's version and state, its host, the focus areas, the privacy
text) — with the language, the minute (texts such as "Stänger om 3 dagar" and a call's
closing: a closed call's state is in the stamp the second it closes) and the address. A key
read from the database is right in every gunicorn worker; a process only keeps what it
rendered itself.

Never kept or served: anything but a plain GET (query arguments, htmx), a signed-in user, a
session with anything beyond an anonymous visitor's own (a flash, a receipt, …), an answer
other than 200, or a render that showed a flash (a refusal). Per process and bounded
(PAGE_CACHE_SIZE, default 64; 0 turns it off); off when templates reload (debug).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from functools import wraps

from flask import Flask, current_app, g, has_request_context, make_response, request, session
from flask.globals import request_ctx
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from portal.fragments import FragmentCache
from portal.types import utcnow

EXTENSION_KEY = "page_cache"
# What an anonymous visitor's session holds by itself: the CSRF token's secret and the
# language chosen (and flask-login's "_fresh" of no login). Anything else (a flash, a receipt, a login in progress) may show.
ANONYMOUS_SESSION = frozenset({"csrf_token", "lang", "_fresh"})
CSRF = "csrf"


def note(kind: str, value: str, new: Callable[[], str]) -> None:
    """A value that is new on every request (a one-time key): where it shows, a kept page
    gets a new one from `new()`. The generators of such values call this."""
    if has_request_context():
        g.setdefault("per_request_values", []).append((kind, value, new))


def _cache() -> FragmentCache | None:
    app = current_app
    if not app.config["PAGE_CACHE_SIZE"] or app.jinja_env.auto_reload:
        return None
    return app.extensions.get(EXTENSION_KEY)


def _anonymous_plain_get() -> bool:
    return (
        request.method == "GET"
        and not request.query_string
        and "HX-Request" not in request.headers
        and not current_user.is_authenticated
        and session.keys() <= ANONYMOUS_SESSION
    )


def whole_page(stamp: Callable[..., Hashable | None]):
    """Keep the view's page for anonymous visitors, per `stamp(**view_args)` (None: not kept)."""

    def decorate(view):
        @wraps(view)
        def wrapper(**kwargs):
            cache = _cache()
            if cache is None or not _anonymous_plain_get():
                return view(**kwargs)
            found = stamp(**kwargs)
            if found is None:
                return view(**kwargs)
            minute = utcnow().replace(second=0, microsecond=0)
            key = (request.endpoint, request.url, str(get_locale()), minute, found)
            page = cache.get(key)
            if page is not None:
                return make_response(_fill(page))
            response = make_response(view(**kwargs))
            if _keepable(response):
                cache.put(key, _cut(response.get_data(as_text=True)))
            return response

        return wrapper

    return decorate


def _keepable(response) -> bool:
    return (
        response.status_code == 200
        and response.mimetype == "text/html"
        and not response.direct_passthrough
        and not getattr(request_ctx, "flashes", None)  # a flash was shown
        and session.keys() <= ANONYMOUS_SESSION
        and not current_user.is_authenticated
    )


def _cut(html: str) -> tuple:
    """The page as parts: literal text between the per-request values, and the kinds."""
    values = {generate_csrf(): (CSRF, generate_csrf)}
    for kind, value, new in g.get("per_request_values", []):
        values[value] = (kind, new)
    pattern = re.compile("|".join(re.escape(v) for v in sorted(values, key=len, reverse=True)))
    slots: dict[str, int] = {}  # the same value twice in the page: the same new one twice
    parts, makers, at = [], [], 0
    for match in pattern.finditer(html):
        parts.append(html[at : match.start()])
        makers.append((slots.setdefault(match.group(0), len(slots)), values[match.group(0)][1]))
        at = match.end()
    parts.append(html[at:])
    return tuple(parts), tuple(makers)


def _fill(page: tuple) -> str:
    parts, makers = page
    out = [parts[0]]
    made: dict[int, str] = {}
    for (slot, new), text in zip(makers, parts[1:], strict=True):
        if slot not in made:
            made[slot] = new()
        out.append(made[slot])
        out.append(text)
    return "".join(out)


def cache_of(app: Flask) -> FragmentCache:
    return app.extensions[EXTENSION_KEY]


def register(app: Flask) -> None:
    app.extensions[EXTENSION_KEY] = FragmentCache(app.config["PAGE_CACHE_SIZE"])
