"""The demo's clock: each step of the demo's story runs through the services people's forms
call, on its own past moment.

`portal/demo.py` and each capability's `demo.py` use it, so a demo submission is registered,
triaged, decided and funded by the same code and rules as a real one, with the dates a real
one would have had.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time

from portal.extensions import db
from portal.types import STOCKHOLM, clock_at


@contextmanager
def on_day(moment: datetime | date) -> Iterator[None]:
    """Run a block at `moment` (a day means 15:00 in Stockholm that day). What the block
    added is written before the clock moves on: column defaults are read at flush."""
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time(15), STOCKHOLM)
    with clock_at(moment):
        yield
        db.session.flush()
