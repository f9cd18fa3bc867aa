"""Retention (gallring): the admin's rules, and the run that applies them.

`flask --app portal retention run` shows what is due (a dry run, the default); `--apply` does
it and writes one `retention_applied` audit entry per rule, with the count and the ids (never
personal data); `--today YYYY-MM-DD` moves the clock. Each run is idempotent: what was done is
not due again. Audit entries themselves are never deleted: they are the authority's log of
what was done, and hold no resident's contact details.

The kinds:
- residents' contact details: the working copy's name, e-mail, phone and consents, N months
  after the call closed (the submission's settling, if it answered no call), once it has left
  the inbox, unless it became an initiative that still runs (then after the initiative
  closed). The record as received keeps them: it is archived.
- closed submissions (declined, withdrawn, duplicate): N years after they were settled, the
  record's retention ends: records and files are removed and the submission is deleted, or
  anonymised (the figures keep counting it).
- drafts never submitted: deleted N months after they were last saved.
- e-mail in the outbox: sent or given-up messages deleted N days after they were queued.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import delete, exists, func, or_, select, update
from sqlalchemy.orm import selectinload

from portal import audit
from portal.audit import AuditEntry
from portal.calls.models import Call
from portal.evaluation.models import Decision, Initiative, Phase
from portal.extensions import db
from portal.mail.models import OutboxMessage, OutboxStatus
from portal.privacy import records
from portal.privacy.erasure import ANONYMISED, strip_contact_details
from portal.privacy.models import (
    RetentionAction,
    RetentionKind,
    RetentionRule,
    SubmissionRecord,
)
from portal.submissions import states, uploads
from portal.submissions.models import (
    Attachment,
    PrivateLink,
    State,
    Submission,
    submission_links,
)
from portal.submissions.services import delete_draft
from portal.types import STOCKHOLM

CLOSED_STATES = tuple(s for s in State if s in states.CLOSED)
# Still with the submitter or with process support: no retention rule touches these.
OPEN_STATES = (State.DRAFT, *(s for s in State if s in states.OPEN))
# Audit actions of transition() that settle a submission in its current state.
SETTLING_ACTIONS = ("declined", "withdrawn", "duplicate_marked", "accepted")


@dataclass(frozen=True)
class Kind:
    kind: RetentionKind
    label: object
    explanation: object
    unit: str  # "days", "months" or "years"
    actions: tuple[RetentionAction, ...]
    default_period: int
    default_action: RetentionAction


UNIT_LABELS = {"days": _l("dagar"), "months": _l("månader"), "years": _l("år")}


def period_text(unit: str, n: int) -> str:
    """ "1 månad", "24 månader", "2 år", "90 dagar"."""
    if unit == "days":
        return ngettext("%(num)d dag", "%(num)d dagar", n)
    if unit == "months":
        return ngettext("%(num)d månad", "%(num)d månader", n)
    return ngettext("%(num)d år", "%(num)d år", n)


KINDS: dict[RetentionKind, Kind] = {
    k.kind: k
    for k in (
        Kind(
            RetentionKind.RESIDENT_CONTACTS,
            _l("Invånares kontaktuppgifter"),
            _l(
                "Namn, e-post, telefon och samtycken tas bort från inlämningen så här lång tid "
                "efter att utlysningen stängde (utan utlysning: efter att inlämningen "
                "avgjordes). Inte medan den väntar på att sorteras eller är ett initiativ som pågår. "
                "Handlingen som inkommen behåller dem, eftersom den arkiveras."
            ),
            "months",
            (RetentionAction.ANONYMISE,),
            24,
            RetentionAction.ANONYMISE,
        ),
        Kind(
            RetentionKind.CLOSED_SUBMISSIONS,
            _l("Avslagna, återkallade och dubbletter"),
            _l(
                "Så här lång tid efter beslutet gallras handlingen som inkommen och de bifogade "
                "filerna. Inlämningen raderas, eller avidentifieras så att styrelsens siffror "
                "fortsätter att räkna den."
            ),
            "years",
            (RetentionAction.ANONYMISE, RetentionAction.DELETE),
            2,
            RetentionAction.ANONYMISE,
        ),
        Kind(
            RetentionKind.DRAFTS,
            _l("Utkast som aldrig skickats in"),
            _l("Utkast raderas så här lång tid efter att de senast sparades."),
            "months",
            (RetentionAction.DELETE,),
            12,
            RetentionAction.DELETE,
        ),
        Kind(
            RetentionKind.OUTBOX,
            _l("Skickad e-post"),
            _l(
                "Skickade och misslyckade meddelanden raderas så här lång tid efter att de "
                "skapades. Kvittot på en radering raderas direkt när det har skickats."
            ),
            "days",
            (RetentionAction.DELETE,),
            90,
            RetentionAction.DELETE,
        ),
    )
}


# --- dates -----------------------------------------------------------------------------------


def shift_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier), on the month's last day when it is shorter."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def cutoff(kind: Kind, period: int, today: date) -> date:
    """What happened on this day or before is due today."""
    if kind.unit == "days":
        return today - timedelta(days=period)
    return shift_months(today, -period * (12 if kind.unit == "years" else 1))


def end_of(day: date) -> datetime:
    """The first moment after the Stockholm day, as UTC: moments before it are on or before it."""
    return datetime.combine(day + timedelta(days=1), time(), STOCKHOLM)


# --- the rules ------------------------------------------------------------------------------------


def rules() -> dict[RetentionKind, RetentionRule]:
    """Every kind's rule: the saved one, or an unsaved, inactive one with the suggested values."""
    saved = {RetentionKind(r.kind): r for r in db.session.scalars(select(RetentionRule))}
    return {
        kind: saved.get(kind)
        or RetentionRule(
            kind=kind.value, period=spec.default_period, action=spec.default_action, active=False
        )
        for kind, spec in KINDS.items()
    }


class RuleRefused(Exception):
    def __init__(self, message) -> None:
        super().__init__(str(message))
        self.message = message


def save_rule(
    kind: RetentionKind, *, period: int, action: str, active: bool, actor
) -> RetentionRule:
    spec = KINDS[kind]
    if RetentionAction(action) not in spec.actions:
        raise RuleRefused(_l("Välj bland alternativen."))
    rule = db.session.scalar(select(RetentionRule).where(RetentionRule.kind == kind.value))
    if rule is None:
        rule = RetentionRule(kind=kind.value, period=period, action=action, active=active)
        db.session.add(rule)
        rule.updated_by_id = getattr(actor, "id", None)
        db.session.flush()
        audit.record(
            "retention_rule_set",
            rule,
            actor=actor,
            changes={
                "period": [None, period],
                "action": [None, action],
                "active": [None, active],
            },
        )
        return rule
    changes = audit.diff(rule, {"period": period, "action": action, "active": active})
    if changes:
        rule.updated_by_id = getattr(actor, "id", None)
        audit.record("retention_rule_set", rule, actor=actor, changes=changes)
    return rule


# --- what is due ----------------------------------------------------------------------------------


@dataclass
class Plan:
    kind: Kind
    rule: RetentionRule
    ids: list[int] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)  # registration numbers or message ids

    @property
    def count(self) -> int:
        return len(self.ids)

    @property
    def active(self) -> bool:
        return bool(self.rule.active and self.rule.id is not None)


def _settled_at():
    """Per submission, when it was last settled (declined, withdrawn, duplicate, accepted)."""
    return (
        select(
            AuditEntry.object_id.label("submission_id"),
            func.max(AuditEntry.at).label("at"),
        )
        .where(
            AuditEntry.object_type == Submission.__tablename__,
            AuditEntry.action.in_(SETTLING_ACTIONS),
        )
        .group_by(AuditEntry.object_id)
        .subquery()
    )


def _day(moment: datetime | None) -> date | None:
    return None if moment is None else moment.astimezone(STOCKHOLM).date()


Found = list[tuple[int, str]]  # (id, what the dry run shows: a registration number or #id)


def due_resident_contacts(rule: RetentionRule, today: date) -> Found:
    last = cutoff(KINDS[RetentionKind.RESIDENT_CONTACTS], rule.period, today)
    settled = _settled_at()
    rows = db.session.execute(
        select(
            Submission.id,
            Submission.reg_number,
            Submission.updated_at,
            Call.closes_at,
            settled.c.at,
            Initiative.id,
            Initiative.phase,
        )
        .outerjoin(Call, Call.id == Submission.call_id)
        .outerjoin(settled, settled.c.submission_id == Submission.id)
        .outerjoin(Initiative, Initiative.origin_submission_id == Submission.id)
        .where(
            Submission.submitter_id.is_(None),
            Submission.resident_email != ANONYMISED,
            Submission.state.notin_([s.value for s in OPEN_STATES]),
        )
        .order_by(Submission.id)
    ).all()
    closed_on = _initiatives_closed_on([r[5] for r in rows if r[5] is not None])
    due = []
    for sid, number, updated_at, closes_at, settled_at, initiative_id, phase in rows:
        base = _day(closes_at) if closes_at else _day(settled_at or updated_at)
        if initiative_id is not None:
            if phase != Phase.CLOSED:
                continue  # the initiative goes on: its people are still needed
            base = max(base, closed_on.get(initiative_id, base))
        if base <= last:
            due.append((sid, number))
    return due


def _initiatives_closed_on(ids: list[int]) -> dict[int, date]:
    closed: dict[int, date] = {}
    for chunk in _chunks(ids):
        closed.update(
            db.session.execute(
                select(Decision.initiative_id, func.max(Decision.decided_on))
                .where(Decision.initiative_id.in_(chunk), Decision.to_phase == Phase.CLOSED)
                .group_by(Decision.initiative_id)
            ).all()
        )
    return closed


def due_closed_submissions(rule: RetentionRule, today: date) -> Found:
    last = cutoff(KINDS[RetentionKind.CLOSED_SUBMISSIONS], rule.period, today)
    settled = _settled_at()
    when = func.coalesce(settled.c.at, Submission.updated_at)
    statement = (
        select(Submission.id, Submission.reg_number)
        .outerjoin(settled, settled.c.submission_id == Submission.id)
        .where(
            Submission.state.in_([s.value for s in CLOSED_STATES]),
            when < end_of(last),
        )
        .order_by(Submission.id)
    )
    if rule.action == RetentionAction.ANONYMISE:
        # Not yet anonymised: something personal is left.
        statement = statement.where(
            or_(
                exists().where(SubmissionRecord.submission_id == Submission.id),
                exists().where(Attachment.submission_id == Submission.id),
                exists().where(PrivateLink.submission_id == Submission.id),
                Submission.consent_named_publicly.is_(True),
                Submission.consent_news.is_(True),
                Submission.consent_milestones.is_(True),
                Submission.responsible != "",
                Submission.submitter_id.is_(None) & (Submission.resident_email != ANONYMISED),
            )
        )
    return [tuple(r) for r in db.session.execute(statement)]


def due_drafts(rule: RetentionRule, today: date) -> Found:
    last = cutoff(KINDS[RetentionKind.DRAFTS], rule.period, today)
    ids = db.session.scalars(
        select(Submission.id)
        .where(Submission.state == State.DRAFT, Submission.updated_at < end_of(last))
        .order_by(Submission.id)
    )
    return [(i, f"#{i}") for i in ids]


def due_outbox(rule: RetentionRule, today: date) -> Found:
    last = cutoff(KINDS[RetentionKind.OUTBOX], rule.period, today)
    done = OutboxMessage.status.in_([OutboxStatus.SENT.value, OutboxStatus.FAILED.value])
    ids = db.session.scalars(
        select(OutboxMessage.id)
        .where(
            done,
            or_(
                OutboxMessage.created_at < end_of(last),
                OutboxMessage.forget_after_sending.is_(True),
            ),
        )
        .order_by(OutboxMessage.id)
    )
    return [(i, f"#{i}") for i in ids]


FINDERS: dict[RetentionKind, Callable[[RetentionRule, date], Found]] = {
    RetentionKind.RESIDENT_CONTACTS: due_resident_contacts,
    RetentionKind.CLOSED_SUBMISSIONS: due_closed_submissions,
    RetentionKind.DRAFTS: due_drafts,
    RetentionKind.OUTBOX: due_outbox,
}


def plan(today: date) -> list[Plan]:
    """What each active rule would do today (nothing is changed)."""
    plans = []
    for kind, rule in rules().items():
        p = Plan(KINDS[kind], rule)
        if p.active:
            found = FINDERS[kind](rule, today)
            p.ids = [i for i, _label in found]
            p.labels = [label or f"#{i}" for i, label in found]
        plans.append(p)
    return plans


# --- doing it -------------------------------------------------------------------------------------

CHUNK = 500  # ids per statement: well inside SQLite's limit on bound parameters


def _chunks(ids: list[int]):
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def anonymise_submission(submission: Submission) -> None:
    """The closed rule's anonymising: contact details, files and the private link go; party,
    dates, state, focus area, kind, call and the canvas text stay. (The caller removes the
    records.)"""

    strip_contact_details(submission)
    submission.private_links.clear()
    for attachment in list(submission.attachments):
        uploads.delete_file(attachment)
        submission.attachments.remove(attachment)


def delete_submissions(ids: list[int]) -> None:
    """Delete these submissions with their files, links and records (the caller audits)."""

    for attachment in db.session.scalars(
        select(Attachment).where(Attachment.submission_id.in_(ids))
    ):
        uploads.delete_file(attachment)
    records.remove_for(ids)
    db.session.execute(
        delete(submission_links).where(
            or_(submission_links.c.low_id.in_(ids), submission_links.c.high_id.in_(ids))
        )
    )
    db.session.execute(
        update(Submission)
        .where(Submission.duplicate_of_id.in_(ids))
        .values(duplicate_of_id=None)
        .execution_options(synchronize_session=False)
    )
    for submission in db.session.scalars(select(Submission).where(Submission.id.in_(ids))):
        db.session.delete(submission)


def _apply(p: Plan) -> None:

    kind, action = p.kind.kind, RetentionAction(p.rule.action)
    for chunk in _chunks(p.ids):
        if kind == RetentionKind.OUTBOX:
            db.session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(chunk)))
            continue
        if kind == RetentionKind.CLOSED_SUBMISSIONS and action == RetentionAction.DELETE:
            delete_submissions(chunk)
            db.session.flush()
            continue
        submissions = db.session.scalars(
            select(Submission)
            .where(Submission.id.in_(chunk))
            .options(selectinload(Submission.attachments))
        )
        for submission in submissions:
            if kind == RetentionKind.DRAFTS:
                delete_draft(submission, actor=None)
                continue
            if kind == RetentionKind.RESIDENT_CONTACTS:
                strip_contact_details(submission)
            else:
                anonymise_submission(submission)
            # On the submission's own timeline too (the rule's entry lists every id).
            audit.record(
                "retention_anonymised", submission, actor=None, changes={"rule": kind.value}
            )
        if kind == RetentionKind.CLOSED_SUBMISSIONS:
            records.remove_for(chunk)  # the records' retention has ended
        db.session.flush()


def run(today: date, *, apply: bool) -> list[Plan]:
    """Plan, and with `apply` do it and audit each rule that did something (caller commits)."""
    plans = plan(today)
    if not apply:
        return plans
    for p in plans:
        if not p.count:
            continue
        _apply(p)
        audit.record(
            "retention_applied",
            p.rule,
            actor=None,
            changes={
                "kind": p.kind.kind.value,
                "action": p.rule.action,
                "period": p.rule.period,
                "today": today.isoformat(),
                "count": p.count,
                "ids": p.ids,
            },
        )
    return plans


def recent_runs(limit: int = 20) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "retention_applied")
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .limit(limit)
        )
    )
