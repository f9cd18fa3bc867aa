"""Initiatives, expert ratings, priority meetings, decisions, funding and insights."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from portal.accounts.models import Role, User, UserRole
from portal.calls.forms import STOCKHOLM
from portal.evaluation import services
from portal.evaluation.forms import (
    ConflictForm,
    InitiativeFilterForm,
    InitiativeForm,
    RatingRequestForm,
    RatingRequestRemoveForm,
    rating_form_class,
)
from portal.evaluation.models import (
    PHASE_LABELS,
    ConflictOfInterest,
    Initiative,
    Phase,
    Rating,
    RatingRequest,
)
from portal.evaluation.ratings import criteria, summarise
from portal.extensions import db
from portal.permissions import (
    can_manage_initiatives,
    can_view_initiative,
    can_view_initiatives,
    is_requested_expert,
    require,
    roles_required,
)
from portal.reference.models import FocusArea
from portal.submissions.models import FUNCTION_LABELS, TYPE_LABELS, Submission
from portal.triage import services as triage_services
from portal.types import utcnow

bp = Blueprint("evaluation", __name__)

# --- initiatives and expert ratings ---------------------------------------------------------

VIEWERS = (Role.PROCESS_SUPPORT, Role.CORE_TEAM, Role.ADMIN)
MANAGERS = (Role.PROCESS_SUPPORT, Role.ADMIN)

# Hook for the section below ("Insikter", "Finansiering" on the initiative page): each
# function gets (initiative, user) and returns a dict added to the page's context; the page
# includes templates/evaluation/_initiative_process.html, if it exists, in {% block process %}.
INITIATIVE_PAGE_EXTRAS: list[Callable[[Initiative, User], dict]] = []

LINK_ORIGIN, LINK_DUPLICATE, LINK_RELATED = "origin", "duplicate", "related"


def _today():
    return utcnow().astimezone(STOCKHOLM).date()


def _load_initiative(initiative_id: int) -> Initiative:
    initiative = db.session.get(Initiative, initiative_id)
    if initiative is None:
        abort(404)
    return initiative


def _portfolios() -> dict[int, tuple[str, list[str]]]:
    """Each portfolio: its current name and its former names (renames are counted together)."""
    chains: dict[int, list[FocusArea]] = {}
    for area in db.session.scalars(
        select(FocusArea).order_by(FocusArea.portfolio_id, FocusArea.valid_from, FocusArea.id)
    ):
        chains.setdefault(area.portfolio_id, []).append(area)
    return {
        pid: (chain[-1].name, [a.name for a in reversed(chain[:-1])])
        for pid, chain in sorted(chains.items(), key=lambda kv: kv[1][-1].name)
    }


@bp.get("/initiativ")
@roles_required(*VIEWERS)
def initiatives():
    portfolios = _portfolios()
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
    phase_counts = _counts(Initiative.phase, Initiative.portfolio_id, portfolio_id)
    portfolio_counts = _counts(Initiative.portfolio_id, Initiative.phase, phase)
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


def _counts(column, other_column, other_value) -> dict:
    """Initiatives per value of `column`, within the other filter (so each count is a click)."""
    query = select(column, func.count(Initiative.id)).group_by(column)
    if other_value is not None:
        query = query.where(other_column == other_value)
    return dict(db.session.execute(query).all())


def _areas_in_force() -> list[tuple[int, str]]:
    today = _today()
    return [
        (a.id, a.name)
        for a in db.session.scalars(select(FocusArea).order_by(FocusArea.name))
        if a.in_force_on(today)
    ]


@bp.route("/initiativ/nytt", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def new_initiative():
    form = InitiativeForm(focus_areas=_areas_in_force())
    if request.method == "GET":
        return render_template("evaluation/initiative_new.html", form=form)
    if form.validate():
        try:
            initiative = services.create_initiative(
                title=form.title.data,
                summary=form.summary.data,
                focus_area=db.session.get(FocusArea, form.focus_area.data),
                sk_function=form.sk_function.data,
                initiative_type=form.initiative_type.data,
                actor=current_user,
                today=_today(),
            )
            db.session.commit()
        except services.EvaluationRefused as refused:
            db.session.rollback()
            form.focus_area.errors.append(str(refused.message))
        else:
            flash(_("Initiativet är skapat i Idéfas."), "success")
            return redirect(url_for("evaluation.initiative", initiative_id=initiative.id))
    return render_template("evaluation/initiative_new.html", form=form), 422


def _linked_submissions(initiative: Initiative) -> list[tuple[str, Submission]]:
    """The origin, the submissions that follow it as duplicates, and those related to it."""
    origin = initiative.origin_submission
    if origin is None:
        return []
    linked = [(LINK_ORIGIN, origin)]
    linked += [(LINK_DUPLICATE, s) for s in triage_services.duplicates_of(origin)]
    linked += [(LINK_RELATED, s) for s in triage_services.related_to(origin)]
    return linked


def _individual_ratings(initiative: Initiative) -> list[tuple[User, dict[int, Rating]]]:
    """Each expert's own ratings, by criterion id, experts by name."""
    by_expert: dict[int, tuple[User, dict[int, Rating]]] = {}
    for rating in db.session.scalars(
        select(Rating)
        .where(Rating.initiative_id == initiative.id)
        .options(joinedload(Rating.expert))
    ):
        by_expert.setdefault(rating.expert_id, (rating.expert, {}))[1][rating.criterion_id] = rating
    return sorted(by_expert.values(), key=lambda pair: (pair[0].name, pair[0].id))


def _expert_choices(initiative: Initiative) -> list[tuple[int, str]]:
    """Active experts not yet asked about this initiative."""
    asked = select(RatingRequest.expert_id).where(RatingRequest.initiative_id == initiative.id)
    experts = db.session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.EXPERT.value, User.active.is_(True), User.id.not_in(asked))
        .options(joinedload(User.party))
        .order_by(User.name, User.id)
    ).unique()
    return [(u.id, f"{u.name} ({u.party.name})" if u.party else u.name) for u in experts]


def _request_rows(initiative: Initiative) -> list[dict]:
    requests = db.session.scalars(
        select(RatingRequest)
        .where(RatingRequest.initiative_id == initiative.id)
        .options(joinedload(RatingRequest.expert))
        .order_by(RatingRequest.requested_at, RatingRequest.id)
    ).all()
    rated = set(
        db.session.scalars(
            select(Rating.expert_id).where(Rating.initiative_id == initiative.id).distinct()
        )
    )
    conflicted = set(
        db.session.scalars(
            select(ConflictOfInterest.expert_id).where(
                ConflictOfInterest.initiative_id == initiative.id
            )
        )
    )
    return [
        {
            "request": r,
            "rated": r.expert_id in rated,
            "conflict": r.expert_id in conflicted,
        }
        for r in requests
    ]


def _initiative_page(
    initiative: Initiative, *, request_form=None, refusal: str | None = None, status: int = 200
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
        request_form = RatingRequestForm(formdata=None, experts=_expert_choices(initiative))
    context = {
        "initiative": initiative,
        "staff": staff,
        "manage": manage,
        "is_expert": is_requested_expert(user, initiative),
        "see_ratings": see_ratings,
        "summary": summarise([initiative.id])[initiative.id] if see_ratings else None,
        "individual": _individual_ratings(initiative) if see_ratings else [],
        "criteria": criteria(),
        "linked": _linked_submissions(initiative),
        "decisions": initiative.decisions,
        "conflicts": conflicts,
        "request_rows": _request_rows(initiative) if manage or staff else [],
        "request_form": request_form,
        "remove_form": RatingRequestRemoveForm(formdata=None) if manage else None,
        "refusal": refusal,
        "locked": services.ratings_locked(initiative),
        "phase_labels": PHASE_LABELS,
        "function_labels": FUNCTION_LABELS,
        "type_labels": TYPE_LABELS,
    }
    for extra in INITIATIVE_PAGE_EXTRAS:
        context.update(extra(initiative, user))
    return render_template("evaluation/initiative.html", **context), status


@bp.get("/initiativ/<int:initiative_id>")
@roles_required(*VIEWERS, Role.EXPERT)
def initiative(initiative_id: int):
    initiative = _load_initiative(initiative_id)
    require(can_view_initiative(current_user, initiative))
    return _initiative_page(initiative)


@bp.post("/initiativ/<int:initiative_id>/bedomare")
@roles_required(*MANAGERS)
def request_ratings(initiative_id: int):
    initiative = _load_initiative(initiative_id)
    form = RatingRequestForm(experts=_expert_choices(initiative))
    if not form.validate():
        return _initiative_page(initiative, request_form=form, status=422)
    experts = db.session.scalars(
        select(User).where(User.id.in_(form.experts.data)).order_by(User.name)
    ).all()
    try:
        made = services.request_ratings(initiative, experts, actor=current_user)
        db.session.commit()
    except services.EvaluationRefused as refused:
        db.session.rollback()
        form.form_errors.append(str(refused.message))
        return _initiative_page(_load_initiative(initiative_id), request_form=form, status=422)
    flash(
        ngettext(
            "%(num)d expert är ombedd att bedöma initiativet och har fått e-post.",
            "%(num)d experter är ombedda att bedöma initiativet och har fått e-post.",
            len(made),
        ),
        "success",
    )
    return redirect(url_for("evaluation.initiative", initiative_id=initiative_id) + "#experter")


@bp.post("/initiativ/<int:initiative_id>/bedomare/<int:request_id>/ta-bort")
@roles_required(*MANAGERS)
def remove_rating_request(initiative_id: int, request_id: int):
    initiative = _load_initiative(initiative_id)
    rating_request = db.session.get(RatingRequest, request_id)
    if rating_request is None or rating_request.initiative_id != initiative.id:
        abort(404)
    form = RatingRequestRemoveForm()
    if not form.validate():
        return _initiative_page(
            initiative, refusal=_("Formuläret hade gått ut. Skicka det igen."), status=422
        )
    name = rating_request.expert.name
    try:
        services.remove_rating_request(rating_request, actor=current_user)
        db.session.commit()
    except services.EvaluationRefused as refused:
        db.session.rollback()
        return _initiative_page(
            _load_initiative(initiative_id), refusal=str(refused.message), status=422
        )
    flash(_("Förfrågan till %(name)s är borttagen.", name=name), "success")
    return redirect(url_for("evaluation.initiative", initiative_id=initiative_id) + "#experter")


# --- the expert's side ---


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
        "individual": _individual_ratings(initiative) if see_others else [],
    }
    return render_template("evaluation/rate.html", **context), status


def _load_for_expert(initiative_id: int) -> Initiative:
    initiative = _load_initiative(initiative_id)
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
        services.save_rating(initiative, given, actor=me)
        db.session.commit()
    except services.RatingLocked as refused:
        db.session.rollback()
        return _rate_page(_load_initiative(initiative_id), refusal=str(refused.message), status=409)
    except services.EvaluationRefused as refused:
        db.session.rollback()
        form.form_errors.append(str(refused.message))
        return _rate_page(_load_initiative(initiative_id), form=form, status=422)
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
        services.declare_conflict(initiative, form.reason.data, actor=current_user)
        db.session.commit()
    except services.RatingLocked as refused:
        db.session.rollback()
        return _rate_page(_load_initiative(initiative_id), refusal=str(refused.message), status=409)
    except services.EvaluationRefused as refused:
        db.session.rollback()
        form.form_errors.append(str(refused.message))
        return _rate_page(_load_initiative(initiative_id), conflict_form=form, status=422)
    flash(
        _("Ditt jäv är anmält. Du bedömer inte initiativet, och processtödet ser anmälan."),
        "success",
    )
    return redirect(url_for("evaluation.rate", initiative_id=initiative_id))


# --- priority meetings, decisions, funding and insights ------------------------------------
