"""The audit log: who did what, when, from what to what. Append-only from the application."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.types import UTCDateTime, utcnow


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"
    # One object's history, newest first (timelines, an account's security events).
    __table_args__ = (Index("ix_audit_entries_object", "object_type", "object_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None] = mapped_column(Integer)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    actor = relationship("User")


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _refuse_change(mapper, connection, target) -> None:
    raise RuntimeError("audit entries cannot be changed")


def record(action: str, obj: Any, *, actor: Any, changes: dict[str, Any] | None = None) -> None:
    """Add an audit entry to the current transaction (the caller commits)."""
    db.session.add(
        AuditEntry(
            at=utcnow(),  # when it was done, not when the session flushes
            actor_id=getattr(actor, "id", None),
            action=action,
            object_type=type(obj).__tablename__,
            object_id=getattr(obj, "id", None),
            changes=changes or {},
        )
    )


def diff(obj: Any, values: dict[str, Any]) -> dict[str, list[Any]]:
    """Set attributes on obj and return {field: [old, new]} for those that changed."""
    changed: dict[str, list[Any]] = {}
    for field, new in values.items():
        old = getattr(obj, field)
        if old != new:
            changed[field] = [_plain(old), _plain(new)]
            setattr(obj, field, new)
    return changed


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
