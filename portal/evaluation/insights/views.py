"""Insights: the list across portfolios, and recording one on an initiative's page."""

from __future__ import annotations

from flask import flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.evaluation.blueprint import bp
from portal.evaluation.insights import services
from portal.evaluation.insights.forms import InsightFilterForm, InsightForm
from portal.evaluation.models import (
    Initiative,
    Insight,
)
from portal.evaluation.panel import process_form_page
from portal.evaluation.permissions import (
    INSIGHT_WRITERS,
    may_record_insight,
)
from portal.evaluation.responses import (
    actor,
    already_done,
    load_initiative,
    once,
    return_to,
)
from portal.evaluation.rules import AlreadyDone
from portal.extensions import db
from portal.permissions import require, roles_required
from portal.reference.models import Portfolio


@bp.post("/initiativ/<int:initiative_id>/insikter")
@roles_required(*INSIGHT_WRITERS)
def record_insight(initiative_id: int):
    initiative = load_initiative(initiative_id)
    require(may_record_insight(current_user, initiative))
    form = InsightForm()
    if not form.validate():
        return process_form_page(initiative, "insight", form)
    try:
        once(
            lambda: services.record_insight(
                initiative, noted_on=form.noted_on.data, text=form.text.data, actor=actor()
            )
        )
    except AlreadyDone as done:
        return already_done(done.message, f"/initiativ/{initiative_id}#insikt-{done.done.id}")
    flash(_("Insikten är sparad."), "success")
    return redirect(return_to(form.next.data, f"/initiativ/{initiative.id}") + "#insikter")


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
