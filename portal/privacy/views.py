"""The register (/diarium), retention rules (/admin/gallring), and a person's own data:
access (/mina-uppgifter/<token>), erasure and opt-ins (residents through their private link,
employees from /konto/personuppgifter). The `flask retention run` command lives here too."""

from __future__ import annotations

import json
from datetime import date, datetime

import click
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from portal.accounts.models import Role
from portal.accounts.passwords import verify_password
from portal.accounts.services import TokenError
from portal.admin.labels import ACTION_LABELS as ACCOUNT_ACTIONS
from portal.board import exports
from portal.commands import portal_command
from portal.extensions import db, limiter
from portal.htmx import render_page_or_block
from portal.permissions import login_required, public, roles_required
from portal.privacy import access, erasure, housekeeping, records, register, retention
from portal.privacy.forms import (
    ConsentForm,
    EmployeeErasureForm,
    EmptyForm,
    ResidentErasureForm,
    RetentionRuleForm,
)
from portal.privacy.models import ACTION_LABELS, RetentionKind
from portal.submissions.models import STATE_LABELS, Submission
from portal.submissions.services import find_by_token
from portal.triage.timeline import ACTIONS
from portal.types import today_in_stockholm, utcnow

bp = Blueprint("privacy", __name__, cli_group=None)

REGISTER_ROLES = (Role.PROCESS_SUPPORT, Role.ADMIN)


@bp.app_context_processor
def record_helpers() -> dict:
    """The record as received and what changed since, for the triage page (the submitter's page
    dates its completions)."""
    return {
        "records_of": records.records_of,
        "records_intact": records.intact,
        "record_changes": records.canvas_changes,
    }


@bp.app_template_filter("iso_datetime")
def iso_datetime(value: str | None) -> str:
    """An ISO timestamp from the access data, shown the Swedish way."""
    return format_datetime(datetime.fromisoformat(value), "short") if value else ""


def action_label(action: str) -> str:

    label = ACTIONS.get(action) or ACCOUNT_ACTIONS.get(action)
    return str(label) if label else action


def _private(response):
    response = make_response(response)
    # The address holds the private link's key: no other site may see it in a Referer.
    # "same-origin", not "no-referrer": on HTTPS, the CSRF check (Flask-WTF's strict
    # referrer check) needs the page's own Referer on its forms' POSTs.
    response.headers["Referrer-Policy"] = "same-origin"
    return response


# --- the register (diarium) ------------------------------------------------------------------


@bp.get("/diarium")
@roles_required(*REGISTER_ROLES)
def diarium():
    options = register.load_options()
    filters = register.RegisterFilters.from_args(request.args, options)
    page = register.register_page(filters)
    return render_page_or_block(
        "privacy/diarium.html",
        "results",
        options=options,
        filters=filters,
        result=page,
        year_choices=[(y, y) for y in options.years],
        states=[(s.value, STATE_LABELS[s]) for s in register.STATES],
    )


@bp.get("/diarium/export.<fmt>")
@roles_required(*REGISTER_ROLES)
def diarium_export(fmt: str):
    if fmt not in exports.FORMATS:
        abort(404)
    filters = register.RegisterFilters.from_args(request.args, register.load_options())
    return exports.respond(register.sheet(filters), fmt)


# --- retention rules -------------------------------------------------------------------------


def _rule_form(kind: RetentionKind, rule, formdata=None) -> RetentionRuleForm:
    spec = retention.KINDS[kind]
    return RetentionRuleForm(
        formdata=formdata,
        prefix=kind.value,
        actions=spec.actions,
        unit_label=retention.UNIT_LABELS[spec.unit],
        data={
            "period": rule.period,
            "action": rule.action,
            "active": rule.active,
            "version": str(rule.version or 0),
        },
    )


def _retention_page(posted: tuple[RetentionKind, RetentionRuleForm] | None = None, status=200):
    today = today_in_stockholm()
    plans = retention.plan(today)
    forms = {p.kind.kind: _rule_form(p.kind.kind, p.rule) for p in plans}
    if posted is not None:
        forms[posted[0]] = posted[1]
    return render_template(
        "privacy/retention.html",
        plans=plans,
        forms=forms,
        today=today,
        runs=retention.recent_runs(),
        period_text=retention.period_text,
        action_labels=ACTION_LABELS,
    ), status


@bp.get("/admin/gallring")
@roles_required(Role.ADMIN)
def retention_rules():
    return _retention_page()


@bp.post("/admin/gallring/<kind>")
@roles_required(Role.ADMIN)
def retention_rule(kind: str):
    if kind not in RetentionKind._value2member_map_:
        abort(404)
    kind = RetentionKind(kind)
    rule = retention.rules()[kind]
    form = _rule_form(kind, rule, formdata=request.form)
    if not form.validate():
        return _retention_page((kind, form), 422)
    if rule.id is not None and form.version.data != str(rule.version):
        form.form_errors.append(
            _("Någon annan ändrade regeln medan du arbetade. Sidan visar den nu; försök igen.")
        )
        return _retention_page((kind, _rule_form(kind, rule)), 409)
    try:
        retention.save_rule(
            kind,
            period=form.period.data,
            action=form.action.data,
            active=form.active.data,
            actor=current_user._get_current_object(),
        )
        db.session.commit()
    except retention.RuleRefused as refused:
        db.session.rollback()
        form.action.errors = [*form.action.errors, str(refused.message)]
        return _retention_page((kind, form), 422)
    except StaleDataError:
        db.session.rollback()
        return _retention_page(None, 409)
    flash(_("Regeln för %(kind)s är sparad.", kind=retention.KINDS[kind].label), "success")
    return redirect(url_for("privacy.retention_rules") + f"#{kind.value}")


@bp.cli.group("retention", help="Gallring enligt administratörens regler.")
def retention_cli() -> None:
    pass


@retention_cli.command("run")
@click.option("--apply", "do_apply", is_flag=True, help="Gör det (utan: bara en provkörning).")
@click.option(
    "--today", type=click.DateTime(formats=["%Y-%m-%d"]), help="Kör som om det vore den dagen."
)
@portal_command
def retention_run(do_apply: bool, today) -> None:
    """Show what is due under each rule (a dry run), or do it with --apply."""
    day: date = today.date() if today else today_in_stockholm()
    for line in housekeeping.run(day, apply=do_apply):
        click.echo(line)


# --- access: the single-use link ----------------------------------------------------------


@bp.get("/mina-uppgifter/<token>")
@public
def access_page(token: str):
    found = _open_access(token)
    if not isinstance(found, access.AccountToken):
        return found
    data = access.collect(found)
    return _private(
        render_template(
            "privacy/access.html",
            data=data,
            token=token,
            expires=found.expires_at,
            action_label=action_label,
        )
    )


@bp.get("/mina-uppgifter/<token>/mina-uppgifter.json")
@public
def access_json(token: str):
    found = _open_access(token)
    if not isinstance(found, access.AccountToken):
        return found
    body = json.dumps(access.collect(found), ensure_ascii=False, indent=2)
    response = current_app.response_class(body, mimetype="application/json")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="mina-uppgifter-{utcnow().date().isoformat()}.json"'
    )
    response.headers["Cache-Control"] = "no-store"
    return _private(response)


def _open_access(raw: str):
    grant = session.get(access.GRANT_KEY)
    user_id = current_user.id if current_user.is_authenticated else None
    found = access.open_link(raw, grant, user_id=user_id)
    if isinstance(found, access.AccountToken):
        if (
            found.submission_id is not None
            and db.session.get(Submission, found.submission_id) is None
        ):
            found = TokenError.UNKNOWN
        else:
            db.session.commit()  # spent
            session[access.GRANT_KEY] = access.grant_for(found)
            return found
    status = 404 if found in (TokenError.UNKNOWN, "wrong_user") else 410
    body = render_template("privacy/access_invalid.html", reason=str(found))
    return _private((body, status))


def _access_link_created(raw: str):
    flash(
        _("Här är dina uppgifter. Länken gäller i 15 minuter och bara i den här webbläsaren."),
        "success",
    )
    return redirect(url_for("privacy.access_page", token=raw))


# --- residents: through the private link --------------------------------------------------


def _by_token(token: str) -> Submission:
    submission = find_by_token(token)
    if submission is None:
        abort(404)
    return submission


@bp.post("/mitt-bidrag/<token>/mina-uppgifter")
@public
@limiter.limit("10 per hour", scope="data-access")
def resident_access(token: str):
    submission = _by_token(token)
    if not EmptyForm().validate_on_submit():
        abort(400)
    raw = access.issue_for_submission(submission)
    db.session.commit()
    return _access_link_created(raw)


@bp.post("/mitt-bidrag/<token>/samtycken")
@public
def resident_consent(token: str):
    submission = _by_token(token)
    form = ConsentForm()
    if not form.validate_on_submit():
        abort(400)
    changed = erasure.withdraw_consent(submission, {form.consent.data})
    db.session.commit()
    if changed:
        flash(_("Ditt samtycke är återkallat."), "success")
    else:
        flash(_("Du hade inte gett det samtycket."), "info")
    return redirect(url_for("submissions.private", token=token) + "#dina-uppgifter")


@bp.route("/mitt-bidrag/<token>/radera", methods=["GET", "POST"])
@public
def resident_erasure(token: str):
    submission = _by_token(token)
    form = ResidentErasureForm()
    mine = erasure.resident_submissions(submission)
    if erasure.is_erased(submission):
        flash(_("Dina uppgifter är redan raderade."), "info")
        return redirect(url_for("submissions.private", token=token))
    if form.validate_on_submit():
        erasure.erase_resident(submission, locale=session.get("lang", "sv"))
        db.session.commit()
        flash(
            _(
                "Dina kontaktuppgifter är raderade. Ett kvitto har skickats till din e-post, "
                "och sedan raderades också adressen."
            ),
            "success",
        )
        return redirect(url_for("submissions.private", token=token))
    status = 422 if request.method == "POST" else 200
    body = render_template(
        "privacy/erase_resident.html", form=form, submission=submission, mine=mine, token=token
    )
    return _private((body, status))


# --- employees: from the account -----------------------------------------------------------


def _account_privacy_page(form: EmployeeErasureForm | None = None, status: int = 200):
    user = current_user._get_current_object()
    own = db.session.scalars(
        select(Submission).where(Submission.submitter_id == user.id).order_by(Submission.id)
    ).all()
    return render_template(
        "privacy/account.html",
        form=form or EmployeeErasureForm(),
        link_form=EmptyForm(),
        own=own,
        refusal=erasure.refusal_for_employee(user),
    ), status


@bp.get("/konto/personuppgifter")
@login_required
def account_privacy():
    return _account_privacy_page()


@bp.post("/konto/personuppgifter/lank")
@login_required
@limiter.limit("10 per hour", scope="data-access-account")
def account_access():
    if not EmptyForm().validate_on_submit():
        abort(400)
    raw = access.issue_for_user(current_user._get_current_object())
    db.session.commit()
    return _access_link_created(raw)


@bp.post("/konto/personuppgifter/radera")
@login_required
@limiter.limit("10 per 15 minutes", scope="erase-account")
def account_erasure():
    form = EmployeeErasureForm()
    user = current_user._get_current_object()
    if not form.validate_on_submit():
        return _account_privacy_page(form, 422)
    if not verify_password(user.password_hash, form.password.data):
        form.password.errors = [*form.password.errors, _("Lösenordet stämmer inte.")]
        return _account_privacy_page(form, 422)
    try:
        erasure.erase_employee(user)
    except erasure.ErasureRefused as refused:
        db.session.rollback()
        form.form_errors.append(str(refused.message))
        return _account_privacy_page(form, 422)
    db.session.commit()
    logout_user()
    session.clear()
    flash(
        _("Ditt konto är stängt och dina uppgifter raderade. Ett kvitto har skickats med e-post."),
        "success",
    )
    return redirect(url_for("main.home"))
