"""Background work in a worker process: e-mail delivery and the scheduled jobs.

`BACKGROUND_JOBS=inline` (the default, for one machine with SQLite): as before, a request
sends the mail it queued once its transaction has committed, and cron runs `flask outbox send`
and `flask retention run --apply`.

`BACKGROUND_JOBS=worker` (several instances): a request hands the delivery to a queue on Redis
(`REDIS_URL`) and returns; `flask worker` processes, on any machine, take the work and also
run the schedule, which lives here rather than in a crontab per machine:

- every minute: deliver the mail that is due (retries after a failure, and the messages a
  killed worker had claimed, once their lease has passed);
- every night at 01:15 UTC: the retention rules and the housekeeping (`flask retention run
  --apply`'s work), under a lock so two workers never run it at once;
- every morning at 06:00 UTC (07:00 or 08:00 in Stockholm): the submitters' milestone e-mail
  (`flask notifications send`'s work; each milestone is claimed, so it is told once).

The queue is Huey (huey on PyPI): Redis storage, periodic tasks and task locks in one small,
long-maintained library with no broker of its own to run, and an in-memory mode for tests.
RQ needs a separate scheduler process for periodic work, Dramatiq a scheduler library beside
it; Procrastinate would put the queue in PostgreSQL but has no SQLite, so the embedded
default would need a second path. The queue only carries *triggers*: the outbox rows in the
database stay the record of what must be sent, claimed one by one with a conditional UPDATE
and a lease (portal/mail/services.py), so two workers never send a message twice, and a
message whose sender died is sent by the next run.
"""

from __future__ import annotations

import logging

from flask import Flask
from huey import MemoryHuey, RedisHuey, crontab

from portal.extensions import db
from portal.mail.services import deliver_all
from portal.notifications import services as notifications
from portal.privacy import housekeeping
from portal.types import today_in_stockholm

log = logging.getLogger(__name__)

INLINE, WORKER = "inline", "worker"
MODES = (INLINE, WORKER)


class Jobs:
    """The queue of one app: `jobs.huey` holds its tasks; `deliver_soon()` is what a request
    calls after its commit."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.mode = app.config["BACKGROUND_JOBS"]
        name = app.config["WORKER_QUEUE_NAME"]
        if self.mode == WORKER and app.config["REDIS_URL"]:
            self.huey = RedisHuey(name, url=app.config["REDIS_URL"], results=False)
        else:  # inline: nothing is queued, but the tasks exist (tests run them by hand)
            self.huey = MemoryHuey(name, results=False)
        task = self.huey.task
        self.deliver = task(name="deliver_outbox")(self._deliver)
        self.huey.periodic_task(crontab(minute="*"), name="deliver_outbox_every_minute")(
            self._deliver
        )
        self.nightly = self.huey.periodic_task(crontab(minute="15", hour="1"), name="nightly")(
            self.huey.lock_task("nightly")(self._nightly)
        )
        self.morning = self.huey.periodic_task(crontab(minute="0", hour="6"), name="morning")(
            self.huey.lock_task("morning")(self._morning)
        )

    @property
    def queued(self) -> bool:
        return self.mode == WORKER

    def deliver_soon(self) -> None:
        """Ask a worker to send what is due (a request calls this after its commit)."""
        self.deliver()

    def _deliver(self) -> int:
        with self.app.app_context():
            try:
                sent = deliver_all().sent
            finally:
                db.session.remove()
        if sent:
            log.info("worker: %s messages sent", sent)
        return sent

    def _nightly(self) -> list[str]:
        with self.app.app_context():
            try:
                lines = housekeeping.run(today_in_stockholm(), apply=True)
            finally:
                db.session.remove()
        for line in lines:
            log.info("nightly: %s", line)
        return lines

    def _morning(self) -> int:
        with self.app.app_context():
            try:
                done = notifications.send_due()
                deliver_all()
            finally:
                db.session.remove()
        log.info("morning: %s milestones in %s messages", done.milestones, done.messages)
        return done.messages


def init_app(app: Flask) -> Jobs:
    jobs = Jobs(app)
    app.extensions["portal.jobs"] = jobs
    return jobs


def run_worker(app: Flask, threads: int) -> None:
    """`flask worker`: take queued work and run the schedule until stopped (SIGINT stops it
    gracefully, after the task at hand; SIGTERM at once — an interrupted delivery is sent
    again once its lease has passed)."""
    jobs: Jobs = app.extensions["portal.jobs"]
    consumer = jobs.huey.create_consumer(workers=threads, worker_type="thread", periodic=True)
    consumer.run()
