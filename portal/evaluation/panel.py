"""The process section of an initiative's page: its decisions, pilot money and insights,
with the forms the person may use. Built by the views and given to the template (nothing
queries while the page renders); templates/evaluation/_initiative_process.html shows it."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import render_template, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.evaluation.funding import services as funding_services
from portal.evaluation.funding.forms import FundingForm
from portal.evaluation.funding.queries import FundingRow, funding_rows
from portal.evaluation.insights.forms import InsightForm
from portal.evaluation.meetings.forms import FOLLOWS, DecisionWithDateForm
from portal.evaluation.meetings.queries import decision_form_for
from portal.evaluation.models import (
    FundingRequest,
    Initiative,
    Insight,
    Phase,
)
from portal.evaluation.permissions import (
    DECIDERS,
    FUNDING_REQUESTERS,
    may_record_insight,
)
from portal.evaluation.phases import DECISIONS
from portal.evaluation.responses import (
    return_to,
)
from portal.extensions import db
from portal.types import today_in_stockholm


@dataclass
class ProcessPanel:
    initiative: Initiative
    decisions: list
    funding: list[FundingRow]
    budget: funding_services.BudgetYear
    insights: list
    decision_form: DecisionWithDateForm | None
    funding_form: FundingForm | None
    insight_form: InsightForm | None
    next: str
    mandate_labels: dict = field(default_factory=lambda: funding_services.MANDATE_LABELS)
    status_labels: dict = field(default_factory=lambda: funding_services.FUNDING_STATUS_LABELS)


def process_panel(initiative: Initiative, posted: dict | None = None) -> ProcessPanel:
    """What templates/evaluation/_initiative_process.html shows: decisions, funding, insights.

    `posted` holds a form sent with errors ({"decision"|"funding"|"insight": form}) and the
    page the forms lead back to ("next").
    """
    posted = posted or {}
    user = current_user
    today = today_in_stockholm()
    here = posted.get("next", request.path)
    budget = funding_services.budget_year(today.year)
    requests = db.session.scalars(
        select(FundingRequest)
        .where(FundingRequest.initiative_id == initiative.id)
        .order_by(FundingRequest.requested_at.desc(), FundingRequest.id.desc())
    ).all()
    rows = funding_rows(requests, user, budget, next_page=here)
    insights = db.session.scalars(
        select(Insight)
        .where(Insight.initiative_id == initiative.id)
        .options(selectinload(Insight.author))
        .order_by(Insight.noted_on.desc(), Insight.id.desc())
    ).all()
    decision_form = funding_form = insight_form = None
    if user.has_role(*DECIDERS) and DECISIONS[Phase(initiative.phase)]:
        latest = max((d.id for d in initiative.decisions), default=0)
        decision_form = posted.get("decision") or decision_form_for(
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
    if may_record_insight(user, initiative):
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


def process_form_page(initiative: Initiative, name: str, form):
    """The process section again, with the form that had errors: 422."""
    posted = {name: form, "next": return_to(form.next.data, f"/initiativ/{initiative.id}")}
    return (
        render_template(
            "evaluation/process_form.html",
            initiative=initiative,
            panel=process_panel(initiative, posted),
            form=form,
        ),
        422,
    )
