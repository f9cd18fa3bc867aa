"""What the public hub shows of an initiative, and the search document of what it shows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.types import UTCDateTime, utcnow


class Publication(db.Model):
    """Process support's choice of what the public hub shows of one initiative.

    No row, or `published` false: nothing of the initiative is public. `public_fields` lists
    the texts shown (the initiative's summary and canvas fields, by key); empty by default,
    so nothing a submitter wrote leaves the portal until a person has read it and ticked it.
    """

    __tablename__ = "publications"
    __table_args__ = (
        CheckConstraint("NOT published OR published_at IS NOT NULL", name="published_has_time"),
        Index("ix_publications_published_at", "published", "published_at"),
    )

    initiative_id: Mapped[int] = mapped_column(
        ForeignKey("initiatives.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    published: Mapped[bool] = mapped_column(default=False)
    first_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the latest publishing
    unpublished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    public_fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The submitter's own name, only when they consented (consent_named_publicly).
    show_submitter_name: Mapped[bool] = mapped_column(default=False)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    initiative = relationship("Initiative")

    __mapper_args__ = {"version_id_col": version}


class SearchDocument(db.Model):
    """The public text of one published initiative, as the full-text index reads it.

    Written from Python (portal/hub/search.py) when an initiative is published or its public
    text changes, deleted when it is unpublished: what is not public is never indexed.
    PostgreSQL indexes `title` and `body` with the Swedish configuration; SQLite's FTS5 table
    indexes `title_stems` and `body_stems`, the same text stemmed in Python (Snowball Swedish),
    because SQLite has no Swedish stemmer.
    """

    __tablename__ = "hub_search_documents"

    initiative_id: Mapped[int] = mapped_column(
        ForeignKey("initiatives.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    title: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    title_stems: Mapped[str] = mapped_column(Text, default="")
    body_stems: Mapped[str] = mapped_column(Text, default="")
    # The stems of the parts of compound words in both ("äldreomsorg": "äldr omsorg"),
    # indexed on both dialects (portal/swedish.py splits them).
    compound_stems: Mapped[str] = mapped_column(Text, default="", server_default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SearchWord(db.Model):
    """One word of one published initiative's search document, and the word without å, ä
    and ö: the vocabulary the search folds a query typed without them to ("aldre" →
    "äldre") and suggests corrections from ("Menade du …?"). Written with the document,
    deleted with it, so no word of an unpublished initiative is ever suggested."""

    __tablename__ = "hub_search_words"
    __table_args__ = (Index("ix_hub_search_words_folded", "folded"),)

    initiative_id: Mapped[int] = mapped_column(
        ForeignKey("hub_search_documents.initiative_id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    )
    word: Mapped[str] = mapped_column(Text, primary_key=True)
    folded: Mapped[str] = mapped_column(Text)
