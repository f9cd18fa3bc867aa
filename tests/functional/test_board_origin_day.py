"""Each initiative's origin day (portal/board/origin_day.py) follows its submission, and the
board's funnel counted by it equals the funnel worked out initiative by initiative.

The column is written by triggers only: an initiative made or given another submission, a
submission's day or state changed, all in the same transaction, on both databases.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, update

from portal.board.figures import PHASE_RANK, Scope, funnel
from portal.evaluation.models import Decision, Initiative, Phase
from portal.extensions import db as _db
from portal.reference.models import FocusArea, Party
from portal.submissions.models import Submission
from portal.triage.inbox import RESIDENTS
from tests import board_factories
from tests.board_factories import area_named, initiative_from, make_submission

AREA = "Välmående och självständiga äldre"


def origin_day(initiative: Initiative) -> date | None:
    return _db.session.scalar(
        select(Initiative.origin_submitted_on).where(Initiative.id == initiative.id)
    )


def new_initiative(origin: Submission | None) -> Initiative:
    return board_factories.new_initiative(area_named(AREA), origin)


def test_the_day_follows_the_submission_it_came_from(db):
    taken = make_submission(datetime(2025, 3, 31, 22, 30, tzinfo=UTC), area=AREA)
    initiative = initiative_from(taken)  # triage's accept: in the portfolio, then the initiative
    assert origin_day(initiative) == date(2025, 4, 1)  # the Stockholm day, as the board counts

    # A submission not (yet) in the portfolio gives no day; taking it in gives its day.
    waiting = make_submission(datetime(2025, 6, 2, 9, tzinfo=UTC), area=AREA)
    other = new_initiative(waiting)
    assert origin_day(other) is None
    waiting.state = "in_portfolio"
    _db.session.flush()
    assert origin_day(other) == date(2025, 6, 2)

    # A changed day, set through the ORM or by a plain UPDATE.
    waiting.submitted_at = datetime(2025, 7, 1, 8, tzinfo=UTC)
    _db.session.flush()
    assert origin_day(other) == date(2025, 7, 1)
    _db.session.execute(
        update(Submission).where(Submission.id == waiting.id).values(submitted_on=date(2024, 1, 5))
    )
    assert origin_day(other) == date(2024, 1, 5)

    # Another submission, or none.
    other.origin_submission = None
    _db.session.flush()
    assert origin_day(other) is None
    other.origin_submission = waiting
    _db.session.flush()
    assert origin_day(other) == date(2024, 1, 5)
    assert origin_day(new_initiative(None)) is None

    # It goes back with the transaction that changed it.
    _db.session.commit()
    waiting.submitted_at = datetime(2026, 1, 1, 12, tzinfo=UTC)
    _db.session.flush()
    assert origin_day(other) == date(2026, 1, 1)
    _db.session.rollback()
    assert origin_day(other) == date(2024, 1, 5)


def expected_funnel_phases(scope: Scope) -> tuple[int, int, int, int]:
    """(concept, pilot, implementation, stopped) worked out in Python, one initiative at a
    time, from the initiatives, their submissions and their decisions."""
    portfolio_of = dict(_db.session.execute(select(FocusArea.id, FocusArea.portfolio_id)).all())
    counts = [0, 0, 0, 0]
    for initiative in _db.session.scalars(select(Initiative)):
        s = initiative.origin_submission
        if s is None or s.state != "in_portfolio":
            continue
        if not scope.date_from <= s.submitted_on <= scope.date_to:
            continue
        if scope.portfolio is not None and portfolio_of.get(s.focus_area_id) != scope.portfolio:
            continue
        if scope.source == RESIDENTS and s.party_id is not None:
            continue
        if scope.source not in (None, RESIDENTS) and s.party_id != scope.source:
            continue
        decisions = _db.session.scalars(
            select(Decision).where(Decision.initiative_id == initiative.id)
        ).all()
        ranks = [PHASE_RANK.get(p, 0) for d in decisions for p in (d.from_phase, d.to_phase)]
        reached = max(ranks) if ranks else PHASE_RANK.get(initiative.phase, 0)
        for n, phase in enumerate((Phase.CONCEPT, Phase.PILOT, Phase.IMPLEMENTATION)):
            counts[n] += reached >= PHASE_RANK[phase.value]
        counts[3] += initiative.phase == Phase.CLOSED.value
    return tuple(counts)


def test_the_funnel_counted_by_the_day_equals_it_worked_out_per_initiative(app, db):
    rng = random.Random(18)
    areas = _db.session.scalars(select(FocusArea.name)).all()
    parties = [None, *_db.session.scalars(select(Party.name)).all()]
    steps = [Phase.IDEA, Phase.CONCEPT, Phase.PILOT, Phase.IMPLEMENTATION, Phase.FOLLOW_UP]
    for n in range(120):
        moment = datetime(2022, 1, 1, 10, tzinfo=UTC) + timedelta(days=rng.randrange(3 * 365))
        submission = make_submission(
            moment, party=rng.choice(parties), area=rng.choice(areas), commit=False
        )
        if n % 5 == 0:
            continue  # no initiative
        initiative = new_initiative(submission)
        # Taken in now, later or (one in six) never: a few initiatives whose submission is
        # elsewhere, which the funnel must leave out as before.
        if n % 6:
            submission.state = "in_portfolio"
        # Decisions forwards, back and to a close, straight into the table (as imports and
        # the benchmark write them), the phase set to where the last one led.
        phase = Phase.IDEA
        for _ in range(rng.randrange(4)):
            target = rng.choice([*steps, Phase.CLOSED])
            if phase == Phase.CLOSED:
                break
            _db.session.add(
                Decision(
                    initiative_id=initiative.id,
                    decided_on=moment.date() + timedelta(days=30),
                    from_phase=phase.value,
                    to_phase=target.value,
                    outcome="go_on" if target != Phase.CLOSED else "stop",
                )
            )
            phase = target
        initiative.phase = phase
    _db.session.commit()

    portfolios = [None, *_db.session.scalars(select(FocusArea.portfolio_id).distinct()).all()]
    sources = [None, RESIDENTS, *_db.session.scalars(select(Party.id)).all()]
    scopes = [Scope(date(2022, 1, 1), date(2024, 12, 31))]
    for _ in range(30):
        first = date(2022, 1, 1) + timedelta(days=rng.randrange(3 * 365))
        scopes.append(
            Scope(
                first,
                first + timedelta(days=rng.randrange(1, 3 * 365)),
                rng.choice(portfolios),
                rng.choice(sources),
            )
        )
    with app.test_request_context():
        answers = [(scope, funnel(scope)) for scope in scopes]
    for scope, got in answers:
        assert (got.concept, got.pilot, got.implementation, got.stopped) == (
            expected_funnel_phases(scope)
        ), scope
    everything = answers[0][1]
    assert everything.concept > 10 and everything.stopped > 3  # the data reaches every case
    assert sum(got.concept > 0 for _scope, got in answers) > 10
