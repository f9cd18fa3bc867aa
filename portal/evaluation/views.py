"""The innovation process's pages, gathered on one blueprint (create_app registers `bp`):

- initiatives/views.py: the portfolio list, an initiative's page, asking experts;
  initiatives/rating_views.py: the expert's assignments, rating form and jäv;
- meetings/views.py: priority meetings, their agenda, decisions and minutes, and a decision
  outside a meeting;
- funding/views.py: pilot money and the budget;
- insights/views.py: insights;
- pilot_reports/views.py: the report of each pilot, its print page and files.
- agreement/views.py: students, collaborations, partners and research on an initiative.
"""

from __future__ import annotations

from portal.evaluation.agreement import views as _agreement  # noqa: F401  (its routes)
from portal.evaluation.blueprint import bp
from portal.evaluation.funding import views as _funding  # noqa: F401  (its routes)
from portal.evaluation.initiatives import goal_views as _goals  # noqa: F401
from portal.evaluation.initiatives import rating_views as _ratings  # noqa: F401
from portal.evaluation.initiatives import views as _initiatives  # noqa: F401
from portal.evaluation.insights import views as _insights  # noqa: F401
from portal.evaluation.meetings import views as _meetings  # noqa: F401
from portal.evaluation.pilot_reports import views as _pilot_reports  # noqa: F401

__all__ = ["bp"]
