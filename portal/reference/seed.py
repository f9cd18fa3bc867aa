"""The reference data of docs/domain.md, loaded idempotently (matched by name or key)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.extensions import db
from portal.reference.models import (
    Agenda2030Goal,
    Criterion,
    FocusArea,
    Party,
    PartyKind,
    Perspective,
    Portfolio,
)

PARTIES = [
    # name, short name, kind, joined, left
    ("Mälardalens universitet", "MDU", PartyKind.UNIVERSITY, date(2009, 1, 1), None),
    ("Västerås stad", "Västerås", PartyKind.MUNICIPALITY, date(2009, 1, 1), None),
    ("Eskilstuna kommun", "Eskilstuna", PartyKind.MUNICIPALITY, date(2009, 1, 1), None),
    ("Region Västmanland", "Region Vm", PartyKind.REGION, date(2014, 1, 1), None),
    ("Region Sörmland", "Region Sö", PartyKind.REGION, date(2014, 1, 1), None),
]

# Each entry is a portfolio: its focus areas in order, the later renaming the earlier.
FOCUS_AREAS = [
    [
        (
            "Skolresultat",
            "Samhällskontraktet ska bidra till förbättrade skolresultat. Målet är att alla ska ha "
            "behörighet att söka och genomföra ett nationellt gymnasieprogram.",
            date(2021, 1, 1),
            date(2022, 12, 31),
        ),
        (
            "Alla barn och unga uppnår sin fulla potential",
            "Samhällskontraktet ska bidra till förbättrade skolresultat genom att fokusera på att "
            "alla barn och unga oavsett bland annat kön, bakgrund och stadsdel är delaktiga i "
            "skapandet av sina livsmiljöer, har hållbara och hälsosamma vuxenrelationer samt "
            "utmanas i sitt lärande och stöds i sin prestation.",
            date(2023, 1, 1),
            None,
        ),
    ],
    [
        (
            "Nära vård inklusive välfärdsteknik",
            "Samhällskontraktet ska bidra till att invånarna upplever ökad hälsa, aktivitet, "
            "delaktighet, självständighet samt trygghet i sina liv.",
            date(2021, 1, 1),
            date(2022, 12, 31),
        ),
        (
            "Välmående och självständiga äldre",
            "Samhällskontraktet ska bidra till att kommunernas äldre invånare oavsett kön och "
            "bakgrund upplever ökad hälsa, aktivitet, delaktighet, självständighet samt trygghet "
            "i sina liv.",
            date(2023, 1, 1),
            None,
        ),
    ],
]

PERSPECTIVES = [
    "Partnerskap och samproduktion",
    "Innovation i offentlig sektor",
    "Tvärvetenskaplighet",
    "Utgå från invånaren",
    "Tillitsskapande",
    "Proaktiva insatser",
    "Trygghet",
    "Digital teknik",
    "Ökad brukartid – skola, vård och omsorg utifrån invånarnas behov",
]

AGENDA_2030 = [
    (3, "God hälsa och välbefinnande"),
    (4, "God utbildning för alla"),
    (8, "Anständiga arbetsvillkor och ekonomisk tillväxt"),
    (9, "Hållbar industri, innovationer och infrastruktur"),
    (10, "Minskad ojämlikhet"),
    (11, "Hållbara städer och samhällen"),
    (16, "Fredliga och inkluderande samhällen"),
    (17, "Genomförande och globalt partnerskap"),
]

CRITERIA = [
    (
        "invanarnytta",
        "Invånarnytta",
        "Hur stor är den potentiella målgruppen för denna lösning?\n"
        "Hur stort är behovet för lösning? Hur gärna vill användaren ha detta? "
        "Hur stor nytta skapar den hos användaren?",
    ),
    (
        "partnerskap",
        "Partnerskap & samproduktion",
        "Andelen aktörer inom Samhällskontraktet som deltar?\n"
        "Andra intressanta partners i piloten?",
    ),
    (
        "innovationshojd",
        "Innovationshöjd",
        "Hur revolutionerande är lösningen?\nHur innovativ upplevs lösningen av användaren?\n"
        "Hur mycket skiljer sig den från existerande alternativ och lösningar?",
    ),
    (
        "hallbarhet",
        "Hållbarhet",
        "Förebygger och främjar lösningen effekterna som vi vill uppnå inom fokusområdena?\n"
        "Är lösningen proaktiv, ökar den upplevda tryggheten, är den hållbar "
        "(socialt, samhälle, miljö, individ)?",
    ),
    (
        "koppling",
        "Koppling till fokusområdena",
        "Hur relevant är lösningen för Samhällskontraktet?\n"
        "Hur väl passar lösningen till effekterna som vi vill uppnå inom fokusområdena?",
    ),
]


def seed_reference() -> dict[str, int]:
    """Add whatever reference data is missing; never duplicates, never overwrites edits."""
    added = {"parties": 0, "focus_areas": 0, "perspectives": 0, "goals": 0, "criteria": 0}
    for name, short, kind, joined, left in PARTIES:
        if not db.session.scalar(select(Party).where(Party.name == name)):
            db.session.add(
                Party(name=name, short_name=short, kind=kind, joined_on=joined, left_on=left)
            )
            added["parties"] += 1

    for chain in FOCUS_AREAS:
        previous: FocusArea | None = None
        for name, goal, valid_from, valid_to in chain:
            area = db.session.scalar(select(FocusArea).where(FocusArea.name == name))
            if area is None:
                portfolio = previous.portfolio if previous else Portfolio()
                area = FocusArea(
                    name=name,
                    effect_goal=goal,
                    valid_from=valid_from,
                    valid_to=valid_to,
                    portfolio=portfolio,
                    renamed_from=previous,
                )
                db.session.add(area)
                added["focus_areas"] += 1
            previous = area

    for position, name in enumerate(PERSPECTIVES, start=1):
        if not db.session.scalar(select(Perspective).where(Perspective.name == name)):
            db.session.add(Perspective(name=name, position=position))
            added["perspectives"] += 1

    for number, title in AGENDA_2030:
        if db.session.get(Agenda2030Goal, number) is None:
            db.session.add(Agenda2030Goal(number=number, title=title))
            added["goals"] += 1

    for position, (key, name, questions) in enumerate(CRITERIA, start=1):
        if not db.session.scalar(select(Criterion).where(Criterion.key == key)):
            db.session.add(
                Criterion(key=key, name=name, position=position, guiding_questions=questions)
            )
            added["criteria"] += 1
    db.session.flush()
    return added
