"""What submitting tells the capabilities above it, without knowing them (blinker signals,
as Flask's own). Sent inside the service, in its transaction; a receiver must not commit.

- `registered(submission)`: a submission got its registration number (submitted, or a
  resident's entry). portal/privacy/records.py seals the record as received.
- `completed(submission, changed=[field keys])`: the submitter added to it.
  portal/privacy/records.py seals a dated completion beside the record.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()
registered = _signals.signal("submission-registered")
completed = _signals.signal("submission-completed")
