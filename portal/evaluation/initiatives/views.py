"""The initiatives: the portfolio list, a new initiative, an initiative's page, asking experts to
rate (the expert's own side is in rating_views.py)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.accounts.models import Role, User
from portal.evaluation.blueprint import bp
from portal.evaluation.initiatives import services
from portal.evaluation.initiatives.forms import (
    InitiativeFilterForm,
    InitiativeForm,
    RatingRequestForm,
    RatingRequestRemoveForm,
)
from portal.evaluation.initiatives.queries import (
    areas_in_force,
    expert_choices,
    individual_ratings,
    initiative_counts,
    linked_submissions,
    portfolio_names,
    request_rows,
)
from portal.evaluation.initiatives.ratings import criteria, summarise
from portal.evaluation.models import (
    PHASE_LABELS,
    ConflictOfInterest,
    Initiative,
    Phase,
    RatingRequest,
)
from portal.evaluation.panel import process_panel
from portal.evaluation.permissions import (
    MANAGERS,
    STAFF,
    can_manage_initiatives,
    can_view_initiative,
    can_view_initiatives,
    is_requested_expert,
)
from portal.evaluation.pilot_reports.rounds import current_report
from portal.evaluation.pilot_reports.services import reports_of
from portal.evaluation.responses import (
    already_done,
    load_initiative,
    once,
)
from portal.evaluation.rules import AlreadyDone, EvaluationRefused
from portal.evaluation.signals import initiative_page_shown
from portal.extensions import db
from portal.permissions import require, roles_required
from portal.reference.models import FocusArea
from portal.submissions.models import FUNCTION_LABELS, TYPE_LABELS
from portal.types import today_in_stockholm


@bp.get("/initiativ")
@roles_required(*STAFF)
def initiatives():
    portfolios = portfolio_names()
    form = InitiativeFilterForm(
        request.args, portfolios=[(pid, name) for pid, (name, _old) in portfolios.items()]
    )
    form.validate()
    portfolio_id = form.portfolio.data if not form.portfolio.errors else None
    phase = form.phase.data if not form.phase.errors else None
    query = select(Initiative).options(joinedload(Initiative.focus_area))
    if portfolio_id is not None:
        query = query.where(Initiative.portfolio_id == portfolio_id)
    if phase is not None:
        query = query.where(Initiative.phase == phase)
    found = list(
        db.session.scalars(query.order_by(Initiative.created_at.desc(), Initiative.id.desc()))
    )
    phase_counts = initiative_counts(Initiative.phase, Initiative.portfolio_id, portfolio_id)
    portfolio_counts = initiative_counts(Initiative.portfolio_id, Initiative.phase, phase)
    groups = []
    for pid, (name, former) in portfolios.items():
        items = [i for i in found if i.portfolio_id == pid]
        if items:
            groups.append({"id": pid, "name": name, "former": former, "initiatives": items})
    return render_template(
        "evaluation/initiatives.html",
        form=form,
        groups=groups,
        total=len(found),
        phase_counts=[(p, PHASE_LABELS[p], phase_counts.get(p.value, 0)) for p in Phase],
        portfolio_counts=[
            (pid, name, portfolio_counts.get(pid, 0)) for pid, (name, _old) in portfolios.items()
        ],
        selected_portfolio=portfolio_id,
        selected_phase=phase,
        summaries=summarise([i.id for i in found]) if found else {},
    )


@bp.route("/initiativ/nytt", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def new_initiative():
    form = InitiativeForm(focus_areas=areas_in_force())
    if request.method == "GET":
        return render_template("evaluation/initiative_new.html", form=form)
    if form.validate():
        try:
            initiative = once(
                lambda: services.create_initiative(
                    title=form.title.data,
                    summary=form.summary.data,
                    focus_area=db.session.get(FocusArea, form.focus_area.data),
                    sk_function=form.sk_function.data,
                    initiative_type=form.initiative_type.data,
                    actor=current_user,
                    today=today_in_stockholm(),
                )
            )
        except AlreadyDone as done:
            return already_done(
                done.message, url_for("evaluation.initiative", initiative_id=done.done.id)
            )
        except EvaluationRefused as refused:
            db.session.rollback()
            form.focus_area.errors.append(str(refused.message))
        else:
            flash(_("Initiativet är skapat i Idéfas."), "success")
            return redirect(url_for("evaluation.initiative", initiative_id=initiative.id))
    return render_template("evaluation/initiative_new.html", form=form), 422


def initiative_page(
    initiative: Initiative,
    *,
    request_form=None,
    refusal: str | None = None,
    refusal_link: str | None = None,
    status: int = 200,
):
    user = current_user
    staff = can_view_initiatives(user)
    own = services.ratings_by(initiative, user) if user.has_role(Role.EXPERT) else {}
    see_ratings = staff or bool(own)
    conflicts = db.session.scalars(
        select(ConflictOfInterest)
        .where(ConflictOfInterest.initiative_id == initiative.id)
        .options(joinedload(ConflictOfInterest.expert))
        .order_by(ConflictOfInterest.declared_at, ConflictOfInterest.id)
    ).all()
    if not staff:
        conflicts = [c for c in conflicts if c.expert_id == user.id]
    manage = can_manage_initiatives(user)
    if manage and request_form is None:
        request_form = RatingRequestForm(formdata=None, experts=expert_choices(initiative))
    context = {
        "initiative": initiative,
        "staff": staff,
        "manage": manage,
        "is_expert": is_requested_expert(user, initiative),
        "see_ratings": see_ratings,
        "summary": summarise([initiative.id])[initiative.id] if see_ratings else None,
        "individual": individual_ratings(initiative) if see_ratings else [],
        "criteria": criteria(),
        "linked": linked_submissions(initiative),
        "decisions": initiative.decisions,
        "conflicts": conflicts,
        "request_rows": request_rows(initiative) if manage or staff else [],
        "request_form": request_form,
        "remove_form": RatingRequestRemoveForm(formdata=None) if manage else None,
        "refusal": refusal,
        "refusal_link": refusal_link,
        # the process section; its forms lead back to this page (not to the address posted to)
        "panel": process_panel(initiative, {"next": f"/initiativ/{initiative.id}"}),
        "locked": services.ratings_locked(initiative),
        "pilot_reports": reports_of(initiative),
        "pilot_report_missing": initiative.phase == Phase.PILOT
        and current_report(initiative) is None,
        "phase_labels": PHASE_LABELS,
        "function_labels": FUNCTION_LABELS,
        "type_labels": TYPE_LABELS,
    }
    for _receiver, extra in initiative_page_shown.send(initiative, user=user):
        context.update(extra or {})
    return render_template("evaluation/initiative.html", **context), status


@bp.get("/initiativ/<int:initiative_id>")
@roles_required(*STAFF, Role.EXPERT)
def initiative(initiative_id: int):
    initiative = load_initiative(initiative_id)
    require(can_view_initiative(current_user, initiative))
    return initiative_page(initiative)


@bp.post("/initiativ/<int:initiative_id>/bedomare")
@roles_required(*MANAGERS)
def request_ratings(initiative_id: int):
    initiative = load_initiative(initiative_id)
    form = RatingRequestForm(experts=expert_choices(initiative, asked_too=True))
    if not form.validate():
        form.experts.choices = expert_choices(initiative)
        return initiative_page(initiative, request_form=form, status=422)
    here = url_for("evaluation.initiative", initiative_id=initiative_id) + "#experter"
    try:
        asked = once(
            lambda: services.request_ratings(
                initiative,
                db.session.scalars(
                    select(User).where(User.id.in_(form.experts.data)).order_by(User.name)
                ).all(),
                actor=current_user,
            )
        )
    except AlreadyDone as done:
        return already_done(done.message, here)
    except EvaluationRefused as refused:
        db.session.rollback()
        form.form_errors.append(str(refused.message))
        form.experts.choices = expert_choices(load_initiative(initiative_id))
        return initiative_page(load_initiative(initiative_id), request_form=form, status=422)
    flash(
        ngettext(
            "%(num)d expert är ombedd att bedöma initiativet och har fått e-post.",
            "%(num)d experter är ombedda att bedöma initiativet och har fått e-post.",
            len(asked.made),
        ),
        "success",
    )
    if asked.already:
        flash(str(services.already_asked(asked.already)), "info")
    return redirect(here)


@bp.post("/initiativ/<int:initiative_id>/bedomare/<int:request_id>/ta-bort")
@roles_required(*MANAGERS)
def remove_rating_request(initiative_id: int, request_id: int):
    initiative = load_initiative(initiative_id)
    here = url_for("evaluation.initiative", initiative_id=initiative_id) + "#experter"
    rating_request = db.session.get(RatingRequest, request_id)
    if rating_request is None:  # taken back from another tab a moment ago
        return already_done(_("Förfrågan är redan borttagen."), here)
    if rating_request.initiative_id != initiative.id:
        abort(404)
    form = RatingRequestRemoveForm()
    if not form.validate():
        return initiative_page(
            initiative, refusal=_("Formuläret hade gått ut. Skicka det igen."), status=422
        )
    name = rating_request.expert.name
    try:
        once(lambda: services.remove_rating_request(rating_request, actor=current_user))
    except AlreadyDone as done:
        return already_done(done.message, here)
    except EvaluationRefused as refused:
        db.session.rollback()
        return initiative_page(
            load_initiative(initiative_id), refusal=str(refused.message), status=422
        )
    flash(_("Förfrågan till %(name)s är borttagen.", name=name), "success")
    return redirect(here)
