"""A fragment is a block of its page (the htmx template-fragments essay)."""

from __future__ import annotations

from flask import make_response, render_template
from jinja2_fragments.flask import render_block

__all__ = ["render_block", "render_page_or_block"]

from portal.extensions import htmx


def render_page_or_block(template: str, block: str, status: int = 200, **context):
    """The named block alone for an htmx request that targets it, the whole page otherwise.

    A boosted request (hx-boost) and a history restore (the back button, with htmx's history
    cache off) want the whole page, so they get it.
    """
    if htmx and not htmx.boosted and not htmx.history_restore_request:
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.headers.add("Vary", "HX-Request")
    return response
