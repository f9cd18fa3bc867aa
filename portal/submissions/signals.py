"""What submitting tells the capabilities above it, without knowing them (blinker signals,
as Flask's own). Sent inside the service, in its transaction; a receiver must not commit.

- `registered(submission)`: a submission got its registration number (submitted, or a
  resident's entry). portal/privacy/records.py seals the record as received.
- `completed(submission, changed=[field keys])`: the submitter added to it.
  portal/privacy/records.py seals a dated completion beside the record.
- `similar_wanted(text)`: the canvas form asks what is already published like the text
  being written; a receiver returns a list of similar ideas (portal/hub/similar.py), and
  must return published ones only: the list is shown to the submitter.
- `duplicates_wanted(submission)`: triage asks which submissions this one may duplicate;
  a receiver returns a list (portal/hub/similar.py), for process support's eyes.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()
registered = _signals.signal("submission-registered")
completed = _signals.signal("submission-completed")
similar_wanted = _signals.signal("similar-ideas-wanted")
duplicates_wanted = _signals.signal("duplicates-wanted")


def collect(signal, sender, limit: int) -> list:
    """What the receivers of `signal` return, together, at most `limit`."""
    found: list = []
    for _receiver, result in signal.send(sender):
        found += result or []
    return found[:limit]
