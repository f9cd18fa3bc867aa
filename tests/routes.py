"""The app's routes as the route walkers see them (tests/functional/test_access.py,
tests/functional/test_bounds.py): every rule of app.url_map but static files, who may reach
it, and a URL to call it with."""

from __future__ import annotations

from collections.abc import Iterator

from werkzeug.routing import Rule

from portal.accounts.models import Role
from portal.permissions import AUTHENTICATED, PUBLIC, TokenAccess, access_of

# A value for each kind of path parameter that names nothing in the database.
DUMMY_ARGS = {"Integer": 999999, "Unicode": "x" * 43, "Path": "x", "UUID": "0" * 32}


def converter_kind(converter) -> str:
    """ "Integer", "Unicode", "Path", ...: the converter's class name without "Converter"
    (a subclass, like the portal's own int converter, counts as its base)."""
    for cls in type(converter).__mro__:
        kind = cls.__name__.replace("Converter", "")
        if kind in DUMMY_ARGS:
            return kind
    return type(converter).__name__.replace("Converter", "")


def rules(app) -> list[Rule]:
    """Every rule but the static files, in a stable order."""
    return sorted(
        (r for r in app.url_map.iter_rules() if r.endpoint != "static"),
        key=lambda r: (r.rule, r.endpoint),
    )


def dummy_url(rule: Rule) -> str:
    args = {
        name: DUMMY_ARGS.get(converter_kind(conv), "x") for name, conv in rule._converters.items()
    }
    return rule.build(args, append_unknown=False)[1] if args else rule.rule


def routes(app) -> Iterator[tuple[str, str, str]]:
    """(endpoint, method, dummy URL) for each rule and each of GET and POST it answers."""
    for rule in rules(app):
        url = dummy_url(rule)
        for method in sorted(rule.methods & {"GET", "POST"}):
            yield rule.endpoint, method, url


def request(client, method: str, url: str, token: str, **kwargs):
    """GET the URL, or POST it with nothing but the CSRF token."""
    if method == "GET":
        return client.get(url, **kwargs)
    return client.post(url, data={"csrf_token": token}, **kwargs)


def may_reach(endpoint: str, role: Role | None) -> bool:
    """Whether a user holding only `role` (None: a visitor not logged in) gets past the
    endpoint's declaration (an API view: with a token of that user). Needs an app context."""
    access = access_of(endpoint)
    if access == PUBLIC:
        return True
    if role is None:
        return False
    if access == AUTHENTICATED:
        return True
    if isinstance(access, TokenAccess):
        return role in access.roles
    return isinstance(access, frozenset) and role in access
