"""The board's figures cached per data version (portal/board/version.py): a second look
with no change in between counts nothing again, and right after any change the board counts
is made, in whatever table, the page shows it."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.board import version
from portal.evaluation.models import Initiative, InnovationBudget
from portal.extensions import db as _db
from portal.submissions.models import Submission
from tests.board_factories import initiative_from, make_submission
from tests.functional.test_board import table
from tests.functional.test_inbox import count_statements

H1 = "/styrelsen?from=2026-01-01&to=2026-06-30"


@pytest.fixture
def board(login_as):
    return login_as(Role.BOARD)


def funnel_of(client) -> dict[str, list[int]]:
    return table(client.get(H1).get_data(as_text=True), "funnel-table")[1]


def test_a_second_look_reads_only_the_version(app, client, board):
    make_submission(datetime(2026, 2, 1, 9, tzinfo=UTC), party="Västerås stad")
    client.get(H1)
    first = count_statements(app, client, H1)
    again = count_statements(app, client, H1)
    assert again == first
    version.forget()
    counted = count_statements(app, client, H1)
    assert counted >= again + 9  # the inflow, the funnel and seven follow-up statements


def test_the_page_is_right_after_each_kind_of_change(client, board):
    submission = make_submission(
        datetime(2026, 2, 1, 9, tzinfo=UTC), party="Västerås stad", area="Skolresultat"
    )
    assert funnel_of(client)["Inkomna"] == [1]
    make_submission(datetime(2026, 3, 1, 9, tzinfo=UTC))
    assert funnel_of(client)["Inkomna"] == [2]  # a new submission

    submission.state = "declined"
    _db.session.commit()
    assert funnel_of(client)["I portfölj"] == [0]
    initiative = initiative_from(submission)  # into the portfolio (a state change)
    assert funnel_of(client)["I portfölj"] == [1]

    from portal.evaluation.phases import decide

    core = _db.session.scalar(select(Initiative.created_by_id)) or None
    decide(initiative, outcome="go_on", to_phase="concept", decided_on=date(2026, 4, 1),
           rationale="Beslut.", actor=core)  # fmt: skip
    _db.session.commit()
    assert funnel_of(client)["Konceptfas"] == [1]  # a decision alone

    _db.session.delete(_db.session.get(Submission, make_submission(None, state="draft").id))
    _db.session.commit()
    _db.session.add(InnovationBudget(year=2026, amount_kr=123_456))
    _db.session.commit()
    assert "123" in client.get(H1).get_data(as_text=True)  # a budget


def test_the_version_moves_on_a_counted_change_and_not_on_a_draft_text(db):
    submission = make_submission(None, state="draft")
    before = version.current()
    assert before is not None
    submission.purpose = "Bara text i ett utkast."
    _db.session.commit()
    assert version.current() == before
    submission.kind = "challenge"
    _db.session.commit()
    assert version.current() != before
