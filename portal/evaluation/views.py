"""Initiatives, expert ratings, priority meetings, decisions, funding and insights."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("evaluation", __name__)

# --- initiatives and expert ratings ---------------------------------------------------------

# --- priority meetings, decisions, funding and insights ------------------------------------
