"""Administration: the licence of the open data (/admin/oppna-data), chosen from a list.

CC0 unless an admin chooses another; each change is audited (setting_updated) and shown in the
page's history. Version-locked like the other admin edits: a save on a stale page is refused.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import HiddenField, RadioField
from wtforms.validators import InputRequired

from portal.accounts.models import Role
from portal.admin.views import HISTORY_LENGTH, bp
from portal.audit import AuditEntry
from portal.extensions import db
from portal.forms import int_or_none
from portal.permissions import roles_required
from portal.texts import settings
from portal.texts.models import SiteSetting


class OpenDataForm(FlaskForm):
    licence = RadioField(
        _l("Licens för öppna data"),
        choices=[(lic.id, lic.name) for lic in settings.LICENCES.values()],
        validators=[InputRequired(_l("Välj en licens."))],
        description=_l(
            "Gäller initiativen som JSON och CSV och står i beskrivningen för Sveriges "
            "dataportal. CC0 om inget annat väljs."
        ),
    )
    version = HiddenField()


def _history() -> list[AuditEntry]:
    return db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.object_type == SiteSetting.__tablename__)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(HISTORY_LENGTH)
    ).all()


def _page(form: OpenDataForm, *, status: int = 200, conflict: bool = False):
    return render_template(
        "admin/open_data.html",
        form=form,
        licences=settings.LICENCES,
        history=_history(),
        conflict=conflict,
    ), status


@bp.route("/oppna-data", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def open_data():
    key = settings.OPEN_DATA_LICENCE
    if request.method == "GET":
        form = OpenDataForm(
            data={"licence": settings.get_setting(key), "version": settings.setting_version(key)}
        )
        return _page(form)
    form = OpenDataForm()
    if not form.validate_on_submit():
        return _page(form, status=422)
    try:
        changed = settings.update_setting(
            key,
            form.licence.data,
            expected_version=int_or_none(form.version.data),
            actor=current_user,
        )
    except settings.SettingConflict:
        db.session.rollback()
        form.version.data = str(settings.setting_version(key))
        return _page(form, status=409, conflict=True)
    db.session.commit()
    licence = settings.LICENCES[form.licence.data]
    if changed:
        flash(_("Öppna data ges nu ut under %(licence)s.", licence=licence.name), "success")
    else:
        flash(_("Licensen är oförändrad: %(licence)s.", licence=licence.name), "success")
    return redirect(url_for("admin.open_data"))
