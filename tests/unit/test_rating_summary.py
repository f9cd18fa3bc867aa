"""Rating summaries and the rating services: exact averages, updates, locking, jäv."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.audit import AuditEntry
from portal.evaluation import services
from portal.evaluation.models import (
    ConflictOfInterest,
    Initiative,
    Outcome,
    Phase,
    PriorityMeeting,
    Rating,
    RatingRequest,
)
from portal.evaluation.phases import decide
from portal.evaluation.ratings import criteria, summarise
from portal.extensions import db as _db
from portal.reference.models import FocusArea
from tests.factories import make_user

AREA = "Välmående och självständiga äldre"


def make_initiative(phase: Phase = Phase.CONCEPT, title: str = "Promenadvänner") -> Initiative:
    area = _db.session.scalar(select(FocusArea).where(FocusArea.name == AREA))
    initiative = Initiative(title=title, portfolio=area.portfolio, focus_area=area, phase=phase)
    _db.session.add(initiative)
    _db.session.commit()
    return initiative


def asked_expert(initiative: Initiative, **kwargs):
    expert = make_user(roles={Role.EXPERT}, **kwargs)
    _db.session.add(RatingRequest(initiative_id=initiative.id, expert_id=expert.id))
    _db.session.commit()
    return expert


def scores(*values: int, comment: str = "") -> list[services.CriterionRating]:
    return [
        services.CriterionRating(c, v, comment) for c, v in zip(criteria(), values, strict=True)
    ]


def rate(initiative, expert, *values: int) -> None:
    services.save_rating(initiative, scores(*values), actor=expert)
    _db.session.commit()


def lock(initiative, outcome=Outcome.GO_ON, to_phase=Phase.PILOT) -> None:
    meeting = PriorityMeeting(held_on=date(2026, 11, 20), portfolio_id=initiative.portfolio_id)
    _db.session.add(meeting)
    decide(
        initiative,
        outcome=outcome,
        to_phase=to_phase,
        rationale="Går vidare.",
        decided_on=date(2026, 11, 20),
        actor=None,
        meeting=meeting,
    )
    _db.session.commit()


# --- summaries ---------------------------------------------------------------------------


def test_summary_without_ratings_is_empty_and_has_no_zeros(db):
    initiative = make_initiative()
    summary = summarise([initiative.id])[initiative.id]
    assert summary.empty and summary.experts == 0 and summary.overall is None
    assert [(a.average, a.lowest, a.highest, a.count) for a in summary.arms] == [
        (None, None, None, 0)
    ] * 5


def test_summary_of_one_rating_is_that_rating(db):
    initiative = make_initiative()
    rate(initiative, asked_expert(initiative), 5, 4, 3, 2, 1)
    summary = summarise([initiative.id])[initiative.id]
    assert [a.average for a in summary.arms] == [5.0, 4.0, 3.0, 2.0, 1.0]
    assert [(a.lowest, a.highest, a.count) for a in summary.arms][0] == (5, 5, 1)
    assert summary.overall == 3.0 and summary.experts == 1


def test_summary_of_several_ratings_averages_per_criterion_and_overall(db):
    initiative = make_initiative()
    rate(initiative, asked_expert(initiative), 5, 4, 3, 2, 1)
    rate(initiative, asked_expert(initiative), 3, 4, 5, 2, 2)
    rate(initiative, asked_expert(initiative), 4, 1, 4, 2, 3)
    summary = summarise([initiative.id])[initiative.id]
    assert [a.average for a in summary.arms] == pytest.approx([4.0, 3.0, 4.0, 2.0, 2.0])
    assert [(a.lowest, a.highest) for a in summary.arms] == [(3, 5), (1, 4), (3, 5), (2, 2), (1, 3)]
    assert [a.count for a in summary.arms] == [3] * 5
    assert summary.overall == pytest.approx(3.0)
    assert summary.experts == 3


def test_summaries_of_several_initiatives_are_kept_apart(db):
    one, two = make_initiative(title="Ett"), make_initiative(title="Två")
    rate(one, asked_expert(one), 1, 1, 1, 1, 1)
    rate(two, asked_expert(two), 5, 5, 5, 5, 4)
    result = summarise([one.id, two.id])
    assert result[one.id].overall == 1.0
    assert result[two.id].overall == pytest.approx(4.8)


# --- saving, changing, locking ----------------------------------------------------------------


def test_changing_a_rating_replaces_it_and_changes_the_average(db):
    initiative = make_initiative()
    expert, other = asked_expert(initiative), asked_expert(initiative)
    rate(initiative, other, 2, 2, 2, 2, 2)
    rate(initiative, expert, 4, 4, 4, 4, 4)
    assert summarise([initiative.id])[initiative.id].arms[0].average == 3.0
    rate(initiative, expert, 5, 4, 4, 4, 4)
    summary = summarise([initiative.id])[initiative.id]
    assert summary.arms[0].average == 3.5 and summary.arms[0].count == 2
    assert _db.session.query(Rating).filter_by(expert_id=expert.id).count() == 5
    audits = _db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "rated", AuditEntry.actor_id == expert.id)
    ).all()
    assert [a.changes.get("invanarnytta") for a in audits] == [[None, 4], [4, 5]]


def test_saving_needs_a_request_and_every_criterion(db):
    initiative = make_initiative()
    stranger = make_user(roles={Role.EXPERT})
    with pytest.raises(services.EvaluationRefused):
        services.save_rating(initiative, scores(3, 3, 3, 3, 3), actor=stranger)
    expert = asked_expert(initiative)
    with pytest.raises(services.EvaluationRefused):
        services.save_rating(initiative, scores(3, 3, 3, 3, 3)[:4], actor=expert)


@pytest.mark.parametrize(
    ("outcome", "to_phase"),
    [(Outcome.GO_ON, Phase.PILOT), (Outcome.STAY, Phase.CONCEPT), (Outcome.STOP, Phase.CLOSED)],
)
def test_ratings_lock_after_a_meeting_decision_in_concept_phase(db, outcome, to_phase):
    initiative = make_initiative()
    expert = asked_expert(initiative)
    rate(initiative, expert, 3, 3, 3, 3, 3)
    assert not services.ratings_locked(initiative)
    lock(initiative, outcome, to_phase)
    assert services.ratings_locked(initiative)
    with pytest.raises(services.RatingLocked):
        services.save_rating(initiative, scores(5, 5, 5, 5, 5), actor=expert)
    _db.session.rollback()
    assert summarise([initiative.id])[initiative.id].overall == 3.0


def test_a_decision_outside_a_meeting_or_in_another_phase_does_not_lock(db):
    initiative = make_initiative(Phase.IDEA)
    meeting = PriorityMeeting(held_on=date(2026, 11, 20), portfolio_id=initiative.portfolio_id)
    _db.session.add(meeting)
    decide(initiative, outcome=Outcome.GO_ON, to_phase=Phase.CONCEPT, rationale="",
           decided_on=date(2026, 11, 20), actor=None, meeting=meeting)  # fmt: skip
    decide(initiative, outcome=Outcome.STAY, to_phase=Phase.CONCEPT, rationale="",
           decided_on=date(2026, 11, 21), actor=None)  # fmt: skip
    _db.session.commit()
    assert not services.ratings_locked(initiative)


# --- jäv and requests ---------------------------------------------------------------------------


def test_conflict_deletes_the_experts_ratings_and_is_audited(db):
    initiative = make_initiative()
    expert, other = asked_expert(initiative), asked_expert(initiative)
    rate(initiative, expert, 5, 5, 5, 5, 5)
    rate(initiative, other, 1, 1, 1, 1, 1)
    services.declare_conflict(initiative, " Min make leder piloten. ", actor=expert)
    _db.session.commit()
    conflict = _db.session.scalar(select(ConflictOfInterest))
    assert (conflict.expert_id, conflict.reason) == (expert.id, "Min make leder piloten.")
    summary = summarise([initiative.id])[initiative.id]
    assert summary.experts == 1 and summary.overall == 1.0
    actions = [
        e.action
        for e in _db.session.scalars(
            select(AuditEntry).where(AuditEntry.actor_id == expert.id).order_by(AuditEntry.id)
        )
    ]
    assert actions == ["rated", "ratings_deleted_for_conflict", "conflict_declared"]
    with pytest.raises(services.EvaluationRefused):
        services.save_rating(initiative, scores(4, 4, 4, 4, 4), actor=expert)


def test_requests_only_in_concept_phase(app, db):
    expert = make_user(roles={Role.EXPERT})
    actor = make_user(roles={Role.PROCESS_SUPPORT})
    for phase in Phase:
        initiative = make_initiative(phase)
        with app.test_request_context():  # the e-mail is rendered
            if phase == Phase.CONCEPT:
                assert len(services.request_ratings(initiative, [expert], actor=actor).made) == 1
            else:
                with pytest.raises(services.EvaluationRefused):
                    services.request_ratings(initiative, [expert], actor=actor)
    _db.session.rollback()


def test_only_experts_can_be_asked(db):
    initiative = make_initiative()
    employee = make_user(roles={Role.EMPLOYEE})
    actor = make_user(roles={Role.PROCESS_SUPPORT})
    with pytest.raises(services.EvaluationRefused):
        services.request_ratings(initiative, [employee], actor=actor)


def test_a_request_can_be_removed_only_before_the_expert_rates(db):
    initiative = make_initiative()
    actor = make_user(roles={Role.PROCESS_SUPPORT})
    expert = asked_expert(initiative)
    rate(initiative, expert, 3, 3, 3, 3, 3)
    request = services.find_request(initiative, expert)
    with pytest.raises(services.EvaluationRefused):
        services.remove_rating_request(request, actor=actor)
    fresh = asked_expert(initiative)
    services.remove_rating_request(services.find_request(initiative, fresh), actor=actor)
    _db.session.commit()
    assert services.find_request(initiative, fresh) is None
