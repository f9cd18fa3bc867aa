"""Initiatives, expert ratings, priority meetings, decisions, funding and insights."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import extract, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError
from wtforms import SelectChoice

from portal.accounts.models import Role, User, UserRole
from portal.errors import render_error
from portal.evaluation import services
from portal.evaluation.forms import (
    FOLLOWS,
    GRANT,
    AgendaAddForm,
    AgendaRemoveForm,
    BudgetForm,
    ConflictForm,
    DecisionForm,
    DecisionWithDateForm,
    FundingDecisionForm,
    FundingForm,
    InitiativeFilterForm,
    InitiativeForm,
    InsightFilterForm,
    InsightForm,
    MeetingForm,
    RatingRequestForm,
    RatingRequestRemoveForm,
    rating_form_class,
)
from portal.evaluation.models import (
    OUTCOME_LABELS,
    PHASE_LABELS,
    AgendaItem,
    ConflictOfInterest,
    Decision,
    FundingRequest,
    FundingStatus,
    Initiative,
    Insight,
    Mandate,
    Outcome,
    Phase,
    PriorityMeeting,
    Rating,
    RatingRequest,
)
from portal.evaluation.phases import DECISIONS, DecisionNotAllowed
from portal.evaluation.ratings import criteria, summarise
from portal.extensions import db
from portal.permissions import (
    can_manage_initiatives,
    can_view_initiative,
    can_view_initiatives,
    is_requested_expert,
    is_safe_next,
    require,
    roles_required,
)
from portal.reference.models import FocusArea, Portfolio
from portal.submissions.models import FUNCTION_LABELS, TYPE_LABELS, Submission
from portal.triage import services as triage_services
from portal.types import STOCKHOLM, utcnow

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


def _once(call):
    """Call a service and commit. When a parallel request for the same thing committed first
    (a unique constraint refused this one, or the version check: StaleDataError), roll back
    and call it once more: the service then sees what the other made and says so."""
    for attempt in range(2):
        try:
            result = call()
            db.session.commit()
            return result
        except (IntegrityError, StaleDataError):
            db.session.rollback()
            if attempt:
                raise
    return None  # not reached


def _already_done(message, target: str, link=None):
    """The same intent was carried out already (services.AlreadyDone): nothing is done again;
    the person is sent to what it made (303, as for a form sent twice: portal/intents.py),
    with the message, and a link to it when `link` names it."""
    db.session.rollback()
    if link:
        flash({"text": str(message), "href": target, "link": str(link)}, "info")
    else:
        flash(str(message), "info")
    return redirect(target, code=303)


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
            initiative = _once(
                lambda: services.create_initiative(
                    title=form.title.data,
                    summary=form.summary.data,
                    focus_area=db.session.get(FocusArea, form.focus_area.data),
                    sk_function=form.sk_function.data,
                    initiative_type=form.initiative_type.data,
                    actor=current_user,
                    today=_today(),
                )
            )
        except services.AlreadyDone as done:
            return _already_done(
                done.message, url_for("evaluation.initiative", initiative_id=done.done.id)
            )
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


def _expert_choices(initiative: Initiative, *, asked_too: bool = False) -> list[tuple[int, str]]:
    """Active experts not yet asked about this initiative (the form offers these); with
    `asked_too` also those asked already (a form sent from an older page may name them, and
    the service says they were asked)."""
    query = (
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.EXPERT.value, User.active.is_(True))
        .options(joinedload(User.party))
        .order_by(User.name, User.id)
    )
    if not asked_too:
        asked = select(RatingRequest.expert_id).where(RatingRequest.initiative_id == initiative.id)
        query = query.where(User.id.not_in(asked))
    experts = db.session.scalars(query).unique()
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
        "refusal_link": refusal_link,
        # the process section's forms lead back to this page (not to the address posted to)
        "posted": {"next": f"/initiativ/{initiative.id}"},
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
    form = RatingRequestForm(experts=_expert_choices(initiative, asked_too=True))
    if not form.validate():
        form.experts.choices = _expert_choices(initiative)
        return _initiative_page(initiative, request_form=form, status=422)
    here = url_for("evaluation.initiative", initiative_id=initiative_id) + "#experter"
    try:
        asked = _once(
            lambda: services.request_ratings(
                initiative,
                db.session.scalars(
                    select(User).where(User.id.in_(form.experts.data)).order_by(User.name)
                ).all(),
                actor=current_user,
            )
        )
    except services.AlreadyDone as done:
        return _already_done(done.message, here)
    except services.EvaluationRefused as refused:
        db.session.rollback()
        form.form_errors.append(str(refused.message))
        form.experts.choices = _expert_choices(_load_initiative(initiative_id))
        return _initiative_page(_load_initiative(initiative_id), request_form=form, status=422)
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
    initiative = _load_initiative(initiative_id)
    here = url_for("evaluation.initiative", initiative_id=initiative_id) + "#experter"
    rating_request = db.session.get(RatingRequest, request_id)
    if rating_request is None:  # taken back from another tab a moment ago
        return _already_done(_("Förfrågan är redan borttagen."), here)
    if rating_request.initiative_id != initiative.id:
        abort(404)
    form = RatingRequestRemoveForm()
    if not form.validate():
        return _initiative_page(
            initiative, refusal=_("Formuläret hade gått ut. Skicka det igen."), status=422
        )
    name = rating_request.expert.name
    try:
        _once(lambda: services.remove_rating_request(rating_request, actor=current_user))
    except services.AlreadyDone as done:
        return _already_done(done.message, here)
    except services.EvaluationRefused as refused:
        db.session.rollback()
        return _initiative_page(
            _load_initiative(initiative_id), refusal=str(refused.message), status=422
        )
    flash(_("Förfrågan till %(name)s är borttagen.", name=name), "success")
    return redirect(here)


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
        _once(lambda: services.save_rating(initiative, given, actor=me))
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
        _once(lambda: services.declare_conflict(initiative, form.reason.data, actor=current_user))
    except services.AlreadyDone as done:
        return _already_done(
            done.message, url_for("evaluation.rate", initiative_id=initiative_id)
        )
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

PROCESS_STAFF = (Role.PROCESS_SUPPORT, Role.CORE_TEAM, Role.ADMIN)
PLANNERS = (Role.PROCESS_SUPPORT, Role.ADMIN)
DECIDERS = (Role.PROCESS_SUPPORT, Role.CORE_TEAM)  # process support records the Core Team's
FUNDING_VIEWERS = (
    Role.PROCESS_SUPPORT,
    Role.PROJECT_LEADER,
    Role.PROCESS_LEADER,
    Role.BOARD,
    Role.ADMIN,
)
FUNDING_REQUESTERS = (
    Role.PROCESS_SUPPORT,
    Role.CORE_TEAM,
    Role.PROJECT_LEADER,
    Role.PROCESS_LEADER,
)
MANDATE_HOLDERS = (Role.PROJECT_LEADER, Role.PROCESS_LEADER, Role.BOARD)
INSIGHT_WRITERS = (Role.PROCESS_SUPPORT, Role.CORE_TEAM, Role.EXPERT, Role.ADMIN)


def _actor():
    return current_user._get_current_object()


@bp.app_template_filter("kr")
def format_kr(amount: int | None) -> str:
    """Money the Swedish way: 50 000 kr (no-break spaces)."""
    if amount is None:
        return "–"
    sign = "−" if amount < 0 else ""
    return f"{sign}{services.format_kr_plain(abs(amount))}\u00a0kr"


def _back(raw: str | None, default: str) -> str:
    return raw if is_safe_next(raw) else default


def _initiative_or_404(initiative_id: int) -> Initiative:
    initiative = db.session.get(Initiative, initiative_id)
    if initiative is None:
        abort(404)
    return initiative


# --- decision forms --------------------------------------------------------------------------


def _decision_options(phase: str) -> tuple[list, list]:
    """The outcomes DECISIONS allows from `phase`, and the phases to choose between when an
    outcome allows more than one."""
    options = DECISIONS[Phase(phase)]
    outcomes = [(o.value, OUTCOME_LABELS[o]) for o in Outcome if o in options]
    several = {p for targets in options.values() if len(targets) > 1 for p in targets}
    return outcomes, [(p.value, PHASE_LABELS[p]) for p in Phase if p in several]


def _decision_form(initiative: Initiative, form_class=DecisionForm, **kwargs):
    outcomes, phases_ = _decision_options(initiative.phase)
    return form_class(outcomes=outcomes, phases=phases_, **kwargs)


def _posted_decision_form(form_class, **kwargs):
    """Every outcome and phase accepted by the form: decide() judges it, with a clear text."""
    return form_class(
        outcomes=list(OUTCOME_LABELS.items()), phases=list(PHASE_LABELS.items()), **kwargs
    )


def _not_allowed_text(initiative: Initiative, outcome: str, to_phase: str | None) -> str:
    outcome_label = OUTCOME_LABELS[Outcome(outcome)]
    if to_phase and Outcome(outcome) in DECISIONS[Phase(initiative.phase)]:
        return _(
            "Beslutet ”%(outcome)s” kan inte leda till %(to)s för ett initiativ i %(phase)s. "
            "Välj en fas som beslutet tillåter.",
            outcome=outcome_label,
            to=PHASE_LABELS[Phase(to_phase)],
            phase=initiative.phase_label,
        )
    return _(
        "Beslutet ”%(outcome)s” går inte att fatta för ett initiativ i %(phase)s. "
        "Sidan visar de beslut som går att fatta nu.",
        outcome=outcome_label,
        phase=initiative.phase_label,
    )


def _record_decision(initiative_id: int, form, *, decided_on=None, meeting_id=None) -> Decision:
    """services.record_decision() for the posted form, committed (_once: a decision committed
    at the same moment makes this one fail on the initiative's version; asked again, the
    service says what was decided)."""

    def call():
        initiative = _initiative_or_404(initiative_id)
        meeting = _meeting_or_404(meeting_id) if meeting_id is not None else None
        return services.record_decision(
            initiative,
            outcome=form.outcome.data,
            to_phase=form.to_phase.data or None,
            rationale=form.rationale.data,
            decided_on=meeting.held_on if meeting is not None else decided_on,
            actor=_actor(),
            today=_today(),
            meeting=meeting,
            latest_seen=form.latest_seen,
        )

    return _once(call)


def _decision_url(decision: Decision, item: AgendaItem | None = None) -> str:
    """Where the decision is shown: its agenda item on the meeting page when it was taken at
    that meeting, else its row on the initiative page."""
    if item is not None and decision.meeting_id == item.meeting_id:
        return url_for("evaluation.meeting", meeting_id=item.meeting_id) + f"#punkt-{item.id}"
    return f"/initiativ/{decision.initiative_id}#beslut-{decision.id}"


def _decision_refused(initiative_id: int, form, refused: Exception, *, item=None):
    """The answer to a decision the service did not record: sent to the decision already
    registered (303), a page saying what was decided since or that the meeting has not been
    held (409), or the form again with the error at its place (422)."""
    db.session.rollback()
    initiative = _initiative_or_404(initiative_id)
    meeting = _meeting_or_404(item.meeting_id) if item is not None else None
    if isinstance(refused, services.AlreadyDone):
        url = _decision_url(refused.done, item)
        return _already_done(refused.message, url, link=_("Se beslutet"))
    if isinstance(refused, services.Superseded | services.MeetingNotHeld):
        link = (
            _decision_url(refused.decision, item)
            if isinstance(refused, services.Superseded)
            else None
        )
        if meeting is not None:
            return _meeting_page(
                meeting, refusal=str(refused.message), refusal_link=link, status=409
            )
        return _initiative_page(
            initiative, refusal=str(refused.message), refusal_link=link, status=409
        )
    if isinstance(refused, DecisionNotAllowed):
        form.form_errors.append(
            _not_allowed_text(initiative, form.outcome.data, form.to_phase.data or None)
        )
    elif isinstance(refused, services.PhaseNeeded):
        form.to_phase.errors.append(str(refused.message))
    elif isinstance(refused, services.FutureDecision):
        form.decided_on.errors.append(str(refused.message))
    else:
        form.form_errors.append(str(refused.message))
    form.outcome.choices = _fresh_outcome_choices(initiative)
    if meeting is not None:
        return _meeting_page(meeting, posted=(item.id, form), status=422)
    return _process_form_page(initiative, "decision", form)


# --- the process section of the initiative page ------------------------------------------------


@dataclass
class FundingRow:
    request: FundingRequest
    overshoot: int  # kronor over this year's budget if granted now (0: within, or no budget)
    may_decide: bool  # holds the mandate the amount needs
    form: FundingDecisionForm | None = None
    own: bool = False  # asked for by this person: someone else decides (four eyes)


@dataclass
class ProcessPanel:
    initiative: Initiative
    decisions: list
    funding: list[FundingRow]
    budget: services.BudgetYear
    insights: list
    decision_form: DecisionWithDateForm | None
    funding_form: FundingForm | None
    insight_form: InsightForm | None
    next: str
    mandate_labels: dict = field(default_factory=lambda: services.MANDATE_LABELS)
    status_labels: dict = field(default_factory=lambda: services.FUNDING_STATUS_LABELS)


def _may_record_insight(user, initiative: Initiative) -> bool:
    if user.has_role(Role.PROCESS_SUPPORT, Role.CORE_TEAM, Role.ADMIN):
        return True
    return user.has_role(Role.EXPERT) and services.find_request(initiative, user) is not None


@bp.app_template_global()
def process_panel(initiative: Initiative, posted: dict | None = None) -> ProcessPanel:
    """What templates/evaluation/_initiative_process.html shows: decisions, funding, insights.

    `posted` holds a form sent with errors ({"decision"|"funding"|"insight": form}).
    """
    posted = posted or {}
    user = current_user
    today = _today()
    here = posted.get("next", request.path)
    budget = services.budget_year(today.year)
    requests = db.session.scalars(
        select(FundingRequest)
        .where(FundingRequest.initiative_id == initiative.id)
        .order_by(FundingRequest.requested_at.desc(), FundingRequest.id.desc())
    ).all()
    rows = []
    for r in requests:
        open_ = r.status == FundingStatus.REQUESTED
        may = open_ and services.can_decide_funding(user, r)
        own = may and services.is_own_request(user, r)
        rows.append(
            FundingRow(
                r,
                budget.overshoot_if_granted(r.amount_kr) if open_ else 0,
                may,
                FundingDecisionForm(formdata=None, prefix=f"anslag{r.id}", data={"next": here})
                if may and not own
                else None,
                own=own,
            )
        )
    insights = db.session.scalars(
        select(Insight)
        .where(Insight.initiative_id == initiative.id)
        .options(selectinload(Insight.author))
        .order_by(Insight.noted_on.desc(), Insight.id.desc())
    ).all()
    decision_form = funding_form = insight_form = None
    if user.has_role(*DECIDERS) and DECISIONS[Phase(initiative.phase)]:
        latest = max((d.id for d in initiative.decisions), default=0)
        decision_form = posted.get("decision") or _decision_form(
            initiative,
            DecisionWithDateForm,
            formdata=None,
            data={
                "decided_on": today,
                "next": here,
                "to_phase": FOLLOWS,
                "latest": str(latest),
            },
        )
    if user.has_role(*FUNDING_REQUESTERS) and initiative.phase != Phase.CLOSED:
        funding_form = posted.get("funding") or FundingForm(formdata=None, data={"next": here})
    if _may_record_insight(user, initiative):
        insight_form = posted.get("insight") or InsightForm(
            formdata=None, data={"noted_on": today, "next": here}
        )
    return ProcessPanel(
        initiative=initiative,
        decisions=list(initiative.decisions),
        funding=rows,
        budget=budget,
        insights=list(insights),
        decision_form=decision_form,
        funding_form=funding_form,
        insight_form=insight_form,
        next=here,
    )


def _process_form_page(initiative: Initiative, name: str, form):
    """The process section again, with the form that had errors: 422."""
    posted = {name: form, "next": _back(form.next.data, f"/initiativ/{initiative.id}")}
    return (
        render_template(
            "evaluation/process_form.html", initiative=initiative, posted=posted, form=form
        ),
        422,
    )


@bp.post("/initiativ/<int:initiative_id>/beslut")
@roles_required(*DECIDERS)
def record_decision(initiative_id: int):
    initiative = _initiative_or_404(initiative_id)
    form = _posted_decision_form(DecisionWithDateForm, today=_today())
    if not form.validate():
        return _process_form_page(initiative, "decision", form)
    try:
        decision = _record_decision(initiative_id, form, decided_on=form.decided_on.data)
    except (services.EvaluationRefused, DecisionNotAllowed) as refused:
        return _decision_refused(initiative_id, form, refused)
    initiative = decision.initiative
    flash(
        _(
            "Beslutet är registrerat: %(outcome)s. Initiativet är nu i %(phase)s.",
            outcome=decision.outcome_label,
            phase=initiative.phase_label,
        ),
        "success",
    )
    return redirect(_back(form.next.data, f"/initiativ/{initiative.id}") + "#beslut")


@bp.post("/initiativ/<int:initiative_id>/finansiering")
@roles_required(*FUNDING_REQUESTERS)
def request_funding(initiative_id: int):
    initiative = _initiative_or_404(initiative_id)
    form = FundingForm()
    if not form.validate():
        return _process_form_page(initiative, "funding", form)
    back = _back(form.next.data, f"/initiativ/{initiative.id}") + "#finansiering"
    try:
        funding = _once(
            lambda: services.request_funding(
                initiative,
                amount_kr=form.amount.data,
                purpose=form.purpose.data,
                period_start=form.period_start.data,
                period_end=form.period_end.data,
                actor=_actor(),
            )
        )
    except services.AlreadyDone as done:
        return _already_done(done.message, back)
    except services.EvaluationRefused as refused:
        db.session.rollback()
        form.form_errors.append(str(refused.message))
        return _process_form_page(_initiative_or_404(initiative_id), "funding", form)
    flash(
        _(
            "Ansökan om %(amount)s är registrerad. Beslutet fattas av: %(who)s.",
            amount=format_kr(funding.amount_kr),
            who=services.MANDATE_LABELS[Mandate(funding.mandate)],
        ),
        "success",
    )
    return redirect(back)


@bp.post("/initiativ/<int:initiative_id>/insikter")
@roles_required(*INSIGHT_WRITERS)
def record_insight(initiative_id: int):
    initiative = _initiative_or_404(initiative_id)
    require(_may_record_insight(current_user, initiative))
    form = InsightForm()
    if not form.validate():
        return _process_form_page(initiative, "insight", form)
    try:
        _once(
            lambda: services.record_insight(
                initiative, noted_on=form.noted_on.data, text=form.text.data, actor=_actor()
            )
        )
    except services.AlreadyDone as done:
        return _already_done(done.message, f"/initiativ/{initiative_id}#insikt-{done.done.id}")
    flash(_("Insikten är sparad."), "success")
    return redirect(_back(form.next.data, f"/initiativ/{initiative.id}") + "#insikter")


# --- priority meetings ---------------------------------------------------------------------------


def _meeting_or_404(meeting_id: int) -> PriorityMeeting:
    meeting = db.session.get(PriorityMeeting, meeting_id)
    if meeting is None:
        abort(404)
    return meeting


def _focus_area_choices(today: date) -> list[tuple[int, str]]:
    areas = db.session.scalars(select(FocusArea).order_by(FocusArea.name))
    return [(a.id, a.name) for a in areas if a.in_force_on(today)]


@bp.get("/primoten")
@roles_required(*PROCESS_STAFF)
def meetings():
    today = _today()
    rows = db.session.scalars(
        select(PriorityMeeting)
        .options(selectinload(PriorityMeeting.portfolio).selectinload(Portfolio.focus_areas))
        .order_by(PriorityMeeting.held_on, PriorityMeeting.id)
    ).all()
    items = dict(
        db.session.execute(
            select(AgendaItem.meeting_id, func.count(AgendaItem.id)).group_by(AgendaItem.meeting_id)
        ).all()
    )
    decided = dict(
        db.session.execute(
            select(Decision.meeting_id, func.count(Decision.id))
            .where(Decision.meeting_id.is_not(None))
            .group_by(Decision.meeting_id)
        ).all()
    )
    return render_template(
        "evaluation/meetings.html",
        upcoming=[m for m in rows if m.held_on >= today],
        past=[m for m in reversed(rows) if m.held_on < today],
        items=items,
        decided=decided,
        may_plan=current_user.has_role(*PLANNERS),
    )


@bp.route("/primoten/nytt", methods=["GET", "POST"])
@roles_required(*PLANNERS)
def new_meeting():
    today = _today()
    form = MeetingForm(focus_areas=_focus_area_choices(today))
    if request.method == "GET":
        return render_template("evaluation/meeting_new.html", form=form)
    if not form.validate():
        return render_template("evaluation/meeting_new.html", form=form), 422
    area = db.session.get(FocusArea, form.focus_area.data)
    try:
        meeting = _once(
            lambda: services.plan_meeting(
                held_on=form.held_on.data,
                portfolio=area.portfolio,
                title=form.title.data,
                actor=_actor(),
            )
        )
    except services.AlreadyDone as done:
        return _already_done(
            done.message, url_for("evaluation.meeting", meeting_id=done.done.id)
        )
    flash(_("Primötet är planerat. Lägg nu till initiativ på dagordningen."), "success")
    return redirect(url_for("evaluation.meeting", meeting_id=meeting.id))


@dataclass
class AgendaRow:
    item: AgendaItem
    initiative: Initiative
    canvas: list[tuple[str, str]]  # (label, text) from the canvas, or the summary
    summary: object  # ratings.RatingSummary
    decision: Decision | None
    form: DecisionForm | None


def _canvas_summary(initiative: Initiative) -> list[tuple[str, str]]:
    submission = initiative.origin_submission
    if submission is not None:
        parts = [
            (_("Syfte"), submission.purpose),
            (_("Effekt för invånarna"), submission.effect_residents),
            (_("Effekt för samhället"), submission.effect_society),
            (_("Effekt för Samhällskontraktet"), submission.effect_sk),
        ]
        parts = [(label, text) for label, text in parts if (text or "").strip()]
        if parts:
            return parts
    return [(_("Sammanfattning"), initiative.summary)] if initiative.summary else []


def _meeting_page(
    meeting: PriorityMeeting,
    *,
    posted=None,
    add_form=None,
    refusal: str | None = None,
    refusal_link: str | None = None,
    status: int = 200,
):
    """The agenda: a constant number of queries whatever the number of items. Decisions are
    taken once the meeting has been held: before its day the page offers no decision forms."""
    items = db.session.scalars(
        select(AgendaItem)
        .where(AgendaItem.meeting_id == meeting.id)
        .options(
            joinedload(AgendaItem.initiative).joinedload(Initiative.origin_submission),
        )
        .order_by(AgendaItem.position, AgendaItem.id)
    ).all()
    decisions = {
        d.initiative_id: d
        for d in db.session.scalars(
            select(Decision)
            .where(Decision.meeting_id == meeting.id)
            .options(selectinload(Decision.recorded_by))
        )
    }
    summaries = summarise([i.initiative_id for i in items])
    held = meeting.held_on <= _today()
    may_decide = held and current_user.has_role(*DECIDERS)
    latest = services.latest_decision_ids([i.initiative_id for i in items]) if may_decide else {}
    rows = []
    for item in items:
        initiative, decision, form = item.initiative, decisions.get(item.initiative_id), None
        if decision is None and may_decide and DECISIONS[Phase(initiative.phase)]:
            if posted is not None and posted[0] == item.id:
                form = posted[1]
            else:
                form = _decision_form(
                    initiative,
                    prefix=f"punkt{item.id}",
                    formdata=None,
                    data={"latest": str(latest.get(initiative.id, 0))},
                )
        rows.append(
            AgendaRow(
                item,
                initiative,
                _canvas_summary(initiative),
                summaries[item.initiative_id],
                decision,
                form,
            )
        )
    may_plan = current_user.has_role(*PLANNERS)
    if may_plan and add_form is None:
        add_form = AgendaAddForm(formdata=None, initiatives=_agenda_candidates(meeting))
    return render_template(
        "evaluation/meeting.html",
        meeting=meeting,
        rows=rows,
        held=held,
        not_held=None if held else services.meeting_not_held(meeting),
        refusal=refusal,
        refusal_link=refusal_link,
        add_form=add_form if may_plan else None,
        remove_form=AgendaRemoveForm(formdata=None) if may_plan else None,
        phase_labels={p.value: label for p, label in PHASE_LABELS.items()},
    ), status


def _agenda_candidates(
    meeting: PriorityMeeting, *, on_agenda_too: bool = False
) -> list[tuple[int, str]]:
    """The portfolio's open initiatives not on the agenda (the form offers these); with
    `on_agenda_too` also those on it (a form from an older page may name one, and the
    service says it is there)."""
    query = (
        select(Initiative.id, Initiative.title, Initiative.phase)
        .where(
            Initiative.portfolio_id == meeting.portfolio_id,
            Initiative.phase != Phase.CLOSED.value,
        )
        .order_by(Initiative.title, Initiative.id)
    )
    if not on_agenda_too:
        on_agenda = select(AgendaItem.initiative_id).where(AgendaItem.meeting_id == meeting.id)
        query = query.where(Initiative.id.not_in(on_agenda))
    found = db.session.execute(query).all()
    return [(i, f"{title} ({PHASE_LABELS[Phase(phase)]})") for i, title, phase in found]


@bp.get("/primoten/<int:meeting_id>")
@roles_required(*PROCESS_STAFF)
def meeting(meeting_id: int):
    return _meeting_page(_meeting_or_404(meeting_id))


@bp.post("/primoten/<int:meeting_id>/dagordning")
@roles_required(*PLANNERS)
def add_agenda_item(meeting_id: int):
    meeting = _meeting_or_404(meeting_id)
    form = AgendaAddForm(initiatives=_agenda_candidates(meeting, on_agenda_too=True))
    if not form.validate():
        offered = AgendaAddForm(formdata=None, initiatives=_agenda_candidates(meeting))
        form.initiative.choices = offered.initiative.choices
        return _meeting_page(meeting, add_form=form, status=422)
    initiative = _initiative_or_404(form.initiative.data)
    try:
        _once(lambda: services.add_to_agenda(meeting, initiative, actor=_actor()))
    except services.AlreadyDone as done:
        return _already_done(
            done.message,
            url_for("evaluation.meeting", meeting_id=meeting_id) + f"#punkt-{done.done.id}",
        )
    except services.EvaluationRefused as refused:
        db.session.rollback()
        form.initiative.errors.append(str(refused.message))
        return _meeting_page(_meeting_or_404(meeting_id), add_form=form, status=422)
    flash(_("”%(title)s” är tillagt på dagordningen.", title=initiative.title), "success")
    return redirect(url_for("evaluation.meeting", meeting_id=meeting.id) + "#dagordning")


def _item_or_404(meeting: PriorityMeeting, item_id: int) -> AgendaItem:
    item = db.session.get(AgendaItem, item_id)
    if item is None or item.meeting_id != meeting.id:
        abort(404)
    return item


@bp.post("/primoten/<int:meeting_id>/dagordning/<int:item_id>/ta-bort")
@roles_required(*PLANNERS)
def remove_agenda_item(meeting_id: int, item_id: int):
    meeting = _meeting_or_404(meeting_id)
    here = url_for("evaluation.meeting", meeting_id=meeting_id) + "#dagordning"
    if db.session.get(AgendaItem, item_id) is None:  # taken off from another tab a moment ago
        return _already_done(_("Punkten är redan borttagen från dagordningen."), here)
    item = _item_or_404(meeting, item_id)
    form = AgendaRemoveForm()
    if not form.validate():
        flash(_("Formuläret hade gått ut. Försök igen."), "error")
        return redirect(url_for("evaluation.meeting", meeting_id=meeting.id))
    title = item.initiative.title
    try:
        _once(lambda: services.remove_from_agenda(item, actor=_actor()))
    except services.AlreadyDone as done:
        return _already_done(done.message, here)
    except services.EvaluationRefused as refused:
        db.session.rollback()
        flash(str(refused.message), "error")
        return redirect(url_for("evaluation.meeting", meeting_id=meeting_id))
    flash(_("”%(title)s” är borttaget från dagordningen.", title=title), "success")
    return redirect(here)


@bp.post("/primoten/<int:meeting_id>/dagordning/<int:item_id>/beslut")
@roles_required(*DECIDERS)
def decide_agenda_item(meeting_id: int, item_id: int):
    meeting = _meeting_or_404(meeting_id)
    item = _item_or_404(meeting, item_id)
    initiative = item.initiative
    form = _posted_decision_form(DecisionForm, prefix=f"punkt{item.id}")
    if not form.validate():
        form.outcome.choices = _fresh_outcome_choices(initiative)
        return _meeting_page(meeting, posted=(item.id, form), status=422)
    title = initiative.title
    try:
        decision = _record_decision(initiative.id, form, meeting_id=meeting_id)
    except (services.EvaluationRefused, DecisionNotAllowed) as refused:
        return _decision_refused(initiative.id, form, refused, item=item)
    flash(
        _(
            "Beslutet om ”%(title)s” är registrerat: %(outcome)s.",
            title=title,
            outcome=decision.outcome_label,
        ),
        "success",
    )
    return redirect(url_for("evaluation.meeting", meeting_id=meeting_id) + f"#punkt-{item_id}")


def _fresh_outcome_choices(initiative: Initiative) -> list[SelectChoice]:
    return [SelectChoice(v, label) for v, label in _decision_options(initiative.phase)[0]]


@bp.get("/primoten/<int:meeting_id>/protokoll")
@roles_required(*PROCESS_STAFF)
def minutes(meeting_id: int):
    meeting = _meeting_or_404(meeting_id)
    positions = {i.initiative_id: i.position for i in meeting.items}
    decisions = db.session.scalars(
        select(Decision)
        .where(Decision.meeting_id == meeting.id)
        .options(joinedload(Decision.initiative), selectinload(Decision.recorded_by))
        .order_by(Decision.id)
    ).all()
    decisions = sorted(decisions, key=lambda d: (positions.get(d.initiative_id, 10**6), d.id))
    undecided = [
        i.initiative
        for i in meeting.items
        if i.initiative_id not in {d.initiative_id for d in decisions}
    ]
    return render_template(
        "evaluation/minutes.html",
        meeting=meeting,
        decisions=decisions,
        undecided=undecided,
        phase_labels={p.value: label for p, label in PHASE_LABELS.items()},
    )


# --- funding ---------------------------------------------------------------------------------------


def _funding_page(*, posted: tuple[int, FundingDecisionForm] | None = None, status: int = 200):
    today = _today()
    budget = services.budget_year(today.year)
    open_requests = db.session.scalars(
        select(FundingRequest)
        .where(FundingRequest.status == FundingStatus.REQUESTED)
        .options(joinedload(FundingRequest.initiative))
        .order_by(FundingRequest.requested_at, FundingRequest.id)
    ).all()
    mine, others = [], []
    for r in open_requests:
        may = services.can_decide_funding(current_user, r)
        own = may and services.is_own_request(current_user, r)
        form = None
        if may and not own:
            form = (
                posted[1]
                if posted and posted[0] == r.id
                else FundingDecisionForm(formdata=None, prefix=f"anslag{r.id}")
            )
        row = FundingRow(r, budget.overshoot_if_granted(r.amount_kr), may, form, own=own)
        (mine if may else others).append(row)
    decided = db.session.scalars(
        select(FundingRequest)
        .where(
            FundingRequest.status != FundingStatus.REQUESTED,
            extract("year", FundingRequest.decided_on) == today.year,
        )
        .options(joinedload(FundingRequest.initiative))
        .order_by(FundingRequest.decided_on.desc(), FundingRequest.id.desc())
    ).all()
    return render_template(
        "evaluation/funding.html",
        budget=budget,
        mine=mine,
        others=others,
        decided=decided,
        mandate=services.highest_mandate(current_user),
        mandate_labels=services.MANDATE_LABELS,
        status_labels=services.FUNDING_STATUS_LABELS,
    ), status


@bp.get("/finansiering")
@roles_required(*FUNDING_VIEWERS)
def funding():
    return _funding_page()


@bp.post("/finansiering/<int:request_id>/beslut")
@roles_required(*MANDATE_HOLDERS)
def decide_funding(request_id: int):
    funding_request = db.session.get(FundingRequest, request_id)
    if funding_request is None:
        abort(404)
    if not services.can_decide_funding(current_user, funding_request):
        return render_error(403, text=services.mandate_refusal(funding_request))
    form = FundingDecisionForm(prefix=f"anslag{funding_request.id}")
    back = _back(form.next.data, url_for("evaluation.funding"))
    if funding_request.status != FundingStatus.REQUESTED:
        return _already_done(services.already_decided(funding_request), back)
    if not form.validate():
        return _funding_page(posted=(funding_request.id, form), status=422)
    today = _today()
    overshoot = services.budget_year(today.year).overshoot_if_granted(funding_request.amount_kr)
    grant = form.verdict.data == GRANT
    try:
        services.decide_funding(
            funding_request, grant=grant, note=form.note.data, decided_on=today, actor=_actor()
        )
        db.session.commit()
    except services.AlreadyDone as done:  # someone else decided it a moment ago
        return _already_done(done.message, back)
    except services.OwnRequest as refused:
        db.session.rollback()
        return render_error(403, text=str(refused.message))
    if grant:
        flash(_("%(amount)s är beviljat.", amount=format_kr(funding_request.amount_kr)), "success")
        if overshoot:
            flash(
                _(
                    "Årets budget är nu överskriden med %(amount)s.",
                    amount=format_kr(overshoot),
                ),
                "warning",
            )
    else:
        flash(_("Ansökan är avslagen."), "success")
    return redirect(back)


@bp.route("/admin/budget", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def budget():
    form = BudgetForm(data={"year": _today().year} if request.method == "GET" else None)
    status = 200
    if request.method == "POST":
        if form.validate():
            # _once: two admins setting a new year's budget at once both insert its row;
            # the second then updates it.
            _once(lambda: services.set_budget(form.year.data, form.amount.data, actor=_actor()))
            flash(
                _(
                    "Innovationsbudgeten för %(year)s är %(amount)s.",
                    year=form.year.data,
                    amount=format_kr(form.amount.data),
                ),
                "success",
            )
            return redirect(url_for("evaluation.budget"))
        status = 422
    return render_template(
        "evaluation/budget.html", form=form, years=services.budget_years()
    ), status


# --- insights ---------------------------------------------------------------------------------------

INSIGHT_LIMIT = 500


@bp.get("/insikter")
@roles_required(*INSIGHT_WRITERS)
def insights():
    portfolios = db.session.scalars(
        select(Portfolio).options(selectinload(Portfolio.focus_areas))
    ).all()
    choices = sorted(((p.id, p.current.name) for p in portfolios), key=lambda c: c[1])
    form = InsightFilterForm(request.args, portfolios=choices)
    chosen = form.portfolio.data if form.validate() else None
    query = (
        select(Insight, Initiative)
        .join(Initiative, Initiative.id == Insight.initiative_id)
        .options(selectinload(Insight.author))
        .order_by(Insight.noted_on.desc(), Insight.id.desc())
        .limit(INSIGHT_LIMIT + 1)
    )
    if chosen is not None:
        query = query.where(Initiative.portfolio_id == chosen)
    readable = services.insight_initiatives(current_user)
    if readable is not None:  # an expert: the initiatives they were asked to rate
        query = query.where(Initiative.id.in_(readable))
    rows = db.session.execute(query).all()
    names = dict(choices)
    return render_template(
        "evaluation/insights.html",
        form=form,
        rows=rows[:INSIGHT_LIMIT],
        more=len(rows) > INSIGHT_LIMIT,
        portfolio_names=names,
        chosen=chosen,
    )
