"""Background work (portal/worker.py): the schedule's jobs and the settings they need.
Real workers on Redis are started as processes in tests/functional/test_commands.py."""

from __future__ import annotations

from datetime import datetime

import pytest

from portal import ConfigurationError, create_app
from portal.config import TestConfig
from portal.types import today_in_stockholm


def due_at(jobs, hour: int, minute: int) -> set[str]:
    return {task.name for task in jobs.huey.read_periodic(datetime(2026, 12, 3, hour, minute))}


def test_the_schedule_has_delivery_every_minute_and_the_nightly_run(app):
    jobs = app.extensions["portal.jobs"]
    assert due_at(jobs, 12, 7) == {"deliver_outbox_every_minute"}
    assert due_at(jobs, 1, 15) == {"deliver_outbox_every_minute", "nightly"}  # UTC
    assert due_at(jobs, 6, 0) == {"deliver_outbox_every_minute", "morning"}
    assert not jobs.queued  # inline unless BACKGROUND_JOBS=worker


def test_the_nightly_job_does_what_retention_run_apply_does(app, db):
    jobs = app.extensions["portal.jobs"]
    lines = jobs.huey.execute(jobs.nightly.s())
    assert lines[0] == f"Gallring {today_in_stockholm().isoformat()}: utförd"
    assert any(line.startswith("- Invånares kontaktuppgifter") for line in lines)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"BACKGROUND_JOBS": "celery"}, "BACKGROUND_JOBS must be inline or worker"),
        ({"BACKGROUND_JOBS": "worker", "REDIS_URL": ""}, "BACKGROUND_JOBS=worker needs REDIS_URL"),
    ],
)
def test_a_worker_setting_that_cannot_work_stops_the_app(settings, message):
    with pytest.raises(ConfigurationError, match=message):
        create_app(type("Broken", (TestConfig,), settings))


def test_the_morning_job_sends_what_notifications_send_does(app, db, smtp):
    jobs = app.extensions["portal.jobs"]
    assert jobs.huey.execute(jobs.morning.s()) == 0  # nothing happened yesterday: no mail
    assert smtp.wait_for(1, timeout=0.5) == []
