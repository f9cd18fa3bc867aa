"""The inbox and the triage of one submission (process support and admin only)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from portal.accounts.models import Role, User
from portal.extensions import db, htmx
from portal.htmx import render_page_or_block
from portal.permissions import roles_required
from portal.reference.models import FocusArea
from portal.submissions.models import KIND_LABELS, STATE_LABELS, State, Submission
from portal.triage import inbox as inbox_query
from portal.triage import services
from portal.triage.forms import CLEAR, KEEP, BulkForm

bp = Blueprint("triage", __name__, url_prefix="/inkorg")

# --- the inbox -----------------------------------------------------------------------

INBOX_PATH = "/inkorg"
BULK_LIMIT = 200  # more ids than a page holds is not a person ticking boxes


def _bulk_form(options: inbox_query.InboxOptions, **kwargs) -> BulkForm:
    return BulkForm(
        focus_areas=[(a.id, a.name) for a in options.focus_areas if a.current],
        handlers=[(u.id, u.name) for u in options.handlers],
        **kwargs,
    )


def _filter_choices(options: inbox_query.InboxOptions) -> dict[str, list[tuple]]:
    return {
        "call": [(c.id, c.title) for c in options.calls],
        "kind": [(k.value, label) for k, label in KIND_LABELS.items()],
        "source": [(inbox_query.RESIDENTS, _("Invånare"))]
        + [(p.id, p.name) for p in options.parties],
        "portfolio": [(p.id, p.label) for p in options.portfolios]
        + [(inbox_query.NOBODY, _("Inte sorterad ännu"))],
        "handler": [(inbox_query.NOBODY, _("Ingen handläggare"))]
        + [(u.id, u.name) for u in options.handlers],
    }


@bp.get("")
@roles_required(Role.PROCESS_SUPPORT, Role.ADMIN)
def inbox():
    options = inbox_query.load_options()
    filters = inbox_query.InboxFilters.from_args(request.args, options)
    page = inbox_query.inbox_page(filters, inbox_query.parse_page(request.args.get("page")))
    here = filters.url(page=page.page if page.page > 1 else None)
    context = {
        "options": options,
        "filters": filters,
        "result": page,
        "tabs": inbox_query.state_tabs(filters, page.counts),
        "bulk_form": _bulk_form(options, next=here),
        "choices": _filter_choices(options),
        "kind_labels": KIND_LABELS,
        "state_labels": STATE_LABELS,
    }
    if htmx.history_restore_request:  # the back button refetches: it needs the whole page
        return render_template("triage/inbox.html", **context), 200, {"Vary": "HX-Request"}
    return render_page_or_block("triage/inbox.html", "results", **context)


def _inbox_target(raw: str | None) -> str:
    """Back to the inbox with the filters the triager had; anything else is the plain inbox."""
    raw = (raw or "").strip()
    parts = urlsplit(raw)
    if (
        parts.scheme
        or parts.netloc
        or parts.path != INBOX_PATH
        or parts.fragment
        or any(ord(c) < 32 for c in raw)
        or "\\" in raw
    ):
        return INBOX_PATH
    return raw


def _ticked_ids() -> list[int]:
    ids = {int(v) for v in request.form.getlist("ids") if v.isdigit() and len(v) < 10}
    return sorted(ids)[:BULK_LIMIT]


@bp.post("/massandring")
@roles_required(Role.PROCESS_SUPPORT, Role.ADMIN)
def bulk():
    options = inbox_query.load_options()
    form = _bulk_form(options)
    target = _inbox_target(form.next.data)
    ids = _ticked_ids()
    if not form.validate():
        flash(_("Välj fokusområde och handläggare bland alternativen i listorna."), "error")
        return redirect(target)
    if not ids:
        flash(_("Markera minst en inlämning i tabellen först."), "error")
        return redirect(target)
    if form.focus_area.data == KEEP and form.handler.data == KEEP:
        flash(_("Välj ett fokusområde eller en handläggare att sätta."), "error")
        return redirect(target)
    area = (
        db.session.get(FocusArea, int(form.focus_area.data))
        if form.focus_area.data not in (KEEP, CLEAR)
        else None
    )
    handler = (
        db.session.get(User, int(form.handler.data))
        if form.handler.data not in (KEEP, CLEAR)
        else None
    )
    actor = current_user._get_current_object()
    submissions = db.session.scalars(
        select(Submission)
        .where(Submission.id.in_(ids), Submission.state != State.DRAFT.value)
        .order_by(Submission.id)
    ).all()
    changed = 0
    try:
        for submission in submissions:
            did = False
            if form.focus_area.data != KEEP:
                did = services.set_focus_area(submission, area, actor=actor) or did
            if form.handler.data != KEEP:
                did = services.set_handler(submission, handler, actor=actor) or did
            changed += did
        db.session.commit()
    except services.TriageRefused as refused:
        db.session.rollback()
        flash(str(refused.message), "error")
        return redirect(target)
    except StaleDataError:
        db.session.rollback()
        flash(
            _(
                "Någon annan ändrade en av inlämningarna samtidigt. Ingenting sparades; försök igen."
            ),
            "error",
        )
        return redirect(target)
    if changed:
        flash(
            ngettext(
                "%(num)d inlämning uppdaterades.", "%(num)d inlämningar uppdaterades.", changed
            ),
            "success",
        )
    else:
        flash(_("Inget ändrades: de markerade inlämningarna hade redan de valen."), "info")
    return redirect(target)


# --- one submission --------------------------------------------------------------------
