"""Digital calls: the public list, and process support's pages to create and publish them."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date, format_time, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from portal import pagecache
from portal.accounts.models import Role
from portal.calls import services
from portal.calls.forms import CallForm, initial_data
from portal.calls.models import Audience, Call, CallState
from portal.extensions import db
from portal.permissions import is_process_support, public, roles_required
from portal.reference.canvas import normalise_rules
from portal.types import STOCKHOLM, today_in_stockholm, utcnow

bp = Blueprint("calls", __name__, url_prefix="/utlysningar")

STAFF_ONLY = (Role.PROCESS_SUPPORT, Role.ADMIN)
SOON_DAYS = 14


# --- the public list -------------------------------------------------------------------


@bp.get("")
@public
@pagecache.whole_page(lambda: services.calls_list_stamp())
def index():
    now = utcnow()
    calls = services.visible_calls(current_user, now)
    groups = {state: [c for c in calls if c.state_at(now) == state] for state in CallState}
    return render_template(
        "calls/index.html",
        open_calls=groups[CallState.OPEN],
        upcoming=groups[CallState.SCHEDULED],
        closed=groups[CallState.CLOSED],
        status_text=lambda call: status_text(call, now),
        can_manage=is_process_support(current_user),
    )


def status_text(call: Call, now: datetime) -> str:
    """ "Stänger om 3 dagar", "Öppnar 1 dec. 2026", "Stängd" — in the reader's language."""
    state = call.state_at(now)
    if state == CallState.DRAFT:
        return _("Utkast")
    if state == CallState.CLOSED:
        return _("Stängd")
    if state == CallState.SCHEDULED:
        return _("Öppnar %(date)s", date=format_date(call.opens_at, "long"))
    days = (call.closes_at.astimezone(STOCKHOLM).date() - now.astimezone(STOCKHOLM).date()).days
    time = format_time(call.closes_at, "HH:mm")
    if days <= 0:
        return _("Stänger i dag kl. %(time)s", time=time)
    if days == 1:
        return _("Stänger i morgon kl. %(time)s", time=time)
    if days <= SOON_DAYS:
        return ngettext("Stänger om %(num)d dag", "Stänger om %(num)d dagar", days)
    return _("Stänger %(date)s", date=format_date(call.closes_at, "long"))


# --- process support -------------------------------------------------------------------


@bp.get("/hantera")
@roles_required(*STAFF_ONLY)
def manage():
    now = utcnow()
    return render_template(
        "calls/manage.html",
        calls=services.all_calls(),
        now=now,
        manage_state=lambda call: manage_state(call, now),
    )


def manage_state(call: Call, now: datetime) -> str:
    state = call.state_at(now)
    if state == CallState.SCHEDULED:
        return _("Publicerad, öppnar %(date)s", date=format_date(call.opens_at, "long"))
    if state == CallState.OPEN:
        return _("Öppen")
    return status_text(call, now)


@bp.route("/ny", methods=["GET", "POST"])
@roles_required(*STAFF_ONLY)
def new():
    audience = request.args.get("malgrupp", Audience.STAFF)
    if audience not in set(Audience):
        audience = Audience.STAFF
    form = _form(None, audience=audience)
    if form.validate_on_submit():
        try:
            call = services.create_call(actor=current_user, **form.call_fields())
        except services.CallRefused as refused:
            form.form_errors.append(refused.message)
        else:
            db.session.commit()
            flash(_("Utlysningen ”%(title)s” är sparad som utkast.", title=call.title), "success")
            return redirect(url_for("calls.edit", slug=call.slug))
    return _render_form(form, None)


@bp.route("/<slug>/redigera", methods=["GET", "POST"])
@roles_required(*STAFF_ONLY)
def edit(slug: str):
    call = _load(slug)
    form = _form(call)
    if not form.validate_on_submit():
        return _render_form(form, call)
    try:
        services.update_call(
            call,
            actor=current_user,
            expected_version=_int(form.version.data) or 0,
            **form.call_fields(),
        )
        db.session.commit()
    except services.CallRefused as refused:
        db.session.rollback()
        form.form_errors.append(refused.message)
        return _render_form(form, _load(slug))
    except (services.CallConflict, StaleDataError):
        db.session.rollback()
        call = _load(slug)
        form.version.data = str(call.version)
        return _render_form(form, call, conflict=True, status=409)
    flash(_("Ändringarna är sparade."), "success")
    return redirect(url_for("calls.edit", slug=call.slug))


@bp.post("/<slug>/publicera")
@roles_required(*STAFF_ONLY)
def publish(slug: str):
    call = _load(slug)
    try:
        services.publish_call(call, actor=current_user)
    except services.CallRefused as refused:
        db.session.rollback()
        call = _load(slug)
        form = _form(call, formdata=None)
        form.focus_areas.errors = [refused.message]
        return _render_form(form, call, status=422)
    db.session.commit()
    flash(_("Utlysningen ”%(title)s” är publicerad.", title=call.title), "success")
    return redirect(url_for("calls.manage"))


@bp.post("/<slug>/avpublicera")
@roles_required(*STAFF_ONLY)
def unpublish(slug: str):
    call = _load(slug)
    services.unpublish_call(call, actor=current_user)
    db.session.commit()
    flash(_("Utlysningen ”%(title)s” är inte längre publicerad.", title=call.title), "success")
    return redirect(url_for("calls.manage"))


# --- helpers ---------------------------------------------------------------------------


def _load(slug: str) -> Call:
    call = db.session.scalar(select(Call).where(Call.slug == slug))
    if call is None:
        abort(404)
    return call


def _form(call: Call | None, *, audience: str | None = None, **kwargs) -> CallForm:
    today = today_in_stockholm()
    options = {
        "parties": services.host_party_choices(today, call.host_party if call else None),
        "focus_areas": services.focus_area_choices(today, call.focus_areas if call else None),
    }
    if request.method == "GET" or kwargs.get("formdata", ...) is None:
        audience = call.audience if call else audience
        stored = call.field_rules if call else None
        rules = normalise_rules(stored, services.default_rules(audience))
        kwargs["data"] = initial_data(call, audience=audience, rules=rules)
    return CallForm(**options, **kwargs)


def _render_form(form: CallForm, call: Call | None, *, conflict: bool = False, status=None):
    if status is None:
        status = 422 if request.method == "POST" else 200
    return render_template("calls/form.html", form=form, call=call, conflict=conflict), status


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
