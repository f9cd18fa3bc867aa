"""Publishing initiatives in the public hub: process support decides what is shown.

Services never commit; each writes its audit entry and brings the search document in step in
the caller's transaction, so the hub, the feed and the search change together.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import audit
from portal.evaluation.models import Decision, Initiative, Insight
from portal.extensions import db
from portal.hub import search, signals
from portal.hub.models import Publication
from portal.hub.public import PUBLISHABLE
from portal.types import utcnow


class PublicationRefused(Exception):
    """A rule stops this; `message` is for the person, in their language."""

    def __init__(self, message) -> None:
        super().__init__(message)
        self.message = message


class PublicationConflict(Exception):
    """Someone else saved the publication after the editor loaded it (optimistic locking)."""


def current_version(initiative: Initiative) -> int:
    """The publication's version; 0 while the initiative has never had one."""
    publication = db.session.get(Publication, initiative.id)
    return publication.version if publication else 0


def update_publication(
    initiative: Initiative,
    *,
    published: bool,
    public_fields: Collection[str],
    show_submitter_name: bool = False,
    public_rationales: Collection[int] = (),
    public_insights: Collection[int] = (),
    expected_version: int | None,
    actor,
    now: datetime | None = None,
) -> Publication:
    """Set what the hub shows of the initiative: whether it is published, which texts, which
    decision rationales and insights, and the submitter's name (only with their consent)."""
    now = now or utcnow()
    publication = db.session.get(Publication, initiative.id)
    if expected_version is not None and expected_version != (
        publication.version if publication else 0
    ):
        raise PublicationConflict()
    unknown = set(public_fields) - set(PUBLISHABLE)
    if unknown:
        raise PublicationRefused(_l("Fältet kan inte publiceras."))
    origin = initiative.origin_submission
    if show_submitter_name and not (origin is not None and origin.consent_named_publicly):
        raise PublicationRefused(
            _l("Inlämnaren har inte gett sitt samtycke till att nämnas med namn.")
        )
    if publication is None:
        publication = Publication(
            initiative_id=initiative.id,
            published=False,
            public_fields=[],
            show_submitter_name=False,
        )
        db.session.add(publication)
    fields = [key for key in PUBLISHABLE if key in set(public_fields)]
    changes = audit.diff(
        publication,
        {
            "published": bool(published),
            "public_fields": fields,
            "show_submitter_name": bool(show_submitter_name),
        },
    )
    if "published" in changes:
        if published:
            publication.published_at = now
            if publication.first_published_at is None:
                publication.first_published_at = now
                signals.first_published.send(initiative)
        else:
            publication.unpublished_at = now
    changes |= _set_flags(
        select(Decision).where(Decision.initiative_id == initiative.id),
        "rationale_public",
        set(public_rationales),
        "public_rationales",
    )
    changes |= _set_flags(
        select(Insight).where(Insight.initiative_id == initiative.id),
        "public",
        set(public_insights),
        "public_insights",
    )
    # Always touch the row: its version then guards the decision and insight flags too.
    publication.updated_at = now
    publication.updated_by_id = getattr(actor, "id", None)
    if changes:
        audit.record("publication_changed", initiative, actor=actor, changes=changes)
    db.session.flush()
    search.refresh(initiative)
    return publication


def _set_flags(query, flag: str, chosen: set[int], name: str) -> dict[str, list]:
    before, after = [], []
    for row in db.session.scalars(query):
        if getattr(row, flag):
            before.append(row.id)
        setattr(row, flag, row.id in chosen)
        if row.id in chosen:
            after.append(row.id)
    return {name: [sorted(before), sorted(after)]} if sorted(before) != sorted(after) else {}


def unpublish(initiative: Initiative, *, actor, now: datetime | None = None) -> bool:
    """Take the initiative out of the hub at once. No version check: withdrawing is always
    allowed, whatever else someone changed. False if it was not published."""
    publication = db.session.get(Publication, initiative.id)
    if publication is None or not publication.published:
        return False
    publication.published = False
    publication.unpublished_at = now or utcnow()
    publication.updated_by_id = getattr(actor, "id", None)
    audit.record(
        "publication_changed", initiative, actor=actor, changes={"published": [True, False]}
    )
    db.session.flush()
    search.refresh(initiative)
    return True
