"""The rules of calls, called directly: slugs, editing, publishing, who sees what."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import func, select, update
from sqlalchemy.orm.exc import StaleDataError

from portal.accounts.models import Role, User
from portal.audit import AuditEntry
from portal.calls import services
from portal.calls.demo import seed_demo_calls
from portal.calls.models import Audience, Call, CallState
from portal.calls.views import status_text
from portal.demo import seed_demo_users
from portal.extensions import db as _db
from portal.reference.canvas import RESIDENT_DEFAULT_RULES, STANDING_RULES
from portal.reference.models import FocusArea
from portal.types import utcnow
from tests.factories import make_user, party

STOCKHOLM = ZoneInfo("Europe/Stockholm")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
CHILDREN = "Alla barn och unga uppnår sin fulla potential"


def area(name: str = CHILDREN) -> FocusArea:
    return _db.session.scalar(select(FocusArea).where(FocusArea.name == name))


def new_call(title: str = "Barn i rörelse", *, actor=None, **overrides) -> Call:
    fields = {
        "title": title,
        "question": "Hur motiverar vi barn att röra på sig mer?",
        "opens_at": NOW - timedelta(days=7),
        "closes_at": NOW + timedelta(days=30),
        "audience": Audience.RESIDENTS,
        "host_party": party("Västerås stad"),
        "focus_areas": [area()],
    } | overrides
    call = services.create_call(actor=actor, **fields)
    _db.session.commit()
    return call


def published(title: str, *, opens: int, closes: int, audience=Audience.RESIDENTS) -> Call:
    call = new_call(
        title,
        opens_at=NOW + timedelta(days=opens),
        closes_at=NOW + timedelta(days=closes),
        audience=audience,
    )
    services.publish_call(call, actor=None, now=NOW)
    _db.session.commit()
    return call


# --- slugs -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Barn i rörelse", "barn-i-rorelse"),
        ("Äldre i Coronatider", "aldre-i-coronatider"),
        ("Välbefinnande bland äldre", "valbefinnande-bland-aldre"),
        ("  Hur ökar vi ÅÄÖ – 2026?! ", "hur-okar-vi-aao-2026"),
        ("Café & idé", "cafe-ide"),
        ("???", "utlysning"),
    ],
)
def test_slugify_transliterates_swedish_letters(title, slug):
    assert services.slugify(title) == slug


def test_slug_is_at_most_80_characters_even_with_a_suffix(db):
    title = "Utmaning " * 20
    first = new_call(title)
    second = new_call(title)
    assert len(first.slug) == 80
    assert first.slug == services.slugify(title)
    assert second.slug.endswith("-2")
    assert len(second.slug) <= 80
    assert second.slug[:-2] == first.slug[:78].rstrip("-")


def test_unique_slug_counts_up(db):
    new_call()
    new_call()
    assert services.unique_slug("Barn i rörelse") == "barn-i-rorelse-3"
    assert services.unique_slug("Barn i rörelse!") == "barn-i-rorelse-3"


@pytest.mark.parametrize("title", ["Ny", "Hantera"])
def test_unique_slug_avoids_the_pages_under_utlysningar(db, title):
    assert services.unique_slug(title) == f"{title.lower()}-2"


# --- creating and editing --------------------------------------------------------------


def test_create_call_is_a_draft_with_default_rules_and_an_audit_entry(db):
    user = make_user(roles={Role.PROCESS_SUPPORT})
    call = new_call(actor=user)
    assert call.published_at is None
    assert call.state == CallState.DRAFT
    assert call.created_by_id == user.id
    assert call.field_rules == {k: str(v) for k, v in RESIDENT_DEFAULT_RULES.items()}
    entry = _db.session.scalar(select(AuditEntry))
    assert (entry.action, entry.actor_id, entry.object_id) == ("call_created", user.id, call.id)


def test_staff_call_defaults_to_the_standing_rules(db):
    call = new_call(audience=Audience.STAFF)
    assert call.field_rules == {k: str(v) for k, v in STANDING_RULES.items()}


def test_project_name_stays_required_whatever_is_sent(db):
    call = new_call(field_rules={"title": "hidden", "timeline": "required"})
    assert call.field_rules["title"] == "required"
    assert call.field_rules["timeline"] == "required"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"question": "Inte en fråga"}, "Skriv problemformuleringen som en fråga"),
        ({"closes_at": NOW - timedelta(days=7)}, "Utlysningen måste stänga efter att den öppnar."),
        ({"max_participants": 0}, "Högsta antal deltagare måste vara minst 1."),
    ],
)
def test_create_call_refuses_what_the_database_would(app, db, overrides, message):
    with pytest.raises(services.CallRefused) as refused:
        new_call(**overrides)
    with app.test_request_context():
        assert str(refused.value.message).startswith(message)


def test_update_call_records_what_changed(db):
    call = new_call()
    changes = services.update_call(
        call, actor=None, expected_version=1, title="Unga i rörelse", focus_areas=[]
    )
    _db.session.commit()
    assert changes["title"] == ["Barn i rörelse", "Unga i rörelse"]
    assert changes["focus_areas"] == [[area().id], []]
    assert call.slug == "barn-i-rorelse"
    assert call.version == 2
    entry = _db.session.scalar(select(AuditEntry).where(AuditEntry.action == "call_updated"))
    assert entry.changes["title"] == ["Barn i rörelse", "Unga i rörelse"]


def test_update_without_changes_writes_nothing(db):
    call = new_call()
    assert services.update_call(call, actor=None, title="Barn i rörelse") == {}
    _db.session.commit()
    assert call.version == 1
    assert _db.session.scalar(select(func.count(AuditEntry.id))) == 1


def test_update_with_an_old_version_is_a_conflict(db):
    call = new_call()
    services.update_call(call, actor=None, expected_version=1, title="Första")
    _db.session.commit()
    with pytest.raises(services.CallConflict):
        services.update_call(call, actor=None, expected_version=1, title="Andra")
    assert call.title == "Första"


def test_a_concurrent_save_fails_at_the_database(db):
    call = new_call()
    # another request saves in between: the row's version moves on
    _db.session.execute(
        update(Call).where(Call.id == call.id).values(version=2),
        execution_options={"synchronize_session": False},
    )
    with pytest.raises(StaleDataError):
        services.update_call(call, actor=None, expected_version=1, title="Andra")
    _db.session.rollback()


def test_published_call_keeps_at_least_one_focus_area(db):
    call = published("Barn i rörelse", opens=-1, closes=10)
    with pytest.raises(services.CallRefused):
        services.update_call(call, actor=None, focus_areas=[])


def test_unknown_fields_are_not_editable(db):
    call = new_call()
    with pytest.raises(TypeError):
        services.update_call(call, actor=None, slug="annan")


# --- publishing ------------------------------------------------------------------------


def test_publish_needs_a_focus_area(app, db):
    call = new_call(focus_areas=[])
    with pytest.raises(services.CallRefused) as refused:
        services.publish_call(call, actor=None)
    with app.test_request_context():
        assert str(refused.value.message) == (
            "Välj minst ett fokusområde innan du publicerar utlysningen."
        )
    assert call.published_at is None


def test_publish_and_unpublish_are_audited(db):
    call = new_call()
    services.publish_call(call, actor=None, now=NOW)
    assert call.published_at == NOW
    assert call.state_at(NOW) == CallState.OPEN
    services.unpublish_call(call, actor=None)
    assert call.published_at is None
    _db.session.commit()
    actions = list(_db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == ["call_created", "call_published", "call_unpublished"]


def test_publishing_twice_changes_nothing(db):
    call = new_call()
    services.publish_call(call, actor=None, now=NOW)
    services.publish_call(call, actor=None, now=NOW + timedelta(days=1))
    assert call.published_at == NOW


# --- visible calls -----------------------------------------------------------------------


@pytest.fixture
def listing(db):
    new_call("Utkast")
    return {
        "open_late": published("Öppen sent", opens=-5, closes=20),
        "open_soon": published("Öppen snart slut", opens=-5, closes=2),
        "upcoming": published("Kommande", opens=3, closes=40),
        "closed": published("Nyss stängd", opens=-60, closes=-10),
        "old": published("Gammal", opens=-200, closes=-91),
        "staff": published("Personal", opens=-5, closes=10, audience=Audience.STAFF),
    }


def test_visible_calls_for_anonymous(listing):
    titles = [c.title for c in services.visible_calls(AnonymousUserMixin(), NOW)]
    assert titles == ["Öppen snart slut", "Öppen sent", "Kommande", "Nyss stängd"]


@pytest.mark.parametrize("role", [Role.EMPLOYEE, Role.PROCESS_SUPPORT, Role.ADMIN])
def test_visible_calls_for_staff(listing, role):
    user = make_user(roles={role})
    titles = [c.title for c in services.visible_calls(user, NOW)]
    assert titles == ["Öppen snart slut", "Personal", "Öppen sent", "Kommande", "Nyss stängd"]


@pytest.mark.parametrize("role", [Role.BOARD, Role.EXPERT, Role.CORE_TEAM])
def test_visible_calls_without_the_employee_role(listing, role):
    user = make_user(roles={role})
    assert "Personal" not in [c.title for c in services.visible_calls(user, NOW)]


# --- status text -------------------------------------------------------------------------


def _closing(days: int, hour: int = 16) -> Call:
    today = NOW.astimezone(STOCKHOLM).date()
    closes = datetime.combine(today + timedelta(days=days), time(hour), STOCKHOLM)
    return Call(opens_at=NOW - timedelta(days=1), closes_at=closes, published_at=NOW)


@pytest.mark.parametrize(
    ("days", "text"),
    [
        (0, "Stänger i dag kl. 16:00"),
        (1, "Stänger i morgon kl. 16:00"),
        (2, "Stänger om 2 dagar"),
        (14, "Stänger om 14 dagar"),
        (15, "Stänger 8 december 2026"),
    ],
)
def test_status_text_for_open_calls(app, days, text):
    with app.test_request_context():
        assert status_text(_closing(days), NOW) == text


def test_status_text_for_scheduled_closed_and_draft(app):
    scheduled = Call(
        opens_at=datetime(2026, 12, 1, 8, tzinfo=UTC),
        closes_at=datetime(2027, 1, 1, tzinfo=UTC),
        published_at=NOW,
    )
    closed = Call(opens_at=NOW - timedelta(days=9), closes_at=NOW, published_at=NOW)
    draft = Call(opens_at=NOW, closes_at=NOW + timedelta(days=1))
    with app.test_request_context():
        assert status_text(scheduled, NOW) == "Öppnar 1 december 2026"
        assert status_text(closed, NOW) == "Stängd"
        assert status_text(draft, NOW) == "Utkast"


# --- demo --------------------------------------------------------------------------------


def test_seed_demo_calls_is_idempotent(db):
    seed_demo_users()
    assert seed_demo_calls() == 3
    _db.session.commit()
    assert seed_demo_calls() == 0
    calls = {c.slug: c for c in _db.session.scalars(select(Call))}
    assert set(calls) == {"barn-i-rorelse", "valbefinnande-bland-aldre", "aldre-i-coronatider"}
    now = utcnow()
    children = calls["barn-i-rorelse"]
    assert children.state_at(now) == CallState.OPEN
    assert children.open_to_residents
    assert children.max_participants == 200
    assert children.host_party.name == "Västerås stad"
    creator = _db.session.scalar(select(User).where(User.email == "processtod@example.org"))
    assert children.created_by_id == creator.id
    assert calls["valbefinnande-bland-aldre"].audience == Audience.STAFF
    assert calls["valbefinnande-bland-aldre"].state_at(now) == CallState.OPEN
    assert calls["aldre-i-coronatider"].state_at(now) == CallState.CLOSED
    assert calls["aldre-i-coronatider"].host_party.name == "Region Sörmland"
