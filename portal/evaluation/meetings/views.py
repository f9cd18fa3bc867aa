"""Priority meetings: the list, planning one, its agenda and decisions, its minutes; and a
decision recorded outside a meeting on the initiative's page."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from portal.evaluation.blueprint import bp
from portal.evaluation.initiatives.ratings import summarise
from portal.evaluation.initiatives.views import initiative_page
from portal.evaluation.meetings import services
from portal.evaluation.meetings.forms import (
    AgendaAddForm,
    AgendaRemoveForm,
    DecisionForm,
    DecisionWithDateForm,
    MeetingForm,
)
from portal.evaluation.meetings.queries import (
    AgendaRow,
    agenda_candidates,
    canvas_summary,
    decision_form_for,
    focus_area_choices,
    fresh_outcome_choices,
    not_allowed_text,
    posted_decision_form,
)
from portal.evaluation.models import (
    PHASE_LABELS,
    AgendaItem,
    Decision,
    Initiative,
    Phase,
    PriorityMeeting,
)
from portal.evaluation.panel import process_form_page
from portal.evaluation.permissions import (
    DECIDERS,
    MANAGERS,
    STAFF,
)
from portal.evaluation.phases import DECISIONS, DecisionNotAllowed
from portal.evaluation.pilot_reports.rounds import PilotReportMissing
from portal.evaluation.responses import (
    actor,
    already_done,
    load_initiative,
    load_meeting,
    once,
    return_to,
)
from portal.evaluation.rules import AlreadyDone, EvaluationRefused
from portal.extensions import db
from portal.permissions import roles_required
from portal.reference.models import FocusArea, Portfolio
from portal.types import today_in_stockholm


def _record_decision(initiative_id: int, form, *, decided_on=None, meeting_id=None) -> Decision:
    """services.record_decision() for the posted form, committed (_once: a decision committed
    at the same moment makes this one fail on the initiative's version; asked again, the
    service says what was decided)."""

    def call():
        initiative = load_initiative(initiative_id)
        meeting = load_meeting(meeting_id) if meeting_id is not None else None
        return services.record_decision(
            initiative,
            outcome=form.outcome.data,
            to_phase=form.to_phase.data or None,
            rationale=form.rationale.data,
            decided_on=meeting.held_on if meeting is not None else decided_on,
            actor=actor(),
            today=today_in_stockholm(),
            meeting=meeting,
            latest_seen=form.latest_seen,
        )

    return once(call)


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
    initiative = load_initiative(initiative_id)
    meeting = load_meeting(item.meeting_id) if item is not None else None
    if isinstance(refused, AlreadyDone):
        url = _decision_url(refused.done, item)
        return already_done(refused.message, url, link=_("Se beslutet"))
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
        return initiative_page(
            initiative, refusal=str(refused.message), refusal_link=link, status=409
        )
    if isinstance(refused, DecisionNotAllowed):
        form.form_errors.append(
            not_allowed_text(initiative, form.outcome.data, form.to_phase.data or None)
        )
    elif isinstance(refused, PilotReportMissing):  # what was entered stays in the form
        form.form_errors.append(
            Markup('{} <a href="{}">{}</a>').format(
                str(refused.message), refused.report_url, _("Skriv pilotrapporten")
            )
        )
    elif isinstance(refused, services.PhaseNeeded):
        form.to_phase.errors.append(str(refused.message))
    elif isinstance(refused, services.FutureDecision):
        form.decided_on.errors.append(str(refused.message))
    else:
        form.form_errors.append(str(refused.message))
    form.outcome.choices = fresh_outcome_choices(initiative)
    if meeting is not None:
        return _meeting_page(meeting, posted=(item.id, form), status=422)
    return process_form_page(initiative, "decision", form)


@bp.post("/initiativ/<int:initiative_id>/beslut")
@roles_required(*DECIDERS)
def record_decision(initiative_id: int):
    initiative = load_initiative(initiative_id)
    form = posted_decision_form(DecisionWithDateForm, today=today_in_stockholm())
    if not form.validate():
        return process_form_page(initiative, "decision", form)
    try:
        decision = _record_decision(initiative_id, form, decided_on=form.decided_on.data)
    except (EvaluationRefused, DecisionNotAllowed) as refused:
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
    return redirect(return_to(form.next.data, f"/initiativ/{initiative.id}") + "#beslut")


@bp.get("/primoten")
@roles_required(*STAFF)
def meetings():
    today = today_in_stockholm()
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
        may_plan=current_user.has_role(*MANAGERS),
    )


@bp.route("/primoten/nytt", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def new_meeting():
    today = today_in_stockholm()
    form = MeetingForm(focus_areas=focus_area_choices(today))
    if request.method == "GET":
        return render_template("evaluation/meeting_new.html", form=form)
    if not form.validate():
        return render_template("evaluation/meeting_new.html", form=form), 422
    area = db.session.get(FocusArea, form.focus_area.data)
    try:
        meeting = once(
            lambda: services.plan_meeting(
                held_on=form.held_on.data,
                portfolio=area.portfolio,
                title=form.title.data,
                actor=actor(),
            )
        )
    except AlreadyDone as done:
        return already_done(done.message, url_for("evaluation.meeting", meeting_id=done.done.id))
    flash(_("Primötet är planerat. Lägg nu till initiativ på dagordningen."), "success")
    return redirect(url_for("evaluation.meeting", meeting_id=meeting.id))


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
    held = meeting.held_on <= today_in_stockholm()
    may_decide = held and current_user.has_role(*DECIDERS)
    latest = services.latest_decision_ids([i.initiative_id for i in items]) if may_decide else {}
    rows = []
    for item in items:
        initiative, decision, form = item.initiative, decisions.get(item.initiative_id), None
        if decision is None and may_decide and DECISIONS[Phase(initiative.phase)]:
            if posted is not None and posted[0] == item.id:
                form = posted[1]
            else:
                form = decision_form_for(
                    initiative,
                    prefix=f"punkt{item.id}",
                    formdata=None,
                    data={"latest": str(latest.get(initiative.id, 0))},
                )
        rows.append(
            AgendaRow(
                item,
                initiative,
                canvas_summary(initiative),
                summaries[item.initiative_id],
                decision,
                form,
            )
        )
    may_plan = current_user.has_role(*MANAGERS)
    if may_plan and add_form is None:
        add_form = AgendaAddForm(formdata=None, initiatives=agenda_candidates(meeting))
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


@bp.get("/primoten/<int:meeting_id>")
@roles_required(*STAFF)
def meeting(meeting_id: int):
    return _meeting_page(load_meeting(meeting_id))


@bp.post("/primoten/<int:meeting_id>/dagordning")
@roles_required(*MANAGERS)
def add_agenda_item(meeting_id: int):
    meeting = load_meeting(meeting_id)
    form = AgendaAddForm(initiatives=agenda_candidates(meeting, on_agenda_too=True))
    if not form.validate():
        offered = AgendaAddForm(formdata=None, initiatives=agenda_candidates(meeting))
        form.initiative.choices = offered.initiative.choices
        return _meeting_page(meeting, add_form=form, status=422)
    initiative = load_initiative(form.initiative.data)
    try:
        once(lambda: services.add_to_agenda(meeting, initiative, actor=actor()))
    except AlreadyDone as done:
        return already_done(
            done.message,
            url_for("evaluation.meeting", meeting_id=meeting_id) + f"#punkt-{done.done.id}",
        )
    except EvaluationRefused as refused:
        db.session.rollback()
        form.initiative.errors.append(str(refused.message))
        return _meeting_page(load_meeting(meeting_id), add_form=form, status=422)
    flash(_("”%(title)s” är tillagt på dagordningen.", title=initiative.title), "success")
    return redirect(url_for("evaluation.meeting", meeting_id=meeting.id) + "#dagordning")


def _item_or_404(meeting: PriorityMeeting, item_id: int) -> AgendaItem:
    item = db.session.get(AgendaItem, item_id)
    if item is None or item.meeting_id != meeting.id:
        abort(404)
    return item


@bp.post("/primoten/<int:meeting_id>/dagordning/<int:item_id>/ta-bort")
@roles_required(*MANAGERS)
def remove_agenda_item(meeting_id: int, item_id: int):
    meeting = load_meeting(meeting_id)
    here = url_for("evaluation.meeting", meeting_id=meeting_id) + "#dagordning"
    if db.session.get(AgendaItem, item_id) is None:  # taken off from another tab a moment ago
        return already_done(_("Punkten är redan borttagen från dagordningen."), here)
    item = _item_or_404(meeting, item_id)
    form = AgendaRemoveForm()
    if not form.validate():
        flash(_("Formuläret hade gått ut. Försök igen."), "error")
        return redirect(url_for("evaluation.meeting", meeting_id=meeting.id))
    title = item.initiative.title
    try:
        once(lambda: services.remove_from_agenda(item, actor=actor()))
    except AlreadyDone as done:
        return already_done(done.message, here)
    except EvaluationRefused as refused:
        db.session.rollback()
        flash(str(refused.message), "error")
        return redirect(url_for("evaluation.meeting", meeting_id=meeting_id))
    flash(_("”%(title)s” är borttaget från dagordningen.", title=title), "success")
    return redirect(here)


@bp.post("/primoten/<int:meeting_id>/dagordning/<int:item_id>/beslut")
@roles_required(*DECIDERS)
def decide_agenda_item(meeting_id: int, item_id: int):
    meeting = load_meeting(meeting_id)
    item = _item_or_404(meeting, item_id)
    initiative = item.initiative
    form = posted_decision_form(DecisionForm, prefix=f"punkt{item.id}")
    if not form.validate():
        form.outcome.choices = fresh_outcome_choices(initiative)
        return _meeting_page(meeting, posted=(item.id, form), status=422)
    title = initiative.title
    try:
        decision = _record_decision(initiative.id, form, meeting_id=meeting_id)
    except (EvaluationRefused, DecisionNotAllowed) as refused:
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


@bp.get("/primoten/<int:meeting_id>/protokoll")
@roles_required(*STAFF)
def minutes(meeting_id: int):
    meeting = load_meeting(meeting_id)
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
