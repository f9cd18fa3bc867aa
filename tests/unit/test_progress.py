"""The submitter's timeline (portal/hub/progress.py): what shows, in which order, what never
shows (ratings, jäv, internal rationales and notes, staff names), and its query count."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import event

from portal.accounts.models import Role
from portal.extensions import db as _db
from portal.hub import progress
from portal.hub import services as hub
from portal.submissions.milestones import MilestoneKind as K
from portal.submissions.models import State
from portal.triage import services as triage
from tests.factories import make_user
from tests.hub_factories import make_hub_initiative, make_origin
from tests.progress_factories import (
    ANSWER,
    INTERNAL,
    PUBLIC_RATIONALE,
    QUESTION,
    resident_submission,
    whole_path,
)


@pytest.fixture
def request_context(app, db):
    with app.test_request_context():
        yield


def everything_said(milestones) -> str:
    return "\n".join(
        f"{m.label} {m.text} {m.quote} {m.link_url or ''} {m.link_text or ''}" for m in milestones
    )


def test_the_whole_path_shows_every_milestone_in_order(request_context):
    path = whole_path()
    milestones = progress.milestones_for(path.submission)
    assert [m.kind for m in milestones] == [
        K.RECEIVED,
        K.INFO_REQUESTED,
        K.INFO_GIVEN,
        K.IN_PORTFOLIO,
        K.PHASE_CHANGE,
        K.PHASE_CHANGE,
        K.FUNDING_GRANTED,
        K.PILOT_OUTCOME,
        K.PUBLISHED,
    ]
    by_kind = {m.kind: m for m in milestones}
    assert path.submission.reg_number in by_kind[K.RECEIVED].text
    assert by_kind[K.INFO_REQUESTED].quote == QUESTION
    assert by_kind[K.INFO_GIVEN].quote == ANSWER
    assert "Välmående och självständiga äldre" in by_kind[K.IN_PORTFOLIO].text
    assert "40\u00a0000\u00a0kr" in by_kind[K.FUNDING_GRANTED].text
    assert by_kind[K.FUNDING_GRANTED].at == path.days["funding"]
    assert "Total framgång" in by_kind[K.PILOT_OUTCOME].text
    # The phase as the public knows it today: not the one a decision dated ahead leads to.
    assert [m.phase for m in milestones if m.phase] == [
        "Idéfas",
        "Konceptfas",
        "Pilotfas",
        "Implementeringsfas",
    ]
    published = by_kind[K.PUBLISHED]
    assert published.link_url == f"/hubb/{path.initiative.id}-promenadvanner"
    assert isinstance(published.at, datetime)


def test_only_the_published_rationale_shows(request_context):
    milestones = progress.milestones_for(whole_path().submission)
    concept, pilot = [m for m in milestones if m.kind == K.PHASE_CHANGE]
    assert concept.quote == PUBLIC_RATIONALE
    assert "från Idéfas till Konceptfas" in concept.text
    assert pilot.quote == ""


def test_nothing_internal_ever_shows(request_context):
    path = whole_path()
    said = everything_said(progress.milestones_for(path.submission))
    for word in INTERNAL.values():
        assert word not in said
    for name in ("Petra Processtöd", "Erik Expert"):
        assert name not in said
    assert "900" not in said  # the refused request
    assert "Framtida beslut" not in said and "Uppföljning" not in said  # dated after today


def test_an_unpublished_initiative_has_no_hub_link_and_no_rationale(request_context):
    path = whole_path(publish=False)
    milestones = progress.milestones_for(path.submission)
    assert K.PUBLISHED not in [m.kind for m in milestones]
    assert all(m.link_url is None for m in milestones)
    assert PUBLIC_RATIONALE not in everything_said(milestones)  # never ticked public


def test_an_unpublished_again_initiative_loses_its_link(request_context):
    path = whole_path()
    hub.unpublish(path.initiative, actor=path.staff)
    _db.session.commit()
    assert K.PUBLISHED not in [m.kind for m in progress.milestones_for(path.submission)]


def test_a_decline_shows_its_reason_and_a_reopening(request_context):
    staff = make_user(roles={Role.PROCESS_SUPPORT})
    submission, _token = resident_submission()
    triage.decline(submission, "Utanför Samhällskontraktets uppdrag.", actor=staff)
    triage.reopen(submission, actor=staff)
    triage.decline(submission, "Andra gången: utanför uppdraget.", actor=staff)
    _db.session.commit()
    milestones = progress.milestones_for(submission)
    assert [m.kind for m in milestones] == [K.RECEIVED, K.DECLINED, K.REOPENED, K.DECLINED]
    assert milestones[-1].quote == "Andra gången: utanför uppdraget."
    assert staff.name not in everything_said(milestones)


def test_a_withdrawal_and_a_completion_without_a_question(request_context):
    submission, _token = resident_submission()
    from portal.submissions import services

    services.complete(submission, {"purpose": "Mer om behovet."}, actor=None)
    services.withdraw(submission, actor=None)
    _db.session.commit()
    kinds = [m.kind for m in progress.milestones_for(submission)]
    assert kinds == [K.RECEIVED, K.COMPLETED, K.WITHDRAWN]


def test_a_duplicate_of_an_unpublished_one_names_only_the_focus_area(request_context):
    staff = make_user(roles={Role.PROCESS_SUPPORT})
    original = make_origin(title="Någon annans idé", purpose="Någon annans hemliga text.")
    make_hub_initiative("Annans initiativ", origin=original, publish=False)
    submission, _token = resident_submission()
    triage.mark_duplicate(submission, original.reg_number, actor=staff)
    _db.session.commit()
    milestones = progress.milestones_for(submission)
    assert [m.kind for m in milestones] == [K.RECEIVED, K.DUPLICATE]
    duplicate = milestones[-1]
    assert "en tidigare inlämning i fokusområdet Välmående och självständiga äldre" in (
        duplicate.text
    )
    assert duplicate.link_url is None
    said = everything_said(milestones)
    for private in ("Någon annans", "Annans initiativ", "Kim Invånare", original.reg_number):
        assert private not in said


def test_a_duplicate_of_a_published_one_links_its_hub_page(request_context):
    staff = make_user(roles={Role.PROCESS_SUPPORT})
    original = make_origin(title="Någon annans idé")
    initiative = make_hub_initiative("Promenadvänner", origin=original)
    submission, _token = resident_submission()
    triage.mark_duplicate(submission, original.reg_number, actor=staff)
    _db.session.commit()
    duplicate = progress.milestones_for(submission)[-1]
    assert duplicate.kind == K.DUPLICATE
    assert duplicate.link_url == f"/hubb/{initiative.id}-promenadvanner"
    assert "initiativet ”Promenadvänner”" in duplicate.text
    assert "Någon annans" not in duplicate.text


def test_a_draft_has_no_milestones(request_context):
    from portal.submissions import services

    draft = services.save_draft(None, {"title": "Utkast"}, actor=make_user())
    assert draft.state == State.DRAFT
    assert progress.milestones_for(draft) == []


def count_queries(call) -> int:
    statements = []

    def listen(conn, cursor, statement, *args):
        statements.append(statement)

    engine = _db.engine
    event.listen(engine, "before_cursor_execute", listen)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    return len(statements)


def test_the_query_count_does_not_grow_with_the_history(request_context):
    short = whole_path(decisions=3)
    long = whole_path(decisions=12)
    _db.session.expire_all()
    assert len(progress.milestones_for(long.submission)) > len(
        progress.milestones_for(short.submission)
    )
    _db.session.expire_all()
    first = count_queries(lambda: progress.milestones_for(short.submission))
    _db.session.expire_all()
    second = count_queries(lambda: progress.milestones_for(long.submission))
    assert first == second
    assert second <= 5


def test_an_answer_without_a_question_is_refused(request_context):
    from portal.submissions import services

    submission, _token = resident_submission()
    with pytest.raises(services.SubmissionRefused, match="ingen fråga att svara på"):
        services.complete(submission, {}, actor=None, answer="Ett svar.")
    assert submission.info_answer == ""


def test_an_answer_over_the_limit_is_refused_whole(request_context):
    from portal.submissions import services

    staff = make_user(roles={Role.PROCESS_SUPPORT})
    submission, _token = resident_submission()
    triage.request_info(submission, QUESTION, actor=staff)
    with pytest.raises(services.TextTooLong) as refused:
        services.complete(submission, {"purpose": "Nytt."}, actor=None, answer="x" * 4001)
    assert list(refused.value.errors) == ["info_answer"]
    assert submission.state == State.AWAITING_INFO
    assert submission.purpose == "Äldre går ut tillsammans."


def test_a_new_question_clears_the_last_answer(request_context):
    from portal.submissions import services

    staff = make_user(roles={Role.PROCESS_SUPPORT})
    submission, _token = resident_submission()
    triage.request_info(submission, QUESTION, actor=staff)
    services.complete(submission, {}, actor=None, answer=ANSWER)
    triage.request_info(submission, "En fråga till?", actor=staff)
    assert submission.info_answer == ""
    _db.session.commit()
    quotes = [m.quote for m in progress.milestones_for(submission) if m.quote]
    assert quotes == [QUESTION, ANSWER, "En fråga till?"]
