"""What the funding pages read: each request with what deciding it would do to the budget,
and the form to decide it with when the person may (the funding page and the initiative's
page show the same rows)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from portal.evaluation.funding import services
from portal.evaluation.funding.forms import FundingDecisionForm
from portal.evaluation.models import FundingRequest, FundingStatus


@dataclass
class FundingRow:
    request: FundingRequest
    overshoot: int  # kronor over this year's budget if granted now (0: within, or no budget)
    may_decide: bool  # holds the mandate the amount needs
    form: FundingDecisionForm | None = None
    own: bool = False  # asked for by this person: someone else decides (four eyes)


def funding_rows(
    requests: Sequence[FundingRequest],
    user,
    budget: services.BudgetYear,
    *,
    posted: tuple[int, FundingDecisionForm] | None = None,
    next_page: str | None = None,
) -> list[FundingRow]:
    """A row per request: open ones with the budget's overshoot and, for someone holding the
    mandate who did not ask for the money, the form (`posted`: the one sent with errors)."""
    rows = []
    for r in requests:
        open_ = r.status == FundingStatus.REQUESTED
        may = open_ and services.can_decide_funding(user, r)
        own = may and services.is_own_request(user, r)
        form = None
        if may and not own:
            if posted is not None and posted[0] == r.id:
                form = posted[1]
            else:
                data = {"next": next_page} if next_page else None
                form = FundingDecisionForm(formdata=None, prefix=f"anslag{r.id}", data=data)
        overshoot = budget.overshoot_if_granted(r.amount_kr) if open_ else 0
        rows.append(FundingRow(r, overshoot, may, form, own=own))
    return rows
