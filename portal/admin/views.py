from __future__ import annotations

from flask import Blueprint, render_template

from portal.accounts.models import Role
from portal.permissions import roles_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@roles_required(Role.ADMIN)
def index():
    return render_template("admin/index.html")
