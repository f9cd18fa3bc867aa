"""What the funding pages read: each request with what deciding it would do to the budget."""

from __future__ import annotations

from dataclasses import dataclass

from portal.evaluation.funding.forms import FundingDecisionForm
from portal.evaluation.models import (
    FundingRequest,
)


@dataclass
class FundingRow:
    request: FundingRequest
    overshoot: int  # kronor over this year's budget if granted now (0: within, or no budget)
    may_decide: bool  # holds the mandate the amount needs
    form: FundingDecisionForm | None = None
    own: bool = False  # asked for by this person: someone else decides (four eyes)
