"""Pilot reports: writing the report of an initiative's pilot, editing it, its files, the
printable page, and its lessons as an insight."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from portal.evaluation.blueprint import bp
from portal.evaluation.models import Phase, PilotReport, PilotReportFile
from portal.evaluation.permissions import (
    can_view_initiative,
    may_read_pilot_report,
    may_record_insight,
    may_write_pilot_report,
)
from portal.evaluation.pilot_reports import services
from portal.evaluation.pilot_reports.forms import LessonsToInsightForm, PilotReportForm
from portal.evaluation.pilot_reports.rounds import current_report, pilot_round
from portal.evaluation.pilot_reports.sections import SECTIONS
from portal.evaluation.responses import actor, already_done, load_initiative, once
from portal.evaluation.rules import AlreadyDone, EvaluationRefused
from portal.extensions import db
from portal.permissions import login_required, require
from portal.submissions import uploads
from portal.types import today_in_stockholm


def _report_form(report: PilotReport) -> PilotReportForm:
    data = {key: getattr(report, key) for key in services.TEXT_COLUMNS}
    data |= {f"{key}_public": key in (report.public_parts or ()) for key in SECTIONS}
    data["version"] = str(report.version)
    return PilotReportForm(formdata=None, data=data, stored_files=report.files)


def _page(initiative, *, report=None, form=None, conflict=None, status=200):
    user = current_user
    writer = may_write_pilot_report(user, initiative)
    current = pilot_round(initiative)
    if form is None and writer:
        if report is not None:
            form = _report_form(report)
        elif initiative.phase == Phase.PILOT:
            form = PilotReportForm(formdata=None)
    origin = initiative.origin_submission
    return (
        render_template(
            "evaluation/pilot_report.html",
            initiative=initiative,
            report=report,
            form=form,
            conflict=conflict,
            round=report.pilot_round if report is not None else current,
            follow_up=(origin.follow_up or "").strip() if origin is not None else "",
            others=[r for r in services.reports_of(initiative) if r is not report],
            sections=SECTIONS,
            see_initiative=can_view_initiative(user, initiative),
            insight_form=(
                LessonsToInsightForm(formdata=None)
                if report is not None and may_record_insight(user, initiative)
                else None
            ),
        ),
        status,
    )


def _load_report(report_id: int) -> PilotReport:
    report = db.get_or_404(PilotReport, report_id)
    require(may_read_pilot_report(current_user, report.initiative))
    return report


def _checked_files(form: PilotReportForm, already: int) -> list[uploads.CheckedUpload] | None:
    """The chosen files, checked; None (and the error on the field) when one is refused."""
    checked = []
    for storage in form.chosen_files():
        try:
            checked.append(uploads.check_upload(storage, already=already + len(checked)))
        except uploads.UploadRejected as rejected:
            form.files.errors = [*form.files.errors, str(rejected)]
            return None
    return checked


@bp.get("/initiativ/<int:initiative_id>/pilotrapport")
@login_required
def pilot_report(initiative_id: int):
    """The report of the pilot the initiative is in (or was in last), or the form for it."""
    initiative = load_initiative(initiative_id)
    require(may_read_pilot_report(current_user, initiative))
    return _page(initiative, report=current_report(initiative))


@bp.post("/initiativ/<int:initiative_id>/pilotrapport")
@login_required
def write_pilot_report(initiative_id: int):
    initiative = load_initiative(initiative_id)
    require(may_write_pilot_report(current_user, initiative))
    form = PilotReportForm()
    if not form.validate():
        return _page(initiative, form=form, status=422)
    files = _checked_files(form, 0)
    if files is None:
        return _page(initiative, form=form, status=422)
    try:
        report = once(
            lambda: services.write_report(
                initiative,
                texts=form.texts(),
                public_parts=form.public_parts(),
                files=files,
                actor=actor(),
            )
        )
    except AlreadyDone as done:
        return already_done(done.message, f"/pilotrapporter/{done.done.id}")
    except services.ReportConflict as conflict:
        db.session.rollback()
        report = db.session.get(PilotReport, conflict.report.id)
        form.version.data = str(report.version)
        return _page(initiative, report=report, form=form, conflict=conflict.message, status=409)
    except EvaluationRefused as refused:
        db.session.rollback()
        form.form_errors.append(str(refused.message))
        return _page(load_initiative(initiative_id), form=form, status=422)
    flash(_("Pilotrapporten är sparad."), "success")
    return redirect(f"/pilotrapporter/{report.id}", code=303)


@bp.get("/pilotrapporter/<int:report_id>")
@login_required
def pilot_report_page(report_id: int):
    report = _load_report(report_id)
    return _page(report.initiative, report=report)


@bp.post("/pilotrapporter/<int:report_id>")
@login_required
def update_pilot_report(report_id: int):
    report = _load_report(report_id)
    initiative = report.initiative
    require(may_write_pilot_report(current_user, initiative))
    form = PilotReportForm(stored_files=report.files)
    if not form.validate():
        return _page(initiative, report=report, form=form, status=422)
    kept = len(report.files) - len(set(form.remove_files.data or ()))
    files = _checked_files(form, kept)
    if files is None:
        return _page(initiative, report=report, form=form, status=422)
    try:
        services.update_report(
            report,
            texts=form.texts(),
            public_parts=form.public_parts(),
            files=files,
            remove_files=form.remove_files.data or (),
            expected_version=form.posted_version,
            actor=actor(),
        )
        db.session.commit()
    except (services.ReportConflict, StaleDataError):
        db.session.rollback()
        report = db.get_or_404(PilotReport, report_id)
        form.version.data = str(report.version)
        message = services.ReportConflict(report).message
        return _page(report.initiative, report=report, form=form, conflict=message, status=409)
    except EvaluationRefused as refused:
        db.session.rollback()
        report = db.get_or_404(PilotReport, report_id)
        form.form_errors.append(str(refused.message))
        return _page(report.initiative, report=report, form=form, status=422)
    flash(_("Pilotrapporten är sparad."), "success")
    return redirect(f"/pilotrapporter/{report_id}", code=303)


@bp.get("/pilotrapporter/<int:report_id>/utskrift")
@login_required
def pilot_report_print(report_id: int):
    """The whole report on A4 (static/css/print.css), every section, public or not."""
    report = _load_report(report_id)
    origin = report.initiative.origin_submission
    return render_template(
        "evaluation/pilot_report_print.html",
        report=report,
        initiative=report.initiative,
        sections=SECTIONS,
        follow_up=(origin.follow_up or "").strip() if origin is not None else "",
    )


@bp.get("/pilotrapporter/<int:report_id>/filer/<int:file_id>")
@login_required
def pilot_report_file(report_id: int, file_id: int):
    report = _load_report(report_id)
    found = db.session.get(PilotReportFile, file_id)
    if found is None or found.report_id != report.id:
        abort(404)
    return uploads.download(found)


@bp.post("/pilotrapporter/<int:report_id>/insikt")
@login_required
def pilot_report_insight(report_id: int):
    report = _load_report(report_id)
    require(may_record_insight(current_user, report.initiative))
    form = LessonsToInsightForm()
    if not form.validate():
        flash(_("Formuläret hade gått ut. Försök igen."), "error")
        return redirect(f"/pilotrapporter/{report_id}", code=303)
    initiative_id = report.initiative_id
    try:
        insight = once(
            lambda: services.lessons_to_insight(report, today=today_in_stockholm(), actor=actor())
        )
    except AlreadyDone as done:
        return already_done(
            done.message,
            f"/initiativ/{initiative_id}#insikt-{done.done.id}",
            link=_("Se insikten"),
        )
    flash(_("Lärdomarna är sparade som en insikt."), "success")
    return redirect(f"/initiativ/{initiative_id}#insikt-{insight.id}", code=303)
