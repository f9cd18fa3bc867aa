"""SK's initiative canvas: the fields, in the template's order and wording (reference data,
like the focus areas: calls choose which fields they ask for, submissions hold the answers).

One list drives the form, a call's field settings, the display of a submission and search.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from flask_babel import format_number
from flask_babel import lazy_gettext as _l


class FieldRule(StrEnum):
    REQUIRED = "required"
    OPTIONAL = "optional"
    HIDDEN = "hidden"


@dataclass(frozen=True)
class CanvasField:
    key: str
    label: object
    help: object | None
    max_length: int
    multiline: bool = True
    group: object | None = None


EFFECTS = _l("Vilka effekter vill vi uppnå?")

CANVAS_FIELDS: tuple[CanvasField, ...] = (
    CanvasField(
        "title",
        _l("Projektnamn"),
        _l("Ett kort namn på utmaningen eller idén."),
        200,
        multiline=False,
    ),
    # Fokusområde is a select, handled by the form itself (key "focus_area").
    CanvasField(
        "timeline", _l("Tidplan"), _l("När behöver det hända, och ungefär hur länge?"), 2000
    ),
    CanvasField("purpose", _l("Syfte, behov, målgrupp"), _l("För vem och varför?"), 8000),
    CanvasField(
        "effect_residents",
        _l("Invånarnytta"),
        _l("Vilken nytta får invånarna?"),
        4000,
        group=EFFECTS,
    ),
    CanvasField(
        "effect_society",
        _l("Samhällsnytta"),
        _l("Vilken nytta får samhället?"),
        4000,
        group=EFFECTS,
    ),
    CanvasField(
        "effect_sk",
        _l("Nytta för Samhällskontraktet"),
        _l("Vilken nytta får Samhällskontraktet och dess parter?"),
        4000,
        group=EFFECTS,
    ),
    CanvasField(
        "visual_description",
        _l("Visuell bild/beskrivning av idén, konceptet"),
        _l("Beskriv idén med ord. Du kan också bifoga en bild eller ett dokument."),
        8000,
    ),
    CanvasField("responsible", _l("Ansvarig"), _l("Namn, organisation, kontaktuppgifter."), 1000),
    CanvasField(
        "partners",
        _l("Samverkan, intressenter (interna/externa)"),
        _l("Vilka aktörer är med i projektet? Vilka resurser finns med eller behövs?"),
        4000,
    ),
    CanvasField(
        "follow_up",
        _l("Uppföljning"),
        _l("Hur mäter vi effekten? Hur säkerställer vi att vi hittar saker vi inte tänkt på?"),
        4000,
    ),
    CanvasField(
        "challenges",
        _l("Utmaningar, beroenden och behov vi ser"),
        _l(
            "Finns det något du vill dela med dig av som kan hjälpa projektet eller bli "
            "input till ett nytt initiativ? Finns tillit, spänningar kring legitimitet "
            "kopplat till projektet?"
        ),
        4000,
    ),
    CanvasField(
        "key_activities",
        _l("Nyckelaktiviteter"),
        _l("Vad är viktigt för att projektet ska lyckas?"),
        4000,
    ),
)

FIELDS_BY_KEY = {f.key: f for f in CANVAS_FIELDS}
FOCUS_AREA = "focus_area"
# Keys a call can configure, in form order (focus area after the name, as in the template).
CONFIGURABLE = ("title", FOCUS_AREA, *[f.key for f in CANVAS_FIELDS if f.key != "title"])
ALWAYS_REQUIRED = frozenset({"title"})

# What the standing intake for employees asks: the whole canvas; name and need required.
STANDING_RULES = {key: FieldRule.OPTIONAL for key in CONFIGURABLE} | {
    "title": FieldRule.REQUIRED,
    "purpose": FieldRule.REQUIRED,
}

# A sensible default for a new call open to residents: a short part of the canvas.
RESIDENT_DEFAULT_RULES = {key: FieldRule.HIDDEN for key in CONFIGURABLE} | {
    "title": FieldRule.REQUIRED,
    "purpose": FieldRule.REQUIRED,
    "visual_description": FieldRule.OPTIONAL,
    "effect_residents": FieldRule.OPTIONAL,
}


def label_of(key: str):
    return _l("Fokusområde") if key == FOCUS_AREA else FIELDS_BY_KEY[key].label


def normalise_rules(rules: dict[str, str] | None, default: dict[str, FieldRule]) -> dict:
    """Every configurable key with a valid rule; the project name is always required."""
    out = {}
    for key in CONFIGURABLE:
        value = (rules or {}).get(key, default.get(key, FieldRule.OPTIONAL))
        out[key] = FieldRule(value) if value in FieldRule._value2member_map_ else FieldRule.OPTIONAL
    for key in ALWAYS_REQUIRED:
        out[key] = FieldRule.REQUIRED
    return out


def text_length(value: str | None) -> int:
    """The length of a text as stored: a line break counts once, however the browser sent it
    (a textarea sends CRLF), as the live count under the field counts it."""
    return len((value or "").replace("\r\n", "\n").replace("\r", "\n"))


def too_long(field: CanvasField, value: str | None):
    """The refusal of a text longer than its field takes, naming the limit and how far over it
    is, or None. The text itself is never cut."""
    count = text_length(value)
    if count <= field.max_length:
        return None
    return _l(
        "Texten är för lång: högst %(max)s tecken, du har skrivit %(count)s "
        "(%(over)s för många). Hela texten finns kvar så att du kan korta den.",
        max=format_number(field.max_length),
        count=format_number(count),
        over=format_number(count - field.max_length),
    )
