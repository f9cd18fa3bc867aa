"""Fictitious demo data for `flask --app portal seed --demo`. Every person here is invented."""

from __future__ import annotations

import random
import re
from datetime import timedelta

from babel.dates import format_date
from sqlalchemy import func, select, update

from portal.accounts import mfa, registration
from portal.accounts.models import Role, User, UserRole
from portal.accounts.passwords import hash_password
from portal.admin.demo import seed_demo_goals
from portal.board.demo import seed_demo_agreement, seed_demo_follow_up
from portal.calls.demo import seed_demo_calls
from portal.calls.models import Call
from portal.demo_clock import on_day
from portal.evaluation.initiatives import ratings
from portal.evaluation.initiatives.services import (
    CriterionRating,
    request_ratings,
    save_rating,
)
from portal.evaluation.meetings.services import add_to_agenda, plan_meeting, record_decision
from portal.evaluation.models import PILOT_OUTCOMES, Initiative, Outcome, Phase
from portal.evaluation.pilot_reports.services import write_report
from portal.extensions import db
from portal.hub.demo import seed_demo_hub
from portal.mail.models import OutboxMessage, OutboxStatus
from portal.notifications.models import NotificationStatus, SubmitterNotification
from portal.reference.canvas import FOCUS_AREA
from portal.reference.models import FocusArea, Party
from portal.submissions import services as submissions
from portal.submissions.models import PrivateLink, SkFunction, State, Submission
from portal.triage import services as triage
from portal.types import stockholm_day, today_in_stockholm, utcnow

DEMO_PASSWORD = "portal-demo-2026"  # noqa: S105  (documented in the README; demo only)
# The authenticator-app secret of the demo accounts whose roles require two-factor
# authentication (admin, process support); documented in the README so that testers can
# compute codes. Demo only: every real account enrols with its own random secret.
DEMO_TOTP_SECRET = "SAMHALLSKONTRAKTETDEMOTOTPKOD234"  # noqa: S105

# e-mail, name, party name (or None), roles
DEMO_USERS = [
    ("admin@example.org", "Alva Administratör", None, {Role.ADMIN}),
    (
        "processtod@example.org",
        "Petra Processledare",
        "Mälardalens universitet",
        {Role.PROCESS_SUPPORT, Role.PROCESS_LEADER, Role.EMPLOYEE},
    ),
    ("expert@example.org", "Emil Expertsson", "Region Västmanland", {Role.EXPERT, Role.EMPLOYEE}),
    ("coreteam@example.org", "Cecilia Core", "Västerås stad", {Role.CORE_TEAM, Role.EMPLOYEE}),
    ("styrelsen@example.org", "Stig Styrelseledamot", "Eskilstuna kommun", {Role.BOARD}),
    ("anna.eskilstuna@example.org", "Anna Andersson", "Eskilstuna kommun", {Role.EMPLOYEE}),
    ("erik.vasteras@example.org", "Erik Eriksson", "Västerås stad", {Role.EMPLOYEE}),
    ("sara.mdh@example.org", "Sara Svensson", "Mälardalens universitet", {Role.EMPLOYEE}),
    # Two more submitters, so that every party has staff in the demo inflow.
    ("lina.sormland@example.org", "Lina Lindqvist", "Region Sörmland", {Role.EMPLOYEE}),
    ("omar.vastmanland@example.org", "Omar Olsson", "Region Västmanland", {Role.EMPLOYEE}),
]


def seed_demo_users() -> int:
    parties = {p.name: p for p in db.session.scalars(select(Party))}
    password_hash = hash_password(DEMO_PASSWORD)
    added = 0
    for email, name, party_name, roles in DEMO_USERS:
        if db.session.scalar(select(User).where(User.email == email)):
            continue
        user = User(
            email=email,
            name=name,
            party=parties.get(party_name) if party_name else None,
            password_hash=password_hash,
        )
        user.role_rows = [UserRole(role=role.value) for role in sorted(roles)]
        if mfa.is_required(user):
            user.totp_secret = mfa.seal(DEMO_TOTP_SECRET)
            user.totp_enabled_at = utcnow()
        db.session.add(user)
        added += 1
    db.session.flush()
    return added


# (kind, title, purpose) — fictitious needs and ideas in the spirit of SK's focus areas.
DEMO_IDEAS = [
    (
        "challenge",
        "Elever tappar motivationen i åk 8",
        "Många elever i åk 8 slutar göra läxor och tappar tron på att de kan klara gymnasiet. Vi ser det i flera skolor.",
    ),
    (
        "idea",
        "Läxhjälp med studenter från MDU",
        "Studenter ger läxhjälp två kvällar i veckan på biblioteket. Eleverna får förebilder och studenterna praktik.",
    ),
    (
        "challenge",
        "Ensamhet bland äldre i glesbygd",
        "Äldre som bor långt från centrum träffar sällan andra. Hemtjänsten hinner inte prata.",
    ),
    (
        "idea",
        "Promenadvänner",
        "Frivilliga och äldre matchas för en promenad i veckan. Bättre hälsa och nya kontakter.",
    ),
    (
        "idea",
        "Digitala fika-träffar",
        "Surfplattor och en enkel videotjänst så att äldre kan fika tillsammans på distans.",
    ),
    (
        "challenge",
        "Barn rör sig för lite på fritiden",
        "Fritidsenkäten visar att hälften av barnen i åk 5 rör sig mindre än en timme om dagen.",
    ),
    (
        "idea",
        "Rörelsebingo på rasten",
        "En bingobricka med rörelseutmaningar som klasserna tävlar med under rasterna.",
    ),
    (
        "idea",
        "Cykelbibliotek",
        "Låna cyklar, hjälmar och lådcyklar gratis, som böcker på biblioteket.",
    ),
    (
        "challenge",
        "Svårt att nå vårdnadshavare",
        "Skolan når inte alla vårdnadshavare, särskilt inte de som inte läser svenska.",
    ),
    (
        "idea",
        "Sms på flera språk från skolan",
        "Korta sms-utskick om skolans viktigaste datum på de vanligaste språken.",
    ),
    (
        "challenge",
        "Fallolyckor i hemmet",
        "Många äldre faller hemma, och en del ligger länge innan någon upptäcker det.",
    ),
    (
        "idea",
        "Sensorer som larmar vid fall",
        "Diskreta sensorer i golvet som larmar hemtjänsten vid ett fall, utan kamera.",
    ),
    (
        "idea",
        "Fallförebyggande träning i grupp",
        "Fysioterapeuter leder balansträning i träffpunkter, tillsammans med pensionärsföreningar.",
    ),
    (
        "challenge",
        "Hög frånvaro på högstadiet",
        "Frånvaron ökar, och vi vet för lite om orsakerna.",
    ),
    (
        "idea",
        "Frånvaroteam med socialtjänsten",
        "Skola och socialtjänst följer upp frånvaro tillsammans redan efter andra veckan.",
    ),
    (
        "idea",
        "Matlagning med äldre och unga",
        "Gymnasieelever lagar mat med äldre en gång i månaden. Två grupper möts.",
    ),
    (
        "challenge",
        "Läkemedel tas fel",
        "Äldre med många läkemedel tar dem fel, vilket leder till inläggningar.",
    ),
    ("idea", "Läkemedelsrobot i hemmet", "En dosett som påminner och larmar om en dos missas."),
    (
        "challenge",
        "Unga saknar sommarjobb",
        "Ungdomar i vissa stadsdelar får sällan sommarjobb och första kontakten med arbetslivet.",
    ),
    (
        "idea",
        "Sommarjobb i äldreomsorgen",
        "Unga får sommarjobb som värdar på äldreboenden: sällskap, promenader och spel.",
    ),
    (
        "idea",
        "Utomhusklassrum",
        "Varje skola får ett utomhusklassrum med enkel utrustning för lektioner ute.",
    ),
    (
        "challenge",
        "Svårt att boka tid digitalt",
        "Många äldre klarar inte de digitala bokningstjänsterna i vården.",
    ),
    (
        "idea",
        "Digitala ombud på biblioteken",
        "Ombud hjälper till med e-legitimation och bokningar på biblioteket.",
    ),
    (
        "idea",
        "Familjecentral med skola och vård",
        "Barnhälsovård, skola och socialtjänst på samma plats i stadsdelen.",
    ),
    (
        "challenge",
        "Trångboddhet påverkar skolarbetet",
        "Elever som bor trångt har ingen lugn plats att göra skolarbete på.",
    ),
    (
        "idea",
        "Öppna skolbibliotek på kvällen",
        "Skolbiblioteken hålls öppna till kl. 20 med en vuxen på plats.",
    ),
    (
        "challenge",
        "Anhöriga till äldre är utmattade",
        "Anhöriga som vårdar äldre har svårt att få avlastning.",
    ),
    (
        "idea",
        "Anhörigcafé med stöd",
        "Regelbundna träffar för anhöriga med stöd från biståndshandläggare.",
    ),
    (
        "idea",
        "Spelifierad fysisk aktivitet",
        "En app där klasser samlar steg tillsammans och låser upp gemensamma belöningar.",
    ),
    (
        "challenge",
        "Unga vet inte vart de ska vända sig",
        "Unga med psykisk ohälsa vet inte var de kan få hjälp.",
    ),
    (
        "challenge",
        "Skärmtid tränger undan sömnen",
        "Elever i åk 7 sover för lite, och skolsköterskorna ser att mobilen håller dem vakna.",
    ),
    (
        "idea",
        "Sömnskola för tonåringar",
        "Skolsköterskor och elever gör en kurs om sömn tillsammans, med mätning före och efter.",
    ),
    (
        "challenge",
        "Nyanlända barn hittar inte till föreningslivet",
        "Barn som nyss kommit till Sverige vet inte vilka fritidsaktiviteter som finns.",
    ),
    (
        "idea",
        "Föreningsguider i klassrummet",
        "Föreningar besöker klasserna och följer med barnen till en första träning.",
    ),
    (
        "idea",
        "Simskola för alla i åk 3",
        "Elever som inte kan simma får en intensivvecka i simhallen på skoltid.",
    ),
    (
        "challenge",
        "Unga hoppar av gymnasiet",
        "Var femte elev på vissa program avbryter studierna utan en plan för vad som händer sedan.",
    ),
    (
        "idea",
        "Mentorer från arbetslivet",
        "Yrkesverksamma träffar en gymnasieelev varannan vecka under ett läsår.",
    ),
    (
        "challenge",
        "Mobbning på nätet efter skoltid",
        "Skolan får veta för sent, och barnen vet inte vem de ska berätta för.",
    ),
    (
        "idea",
        "Chatt med fritidsledare på kvällen",
        "Unga kan skriva anonymt till en fritidsledare på kvällar och helger.",
    ),
    (
        "idea",
        "Läsambassadörer på förskolan",
        "Gymnasieelever läser högt för förskolebarn varje vecka.",
    ),
    (
        "challenge",
        "Lovaktiviteter når inte alla barn",
        "Lovens aktiviteter kostar pengar, och barn i familjer med små marginaler blir utan.",
    ),
    (
        "idea",
        "Gratis lovkort",
        "Ett kort som ger barn fri entré till simhallen, bibliotekets aktiviteter och bussen under loven.",
    ),
    (
        "idea",
        "Eleverna lagar skollunchen",
        "Eleverna planerar och lagar en skollunch i månaden tillsammans med kökspersonalen.",
    ),
    (
        "challenge",
        "Barn med funktionsnedsättning utestängs från idrotten",
        "Få föreningar har anpassade grupper, och resorna till träningen är krångliga.",
    ),
    (
        "idea",
        "Prova på parasport i skolan",
        "Idrottslärare och föreningar visar parasport för alla klasser en gång per termin.",
    ),
    (
        "challenge",
        "Äldre äter för lite",
        "Många äldre som bor hemma äter sina måltider utan sällskap och går ner i vikt utan att någon märker det.",
    ),
    (
        "idea",
        "Gemensamma luncher på träffpunkten",
        "Äldre äter lunch tillsammans på träffpunkten två dagar i veckan, med skjuts vid behov.",
    ),
    (
        "challenge",
        "Hemtjänsten byter personal ofta",
        "Äldre med hemtjänst möter många olika personer och känner sig otrygga.",
    ),
    (
        "idea",
        "Fasta team i hemtjänsten",
        "Varje brukare får ett litet team av samma fyra personer i hemtjänsten.",
    ),
    (
        "challenge",
        "Äldre vågar inte gå ut när det är halt",
        "Halkan gör att äldre stannar inne i veckor under vintern.",
    ),
    (
        "idea",
        "Broddar och snöskottning för äldre",
        "Gratis broddar och hjälp att skotta trappan för äldre över 75 år.",
    ),
    (
        "idea",
        "Anhörigskola på nätet",
        "Korta filmer och frågestunder för anhöriga om demens, mediciner och rättigheter.",
    ),
    (
        "challenge",
        "Pensionärer vill bidra men vet inte var",
        "Många pensionärer har tid och kunskap men vet inte var de behövs.",
    ),
    (
        "idea",
        "Pensionärer som läsvärdar på biblioteket",
        "Pensionärer läser och samtalar med besökare på biblioteket en eftermiddag i veckan.",
    ),
    (
        "challenge",
        "Äldre förstår inte breven från vården",
        "Brev från vården och kommunen är svåra att läsa för många äldre.",
    ),
    (
        "idea",
        "Äldrepanel granskar kommunens brev",
        "En panel av äldre läser kommunens viktigaste brev innan de skickas ut.",
    ),
    (
        "idea",
        "Odling på äldreboendet",
        "Boende odlar grönsaker i upphöjda bäddar tillsammans med barn från förskolan.",
    ),
    (
        "challenge",
        "Äldre med nedsatt hörsel slutar gå på aktiviteter",
        "De kan inte följa samtalen och drar sig undan.",
    ),
    (
        "idea",
        "Hörselslingor på alla träffpunkter",
        "Träffpunkter för äldre får hörselslingor och textning på skärmarna.",
    ),
    (
        "idea",
        "Läkemedelsgenomgång på apoteket",
        "Äldre med fem läkemedel eller fler erbjuds en genomgång med en farmaceut.",
    ),
]

# Words that put a demo idea in the elderly portfolio (a word beginning so: "Ensamhet", not
# "gemensamma"); the rest belong with children and youth.
ELDERLY_WORDS = re.compile(
    r"\b(äldre|anhörig|fall|läkemedel|hemtjänst|pension|ensam)", re.IGNORECASE
)


def about_elderly(*texts: str) -> bool:
    return ELDERLY_WORDS.search(" ".join(texts)) is not None


# Invånarnytta in the submitters' words, for some of the elderly ideas (fictitious).
EFFECTS = {
    "Promenadvänner": "Äldre kommer ut varje vecka, rör sig mer och får någon att prata med.",
    "Sensorer som larmar vid fall": "Den som fallit får hjälp inom minuter i stället för timmar.",
    "Fallförebyggande träning i grupp": "Bättre balans, färre fall och en träffpunkt i närheten.",
    "Digitala fika-träffar": "Äldre som inte kan ta sig hemifrån träffar andra ändå.",
    "Gemensamma luncher på träffpunkten": "Äldre äter bättre och får sällskap två dagar i veckan.",
    "Hörselslingor på alla träffpunkter": "Den som hör dåligt kan vara med i samtalet igen.",
    "Läkemedelsgenomgång på apoteket": "Färre biverkningar och färre akuta besök på sjukhuset.",
}
# Ideas sent again, in other words and by someone else, three weeks after the first: process
# support marks each as a duplicate of the first (title of the first, kind, title, purpose).
DEMO_RESENDS = [
    (
        "Promenadvänner",
        "idea",
        "Promenadkompisar för äldre",
        "Äldre som vill komma ut får sällskap av en frivillig på en promenad varje vecka.",
    ),
    (
        "Cykelbibliotek",
        "idea",
        "Lånecyklar för barn och unga",
        "Barn och unga lånar cykel och hjälm gratis på biblioteket, precis som en bok.",
    ),
]
RESEND_AFTER = timedelta(days=21)

DEMO_RESIDENTS = [
    ("Johanna Berg", "johanna.berg@example.net"),
    ("Ali Hassan", "ali.hassan@example.net"),
    ("Maja Nyström", "maja.nystrom@example.net"),
    ("Per Holm", "per.holm@example.net"),
    ("Fatima Ahmed", "fatima.ahmed@example.net"),
    ("Lars Ek", "lars.ek@example.net"),
]


def seed_demo_content() -> dict[str, int]:
    """Demo content beyond accounts; each capability adds its own part here."""
    first_mail = db.session.scalar(select(func.max(OutboxMessage.id))) or 0
    calls = seed_demo_calls()
    submissions = seed_demo_submissions()
    added = {
        "utlysningar": calls,
        "inlämningar": submissions,
        "triage": seed_demo_process(),
        "uppföljning": seed_demo_follow_up(),
        "mål": seed_demo_goals(),  # after the process: it links the demo initiatives
        "avtalets tal": seed_demo_agreement(),
        "hubben": seed_demo_hub(),  # after the process: it publishes what the demo made
        "e-postdomäner": seed_demo_domains(),
    }
    # No demo e-mail goes out, whichever part queued it.
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id > first_mail)
        .values(status=OutboxStatus.SENT, sent_at=utcnow(), last_error="demo: not sent")
    )
    # Nor the milestones' e-mail (flask notifications send would otherwise tell them all).
    db.session.execute(
        update(SubmitterNotification)
        .where(SubmitterNotification.status == NotificationStatus.PENDING)
        .values(status=NotificationStatus.SENT, sent_at=utcnow())
    )
    return added


# The parties' real e-mail domains: with them, /skapa-konto works in the demo as it will live.
DEMO_DOMAINS = {
    "Mälardalens universitet": ["mdu.se"],
    "Västerås stad": ["vasteras.se"],
    "Eskilstuna kommun": ["eskilstuna.se"],
    "Region Västmanland": ["regionvastmanland.se"],
    "Region Sörmland": ["regionsormland.se"],
}


def seed_demo_domains() -> int:
    """Tie each party's e-mail domain to it (self-service accounts), as the admin would."""
    admin = db.session.scalar(select(User).where(User.email == DEMO_USERS[0][0]))
    added = 0
    for party_name, domains in DEMO_DOMAINS.items():
        party = db.session.scalar(select(Party).where(Party.name == party_name))
        if party is None:
            continue
        for domain in domains:
            if registration.party_for_email(f"x@{domain}") is None:
                registration.add_domain(party, domain, actor=admin)
                added += 1
    return added


def demo_token(n: int) -> str:
    """The private link of the demo's n-th submission from a resident: /mitt-bidrag/<token>."""
    return f"demo-token-{n}"


def seed_demo_submissions(count: int = 60) -> int:
    """About 60 submissions over the last 18 months, from every party and from residents, and
    two ideas sent again by someone else.

    Each goes through the doors people use — a draft saved and sent, a resident's answer to
    a call, a withdrawal — on its own past day (portal/demo_clock.py), so registration numbers, receipts,
    the register's records and the audit trail are what the forms would have made. Runs once
    (marked by form keys).
    """
    if db.session.scalar(select(Submission.id).where(Submission.form_key.like("demo-%")).limit(1)):
        return 0
    rng = random.Random(2026)  # the same demo every time
    employees = [
        u
        for u in db.session.scalars(
            select(User).where(User.email.in_([e for e, *_rest in DEMO_USERS]))
        )
        if u.party_id and u.has_role(Role.EMPLOYEE)
    ]
    calls = {c.slug: c for c in db.session.scalars(select(Call))}
    areas = list(db.session.scalars(select(FocusArea)))
    elderly = {a.portfolio_id for a in areas if "äldre" in a.name}
    now = utcnow()
    moments = sorted(
        now - timedelta(days=rng.uniform(1, 545), hours=rng.uniform(0, 10)) for _ in range(count)
    )
    resends = {first: (kind, title, purpose) for first, kind, title, purpose in DEMO_RESENDS}
    pending: list[tuple] = []  # (moment, canvas, author) of resends due, in time order
    sent_again: list[Submission] = []

    def send_resends_until(moment) -> None:
        while pending and pending[0][0] <= moment:
            at, canvas, author = pending.pop(0)
            with on_day(at):
                resend = submissions.save_draft(
                    None, canvas, actor=author, form_key=f"demo-resend-{canvas['title']}"
                )
                db.session.flush()
                submissions.submit(resend, actor=author)
            sent_again.append(resend)

    for n, moment in enumerate(moments):
        send_resends_until(moment)
        kind, title, purpose = DEMO_IDEAS[n % len(DEMO_IDEAS)]
        # Each idea belongs with the portfolio its words are about, and answers only a call
        # of that portfolio.
        for_elderly = about_elderly(title, purpose)

        def fits(area, for_elderly=for_elderly) -> bool:
            return (area.portfolio_id in elderly) == for_elderly

        in_force = [a for a in areas if a.in_force_on(moment.date()) and fits(a)]
        area = rng.choice(in_force) if in_force and rng.random() < 0.7 else None
        eligible = [
            c
            for c in calls.values()
            if c.published_at
            and c.opens_at <= moment < c.closes_at
            and all(fits(a) for a in c.focus_areas)
        ]
        resident_calls = [c for c in eligible if c.open_to_residents]
        resident = bool(resident_calls) and rng.random() < 0.6
        if resident:
            call = resident_calls[0]
        else:
            staff_calls = [c for c in eligible if not c.open_to_residents]
            call = staff_calls[0] if staff_calls and rng.random() < 0.5 else None
        if call is not None and call.focus_areas:
            area = call.focus_areas[0]  # what the call asked about
        canvas = {
            "kind": kind,
            "title": title,
            "purpose": purpose,
            "effect_residents": EFFECTS.get(title, ""),
        }
        if area is not None:
            canvas[FOCUS_AREA] = area.id
        with on_day(moment):
            if resident:
                name, email = DEMO_RESIDENTS[n % len(DEMO_RESIDENTS)]
                submission, _token = submissions.submit_resident(
                    call, canvas, name=name, email=email, form_key=f"demo-{n}"
                )
                # A known link besides the one in the receipt, so that testers can open the
                # resident's page (README).
                submission.private_links.append(
                    PrivateLink(token_hash=submissions.hash_token(demo_token(n)))
                )
            else:
                author = employees[n % len(employees)]
                submission = submissions.save_draft(
                    None, canvas, actor=author, call=call, form_key=f"demo-{n}"
                )
                db.session.flush()
                submissions.submit(submission, actor=author)
        if rng.random() < 0.05:
            with on_day(min(moment + timedelta(days=2), now)):
                submissions.withdraw(submission, actor=submission.submitter)
        if title in resends and moment + RESEND_AFTER < now - timedelta(days=31):
            again_kind, again_title, again_purpose = resends[title]
            again = {"kind": again_kind, "title": again_title, "purpose": again_purpose}
            if area is not None:
                again[FOCUS_AREA] = area.id
            pending.append((moment + RESEND_AFTER, again, employees[(n + 3) % len(employees)]))
    send_resends_until(now)
    # A draft for each demo employee, to show "Mina inlämningar".
    for author in employees[:3]:
        submissions.save_draft(
            None,
            {
                "kind": "idea",
                "title": "Utkast: " + DEMO_IDEAS[author.id % len(DEMO_IDEAS)][1],
                "purpose": "Jag fortsätter skriva på det här.",
            },
            actor=author,
            form_key=f"demo-draft-{author.id}",
        )
    db.session.flush()
    return count + len(sent_again)


def _demo_pilot_report(initiative: Initiative, *, actor) -> None:
    """The demo pilot's report, written as the form writes it; the test and lessons public."""
    write_report(
        initiative,
        texts={
            "tested_what": "En prototyp av tjänsten, prövad under sex veckor.",
            "tested_with": "Femton invånare och fyra medarbetare från två av parterna.",
            "measurement": "Enkät före och efter, intervjuer och antal som kom tillbaka.",
            "results": "Tolv av femton använde tjänsten varje vecka; de flesta kände sig tryggare.",
            "outcome": Outcome.PILOT_SUCCESS.value,
            "outcome_reason": "Behovet möttes och parterna vill fortsätta.",
            "lessons": "Personlig inbjudan fungerade bättre än affischer.",
        },
        public_parts=["tested_what", "results", "lessons"],
        actor=actor,
    )


def seed_demo_process() -> int:
    """Triage and the innovation process on the demo inflow, through the services people's
    forms call, each step on its day: initiatives in several phases with decisions, expert
    ratings, a coming priority meeting, and declined, duplicate and awaiting-information
    submissions."""
    if db.session.scalar(select(func.count(Initiative.id))):
        return 0
    users = {u.email: u for u in db.session.scalars(select(User))}
    ps, expert = users.get("processtod@example.org"), users.get("expert@example.org")
    core = users.get("coreteam@example.org")
    if ps is None:
        return 0
    rng = random.Random(5)
    now = utcnow()
    old = list(
        db.session.scalars(
            select(Submission)
            .where(
                Submission.state == State.RECEIVED,
                Submission.submitted_at < now - timedelta(days=30),
                Submission.form_key.not_like("demo-resend-%"),
            )
            .order_by(Submission.submitted_at)
        )
    )
    areas = [a for a in db.session.scalars(select(FocusArea)) if a.valid_to is None]
    done = 0
    initiatives = []
    for n, submission in enumerate(old):
        if n % 5 == 4:
            continue  # some stay in the inbox, untouched
        with on_day(submission.submitted_at + timedelta(days=3)):  # triaged three days on
            if submission.focus_area is None:
                for_elderly = about_elderly(submission.title, submission.purpose)
                fitting = [a for a in areas if ("äldre" in a.name) == for_elderly] or areas
                triage.set_focus_area(submission, rng.choice(fitting), actor=ps)
            triage.set_handler(submission, ps, actor=ps)
            if n % 7 == 1:
                triage.decline(
                    submission,
                    "Det här ligger utanför Samhällskontraktets fokusområden. "
                    "Vi föreslår att du kontaktar din kommun direkt.",
                    actor=ps,
                )
            elif n % 9 == 2:
                triage.request_info(
                    submission,
                    "Kan du berätta mer om vilka som berörs och hur många de är?",
                    actor=ps,
                )
            else:
                triage.classify(
                    submission,
                    actor=ps,
                    focus_area=submission.focus_area,
                    sk_function=SkFunction.LAB,
                    initiative_type=submission.initiative_type,
                    perspectives=submission.perspectives,
                    goals=submission.goals,
                    handler=ps,
                )
                initiatives.append(triage.accept(submission, actor=ps))
        done += 1
    # The ideas sent again: duplicates of the first, which they follow from then on.
    for first_title, _kind, title, _purpose in DEMO_RESENDS:
        resend = db.session.scalar(
            select(Submission).where(Submission.form_key == f"demo-resend-{title}")
        )
        first = db.session.scalar(
            select(Submission).where(
                Submission.title == first_title, Submission.reg_number.is_not(None)
            )
        )
        if resend is None or first is None or resend.state != State.RECEIVED:
            continue
        with on_day(resend.submitted_at + timedelta(days=3)):
            if resend.focus_area is None and first.focus_area is not None:
                triage.set_focus_area(resend, first.focus_area, actor=ps)
            triage.set_handler(resend, ps, actor=ps)
            triage.mark_duplicate(resend, first.reg_number, actor=ps)
        done += 1
    db.session.flush()
    # Move some initiatives on through decisions, as the Core Team records them, each on
    # its day and never ahead of it.
    steps = [
        (Outcome.GO_ON, Phase.CONCEPT),
        (Outcome.GO_ON, Phase.PILOT),
        (Outcome.PILOT_SUCCESS, Phase.IMPLEMENTATION),
    ]
    today = today_in_stockholm()
    for n, initiative in enumerate(initiatives):
        depth = 3 if n == 0 else 2 if n < 3 else 1 if n < 8 else 0
        day = stockholm_day(initiative.origin_submission.submitted_at)
        for outcome, to_phase in steps[:depth]:
            day += timedelta(days=30)
            if day > today:
                break
            with on_day(day):
                if outcome in PILOT_OUTCOMES:  # the pilot's report comes before its outcome
                    _demo_pilot_report(initiative, actor=ps)
                record_decision(
                    initiative,
                    outcome=outcome,
                    to_phase=to_phase,
                    decided_on=day,
                    today=day,
                    actor=core,
                    rationale="Stor invånarnytta och flera parter vill delta.",
                )
    concept = [i for i in initiatives if i.phase == Phase.CONCEPT]
    criteria = ratings.criteria()
    yesterday = now - timedelta(days=1)
    if expert is not None:
        for k, initiative in enumerate(concept):
            in_concept = max((d.recorded_at for d in initiative.decisions), default=now)
            asked = min(in_concept + timedelta(days=2), yesterday)
            with on_day(asked):
                request_ratings(initiative, [expert], actor=ps)
            if k < 2:  # the expert has rated the first two
                with on_day(min(asked + timedelta(days=5), yesterday)):
                    save_rating(
                        initiative,
                        [CriterionRating(c, rng.randint(2, 5), "") for c in criteria],
                        actor=expert,
                    )
    if concept:
        held_on = today + timedelta(days=14)
        with on_day(yesterday):
            meeting = plan_meeting(
                held_on=held_on,
                portfolio=concept[0].portfolio,
                title=f"Primöte {format_date(held_on, 'MMMM', locale='sv')}",
                actor=ps,
            )
            for initiative in concept:
                if initiative.portfolio_id == meeting.portfolio_id:
                    add_to_agenda(meeting, initiative, actor=ps)
    db.session.flush()
    return done
