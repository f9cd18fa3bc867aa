"""What publishing tells the capabilities above it, without knowing them (blinker signals).
Sent inside the service, in its transaction; a receiver must not commit.

- `first_published(initiative)`: the initiative is on the public hub for the first time
  (portal/notifications tells its submitter).
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()
first_published = _signals.signal("initiative-first-published")
