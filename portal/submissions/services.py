"""The rules of submitting: drafts, submit, residents' entries, completing, withdrawing."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal import audit
from portal.accounts.models import User
from portal.calls.models import Call, CallState
from portal.extensions import db
from portal.links import external_url
from portal.mail.services import queue_email
from portal.reference.canvas import CANVAS_FIELDS, FOCUS_AREA, too_long
from portal.submissions import signals, uploads
from portal.submissions.milestones import ANSWER, answer_too_long
from portal.submissions.models import Kind, PrivateLink, State, Submission
from portal.submissions.registration import next_registration
from portal.submissions.states import COMPLETABLE, WITHDRAWABLE, transition
from portal.types import utcnow

# Pressing Back after sending shows the form again, loaded anew, with the text the browser
# kept; sending it again within this long is taken as the same submission, not a new one.
RESEND_WINDOW = timedelta(hours=24)


class SubmissionRefused(Exception):
    """A rule stops this; `message` is for the person, in their language."""

    def __init__(self, message) -> None:
        super().__init__(str(message))
        self.message = message


class TextTooLong(SubmissionRefused):
    """A canvas text is longer than its field takes: nothing is cut, nothing is saved.
    `errors` maps each field's key to the message for that field."""

    def __init__(self, errors: dict[str, object]) -> None:
        super().__init__(next(iter(errors.values())))
        self.errors = errors


# --- calls ---------------------------------------------------------------------------


def participants(call: Call) -> int:
    return (
        db.session.scalar(
            select(func.count(Submission.id)).where(
                Submission.call_id == call.id,
                Submission.state.notin_([State.DRAFT, State.WITHDRAWN]),
            )
        )
        or 0
    )


def refusal_for(call: Call | None, *, resident: bool, now: datetime | None = None):
    """Why this call cannot take a submission now, or None."""
    if call is None:
        return None
    now = now or utcnow()
    state = call.state_at(now)
    if state == CallState.CLOSED:
        return _l("Utlysningen har stängt och tar inte emot fler bidrag.")
    if state != CallState.OPEN:
        return _l("Utlysningen är inte öppen ännu.")
    if resident and not call.open_to_residents:
        return _l("Utlysningen är bara öppen för parternas medarbetare.")
    if call.max_participants is not None and participants(call) >= call.max_participants:
        return _l("Utlysningen har fått så många bidrag som den tar emot.")
    return None


# --- canvas --------------------------------------------------------------------------


def canvas_too_long(data: Mapping[str, object]) -> dict[str, object]:
    """The canvas fields in `data` longer than their limit, with the message for each."""
    errors = {}
    for f in CANVAS_FIELDS:
        message = too_long(f, data.get(f.key)) if f.key in data else None
        if message is not None:
            errors[f.key] = message
    return errors


def apply_canvas(submission: Submission, data: Mapping[str, object]) -> dict[str, list]:
    """Copy the canvas fields present in `data` onto the submission, exactly as written.
    A text over its field's limit refuses the whole change (TextTooLong): never cut."""
    errors = canvas_too_long(data)
    if errors:
        raise TextTooLong(errors)
    values: dict[str, object] = {}
    for f in CANVAS_FIELDS:
        if f.key in data:
            values[f.key] = data[f.key] or ""
    if FOCUS_AREA in data:
        values["focus_area_id"] = data[FOCUS_AREA] or None
    if data.get("kind") in (Kind.CHALLENGE, Kind.IDEA):
        values["kind"] = data["kind"]
    return audit.diff(submission, values)


def save_draft(
    submission: Submission | None,
    data: Mapping[str, object],
    *,
    actor: User,
    call: Call | None = None,
    form_key: str | None = None,
) -> Submission:
    """Create or update an employee's draft. Drafts are never registered or sent anywhere."""
    errors = canvas_too_long(data)
    if errors:
        raise TextTooLong(errors)
    if submission is None:
        submission = Submission(
            submitter=actor,
            party_id=actor.party_id,
            call=call,
            state=State.DRAFT,
            form_key=form_key,
        )
        db.session.add(submission)
    elif submission.state != State.DRAFT:
        raise SubmissionRefused(_l("Inlämningen är redan inskickad och är inte ett utkast."))
    apply_canvas(submission, data)
    return submission


def submit(submission: Submission, *, actor: User, now: datetime | None = None) -> Submission:
    """Send an employee's draft: register it, and queue the receipt."""
    if submission.state != State.DRAFT:
        raise SubmissionRefused(_l("Inlämningen är redan inskickad."))
    reason = refusal_for(submission.call, resident=False, now=now)
    if reason:
        raise SubmissionRefused(reason)
    submission.party_id = actor.party_id
    _register(submission, now or utcnow(), actor=actor)
    _queue_receipt(
        submission,
        link=external_url("submissions.detail", submission_id=submission.id),
        locale=actor.locale or "sv",
    )
    return submission


def submit_resident(
    call: Call,
    data: Mapping[str, object],
    *,
    name: str,
    email: str,
    phone: str = "",
    consent_named_publicly: bool = False,
    consent_news: bool = False,
    consent_milestones: bool = False,
    form_key: str | None = None,
    locale: str = "sv",
    now: datetime | None = None,
) -> tuple[Submission, str]:
    """A resident's answer to a call: registered at once; returns it and the private token."""
    now = now or utcnow()
    reason = refusal_for(call, resident=True, now=now)
    if reason:
        raise SubmissionRefused(reason)
    errors = canvas_too_long(data)
    if errors:
        raise TextTooLong(errors)
    submission = Submission(
        call=call,
        resident_name=name.strip(),
        resident_email=email.strip(),
        resident_phone=phone.strip() or None,
        resident_locale=locale,
        consent_named_publicly=consent_named_publicly,
        consent_news=consent_news,
        consent_milestones=consent_milestones,
        form_key=form_key,
    )
    db.session.add(submission)
    apply_canvas(submission, data)
    db.session.flush()
    raw_token = issue_private_link(submission)
    _register(submission, now, actor=None)
    _queue_receipt(
        submission, link=external_url("submissions.private", token=raw_token), locale=locale
    )
    return submission, raw_token


def issue_private_link(submission: Submission) -> str:
    """A new private link for a resident's e-mail; returns the token (only its hash is kept)."""
    raw = secrets.token_urlsafe(32)
    submission.private_links.append(PrivateLink(token_hash=hash_token(raw)))
    return raw


def find_resend(
    call: Call | None,
    data: Mapping[str, object],
    *,
    submitter: User | None = None,
    email: str | None = None,
    now: datetime | None = None,
) -> Submission | None:
    """The submission this form was already sent as, when the same person sends the same
    canvas to the same call again soon after (Back, then send): None for anything new."""
    since = (now or utcnow()) - RESEND_WINDOW
    same_call = Submission.call_id.is_(None) if call is None else Submission.call_id == call.id
    query = select(Submission).where(
        same_call,
        Submission.submitted_at >= since,
        Submission.state.notin_([State.DRAFT, State.WITHDRAWN]),
    )
    if submitter is not None:
        query = query.where(Submission.submitter_id == submitter.id)
    elif email:
        query = query.where(
            Submission.submitter_id.is_(None),
            func.lower(Submission.resident_email) == email.strip().lower(),
        )
    else:
        return None
    for candidate in db.session.scalars(query.order_by(Submission.id.desc()).limit(20)):
        if same_canvas(candidate, data):
            return candidate
    return None


def same_canvas(submission: Submission, data: Mapping[str, object]) -> bool:
    """Whether the submission already holds exactly this canvas (as apply_canvas stores it)."""
    for f in CANVAS_FIELDS:
        if f.key in data and (data[f.key] or "") != (getattr(submission, f.key) or ""):
            return False
    if FOCUS_AREA in data and (data[FOCUS_AREA] or None) != submission.focus_area_id:
        return False
    return not (data.get("kind") and data["kind"] != submission.kind)


def complete(
    submission: Submission,
    data: Mapping[str, object],
    *,
    actor: User | None,
    new_files: list[str] | tuple[str, ...] = (),
    answer: str = "",
) -> dict[str, list]:
    """The submitter adds to an entry that awaits triage; awaiting-info returns to the inbox.
    `new_files`: the names of the files added with it (already stored by the caller);
    `answer`: their answer to process support's question (only once one was asked)."""
    if submission.state not in COMPLETABLE:
        raise SubmissionRefused(_l("Inlämningen kan inte ändras längre."))
    answer = (answer or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if answer and not submission.info_request:
        raise SubmissionRefused(_l("Det finns ingen fråga att svara på."))
    too_long = answer_too_long(answer)
    if too_long is not None:
        raise TextTooLong({ANSWER.key: too_long})
    changes = apply_canvas(submission, data)
    signals.completed.send(submission, changed=list(changes))  # a dated completion
    if new_files:
        changes["files"] = [None, list(new_files)]
    if answer:
        # Each answer stays in its completion's audit entry; the column holds the latest.
        changes["info_answer"] = [None, answer]
        submission.info_answer = answer
    if submission.state == State.AWAITING_INFO:  # back to the inbox
        transition(
            submission,
            State.RECEIVED,
            actor=actor,
            action="completed_by_submitter",
            changes=changes,
        )
    elif changes:
        audit.record("completed_by_submitter", submission, actor=actor, changes=changes)
    return changes


def withdraw(submission: Submission, *, actor: User | None) -> None:
    if submission.state not in WITHDRAWABLE:
        raise SubmissionRefused(_l("Inlämningen kan inte återkallas längre."))
    transition(submission, State.WITHDRAWN, actor=actor, action="withdrawn")


def delete_draft(submission: Submission, *, actor: User) -> None:

    if submission.state != State.DRAFT:
        raise SubmissionRefused(_l("Bara utkast kan tas bort."))
    for attachment in submission.attachments:
        uploads.delete_file(attachment)
    db.session.delete(submission)


def find_by_token(raw: str) -> Submission | None:
    if not raw or len(raw) > 100:
        return None
    return db.session.scalar(
        select(Submission)
        .join(PrivateLink, PrivateLink.submission_id == Submission.id)
        .where(PrivateLink.token_hash == hash_token(raw))
    )


def find_by_form_key(form_key: str | None) -> Submission | None:
    if not form_key:
        return None
    return db.session.scalar(select(Submission).where(Submission.form_key == form_key))


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _register(submission: Submission, now: datetime, *, actor: User | None) -> None:
    """Give the submission its registration number and send it to the inbox."""
    year, seq, number = next_registration(now)
    submission.reg_year, submission.reg_seq, submission.reg_number = year, seq, number
    submission.submitted_at = now
    transition(
        submission,
        State.RECEIVED,
        actor=actor,
        action="submitted",
        changes={"reg_number": [None, number]},
    )
    signals.registered.send(submission)  # the record as received, written at commit


def _queue_receipt(submission: Submission, *, link: str, locale: str) -> None:
    queue_email(
        submission.contact_email,
        "submission_receipt",
        _l("Vi har tagit emot ditt bidrag %(number)s", number=submission.reg_number),
        locale=locale,
        submission=submission,
        link=link,
    )
