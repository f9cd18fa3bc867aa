"""The admin rules called directly: self-protection, renames, overlapping periods, search."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.accounts.models import AccountToken, Role, TokenPurpose
from portal.admin import services
from portal.admin.services import RuleViolation
from portal.extensions import db as _db
from portal.reference.models import FocusArea, Perspective
from tests.factories import make_user, party

SKOLA = "Skolresultat"
SKOLA_NOW = "Alla barn och unga uppnår sin fulla potential"


def area(name: str) -> FocusArea:
    return _db.session.scalar(select(FocusArea).where(FocusArea.name == name))


@pytest.fixture(autouse=True)
def swedish_request(app, db):
    """Messages are lazy and translated for a request: give them one, in Swedish."""
    with app.test_request_context():
        yield


@pytest.fixture
def admin(db):
    return make_user(roles={Role.ADMIN}, name="Ada Admin")


def update(user, actor, **overrides):
    values = {
        "name": user.name,
        "email": user.email,
        "party": user.party,
        "roles": set(user.roles),
        "active": user.active,
    }
    services.update_user(user, **{**values, **overrides}, actor=actor)


# --- users ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"roles": {Role.BOARD}}, "roles", "Du kan inte ta bort din egen administratörsroll."),
        ({"roles": set()}, "roles", "Du kan inte ta bort din egen administratörsroll."),
        ({"active": False}, "active", "Du kan inte stänga av ditt eget konto."),
    ],
)
def test_update_user_admin_cannot_lock_themself_out(admin, overrides, field, message):
    with pytest.raises(RuleViolation) as refused:
        update(admin, admin, **overrides)
    assert refused.value.field == field
    assert str(refused.value.message) == message
    assert admin.roles == frozenset({Role.ADMIN})
    assert admin.active is True


def test_update_user_admin_may_change_own_name_and_add_roles(admin):
    update(admin, admin, name="Ada Andersson", roles={Role.ADMIN, Role.BOARD})
    assert admin.name == "Ada Andersson"
    assert admin.roles == frozenset({Role.ADMIN, Role.BOARD})


def test_update_user_deactivation_bumps_the_session_version(admin):
    user = make_user()
    version = user.session_version
    update(user, admin, active=False)
    assert user.active is False
    assert user.session_version == version + 1


def test_update_user_employee_needs_a_party(admin):
    user = make_user(roles={Role.BOARD}, party_name=None)
    with pytest.raises(RuleViolation) as refused:
        update(user, admin, roles={Role.EMPLOYEE})
    assert refused.value.field == "party"
    assert user.roles == frozenset({Role.BOARD})


def test_invite_refuses_an_email_in_use_whatever_its_case(admin):
    make_user(email="kim@example.org")
    with pytest.raises(RuleViolation) as refused:
        services.invite(
            email=" KIM@example.org", name="Kim", party=None, roles={Role.BOARD}, actor=admin
        )
    assert refused.value.field == "email"


def test_resend_invitation_refused_for_a_deactivated_account(admin):
    user = make_user(password=None, active=False)
    with pytest.raises(RuleViolation) as refused:
        services.resend_invitation(user, actor=admin)
    assert str(refused.value.message) == "Kontot är avstängt. Aktivera det först."


def test_resend_invitation_spends_only_older_invitation_links(admin):
    user = services.invite(
        email="lo@example.org", name="Lo", party=None, roles={Role.BOARD}, actor=admin
    )
    _db.session.flush()
    services.resend_invitation(user, actor=admin)
    _db.session.flush()
    tokens = _db.session.scalars(
        select(AccountToken).where(AccountToken.user_id == user.id).order_by(AccountToken.id)
    ).all()
    assert [t.purpose for t in tokens] == [TokenPurpose.INVITE, TokenPurpose.INVITE]
    assert tokens[0].used_at is not None
    assert tokens[1].used_at is None


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, ["Ada Admin", "Bea Berg", "Cay Cox", "Dag 100% Dal"]),
        ({"text": "BERG"}, ["Bea Berg"]),
        ({"text": "cox@"}, ["Cay Cox"]),
        ({"text": "100%"}, ["Dag 100% Dal"]),
        ({"text": "_"}, []),
        ({"role": "expert"}, ["Bea Berg", "Cay Cox"]),
        ({"status": "invited"}, ["Cay Cox"]),
        ({"status": "deactivated"}, ["Dag 100% Dal"]),
        ({"status": "active"}, ["Ada Admin", "Bea Berg"]),
        ({"role": "expert", "status": "active"}, ["Bea Berg"]),
    ],
)
def test_user_query_filters(admin, filters, expected):
    make_user(name="Bea Berg", email="bea@example.org", roles={Role.EXPERT})
    make_user(name="Cay Cox", email="cox@example.org", roles={Role.EXPERT}, password=None)
    make_user(name="Dag 100% Dal", email="dag@example.org", active=False)
    found = _db.session.scalars(services.user_query(**filters)).all()
    assert [u.name for u in found] == expected


# --- parties ----------------------------------------------------------------------------


def test_update_party_refuses_left_before_joined(admin):
    region = party("Region Sörmland")
    with pytest.raises(RuleViolation) as refused:
        services.update_party(
            region,
            name=region.name,
            short_name=region.short_name,
            kind=region.kind,
            joined_on=date(2014, 1, 1),
            left_on=date(2013, 12, 31),
            note="",
            actor=admin,
        )
    assert refused.value.field == "left_on"
    assert region.left_on is None


def test_update_party_may_keep_its_own_name(admin):
    region = party("Region Sörmland")
    services.update_party(
        region,
        name="Region Sörmland",
        short_name="Region Sö",
        kind="region",
        joined_on=date(2014, 1, 1),
        left_on=date(2021, 12, 31),
        note="Lämnade vid årsskiftet.",
        actor=admin,
    )
    assert region.left_on == date(2021, 12, 31)


# --- focus areas ------------------------------------------------------------------------


def test_rename_focus_area_inherits_a_planned_end(admin):
    current = area(SKOLA_NOW)
    current.valid_to = date(2027, 12, 31)
    renamed = services.rename_focus_area(
        current, new_name="Barn och unga", effect_goal="", valid_from=date(2026, 1, 1), actor=admin
    )
    assert current.valid_to == date(2025, 12, 31)
    assert renamed.valid_to == date(2027, 12, 31)
    assert renamed.portfolio is current.portfolio
    assert renamed.renamed_from is current


def test_rename_focus_area_after_it_ended_is_refused(admin):
    current = area(SKOLA_NOW)
    current.valid_to = date(2024, 12, 31)
    with pytest.raises(RuleViolation) as refused:
        services.rename_focus_area(
            current,
            new_name="Barn och unga",
            effect_goal="",
            valid_from=date(2025, 1, 1),
            actor=admin,
        )
    assert refused.value.field == "valid_from"
    assert current.valid_to == date(2024, 12, 31)


def test_rename_focus_area_of_an_earlier_name_is_refused(admin):
    with pytest.raises(RuleViolation) as refused:
        services.rename_focus_area(
            area(SKOLA),
            new_name="Något nytt",
            effect_goal="",
            valid_from=date(2022, 1, 1),
            actor=admin,
        )
    assert refused.value.field == "new_name"
    assert area("Något nytt") is None


def test_rename_focus_area_the_day_after_start_is_allowed(admin):
    current = area(SKOLA_NOW)
    renamed = services.rename_focus_area(
        current, new_name="Barn och unga", effect_goal="", valid_from=date(2023, 1, 2), actor=admin
    )
    assert current.valid_to == date(2023, 1, 1)
    assert renamed.valid_from == date(2023, 1, 2)


@pytest.mark.parametrize(
    ("valid_from", "valid_to", "refused"),
    [
        (date(2021, 1, 1), date(2022, 12, 31), False),
        (date(2021, 1, 1), date(2023, 1, 1), True),  # runs into the successor
        (date(2020, 1, 1), None, True),  # open-ended: covers the successor
        (date(2020, 1, 1), date(2020, 12, 31), False),
    ],
)
def test_update_focus_area_periods_may_not_overlap(admin, valid_from, valid_to, refused):
    old = area(SKOLA)
    kwargs = {
        "name": SKOLA,
        "effect_goal": old.effect_goal,
        "valid_from": valid_from,
        "valid_to": valid_to,
        "actor": admin,
    }
    if refused:
        with pytest.raises(RuleViolation) as violation:
            services.update_focus_area(old, **kwargs)
        assert violation.value.field == "valid_from"
    else:
        services.update_focus_area(old, **kwargs)
        assert (old.valid_from, old.valid_to) == (valid_from, valid_to)


def test_portfolios_are_listed_by_their_current_name(admin):
    names = [p.current.name for p in services.portfolios()]
    assert names == [SKOLA_NOW, "Välmående och självständiga äldre"]


# --- perspectives -----------------------------------------------------------------------


def test_create_perspective_goes_last_by_default(admin):
    created = services.create_perspective(name="Jämställdhet", actor=admin)
    highest = max(p.position for p in _db.session.scalars(select(Perspective)))
    assert created.position == highest == 10
    assert created.active is True


def test_update_perspective_refuses_another_perspectives_name(admin):
    target = _db.session.scalar(select(Perspective).where(Perspective.name == "Trygghet"))
    with pytest.raises(RuleViolation) as refused:
        services.update_perspective(
            target, name="digital teknik", position=1, active=True, actor=admin
        )
    assert refused.value.field == "name"
    assert target.name == "Trygghet"
