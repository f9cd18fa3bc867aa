"""Milestones of a submitter's idea: recorded with the change, e-mailed once a day.

The one place where milestones are noticed: the receivers below listen to the signals of the
services that make them (evaluation: an initiative started from a submission, a decision;
hub: first published) and add a `SubmitterNotification` in that service's transaction, so a
rolled-back change leaves no milestone. `send_due()` (`flask notifications send`, daily from
cron) sends each person one e-mail with what happened to their ideas before today: the
milestone itself when there is one, a digest when there are several.

Who is told: an employee, unless they turned that kind off under Mitt konto; a resident only
with their consent on the form (`Submission.consent_milestones`). Every such e-mail carries a
signed link (and List-Unsubscribe headers, RFC 8058) that stops them without logging in.
Nothing internal is told: no rating, note, conflict of interest, nor a decision's rationale
unless process support has made it public.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select, update

from portal import audit
from portal.accounts.models import User
from portal.calls.services import slugify
from portal.evaluation import signals as evaluation_signals
from portal.evaluation.models import PHASE_LABELS, Decision, Initiative, Outcome, Phase
from portal.evaluation.rules import day_bounds
from portal.extensions import db
from portal.hub import signals as hub_signals
from portal.hub.models import Publication
from portal.links import external_url
from portal.mail.services import queue_email
from portal.notifications.models import (
    OPTIONAL_KINDS,
    MilestoneKind,
    MilestoneOptOut,
    NotificationStatus,
    SubmitterNotification,
)
from portal.privacy.erasure import ANONYMISED, resident_submissions, withdraw_consent
from portal.submissions.models import Submission
from portal.submissions.services import issue_private_link
from portal.types import today_in_stockholm, utcnow

UNSUBSCRIBE_SALT = "submitter-notifications-unsubscribe"
PILOT_OUTCOMES = frozenset({Outcome.PILOT_FAILURE, Outcome.PILOT_PARTIAL, Outcome.PILOT_SUCCESS})


# --- noticing milestones (in the transaction of the change) -------------------------------------


def note(submission: Submission, kind: MilestoneKind, *, decision: Decision | None = None):
    """Record a milestone of the submission, to be e-mailed with the day's others."""
    notification = SubmitterNotification(
        submission=submission, kind=kind, decision=decision, at=utcnow()
    )
    db.session.add(notification)
    return notification


def kind_of(decision: Decision) -> MilestoneKind | None:
    """What a decision is to the submitter: closing, a pilot's outcome, another phase, or
    nothing to tell (the initiative stays where it is)."""
    if decision.to_phase == Phase.CLOSED:
        return MilestoneKind.CLOSED
    if decision.outcome in PILOT_OUTCOMES:
        return MilestoneKind.PILOT
    if decision.to_phase != decision.from_phase:
        return MilestoneKind.PHASE
    return None


@evaluation_signals.initiative_started.connect
def _initiative_started(initiative: Initiative, **_) -> None:
    origin = initiative.origin_submission
    if origin is None:
        return
    # Triage's own answer (templates/email/triage_accepted) tells it at once, to everyone:
    # recorded as told, so that no second e-mail says it again.
    notification = note(origin, MilestoneKind.PORTFOLIO)
    notification.status = NotificationStatus.SENT
    notification.sent_at = notification.at


@evaluation_signals.decision_recorded.connect
def _decision_recorded(decision: Decision, **_) -> None:
    origin = decision.initiative.origin_submission
    kind = kind_of(decision)
    if origin is not None and kind is not None:
        note(origin, kind, decision=decision)


@hub_signals.first_published.connect
def _first_published(initiative: Initiative, **_) -> None:
    if initiative.origin_submission is not None:
        note(initiative.origin_submission, MilestoneKind.PUBLISHED)


# --- employees' choices --------------------------------------------------------------------------


def opted_out(user: User) -> set[str]:
    return set(
        db.session.scalars(select(MilestoneOptOut.kind).where(MilestoneOptOut.user_id == user.id))
    )


def set_preferences(user: User, wanted: Iterable[str], *, actor) -> bool:
    """The kinds of milestone the employee wants e-mail about; the others are turned off.
    True if anything changed (audited)."""
    wanted = {MilestoneKind(k) for k in wanted}
    off_now = {k for k in OPTIONAL_KINDS if k not in wanted}
    before = {MilestoneKind(k) for k in opted_out(user)}
    if before == off_now:
        return False
    for kind in before - off_now:
        db.session.delete(db.session.get(MilestoneOptOut, (user.id, kind.value)))
    for kind in off_now - before:
        db.session.add(MilestoneOptOut(user_id=user.id, kind=kind.value))
    audit.record(
        "milestone_mail_changed",
        user,
        actor=actor,
        changes={"off": [sorted(k.value for k in before), sorted(k.value for k in off_now)]},
    )
    return True


# --- the link that stops them -------------------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    config = current_app.config
    # itsdangerous signs with the last key and accepts every one: old keys keep old links.
    keys = [*reversed(config.get("SECRET_KEY_FALLBACKS") or []), config["SECRET_KEY"]]
    return URLSafeSerializer(keys, salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(*, user: User | None = None, submission: Submission | None = None) -> str:
    """A signed token naming an employee (every kind off) or a resident's submission (the
    consent withdrawn on all of the resident's submissions). Ids only: no address in links."""
    payload = {"u": user.id} if user is not None else {"s": submission.id}
    return _serializer().dumps(payload)


@dataclass
class Subscriber:
    """Who an unsubscribe link names, and whether they still get milestone e-mail."""

    user: User | None = None
    submission: Submission | None = None

    @property
    def subscribed(self) -> bool:
        if self.user is not None:
            return not set(OPTIONAL_KINDS) <= {MilestoneKind(k) for k in opted_out(self.user)}
        return any(s.consent_milestones for s in resident_submissions(self.submission))


def subscriber_of(token: str) -> Subscriber | None:
    """Who the token names; None for a forged, broken or outdated token."""
    try:
        payload = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(payload, dict):
        return None
    if isinstance(payload.get("u"), int):
        user = db.session.get(User, payload["u"])
        return Subscriber(user=user) if user is not None else None
    if isinstance(payload.get("s"), int):
        submission = db.session.get(Submission, payload["s"])
        if submission is not None and submission.is_resident:
            return Subscriber(submission=submission)
    return None


def unsubscribe(subscriber: Subscriber) -> bool:
    """Stop milestone e-mail for the person; True if it changed anything (a second time
    does nothing)."""
    if subscriber.user is not None:
        wanted: set[str] = set()
        return set_preferences(subscriber.user, wanted, actor=None)
    return withdraw_consent(subscriber.submission, {"consent_milestones"}) > 0


# --- sending, once a day -------------------------------------------------------------------------


@dataclass
class Sent:
    """What one run did."""

    messages: int = 0  # e-mails queued
    milestones: int = 0  # milestones in them
    skipped: int = 0  # milestones nobody is to be told of
    digests: int = 0  # of the e-mails, those with several milestones


@dataclass
class _Mail:
    recipient: str
    locale: str
    unsubscribe: str
    notifications: list[SubmitterNotification] = field(default_factory=list)


def due(today: date) -> list[SubmitterNotification]:
    """The milestones still to be told that happened before `today` (Stockholm)."""
    start, _ = day_bounds(today)
    return list(
        db.session.scalars(
            select(SubmitterNotification)
            .where(
                SubmitterNotification.status == NotificationStatus.PENDING,
                SubmitterNotification.at < start,
            )
            .order_by(SubmitterNotification.at, SubmitterNotification.id)
        )
    )


def _recipient(notification: SubmitterNotification, optouts: dict[int, set[str]]):
    """(key, e-mail, locale, unsubscribe token) of who is told, or None: nobody is."""
    submission = notification.submission
    if submission.is_resident:
        email = submission.resident_email or ""
        if not submission.consent_milestones or not email or email == ANONYMISED:
            return None
        token = unsubscribe_token(submission=submission)
        return ("resident", email.lower()), email, submission.resident_locale or "sv", token
    user = submission.submitter
    if user is None or not user.active or not user.email:
        return None
    if user.id not in optouts:
        optouts[user.id] = opted_out(user)
    if notification.kind in optouts[user.id]:
        return None
    return ("user", user.id), user.email, user.locale or "sv", unsubscribe_token(user=user)


def _still_true(notification: SubmitterNotification) -> bool:
    """A publication taken back before the e-mail went is not told."""
    if notification.kind != MilestoneKind.PUBLISHED:
        return True
    initiative = _initiative_of(notification.submission)
    publication = db.session.get(Publication, initiative.id) if initiative else None
    return publication is not None and publication.published


def _initiative_of(submission: Submission) -> Initiative | None:
    return db.session.scalar(
        select(Initiative).where(Initiative.origin_submission_id == submission.id)
    )


def send_due(today: date | None = None) -> Sent:
    """Queue one e-mail per person with their milestones from before `today`, and commit per
    person. Each milestone is claimed with a conditional UPDATE first, so two runs at once
    (or one run twice) never tell it twice."""
    today = today or today_in_stockholm()
    done = Sent()
    mails: dict[tuple, _Mail] = {}
    optouts: dict[int, set[str]] = {}
    skipped: list[int] = []
    for notification in due(today):
        found = _recipient(notification, optouts) if _still_true(notification) else None
        if found is None:
            skipped.append(notification.id)
            continue
        key, email, locale, token = found
        mail = mails.setdefault(key, _Mail(email, locale, token))
        mail.notifications.append(notification)
    if skipped:
        done.skipped = _claim(skipped, NotificationStatus.SKIPPED)
        db.session.commit()
    for mail in mails.values():
        ids = [n.id for n in mail.notifications]
        if _claim(ids, NotificationStatus.SENT) != len(ids):
            db.session.rollback()  # another run has them
            continue
        message = _queue(mail)
        db.session.flush()
        db.session.execute(
            update(SubmitterNotification)
            .where(SubmitterNotification.id.in_(ids))
            .values(outbox_message_id=message.id)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        done.messages += 1
        done.milestones += len(ids)
        done.digests += len(ids) > 1
    return done


def _claim(ids: list[int], status: NotificationStatus) -> int:
    return db.session.execute(
        update(SubmitterNotification)
        .where(
            SubmitterNotification.id.in_(ids),
            SubmitterNotification.status == NotificationStatus.PENDING,
        )
        .values(status=status, sent_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount


@dataclass
class Item:
    """One milestone as the e-mail tells it."""

    kind: str
    submission: Submission
    decision: Decision | None
    initiative: Initiative | None
    hub_link: str = ""
    phase: object = ""  # the phase it went to, a lazy label (rendered in the person's language)
    rationale: str = ""  # only a rationale process support has made public


@dataclass
class Idea:
    """One of the person's submissions in the e-mail, with its link and its milestones."""

    submission: Submission
    link: str
    items: list[Item]


def _queue(mail: _Mail):
    by_submission: dict[int, Idea] = {}
    for notification in mail.notifications:
        submission = notification.submission
        idea = by_submission.get(submission.id)
        if idea is None:
            if submission.is_resident:
                # One private link per submission and e-mail: the portal keeps only hashes.
                link = external_url("submissions.private", token=issue_private_link(submission))
            else:
                link = external_url("submissions.detail", submission_id=submission.id)
            idea = by_submission[submission.id] = Idea(submission, link, [])
        idea.items.append(_item(notification))
    ideas = list(by_submission.values())
    count = len(mail.notifications)
    if count == 1:
        subject = _l(
            "Nytt om ditt bidrag %(number)s: %(what)s",
            number=ideas[0].submission.reg_number,
            what=mail.notifications[0].kind_label,
        )
    else:
        subject = _l("Nytt om dina bidrag: %(count)s händelser", count=count)
    unsubscribe_link = external_url("notifications.unsubscribe", token=mail.unsubscribe)
    return queue_email(
        mail.recipient,
        "milestones",
        subject,
        locale=mail.locale,
        headers={
            "List-Unsubscribe": f"<{unsubscribe_link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
        ideas=ideas,
        count=count,
        name=ideas[0].submission.contact_name,
        unsubscribe_link=unsubscribe_link,
    )


def _item(notification: SubmitterNotification) -> Item:
    submission = notification.submission
    initiative = _initiative_of(submission)
    decision = notification.decision
    item = Item(notification.kind, submission, decision, initiative)
    if decision is not None:
        item.phase = PHASE_LABELS[Phase(decision.to_phase)]
        if decision.rationale_public:
            item.rationale = decision.rationale
    if notification.kind == MilestoneKind.PUBLISHED and initiative is not None:
        item.hub_link = external_url(
            "hub.initiative", initiative_id=initiative.id, slug=slugify(initiative.title)
        )
    return item
