"""The agreement's figures for the board: students involved, new collaborations, external
partners and linked research projects, recorded on initiatives by process support
(portal/evaluation/agreement), counted for the period beside the comparison period, in total
and per party. One SQL statement, whatever the number of entries.

Definitions (shown on the page too):
  students          the number of students in entries dated in the period (an entry says how
                    many students took part, in a course or a thesis, and from which
                    institution);
  collaborations    new collaborations that started in the period;
  external partners entries about an external organisation dated in the period, and of them
                    companies, civil society, research actors, other public bodies and others;
  research projects research projects linked to an initiative, dated in the period.
  Per party: by the party the entry names (an external partner may name none: "Utan part").
  The focus-area filter applies to the initiative's portfolio; the source filter, as for the
  other figures about initiatives, to the submission the initiative came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, or_, select

from portal.board.figures import Figure, Scope
from portal.evaluation.agreement.models import (
    PARTNER_KIND_LABELS,
    AgreementEntry,
    EntryKind,
    PartnerKind,
)
from portal.extensions import db

# The figures in the order the board reads them: (key, kind, label, what counts).
FIGURES = (
    (
        "students",
        EntryKind.STUDENTS,
        _l("Studenter"),
        _l(
            "Antal studenter som deltog i initiativen, i en kurs eller ett examensarbete, "
            "enligt uppgifter daterade under perioden."
        ),
    ),
    (
        "collaborations",
        EntryKind.COLLABORATION,
        _l("Nya samarbeten"),
        _l("Nya samarbeten mellan parter eller enheter som startade under perioden."),
    ),
    (
        "partners",
        EntryKind.PARTNER,
        _l("Externa partner"),
        _l(
            "Externa organisationer som initiativen samarbetade med, registrerade med datum "
            "under perioden."
        ),
    ),
    (
        "research",
        EntryKind.RESEARCH,
        _l("Forskningsprojekt"),
        _l("Forskningsprojekt som kopplades till ett initiativ under perioden."),
    ),
)
# The external partners by kind, as parts of the partners ("varav").
PARTNER_FIGURES = {
    PartnerKind.COMPANY: _l("varav företag"),
    PartnerKind.CIVIL_SOCIETY: _l("varav civilsamhället"),
    PartnerKind.RESEARCH: _l("varav forskningsaktörer"),
    PartnerKind.PUBLIC: _l("varav andra offentliga aktörer"),
    PartnerKind.OTHER: _l("varav övriga"),
}
KEYS = {kind.value: key for key, kind, _label, _explanation in FIGURES}


@dataclass(frozen=True)
class PartyAgreement:
    """One party's counts: {figure key: (period, comparison period)}."""

    party_id: int | None
    counts: dict[str, tuple[int, int]]

    def get(self, key: str) -> tuple[int, int]:
        return self.counts.get(key, (0, 0))


@dataclass
class AgreementFigures:
    scope: Scope
    previous: Scope
    figures: list[Figure]  # the four, the partners' kinds after the partners ("varav")
    parties: list[PartyAgreement] = field(default_factory=list)  # anyone with a count

    @property
    def keys(self) -> list[tuple[str, str]]:
        return [(key, str(label)) for key, _kind, label, _explanation in FIGURES]

    @property
    def empty(self) -> bool:
        return not any(f.current or f.previous for f in self.figures)


def _between(column, period: Scope):
    return column.between(period.date_from, period.date_to)


def agreement_figures(scope: Scope) -> AgreementFigures:
    """The figures for the scope and its comparison period. One statement."""
    e = AgreementEntry
    previous = scope.previous
    weight = case((e.kind == EntryKind.STUDENTS.value, e.students), else_=1)
    current, earlier = _between(e.dated_on, scope), _between(e.dated_on, previous)
    statement = (
        select(
            e.party_id,
            e.kind,
            e.partner_kind,
            func.coalesce(func.sum(case((current, weight), else_=0)), 0),
            func.coalesce(func.sum(case((earlier, weight), else_=0)), 0),
        )
        .where(or_(current, earlier), *scope.initiative_filters(e.initiative_id))
        .group_by(e.party_id, e.kind, e.partner_kind)
    )
    totals: dict[str, list[int]] = {}
    partner_kinds: dict[str, list[int]] = {}
    per_party: dict[int | None, dict[str, list[int]]] = {}
    for party_id, kind, partner_kind, now, before in db.session.execute(statement):
        now, before = int(now), int(before)  # PostgreSQL's sum() is a numeric
        key = KEYS[kind]
        for bucket in (
            totals.setdefault(key, [0, 0]),
            per_party.setdefault(party_id, {}).setdefault(key, [0, 0]),
        ):
            bucket[0] += now
            bucket[1] += before
        if partner_kind:
            pair = partner_kinds.setdefault(partner_kind, [0, 0])
            pair[0] += now
            pair[1] += before
    figures = []
    for key, kind, label, explanation in FIGURES:
        figures.append(Figure(key, label, explanation, *totals.get(key, (0, 0))))
        if kind == EntryKind.PARTNER:
            figures += [
                Figure(
                    f"partners_{p.value}",
                    PARTNER_FIGURES[p],
                    PARTNER_KIND_LABELS[p],
                    *partner_kinds.get(p.value, (0, 0)),
                    part_of="partners",
                )
                for p in PartnerKind
            ]
    parties = [
        PartyAgreement(party_id, {k: (v[0], v[1]) for k, v in counts.items()})
        for party_id, counts in per_party.items()
    ]
    return AgreementFigures(scope, previous, figures, parties)
