from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import InputRequired, Length

from portal.accounts.models import Role
from portal.extensions import db
from portal.permissions import roles_required
from portal.texts.defaults import TEXTS
from portal.texts.services import get_text, update_text

bp = Blueprint("texts", __name__, url_prefix="/admin/texter")


@bp.app_template_global("site_text")
def site_text(key: str) -> str:
    """A site text in the language being rendered, for templates the lower layers render too
    (e-mail is rendered in the recipient's language, in a request or a command)."""
    with db.session.no_autoflush:  # rendering must not flush the caller's unfinished change
        return get_text(key)


class TextForm(FlaskForm):
    body_sv = TextAreaField(
        _l("Text på svenska"),
        validators=[InputRequired(_l("Texten på svenska får inte vara tom.")), Length(max=20000)],
        render_kw={"rows": 18},
    )
    body_en = TextAreaField(
        _l("Text på engelska"),
        validators=[InputRequired(_l("Texten på engelska får inte vara tom.")), Length(max=20000)],
        render_kw={"rows": 18},
    )


@bp.get("/")
@roles_required(Role.ADMIN)
def index():
    return render_template("texts/index.html", texts=TEXTS)


@bp.route("/<key>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit(key: str):
    if key not in TEXTS:
        abort(404)
    form = TextForm()
    if request.method == "GET":
        form.body_sv.data = get_text(key, "sv")
        form.body_en.data = get_text(key, "en")
    elif form.validate_on_submit():
        update_text(key, body_sv=form.body_sv.data, body_en=form.body_en.data, actor=current_user)
        db.session.commit()
        flash(_("Texten är sparad."), "success")
        return redirect(url_for("texts.index"))
    status = 422 if request.method == "POST" else 200
    return render_template("texts/edit.html", form=form, key=key, meta=TEXTS[key]), status
