"""Triage rules: classify, assign, link, ask, decline, accept. Each writes the audit log.

Services never commit; views commit once. A change to a submission bumps its version
(SQLAlchemy version_id_col), so a second triager's stale save fails instead of overwriting.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, insert, select

from portal import audit
from portal.accounts.models import Role, User
from portal.evaluation.initiatives.services import start_initiative
from portal.evaluation.models import Initiative
from portal.extensions import db
from portal.links import external_url
from portal.mail.services import queue_email
from portal.reference.models import Agenda2030Goal, FocusArea, Perspective
from portal.submissions.models import (
    InitiativeType,
    SkFunction,
    State,
    Submission,
    submission_links,
)
from portal.submissions.queries import duplicates_of
from portal.submissions.services import issue_private_link
from portal.submissions.states import OPEN, REOPENABLE, can_transition, transition
from portal.types import utcnow


class TriageRefused(Exception):
    """A rule stops this; `message` is for the triager, in their language."""

    def __init__(self, message) -> None:
        super().__init__(str(message))
        self.message = message


class TriageConflict(Exception):
    """Someone else changed the submission after the triager loaded it (optimistic locking)."""


def check_version(submission: Submission, expected: int | None) -> None:
    """Refuse a change made from a stale page: the posted version must be the stored one."""
    if expected is None or expected != submission.version:
        raise TriageConflict()


def set_focus_area(submission: Submission, area: FocusArea | None, *, actor: User) -> bool:
    """Put the submission in a focus area's portfolio (None: not decided). True if changed."""
    old = submission.focus_area
    if (old.id if old else None) == (area.id if area else None):
        return False
    submission.focus_area = area
    audit.record(
        "focus_area_set",
        submission,
        actor=actor,
        changes={"focus_area": [old.name if old else None, area.name if area else None]},
    )
    return True


def set_handler(submission: Submission, handler: User | None, *, actor: User) -> bool:
    """Make a process-support person responsible (None: nobody). True if changed."""
    if handler is not None and not handler.has_role(Role.PROCESS_SUPPORT, Role.ADMIN):
        raise TriageRefused("only process support can be responsible")
    old = submission.handler
    if (old.id if old else None) == (handler.id if handler else None):
        return False
    submission.handler = handler
    audit.record(
        "handler_set",
        submission,
        actor=actor,
        changes={"handler": [old.name if old else None, handler.name if handler else None]},
    )
    return True


# --- classification ------------------------------------------------------------------


def classify(
    submission: Submission,
    *,
    actor: User,
    focus_area: FocusArea | None,
    sk_function: str | None,
    initiative_type: str | None,
    perspectives: Sequence[Perspective],
    goals: Sequence[Agenda2030Goal],
    handler: User | None,
) -> bool:
    """Save the whole classification at once; one audit entry per changed field. True if any."""
    if State(submission.state) not in OPEN:
        raise TriageRefused(
            _l("Bara inlämningar som är inkomna eller väntar på komplettering kan klassas.")
        )
    if sk_function is not None:
        SkFunction(sk_function)
    if initiative_type is not None:
        InitiativeType(initiative_type)
    changed = set_focus_area(submission, focus_area, actor=actor)
    changed |= set_handler(submission, handler, actor=actor)
    for field, action, new in (
        ("sk_function", "function_set", sk_function),
        ("initiative_type", "type_set", initiative_type),
    ):
        old = getattr(submission, field)
        if old != new:
            setattr(submission, field, new)
            audit.record(action, submission, actor=actor, changes={field: [old, new]})
            changed = True
    old_names = [p.name for p in submission.perspectives]
    new_perspectives = sorted(perspectives, key=lambda p: (p.position, p.id))
    if [p.id for p in submission.perspectives] != [p.id for p in new_perspectives]:
        submission.perspectives = list(new_perspectives)
        audit.record(
            "perspectives_set",
            submission,
            actor=actor,
            changes={"perspectives": [old_names, [p.name for p in new_perspectives]]},
        )
        changed = True
    old_goals = [g.number for g in submission.goals]
    new_goals = sorted(goals, key=lambda g: g.number)
    if old_goals != [g.number for g in new_goals]:
        submission.goals = list(new_goals)
        audit.record(
            "goals_set",
            submission,
            actor=actor,
            changes={"goals": [old_goals, [g.number for g in new_goals]]},
        )
        changed = True
    if changed:
        _touch(submission)
    return changed


def _touch(submission: Submission) -> None:
    """A change only to linked rows still bumps the submission's version (optimistic lock)."""
    submission.updated_at = utcnow()


# --- duplicates and related submissions ----------------------------------------------------


def find_registered(reg_number: str) -> Submission | None:
    number = (reg_number or "").strip().upper()
    if not number:
        return None
    return db.session.scalar(select(Submission).where(Submission.reg_number == number))


def _other(submission: Submission, reg_number: str) -> Submission:
    other = find_registered(reg_number)
    if other is None or other.state == State.DRAFT:
        raise TriageRefused(
            _l(
                "Det finns ingen inlämning med registreringsnumret %(number)s.",
                number=(reg_number or "").strip().upper(),
            )
        )
    if other.id == submission.id:
        raise TriageRefused(_l("Det är den här inlämningen. Ange en annan inlämnings nummer."))
    return other


def mark_duplicate(submission: Submission, reg_number: str, *, actor: User) -> Submission:
    """The submission follows an earlier one from now on; its submitter is told which."""
    original = _other(submission, reg_number)
    if original.duplicate_of_id == submission.id:
        raise TriageRefused(
            _l(
                "%(number)s är en dubblett av den här inlämningen. Återöppna %(number)s först.",
                number=original.reg_number,
            )
        )
    if original.state == State.DUPLICATE and original.duplicate_of is not None:
        raise TriageRefused(
            _l(
                "%(number)s är själv en dubblett av %(original)s. "
                "Markera inlämningen som dubblett av %(original)s i stället.",
                number=original.reg_number,
                original=original.duplicate_of.reg_number,
            )
        )
    transition(
        submission,
        State.DUPLICATE,
        actor=actor,
        action="duplicate_marked",
        changes={"duplicate_of": [None, original.reg_number]},
    )
    submission.duplicate_of = original
    # Those that followed this one follow its original now: no chains of duplicates.
    for follower in duplicates_of(submission):
        follower.duplicate_of = original
        audit.record(
            "duplicate_repointed",
            follower,
            actor=actor,
            changes={"duplicate_of": [submission.reg_number, original.reg_number]},
        )
    _tell_submitter(
        submission,
        "triage_duplicate",
        _l(
            "Ditt bidrag %(number)s följer nu %(original)s",
            number=submission.reg_number,
            original=original.reg_number,
        ),
        original=original,
    )
    return original


def _pair(a: Submission, b: Submission) -> tuple[int, int]:
    return (a.id, b.id) if a.id < b.id else (b.id, a.id)


def link_related(submission: Submission, reg_number: str, *, actor: User) -> Submission:
    """Record that two submissions are related (stored once, shown on both)."""
    other = _other(submission, reg_number)
    low, high = _pair(submission, other)
    exists = db.session.scalar(
        select(submission_links.c.low_id).where(
            submission_links.c.low_id == low, submission_links.c.high_id == high
        )
    )
    if exists is not None:
        raise TriageRefused(
            _l("Inlämningen är redan kopplad till %(number)s.", number=other.reg_number)
        )
    db.session.execute(insert(submission_links).values(low_id=low, high_id=high))
    for one, two in ((submission, other), (other, submission)):
        audit.record("related_added", one, actor=actor, changes={"related": [None, two.reg_number]})
        _touch(one)
    return other


def unlink_related(submission: Submission, other: Submission, *, actor: User) -> None:
    low, high = _pair(submission, other)
    removed = db.session.execute(
        delete(submission_links).where(
            submission_links.c.low_id == low, submission_links.c.high_id == high
        )
    ).rowcount
    if not removed:
        raise TriageRefused(
            _l("Inlämningen är inte kopplad till %(number)s.", number=other.reg_number)
        )
    for one, two in ((submission, other), (other, submission)):
        audit.record(
            "related_removed", one, actor=actor, changes={"related": [two.reg_number, None]}
        )
        _touch(one)


# --- asking, declining, accepting, reopening ----------------------------------------------


def request_info(submission: Submission, question: str, *, actor: User) -> None:
    """Ask the submitter to add something; the submission waits until they do."""
    question = question.strip()
    if not question:
        raise TriageRefused(_l("Skriv vad inlämnaren behöver komplettera med."))
    transition(
        submission,
        State.AWAITING_INFO,
        actor=actor,
        action="info_requested",
        changes={"info_request": [submission.info_request or None, question]},
    )
    submission.info_request = question
    submission.info_answer = ""  # a new question has no answer yet (earlier ones: the audit log)
    _tell_submitter(
        submission,
        "triage_info_request",
        _l("Processtödet har en fråga om ditt bidrag %(number)s", number=submission.reg_number),
        page="komplettera",
        question=question,
    )


def decline(submission: Submission, reason: str, *, actor: User) -> None:
    """Outside SK's scope: the submission stops here, and the submitter is told why."""
    reason = reason.strip()
    if not reason:
        raise TriageRefused(_l("Skriv varför inlämningen inte går vidare."))
    transition(
        submission,
        State.DECLINED,
        actor=actor,
        action="declined",
        changes={"decline_reason": [submission.decline_reason or None, reason]},
    )
    submission.decline_reason = reason
    _tell_submitter(
        submission,
        "triage_declined",
        _l("Ditt bidrag %(number)s går inte vidare", number=submission.reg_number),
        reason=reason,
    )


def accept(submission: Submission, *, actor: User) -> Initiative:
    """Into the focus area's portfolio: an initiative in the idea phase takes over."""
    if submission.focus_area is None:
        raise TriageRefused(
            _l("Välj ett fokusområde och spara klassningen innan inlämningen tas in i portfölj.")
        )
    portfolio = submission.focus_area.portfolio
    transition(
        submission,
        State.IN_PORTFOLIO,
        actor=actor,
        action="accepted",
        changes={"portfolio": [None, portfolio.current.name]},
    )
    initiative = start_initiative(
        title=submission.title,
        summary=submission.purpose,
        # A renamed focus area lives on in its portfolio: the initiative gets today's name.
        focus_area=portfolio.current,
        sk_function=submission.sk_function,
        initiative_type=submission.initiative_type,
        actor=actor,
        origin=submission,
    )
    _tell_submitter(
        submission,
        "triage_accepted",
        _l("Ditt bidrag %(number)s går vidare", number=submission.reg_number),
        focus_area=portfolio.current,
    )
    return initiative


def reopen(submission: Submission, *, actor: User) -> None:
    """Undo a decline or a duplicate marking: back to the inbox."""
    if State(submission.state) not in REOPENABLE and can_transition(submission, State.RECEIVED):
        # Waiting for the submitter: their completion puts it back, not the triager.
        raise TriageRefused(_l("Bara avslagna inlämningar och dubbletter kan återöppnas."))
    changes: dict = {}
    if submission.duplicate_of is not None:
        changes["duplicate_of"] = [submission.duplicate_of.reg_number, None]
    transition(submission, State.RECEIVED, actor=actor, action="reopened", changes=changes)
    submission.duplicate_of = None


# --- telling the submitter --------------------------------------------------------------


def _tell_submitter(
    submission: Submission, template: str, subject, *, page: str = "", **context
) -> None:
    """E-mail the submitter, in their language, with a link to their submission (`page`: a
    page below it, such as "komplettera"). A resident's mail carries a private link of its
    own (the portal keeps only hashes, so it cannot repeat the receipt's)."""
    completing = page == "komplettera"
    if submission.is_resident:
        token = issue_private_link(submission)
        endpoint = "submissions.private_complete" if completing else "submissions.private"
        link = external_url(endpoint, token=token)
        locale = submission.resident_locale or "sv"
    else:
        endpoint = "submissions.edit" if completing else "submissions.detail"
        link = external_url(endpoint, submission_id=submission.id)
        locale = (submission.submitter.locale if submission.submitter else None) or "sv"
    queue_email(
        submission.contact_email,
        template,
        subject,
        locale=locale,
        submission=submission,
        link=link,
        **context,
    )
