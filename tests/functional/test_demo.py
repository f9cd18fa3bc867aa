"""The demo goes through the same doors as people (portal/demo.py, portal/demo_clock.py):
every demo submission, triage step, decision and rating is made by the services the forms
call, on its own past day — so its trail is one the state machines allow, its dates are in
order and never ahead of today, and its register records exist."""

from __future__ import annotations

import re
from collections import defaultdict

import pytest
from sqlalchemy import func, select

from portal.audit import AuditEntry
from portal.calls.models import Call
from portal.demo import demo_token, seed_demo_content, seed_demo_users
from portal.evaluation.models import (
    Decision,
    FundingRequest,
    Initiative,
    Insight,
    Rating,
    RatingRequest,
)
from portal.extensions import db as _db
from portal.hub.models import Publication
from portal.privacy.models import SubmissionRecord
from portal.submissions.models import State, Submission
from portal.submissions.services import find_by_token
from portal.submissions.states import ALLOWED
from portal.types import stockholm_day, today_in_stockholm, utcnow


@pytest.fixture
def demo(db):
    seed_demo_users()
    seed_demo_content()
    _db.session.commit()
    return db


def trails(object_type: str) -> dict[int, list[AuditEntry]]:
    by_object = defaultdict(list)
    for entry in _db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.object_type == object_type)
        .order_by(AuditEntry.at, AuditEntry.id)
    ):
        by_object[entry.object_id].append(entry)
    return by_object


def test_every_submission_state_is_reached_by_allowed_transitions_in_time_order(demo):
    submissions = list(_db.session.scalars(select(Submission)))
    by_submission = trails("submissions")
    assert len(submissions) > 50
    for submission in submissions:
        state = State.DRAFT
        moments = []
        for entry in by_submission.get(submission.id, []):
            if "state" in entry.changes:
                before, after = entry.changes["state"]
                assert State(before) == state, (submission.reg_number, entry.action)
                assert State(after) in ALLOWED[state], (submission.reg_number, before, after)
                state = State(after)
            moments.append(entry.at)
        assert state == submission.state, submission.reg_number
        assert moments == sorted(moments)
        if submission.state != State.DRAFT:
            submitted = [e for e in by_submission[submission.id] if e.action == "submitted"]
            assert [e.at for e in submitted] == [submission.submitted_at]


def test_registration_numbers_follow_the_days_and_each_has_its_register_record(demo):
    registered = list(
        _db.session.scalars(
            select(Submission)
            .where(Submission.reg_number.is_not(None))
            .order_by(Submission.reg_year, Submission.reg_seq)
        )
    )
    assert [s.submitted_at for s in registered] == sorted(s.submitted_at for s in registered)
    for submission in registered:
        assert submission.reg_year == stockholm_day(submission.submitted_at).year
    sealed = set(
        _db.session.scalars(
            select(SubmissionRecord.submission_id).where(SubmissionRecord.sequence == 0)
        )
    )
    assert {s.id for s in registered} <= sealed


def test_nothing_in_the_demo_is_dated_after_today(demo):
    now, today = utcnow(), today_in_stockholm()
    assert _db.session.scalar(select(func.max(AuditEntry.at))) <= now
    for decision in _db.session.scalars(select(Decision)):
        assert decision.decided_on <= today
        # Recorded on the day it was taken, as the Core Team records it.
        assert stockholm_day(decision.recorded_at) == decision.decided_on


def test_decisions_ratings_and_requests_have_their_audit_entries(demo):
    initiative_actions = defaultdict(int)
    for entries in trails("initiatives").values():
        for entry in entries:
            initiative_actions[entry.action] += 1
    assert initiative_actions["decision"] == _db.session.scalar(select(func.count(Decision.id)))
    assert initiative_actions["rating_requested"] == _db.session.scalar(
        select(func.count(RatingRequest.id))
    )
    rated = _db.session.scalar(select(func.count(func.distinct(Rating.initiative_id))))
    assert rated and initiative_actions["rated"] == rated
    for initiative in _db.session.scalars(select(Initiative)):
        first = trails("initiatives")[initiative.id][0]
        assert first.action == "created_from_submission"
        assert first.at >= initiative.origin_submission.submitted_at


def test_a_demo_resident_page_opens_by_its_known_link(demo, client):
    submission = next(s for n in range(60) if (s := find_by_token(demo_token(n))) is not None)
    page = client.get(f"/mitt-bidrag/{demo_token(submission.form_key.removeprefix('demo-'))}")
    assert page.status_code == 200
    assert submission.reg_number in page.get_data(as_text=True)


def test_no_two_demo_initiatives_share_a_name(demo):
    titles = _db.session.scalars(select(Initiative.title)).all()
    assert len(titles) >= 20
    assert len(set(titles)) == len(titles), sorted(t for t in titles if titles.count(t) > 1)


def test_no_demo_event_is_dated_before_its_cause(demo):
    """A call is written, then published, then answered; an initiative starts after its
    submission, each decision after its start and the one before; experts are asked once it is
    a concept and rate after being asked; money is asked for once it is a pilot and granted
    after; the hub publishes after what it shows."""
    late = []

    def after(cause, effect, what):
        if effect < cause:
            late.append(f"{what}: {effect} before {cause}")

    for call in _db.session.scalars(select(Call)):
        after(call.created_at, call.published_at, f"call {call.slug} published")
        after(call.published_at, call.opens_at, f"call {call.slug} opens")
    for submission in _db.session.scalars(
        select(Submission).where(Submission.call_id.is_not(None))
    ):
        if submission.submitted_at is not None:
            after(submission.call.opens_at, submission.submitted_at, submission.reg_number)
            after(submission.submitted_at, submission.call.closes_at, submission.reg_number)
    for initiative in _db.session.scalars(select(Initiative)):
        name = initiative.title
        after(initiative.origin_submission.submitted_at, initiative.created_at, name)
        previous = initiative.created_at
        concept_since = pilot_since = None
        for decision in sorted(initiative.decisions, key=lambda d: (d.decided_on, d.id)):
            after(previous, decision.recorded_at, f"{name}: decision")
            after(stockholm_day(initiative.created_at), decision.decided_on, f"{name}: decided")
            previous = decision.recorded_at
            if decision.to_phase == "concept":
                concept_since = decision.recorded_at
            if decision.to_phase == "pilot":
                pilot_since = decision.recorded_at
        for request in _db.session.scalars(
            select(RatingRequest).where(RatingRequest.initiative_id == initiative.id)
        ):
            assert concept_since is not None, name
            after(concept_since, request.requested_at, f"{name}: experts asked")
            for rating in _db.session.scalars(
                select(Rating).where(
                    Rating.initiative_id == initiative.id, Rating.expert_id == request.expert_id
                )
            ):
                after(request.requested_at, rating.updated_at, f"{name}: rated")
        for funding in _db.session.scalars(
            select(FundingRequest).where(FundingRequest.initiative_id == initiative.id)
        ):
            assert pilot_since is not None, name
            after(pilot_since, funding.requested_at, f"{name}: money asked")
            if funding.decided_on is not None:
                after(stockholm_day(funding.requested_at), funding.decided_on, f"{name}: granted")
        for insight in _db.session.scalars(
            select(Insight).where(Insight.initiative_id == initiative.id)
        ):
            after(initiative.created_at, insight.created_at, f"{name}: insight")
            after(stockholm_day(initiative.created_at), insight.noted_on, f"{name}: noted")
            after(insight.noted_on, stockholm_day(insight.created_at), f"{name}: noted ahead")
        publication = _db.session.get(Publication, initiative.id)
        if publication is not None and publication.published:
            after(previous, publication.published_at, f"{name}: published")
    assert not late, "\n".join(late)


def test_a_demo_duplicate_follows_an_earlier_submission_of_the_same_idea(demo):
    duplicates = list(
        _db.session.scalars(select(Submission).where(Submission.state == State.DUPLICATE))
    )
    assert duplicates
    for duplicate in duplicates:
        first = duplicate.duplicate_of
        assert first.submitted_at < duplicate.submitted_at
        assert duplicate.focus_area is not None
        assert first.focus_area.portfolio_id == duplicate.focus_area.portfolio_id
        # Sent again in other words: the two share a word of substance.
        words = {w for w in re.findall(r"\w+", first.purpose.lower()) if len(w) > 4}
        again = set(re.findall(r"\w+", duplicate.purpose.lower()))
        assert words & again, (first.title, duplicate.title)


def test_the_demo_has_the_agreements_figures_each_after_its_initiative_began(demo):
    from portal.board.agreement import agreement_figures
    from portal.board.filters import BoardFilters, load_options
    from portal.evaluation.agreement.models import AgreementEntry

    entries = list(_db.session.scalars(select(AgreementEntry)))
    assert {e.kind for e in entries} == {"students", "collaboration", "partner", "research"}
    for entry in entries:
        initiative = _db.session.get(Initiative, entry.initiative_id)
        assert stockholm_day(initiative.created_at) <= entry.dated_on <= today_in_stockholm()
    actions = _db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.object_type == "agreement_entries")
    ).all()
    assert actions.count("agreement_entry_recorded") == len(entries)
    filters = BoardFilters.from_args({}, load_options(), today_in_stockholm())
    got = {f.key: f.current for f in agreement_figures(filters.scope).figures}
    assert got["students"] > 0 and got["partners"] > 0 and got["collaborations"] > 0
