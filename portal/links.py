"""Absolute addresses for e-mail, feeds and command output.

Built by the routes' own rules (as url_for builds them, so a renamed route cannot leave a
stale hand-written path behind) on BASE_URL — never on the Host header of the request at hand,
which a client chooses: a forged Host would otherwise put an attacker's address into a
password-reset mail. Works from a command too, where there is no request.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app


def external_url(endpoint: str, **values) -> str:
    """The absolute address of `endpoint` on BASE_URL (url_for's arguments)."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)
