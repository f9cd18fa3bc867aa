"""The built-in texts. An admin can replace each at /admin/texter (`help` says where it is shown)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

TEXTS = {
    "privacy_resident": {
        "title": _l("Information till dig som lämnar ett bidrag (dataskydd)"),
        "help": _l("Visas för invånare i formuläret när de svarar på en utlysning."),
        "sv": """Mälardalens universitet är personuppgiftsansvarigt för Samhällskontraktets idéportal. Vi behandlar ditt namn, din e-postadress, ditt telefonnummer om du anger det, och det du skriver i ditt bidrag.

Varför: för att ta emot, bedöma och följa upp ditt bidrag och för att kunna kontakta dig om det. Den rättsliga grunden är att behandlingen behövs för att utföra en uppgift av allmänt intresse (artikel 6.1 e i dataskyddsförordningen). Vi ber alltså inte om ditt samtycke för själva behandlingen.

Allmän handling: ditt bidrag blir en allmän handling hos den myndighet som tar emot det. Det betyder att vem som helst kan begära att få läsa det, men uppgifter kan sekretessprövas innan det lämnas ut.

Hur länge: bidraget och dina kontaktuppgifter sparas så länge ärendet pågår och därefter enligt arkivreglerna för allmänna handlingar. Kontaktuppgifterna tar vi bort senast två år efter att ärendet avslutats, om de inte behöver arkiveras.

Dina rättigheter: du har rätt att få veta vilka uppgifter vi har om dig, få fel rättade, invända mot behandlingen och i vissa fall få uppgifter raderade eller begränsade. Via länken i kvittot kan du se och återkalla ditt bidrag. Du kan klaga hos Integritetsskyddsmyndigheten (IMY).

Kontakt: Samhällskontraktets processtöd vid Mälardalens universitet, och universitetets dataskyddsombud, dataskyddsombud@mdu.se.""",
        "en": """Mälardalen University is the controller for Samhällskontraktet's idea portal. We process your name, your e-mail address, your phone number if you give it, and what you write in your submission.

Why: to receive, assess and follow up your submission and to be able to contact you about it. The legal basis is that the processing is necessary for a task carried out in the public interest (Article 6(1)(e) GDPR). We therefore do not ask for your consent to the processing itself.

Public record: your submission becomes a public record (allmän handling) of the authority that receives it. Anyone may ask to read it, but it can be reviewed for confidentiality before it is released.

How long: the submission and your contact details are kept while the matter is ongoing and then according to the archiving rules for public records. We delete your contact details at the latest two years after the matter has closed, unless they must be archived.

Your rights: you may find out what data we hold about you, have errors corrected, object to the processing and in some cases have data erased or restricted. Through the link in your receipt you can see and withdraw your submission. You may complain to the Swedish Authority for Privacy Protection (IMY).

Contact: Samhällskontraktet's process support at Mälardalen University, and the university's data protection officer, dataskyddsombud@mdu.se.""",
    },
    "contact": {
        "title": _l("Kontakt i slutet av varje e-postmeddelande"),
        "help": _l(
            "Står sist i varje e-postmeddelande som portalen skickar, på mottagarens språk. "
            "Skriv hur man når Samhällskontraktets processtöd, till exempel en e-postadress "
            "som någon läser."
        ),
        "sv": "Har du frågor? Skriv till Samhällskontraktets processtöd på samhallskontraktet@mdu.se. Vi svarar inom fem arbetsdagar.",
        "en": "Questions? Write to Samhällskontraktet's process support at samhallskontraktet@mdu.se. We answer within five working days.",
    },
}
