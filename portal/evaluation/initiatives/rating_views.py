"""The expert's side of an initiative: their assignments, the rating form (the five criteria
of the spider chart) and declaring a conflict of interest (jäv)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.accounts.models import Role
from portal.evaluation.blueprint import bp
from portal.evaluation.initiatives import services
from portal.evaluation.initiatives.forms import (
    ConflictForm,
    rating_form_class,
)
from portal.evaluation.initiatives.queries import (
    individual_ratings,
)
from portal.evaluation.initiatives.ratings import criteria, summarise
from portal.evaluation.models import (
    ConflictOfInterest,
    Initiative,
    Rating,
    RatingRequest,
)
from portal.evaluation.permissions import (
    is_requested_expert,
)
from portal.evaluation.responses import (
    already_done,
    load_initiative,
    once,
)
from portal.evaluation.rules import AlreadyDone, EvaluationRefused
from portal.extensions import db
from portal.permissions import require, roles_required

ASSIGNMENT_STATES = {
    "todo": _l("Att bedöma"),
    "rated": _l("Bedömd"),
    "conflict": _l("Jäv anmält"),
    "locked": _l("Låst"),
}


@bp.get("/mina-bedomningar")
@roles_required(Role.EXPERT)
def assignments():
    me = current_user
    requests = db.session.scalars(
        select(RatingRequest)
        .where(RatingRequest.expert_id == me.id)
        .options(joinedload(RatingRequest.initiative).joinedload(Initiative.focus_area))
        .order_by(RatingRequest.requested_at.desc(), RatingRequest.id.desc())
    ).all()
    ids = [r.initiative_id for r in requests]
    rated = set(
        db.session.scalars(
            select(Rating.initiative_id)
            .where(Rating.expert_id == me.id, Rating.initiative_id.in_(ids))
            .distinct()
        )
    )
    conflicted = set(
        db.session.scalars(
            select(ConflictOfInterest.initiative_id).where(
                ConflictOfInterest.expert_id == me.id, ConflictOfInterest.initiative_id.in_(ids)
            )
        )
    )
    locked = services.locked_ids(ids)
    rows = []
    for r in requests:
        i = r.initiative_id
        state = (
            "conflict"
            if i in conflicted
            else "locked"
            if i in locked
            else "rated"
            if i in rated
            else "todo"
        )
        rows.append({"request": r, "state": state, "label": ASSIGNMENT_STATES[state]})
    return render_template("evaluation/assignments.html", rows=rows)


def _rating_data(own: dict[int, Rating], criteria_list) -> dict:
    data = {}
    for c in criteria_list:
        if c.id in own:
            data[f"score_{c.id}"] = own[c.id].score
            data[f"comment_{c.id}"] = own[c.id].comment
    return data


def _rate_page(
    initiative: Initiative,
    *,
    form=None,
    conflict_form=None,
    refusal: str | None = None,
    status: int = 200,
):
    me = current_user
    criteria_list = criteria()
    own = services.ratings_by(initiative, me)
    conflict = services.find_conflict(initiative, me)
    if form is None:
        form = rating_form_class(criteria_list)(
            formdata=None, data=_rating_data(own, criteria_list)
        )
    if conflict_form is None:
        conflict_form = ConflictForm(formdata=None, prefix="conflict")
    see_others = bool(own) and conflict is None
    context = {
        "initiative": initiative,
        "criteria": criteria_list,
        "form": form,
        "conflict_form": conflict_form,
        "own": own,
        "conflict": conflict,
        "locked": services.ratings_locked(initiative),
        "refusal": refusal,
        "see_others": see_others,
        "summary": summarise([initiative.id])[initiative.id] if see_others else None,
        "individual": individual_ratings(initiative) if see_others else [],
    }
    return render_template("evaluation/rate.html", **context), status


def _load_for_expert(initiative_id: int) -> Initiative:
    initiative = load_initiative(initiative_id)
    require(is_requested_expert(current_user, initiative))
    return initiative


LOCKED_MESSAGE = _l(
    "Bedömningarna är låsta: Core Team har fattat beslut om konceptet på ett primöte. "
    "Din bedömning kan inte ändras längre."
)


@bp.route("/initiativ/<int:initiative_id>/bedomning", methods=["GET", "POST"])
@roles_required(Role.EXPERT)
def rate(initiative_id: int):
    initiative = _load_for_expert(initiative_id)
    if request.method == "GET":
        return _rate_page(initiative)
    me = current_user
    if services.find_conflict(initiative, me) is not None:
        return _rate_page(
            initiative,
            refusal=_("Du har anmält jäv och kan inte bedöma initiativet."),
            status=409,
        )
    if services.ratings_locked(initiative):
        return _rate_page(initiative, refusal=str(LOCKED_MESSAGE), status=409)
    criteria_list = criteria()
    form = rating_form_class(criteria_list)()
    if not form.validate():
        return _rate_page(initiative, form=form, status=422)
    given = [
        services.CriterionRating(c, form[f"score_{c.id}"].data, form[f"comment_{c.id}"].data or "")
        for c in criteria_list
    ]
    try:
        once(lambda: services.save_rating(initiative, given, actor=me))
    except services.RatingLocked as refused:
        db.session.rollback()
        return _rate_page(load_initiative(initiative_id), refusal=str(refused.message), status=409)
    except EvaluationRefused as refused:
        db.session.rollback()
        form.form_errors.append(str(refused.message))
        return _rate_page(load_initiative(initiative_id), form=form, status=422)
    flash(_("Din bedömning är sparad."), "success")
    return redirect(url_for("evaluation.rate", initiative_id=initiative_id))


@bp.post("/initiativ/<int:initiative_id>/jav")
@roles_required(Role.EXPERT)
def declare_conflict(initiative_id: int):
    initiative = _load_for_expert(initiative_id)
    form = ConflictForm(prefix="conflict")
    if not form.validate():
        return _rate_page(initiative, conflict_form=form, status=422)
    try:
        once(lambda: services.declare_conflict(initiative, form.reason.data, actor=current_user))
    except AlreadyDone as done:
        return already_done(done.message, url_for("evaluation.rate", initiative_id=initiative_id))
    except services.RatingLocked as refused:
        db.session.rollback()
        return _rate_page(load_initiative(initiative_id), refusal=str(refused.message), status=409)
    except EvaluationRefused as refused:
        db.session.rollback()
        form.form_errors.append(str(refused.message))
        return _rate_page(load_initiative(initiative_id), conflict_form=form, status=422)
    flash(
        _("Ditt jäv är anmält. Du bedömer inte initiativet, och processtödet ser anmälan."),
        "success",
    )
    return redirect(url_for("evaluation.rate", initiative_id=initiative_id))
