"""The funnel and the follow-up figures against a hand-counted fixture: a quarter (Q1 2026)
and the 90 days before it (3 October – 31 December 2025)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.board.figures import (
    BudgetLine,
    Funnel,
    PartyEmployees,
    Scope,
    follow_up,
    funnel,
)
from portal.board.inflow import RESIDENTS
from portal.evaluation.models import FundingRequest, Rating
from portal.extensions import db as _db
from portal.reference.models import Criterion
from tests.board_factories import area_named, initiative_from, make_submission, party_named
from tests.factories import make_user
from tests.process_factories import make_funding, set_budget

SCHOOL = "Alla barn och unga uppnår sin fulla potential"
ELDERLY = "Välmående och självständiga äldre"
Q1 = Scope(date(2026, 1, 1), date(2026, 3, 31))


def at(*args) -> datetime:
    return datetime(*args, 12, tzinfo=UTC)


@pytest.fixture
def fixture(db):
    """Q1 2026: a–g and a draft; the previous period: h, i. Comments say what each counts as."""
    core = make_user(roles={Role.CORE_TEAM})
    a = make_submission(at(2026, 1, 10), party="Västerås stad", area="Skolresultat")  # renamed
    b = make_submission(at(2026, 1, 20), party="Eskilstuna kommun", area=SCHOOL, kind="challenge")
    make_submission(at(2026, 2, 1), area=SCHOOL, state="declined")  # c: a resident's
    make_submission(at(2026, 2, 2), area=ELDERLY, kind="challenge", state="duplicate")  # d
    make_submission(at(2026, 2, 3), party="Västerås stad", state="withdrawn")  # e
    make_submission(at(2026, 2, 4), party="Mälardalens universitet")  # f: still open
    g = make_submission(at(2026, 2, 5), party="Eskilstuna kommun", area=ELDERLY)
    make_submission(None, party="Region Sörmland", state="draft")  # never counts
    h = make_submission(at(2025, 11, 15), party="Västerås stad", area=ELDERLY)
    make_submission(at(2025, 11, 16), kind="challenge")  # i: a resident's, open

    # A reached a pilot and was then stopped; B stays in Idéfas; C reached implementation.
    initiative_a = initiative_from(
        a,
        ("go_on", "concept", date(2026, 2, 1)),
        ("go_on", "pilot", date(2026, 3, 1)),
        ("stop", "closed", date(2026, 3, 20)),
        actor=core,
    )
    initiative_from(b)
    initiative_c = initiative_from(
        g,
        ("go_on", "concept", date(2026, 2, 10)),
        ("go_on", "pilot", date(2026, 3, 10)),
        ("pilot_success", "implementation", date(2026, 3, 25)),
        actor=core,
    )
    initiative_from(h, ("stop", "closed", date(2025, 12, 1)), actor=core)  # D: rejected

    from portal.evaluation.insights.services import record_insight

    record_insight(initiative_c, noted_on=date(2026, 3, 30), text="Lärdom.", actor=core)
    record_insight(initiative_a, noted_on=date(2025, 12, 20), text="Tidigare.", actor=core)
    make_funding(initiative_c, 150_000, status="granted", decided_on=date(2026, 3, 12))
    make_funding(initiative_a, 40_000, status="granted", decided_on=date(2025, 12, 30))
    make_funding(initiative_c, 30_000)  # requested, not decided
    make_funding(initiative_c, 20_000, status="rejected", decided_on=date(2026, 3, 13))
    set_budget(2026, 1_000_000)

    expert = make_user(roles={Role.EXPERT}, party_name="Region Sörmland")
    criterion = _db.session.scalars(select(Criterion)).first()
    _db.session.add(
        Rating(
            initiative_id=initiative_c.id,
            expert_id=expert.id,
            criterion_id=criterion.id,
            score=4,
            updated_at=datetime(2026, 2, 20, 9, tzinfo=UTC),
        )
    )
    _db.session.commit()
    assert _db.session.query(FundingRequest).count() == 4
    return {"a": initiative_a, "c": initiative_c}


def test_previous_period_has_the_same_length_just_before():
    assert Q1.previous == Scope(date(2025, 10, 3), date(2025, 12, 31))
    assert Scope(date(2026, 3, 1), date(2026, 3, 1)).previous == Scope(
        date(2026, 2, 28), date(2026, 2, 28)
    )


def test_funnel_counts_how_far_the_periods_submissions_came(fixture):
    assert funnel(Q1) == Funnel(
        received=7,
        in_portfolio=3,
        concept=2,  # A (later stopped) and C
        pilot=2,
        implementation=1,  # C
        still_open=1,
        declined=1,
        duplicate=1,
        withdrawn=1,
        stopped=1,  # A
    )


def test_funnel_by_focus_area_counts_renamed_area_together(fixture):
    school = area_named(SCHOOL).portfolio_id
    assert funnel(Scope(Q1.date_from, Q1.date_to, portfolio=school)) == Funnel(
        received=3, in_portfolio=2, concept=1, pilot=1, implementation=0,
        still_open=0, declined=1, duplicate=0, withdrawn=0, stopped=1,
    )  # fmt: skip


def test_funnel_by_source(fixture):
    vasteras = Scope(Q1.date_from, Q1.date_to, source=party_named("Västerås stad").id)
    assert funnel(vasteras).received == 2  # a and e
    assert funnel(vasteras).withdrawn == 1
    residents = funnel(Scope(Q1.date_from, Q1.date_to, source=RESIDENTS))
    assert (residents.received, residents.declined, residents.duplicate) == (2, 1, 1)


def test_funnel_of_an_empty_period_is_all_zero(fixture):
    assert funnel(Scope(date(2024, 1, 1), date(2024, 12, 31))) == Funnel(*[0] * 10)


def test_follow_up_figures_beside_the_previous_period(fixture):
    result = follow_up(Q1)
    got = {f.key: (f.current, f.previous) for f in result.figures}
    assert got == {
        "ideas": (5, 1),  # a c e f g | h
        "needs": (2, 1),  # b d | i
        "evaluated": (2, 1),  # A, C | D
        "rejected": (0, 1),  # A was stopped from Pilotfas, not as an idea | D
        "piloted": (2, 0),
        "prototypes": (2, 0),
        "pilots": (2, 0),
        "insights": (1, 1),
        "granted": (150_000, 40_000),
    }
    assert result.budgets == [BudgetLine(2026, 1_000_000, 150_000)]
    assert result.budgets[0].left_kr == 850_000


def test_follow_up_employees_per_party_count_distinct_people(fixture):
    names = {
        party_named(n).id: n
        for n in (
            "Västerås stad",
            "Eskilstuna kommun",
            "Mälardalens universitet",
            "Region Sörmland",
        )
    }
    got = {names[e.party_id]: (e.current, e.previous) for e in follow_up(Q1).employees}
    assert got == {
        "Västerås stad": (1, 1),  # one person sent a and e; h before
        "Eskilstuna kommun": (1, 0),
        "Mälardalens universitet": (1, 0),
        "Region Sörmland": (1, 0),  # the expert who rated C
    }


def test_follow_up_with_a_source_filter(fixture):
    eskilstuna = party_named("Eskilstuna kommun").id
    result = follow_up(Scope(Q1.date_from, Q1.date_to, source=eskilstuna))
    got = {f.key: f.current for f in result.figures}
    assert got["ideas"] == 1 and got["needs"] == 1
    assert got["evaluated"] == 1  # C came from Eskilstuna; A from Västerås
    assert got["granted"] == 150_000
    assert result.employees == [PartyEmployees(eskilstuna, 1, 0)]
    residents = follow_up(Scope(Q1.date_from, Q1.date_to, source=RESIDENTS))
    assert residents.employees == []


def test_follow_up_of_an_empty_period(fixture):
    result = follow_up(Scope(date(2024, 1, 1), date(2024, 3, 31)))
    assert all((f.current, f.previous) == (0, 0) for f in result.figures)
    assert result.employees == []
    assert result.budgets == [BudgetLine(2024, None, 0)]


def test_summarised_figures_equal_a_direct_count_over_random_data(db):
    """The funnel's states and the ideas and needs (read once from the monthly summary and
    the partial months at the edges) and the decision figures (grouped per initiative) equal
    counts made directly from submissions and decisions, for spans that start and end
    mid-month, whole months and a span within one month."""
    import random

    from portal.evaluation.models import Decision
    from portal.submissions.models import Submission

    rng = random.Random(18)
    core = make_user(roles={Role.CORE_TEAM})
    parties = ["Västerås stad", "Eskilstuna kommun", None]
    areas = [SCHOOL, ELDERLY, None]
    states = ["received", "awaiting_info", "declined", "duplicate", "withdrawn", "in_portfolio"]
    made = []
    for _ in range(120):
        at = (
            datetime(2025, 1, 1, 12, tzinfo=UTC)
            + (datetime(2026, 6, 30, tzinfo=UTC) - datetime(2025, 1, 1, tzinfo=UTC)) * rng.random()
        )
        made.append(
            make_submission(
                at,
                party=rng.choice(parties),
                area=rng.choice(areas),
                kind=rng.choice(["idea", "challenge"]),
                state=rng.choice(states),
                commit=False,
            )
        )
    _db.session.commit()
    moves = [("go_on", "concept"), ("go_on", "pilot"), ("stop", "closed")]
    for submission in rng.sample([s for s in made if s.focus_area is not None], 25):
        day = submission.submitted_on
        steps = []
        for outcome, phase in moves[: rng.randint(0, 3)]:
            day = day + (date(2026, 1, 1) - date(2025, 12, 1)) * rng.randint(0, 3)
            steps.append((outcome, phase, min(day, date(2026, 6, 30))))
        initiative_from(submission, *steps, actor=core)

    def on_idea(d) -> bool:
        return d.from_phase in ("idea", "concept")

    school = area_named(SCHOOL).portfolio_id
    for scope in (
        Scope(date(2025, 2, 14), date(2026, 5, 9)),
        Scope(date(2025, 3, 1), date(2026, 2, 28), source=party_named("Västerås stad").id),
        Scope(date(2025, 6, 3), date(2026, 6, 20), portfolio=school),
        Scope(date(2025, 6, 3), date(2025, 6, 27), source=RESIDENTS),
    ):
        in_scope = [
            s
            for s in _db.session.scalars(select(Submission).where(Submission.state != "draft"))
            if scope.date_from <= s.submitted_on <= scope.date_to
            and (scope.portfolio is None or (s.focus_area and s.focus_area.portfolio_id == school))
            and (
                scope.source is None
                or (scope.source == RESIDENTS and s.party_id is None)
                or s.party_id == scope.source
            )
        ]
        got = funnel(scope)
        assert got.received == len(in_scope)
        for state in ("in_portfolio", "declined", "duplicate", "withdrawn"):
            assert getattr(got, state) == sum(s.state == state for s in in_scope), state
        assert got.still_open == sum(s.state in ("received", "awaiting_info") for s in in_scope)
        figures = {f.key: f for f in follow_up(scope).figures}
        assert figures["ideas"].current == sum(s.kind == "idea" for s in in_scope)
        assert figures["needs"].current == sum(s.kind == "challenge" for s in in_scope)

        decisions = list(_db.session.scalars(select(Decision)))
        for period, which in ((scope, "current"), (scope.previous, "previous")):
            chosen = [
                d
                for d in decisions
                if period.date_from <= d.decided_on <= period.date_to
                and (scope.portfolio is None or d.initiative.portfolio_id == school)
                and (
                    scope.source is None
                    or (
                        scope.source == RESIDENTS
                        and d.initiative.origin_submission.party_id is None
                    )
                    or d.initiative.origin_submission.party_id == scope.source
                )
            ]

            def distinct(condition, chosen=chosen):
                return len({d.initiative_id for d in chosen if condition(d)})

            expected = {
                "evaluated": distinct(on_idea),
                "rejected": distinct(lambda d: on_idea(d) and d.to_phase == "closed"),
                "piloted": distinct(lambda d: d.from_phase == "concept" and d.to_phase == "pilot"),
                "prototypes": distinct(
                    lambda d: d.to_phase == "concept" and d.from_phase != "concept"
                ),
                "pilots": distinct(lambda d: d.to_phase == "pilot"),
            }
            for key, value in expected.items():
                assert getattr(figures[key], which) == value, (scope, key, which)
