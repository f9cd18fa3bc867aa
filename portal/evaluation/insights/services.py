"""The rules of insights: recording one, and who may read which."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import audit
from portal.evaluation.models import (
    Initiative,
    Insight,
    RatingRequest,
)
from portal.evaluation.permissions import sees_every_insight
from portal.evaluation.rules import (
    AlreadyDone,
    EvaluationRefused,
    lock,
)
from portal.extensions import db


def record_insight(initiative: Initiative, *, noted_on: date, text: str, actor) -> Insight:
    """A lesson or "Halleluja moment" on an initiative."""
    text = (text or "").strip()
    if not text:
        raise EvaluationRefused(_l("Skriv insikten."))
    lock(Initiative, initiative.id)
    same = db.session.scalar(
        select(Insight)
        .where(
            Insight.initiative_id == initiative.id,
            Insight.noted_on == noted_on,
            Insight.text == text,
        )
        .order_by(Insight.id)
        .limit(1)
    )
    if same is not None:  # Back and send again, or two people at once: one insight
        raise AlreadyDone(_l("Insikten är redan registrerad."), same)
    insight = Insight(
        initiative_id=initiative.id,
        noted_on=noted_on,
        text=text,
        author_id=getattr(actor, "id", None),
    )
    db.session.add(insight)
    db.session.flush()
    audit.record(
        "insight_recorded",
        insight,
        actor=actor,
        changes={"initiative": [None, initiative.id], "noted_on": [None, noted_on.isoformat()]},
    )
    return insight


def insight_initiatives(user):
    """The initiatives whose insights `user` may read, as a subquery of ids; None: all."""
    if sees_every_insight(user):
        return None
    return select(RatingRequest.initiative_id).where(RatingRequest.expert_id == user.id)
