"""Exports of the inflow table and of the submissions list, as CSV and XLSX.

CSV is written for Swedish Excel: UTF-8 with a byte-order mark and ";" between fields. Text
that a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage
return, or with one of = + - @ after leading whitespace and line breaks) gets a leading
apostrophe. XLSX cells are written as text with openpyxl, so nothing is a formula; dates are
real date cells (ÅÅÅÅ-MM-DD), the header row is frozen and the columns are as wide as their
text. Both stream: CSV row by row from a server-side cursor, XLSX through openpyxl's
write-only workbook into a temporary file, so memory stays bounded.

The board's submissions list carries no residents' personal data (the source reads
"Invånare") and no names of employees either; process support's list has the contact
details and says so in its first row and its sheet title.
"""

from __future__ import annotations

import csv
import io
import itertools
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from flask import Response, send_file, stream_with_context
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter
from sqlalchemy import Select, select
from sqlalchemy.orm import aliased

from portal.accounts.models import User
from portal.calls.models import Call
from portal.evaluation.models import PHASE_LABELS, Initiative, Phase
from portal.extensions import db
from portal.reference.models import FocusArea, Party
from portal.submissions.models import KIND_LABELS, STATE_LABELS, Kind, State, Submission
from portal.submissions.queries import with_names

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FORMULA_SIGNS = ("=", "+", "-", "@")
# What a spreadsheet skips before it looks for a formula sign ("\n=1+1" runs in some).
LEADING_BLANKS = " \t\r\n"
DATE_FORMAT = "yyyy-mm-dd"
WIDTH_SAMPLE = 500  # rows the column widths are fitted to
WIDEST_COLUMN = 60  # characters; longer text wraps in the cell rather than widening it
FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STREAM_BATCH = 500


def safe_text(value):
    """A cell as text a spreadsheet shows and never runs (numbers stay numbers)."""
    if value is None:
        return ""
    if isinstance(value, str) and (
        value.startswith(FORMULA_START) or value.lstrip(LEADING_BLANKS).startswith(FORMULA_SIGNS)
    ):
        return "'" + value
    if isinstance(value, date):
        return value.isoformat()
    return value


@dataclass
class Sheet:
    """What an export holds: a title, optional heading rows above the header, and the rows."""

    title: str  # the sheet's name (at most 31 characters in XLSX)
    filename: str  # without extension, ASCII
    header: Sequence[str]
    rows: Iterable[Sequence]
    heading: Sequence[str] = ()  # lines said before the table (e.g. that it has personal data)


def respond(sheet: Sheet, fmt: str) -> Response:
    if fmt == "csv":
        response = Response(
            stream_with_context(_csv_lines(sheet)),
            mimetype="text/csv",
            headers=_disposition(sheet, fmt),
        )
        response.charset = "utf-8"
        return response
    return _xlsx_response(sheet)


def _width(value) -> int:
    """About how many characters wide a cell shows its value."""
    if value is None:
        return 0
    if isinstance(value, date):
        return len(DATE_FORMAT)
    return max((len(line) for line in str(value).splitlines()), default=0)


def _disposition(sheet: Sheet, fmt: str) -> dict[str, str]:
    return {
        "Content-Disposition": f'attachment; filename="{sheet.filename}.{fmt}"',
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }


def _csv_lines(sheet: Sheet) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield "\ufeff"
    for line in sheet.heading:
        writer.writerow([safe_text(line)])
    writer.writerow([safe_text(h) for h in sheet.header])
    yield flush()
    for n, row in enumerate(sheet.rows, 1):
        writer.writerow([safe_text(v) for v in row])
        if n % STREAM_BATCH == 0:
            yield flush()
    yield flush()


def _xlsx_response(sheet: Sheet) -> Response:
    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet(sheet.title[:31])
    widths: dict[int, int] = {}

    def cells(values) -> list:
        out = []
        for n, value in enumerate(values, 1):
            cell = WriteOnlyCell(ws, value="" if value is None else value)
            if isinstance(value, str):
                cell.data_type = "s"  # text, never a formula
            elif isinstance(value, date) and not isinstance(value, datetime):
                cell.number_format = DATE_FORMAT
            widths[n] = max(widths.get(n, 0), _width(value))
            out.append(cell)
        return out

    # A write-only sheet takes its frozen pane and column widths before its first row: the
    # widths are fitted to the header and the first WIDTH_SAMPLE rows, the rest streams.
    header_row = len(sheet.heading) + 1
    first = [cells([line]) for line in sheet.heading]
    widths.clear()  # a heading line is a sentence: it may run over the columns beside it
    first.append(cells(sheet.header))
    rows = iter(sheet.rows)
    first += [cells(row) for row in itertools.islice(rows, WIDTH_SAMPLE)]
    ws.freeze_panes = f"A{header_row + 1}"
    for n, width in widths.items():
        ws.column_dimensions[get_column_letter(n)].width = min(width + 2, WIDEST_COLUMN)
    for row in first:
        ws.append(row)
    for row in rows:
        ws.append(cells(row))
    # Closed by the response once sent (send_file wraps it), so no context manager here.
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    workbook.save(spool)
    spool.seek(0)
    response = send_file(
        spool, mimetype=XLSX_TYPE, as_attachment=True, download_name=f"{sheet.filename}.xlsx"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


# --- the submissions list -----------------------------------------------------------------


def submission_rows(
    where: Sequence, order_by: Sequence, portfolio_names: dict[int, str], *, contacts: bool
) -> tuple[list[str], Iterator[list]]:
    """The header and the rows (streamed) of the submissions matching `where`."""
    header = [
        _("Reg.nr"),
        _("Inskickad"),
        _("Typ"),
        _("Källa"),
        _("Utlysning"),
        _("Fokusområde"),
        _("Status"),
        _("Fas"),
        _("Projektnamn"),
    ]
    if contacts:
        header += [_("Kontaktperson"), _("E-post"), _("Telefon"), _("Handläggare")]
    statement = _submissions_statement(where, order_by, contacts=contacts)

    def rows() -> Iterator[list]:
        result = db.session.execute(statement.execution_options(yield_per=STREAM_BATCH))
        for r in result:
            row = [
                r.reg_number,
                r.submitted_on,
                str(KIND_LABELS[Kind(r.kind)]),
                r.party_name or _("Invånare"),
                r.call_title or "",
                portfolio_names.get(r.portfolio_id, "") if r.portfolio_id else "",
                str(STATE_LABELS[State(r.state)]),
                str(PHASE_LABELS[Phase(r.phase)]) if r.phase else "",
                r.title,
            ]
            if contacts:
                row += [
                    r.submitter_name or r.resident_name or "",
                    r.submitter_email or r.resident_email or "",
                    r.resident_phone or "",
                    r.handler_name or "",
                ]
            yield row

    return header, rows()


def _submissions_statement(where: Sequence, order_by: Sequence, *, contacts: bool) -> Select:
    columns = [
        Submission.reg_number,
        Submission.submitted_on,
        Submission.kind,
        Submission.state,
        Submission.title,
        Party.name.label("party_name"),
        Call.title.label("call_title"),
        FocusArea.portfolio_id,
        Initiative.phase,
    ]
    submitter, handler = aliased(User), aliased(User)
    if contacts:
        columns += [
            Submission.resident_name,
            Submission.resident_email,
            Submission.resident_phone,
            submitter.name.label("submitter_name"),
            submitter.email.label("submitter_email"),
            handler.name.label("handler_name"),
        ]
    statement = with_names(select(*columns).select_from(Submission)).outerjoin(
        Initiative, Initiative.origin_submission_id == Submission.id
    )
    if contacts:
        statement = statement.outerjoin(submitter, submitter.id == Submission.submitter_id)
        statement = statement.outerjoin(handler, handler.id == Submission.handler_id)
    return statement.where(Submission.submitted_on.is_not(None), *where).order_by(*order_by)
