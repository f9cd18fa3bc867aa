"""Registration numbers SK-<year>-<seq>: sequential per year, unique under parallel submits."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from sqlalchemy import select

from portal.extensions import db as _db
from portal.submissions import services
from portal.submissions.models import Submission
from portal.submissions.registration import next_registration
from tests.factories import make_call


def test_numbers_are_sequential_per_year_in_stockholm_time(app, db):
    # 23:30 UTC on New Year's Eve is already the new year in Stockholm.
    assert next_registration(datetime(2025, 12, 31, 22, 0, tzinfo=UTC))[2] == "SK-2025-0001"
    assert next_registration(datetime(2025, 12, 31, 23, 30, tzinfo=UTC))[2] == "SK-2026-0001"
    assert next_registration(datetime(2026, 3, 1, tzinfo=UTC))[2] == "SK-2026-0002"
    assert next_registration(datetime(2025, 6, 1, tzinfo=UTC))[2] == "SK-2025-0002"


def test_parallel_submissions_get_unique_consecutive_numbers(app, db):
    call = make_call()
    call_id = call.id
    workers = 12
    barrier = threading.Barrier(workers)
    errors: list[BaseException] = []

    def submit(n: int) -> None:
        try:
            with app.app_context(), app.test_request_context():
                own_call = _db.session.get(type(call), call_id)
                barrier.wait(timeout=10)
                services.submit_resident(
                    own_call,
                    {"kind": "idea", "title": f"Idé {n}", "purpose": "p"},
                    name=f"Person {n}",
                    email=f"p{n}@example.org",
                )
                _db.session.commit()
        except BaseException as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    _db.session.expire_all()
    seqs = sorted(_db.session.scalars(select(Submission.reg_seq)).all())
    assert seqs == list(range(1, workers + 1))
    numbers = _db.session.scalars(select(Submission.reg_number)).all()
    assert len(set(numbers)) == workers
