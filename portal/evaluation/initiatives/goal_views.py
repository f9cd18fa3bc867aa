"""The goals an initiative works towards, on its page (portal/evaluation/goals.py)."""

from __future__ import annotations

from flask import flash, g, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from portal.accounts.models import Role
from portal.evaluation import goals
from portal.evaluation.blueprint import bp
from portal.evaluation.initiatives.views import initiative_page
from portal.evaluation.models import Initiative
from portal.evaluation.responses import load_initiative
from portal.evaluation.rules import EvaluationRefused
from portal.evaluation.signals import initiative_page_shown
from portal.extensions import db
from portal.forms import HiddenField, MultiCheckboxField, id_from_text
from portal.permissions import has_any, roles_required
from portal.types import today_in_stockholm

# Process support and the Core Team keep the links (admins too, as elsewhere).
GOAL_EDITORS = (Role.PROCESS_SUPPORT, Role.CORE_TEAM, Role.ADMIN)


class GoalLinkForm(FlaskForm):
    version = HiddenField()
    goals = MultiCheckboxField(_l("Mål som initiativet arbetar mot"), coerce=int)

    def __init__(self, *args, offered=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.goals.choices = [(goal.id, choice_label(goal)) for goal in offered]


def choice_label(goal) -> str:
    if goal.parent is not None:
        return _(
            "%(kind)s: %(title)s (under %(parent)s)",
            kind=goal.kind_label,
            title=goal.title,
            parent=goal.parent.title,
        )
    return _("%(kind)s: %(title)s", kind=goal.kind_label, title=goal.title)


def _form(initiative: Initiative, formdata=None) -> GoalLinkForm:
    offered = goals.goals_in_force(initiative.portfolio_id, today_in_stockholm())
    form = GoalLinkForm(formdata=formdata, offered=offered)
    if formdata is None:
        linked = goals.linked_goals([initiative.id]).get(initiative.id, [])
        form.goals.data = [goal.id for goal in linked if goal.id in {o.id for o in offered}]
        form.version.data = str(initiative.version)
    return form


@initiative_page_shown.connect
def _goal_section(initiative: Initiative, *, user) -> dict:
    """The page's "Mål" section: the linked goals, and for editors the form."""
    form = g.pop("goal_form", None)
    if form is None and has_any(user, GOAL_EDITORS):
        form = _form(initiative)
    return {
        "goal_links": goals.linked_goals([initiative.id]).get(initiative.id, []),
        "goal_form": form,
        "goal_today": today_in_stockholm(),
    }


@bp.post("/initiativ/<int:initiative_id>/mal")
@roles_required(*GOAL_EDITORS)
def initiative_goals(initiative_id: int):
    initiative = load_initiative(initiative_id)
    form = GoalLinkForm(offered=goals.goals_in_force(initiative.portfolio_id, today_in_stockholm()))
    if not form.validate_on_submit():
        g.goal_form = form
        return initiative_page(initiative, status=422)
    version = id_from_text(form.version.data, minimum=0)
    try:
        changed = goals.set_goals(
            initiative,
            form.goals.data or [],
            expected_version=version,
            actor=current_user._get_current_object(),
            today=today_in_stockholm(),
        )
        db.session.commit()
    except (goals.GoalsConflict, StaleDataError, IntegrityError):
        db.session.rollback()
        initiative = load_initiative(initiative_id)
        g.goal_form = _form(initiative)
        g.goal_form.form_errors.append(str(goals.CONFLICT))
        return initiative_page(initiative, status=409)
    except EvaluationRefused as refused:
        db.session.rollback()
        form.goals.errors = [*form.goals.errors, str(refused.message)]
        g.goal_form = form
        return initiative_page(load_initiative(initiative_id), status=422)
    if changed:
        flash(_("Målen för initiativet är sparade."), "success")
    else:
        flash(_("Inga ändringar att spara."), "info")
    return redirect(url_for("evaluation.initiative", initiative_id=initiative_id) + "#mal")
