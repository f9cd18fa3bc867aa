"""Erasure on request, withdrawal of opt-ins, and the anonymising that retention shares.

A resident is known by the e-mail address their submissions carry: the private link of one
submission proves the address (it was only ever sent there), so a request made through it
covers every submission from that address. An employee is known by their account.

Order on erasure: the receipt is queued to the address first (marked to be deleted from the
outbox the moment it is sent), then every other message to the address is deleted, then the
address itself is overwritten. The record as received is kept under the archive rules and
marked (portal/privacy/records.py); the audit entry says what was erased and what was kept.
Audit entries are never changed; they hold no resident's contact details.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

from portal import audit
from portal.accounts import models as account_models
from portal.accounts.models import AccountToken, Role, User, UserRole
from portal.accounts.services import end_all_sessions
from portal.api.models import ApiToken
from portal.evaluation.models import Initiative
from portal.extensions import db
from portal.hub.models import Publication
from portal.mail.models import OutboxMessage
from portal.mail.services import queue_email
from portal.privacy import records
from portal.submissions.models import State, Submission
from portal.submissions.services import delete_draft
from portal.types import utcnow

ANONYMISED = "[borttaget]"
ERASED_USER_NAME = "Borttagen användare"
CONSENTS = ("consent_named_publicly", "consent_news", "consent_milestones")


class ErasureRefused(Exception):
    def __init__(self, message) -> None:
        super().__init__(str(message))
        self.message = message


# --- who -------------------------------------------------------------------------------------


def is_erased(submission: Submission) -> bool:
    return submission.is_resident and submission.resident_email == ANONYMISED


def resident_submissions(submission: Submission) -> list[Submission]:
    """Every submission from the same resident (the same e-mail address, any case)."""
    email = submission.resident_email
    if not submission.is_resident or not email or email == ANONYMISED:
        return [submission]
    return list(
        db.session.scalars(
            select(Submission)
            .where(
                Submission.submitter_id.is_(None),
                func.lower(Submission.resident_email) == email.lower(),
            )
            .order_by(Submission.id)
        )
    )


# --- the pieces -----------------------------------------------------------------------------------


def strip_contact_details(submission: Submission) -> list[str]:
    """Overwrite the working copy's personal data; keep what the figures count (party, dates,
    state, focus area, kind, call). Returns the names of the fields that changed."""
    values: dict[str, object] = {
        "consent_named_publicly": False,
        "consent_news": False,
        "consent_milestones": False,
    }
    if submission.is_resident:
        values |= {
            "resident_name": ANONYMISED,
            "resident_email": ANONYMISED,
            "resident_phone": None,
        }
    if submission.responsible:  # the canvas field that asks for names and contact details
        values["responsible"] = ""
    changed = [key for key, value in values.items() if getattr(submission, key) != value]
    for key in changed:
        setattr(submission, key, values[key])
    if "consent_named_publicly" in changed:  # the hub can only name with the consent
        hide_name_in_hub(submission)
    return changed


def hide_name_in_hub(submission: Submission) -> None:
    """The public hub never shows the name again (it also needs the consent, now gone)."""

    publication = db.session.scalar(
        select(Publication)
        .join(Initiative, Initiative.id == Publication.initiative_id)
        .where(Initiative.origin_submission_id == submission.id)
    )
    if publication is not None and publication.show_submitter_name:
        publication.show_submitter_name = False


def forget_messages(addresses: set[str], *, keep: OutboxMessage | None = None) -> int:
    """Delete the outbox messages to these addresses (any case), except `keep`."""
    lowered = {a.lower() for a in addresses if a}
    if not lowered:
        return 0
    statement = delete(OutboxMessage).where(func.lower(OutboxMessage.recipient).in_(lowered))
    if keep is not None:
        db.session.flush()
        statement = statement.where(OutboxMessage.id != keep.id)
    return db.session.execute(statement.execution_options(synchronize_session=False)).rowcount


def _forget_access_links(*, submission_ids: list[int] = (), user_id: int | None = None) -> None:
    if submission_ids:
        db.session.execute(
            delete(AccountToken).where(AccountToken.submission_id.in_(list(submission_ids)))
        )
    if user_id is not None:
        db.session.execute(delete(AccountToken).where(AccountToken.user_id == user_id))


# --- a resident ------------------------------------------------------------------------------------


def erase_resident(submission: Submission, *, locale: str = "sv", now: datetime | None = None):
    """Erase a resident's personal data now; mark the records kept under the archive rules."""
    if is_erased(submission):
        raise ErasureRefused(_l("Dina uppgifter är redan raderade."))
    now = now or utcnow()
    mine = resident_submissions(submission)
    address = submission.resident_email
    numbers = [s.reg_number for s in mine]
    receipt = queue_email(
        address,
        "erasure_receipt",
        _l("Dina uppgifter hos Samhällskontraktet är raderade"),
        locale=locale,
        forget_after_sending=True,
        numbers=numbers,
        employee=False,
    )
    forget_messages({address}, keep=receipt)
    _forget_access_links(submission_ids=[s.id for s in mine])
    for s in mine:
        _erase_submission(s, actor=None, now=now)
    return mine


def _erase_submission(submission: Submission, *, actor, now: datetime) -> None:
    changed = strip_contact_details(submission)
    marked = records.mark_erasure_requested(submission, actor=actor, now=now)
    audit.record(
        "personal_data_erased",
        submission,
        actor=actor,
        changes={
            "fields": ", ".join(changed),
            "decision": "erased_except_record" if marked else "erased",
            "records_kept": marked,
        },
    )


# --- an employee ---------------------------------------------------------------------------------


def refusal_for_employee(user: User) -> object | None:
    if user.has_role(Role.ADMIN):
        others = db.session.scalar(
            select(func.count(func.distinct(User.id)))
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.ADMIN.value, User.active.is_(True), User.id != user.id)
        )
        if not others:
            return _l(
                "Du är den enda aktiva administratören. Ge någon annan rollen administratör "
                "innan du tar bort ditt konto."
            )
    return None


def erase_employee(user: User, *, now: datetime | None = None) -> None:
    """Close and anonymise an employee's account at once. Their submissions stay as public
    records (marked); their drafts, never sent, are deleted; the receipt goes first."""

    reason = refusal_for_employee(user)
    if reason:
        raise ErasureRefused(reason)
    now = now or utcnow()
    address = user.email
    own = list(db.session.scalars(select(Submission).where(Submission.submitter_id == user.id)))
    sent = [s for s in own if s.state != State.DRAFT]
    receipt = queue_email(
        address,
        "erasure_receipt",
        _l("Dina uppgifter hos Samhällskontraktet är raderade"),
        locale=user.locale or "sv",
        forget_after_sending=True,
        numbers=[s.reg_number for s in sent],
        employee=True,
    )
    forget_messages({address}, keep=receipt)
    for draft in (s for s in own if s.state == State.DRAFT):
        delete_draft(draft, actor=user)
    for submission in sent:
        _erase_submission(submission, actor=user, now=now)
    _forget_access_links(user_id=user.id)
    db.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    _forget_second_factor(user)
    end_all_sessions(user)
    user.name = ERASED_USER_NAME
    user.email = f"raderad-{user.id}@konto.invalid"
    user.password_hash = None
    user.active = False
    user.locale = None
    user.last_login_at = None
    user.role_rows[:] = []
    audit.record(
        "personal_data_erased",
        user,
        actor=user,
        changes={
            "fields": "name, email, password, roles, api_tokens, second_factor",
            "decision": "account_closed",
            "records_kept": len(sent),
        },
    )


def _forget_second_factor(user: User) -> None:
    """The authenticator secret and recovery codes (portal/accounts/mfa.py), where present."""

    for column in ("totp_secret", "totp_enabled_at", "totp_last_step"):
        if hasattr(user, column):
            setattr(user, column, None)
    codes = getattr(account_models, "RecoveryCode", None)
    if codes is not None:
        db.session.execute(delete(codes).where(codes.user_id == user.id))


# --- opt-ins --------------------------------------------------------------------------------------


def withdraw_consent(submission: Submission, consents: set[str]) -> int:
    """Withdraw opt-ins on every submission of the resident; returns how many changed."""
    consents = {c for c in consents if c in CONSENTS}
    changed = 0
    for s in resident_submissions(submission):
        diff = {c: [True, False] for c in sorted(consents) if getattr(s, c)}
        if not diff:
            continue
        for c in diff:
            setattr(s, c, False)
        if "consent_named_publicly" in diff:
            hide_name_in_hub(s)
        audit.record("consent_withdrawn", s, actor=None, changes=diff)
        changed += 1
    return changed
