"""Pilot money: the funding page, a request on an initiative's page, deciding one, the budget."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import extract, select
from sqlalchemy.orm import joinedload

from portal.accounts.models import Role
from portal.error_pages import render_error
from portal.evaluation.blueprint import bp
from portal.evaluation.funding import services
from portal.evaluation.funding.forms import GRANT, BudgetForm, FundingDecisionForm, FundingForm
from portal.evaluation.funding.queries import funding_rows
from portal.evaluation.models import (
    FundingRequest,
    FundingStatus,
    Mandate,
)
from portal.evaluation.panel import process_form_page
from portal.evaluation.permissions import (
    FUNDING_REQUESTERS,
    FUNDING_VIEWERS,
    MANDATE_HOLDERS,
)
from portal.evaluation.responses import (
    actor,
    already_done,
    load_initiative,
    once,
    return_to,
)
from portal.evaluation.rules import AlreadyDone, EvaluationRefused
from portal.evaluation.templating import format_kr
from portal.extensions import db
from portal.permissions import roles_required
from portal.types import today_in_stockholm


@bp.post("/initiativ/<int:initiative_id>/finansiering")
@roles_required(*FUNDING_REQUESTERS)
def request_funding(initiative_id: int):
    initiative = load_initiative(initiative_id)
    form = FundingForm()
    if not form.validate():
        return process_form_page(initiative, "funding", form)
    back = return_to(form.next.data, f"/initiativ/{initiative.id}") + "#finansiering"
    try:
        funding = once(
            lambda: services.request_funding(
                initiative,
                amount_kr=form.amount.data,
                purpose=form.purpose.data,
                period_start=form.period_start.data,
                period_end=form.period_end.data,
                actor=actor(),
            )
        )
    except AlreadyDone as done:
        return already_done(done.message, back)
    except EvaluationRefused as refused:
        db.session.rollback()
        form.form_errors.append(str(refused.message))
        return process_form_page(load_initiative(initiative_id), "funding", form)
    flash(
        _(
            "Ansökan om %(amount)s är registrerad. Beslutet fattas av: %(who)s.",
            amount=format_kr(funding.amount_kr),
            who=services.MANDATE_LABELS[Mandate(funding.mandate)],
        ),
        "success",
    )
    return redirect(back)


def _funding_page(*, posted: tuple[int, FundingDecisionForm] | None = None, status: int = 200):
    today = today_in_stockholm()
    budget = services.budget_year(today.year)
    open_requests = db.session.scalars(
        select(FundingRequest)
        .where(FundingRequest.status == FundingStatus.REQUESTED)
        .options(joinedload(FundingRequest.initiative))
        .order_by(FundingRequest.requested_at, FundingRequest.id)
    ).all()
    rows = funding_rows(open_requests, current_user, budget, posted=posted)
    mine = [row for row in rows if row.may_decide]
    others = [row for row in rows if not row.may_decide]
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
    back = return_to(form.next.data, url_for("evaluation.funding"))
    if funding_request.status != FundingStatus.REQUESTED:
        return already_done(services.already_decided(funding_request), back)
    if not form.validate():
        return _funding_page(posted=(funding_request.id, form), status=422)
    today = today_in_stockholm()
    overshoot = services.budget_year(today.year).overshoot_if_granted(funding_request.amount_kr)
    grant = form.verdict.data == GRANT
    try:
        services.decide_funding(
            funding_request, grant=grant, note=form.note.data, decided_on=today, actor=actor()
        )
        db.session.commit()
    except AlreadyDone as done:  # someone else decided it a moment ago
        return already_done(done.message, back)
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
    form = BudgetForm(data={"year": today_in_stockholm().year} if request.method == "GET" else None)
    status = 200
    if request.method == "POST":
        if form.validate():
            # _once: two admins setting a new year's budget at once both insert its row;
            # the second then updates it.
            once(lambda: services.set_budget(form.year.data, form.amount.data, actor=actor()))
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
