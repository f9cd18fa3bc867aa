"""Administration: the focus areas' societal goals and effect goals (portal/admin/goals.py).

/admin/mal lists them per focus area; a goal is added, corrected, renamed (the old wording
stays) and ended on its own pages. Every form carries the goal's version: an edit on a goal
that changed since it was shown is refused (409) and shows the saved goal.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm.exc import StaleDataError
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from portal.accounts.models import Role
from portal.admin import goals as services
from portal.admin.forms import strip
from portal.admin.services import RuleViolation, portfolios
from portal.admin.views import _history, _show, bp
from portal.extensions import db
from portal.forms import (
    DATE_HINT,
    ChoiceField,
    DayField,
    HiddenField,
    RadioChoiceField,
    id_from_text,
    int_or_none,
    no_control_chars,
)
from portal.permissions import roles_required
from portal.reference.goals import GOAL_KIND_LABELS, Goal, GoalKind
from portal.reference.models import Portfolio

TEXT_MAX = 5000
CONFLICT = _l(
    "Någon annan ändrade målet medan du skrev. Formuläret visar nu det sparade målet; "
    "gör om din ändring och spara igen."
)


def _title(label) -> StringField:
    return StringField(
        label,
        filters=[strip],
        validators=[
            DataRequired(_l("Fyll i målets namn.")),
            Length(max=200, message=_l("Namnet får vara högst 200 tecken.")),
            no_control_chars,
        ],
    )


def _description() -> TextAreaField:
    return TextAreaField(
        _l("Beskrivning"),
        validators=[
            Optional(),
            Length(max=TEXT_MAX, message=_l("Beskrivningen får vara högst 5000 tecken.")),
            no_control_chars,
        ],
        description=_l("Vad som ska uppnås och för vilka, så att det inspirerar."),
    )


def _measure() -> TextAreaField:
    return TextAreaField(
        _l("Mått eller indikator"),
        validators=[
            Optional(),
            Length(max=TEXT_MAX, message=_l("Måttet får vara högst 5000 tecken.")),
            no_control_chars,
        ],
        description=_l(
            "Hur det mäts att målet nås, till exempel andel elever med gymnasiebehörighet."
        ),
    )


class _GoalFields(FlaskForm):
    version = HiddenField()
    kind = RadioChoiceField(
        _l("Typ av mål"),
        choices=[(k.value, GOAL_KIND_LABELS[k]) for k in GoalKind],
        validators=[InputRequired(_l("Välj typ av mål."))],
    )
    parent = ChoiceField(
        _l("Står under samhällsmålet"),
        coerce=int_or_none,
        description=_l(
            "Bara för effektmål. Lämna tomt om effektmålet inte hör till ett visst samhällsmål."
        ),
    )
    title = _title(_l("Namn på målet"))
    description = _description()
    measure = _measure()
    valid_from = DayField(
        _l("Gäller från"),
        validators=[InputRequired(_l("Fyll i datumet då målet börjar gälla."))],
        description=DATE_HINT,
    )
    valid_to = DayField(
        _l("Gäller till och med"),
        validators=[Optional()],
        description=_l("Lämna tomt om målet gäller tills vidare."),
    )

    def set_parents(self, parents) -> None:
        self.parent.choices = [("", _("Inget samhällsmål"))] + [
            (str(g.id), g.current.title) for g in parents
        ]

    def validate_valid_to(self, field) -> None:
        if field.data and self.valid_from.data and field.data < self.valid_from.data:
            raise ValidationError(_l("Slutdatumet kan inte vara före startdatumet."))


class NewGoalForm(_GoalFields):
    portfolio = ChoiceField(
        _l("Fokusområde"),
        coerce=int_or_none,
        validators=[InputRequired(_l("Välj fokusområde."))],
    )


class RenameGoalForm(FlaskForm):
    version = HiddenField()
    new_title = _title(_l("Nytt namn på målet"))
    description = _description()
    measure = _measure()
    valid_from = DayField(
        _l("Det nya namnet gäller från"),
        validators=[InputRequired(_l("Fyll i datumet då det nya namnet börjar gälla."))],
        description=_l("Det gamla namnet gäller till och med dagen före. ÅÅÅÅ-MM-DD."),
    )


class EndGoalForm(FlaskForm):
    version = HiddenField()
    valid_to = DayField(
        _l("Målet gäller till och med"),
        validators=[InputRequired(_l("Fyll i den sista dagen målet gäller."))],
        description=_l("Initiativ som arbetar mot målet behåller kopplingen. ÅÅÅÅ-MM-DD."),
    )


# --- helpers -----------------------------------------------------------------------------


def _version(form) -> int | None:
    return id_from_text(form.version.data, minimum=0)


def _parent(form) -> Goal | None:
    return db.session.get(Goal, form.parent.data) if form.parent.data else None


def _run(form, change, message, goal: Goal | None):
    """Validate, run one service, commit; a refusal goes on its field (None: show again).
    A stale version gives the string "conflict"."""
    if not form.validate_on_submit():
        return None
    try:
        result = change()
        db.session.commit()
    except RuleViolation as violation:
        db.session.rollback()
        _show(form, violation)
        return None
    except (services.GoalConflict, StaleDataError):
        db.session.rollback()
        return "conflict"
    flash(message(result), "success")
    return redirect(url_for("admin.goals") + f"#portfolj-{(goal or result).portfolio_id}")


def _page(template: str, form, **context):
    status = 422 if request.method == "POST" else 200
    return render_template(template, form=form, **context), status


def _conflict(template: str, form, goal: Goal, **context):
    db.session.expire_all()
    goal = db.session.get(Goal, goal.id)
    fresh = type(form)(formdata=None)
    _fill(fresh, goal)
    fresh.form_errors.append(str(CONFLICT))
    return render_template(template, form=fresh, goal=goal, **context), 409


def _fill(form, goal: Goal) -> None:
    current = goal.current
    form.version.data = str(goal.version)
    if isinstance(form, _GoalFields):
        form.set_parents(services.parent_choices(goal.portfolio_id, goal))
        form.kind.data = goal.kind
        form.parent.data = goal.parent_id
        form.title.data = current.title
        form.description.data = current.description
        form.measure.data = current.measure
        form.valid_from.data = current.valid_from
        form.valid_to.data = current.valid_to
    elif isinstance(form, RenameGoalForm):
        form.description.data = current.description
        form.measure.data = current.measure
    elif isinstance(form, EndGoalForm):
        form.valid_to.data = current.valid_to


# --- pages -------------------------------------------------------------------------------


@bp.get("/mal")
@roles_required(Role.ADMIN)
def goals():
    return render_template(
        "admin/goals.html",
        portfolios=portfolios(),
        goals=services.goals_by_portfolio(),
    )


@bp.route("/mal/ny", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_goal():
    form = NewGoalForm()
    form.portfolio.choices = [("", _("Välj fokusområde"))] + [
        (str(p.id), p.current.name) for p in portfolios()
    ]
    if request.method == "GET":
        form.portfolio.data = id_from_text(request.args.get("portfolj"))
        form.kind.data = GoalKind.SOCIETAL.value
    chosen = form.portfolio.data if isinstance(form.portfolio.data, int) else None
    form.set_parents(services.parent_choices(chosen))
    if request.method == "POST" and chosen is None and form.parent.data:
        form.parent.data = None  # no focus area chosen: no goal to stand under
    done = _run(
        form,
        lambda: services.create_goal(
            portfolio=db.get_or_404(Portfolio, form.portfolio.data),
            kind=form.kind.data,
            parent=_parent(form),
            title=form.title.data,
            description=form.description.data or "",
            measure=form.measure.data or "",
            valid_from=form.valid_from.data,
            valid_to=form.valid_to.data,
            actor=current_user,
        ),
        lambda goal: _("%(kind)s %(title)s är tillagt.", kind=goal.kind_label, title=goal.title),
        None,
    )
    if done and done != "conflict":
        return done
    return _page("admin/goal_form.html", form, goal=None)


def _load(goal_id: int) -> Goal:
    goal = db.get_or_404(Goal, goal_id)
    if not goal.names:
        abort(404)
    return goal


def _goal_page(goal: Goal, form, template: str, change, message, **context):
    """A goal's edit page: filled from the saved goal on GET; a stale POST shows it again."""
    if request.method == "GET":
        _fill(form, goal)
    done = _run(form, change, message, goal)
    if done == "conflict":
        return _conflict(template, form, goal, **context)
    return done or _page(template, form, goal=goal, **context)


@bp.route("/mal/<int:goal_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_goal(goal_id: int):
    goal = _load(goal_id)
    form = _GoalFields()
    form.set_parents(services.parent_choices(goal.portfolio_id, goal))
    title = goal.title
    return _goal_page(
        goal,
        form,
        "admin/goal_form.html",
        lambda: services.update_goal(
            goal,
            kind=form.kind.data,
            parent=_parent(form),
            title=form.title.data,
            description=form.description.data or "",
            measure=form.measure.data or "",
            valid_from=form.valid_from.data,
            valid_to=form.valid_to.data,
            expected_version=_version(form),
            actor=current_user,
        ),
        lambda _result: _("Ändringarna för %(title)s är sparade.", title=title),
        history=_history(goal),
    )


@bp.route("/mal/<int:goal_id>/byt-namn", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def rename_goal(goal_id: int):
    goal = _load(goal_id)
    form = RenameGoalForm()
    old = goal.title
    return _goal_page(
        goal,
        form,
        "admin/goal_rename.html",
        lambda: services.rename_goal(
            goal,
            new_title=form.new_title.data,
            description=form.description.data or "",
            measure=form.measure.data or "",
            valid_from=form.valid_from.data,
            expected_version=_version(form),
            actor=current_user,
        ),
        lambda renamed: _(
            "%(old)s heter nu %(new)s. Det gamla namnet finns kvar i historiken.",
            old=old,
            new=renamed.title,
        ),
    )


@bp.route("/mal/<int:goal_id>/avsluta", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def end_goal(goal_id: int):
    goal = _load(goal_id)
    form = EndGoalForm()
    title = goal.title
    return _goal_page(
        goal,
        form,
        "admin/goal_end.html",
        lambda: services.end_goal(
            goal, valid_to=form.valid_to.data, expected_version=_version(form), actor=current_user
        ),
        lambda _result: _(
            "%(title)s gäller till och med %(day)s.",
            title=title,
            day=form.valid_to.data.isoformat(),
        ),
    )
