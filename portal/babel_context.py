"""Flask-Babel finds its per-request state straight from the app context.

Every translated text (`_()` in a template, a lazy label turned into text) asks Flask-Babel
for the current translations and locale, and each ask looks up its state on `flask.g` three
times, each through werkzeug's LocalProxy: a page of the board translates about 700 texts,
the inbox about 340, and those lookups were the largest single cost after the template
itself (cProfile, bench/board.py and bench/inbox.py). `install()` gives Flask-Babel a
function that does the same with one read of the app context's ContextVar.

Same behaviour: no app context gives None (Flask-Babel then translates nothing), the state is
the same `g._flask_babel` namespace, so `force_locale` and the locale selector work as before
(tests/unit/test_babel_context.py). Flask-Babel is pinned (requirements.txt); the test fails if
a new version no longer calls this function.
"""

from __future__ import annotations

from types import SimpleNamespace

import flask_babel
from flask.globals import _cv_app


def current_context() -> SimpleNamespace | None:
    """Flask-Babel's state for this app context (made on first use), or None outside one."""
    app_context = _cv_app.get(None)
    if app_context is None:
        return None
    g = app_context.g
    try:
        return g._flask_babel
    except AttributeError:
        g._flask_babel = SimpleNamespace()
        return g._flask_babel


def install() -> None:
    flask_babel._get_current_context = current_context
