"""The rules of pilot reports: writing one for the pilot an initiative is in, editing it
(version-locked), its files, and turning its lessons into an insight.

A report belongs to a pilot round (rounds.pilot_round): the pilot run again after
Misslyckande or Framgång med brister gets a report of its own, and phases.decide() asks for
the current round's report before any pilot outcome is recorded.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import audit
from portal.evaluation.insights.services import record_insight
from portal.evaluation.models import (
    PILOT_OUTCOMES,
    Initiative,
    Insight,
    Phase,
    PilotReport,
    PilotReportFile,
)
from portal.evaluation.pilot_reports.rounds import pilot_round, report_for
from portal.evaluation.pilot_reports.sections import MAX_CHARS, SECTIONS
from portal.evaluation.rules import AlreadyDone, EvaluationRefused, lock
from portal.extensions import db
from portal.submissions import uploads

MAX_FILES = uploads.MAX_FILES_PER_SUBMISSION
TEXT_COLUMNS = (
    "tested_what",
    "tested_with",
    "measurement",
    "results",
    "outcome",
    "outcome_reason",
    "lessons",
)


class ReportConflict(EvaluationRefused):
    """The report changed (or was written) since the person's page was loaded: nothing is
    saved; `report` is the report as it is now."""

    def __init__(self, report: PilotReport) -> None:
        super().__init__(
            _l(
                "Någon annan har ändrat pilotrapporten sedan du öppnade sidan. Det du skrev "
                "är inte sparat men finns kvar i formuläret. Jämför med rapporten som den är "
                "nu och spara igen."
            )
        )
        self.report = report


def _clean(texts: dict[str, str]) -> dict[str, str]:
    values = {key: (texts.get(key) or "").strip() for key in TEXT_COLUMNS}
    if values["outcome"] not in {o.value for o in PILOT_OUTCOMES}:
        raise EvaluationRefused(_l("Välj vilket utfall piloten fick."))
    for section in SECTIONS.values():
        if not values[section.column]:
            raise EvaluationRefused(section.required)
        if len(values[section.column]) > MAX_CHARS:
            raise EvaluationRefused(_l("Texten får vara högst 8000 tecken."))
    return values


def _parts(public_parts: Iterable[str]) -> list[str]:
    chosen = set(public_parts)
    return [key for key in SECTIONS if key in chosen]


def _add_files(report: PilotReport, files: list[uploads.CheckedUpload]) -> list[str]:
    if len(report.files) + len(files) > MAX_FILES:
        raise EvaluationRefused(_l("Du kan bifoga högst 5 filer."))
    names = []
    for checked in files:
        stored_name, size = uploads.write(checked)
        report.files.append(
            PilotReportFile(
                stored_name=stored_name,
                original_name=checked.original_name,
                content_type=checked.content_type,
                size=size,
            )
        )
        names.append(checked.original_name)
    return names


def write_report(
    initiative: Initiative,
    *,
    texts: dict[str, str],
    public_parts: Iterable[str],
    files: list[uploads.CheckedUpload] = (),
    actor,
) -> PilotReport:
    """The report of the pilot the initiative is in now (it must be in Pilotfas)."""
    values = _clean(texts)
    lock(Initiative, initiative.id)
    db.session.refresh(initiative)
    if initiative.phase != Phase.PILOT:
        raise EvaluationRefused(
            _l("Initiativet är inte i Pilotfas. En pilotrapport skrivs under en pilot.")
        )
    round_ = pilot_round(initiative)
    existing = report_for(initiative, round_)
    if existing is not None:
        if all(getattr(existing, k) == v for k, v in values.items()) and not files:
            raise AlreadyDone(_l("Pilotrapporten är redan sparad."), existing)
        raise ReportConflict(existing)
    who = getattr(actor, "id", None)
    report = PilotReport(
        initiative_id=initiative.id,
        pilot_round=round_,
        public_parts=_parts(public_parts),
        written_by_id=who,
        updated_by_id=who,
        **values,
    )
    db.session.add(report)
    names = _add_files(report, list(files))
    db.session.flush()
    audit.record(
        "pilot_report_written",
        report,
        actor=actor,
        changes={
            "initiative": [None, initiative.id],
            "pilot_round": [None, round_],
            "outcome": [None, values["outcome"]],
            "public_parts": [None, report.public_parts],
            "files": [None, names] if names else [None, []],
        },
    )
    return report


def update_report(
    report: PilotReport,
    *,
    texts: dict[str, str],
    public_parts: Iterable[str],
    files: list[uploads.CheckedUpload] = (),
    remove_files: Iterable[int] = (),
    expected_version: int | None,
    actor,
) -> PilotReport:
    """Save changes to a report, if it is still the version the person's page showed."""
    values = _clean(texts)
    if expected_version is None or expected_version != report.version:
        raise ReportConflict(report)
    changes = audit.diff(report, values | {"public_parts": _parts(public_parts)})
    removed = [f for f in report.files if f.id in set(remove_files)]
    for stored in removed:
        uploads.delete_file(stored)  # the file goes once this commits
        report.files.remove(stored)
    if removed:
        changes["files_removed"] = [[f.original_name for f in removed], None]
    names = _add_files(report, list(files))
    if names:
        changes["files"] = [None, names]
    if not changes:
        return report
    report.updated_by_id = getattr(actor, "id", None)
    db.session.flush()  # the version check: a parallel save makes this StaleDataError
    audit.record("pilot_report_changed", report, actor=actor, changes=changes)
    return report


def lessons_to_insight(report: PilotReport, *, today: date, actor) -> Insight:
    """An insight on the initiative made from the report's lessons, once."""
    lock(Initiative, report.initiative_id)
    db.session.refresh(report)
    if report.lessons_insight_id is not None:
        made = db.session.get(Insight, report.lessons_insight_id)
        if made is not None:
            raise AlreadyDone(_l("Lärdomarna är redan en insikt."), made)
    insight = record_insight(report.initiative, noted_on=today, text=report.lessons, actor=actor)
    report.lessons_insight_id = insight.id
    db.session.flush()
    audit.record(
        "pilot_report_lessons_to_insight",
        report,
        actor=actor,
        changes={"insight": [None, insight.id]},
    )
    return insight


def reports_of(initiative: Initiative) -> list[PilotReport]:
    return list(
        db.session.scalars(
            select(PilotReport)
            .where(PilotReport.initiative_id == initiative.id)
            .order_by(PilotReport.pilot_round.desc())
        )
    )
