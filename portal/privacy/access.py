"""Right of access (GDPR art. 15): everything the portal holds about one person.

The person asks from their own page (a resident's private link, an employee's account); that
issues an AccountToken of purpose "access", valid ACCESS_TTL, of which only the SHA-256 is
stored. The first opening spends it and lets that browser (its session) read the page and
download the JSON until the token expires; any other opening is refused with a clear message.

What is included: the account or contact details, every submission with its content, state,
files (names and sizes) and the records as received, the e-mail sent to the person, the audit
entries about their account and submissions (with the names of the staff who acted: they act
as public officials, and the names are in the public record anyway), API keys (names only),
logged-in browsers, and an expert's own ratings and declared conflicts of interest.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select

from portal.accounts import models as account_models
from portal.accounts.models import AccountToken, TokenPurpose, User, role_labels
from portal.accounts.services import TokenError, check_token, issue_token
from portal.api.models import ApiToken
from portal.audit import AuditEntry
from portal.evaluation.models import ConflictOfInterest, Initiative, Rating
from portal.extensions import db
from portal.hub.models import Publication
from portal.hub.public import submitter_name
from portal.mail.models import OutboxMessage
from portal.privacy.erasure import ANONYMISED, resident_submissions
from portal.privacy.records import records_of
from portal.reference.canvas import CANVAS_FIELDS
from portal.reference.models import Criterion
from portal.submissions.models import Submission
from portal.submissions.services import hash_token
from portal.triage.timeline import SUBMITTER_ACTIONS
from portal.types import utcnow

ACCESS_TTL = timedelta(minutes=15)
GRANT_KEY = "data_access"


# --- the link ---------------------------------------------------------------------------------


def issue_for_user(user: User) -> str:
    return issue_token(user, TokenPurpose.ACCESS, ttl=ACCESS_TTL)


def issue_for_submission(submission: Submission) -> str:
    return issue_token(None, TokenPurpose.ACCESS, ttl=ACCESS_TTL, submission_id=submission.id)


def open_link(raw: str, grant: dict | None, *, user_id: int | None, now: datetime | None = None):
    """The token if this opening may read, else a TokenError (or "wrong_user").

    An unused, unexpired token is spent here; the caller keeps `grant_for(token)` in the
    session so that the same browser can also download the JSON until the token expires."""
    now = now or utcnow()
    if not raw or len(raw) > 100:
        return TokenError.UNKNOWN
    result = check_token(raw, TokenPurpose.ACCESS)
    if isinstance(result, AccountToken):
        if result.user_id is not None and result.user_id != user_id:
            return "wrong_user"
        result.used_at = now
        return result
    if result == TokenError.USED and grant:
        token = db.session.get(AccountToken, grant.get("id"))
        if (
            token is not None
            and token.token_hash == hash_token(raw)
            and token.expires_at > now
            and (token.user_id is None or token.user_id == user_id)
        ):
            return token
    return result


def grant_for(token: AccountToken) -> dict:
    return {"id": token.id}


# --- what is held ---------------------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def collect(token: AccountToken) -> dict[str, Any]:
    if token.user is not None:
        return collect_employee(token.user)
    return collect_resident(db.session.get(Submission, token.submission_id))


def collect_resident(submission: Submission) -> dict[str, Any]:
    mine = resident_submissions(submission)
    addresses = {s.resident_email for s in mine if s.resident_email not in (None, ANONYMISED)}
    return {
        "generated_at": _iso(utcnow()),
        "subject": "resident",
        "contact_details": [
            {
                "reg_number": s.reg_number,
                "name": s.resident_name,
                "email": s.resident_email,
                "phone": s.resident_phone,
                "consent_named_publicly": s.consent_named_publicly,
                "consent_news": s.consent_news,
                "consent_milestones": s.consent_milestones,
            }
            for s in mine
        ],
        "submissions": [submission_data(s) for s in mine],
        "emails": emails_to(addresses),
        "events": events_about(mine),
    }


def collect_employee(user: User) -> dict[str, Any]:
    own = list(
        db.session.scalars(
            select(Submission).where(Submission.submitter_id == user.id).order_by(Submission.id)
        )
    )
    return {
        "generated_at": _iso(utcnow()),
        "subject": "employee",
        "account": {
            "name": user.name,
            "email": user.email,
            "party": user.party.name if user.party else None,
            "roles": role_labels(user),
            "language": user.locale,
            "created_at": _iso(user.created_at),
            "last_login_at": _iso(user.last_login_at),
            "active": user.active,
            "two_factor": bool(getattr(user, "totp_enabled_at", None)),
        },
        "submissions": [submission_data(s) for s in own],
        "emails": emails_to({user.email}),
        "events": events_about(own, user_id=user.id),
        "actions_performed": db.session.scalar(
            select(func.count(AuditEntry.id)).where(AuditEntry.actor_id == user.id)
        ),
        "api_tokens": _api_tokens(user),
        "sessions": _sessions(user),
        "ratings": _ratings(user),
        "conflicts_of_interest": _conflicts(user),
    }


def submission_data(s: Submission) -> dict[str, Any]:

    initiative = db.session.scalar(
        select(Initiative).where(Initiative.origin_submission_id == s.id)
    )
    public = None
    if initiative is not None:
        publication = db.session.get(Publication, initiative.id)
        public = {
            "initiative": initiative.title,
            "published": bool(publication and publication.published),
            "name_shown": bool(
                publication and publication.published and submitter_name(initiative, publication)
            ),
        }
    return {
        "id": s.id,
        "reg_number": s.reg_number,
        "kind": s.kind_label,
        "state": s.state,
        "state_label": s.state_label,
        "call": s.call.title if s.call else None,
        "focus_area": s.focus_area.name if s.focus_area else None,
        "submitted_at": _iso(s.submitted_at),
        "updated_at": _iso(s.updated_at),
        "canvas": {f.key: getattr(s, f.key) for f in CANVAS_FIELDS},
        "info_request": s.info_request or None,
        "info_answer": s.info_answer or None,
        "decline_reason": s.decline_reason or None,
        "attachments": [
            {
                "name": a.original_name,
                "size": a.size,
                "content_type": a.content_type,
                "added_at": _iso(a.created_at),
            }
            for a in s.attachments
        ],
        "records": [
            {
                "kind": r.kind,
                "sequence": r.sequence,
                "at": _iso(r.at),
                "reg_number": r.reg_number,
                "content": r.content,
                "sender": r.sender,
                "content_sha256": r.content_sha256,
                "erasure_requested_at": _iso(r.erasure_requested_at),
            }
            for r in records_of(s)
        ],
        "public_hub": public,
    }


def emails_to(addresses: set[str]) -> list[dict[str, Any]]:
    lowered = {a.lower() for a in addresses if a}
    if not lowered:
        return []
    messages = db.session.scalars(
        select(OutboxMessage)
        .where(func.lower(OutboxMessage.recipient).in_(lowered))
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
    )
    return [
        {
            "to": m.recipient,
            "subject": m.subject,
            "created_at": _iso(m.created_at),
            "sent_at": _iso(m.sent_at),
            "status": m.status,
            "text": m.body_text,
        }
        for m in messages
    ]


def events_about(submissions: list[Submission], user_id: int | None = None) -> list[dict[str, Any]]:
    numbers = {s.id: s.reg_number for s in submissions}
    submission_ids = list(numbers)
    conditions = []
    if submission_ids:
        conditions.append(
            (AuditEntry.object_type == Submission.__tablename__)
            & AuditEntry.object_id.in_(submission_ids)
        )
    if user_id is not None:
        conditions.append(
            (AuditEntry.object_type == User.__tablename__) & (AuditEntry.object_id == user_id)
        )
    if not conditions:
        return []
    rows = db.session.execute(
        select(AuditEntry, User.name)
        .outerjoin(User, User.id == AuditEntry.actor_id)
        .where(or_(*conditions))
        .order_by(AuditEntry.at, AuditEntry.id)
    ).all()
    return [
        {
            "at": _iso(entry.at),
            "action": entry.action,
            "object": entry.object_type,
            "reg_number": numbers.get(entry.object_id)
            if entry.object_type == Submission.__tablename__
            else None,
            "by": name or ("submitter" if entry.action in SUBMITTER_ACTIONS else "system"),
            "changes": entry.changes or {},
        }
        for entry, name in rows
    ]


def _api_tokens(user: User) -> list[dict[str, Any]]:

    return [
        {
            "name": t.name,
            "created_at": _iso(t.created_at),
            "last_used_at": _iso(t.last_used_at),
            "expires_at": _iso(t.expires_at),
            "revoked_at": _iso(t.revoked_at),
        }
        for t in db.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)
        )
    ]


def _sessions(user: User) -> list[dict[str, Any]]:

    model = getattr(account_models, "UserSession", None)
    if model is None:
        return []
    return [
        {
            "browser": s.browser,
            "network": s.network,
            "method": s.method,
            "created_at": _iso(s.created_at),
            "last_seen_at": _iso(s.last_seen_at),
        }
        for s in db.session.scalars(
            select(model).where(model.user_id == user.id).order_by(model.id)
        )
    ]


def _ratings(user: User) -> list[dict[str, Any]]:

    rows = db.session.execute(
        select(Rating, Initiative.title, Criterion.name)
        .join(Initiative, Initiative.id == Rating.initiative_id)
        .join(Criterion, Criterion.id == Rating.criterion_id)
        .where(Rating.expert_id == user.id)
        .order_by(Rating.initiative_id, Rating.criterion_id)
    ).all()
    return [
        {
            "initiative": title,
            "criterion": criterion,
            "score": r.score,
            "comment": r.comment,
            "updated_at": _iso(r.updated_at),
        }
        for r, title, criterion in rows
    ]


def _conflicts(user: User) -> list[dict[str, Any]]:

    rows = db.session.execute(
        select(ConflictOfInterest, Initiative.title)
        .join(Initiative, Initiative.id == ConflictOfInterest.initiative_id)
        .where(ConflictOfInterest.expert_id == user.id)
        .order_by(ConflictOfInterest.id)
    ).all()
    return [
        {"initiative": title, "reason": c.reason, "declared_at": _iso(c.declared_at)}
        for c, title in rows
    ]
