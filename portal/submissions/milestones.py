"""The milestones a submitter follows: their kinds and the entry the timeline shows.

Kept here, below every capability that makes a milestone (triage, the innovation process, the
hub), so that each can name the kind it makes (the e-mails about milestones use the same
kinds). portal/hub/progress.py builds a submission's list of them from what is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l

from portal.reference.canvas import CanvasField, too_long


class MilestoneKind(StrEnum):
    # The submission (triage)
    RECEIVED = "received"  # registered, with its number
    INFO_REQUESTED = "info_requested"  # process support's question
    INFO_GIVEN = "info_given"  # the submitter's completion after a question (their answer)
    COMPLETED = "completed"  # the submitter added to it without being asked
    IN_PORTFOLIO = "in_portfolio"  # taken into a focus area's portfolio
    DUPLICATE = "duplicate"  # follows an earlier submission
    DECLINED = "declined"  # outside SK's scope, with the reason
    REOPENED = "reopened"  # a decline or duplicate marking undone: back to triage
    WITHDRAWN = "withdrawn"  # taken back by the submitter
    # The initiative it became (the innovation process)
    PHASE_CHANGE = "phase_change"  # a Core Team decision that moves it to another phase
    DECISION = "decision"  # a Core Team decision that keeps it in its phase
    PILOT_OUTCOME = "pilot_outcome"  # the decision on a pilot: failure, partial, success
    CLOSED = "closed"  # a decision that ends the initiative
    FUNDING_GRANTED = "funding_granted"  # pilot money granted (amount)
    PUBLISHED = "published"  # shown in the public hub (its page)


MILESTONE_LABELS = {
    MilestoneKind.RECEIVED: _l("Inkommen"),
    MilestoneKind.INFO_REQUESTED: _l("Processtödet bad om komplettering"),
    MilestoneKind.INFO_GIVEN: _l("Du kompletterade"),
    MilestoneKind.COMPLETED: _l("Du kompletterade"),
    MilestoneKind.IN_PORTFOLIO: _l("Tagen in i portfölj"),
    MilestoneKind.DUPLICATE: _l("Dubblett"),
    MilestoneKind.DECLINED: _l("Avslagen"),
    MilestoneKind.REOPENED: _l("Återöppnad"),
    MilestoneKind.WITHDRAWN: _l("Återkallad"),
    MilestoneKind.PHASE_CHANGE: _l("Ny fas"),
    MilestoneKind.DECISION: _l("Beslut i Core Team"),
    MilestoneKind.PILOT_OUTCOME: _l("Pilotens resultat"),
    MilestoneKind.CLOSED: _l("Avslutat"),
    MilestoneKind.FUNDING_GRANTED: _l("Pilotmedel beviljade"),
    MilestoneKind.PUBLISHED: _l("Publicerat i hubben"),
}


@dataclass(frozen=True)
class Milestone:
    """One entry of the submitter's timeline: only what the submitter may read.

    `at`: a moment (UTC) or, for what is decided on a day (decisions, funding), that day.
    `text`: the sentence; `quote`: a text shown as written (a question, an answer, a reason,
    a published rationale); `link_url`/`link_text`: where to read more (the hub page);
    `phase`: the initiative's phase from this milestone on."""

    kind: MilestoneKind
    at: datetime | date
    text: str
    quote: str = ""
    link_url: str | None = None
    link_text: str | None = None
    # The initiative's phase after this milestone (its label), where the milestone sets one.
    phase: str | None = None

    @property
    def label(self) -> str:
        return str(MILESTONE_LABELS[self.kind])

    @property
    def has_time(self) -> bool:
        return isinstance(self.at, datetime)


# The submitter's answer to process support's question (the completion form).
ANSWER = CanvasField(
    key="info_answer",
    label=_l("Ditt svar på frågan"),
    help=_l("Svara här, ändra i fälten nedan, eller både och. Processtödet läser svaret."),
    max_length=4000,
)


def answer_too_long(text: str | None):
    """The refusal of an answer over its limit (never cut), or None."""
    return too_long(ANSWER, text)
