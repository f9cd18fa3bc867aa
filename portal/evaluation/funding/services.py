"""The rules of pilot money: who decides what (agreement appendix 1, §4), requesting,
deciding (never one's own request), the year's budget.

Services never commit and never read the request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import extract, func, select, update

from portal import audit
from portal.accounts.models import Role, User
from portal.evaluation.models import (
    FundingRequest,
    FundingStatus,
    Initiative,
    InnovationBudget,
    Mandate,
    Phase,
)
from portal.evaluation.rules import (
    AlreadyDone,
    EvaluationRefused,
    lock,
    long_date,
)
from portal.extensions import db
from portal.mail.services import queue_email

PROJECT_LEADER_LIMIT = 50_000


PROCESS_LEADER_LIMIT = 200_000


MAX_AMOUNT = 1_000_000_000  # the column is a 32-bit integer; no pilot asks for more


MANDATE_RANK = {Mandate.PROJECT_LEADER: 1, Mandate.PROCESS_LEADER: 2, Mandate.BOARD: 3}


MANDATE_OF_ROLE = {
    Role.PROJECT_LEADER: Mandate.PROJECT_LEADER,
    Role.PROCESS_LEADER: Mandate.PROCESS_LEADER,
    Role.BOARD: Mandate.BOARD,
}


MANDATE_LABELS = {
    Mandate.PROJECT_LEADER: _l("Projektledare (upp till 50 000 kr)"),
    Mandate.PROCESS_LEADER: _l("Processledare (upp till 200 000 kr)"),
    Mandate.BOARD: _l("Styrelsen (över 200 000 kr)"),
}


FUNDING_STATUS_LABELS = {
    FundingStatus.REQUESTED: _l("Inväntar beslut"),
    FundingStatus.GRANTED: _l("Beviljad"),
    FundingStatus.REJECTED: _l("Avslagen"),
}


def mandate_for(amount_kr: int) -> Mandate:
    """Who decides (agreement appendix 1, §4): ≤ 50 000 kr, ≤ 200 000 kr, above that."""
    if amount_kr <= PROJECT_LEADER_LIMIT:
        return Mandate.PROJECT_LEADER
    if amount_kr <= PROCESS_LEADER_LIMIT:
        return Mandate.PROCESS_LEADER
    return Mandate.BOARD


def highest_mandate(user) -> Mandate | None:
    if not getattr(user, "is_authenticated", False):
        return None
    held = [m for role, m in MANDATE_OF_ROLE.items() if user.has_role(role)]
    return max(held, key=MANDATE_RANK.__getitem__) if held else None


def can_decide_funding(user, request: FundingRequest) -> bool:
    """A higher mandate may always decide what a lower one may."""
    mine = highest_mandate(user)
    return mine is not None and MANDATE_RANK[mine] >= MANDATE_RANK[Mandate(request.mandate)]


def request_funding(
    initiative: Initiative,
    *,
    amount_kr: int,
    purpose: str,
    period_start: date,
    period_end: date,
    actor,
) -> FundingRequest:
    if initiative.phase == Phase.CLOSED:
        raise EvaluationRefused(_l("Initiativet är avslutat; det går inte att söka medel för det."))
    if not 0 < amount_kr <= MAX_AMOUNT:
        raise EvaluationRefused(_l("Beloppet måste vara ett positivt heltal kronor."))
    if period_end < period_start:
        raise EvaluationRefused(_l("Periodens slut kan inte ligga före dess början."))
    purpose = purpose.strip()
    lock(Initiative, initiative.id)
    same = db.session.scalar(
        select(FundingRequest)
        .where(
            FundingRequest.initiative_id == initiative.id,
            FundingRequest.status == FundingStatus.REQUESTED,
            FundingRequest.amount_kr == amount_kr,
            FundingRequest.purpose == purpose,
        )
        .order_by(FundingRequest.id)
        .limit(1)
    )
    if same is not None:  # Back and send again, or two people at once: one request
        raise AlreadyDone(
            _l(
                "Ansökan om %(amount)s med samma syfte är redan registrerad och väntar på beslut.",
                amount=format_kr_plain(amount_kr) + "\u00a0kr",
            ),
            same,
        )
    funding = FundingRequest(
        initiative_id=initiative.id,
        amount_kr=amount_kr,
        purpose=purpose,
        period_start=period_start,
        period_end=period_end,
        mandate=mandate_for(amount_kr),
        status=FundingStatus.REQUESTED,
        requested_by_id=getattr(actor, "id", None),
    )
    db.session.add(funding)
    db.session.flush()
    audit.record(
        "funding_requested",
        funding,
        actor=actor,
        changes={
            "initiative": [None, initiative.id],
            "amount_kr": [None, amount_kr],
            "mandate": [None, funding.mandate],
        },
    )
    return funding


class MandateMissing(EvaluationRefused):
    pass


class OwnRequest(EvaluationRefused):
    """Four eyes: the person who asked for the money does not decide on it."""


OWN_REQUEST = _l("Du har själv ansökt om medlen. Någon annan med mandat beslutar.")


def is_own_request(user, funding: FundingRequest) -> bool:
    return funding.requested_by_id is not None and funding.requested_by_id == getattr(
        user, "id", None
    )


def already_decided(funding: FundingRequest):
    """Who decided the request, how and when (for the one who was too late)."""
    verdict = _l("beviljad") if funding.status == FundingStatus.GRANTED else _l("avslagen")
    decider = db.session.get(User, funding.decided_by_id) if funding.decided_by_id else None
    if decider is not None and decider.name:
        return _l(
            "Ansökan är redan beslutad: %(verdict)s av %(name)s den %(date)s.",
            verdict=verdict,
            name=decider.name,
            date=long_date(funding.decided_on),
        )
    return _l(
        "Ansökan är redan beslutad: %(verdict)s den %(date)s.",
        verdict=verdict,
        date=long_date(funding.decided_on),
    )


def decide_funding(
    funding: FundingRequest, *, grant: bool, note: str, decided_on: date, actor
) -> FundingRequest:
    """Grant or reject; only someone holding the mandate the amount needs, and not the person
    who asked for the money (four eyes).

    Decided once: the status changes from "requested" in one conditional UPDATE, so of two
    decisions sent at once only one changes it (the database's row lock decides which); the
    other raises AlreadyDone saying who decided what and when. The audit entry and the
    e-mail to the requester are written only by the one that changed it.
    """
    if is_own_request(actor, funding):
        raise OwnRequest(OWN_REQUEST)
    if not can_decide_funding(actor, funding):
        raise MandateMissing(mandate_refusal(funding))
    status = FundingStatus.GRANTED if grant else FundingStatus.REJECTED
    changed = db.session.execute(
        update(FundingRequest)
        .where(
            FundingRequest.id == funding.id,
            FundingRequest.status == FundingStatus.REQUESTED,
        )
        .values(
            status=status,
            decided_on=decided_on,
            decided_by_id=getattr(actor, "id", None),
            decision_note=(note or "").strip(),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(funding)
    if changed != 1:
        raise AlreadyDone(already_decided(funding), funding)
    audit.record(
        "funding_decided",
        funding,
        actor=actor,
        changes={
            "status": [FundingStatus.REQUESTED.value, funding.status],
            "decided_on": [None, decided_on.isoformat()],
        },
    )
    requester = db.session.get(User, funding.requested_by_id) if funding.requested_by_id else None
    if requester is not None and requester.active and requester.email:
        initiative = db.session.get(Initiative, funding.initiative_id)
        queue_email(
            requester.email,
            "funding_decided",
            _l(
                "Beslut om din ansökan om medel till ”%(title)s”",
                title=initiative.title,
            ),
            locale=requester.locale or "sv",
            requester=requester,
            funding=funding,
            initiative=initiative,
            granted=funding.status == FundingStatus.GRANTED,
            amount=format_kr_plain(funding.amount_kr) + "\u00a0kr",
            link=f"{current_app.config['BASE_URL']}/initiativ/{initiative.id}#finansiering",
        )
    return funding


def mandate_refusal(funding: FundingRequest):
    return _l(
        "Du har inte mandat att besluta om %(amount)s kr. Beslutet fattas av: %(who)s.",
        amount=format_kr_plain(funding.amount_kr),
        who=MANDATE_LABELS[Mandate(funding.mandate)],
    )


def format_kr_plain(amount: int) -> str:
    """50 000 (a no-break space between thousands, whatever the language)."""
    return f"{amount:,}".replace(",", "\u00a0")


@dataclass(frozen=True)
class BudgetYear:
    year: int
    budget_kr: int | None  # None: the admin has not set a budget for the year
    granted_kr: int
    requested_kr: int  # still waiting for a decision (any year)

    @property
    def left_kr(self) -> int | None:
        return None if self.budget_kr is None else self.budget_kr - self.granted_kr

    def overshoot_if_granted(self, amount_kr: int) -> int:
        """How many kronor over the budget granting `amount_kr` this year would be (0: none)."""
        if self.budget_kr is None:
            return 0
        return max(0, self.granted_kr + amount_kr - self.budget_kr)


def granted_in(year: int) -> int:
    return int(
        db.session.scalar(
            select(func.coalesce(func.sum(FundingRequest.amount_kr), 0)).where(
                FundingRequest.status == FundingStatus.GRANTED,
                extract("year", FundingRequest.decided_on) == year,
            )
        )
        or 0
    )


def budget_year(year: int) -> BudgetYear:
    budget = db.session.get(InnovationBudget, year)
    requested = db.session.scalar(
        select(func.coalesce(func.sum(FundingRequest.amount_kr), 0)).where(
            FundingRequest.status == FundingStatus.REQUESTED
        )
    )
    return BudgetYear(
        year=year,
        budget_kr=budget.amount_kr if budget else None,
        granted_kr=granted_in(year),
        requested_kr=int(requested or 0),
    )


def budget_years() -> list[BudgetYear]:
    """Every year with a budget or a grant, newest first (granted summed in one query)."""
    year_col = extract("year", FundingRequest.decided_on)
    granted = {
        int(y): int(total)
        for y, total in db.session.execute(
            select(year_col, func.sum(FundingRequest.amount_kr))
            .where(FundingRequest.status == FundingStatus.GRANTED)
            .group_by(year_col)
        )
    }
    budgets = {b.year: b.amount_kr for b in db.session.scalars(select(InnovationBudget))}
    return [
        BudgetYear(year, budgets.get(year), granted.get(year, 0), 0)
        for year in sorted(set(granted) | set(budgets), reverse=True)
    ]


def set_budget(year: int, amount_kr: int, *, actor) -> InnovationBudget:
    budget = db.session.get(InnovationBudget, year)
    old = budget.amount_kr if budget else None
    if budget is None:
        budget = InnovationBudget(year=year, amount_kr=amount_kr)
        db.session.add(budget)
    else:
        budget.amount_kr = amount_kr
    db.session.flush()
    audit.record(
        "budget_set",
        budget,
        actor=actor,
        changes={"year": [None, year], "amount_kr": [old, amount_kr]},
    )
    return budget
