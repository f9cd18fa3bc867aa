"""What the innovation process tells the capabilities above it, without knowing them
(blinker signals, as Flask's own).

- `initiative_page_shown(initiative, user=...)`: an initiative's page is being built; each
  receiver returns a dict added to the page's context (portal/hub adds the publication).
- `initiative_started(initiative)`: an initiative came into being (start_initiative), from a
  submission when `initiative.origin_submission` is set (triage took it into a portfolio).
- `decision_recorded(decision)`: phases.decide() recorded a decision on an initiative.

Sent inside the service, in its transaction; a receiver must not commit
(portal/notifications records the submitter's milestones).
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()
initiative_page_shown = _signals.signal("initiative-page-shown")
initiative_started = _signals.signal("initiative-started")
decision_recorded = _signals.signal("decision-recorded")
