"""Demo calls for `flask seed --demo`: one open to residents, one for staff, one closed."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.accounts.models import User
from portal.calls.models import Audience, Call
from portal.calls.services import create_call, publish_call, slugify
from portal.demo_clock import on_day
from portal.extensions import db
from portal.reference.models import FocusArea, Party
from portal.types import utcnow

DEMO_CREATOR = "processtod@example.org"

# title, question, background, focus area, host, audience, opens (days from now),
# closes (days from now), max participants
DEMO_CALLS = [
    (
        "Barn i rörelse",
        "Hur motiverar vi barn att röra på sig mer?",
        "Många barn rör sig mindre än en timme om dagen. Vi vill höra från barn, föräldrar, "
        "lärare, tränare och alla andra som har idéer om hur vardagen kan bli mer rörlig – i "
        "skolan, på vägen dit och på fritiden.",
        "Alla barn och unga uppnår sin fulla potential",
        "Västerås stad",
        Audience.RESIDENTS,
        -60,
        42,
        200,
    ),
    (
        "Välbefinnande bland äldre",
        "Hur ökar vi välbefinnandet bland äldre?",
        "Du som arbetar hos någon av parterna möter äldre i vården, omsorgen, biblioteket eller "
        "forskningen. Vilka utmaningar ser du, och vilka idéer har du?",
        "Välmående och självständiga äldre",
        "Eskilstuna kommun",
        Audience.STAFF,
        -7,
        28,
        None,
    ),
    (
        "Äldre i Coronatider",
        "Hur ökar vi välbefinnandet bland äldre i Coronatider?",
        "Under pandemin blev många äldre isolerade. Utlysningen samlade erfarenheter och idéer "
        "om hur kontakt, aktivitet och trygghet kan upprätthållas.",
        "Välmående och självständiga äldre",
        "Region Sörmland",
        Audience.RESIDENTS,
        -500,
        -380,
        None,
    ),
]


def seed_demo_calls() -> int:
    """Add the demo calls not already present (matched by slug); returns how many were added."""
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    creator = db.session.scalar(select(User).where(User.email == DEMO_CREATOR))
    added = 0
    for title, question, background, area, host, audience, opens, closes, cap in DEMO_CALLS:
        if db.session.scalar(select(Call.id).where(Call.slug == slugify(title))):
            continue
        focus_area = db.session.scalar(select(FocusArea).where(FocusArea.name == area))
        party = db.session.scalar(select(Party).where(Party.name == host))
        if focus_area is None or party is None:
            continue
        opens_at = now + timedelta(days=opens)
        with on_day(opens_at - timedelta(days=7)):  # written a week before it opens
            call = create_call(
                actor=creator,
                title=title,
                question=question,
                background=background,
                focus_areas=[focus_area],
                opens_at=opens_at,
                closes_at=now + timedelta(days=closes),
                audience=audience,
                host_party=party,
                max_participants=cap,
            )
        with on_day(opens_at - timedelta(days=2)):
            publish_call(call, actor=creator)
        added += 1
    db.session.flush()
    return added
