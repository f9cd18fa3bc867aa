"""The pilot report's rules in the service itself (portal/evaluation/pilot_reports/services.py),
each refusal with the message people read. The pages that lead here are tested in
tests/functional/test_pilot_reports.py."""

from __future__ import annotations

import io
from datetime import date

import pytest
from PIL import Image

from portal.evaluation.models import Insight, Phase
from portal.evaluation.pilot_reports import services
from portal.evaluation.rules import AlreadyDone, EvaluationRefused
from portal.extensions import db as _db
from portal.submissions.uploads import CheckedUpload
from tests.process_factories import make_initiative

TEXTS = {
    "tested_what": "Promenader i grupp under fyra veckor.",
    "tested_with": "Tolv äldre i Råby.",
    "measurement": "Enkät före och efter.",
    "results": "Nio av tolv kände sig mindre ensamma.",
    "outcome": "pilot_success",
    "outcome_reason": "Behovet möttes.",
    "lessons": "Gå på förmiddagen.",
}


def write(initiative, **texts):
    return services.write_report(
        initiative, texts=TEXTS | texts, public_parts=["results", "nonsense"], actor=None
    )


def png(name: str) -> CheckedUpload:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(out, "PNG")
    data = out.getvalue()
    return CheckedUpload(data=data, content_type="image/png", original_name=name, size=len(data))


def test_an_outcome_outside_the_three_is_refused(db):
    initiative = make_initiative("Promenadgrupper", phase=Phase.PILOT)
    with pytest.raises(EvaluationRefused, match="Välj vilket utfall"):
        write(initiative, outcome="go_on")


def test_every_part_is_required_and_at_most_8000_characters(db):
    initiative = make_initiative("Promenadgrupper", phase=Phase.PILOT)
    with pytest.raises(EvaluationRefused, match="Skriv vilka som deltog"):
        write(initiative, tested_with="   ")
    with pytest.raises(EvaluationRefused, match="högst 8000 tecken"):
        write(initiative, results="å" * 8001)


def test_a_report_is_written_only_during_a_pilot(db):
    initiative = make_initiative("Idé", phase=Phase.CONCEPT)
    with pytest.raises(EvaluationRefused, match="inte i Pilotfas"):
        write(initiative)


def test_the_public_parts_are_known_sections_in_their_order(db):
    initiative = make_initiative("Promenadgrupper", phase=Phase.PILOT)
    report = services.write_report(
        initiative, texts=TEXTS, public_parts=["lessons", "x", "tested_what"], actor=None
    )
    assert report.public_parts == ["tested_what", "lessons"]


def test_the_same_report_again_is_already_done_and_a_different_one_is_a_conflict(db):
    initiative = make_initiative("Promenadgrupper", phase=Phase.PILOT)
    first = write(initiative)
    with pytest.raises(AlreadyDone, match="redan sparad") as again:
        write(initiative)
    assert again.value.done is first
    with pytest.raises(services.ReportConflict) as conflict:
        write(initiative, lessons="Något annat.")
    assert conflict.value.report is first


def test_more_than_five_files_are_refused_before_any_is_stored(db):
    initiative = make_initiative("Promenadgrupper", phase=Phase.PILOT)
    with pytest.raises(EvaluationRefused, match="högst 5 filer"):
        services.write_report(
            initiative,
            texts=TEXTS,
            public_parts=[],
            files=[png(f"bild{i}.png") for i in range(6)],
            actor=None,
        )


def test_an_update_without_changes_changes_nothing(db):
    initiative = make_initiative("Promenadgrupper", phase=Phase.PILOT)
    report = write(initiative)
    _db.session.flush()
    version = report.version
    same = services.update_report(
        report,
        texts=TEXTS,
        public_parts=report.public_parts,
        expected_version=version,
        actor=None,
    )
    _db.session.flush()
    assert same is report and report.version == version


def test_an_update_from_an_old_page_is_a_conflict(db):
    initiative = make_initiative("Promenadgrupper", phase=Phase.PILOT)
    report = write(initiative)
    for expected in (None, report.version + 1):
        with pytest.raises(services.ReportConflict):
            services.update_report(
                report,
                texts=TEXTS | {"results": "Ändrat."},
                public_parts=[],
                expected_version=expected,
                actor=None,
            )


def test_lessons_become_an_insight_once(db):
    initiative = make_initiative("Promenadgrupper", phase=Phase.PILOT)
    report = write(initiative)
    insight = services.lessons_to_insight(report, today=date(2026, 5, 4), actor=None)
    assert insight.text == TEXTS["lessons"]
    with pytest.raises(AlreadyDone, match="redan en insikt") as again:
        services.lessons_to_insight(report, today=date(2026, 5, 5), actor=None)
    assert again.value.done.id == insight.id
    assert _db.session.query(Insight).filter_by(initiative_id=initiative.id).count() == 1


def test_a_file_added_later_is_named_in_the_audit_trail(db):
    from portal.audit import AuditEntry

    initiative = make_initiative("Promenadgrupper", phase=Phase.PILOT)
    report = write(initiative)
    services.update_report(
        report,
        texts=TEXTS,
        public_parts=report.public_parts,
        files=[png("karta.png")],
        expected_version=report.version,
        actor=None,
    )
    _db.session.flush()
    assert [f.original_name for f in report.files] == ["karta.png"]
    changed = _db.session.query(AuditEntry).filter_by(action="pilot_report_changed").one()
    assert changed.changes == {"files": [None, ["karta.png"]]}
