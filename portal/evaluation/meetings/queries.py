"""What the meeting pages read, and the decision form built for an initiative's phase."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from wtforms import SelectChoice

from portal.evaluation.meetings.forms import DecisionForm
from portal.evaluation.models import (
    OUTCOME_LABELS,
    PHASE_LABELS,
    AgendaItem,
    Decision,
    Initiative,
    Outcome,
    Phase,
    PriorityMeeting,
)
from portal.evaluation.phases import DECISIONS
from portal.extensions import db
from portal.reference.models import FocusArea


def focus_area_choices(today: date) -> list[tuple[int, str]]:
    areas = db.session.scalars(select(FocusArea).order_by(FocusArea.name))
    return [(a.id, a.name) for a in areas if a.in_force_on(today)]


@dataclass
class AgendaRow:
    item: AgendaItem
    initiative: Initiative
    canvas: list[tuple[str, str]]  # (label, text) from the canvas, or the summary
    summary: object  # ratings.RatingSummary
    decision: Decision | None
    form: DecisionForm | None


def canvas_summary(initiative: Initiative) -> list[tuple[str, str]]:
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


def agenda_candidates(
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


def decision_options(phase: str) -> tuple[list, list]:
    """The outcomes DECISIONS allows from `phase`, and the phases to choose between when an
    outcome allows more than one."""
    options = DECISIONS[Phase(phase)]
    outcomes = [(o.value, OUTCOME_LABELS[o]) for o in Outcome if o in options]
    several = {p for targets in options.values() if len(targets) > 1 for p in targets}
    return outcomes, [(p.value, PHASE_LABELS[p]) for p in Phase if p in several]


def posted_decision_form(form_class, **kwargs):
    """Every outcome and phase accepted by the form: decide() judges it, with a clear text."""
    return form_class(
        outcomes=list(OUTCOME_LABELS.items()), phases=list(PHASE_LABELS.items()), **kwargs
    )


def decision_form_for(initiative: Initiative, form_class=DecisionForm, **kwargs):
    outcomes, phases_ = decision_options(initiative.phase)
    return form_class(outcomes=outcomes, phases=phases_, **kwargs)


def fresh_outcome_choices(initiative: Initiative) -> list[SelectChoice]:
    return [SelectChoice(v, label) for v, label in decision_options(initiative.phase)[0]]


def not_allowed_text(initiative: Initiative, outcome: str, to_phase: str | None) -> str:
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
