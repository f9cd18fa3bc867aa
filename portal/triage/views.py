"""The inbox and the triage of one submission (process support and admin only)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("triage", __name__, url_prefix="/inkorg")

# --- the inbox -----------------------------------------------------------------------

# --- one submission --------------------------------------------------------------------
