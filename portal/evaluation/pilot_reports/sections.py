"""The sections of a pilot report, in order: each is shown, printed and may be made public."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

MAX_CHARS = 8000


@dataclass(frozen=True)
class Section:
    key: str  # also the key in PilotReport.public_parts
    label: object
    hint: object
    required: object
    column: str  # the text's column ("outcome": the reason; the outcome itself is a choice)


SECTIONS: dict[str, Section] = {
    s.key: s
    for s in (
        Section(
            "tested_what",
            _l("Vad testades?"),
            _l("Prototypen eller lösningen som piloten prövade, och under vilken period."),
            _l("Skriv vad som testades."),
            "tested_what",
        ),
        Section(
            "tested_with",
            _l("Med vilka?"),
            _l("Användarna som deltog: vilka, hur många och hur de hittades."),
            _l("Skriv vilka som deltog i testet."),
            "tested_with",
        ),
        Section(
            "measurement",
            _l("Hur mättes effekten?"),
            _l("Kriterierna och hur de följdes upp. Jämför med kanvasens ”Uppföljning”."),
            _l("Skriv hur effekten mättes."),
            "measurement",
        ),
        Section(
            "results",
            _l("Resultat"),
            _l("Vad visade mätningarna och användarnas återkoppling?"),
            _l("Skriv resultatet."),
            "results",
        ),
        Section(
            "outcome",
            _l("Varför det utfallet?"),
            _l("Vad i resultatet talar för utfallet?"),
            _l("Skriv varför piloten fick det utfallet."),
            "outcome_reason",
        ),
        Section(
            "lessons",
            _l("Lärdomar"),
            _l("Vad lärde ni er? Lärdomarna kan bli en insikt med en knapp."),
            _l("Skriv lärdomarna."),
            "lessons",
        ),
    )
}
