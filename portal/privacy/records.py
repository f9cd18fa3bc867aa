"""The record as received: a sealed copy of each submission, and its dated completions.

Submitting registers a submission (portal/submissions/services.py), which signals it
(portal/submissions/signals.py: `registered`); the receivers below ask for its record;
completing it (`completed`) asks for a completion record. The records are written when that transaction
commits, so the files uploaded with the form in the same request belong to them; a rolled
back transaction writes none.

Nothing in the application changes a record afterwards. The ORM refuses updates and deletes
(portal/privacy/models.py) and database triggers refuse any UPDATE of the sealed columns.
Two explicit, audited paths touch records: `mark_erasure_requested` (the only column that
may be set) and `remove_for` (retention, when the submission's retention has ended).

How erasure and the archive rules meet: a submission is a public record (allmän handling)
that the authority must keep until its retention ends (arkivlagen), so a request for erasure
does not remove the record. Everything outside it is erased at once (the working copy's
contact details, consents, outbox messages, an employee's account); the record is marked with
the request and removed by `flask retention run` when the rule for closed submissions is due.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from portal import audit
from portal.extensions import db
from portal.privacy.models import RecordKind, SubmissionRecord
from portal.reference.canvas import CANVAS_FIELDS
from portal.submissions import signals, uploads
from portal.submissions.models import Submission
from portal.types import utcnow

PENDING = "privacy_pending_records"
TABLE = SubmissionRecord.__tablename__
SEALED = (
    "submission_id", "sequence", "kind", "reg_number", "reg_year", "reg_seq", "at", "title",
    "content", "sender", "content_sha256",
)  # fmt: skip
CANVAS_KEYS = tuple(f.key for f in CANVAS_FIELDS)


# --- asking for a record (on the submissions' signals) ------------------------------------------


def seal_received(submission: Submission) -> None:
    """Write the record as received when the registering transaction commits."""
    db.session.info.setdefault(PENDING, []).append((RecordKind.RECEIVED, submission, ()))


def seal_completion(submission: Submission, changed: list[str] | tuple[str, ...]) -> None:
    """Write a dated completion (the changed fields and any new files) at commit."""
    db.session.info.setdefault(PENDING, []).append(
        (RecordKind.COMPLETION, submission, tuple(changed))
    )


@signals.registered.connect
def _on_registered(submission: Submission) -> None:
    seal_received(submission)


@signals.completed.connect
def _on_completed(submission: Submission, *, changed: list[str]) -> None:
    seal_completion(submission, changed)


def write_pending(session: Session) -> None:
    """Session hook (before_commit, portal/privacy/database.py): write what seal_* noted."""
    pending = session.info.pop(PENDING, None)
    if not pending:
        return
    session.flush()  # attachments added after the request get their ids
    for kind, submission, changed in pending:
        record = _build(session, kind, submission, changed)
        if record is not None:
            session.add(record)


def forget_pending(session: Session, previous_transaction) -> None:
    """Session hook (after_soft_rollback): nothing noted outlives its transaction."""
    session.info.pop(PENDING, None)


def _build(session, kind, submission: Submission, changed) -> SubmissionRecord | None:
    earlier = session.scalars(
        select(SubmissionRecord)
        .where(SubmissionRecord.submission_id == submission.id)
        .order_by(SubmissionRecord.sequence)
    ).all()
    listed = {a["id"] for r in earlier for a in r.content.get("attachments", [])}
    files = [_file(a) for a in submission.attachments if a.id not in listed]
    if kind == RecordKind.RECEIVED:
        if earlier:
            return None  # sealed already
        content = received_content(submission, files)
        title = submission.title
    else:
        if not earlier:
            return None
        content = completion_content(submission, changed, files)
        if not (content["canvas"] or files or "kind" in content or "focus_area" in content):
            return None  # saved without a change
        title = submission.title if "title" in changed else ""
    return SubmissionRecord(
        submission_id=submission.id,
        sequence=len(earlier),
        kind=kind,
        reg_number=submission.reg_number,
        reg_year=submission.reg_year,
        reg_seq=submission.reg_seq,
        at=submission.submitted_at if kind == RecordKind.RECEIVED else utcnow(),
        title=title,
        content=content,
        sender=sender_of(submission),
        content_sha256=digest(content),
    )


def received_content(submission: Submission, files: list[dict]) -> dict[str, Any]:
    return {
        "kind": submission.kind,
        "call": {"id": submission.call.id, "title": submission.call.title}
        if submission.call
        else None,
        "focus_area": submission.focus_area.name if submission.focus_area else None,
        "canvas": {key: getattr(submission, key) or "" for key in CANVAS_KEYS},
        "attachments": files,
    }


def completion_content(submission: Submission, changed, files: list[dict]) -> dict[str, Any]:
    content: dict[str, Any] = {
        "canvas": {key: getattr(submission, key) or "" for key in CANVAS_KEYS if key in changed},
        "attachments": files,
    }
    if "kind" in changed:
        content["kind"] = submission.kind
    if "focus_area_id" in changed:
        content["focus_area"] = submission.focus_area.name if submission.focus_area else None
    return content


def sender_of(submission: Submission) -> dict[str, Any]:
    if submission.submitter is not None:
        user = submission.submitter
        return {
            "type": "employee",
            "user_id": user.id,
            "name": user.name,
            "email": user.email,
            "party": submission.party.name if submission.party else None,
        }
    return {
        "type": "resident",
        "name": submission.resident_name,
        "email": submission.resident_email,
        "phone": submission.resident_phone,
        "consent_named_publicly": bool(submission.consent_named_publicly),
        "consent_news": bool(submission.consent_news),
        "party": None,
    }


def _file(attachment) -> dict[str, Any]:

    data = uploads.read_file(attachment)
    sha = hashlib.sha256(data).hexdigest() if data is not None else None
    return {
        "id": attachment.id,
        "name": attachment.original_name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "purpose": attachment.purpose,
        "sha256": sha,
    }


def canonical(content: dict[str, Any]) -> str:
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def digest(content: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(content).encode()).hexdigest()


def intact(record: SubmissionRecord) -> bool:
    """The content still matches the SHA-256 taken when it was sealed."""
    return digest(record.content) == record.content_sha256


# --- reading -------------------------------------------------------------------------------


def records_of(submission: Submission | None) -> list[SubmissionRecord]:
    """The record as received first, then the completions in order."""
    if submission is None or submission.id is None:
        return []
    return list(
        db.session.scalars(
            select(SubmissionRecord)
            .where(SubmissionRecord.submission_id == submission.id)
            .order_by(SubmissionRecord.sequence)
        )
    )


@dataclass(frozen=True)
class FieldChange:
    """A canvas field whose text today differs from the record as received: the text in
    parts, each ("same" | "removed" | "added", text), for the template to mark up (escaped)."""

    key: str
    label: object
    parts: list[tuple[str, str]]


_TOKEN = re.compile(r"\s+|\w+|[^\w\s]")
_MAX_TOKENS = 3000  # beyond this a word diff is slow (quadratic); compare whole lines instead


def text_diff(before: str, after: str) -> list[tuple[str, str]]:
    """What changed from `before` to `after`, word by word (line by line for long texts)."""
    a, b = _TOKEN.findall(before), _TOKEN.findall(after)
    if len(a) + len(b) > _MAX_TOKENS:
        a, b = before.splitlines(keepends=True), after.splitlines(keepends=True)
    parts: list[tuple[str, str]] = []

    def add(kind: str, tokens: list[str]) -> None:
        text = "".join(tokens)
        if not text:
            return
        if parts and parts[-1][0] == kind:
            parts[-1] = (kind, parts[-1][1] + text)
        else:
            parts.append((kind, text))

    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            add("same", a[i1:i2])
        else:
            add("removed", a[i1:i2])
            add("added", b[j1:j2])
    return parts


def canvas_changes(received: SubmissionRecord, submission: Submission) -> list[FieldChange]:
    """The canvas fields whose text today (the working copy) differs from the record as
    received, in the canvas's order; empty when nothing has changed since it came in."""
    canvas = received.content.get("canvas") or {}
    changes = []
    for field in CANVAS_FIELDS:
        before = canvas.get(field.key) or ""
        after = getattr(submission, field.key) or ""
        if before != after:
            changes.append(FieldChange(field.key, field.label, text_diff(before, after)))
    return changes


def erasure_requested_at(submission: Submission) -> datetime | None:
    return db.session.scalar(
        select(SubmissionRecord.erasure_requested_at).where(
            SubmissionRecord.submission_id == submission.id, SubmissionRecord.sequence == 0
        )
    )


# --- the two explicit paths that touch records -------------------------------------------------


def mark_erasure_requested(submission: Submission, *, actor, now: datetime) -> int:
    """Note the sender's erasure request on the submission's records (audited)."""
    result = db.session.execute(
        update(SubmissionRecord)
        .where(
            SubmissionRecord.submission_id == submission.id,
            SubmissionRecord.erasure_requested_at.is_(None),
        )
        .values(erasure_requested_at=now)
    )
    if result.rowcount:
        audit.record(
            "record_erasure_marked", submission, actor=actor, changes={"records": result.rowcount}
        )
    return result.rowcount


def remove_for(submission_ids: list[int]) -> int:
    """Remove the records of these submissions: only retention calls this, and audits it."""
    if not submission_ids:
        return 0
    result = db.session.execute(
        delete(SubmissionRecord)
        .where(SubmissionRecord.submission_id.in_(submission_ids))
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


# --- database triggers: the sealed columns cannot be updated -----------------------------------

_MESSAGE = "submission records are sealed"
SQLITE_DDL = [
    f"CREATE TRIGGER IF NOT EXISTS {TABLE}_sealed BEFORE UPDATE OF {', '.join(SEALED)} "
    f"ON {TABLE} BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END",
]
POSTGRES_DDL = [
    f"""CREATE OR REPLACE FUNCTION {TABLE}_sealed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{_MESSAGE}';
END $$""",
    f"DROP TRIGGER IF EXISTS {TABLE}_sealed ON {TABLE}",
    f"CREATE TRIGGER {TABLE}_sealed BEFORE UPDATE OF {', '.join(SEALED)} ON {TABLE} "
    f"FOR EACH ROW EXECUTE FUNCTION {TABLE}_sealed()",
]
