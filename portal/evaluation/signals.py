"""What the innovation process tells the capabilities above it, without knowing them
(blinker signals, as Flask's own).

- `initiative_page_shown(initiative, user=...)`: an initiative's page is being built; each
  receiver returns a dict added to the page's context (portal/hub adds the publication).
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()
initiative_page_shown = _signals.signal("initiative-page-shown")
