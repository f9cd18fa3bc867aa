"""The rules of digital calls: creating, editing, publishing, and who sees which call."""

from __future__ import annotations

import functools
import re
import unicodedata
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, or_, select, text
from sqlalchemy.orm import joinedload, selectinload

from portal import audit
from portal.calls.models import Audience, Call, CallState
from portal.extensions import db
from portal.permissions import is_employee, is_process_support
from portal.reference.canvas import RESIDENT_DEFAULT_RULES, STANDING_RULES, normalise_rules
from portal.reference.models import FocusArea, Party
from portal.types import UTCDateTime, utcnow

RECENTLY_CLOSED = timedelta(days=90)
SLUG_MAX = 80
# Paths under /utlysningar/ that are pages of their own, never a call.
RESERVED_SLUGS = frozenset({"hantera", "ny"})
EDITABLE = (
    "title",
    "question",
    "background",
    "opens_at",
    "closes_at",
    "audience",
    "host_party",
    "max_participants",
    "field_rules",
    "focus_areas",
)
_TRANSLITERATE = str.maketrans({"å": "a", "ä": "a", "ö": "o", "æ": "ae", "ø": "o", "ß": "ss"})


class CallRefused(Exception):
    """A rule stops this; `message` is for the person, in their language."""

    def __init__(self, message) -> None:
        super().__init__(message)
        self.message = message


class CallConflict(Exception):
    """Someone else saved the call after the editor loaded it (optimistic locking)."""


# --- slugs ---------------------------------------------------------------------------


def slugify(title: str) -> str:
    """ "Barn i rörelse – 2026!" -> "barn-i-rorelse-2026"."""
    text = title.lower().translate(_TRANSLITERATE)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return text[:SLUG_MAX].rstrip("-") or "utlysning"


def unique_slug(title: str) -> str:
    """The slug of `title`, with -2, -3, … when taken; never longer than 80 characters."""
    base = slugify(title)
    taken = (
        set(db.session.scalars(select(Call.slug).where(Call.slug.like(f"{base[:60]}%"))))
        | RESERVED_SLUGS
    )
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        suffix = f"-{n}"
        candidate = base[: SLUG_MAX - len(suffix)].rstrip("-") + suffix
    return candidate


# --- creating and editing --------------------------------------------------------------


def default_rules(audience: str) -> dict:
    return RESIDENT_DEFAULT_RULES if audience == Audience.RESIDENTS else STANDING_RULES


def create_call(*, actor: Any, **fields: Any) -> Call:
    """A new draft call; the slug comes from the title and stays when the title changes."""
    _check_fields(fields)
    audience = str(fields.get("audience") or Audience.STAFF)
    call = Call(
        slug=unique_slug(fields["title"]),
        title=fields["title"],
        question=fields["question"],
        background=fields.get("background") or "",
        opens_at=fields["opens_at"],
        closes_at=fields["closes_at"],
        audience=audience,
        host_party=fields["host_party"],
        max_participants=fields.get("max_participants"),
        field_rules=_plain_rules(fields.get("field_rules"), audience),
        created_by_id=getattr(actor, "id", None),
    )
    call.focus_areas = list(fields.get("focus_areas") or [])
    db.session.add(call)
    db.session.flush()
    audit.record(
        "call_created",
        call,
        actor=actor,
        changes={
            "title": [None, call.title],
            "slug": [None, call.slug],
            "audience": [None, audience],
        },
    )
    return call


def update_call(
    call: Call, *, actor: Any, expected_version: int | None = None, **fields: Any
) -> dict[str, list]:
    """Change the call; raises CallConflict when `expected_version` is not the stored one."""
    if expected_version is not None and expected_version != call.version:
        raise CallConflict()
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    merged = {
        "opens_at": call.opens_at,
        "closes_at": call.closes_at,
        "question": call.question,
        **fields,
    }
    _check_fields(merged)
    if call.published_at is not None and "focus_areas" in fields and not fields["focus_areas"]:
        raise CallRefused(_l("En publicerad utlysning måste ha minst ett fokusområde."))

    values = {k: v for k, v in fields.items() if k not in {"focus_areas", "host_party"}}
    if "audience" in values:
        values["audience"] = str(values["audience"])
    if "background" in values:
        values["background"] = values["background"] or ""
    if "field_rules" in values:
        values["field_rules"] = _plain_rules(
            values["field_rules"], values.get("audience", call.audience)
        )
    changes = audit.diff(call, values)
    if "host_party" in fields and fields["host_party"].id != call.host_party_id:
        changes["host_party"] = [call.host_party_id, fields["host_party"].id]
        call.host_party = fields["host_party"]
    if "focus_areas" in fields:
        before = sorted(a.id for a in call.focus_areas)
        after = sorted(a.id for a in fields["focus_areas"])
        if before != after:
            changes["focus_areas"] = [before, after]
            call.focus_areas = list(fields["focus_areas"])
    if changes:
        audit.record("call_updated", call, actor=actor, changes=changes)
        db.session.flush()
    return changes


def publish_call(call: Call, *, actor: Any, now: datetime | None = None) -> None:
    if call.published_at is not None:
        return
    if not call.focus_areas:
        raise CallRefused(_l("Välj minst ett fokusområde innan du publicerar utlysningen."))
    call.published_at = now or utcnow()
    audit.record(
        "call_published",
        call,
        actor=actor,
        changes={"published_at": [None, call.published_at.isoformat()]},
    )
    db.session.flush()


def unpublish_call(call: Call, *, actor: Any) -> None:
    if call.published_at is None:
        return
    before = call.published_at.isoformat()
    call.published_at = None
    audit.record("call_unpublished", call, actor=actor, changes={"published_at": [before, None]})
    db.session.flush()


def _check_fields(fields: dict[str, Any]) -> None:
    """The rules the database also holds, said in words a person understands."""
    if not (fields.get("question") or "").strip().endswith("?"):
        raise CallRefused(_l("Skriv problemformuleringen som en fråga, med ett frågetecken sist."))
    if fields["closes_at"] <= fields["opens_at"]:
        raise CallRefused(_l("Utlysningen måste stänga efter att den öppnar."))
    cap = fields.get("max_participants")
    if cap is not None and cap < 1:
        raise CallRefused(_l("Högsta antal deltagare måste vara minst 1."))


def _plain_rules(rules: dict | None, audience: str) -> dict[str, str]:
    return {k: str(v) for k, v in normalise_rules(rules, default_rules(audience)).items()}


# --- who sees which call -----------------------------------------------------------------


def sees_staff_calls(user: Any) -> bool:
    return user is not None and (is_employee(user) or is_process_support(user))


def visible_calls(user: Any, now: datetime) -> list[Call]:
    """Published calls for the public list: open, upcoming and closed within 90 days.

    Staff-only calls only for employees and process support. Ordered for display: open ones
    closing soonest first, then upcoming by opening, then closed, most recent first.
    """
    query = (
        select(Call)
        .where(Call.published_at.is_not(None), Call.closes_at > now - RECENTLY_CLOSED)
        # The list shows each call's host and focus areas: loaded with the calls, not per call.
        .options(joinedload(Call.host_party), selectinload(Call.focus_areas))
    )
    if not sees_staff_calls(user):
        query = query.where(Call.audience == Audience.RESIDENTS)
    calls = list(db.session.scalars(query))

    def key(call: Call):
        state = call.state_at(now)
        if state == CallState.OPEN:
            return (0, call.closes_at.timestamp())
        if state == CallState.SCHEDULED:
            return (1, call.opens_at.timestamp())
        return (2, -call.closes_at.timestamp())

    return sorted(calls, key=key)


def all_calls() -> list[Call]:
    """Every call, drafts too, newest opening first (process support's list)."""
    return list(db.session.scalars(select(Call).order_by(Call.opens_at.desc(), Call.id.desc())))


def focus_area_choices(today, selected: list[FocusArea] | None = None) -> list[FocusArea]:
    """Focus areas in force on `today`, plus any already chosen (so none vanish silently)."""
    areas = [
        a
        for a in db.session.scalars(select(FocusArea).order_by(FocusArea.name))
        if a.in_force_on(today)
    ]
    for area in selected or []:
        if area not in areas:
            areas.append(area)
    return areas


def host_party_choices(today, current=None) -> list:
    parties = db.session.scalars(
        select(Party)
        .where(or_(Party.left_on.is_(None), Party.left_on > today))
        .order_by(Party.name)
    ).all()
    if current is not None and current not in parties:
        parties.append(current)
    return list(parties)


# --- what the public pages show, as a stamp (portal/pagecache.py) ---------------------------


# Plain SQL, parsed once: building the same expression with SQLAlchemy on every request cost
# more than the rest of a kept page. What else the page shows that can change: every focus
# area's name, period and portfolio, every party's name, which areas each call has (the call
# page's choices and host, the list's hosts and focus areas: a rename shows at once).
_CATALOGUE = """
  (SELECT {agg}(CAST(id AS VARCHAR(20)) || ':' || name || ':'
     || CAST(portfolio_id AS VARCHAR(20)) || ':' || CAST(valid_from AS VARCHAR(20)) || ':'
     || COALESCE(CAST(valid_to AS VARCHAR(20)), ''), '|') FROM focus_areas) AS areas,
  (SELECT {agg}(CAST(id AS VARCHAR(20)) || ':' || name, '|') FROM parties) AS parties,
  (SELECT {agg}(CAST(call_id AS VARCHAR(20)) || ':' || CAST(focus_area_id AS VARCHAR(20)), '|')
     FROM call_focus_areas) AS links"""
_CALL_PAGE = """SELECT id, version, published_at, opens_at, closes_at, {catalogue},
  (SELECT updated_at FROM site_texts WHERE key = :text_key) AS text_changed
FROM calls WHERE slug = :slug"""
_CALLS_LIST = """SELECT id, version, published_at, opens_at, closes_at, {catalogue}
FROM calls WHERE published_at IS NOT NULL AND closes_at > :since ORDER BY id"""
_TIMES = {"published_at": UTCDateTime(), "opens_at": UTCDateTime(), "closes_at": UTCDateTime()}


@functools.cache
def _stamp_query(template: str, dialect: str):
    agg = "string_agg" if dialect == "postgresql" else "group_concat"
    sql = template.format(catalogue=_CATALOGUE.format(agg=agg))
    return (
        text(sql).bindparams(bindparam("since", type_=UTCDateTime())).columns(**_TIMES)
        if (":since" in sql)
        else text(sql).columns(**_TIMES)
    )


def call_page_stamp(slug: str, text_key: str) -> tuple | None:
    """In one query: the call's version and state now, the catalogue and the privacy text's
    last change. None for a call that does not exist."""
    query = _stamp_query(_CALL_PAGE, db.session.get_bind().dialect.name)
    row = db.session.execute(query, {"slug": slug, "text_key": text_key}).first()
    if row is None:
        return None
    return (*row, _state(row, utcnow()))


def calls_list_stamp() -> tuple:
    """In one query: the listed calls' versions and states now, and the catalogue."""
    now = utcnow()
    query = _stamp_query(_CALLS_LIST, db.session.get_bind().dialect.name)
    rows = db.session.execute(query, {"since": now - RECENTLY_CLOSED}).all()
    return tuple((*row, _state(row, now)) for row in rows)


def _state(row, now: datetime) -> CallState:
    if row.published_at is None:
        return CallState.DRAFT
    if now < row.opens_at:
        return CallState.SCHEDULED
    return CallState.CLOSED if now >= row.closes_at else CallState.OPEN
