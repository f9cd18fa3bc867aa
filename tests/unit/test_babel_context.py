"""Flask-Babel reads its per-request state through portal/babel_context.py, with the same
behaviour: nothing outside an app context, the locale chosen per request, force_locale."""

from __future__ import annotations

import flask_babel
from flask import g
from flask_babel import force_locale, get_locale, gettext

from portal import babel_context


def test_flask_babel_calls_the_portals_function(app):
    assert flask_babel._get_current_context is babel_context.current_context
    # The pinned Flask-Babel looks its state up through this name; a version that no longer
    # does would leave the function unused (and the speed gone) without failing otherwise.
    assert "_get_current_context" in flask_babel.get_locale.__code__.co_names
    assert "_get_current_context" in flask_babel.Domain.get_translations.__code__.co_names


def test_outside_an_app_context_nothing_is_translated():
    assert babel_context.current_context() is None
    assert get_locale() is None
    assert gettext("Inkorg") == "Inkorg"


def test_the_state_is_flask_babels_own_per_request(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        from flask import session

        session["lang"] = "en"
        assert gettext("Inkorg") == "Inbox"
        assert babel_context.current_context() is g._flask_babel
        assert str(get_locale()).startswith("en")
        with force_locale("sv"):
            assert gettext("Inkorg") == "Inkorg"
        assert gettext("Inkorg") == "Inbox"
    with app.test_request_context():
        assert gettext("Inkorg") == "Inkorg"  # a new request: the default, Swedish
