"""What the initiative pages read: portfolios, counts, linked submissions, ratings, experts."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from portal.accounts.models import Role, User, UserRole
from portal.evaluation.models import (
    ConflictOfInterest,
    Initiative,
    Rating,
    RatingRequest,
)
from portal.extensions import db
from portal.reference.models import FocusArea
from portal.submissions.models import Submission
from portal.submissions.queries import duplicates_of, related_to
from portal.types import today_in_stockholm

LINK_ORIGIN, LINK_DUPLICATE, LINK_RELATED = "origin", "duplicate", "related"


def portfolio_names() -> dict[int, tuple[str, list[str]]]:
    """Each portfolio: its current name and its former names (renames are counted together)."""
    chains: dict[int, list[FocusArea]] = {}
    for area in db.session.scalars(
        select(FocusArea).order_by(FocusArea.portfolio_id, FocusArea.valid_from, FocusArea.id)
    ):
        chains.setdefault(area.portfolio_id, []).append(area)
    return {
        pid: (chain[-1].name, [a.name for a in reversed(chain[:-1])])
        for pid, chain in sorted(chains.items(), key=lambda kv: kv[1][-1].name)
    }


def initiative_counts(column, other_column, other_value) -> dict:
    """Initiatives per value of `column`, within the other filter (so each count is a click)."""
    query = select(column, func.count(Initiative.id)).group_by(column)
    if other_value is not None:
        query = query.where(other_column == other_value)
    return dict(db.session.execute(query).all())


def areas_in_force() -> list[tuple[int, str]]:
    today = today_in_stockholm()
    return [
        (a.id, a.name)
        for a in db.session.scalars(select(FocusArea).order_by(FocusArea.name))
        if a.in_force_on(today)
    ]


def linked_submissions(initiative: Initiative) -> list[tuple[str, Submission]]:
    """The origin, the submissions that follow it as duplicates, and those related to it."""
    origin = initiative.origin_submission
    if origin is None:
        return []
    linked = [(LINK_ORIGIN, origin)]
    linked += [(LINK_DUPLICATE, s) for s in duplicates_of(origin)]
    linked += [(LINK_RELATED, s) for s in related_to(origin)]
    return linked


def individual_ratings(initiative: Initiative) -> list[tuple[User, dict[int, Rating]]]:
    """Each expert's own ratings, by criterion id, experts by name."""
    by_expert: dict[int, tuple[User, dict[int, Rating]]] = {}
    for rating in db.session.scalars(
        select(Rating)
        .where(Rating.initiative_id == initiative.id)
        .options(joinedload(Rating.expert))
    ):
        by_expert.setdefault(rating.expert_id, (rating.expert, {}))[1][rating.criterion_id] = rating
    return sorted(by_expert.values(), key=lambda pair: (pair[0].name, pair[0].id))


def expert_choices(initiative: Initiative, *, asked_too: bool = False) -> list[tuple[int, str]]:
    """Active experts not yet asked about this initiative (the form offers these); with
    `asked_too` also those asked already (a form sent from an older page may name them, and
    the service says they were asked)."""
    query = (
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.EXPERT.value, User.active.is_(True))
        .options(joinedload(User.party))
        .order_by(User.name, User.id)
    )
    if not asked_too:
        asked = select(RatingRequest.expert_id).where(RatingRequest.initiative_id == initiative.id)
        query = query.where(User.id.not_in(asked))
    experts = db.session.scalars(query).unique()
    return [(u.id, f"{u.name} ({u.party.name})" if u.party else u.name) for u in experts]


def request_rows(initiative: Initiative) -> list[dict]:
    requests = db.session.scalars(
        select(RatingRequest)
        .where(RatingRequest.initiative_id == initiative.id)
        .options(joinedload(RatingRequest.expert))
        .order_by(RatingRequest.requested_at, RatingRequest.id)
    ).all()
    rated = set(
        db.session.scalars(
            select(Rating.expert_id).where(Rating.initiative_id == initiative.id).distinct()
        )
    )
    conflicted = set(
        db.session.scalars(
            select(ConflictOfInterest.expert_id).where(
                ConflictOfInterest.initiative_id == initiative.id
            )
        )
    )
    return [
        {
            "request": r,
            "rated": r.expert_id in rated,
            "conflict": r.expert_id in conflicted,
        }
        for r in requests
    ]
