"""The innovation process's one blueprint: its routes are in the four parts' views.py, and
their endpoints keep the names `evaluation.<view>`."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("evaluation", __name__)
