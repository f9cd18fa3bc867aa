"""Which pilot an initiative is in, and its report: what phases.decide() asks before a pilot
outcome is recorded (kept apart from services.py so that phases.py imports only this)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal.evaluation.models import Decision, Initiative, Phase, PilotReport
from portal.evaluation.rules import EvaluationRefused
from portal.extensions import db


class PilotReportMissing(EvaluationRefused):
    """A pilot outcome asked for without the current pilot's report: nothing is recorded."""

    def __init__(self, initiative_id: int) -> None:
        super().__init__(
            _l(
                "Pilotrapporten saknas. Skriv pilotrapporten för den här piloten innan "
                "utfallet registreras. Det du har fyllt i är kvar."
            )
        )
        self.initiative_id = initiative_id

    @property
    def report_url(self) -> str:
        return f"/initiativ/{self.initiative_id}/pilotrapport"


def pilot_round(initiative: Initiative) -> int:
    """The number of the initiative's pilot: how many decisions moved it into Pilotfas
    (0 when it was put there without a decision)."""
    return db.session.scalar(
        select(func.count(Decision.id)).where(
            Decision.initiative_id == initiative.id, Decision.to_phase == Phase.PILOT.value
        )
    )


def report_for(initiative: Initiative, round_: int) -> PilotReport | None:
    return db.session.scalar(
        select(PilotReport).where(
            PilotReport.initiative_id == initiative.id, PilotReport.pilot_round == round_
        )
    )


def current_report(initiative: Initiative) -> PilotReport | None:
    """The report of the pilot the initiative is in (or was in last)."""
    return report_for(initiative, pilot_round(initiative))


def require_report(initiative: Initiative) -> PilotReport:
    report = current_report(initiative)
    if report is None:
        raise PilotReportMissing(initiative.id)
    return report
