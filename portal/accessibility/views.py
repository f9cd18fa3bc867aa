"""The accessibility statement: the public page and the admin's form."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from portal.accessibility import services
from portal.accessibility.forms import StatementForm
from portal.accounts.models import Role
from portal.extensions import db
from portal.forms import id_from_text
from portal.permissions import public, roles_required

bp = Blueprint("accessibility", __name__)


@bp.get("/tillganglighet")
@public
def statement():
    return render_template(
        "accessibility/statement.html",
        statement=services.current_statement(),
        check=services.latest_check(),
        text=services.localised,
        compliance_labels=services.COMPLIANCE_LABELS,
        role_names=services.role_names,
        digg_url=services.DIGG_COMPLAINT_URL,
    )


@bp.route("/admin/tillganglighet", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit():
    current = services.current_statement()
    form = StatementForm(obj=current if request.method == "GET" else None)
    if request.method == "GET":
        form.version.data = str(current.version)
        return _render(form)
    if not form.validate_on_submit():
        return _render(form, status=422)
    fields = {name: getattr(form, name).data for name in services.EDITABLE}
    version = id_from_text(form.version.data, minimum=0)
    try:
        services.save_statement(
            actor=current_user,
            expected_version=-1 if version is None else version,  # -1: never current
            **fields,
        )
        db.session.commit()
    except (services.StatementConflict, StaleDataError):
        db.session.rollback()
        form.version.data = str(services.current_statement().version)
        form.form_errors.append(
            _(
                "Någon annan sparade redogörelsen medan du skrev. Dina ändringar finns kvar i "
                "formuläret; jämför med den sparade versionen och spara igen."
            )
        )
        return _render(form, status=409)
    flash(_("Tillgänglighetsredogörelsen är sparad."), "success")
    return redirect(url_for("accessibility.edit"))


def _render(form: StatementForm, status: int = 200):
    return (
        render_template(
            "accessibility/edit.html",
            form=form,
            check=services.latest_check(),
            saved=services.current_statement(),
        ),
        status,
    )
