"""The nightly housekeeping: the retention rules, and the portal's own clean-up.

One function, `run(day, apply=...)`, shared by `flask retention run` and the worker's nightly
job (portal/worker.py): what each retention rule removes or anonymises, old one-time form
keys (portal/intents.py), files held for forms never sent (portal/submissions/uploads.py) and
self-service account links long expired (portal/accounts/registration.py).
It commits when it applies, and returns the report's lines: counts and registration numbers,
never personal data.
"""

from __future__ import annotations

from datetime import date

from portal import intents
from portal.accounts import registration
from portal.extensions import db
from portal.privacy import retention
from portal.privacy.models import ACTION_LABELS
from portal.submissions import uploads


def run(day: date, *, apply: bool) -> list[str]:
    plans = retention.run(day, apply=apply)
    lines = retention_report(day, plans, applied=apply)  # before the commit: all can fail
    old_keys = intents.purge(dry_run=not apply)  # housekeeping, not a rule: always on
    lines.insert(-1 if not apply else len(lines), intents.purge_report(old_keys, apply))
    unsent = uploads.purge_held(dry_run=not apply)  # files held for forms never sent
    lines.insert(-1 if not apply else len(lines), uploads.purge_report(unsent, apply))
    links = registration.purge(dry_run=not apply)  # self-service account links long expired
    lines.insert(-1 if not apply else len(lines), registration.purge_report(links, apply))
    if apply:
        db.session.commit()
    return lines


def retention_report(day: date, plans: list[retention.Plan], *, applied: bool) -> list[str]:
    """The command's output: counts and registration numbers, never personal data."""
    lines = [f"Gallring {day.isoformat()}: {'utförd' if applied else 'provkörning, inget ändras'}"]
    for p in plans:
        if not p.active:
            lines.append(f"- {p.kind.label}: regeln gäller inte")
            continue
        verb = str(ACTION_LABELS[p.rule.action]).lower()
        done = "" if applied else " (skulle göras)"
        lines.append(
            f"- {p.kind.label} efter {retention.period_text(p.kind.unit, p.rule.period)}: "
            f"{verb} {p.count}{done}"
            + (f": {', '.join(p.labels[:20])}" if p.labels else "")
            + (" …" if len(p.labels) > 20 else "")
        )
    if not applied:
        lines.append("Kör med --apply för att göra det.")
    return lines
