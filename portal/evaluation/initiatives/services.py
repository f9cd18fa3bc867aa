"""The rules of initiatives and expert ratings: creating an initiative (the one door, also
for a submission taken into a portfolio), asking experts, ratings, jäv.

Services never commit and never read the request; each writes its audit entries and queues
its e-mail in the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, exists, select

from portal import audit
from portal.accounts.models import Role, User
from portal.evaluation import signals
from portal.evaluation.models import (
    ConflictOfInterest,
    Decision,
    Initiative,
    Phase,
    Rating,
    RatingRequest,
)
from portal.evaluation.rules import (
    AlreadyDone,
    EvaluationRefused,
    day_bounds,
    lock,
    still_there,
)
from portal.extensions import db
from portal.mail.services import queue_email
from portal.reference.models import Criterion, FocusArea, Portfolio
from portal.submissions.models import InitiativeType, SkFunction, Submission


def create_initiative(
    *,
    title: str,
    summary: str,
    focus_area: FocusArea,
    sk_function: str | None,
    initiative_type: str | None,
    actor: User,
    today: date,
) -> Initiative:
    """An initiative straight into a portfolio in Idéfas, without a submission behind it."""
    if not focus_area.in_force_on(today):
        raise EvaluationRefused(_l("Välj ett fokusområde som gäller i dag."))
    if sk_function is not None:
        SkFunction(sk_function)
    if initiative_type is not None:
        InitiativeType(initiative_type)
    title = title.strip()
    lock(Portfolio, focus_area.portfolio_id)
    start, end = day_bounds(today)
    same = db.session.scalar(
        select(Initiative)
        .where(
            Initiative.portfolio_id == focus_area.portfolio_id,
            Initiative.title == title,
            Initiative.created_at >= start,
            Initiative.created_at < end,
        )
        .order_by(Initiative.id)
        .limit(1)
    )
    if same is not None:
        raise AlreadyDone(
            _l(
                "Initiativet ”%(title)s” skapades redan i dag i samma fokusområde. Du ser det här.",
                title=same.title,
            ),
            same,
        )
    return start_initiative(
        title=title,
        summary=summary.strip(),
        focus_area=focus_area,
        sk_function=sk_function,
        initiative_type=initiative_type,
        actor=actor,
    )


def start_initiative(
    *,
    title: str,
    summary: str,
    focus_area: FocusArea,
    sk_function: str | None,
    initiative_type: str | None,
    actor: User | None,
    origin: Submission | None = None,
) -> Initiative:
    """The one door through which an initiative comes into being: in Idéfas, in the focus
    area's portfolio, audited. `origin`: the submission process support took into the
    portfolio (triage's accept); without it, an initiative created directly."""
    initiative = Initiative(
        title=title,
        summary=summary,
        portfolio=focus_area.portfolio,
        focus_area=focus_area,
        phase=Phase.IDEA,
        sk_function=sk_function,
        initiative_type=initiative_type,
        origin_submission=origin,
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(initiative)
    db.session.flush()
    if origin is not None:
        changes = {"origin_submission": [None, origin.reg_number]}
    else:
        changes = {
            "title": [None, initiative.title],
            "focus_area": [None, focus_area.name],
            "phase": [None, Phase.IDEA.value],
        }
    action = "created_from_submission" if origin is not None else "initiative_created"
    audit.record(action, initiative, actor=actor, changes=changes)
    signals.initiative_started.send(initiative)
    return initiative


class RatingLocked(EvaluationRefused):
    """The Core Team has decided on the concept at a priority meeting: ratings are final."""


def ratings_locked(initiative: Initiative) -> bool:
    """Locked once the Core Team decided on the concept at a priority meeting."""
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    Decision.initiative_id == initiative.id,
                    Decision.from_phase == Phase.CONCEPT.value,
                    Decision.meeting_id.is_not(None),
                )
            )
        )
    )


def locked_ids(initiative_ids: Sequence[int]) -> set[int]:
    if not initiative_ids:
        return set()
    return set(
        db.session.scalars(
            select(Decision.initiative_id)
            .where(
                Decision.initiative_id.in_(initiative_ids),
                Decision.from_phase == Phase.CONCEPT.value,
                Decision.meeting_id.is_not(None),
            )
            .distinct()
        )
    )


def find_request(initiative: Initiative, expert: User) -> RatingRequest | None:
    return db.session.scalar(
        select(RatingRequest).where(
            RatingRequest.initiative_id == initiative.id, RatingRequest.expert_id == expert.id
        )
    )


def find_conflict(initiative: Initiative, expert: User) -> ConflictOfInterest | None:
    return db.session.scalar(
        select(ConflictOfInterest).where(
            ConflictOfInterest.initiative_id == initiative.id,
            ConflictOfInterest.expert_id == expert.id,
        )
    )


def ratings_by(initiative: Initiative, expert: User) -> dict[int, Rating]:
    """The expert's ratings of the initiative, by criterion id."""
    return {
        r.criterion_id: r
        for r in db.session.scalars(
            select(Rating).where(
                Rating.initiative_id == initiative.id, Rating.expert_id == expert.id
            )
        )
    }


def already_asked(experts: Sequence[User]):
    """The message for experts who were asked already (one name, or several)."""
    names = [e.name for e in experts]
    if len(names) == 1:
        return _l("%(name)s är redan ombedd att bedöma initiativet.", name=names[0])
    return _l(
        "%(names)s och %(last)s är redan ombedda att bedöma initiativet.",
        names=", ".join(names[:-1]),
        last=names[-1],
    )


@dataclass
class RatingRequests:
    made: list[RatingRequest]
    already: list[User]  # asked before (another tab, Back and send again): not asked again


def request_ratings(
    initiative: Initiative, experts: Sequence[User], *, actor: User
) -> RatingRequests:
    """Ask experts to rate a concept; each gets an e-mail with a link to the rating form.

    An expert asked already is not asked again (nor e-mailed); when every chosen expert was,
    AlreadyDone says so.
    """
    if initiative.phase != Phase.CONCEPT:
        raise EvaluationRefused(
            _l(
                "Experter kan bara ombes bedöma initiativ i Konceptfas. "
                "Initiativet är i %(phase)s.",
                phase=initiative.phase_label,
            )
        )
    if not experts:
        raise EvaluationRefused(_l("Välj minst en expert."))
    for expert in experts:
        if not expert.active or not expert.has_role(Role.EXPERT):
            raise EvaluationRefused(_l("%(name)s har inte rollen expert.", name=expert.name))
    lock(Initiative, initiative.id)
    already = [e for e in experts if find_request(initiative, e) is not None]
    if len(already) == len(experts):
        raise AlreadyDone(already_asked(already), already)
    made = []
    for expert in experts:
        if expert in already:
            continue
        request = RatingRequest(
            initiative=initiative, expert_id=expert.id, requested_by_id=actor.id
        )
        db.session.add(request)
        db.session.flush()
        audit.record(
            "rating_requested", initiative, actor=actor, changes={"expert": [None, expert.name]}
        )
        queue_email(
            expert.email,
            "rating_request",
            _l("Bedöm initiativet ”%(title)s”", title=initiative.title),
            locale=expert.locale or "sv",
            expert=expert,
            initiative=initiative,
            link=f"{current_app.config['BASE_URL']}/initiativ/{initiative.id}/bedomning",
        )
        made.append(request)
    return RatingRequests(made, already)


def remove_rating_request(request: RatingRequest, *, actor: User) -> None:
    """Take back a request, as long as the expert has not rated. Taken back already (a
    second tab, two people at once): AlreadyDone."""
    initiative, expert = request.initiative, request.expert
    lock(RatingRequest, request.id)  # the expert's rating waits, or this waits for it
    if not still_there(RatingRequest, request.id):
        raise AlreadyDone(_l("Förfrågan till %(name)s är redan borttagen.", name=expert.name), None)
    if ratings_by(initiative, expert):
        raise EvaluationRefused(
            _l(
                "%(name)s har redan bedömt initiativet. Förfrågan kan inte tas bort.",
                name=expert.name,
            )
        )
    db.session.delete(request)
    audit.record(
        "rating_request_removed", initiative, actor=actor, changes={"expert": [expert.name, None]}
    )


@dataclass(frozen=True)
class CriterionRating:
    criterion: Criterion
    score: int
    comment: str


def _may_rate(initiative: Initiative, expert: User) -> None:
    request = find_request(initiative, expert)
    if request is not None:
        lock(RatingRequest, request.id)  # one rating or declaration at a time per expert
    if request is None or not still_there(RatingRequest, request.id):
        raise EvaluationRefused(_l("Du är inte ombedd att bedöma det här initiativet."))
    if find_conflict(initiative, expert) is not None:
        raise EvaluationRefused(_l("Du har anmält jäv och kan inte bedöma initiativet."))
    if ratings_locked(initiative):
        raise RatingLocked(
            _l("Bedömningarna är låsta: Core Team har fattat beslut om konceptet på ett primöte.")
        )


def save_rating(initiative: Initiative, ratings: Sequence[CriterionRating], *, actor: User) -> bool:
    """Create or update the expert's rating of every criterion. True if anything changed."""
    _may_rate(initiative, actor)
    all_criteria = {c.id for c in db.session.scalars(select(Criterion))}
    given = {r.criterion.id for r in ratings}
    if given != all_criteria or len(ratings) != len(all_criteria):
        raise EvaluationRefused(_l("Ge ett betyg från 1 till 5 för varje kriterium."))
    if any(not 1 <= r.score <= 5 for r in ratings):
        raise EvaluationRefused(_l("Betygen går från 1 till 5."))
    existing = ratings_by(initiative, actor)
    changes: dict[str, list] = {}
    for r in ratings:
        row = existing.get(r.criterion.id)
        comment = (r.comment or "").strip()
        if row is None:
            db.session.add(
                Rating(
                    initiative_id=initiative.id,
                    expert_id=actor.id,
                    criterion_id=r.criterion.id,
                    score=r.score,
                    comment=comment,
                )
            )
            changes[r.criterion.key] = [None, r.score]
        else:
            if row.score != r.score:
                changes[r.criterion.key] = [row.score, r.score]
            if row.comment != comment:
                changes[f"{r.criterion.key}_comment"] = [row.comment or None, comment or None]
            row.score, row.comment = r.score, comment
    if changes:
        audit.record("rated", initiative, actor=actor, changes=changes)
    return bool(changes)


def declare_conflict(initiative: Initiative, reason: str, *, actor: User) -> ConflictOfInterest:
    """Jäv: on record; the expert's ratings of the initiative, if any, are deleted."""
    reason = (reason or "").strip()
    if not reason:
        raise EvaluationRefused(_l("Skriv varför du är jävig."))
    request = find_request(initiative, actor)
    if request is not None:
        lock(RatingRequest, request.id)  # one rating or declaration at a time per expert
    if request is None or not still_there(RatingRequest, request.id):
        raise EvaluationRefused(_l("Du är inte ombedd att bedöma det här initiativet."))
    declared = find_conflict(initiative, actor)
    if declared is not None:
        raise AlreadyDone(_l("Du har redan anmält jäv för det här initiativet."), declared)
    if ratings_locked(initiative):
        raise RatingLocked(
            _l(
                "Bedömningarna är låsta efter primötets beslut. "
                "Kontakta processtödet om du är jävig."
            )
        )
    old = ratings_by(initiative, actor)
    if old:
        db.session.execute(
            delete(Rating).where(
                Rating.initiative_id == initiative.id, Rating.expert_id == actor.id
            )
        )
        audit.record(
            "ratings_deleted_for_conflict",
            initiative,
            actor=actor,
            changes={r.criterion.key: [r.score, None] for r in old.values()},
        )
    conflict = ConflictOfInterest(initiative_id=initiative.id, expert_id=actor.id, reason=reason)
    db.session.add(conflict)
    db.session.flush()
    audit.record("conflict_declared", initiative, actor=actor, changes={"reason": [None, reason]})
    return conflict
