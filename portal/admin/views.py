"""Administration: users and roles, parties, focus areas, perspectives.

Each view: load or 404 → validate the form → call one service → commit → flash and redirect.
A rule a service refuses comes back as `RuleViolation` and is shown on its field (422).
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from portal import paging
from portal.accounts import mfa, registration, sessions
from portal.accounts.models import PartyDomain, Role, User, UserSession
from portal.admin import services
from portal.admin.forms import (
    EditUserForm,
    FocusAreaForm,
    InviteUserForm,
    PartyDomainForm,
    PartyForm,
    PerspectiveForm,
    RenameFocusAreaForm,
    UserFilterForm,
)
from portal.admin.labels import (
    ACTION_LABELS,
    KIND_LABELS,
    STATUS_LABELS,
    UNKNOWN_ACTOR_ACTIONS,
    event_details,
)
from portal.admin.services import RuleViolation
from portal.audit import AuditEntry
from portal.extensions import db
from portal.htmx import render_page_or_block
from portal.permissions import roles_required
from portal.reference.models import FocusArea, Party, Perspective

bp = Blueprint("admin", __name__, url_prefix="/admin")

USERS_PER_PAGE = 25
HISTORY_LENGTH = 20
EVENTS_PER_PAGE = 20


@bp.context_processor
def labels() -> dict:
    return {
        "action_labels": ACTION_LABELS,
        "kind_labels": KIND_LABELS,
        "status_labels": STATUS_LABELS,
        "event_details": event_details,
        "unknown_actor_actions": UNKNOWN_ACTOR_ACTIONS,
    }


@bp.get("/")
@roles_required(Role.ADMIN)
def index():
    return render_template("admin/index.html")


# --- helpers ----------------------------------------------------------------------------


def _show(form: FlaskForm, violation: RuleViolation) -> None:
    """Put a service's refusal on its form field (or above the form)."""
    target = getattr(form, violation.field, None)
    if target is None:
        form.form_errors.append(str(violation.message))
    else:
        target.errors = [*target.errors, str(violation.message)]


def _save(form: FlaskForm, change, message, target: str):
    """A valid form runs one service: commit, flash `message(result)`, redirect to `target`.

    None when the form must be shown again: invalid input, or a rule the service refused
    (put on its field, nothing saved).
    """
    if not form.validate_on_submit():
        return None
    try:
        result = change()
    except RuleViolation as violation:
        db.session.rollback()
        _show(form, violation)
        return None
    db.session.commit()
    flash(message(result), "success")
    return redirect(url_for(target))


def _form_page(template: str, form: FlaskForm, **context):
    """The form page: 200 on first display, 422 when a POST did not go through."""
    status = 422 if request.method == "POST" else 200
    return render_template(template, form=form, **context), status


def _history(obj) -> list[AuditEntry]:
    return db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.object_type == obj.__tablename__, AuditEntry.object_id == obj.id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(HISTORY_LENGTH)
    ).all()


def _party_or_none(party_id: int | None) -> Party | None:
    return db.session.get(Party, party_id) if party_id else None


# --- users ------------------------------------------------------------------------------


# The search text may be a person's name or e-mail address: it travels in the POST body and
# lives in the session, never in the address (which ends up in access logs and history).
USER_SEARCH = "admin_user_search"


@bp.route("/anvandare", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def users():
    if request.method == "POST":
        session[USER_SEARCH] = (request.form.get("q") or "").strip()[:100]
        args = {k: request.form.get(k) for k in ("role", "status") if request.form.get(k)}
        target = url_for("admin.users", **args)
        if not request.headers.get("HX-Request"):
            return redirect(target, code=303)
        response = _users_page(request.form)
        response.headers["HX-Push-Url"] = target
        return response
    if "rensa" in request.args:
        session.pop(USER_SEARCH, None)
    return _users_page(request.args)


def _users_page(source):
    filters = UserFilterForm(
        formdata=MultiDict(
            {
                "role": source.get("role", ""),
                "status": source.get("status", ""),
                "q": session.get(USER_SEARCH, ""),
            }
        )
    )
    if not filters.validate():  # an unknown role or status in the address: ignore it
        for f in filters:
            if f.errors:
                f.data = ""
    query = services.user_query(
        text=filters.q.data or "", role=filters.role.data or "", status=filters.status.data or ""
    )
    pagination = paging.paginate(
        query, paging.page_from_args(request.args, "sida"), per_page=USERS_PER_PAGE
    )
    args = {k: v for k, v in (("role", filters.role.data), ("status", filters.status.data)) if v}
    return make_response(
        render_page_or_block(
            "admin/users.html",
            "results",
            filters=filters,
            pagination=pagination,
            filter_args=args,
            searching=bool(filters.q.data),
            user_status=services.user_status,
        )
    )


@bp.route("/anvandare/ny", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def invite_user():
    form = InviteUserForm()
    if request.method == "GET":
        form.roles.data = [Role.EMPLOYEE.value]
    done = _save(
        form,
        lambda: services.invite(
            email=form.email.data,
            name=form.name.data,
            party=_party_or_none(form.party.data),
            roles=form.selected_roles(),
            actor=current_user,
        ),
        lambda user: _(
            "%(name)s är inbjuden. Inbjudan skickas till %(email)s.",
            name=user.name,
            email=user.email,
        ),
        "admin.users",
    )
    if done:
        return done
    return _form_page("admin/user_invite.html", form)


@bp.route("/anvandare/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_user(user_id: int):
    user = db.get_or_404(User, user_id)
    form = EditUserForm(obj=user if request.method == "GET" else None)
    if request.method == "GET":
        form.party.data = user.party_id
        form.roles.data = [role.value for role in Role if role in user.roles]
        form.active.data = user.active
    done = _save(
        form,
        lambda: services.update_user(
            user,
            name=form.name.data,
            email=form.email.data,
            party=_party_or_none(form.party.data),
            roles=form.selected_roles(),
            active=form.active.data,
            actor=current_user,
        ),
        lambda _result: _("Ändringarna för %(name)s är sparade.", name=user.name),
        "admin.users",
    )
    if done:
        return done
    return _user_page(user, form)


def _user_page(user: User, form: EditUserForm):
    """The user's details form, second factor, logged-in browsers and security events."""
    events = paging.paginate(
        select(AuditEntry)
        .where(AuditEntry.object_type == User.__tablename__, AuditEntry.object_id == user.id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()),
        paging.page_from_args(request.args, "handelser"),
        per_page=EVENTS_PER_PAGE,
    )
    return render_page_or_block(
        "admin/user_edit.html",
        "events",
        status=422 if request.method == "POST" else 200,
        form=form,
        user=user,
        account_status=services.user_status(user),
        events=events,
        sessions=sessions.live_sessions(user),
        mfa_required=mfa.is_required(user),
        resend_form=FlaskForm(),
        action_form=FlaskForm(),
    )


@bp.post("/anvandare/<int:user_id>/skicka-inbjudan")
@roles_required(Role.ADMIN)
def resend_invitation(user_id: int):
    user = db.get_or_404(User, user_id)
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.resend_invitation(user, actor=current_user)
    except RuleViolation as violation:
        db.session.rollback()
        flash(str(violation.message), "error")
    else:
        db.session.commit()
        flash(
            _(
                "En ny inbjudan skickas till %(email)s. Tidigare länkar slutar gälla.",
                email=user.email,
            ),
            "success",
        )
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.route("/anvandare/<int:user_id>/tvastegsverifiering", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def reset_mfa(user_id: int):
    """Reset a lost second factor, after a confirmation page: the user enrols again."""
    user = db.get_or_404(User, user_id)
    form = FlaskForm()
    if form.validate_on_submit():
        try:
            mfa.reset(user, actor=current_user._get_current_object())
        except mfa.MfaRefused as refused:
            db.session.rollback()
            flash(str(refused.message), "error")
        else:
            db.session.commit()
            flash(
                _(
                    "Tvåstegsverifieringen för %(name)s är återställd. %(name)s har fått e-post "
                    "om det och är utloggad överallt.",
                    name=user.name,
                ),
                "success",
            )
        return redirect(url_for("admin.edit_user", user_id=user.id))
    if not user.has_mfa:
        flash(_("%(name)s har ingen tvåstegsverifiering att återställa.", name=user.name), "info")
        return redirect(url_for("admin.edit_user", user_id=user.id))
    return render_template(
        "admin/user_mfa_reset.html", user=user, form=form, required=mfa.is_required(user)
    )


@bp.post("/anvandare/<int:user_id>/sessioner/<int:session_id>/avsluta")
@roles_required(Role.ADMIN)
def end_user_session(user_id: int, session_id: int):
    user = db.get_or_404(User, user_id)
    row = db.session.get(UserSession, session_id)
    if row is None or row.user_id != user.id:
        abort(404)
    if not FlaskForm().validate_on_submit():
        abort(400)
    sessions.end(row, actor=current_user._get_current_object())
    db.session.commit()
    flash(_("Inloggningen för %(name)s är avslutad.", name=user.name), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id) + "#inloggningar")


# --- parties ----------------------------------------------------------------------------


@bp.get("/parter")
@roles_required(Role.ADMIN)
def parties():
    rows = db.session.scalars(select(Party).order_by(Party.left_on.is_not(None), Party.name)).all()
    counts = dict(
        db.session.execute(
            select(User.party_id, func.count(User.id))
            .where(User.party_id.is_not(None))
            .group_by(User.party_id)
        ).all()
    )
    return render_template("admin/parties.html", parties=rows, counts=counts)


def _party_values(form: PartyForm) -> dict:
    return {
        "name": form.name.data,
        "short_name": form.short_name.data,
        "kind": form.kind.data,
        "joined_on": form.joined_on.data,
        "left_on": form.left_on.data,
        "note": form.note.data or "",
    }


@bp.route("/parter/ny", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_party():
    form = PartyForm()
    done = _save(
        form,
        lambda: services.create_party(**_party_values(form), actor=current_user),
        lambda party: _("Parten %(name)s är tillagd.", name=party.name),
        "admin.parties",
    )
    if done:
        return done
    return _form_page("admin/party_form.html", form, party=None)


@bp.route("/parter/<int:party_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_party(party_id: int):
    party = db.get_or_404(Party, party_id)
    form = PartyForm(obj=party if request.method == "GET" else None)
    done = _save(
        form,
        lambda: services.update_party(party, **_party_values(form), actor=current_user),
        lambda _result: _("Ändringarna för %(name)s är sparade.", name=party.name),
        "admin.parties",
    )
    if done:
        return done
    return _form_page("admin/party_form.html", form, party=party, history=_history(party))


# --- e-mail domains of a party (self-service accounts, portal/accounts/registration.py) ---


def _domains_page(party: Party, form: PartyDomainForm, status: int = 200):
    return render_template(
        "admin/party_domains.html",
        party=party,
        form=form,
        rows=registration.domain_history(party),
        remove_form=FlaskForm(),
    ), status


@bp.route("/parter/<int:party_id>/e-postdomaner", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def party_domains(party_id: int):
    party = db.get_or_404(Party, party_id)
    form = PartyDomainForm()
    if form.validate_on_submit():
        try:
            row = registration.add_domain(party, form.domain.data, actor=current_user)
        except registration.DomainRefused as refused:
            db.session.rollback()
            form.domain.errors = [*form.domain.errors, str(refused.message)]
        else:
            db.session.commit()
            flash(_("Domänen %(domain)s är tillagd.", domain=row.display), "success")
            return redirect(url_for("admin.party_domains", party_id=party.id))
    return _domains_page(party, form, 422 if request.method == "POST" else 200)


@bp.post("/parter/<int:party_id>/e-postdomaner/<int:domain_id>/ta-bort")
@roles_required(Role.ADMIN)
def remove_party_domain(party_id: int, domain_id: int):
    row = db.get_or_404(PartyDomain, domain_id)
    if row.party_id != party_id:
        abort(404)
    if not FlaskForm().validate_on_submit():
        abort(400)
    if registration.remove_domain(row, actor=current_user):
        db.session.commit()
        flash(_("Domänen %(domain)s är borttagen.", domain=row.display), "success")
    return redirect(url_for("admin.party_domains", party_id=party_id))


# --- focus areas ------------------------------------------------------------------------


@bp.get("/fokusomraden")
@roles_required(Role.ADMIN)
def focus_areas():
    return render_template(
        "admin/focus_areas.html", portfolios=services.portfolios(), can_rename=services.can_rename
    )


def _focus_area_values(form: FocusAreaForm) -> dict:
    return {
        "name": form.name.data,
        "effect_goal": form.effect_goal.data or "",
        "valid_from": form.valid_from.data,
        "valid_to": form.valid_to.data,
    }


@bp.route("/fokusomraden/ny", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_focus_area():
    form = FocusAreaForm()
    done = _save(
        form,
        lambda: services.create_focus_area(**_focus_area_values(form), actor=current_user),
        lambda area: _("Fokusområdet %(name)s är tillagt.", name=area.name),
        "admin.focus_areas",
    )
    if done:
        return done
    return _form_page("admin/focus_area_form.html", form, area=None)


@bp.route("/fokusomraden/<int:area_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_focus_area(area_id: int):
    area = db.get_or_404(FocusArea, area_id)
    form = FocusAreaForm(obj=area if request.method == "GET" else None)
    done = _save(
        form,
        lambda: services.update_focus_area(area, **_focus_area_values(form), actor=current_user),
        lambda _result: _("Ändringarna för %(name)s är sparade.", name=area.name),
        "admin.focus_areas",
    )
    if done:
        return done
    return _form_page(
        "admin/focus_area_form.html",
        form,
        area=area,
        can_rename=services.can_rename(area),
        history=_history(area),
    )


@bp.route("/fokusomraden/<int:area_id>/byt-namn", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def rename_focus_area(area_id: int):
    area = db.get_or_404(FocusArea, area_id)
    if not services.can_rename(area):
        flash(_("Bara det senaste namnet i en portfölj kan bytas."), "error")
        return redirect(url_for("admin.focus_areas"))
    form = RenameFocusAreaForm()
    if request.method == "GET":
        form.effect_goal.data = area.effect_goal
    old_name = area.name
    done = _save(
        form,
        lambda: services.rename_focus_area(
            area,
            new_name=form.new_name.data,
            effect_goal=form.effect_goal.data or "",
            valid_from=form.valid_from.data,
            actor=current_user,
        ),
        lambda renamed: _(
            "%(old)s heter nu %(new)s. Historiken finns kvar i samma portfölj.",
            old=old_name,
            new=renamed.name,
        ),
        "admin.focus_areas",
    )
    if done:
        return done
    return _form_page("admin/focus_area_rename.html", form, area=area)


# --- perspectives -----------------------------------------------------------------------


@bp.get("/perspektiv")
@roles_required(Role.ADMIN)
def perspectives():
    rows = db.session.scalars(
        select(Perspective).order_by(Perspective.position, Perspective.name)
    ).all()
    return render_template("admin/perspectives.html", perspectives=rows)


@bp.route("/perspektiv/ny", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_perspective():
    form = PerspectiveForm()
    del form.active  # a new perspective is active
    if request.method == "GET":
        form.position.data = services.next_perspective_position()
    done = _save(
        form,
        lambda: services.create_perspective(
            name=form.name.data, position=form.position.data, actor=current_user
        ),
        lambda perspective: _("Perspektivet %(name)s är tillagt.", name=perspective.name),
        "admin.perspectives",
    )
    if done:
        return done
    return _form_page("admin/perspective_form.html", form, perspective=None)


@bp.route("/perspektiv/<int:perspective_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_perspective(perspective_id: int):
    perspective = db.get_or_404(Perspective, perspective_id)
    form = PerspectiveForm(obj=perspective if request.method == "GET" else None)
    done = _save(
        form,
        lambda: services.update_perspective(
            perspective,
            name=form.name.data,
            position=form.position.data,
            active=form.active.data,
            actor=current_user,
        ),
        lambda _result: _("Ändringarna för %(name)s är sparade.", name=perspective.name),
        "admin.perspectives",
    )
    if done:
        return done
    return _form_page(
        "admin/perspective_form.html",
        form,
        perspective=perspective,
        history=_history(perspective),
    )
