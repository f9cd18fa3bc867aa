"""The demo goes through the same doors as people (portal/demo.py, portal/demo_clock.py):
every demo submission, triage step, decision and rating is made by the services the forms
call, on its own past day — so its trail is one the state machines allow, its dates are in
order and never ahead of today, and its register records exist."""

from __future__ import annotations

from collections import defaultdict

import pytest
from sqlalchemy import func, select

from portal.audit import AuditEntry
from portal.demo import demo_token, seed_demo_content, seed_demo_users
from portal.evaluation.models import Decision, Initiative, Rating, RatingRequest
from portal.extensions import db as _db
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
