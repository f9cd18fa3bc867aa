"""The user's personal API tokens: /konto/api-nycklar (create, list, revoke)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.api import services
from portal.api.forms import CreateTokenForm, RevokeTokenForm
from portal.api.models import ApiToken
from portal.extensions import db, limiter
from portal.permissions import BOARD_FIGURE_ROLES, roles_required

bp = Blueprint("api_tokens", __name__)


def _page(form: CreateTokenForm, status: int = 200, **context):
    user = current_user._get_current_object()
    return render_template(
        "api/tokens.html",
        form=form,
        revoke_form=RevokeTokenForm(),
        tokens=services.active_tokens(user),
        max_tokens=services.MAX_ACTIVE_TOKENS,
        **context,
    ), status


@bp.get("/konto/api-nycklar")
@roles_required(*BOARD_FIGURE_ROLES)
def index():
    return _page(CreateTokenForm())


@bp.post("/konto/api-nycklar")
@roles_required(*BOARD_FIGURE_ROLES)
@limiter.limit("30 per hour", scope="api-token-create")
def create():
    form = CreateTokenForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            token, raw = services.create_token(
                user, form.name.data, form.lifetime_delta(), actor=user
            )
        except services.TooManyTokens:
            form.form_errors.append(
                _(
                    "Du har redan %(num)s giltiga nycklar. Återkalla en som du inte använder.",
                    num=services.MAX_ACTIVE_TOKENS,
                )
            )
        else:
            db.session.commit()
            # Shown in this answer only: never stored, never put in the session or a redirect.
            return _page(CreateTokenForm(formdata=None), 201, created=token, raw_token=raw)
    return _page(form, 422)


@bp.post("/konto/api-nycklar/<int:token_id>/aterkalla")
@roles_required(*BOARD_FIGURE_ROLES)
def revoke(token_id: int):
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    if RevokeTokenForm().validate_on_submit():
        if services.revoke_token(token, actor=current_user._get_current_object()):
            db.session.commit()
        flash(
            _("API-nyckeln ”%(name)s” är återkallad och fungerar inte längre.", name=token.name),
            "success",
        )
    return redirect(url_for("api_tokens.index"))
