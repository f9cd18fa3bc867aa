"""What keeps the inbox fast at 100 000 submissions gives the same answers as the slow way.

The counts per state kept by triggers (portal/triage/counts.py) must equal a count over the
submissions after any mix of inserts, changes of state and deletes; and free text on
PostgreSQL, which searches the newest rows first and the rest through the GIN index, must
find exactly the newest matches, in order, on either side of that window.
"""

from __future__ import annotations

import re

from sqlalchemy import delete, func, select, update

from portal.accounts.models import Role
from portal.extensions import db as _db
from portal.submissions.models import Submission
from portal.triage import search
from portal.triage.counts import kept_totals
from tests.functional.test_inbox import add, listed, row


def counted() -> dict[str, int]:
    return dict(
        _db.session.execute(select(Submission.state, func.count()).group_by(Submission.state)).all()
    )


def kept() -> dict[str, int]:
    return {state: n for state, n in kept_totals().items() if n}


def test_kept_counts_follow_inserts_state_changes_and_deletes(db):
    assert kept() == {}
    add(*(row(n, state=s) for n, s in enumerate(["received"] * 4 + ["declined"] * 2, 1)))
    add(row(7, state="draft"))
    assert kept() == counted() == {"received": 4, "declined": 2, "draft": 1}

    # One submission through the ORM, as triage does it; several in one statement.
    first = _db.session.scalar(select(Submission).where(Submission.reg_seq == 1))
    first.state = "awaiting_info"
    _db.session.commit()
    _db.session.execute(
        update(Submission).where(Submission.reg_seq.in_([2, 3])).values(state="in_portfolio")
    )
    # A change that leaves the state as it was, and one of another column only.
    _db.session.execute(
        update(Submission).where(Submission.state == "declined").values(state="declined")
    )
    _db.session.execute(update(Submission).values(title="Ny titel"))
    _db.session.commit()
    assert kept() == counted()
    assert kept() == {
        "received": 1,
        "awaiting_info": 1,
        "in_portfolio": 2,
        "declined": 2,
        "draft": 1,
    }

    _db.session.execute(delete(Submission).where(Submission.state == "declined"))
    _db.session.commit()
    assert kept() == counted()
    assert "declined" not in kept()


def test_kept_counts_roll_back_with_the_transaction(db):
    add(row(1, state="received"))
    _db.session.execute(update(Submission).values(state="withdrawn"))
    _db.session.rollback()
    assert kept() == counted() == {"received": 1}


def test_unfiltered_inbox_tabs_show_the_kept_counts(client, login_as):
    login_as(Role.PROCESS_SUPPORT)
    add(*(row(n, state="received") for n in (1, 2, 3)), row(4, state="declined"))
    add(row(5, state="draft"))
    for url in ("/inkorg", "/inkorg?state=declined", "/inkorg?sort=title"):
        html = client.get(url).get_data(as_text=True)
        assert re.search(r'Inkommen <span class="badge">3</span>', html), url
        assert re.search(r'Avslagen <span class="badge">1</span>', html), url
        assert re.search(r'Öppna <span class="badge">3</span>', html), url
        assert re.search(r'Alla <span class="badge">4</span>', html), url  # never drafts


def test_free_text_finds_the_newest_matches_on_both_sides_of_the_recent_window(
    client, login_as, monkeypatch
):
    """The window is the newest 3 ids here; hits above it and below it must both count."""
    login_as(Role.PROCESS_SUPPORT)
    monkeypatch.setattr(search, "RECENT_WINDOW", 3)
    titles = {
        1: "Trygghet äldre",
        2: "Annat",
        3: "Trygghet barn",
        4: "Trygghet skola",
        5: "Annat igen",
        6: "Annat tredje",
        7: "Trygghet sist",
    }
    add(*(row(n, title=t) for n, t in titles.items()))
    ids = {
        n: _db.session.scalar(select(Submission.id).where(Submission.reg_seq == n)) for n in titles
    }
    newest_first = [ids[n] for n in (7, 4, 3, 1)]
    assert search.hit_ids("trygghet", limit=10) == newest_first
    assert search.hit_ids("trygghet", limit=2) == newest_first[:2]
    assert search.hit_ids("trygghet", limit=3) == newest_first[:3]
    assert search.hit_ids("trygg äld", limit=10) == [ids[1]]
    assert search.hit_ids("ingenting", limit=10) == []
    assert listed(client.get("/inkorg?q=trygghet")) == [
        "SK-2026-0007",
        "SK-2026-0004",
        "SK-2026-0003",
        "SK-2026-0001",
    ]
