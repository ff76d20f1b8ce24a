"""Write data/demo-network.json: the fictional network that `kontakt demo` loads.

Run with the project's Python: `.venv/bin/python data/make_demo.py`.

Deterministic: one seeded random.Random and no clock, so running it twice writes the same
bytes. Every date is an offset in days from the day the demo is *loaded* ("days_ago": 12;
negative means the future), so whenever someone opens the demo there is somebody due, a
birthday coming up and a follow-up waiting. Everyone and every organisation is made up;
every email is on example.com, example.org or example.net.

The story: the owner of the book runs a small software consultancy in München. They go to a
weekly business breakfast, meet a monthly peer group of owners across Germany, Switzerland
and Austria, studied at TU München, used to work at Kranich Digital (Berlin) and Alpstein
Consulting (Zürich), and have clients all over the DACH region.
"""

from __future__ import annotations

import json
import random
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from kontakt.domain import Cadence

SEED = 20261123
HISTORY_DAYS = 730  # two years of interactions
OUT = Path(__file__).with_name("demo-network.json")
EMAIL_DOMAINS = ("example.com", "example.org", "example.net")

# Circles, closest first (the book keeps this order as closeness).
CIRCLES = [
    ("close-friends", "every 2 weeks", "The people I call when something happens."),
    ("breakfast", "every week", "Weekly business breakfast, 7:00 in München."),
    ("peer-group", "monthly", "Owners of non-competing businesses; hot seats, one a month."),
    ("clients", "quarterly", "Current and recent clients."),
    ("former-colleagues", "every 6 months", "Kranich Digital (Berlin) and Alpstein (Zürich)."),
    ("alumni", None, "TU München, Informatik."),
]

# name | city | organisation | role, per circle. A name may appear in two circles.
CLOSE_FRIENDS = """
Tobias Schäfer | München | Isarwerk Kommunikation | Texter
Leonie Brandt | München | Klinikum Nord-Ost | Anästhesistin
Emre Şahin | München | Şahin Fahrräder | Inhaber
Giulia Rossi | München | Studio Rossi Architettura | Architektin
Max Hofer | Wien | Donauwelle Media | Creative Director
Katrin Weiß | Augsburg | Lechtal Energie GmbH | Projektleiterin
"""
BREAKFAST = """
Jürgen Müller | München | Müller & Söhne [GmbH] | Geschäftsführer, Sanitär & Heizung
Ayşe Yılmaz | München | Kanzlei Yılmaz | Steuerberaterin
Marco Bianchi | München | Bianchi Feinkost | Inhaber
Sabine Köhler | München | Köhler Immobilien | Maklerin
Nikos Papadopoulos | München | Taverna Ikaros & Catering | Inhaber
Stefan Huber | Freising | Huber Versicherungsmakler | Versicherungsmakler
Bożena Kamińska | München | Studio Kamińska | Fotografin
Ralf Jäger | Dachau | Jäger IT-Service | IT-Dienstleister
Franziska Löffler | München | Physio am Gärtnerplatz | Physiotherapeutin
Cem Öztürk | München | Autohaus Öztürk | Verkaufsleiter
Heike Dreßler | München | Druckerei Dreßler | Geschäftsführerin
Emre Şahin | München | Şahin Fahrräder | Inhaber
"""
PEER_GROUP = """
Reto Bühler | Zürich | Bühler Treuhand AG | Inhaber
Florian Gruber | Graz | Gruber Holzbau GmbH | Geschäftsführer
Agnieszka Nowak | Berlin | Nowak UX Studio | Gründerin
Corinne Lüthi | Basel | Lüthi Übersetzungen | Inhaberin
Theresa Pichler | Wien | Pichler Events | Geschäftsführerin
Henrik Voß | Hamburg | Hafenklang Podcast-Studio | Gründer
Eleni Georgiou | Wien | Konditorei Georgiou | Inhaberin
Lukas Steiner | Salzburg | Steiner Radmanufaktur | Gründer
"""
CLIENTS = """
Matthias Krüger | Berlin | Spreeblick Logistik GmbH | CTO
Daniela Zürcher | Zürich | Limmat Versicherungen AG | Leiterin Digital
Beat Gerber | Bern | Gerber Käserei AG | Geschäftsführer
Anja Hoffmann | Frankfurt am Main | Mainufer Capital | Head of Operations
Wolfgang Leitner | Linz | Leitner Maschinenbau GmbH | Prokurist
Piotr Kowalski | Berlin | Weichsel Software | Gründer
Chiara Conti | München | Conti Design | Art Director
Oliver Bennett | München | Bennett & Partner | Partner
Selin Aydın | Köln | Rheinlicht Medien | Produktmanagerin
Urs Brunner | Luzern | Brunner Reisen AG | CEO
Birgit Strauß | Stuttgart | Neckar Werkzeuge GmbH | Leiterin Einkauf
Jeroen van den Berg | Düsseldorf | Rheinhaven B.V. | Country Manager DACH
Magdalena Moser | Innsbruck | Moser Alpin Hotels | Leiterin Marketing
Sönke Petersen | Hamburg | Petersen Reederei | Leiter IT
Mirjam Rüegg | Winterthur | Rüegg Medizintechnik AG | COO
Valentin Eder | Wien | Eder & Partner Rechtsanwälte | Partner
Priya Raman | München | Isar Biotech GmbH | Head of Data
Amélie Laurent | Basel | Laurent Conseil | Beraterin
Tomasz Wójcik | Leipzig | Wójcik Bau | Inhaber
Stefan Huber | Freising | Huber Versicherungsmakler | Versicherungsmakler
Sarah Thompson | Berlin | Harbour Analytics Ltd | Director, Germany
Christoph Pfäffli | St. Gallen | Pfäffli Textil AG | Geschäftsführer
Kerstin Vogt | Hannover | Leineblick Verlag | Verlagsleiterin
Andrea Caflisch | Chur | Caflisch Energie AG | CFO
"""
FORMER_COLLEAGUES = """
Sarah Thompson | Berlin | Harbour Analytics Ltd | Director, Germany
Björn Lehmann | Berlin | Kranich Digital GmbH | Teamleiter Backend
Ulrike Fuchs | Potsdam | Havelland Software | Engineering Managerin
James O'Connor | Berlin | freelance | Data Engineer
Łukasz Lewandowski | Berlin | Kranich Digital GmbH | Principal Engineer
Katarzyna Wiśniewska | Berlin | Spree Health | Product Lead
Dimitris Alexiou | Zürich | Alpstein Consulting AG | Senior Manager
Lars Becker | Hamburg | Elbdeich Solutions | CTO
Fabienne Käser | Bern | Aare Digital AG | Scrum Master
Severin Tschudi | Zürich | Alpstein Consulting AG | Partner
Nicole Meier | Zug | Zugersee Treuhand | Controllerin
Gian-Luca Caduff | Chur | Caduff Engineering | Gründer
Hannah Walsh | Berlin | Kranich Digital GmbH | UX Researcher
Deniz Arslan | Berlin | freelance | iOS-Entwickler
Jana Schütz | Leipzig | Pleiße Data GmbH | Data Scientist
Zsófia Horváth | Wien | Praterstern Fintech | Engineering Lead
Paweł Dąbrowski | Zürich | Alpstein Consulting AG | Manager
Sophie Brenner | Zürich | Limmat Labs | Product Managerin
Marcel Rüttimann | Basel | Rhein Analytics AG | Berater
Kai Nikolaidis | Berlin | Kranich Digital GmbH | DevOps Engineer
Anna-Lena Groß | Hamburg | Elbdeich Solutions | Designerin
Thomas Kühn | Auckland | Kiwi Cloud Ltd | Solutions Architect
"""
ALUMNI = """
Katrin Weiß | Augsburg | Lechtal Energie GmbH | Projektleiterin
Max Hofer | Wien | Donauwelle Media | Creative Director
Henrik Voß | Hamburg | Hafenklang Podcast-Studio | Gründer
Maximilian Schröder | München | Isar Robotics GmbH | Teamleiter
Lena Wagner | München | Wagner Softwarehaus | Softwarearchitektin
Dörte Meißner | Dresden | Elbflorenz Chips GmbH | Chip-Designerin
Sebastian Auer | Linz | Auer Automation | Geschäftsführer
Francesca Romano | München | Romano Consulting | Beraterin
Yannis Christodoulou | Athen | Hellas Grid SA | Elektroingenieur
Kerstin Günther | Nürnberg | Noris Medizintechnik | Leiterin QA
Alessia Colombo | Zürich | Colombo Research | Datenwissenschaftlerin
Johanna Egger | Innsbruck | Egger Seilbahntechnik | Ingenieurin
Felix Hähnel | Regensburg | Donau Optik GmbH | Entwicklungsleiter
Ivana Kovačević | München | Kovačević Legal Tech | Gründerin
Merve Kaya | Stuttgart | Neckar Mobility | Software-Ingenieurin
Andreas Hürlimann | Zürich | Hürlimann Data AG | Gründer
Philipp Moosbrugger | Dornbirn | Moosbrugger Sensorik | CTO
Ines Kraus | München | Kraus & Kraus Patentanwälte | Patentanwältin
Rafael Morales | München | Isar Robotics GmbH | Robotik-Ingenieur
Tim Oberhauser | Rosenheim | Gymnasium Rosenheim-Süd | Lehrer für Informatik und Mathe
"""
# People in no circle: neighbours, mentors, service people, conference acquaintances.
OTHERS = """
Elif Demir | München | | Grafikerin
Georg Pöll | Salzburg | Bergschule Pöll | Bergführer
Friederike von Hagen | Hamburg | | Aufsichtsrätin, ehemals Vorständin
Heinz-Peter Schulte-Wißmann | Essen | Schulte-Wißmann Consulting | Berater
Veronika Haider | Wien | Haider Kommunikation | PR-Beraterin
Lucía Fernández | München | Sprachcafé Lucía | Spanischlehrerin
João Gonçalves | Lissabon | Tejo Ventures | Investor
Åsa Lindqvist | Stockholm | Lindqvist Speakers | Speaker-Agentin
Lan Nguyen | Berlin | Sen Vietnamese Kitchen | Köchin und Gründerin
Dariush Ahmadi | Frankfurt am Main | Main Robotics | Investor
Sofia Katsarou | Wien | Katsarou Architektur | Architektin
Zeynep Çelik | Köln | Domblick Film | Produzentin
Ueli Wüthrich | Bern | Wüthrich Schreinerei | Schreinermeister
Seraina Tschanz | Luzern | Luzerner Kammerorchester | Cellistin
Leopold Wimmer | Wien | Weingut Wimmer | Winzer
Luca Esposito | München | Pizzeria Da Luca | Inhaber
Davide Marino | München | Marino Kaffeebar | Barista und Inhaber
Burak Koç | München | Koç Elektrotechnik | Elektromeister
Mehmet Kaya | Berlin | Kaya Spedition | Disponent
Emily Clarke | Wien | Clarke Coaching | Executive Coach
Anna Lechner | München | Praxis Dr. Lechner | Hausärztin
Dr. Rainer Vogel | München | Zahnarztpraxis Vogel | Zahnarzt
Christa Bäumler | Garmisch-Partenkirchen | | Patentante, pensionierte Lehrerin
Jakob Strobl | Graz | Strobl Kaffeerösterei | Röster
Mia Kowalczyk | Berlin | | Studentin (Informatik), ehemalige Praktikantin
Nils Hansen | Kiel | Förde Segelschule | Segellehrer
Patrick Ziegler | München | Ziegler Fitness | Personal Trainer
Yasemin Aksoy | Frankfurt am Main | Aksoy Recruiting | Headhunterin
Hans-Jürgen Kößler | Passau | | ehemaliger Chef, im Ruhestand
Roberta Galli | Lugano | Galli Design SA | Designerin
Marta Nowicka | Wien | | Pianistin
Konstantin Weber | Berlin | Weber Ventures | Business Angel
Tanja Ehrlich | Köln | Domstadt Konferenzen | Konferenz-Organisatorin
Petra Schmid | München | | Steuerberaterin im Ruhestand
Karl-Heinz Bäumler | Garmisch-Partenkirchen | | Rentner
Ewa Mazur | Krakau | | Übersetzerin
Greg Holloway | Sydney | Holloway Events | Event Manager
"""

ARCHIVED = {
    "Thomas Kühn": "Moved to New Zealand; we lost touch after the farewell party.",
    "Petra Schmid": "Retired and closed her practice; Ayşe took over my books.",
    "Karl-Heinz Bäumler": "Christa's husband. Moved into care; Christa keeps me posted.",
    "Ewa Mazur": "Moved back to Kraków. Translated the Polish version of the Spreeblick app.",
    "Greg Holloway": "Met once at a conference in Lisbon. No idea any more what we talked about.",
}

NICKNAMES = {
    "Tobias Schäfer": "Tobi", "Leonie Brandt": "Leo", "Max Hofer": "Maxi",
    "Franziska Löffler": "Franzi", "Florian Gruber": "Flo", "Agnieszka Nowak": "Aga",
    "Theresa Pichler": "Resi", "Magdalena Moser": "Leni", "Valentin Eder": "Vali",
    "Katarzyna Wiśniewska": "Kasia", "Zsófia Horváth": "Zsófi", "Sebastian Auer": "Basti",
    "Johanna Egger": "Hanna", "Leopold Wimmer": "Poldi", "Gian-Luca Caduff": "Gigi",
    "Heinz-Peter Schulte-Wißmann": "HP",
    # Deliberately tricky: looks like Rich markup and must be shown literally.
    "Bożena Kamińska": "[bold]Bo[/bold]",
}

# A contact's own cadence, overriding (or standing in for) their circles'.
OWN_CADENCE = {
    "Cem Öztürk": "monthly",  # rarely at breakfast; a monthly coffee is enough
    "Matthias Krüger": "monthly",  # the biggest client
    "Sarah Thompson": "every 6 weeks",
    "Severin Tschudi": "every 2 months",  # mentor from Alpstein days
    "Maximilian Schröder": "yearly",
    "Friederike von Hagen": "every 2 months",
    "Christa Bäumler": "every 6 weeks",
    "Georg Pöll": "every 4 months",
    "Hans-Jürgen Kößler": "yearly",
    "Tim Oberhauser": "yearly",
}

# How the recent past looks for people who are not simply "in touch within cadence".
# overdue: nothing after `last` days ago. drift: last contact, then the gaps going back
# (newest first), each longer than the cadence. quiet: like overdue, for people without a
# cadence. stop: stopped coming to group meetings `stop` days ago. none: never logged.
PROFILES = {
    "Sabine Köhler": ("stop", 38),
    "Theresa Pichler": ("stop", 125),
    "Lukas Steiner": ("stop", 100),
    "Florian Gruber": ("every-other", 230),  # skipped the latest meeting too
    "Matthias Krüger": ("overdue", 75),
    "Wolfgang Leitner": ("overdue", 200),
    "Birgit Strauß": ("overdue", 112),
    "Björn Lehmann": ("overdue", 260),
    "Georg Pöll": ("overdue", 170),
    "Giulia Rossi": ("overdue", 26),
    "Tim Oberhauser": ("overdue", 400),
    "Katrin Weiß": ("drift", 20, (31, 25, 18)),
    "Piotr Kowalski": ("drift", 60, (150, 120, 100)),
    "Severin Tschudi": ("drift", 75, (100, 85, 70)),
    # Received a favour 35–90 days ago and have not heard from me since.
    "Åsa Lindqvist": ("quiet", 160),
    "Dimitris Alexiou": ("quiet", 150),
    "Ivana Kovačević": ("quiet", 130),
    "Roberta Galli": ("none",),
    "Marta Nowicka": ("none",),
    "Greg Holloway": ("none",),
    "Thomas Kühn": ("quiet", 600),
    "Petra Schmid": ("quiet", 500),
    "Karl-Heinz Bäumler": ("quiet", 700),
    "Ewa Mazur": ("quiet", 450),
}

UNTHANKED = [
    ("Åsa Lindqvist", 41, "referral", 2,
     "Put me forward as a speaker for the Nordic Product Days — they said yes."),
    ("Dimitris Alexiou", 62, "advice", 2,
     "Went through my offer for Limmat Versicherungen line by line and caught the missing "
     "travel costs."),
    ("Ivana Kovačević", 84, "referral", 3,
     "Recommended me to a legal-tech start-up in Wien; turned into a three-month project."),
]

BESPOKE_NOTES = {
    "Jürgen Müller": "Third generation in the family firm; his sons run the Heizung side now.\n"
                     "Always first at breakfast. Don't call before 7 — he's on a site by 7:30.",
    "Ayşe Yılmaz": "Does my books since Petra retired. Hates WhatsApp for anything official — "
                   "send documents by email.",
    "Sabine Köhler": "Opened a second Maklerbüro in Pasing this year and has not been to "
                     "breakfast for weeks. Worth a call rather than a message.",
    "Bożena Kamińska": "Everyone calls her Bo. Shot our team photos and the website portraits.\n"
                       "Prefers to be paid by bank transfer, not PayPal.",
    "Emre Şahin": "Known him since the bike shop was a garage. Two kids, Deniz and Ela.\n"
                  "Goes to Izmir every August.",
    "Giulia Rossi": "Baby Matteo arrived in the autumn — give her space, but don't disappear.",
    "Katrin Weiß": "Our calls have been getting rarer since she moved to Augsburg.\n"
                   "Still the first person I'd ask about anything energy-related.",
    "Tobias Schäfer": "Best man at my wedding. Reads everything I write before it goes out.",
    "Reto Bühler": "Founded the peer group with me after a workshop in Zürich. Dry humour; "
                   "very precise about money.",
    "Florian Gruber": "Used to be at every peer-group meeting; since the big timber-price "
                      "crisis he comes every other month at best.",
    "Theresa Pichler": "Has not been to the peer group since spring. Heard from Eleni that the "
                       "event business is rough this year.",
    "Lukas Steiner": "Building cargo bikes in Salzburg. Missed the last meetings — new "
                     "workshop, new baby.",
    "Matthias Krüger": "Most important client. Likes a short call more than a long email.\n"
                       "Budget decisions happen in January and July.",
    "Wolfgang Leitner": "Maintenance contract runs out next spring. Haven't spoken since the "
                        "summer — should call before someone else does.",
    "Piotr Kowalski": "First client after going independent. The project ended; we still "
                      "talk, but less and less.",
    "Severin Tschudi": "My mentor at Alpstein. Ask him before any big decision.\n"
                       "Our lunches have slipped from every two months to twice a year.",
    "Friederike von Hagen": "Mentor. Former Vorständin at a Hamburg shipping company, sits on "
                            "three boards now. Thinks in decades.",
    "Christa Bäumler": "My Patentante. Call, don't text. Loves hearing about the business.",
    "Georg Pöll": "Guided us up the Großglockner. Wants to do the Ortler next summer.",
    "Björn Lehmann": "Restless at Kranich; hinted he's open to something new.",
    "Dimitris Alexiou": "Sharpest reviewer of offers I know. Supporter of PAOK — avoid the "
                        "topic after a lost derby.",
    "Åsa Lindqvist": "Runs a speaker agency in Stockholm. Met at the Lisbon conference.",
    "Ivana Kovačević": "Legal tech founder. We sat next to each other in Analysis I.",
    "Lena Wagner": "Birthday on 29 February — congratulate on the 28th in other years.",
    "Hans-Jürgen Kößler": "My first boss. Retired to Passau. A call on his birthday every year.",
    "Heinz-Peter Schulte-Wißmann": "Goes by HP. Knows everyone in the Ruhrgebiet Mittelstand.",
    "Mia Kowalczyk": "Interned with me for three months. Bright; looking for a working-student "
                     "job.",
    "Konstantin Weber": "Business angel, mostly mobility and hardware. Likes numbers first, "
                        "story second.",
    "Yasemin Aksoy": "Headhunter for engineering leads. Discreet.",
    "Cem Öztürk": "Rarely at breakfast but always helpful with the company cars.",
}

NOTE_POOLS = {
    "close-friends": [
        "Known each other forever. Allergic to cats.",
        "Runs the Munich half-marathon every year; I cheer at kilometre 15.",
    ],
    "breakfast": [
        "Reliable referral partner; passes on leads without being asked.",
        "Talks fast, thinks faster. Good at spotting who needs whom.",
        "Quiet at the table but follows up on every lead.",
        "Has been in the club longer than me. Knows the history of every member.",
        "Brings croissants from the good bakery when it's their turn.",
    ],
    "peer-group": [
        "Honest in the hot seat; asks the uncomfortable question.",
        "Similar size of business to mine, similar headaches.",
        "Good on pricing and contracts.",
    ],
    "clients": [
        "Decisions go through the board; plan for six weeks from proposal to signature.",
        "Pays on time. Prefers video calls to travel.",
        "Small team, big ambitions. Needs clear milestones.",
        "Happy with the last project; open to a second phase next year.",
        "Invoices to the Buchhaltung, not to them directly.",
    ],
    "former-colleagues": [
        "We shipped the bank migration together. Still the calmest person in a crisis.",
        "Sat opposite me for three years. Knows where the bodies are buried.",
        "Good sparring partner for architecture questions.",
        "Moved on to a bigger role since; happy to share what they learn.",
    ],
    "alumni": [
        "Same Lerngruppe in the first semesters.",
        "Shared a WG in Schwabing for two years.",
        "We did the Praktikum at the Lehrstuhl together.",
    ],
    "others": [
        "Lovely person; nothing business-related.",
        "Met through friends. Good for recommendations in town.",
        "Knows the local scene well.",
    ],
}

MET = {
    "close-friends": [
        "Neighbours in the Glockenbachviertel years ago.",
        "Through {other} at a barbecue at the Isar.",
        "Climbing course at the DAV, long before the business.",
    ],
    "breakfast": [
        "Breakfast club — came as a guest of {other} and stayed.",
        "Breakfast club; sat next to each other at my first breakfast.",
        "Founding member of the breakfast club.",
    ],
    "peer-group": [
        "Peer group: joined when {other} recommended them.",
        "Founded the peer group together after a workshop in Zürich.",
        "Peer group; we met at an owners' retreat in Graz first.",
    ],
    "clients": [
        "Referral from {other}.",
        "Met at a trade fair; became a client a few months later.",
        "Enquiry through the website.",
        "Gave a talk at their company's tech day.",
    ],
    "former-colleagues": [
        "Worked together at Kranich Digital in Berlin.",
        "Colleagues at Alpstein Consulting in Zürich; shared an office.",
        "Same project team at Kranich Digital (the long bank migration).",
    ],
    "alumni": [
        "Studied together at TU München (Informatik).",
        "TUM — same Lerngruppe for Analysis I.",
        "TUM; we shared a WG in Schwabing.",
    ],
    "others": [
        "Through {other}.",
        "Met at a conference in Lisbon.",
        "Neighbour.",
        "Friend of a friend; met at a wedding.",
    ],
}

# Phone numbers: country code and area code by city; abroad people get none or a DE mobile.
CITY_PHONES = {
    "München": ("49", "89"), "Berlin": ("49", "30"), "Hamburg": ("49", "40"),
    "Köln": ("49", "221"), "Frankfurt am Main": ("49", "69"), "Stuttgart": ("49", "711"),
    "Leipzig": ("49", "341"), "Düsseldorf": ("49", "211"), "Hannover": ("49", "511"),
    "Augsburg": ("49", "821"), "Freising": ("49", "8161"), "Dachau": ("49", "8131"),
    "Potsdam": ("49", "331"), "Dresden": ("49", "351"), "Nürnberg": ("49", "911"),
    "Regensburg": ("49", "941"), "Rosenheim": ("49", "8031"), "Essen": ("49", "201"),
    "Kiel": ("49", "431"), "Passau": ("49", "851"), "Garmisch-Partenkirchen": ("49", "8821"),
    "Zürich": ("41", "44"), "Basel": ("41", "61"), "Bern": ("41", "31"),
    "Luzern": ("41", "41"), "Winterthur": ("41", "52"), "St. Gallen": ("41", "71"),
    "Chur": ("41", "81"), "Zug": ("41", "41"), "Lugano": ("41", "91"),
    "Wien": ("43", "1"), "Graz": ("43", "316"), "Linz": ("43", "732"),
    "Salzburg": ("43", "662"), "Innsbruck": ("43", "512"), "Dornbirn": ("43", "5572"),
}
MOBILE_PREFIXES = {
    "49": ("151", "152", "160", "170", "171", "172", "175", "176", "177", "179"),
    "41": ("76", "77", "78", "79"),
    "43": ("650", "660", "664", "676", "680", "699"),
}

# Interaction notes.
BREAKFAST_TOPICS = [
    "Digitalisierung im Handwerk", "Why we stopped cold calling", "Steuertipps zum Jahresende",
    "Fotos, die verkaufen", "Hiring the first Azubi", "Moving the shop online",
    "Versicherungen für Selbstständige", "Catering for 200 without panic",
    "Backups that actually restore", "Employer branding on a small budget",
    "How I price a Badsanierung", "Leasing vs. buying the company car",
    "Google reviews: asking without begging", "Der Immobilienmarkt im Münchner Umland",
    "E-Bikes für Firmenflotten", "Print is not dead", "Rückenschule für Büromenschen",
    "What a Steuerprüfung really looks like", "Pricing software projects",
    "Five minutes on LinkedIn a day",
]
BREAKFAST_EXTRAS = [
    "", "", "", " Three referrals passed round.", " A guest from a Gärtnerei joined.",
    " Short one — half the group at a trade fair.", " Good energy; stayed until 9.",
    " Two new guests, one wants to join.",
]
PEER_PROBLEMS = [
    "raising prices for existing customers", "the first hire outside the family",
    "a partner who wants out", "cash flow in the winter months", "saying no to a big client",
    "early signs of burnout", "selling the business in ten years", "a second location",
    "moving to a four-day week", "a key employee who resigned", "whether to take on a loan",
    "a client who pays 90 days late",
]
PEER_RETREATS = ["Zürich", "Graz", "Wien", "Basel", "Salzburg", "Hamburg"]
ONE_ON_ONE = {
    "close-friends": [
        ("meeting", "Dinner at the Italian place at Gärtnerplatz."),
        ("meeting", "Biergarten after work; talked about the summer plans."),
        ("call", "Long call about nothing in particular, which was the point."),
        ("message", "Sent photos from the weekend in the mountains."),
        ("message", "Voice messages back and forth about the kids' school."),
        ("meeting", "Bouldering, then Döner."),
        ("call", "Called to hear how the new job is going."),
        ("event", "Birthday party — stayed far too long."),
        ("other", "Dropped off the borrowed Kinderwagen."),
        ("meeting", "Walk along the Isar on Sunday morning."),
    ],
    "breakfast": [
        ("meeting", "Coffee after breakfast club to talk about a joint offer."),
        ("call", "Quick call about a lead from the breakfast."),
        ("message", "Thanked for the referral."),
    ],
    "peer-group": [
        ("call", "One-to-one after the hot seat: follow-up on the hiring question."),
        ("call", "Call to prepare the next retreat."),
        ("email", "Shared my pricing spreadsheet as promised."),
    ],
    "clients": [
        ("meeting", "Quarterly review: roadmap and budget for next quarter."),
        ("call", "Call about the open change requests."),
        ("email", "Sent the proposal for phase 2."),
        ("meeting", "Workshop on site with their team."),
        ("email", "Sorted out a question about the last invoice."),
        ("call", "Status call; everything on track."),
        ("meeting", "Lunch to celebrate the go-live."),
    ],
    "former-colleagues": [
        ("call", "Catch-up call: what's new at work and at home."),
        ("meeting", "Lunch while I was in town for a client."),
        ("message", "Congratulated on the new role."),
        ("email", "Asked for their take on a tricky architecture question."),
    ],
    "alumni": [
        ("message", "Birthday wishes."),
        ("call", "Caught up after years; promised not to wait that long again."),
        ("message", "Shared an article about the old Lehrstuhl."),
    ],
    "others": [
        ("meeting", "Coffee in town."),
        ("message", "Quick message to say hello."),
        ("call", "Call to ask for a recommendation."),
        ("other", "Sent a postcard from the holidays."),
    ],
}

FAVOURS = {
    ("received", "advice"): [
        "Talked me through VAT for Swiss clients.",
        "Honest feedback on my pricing page.",
        "Reviewed my contract template and fixed the liability clause.",
    ],
    ("received", "introduction"): [
        "Introduced me to the head of IT at a Hamburg shipping company.",
        "Put me in touch with a good Steuerberaterin.",
    ],
    ("received", "help"): [
        "Helped me move the office on a Saturday.",
        "Lent me the studio for the team photo.",
        "Fixed the NAS on a Sunday evening.",
    ],
    ("received", "referral"): [
        "Recommended me to a logistics company — became a three-month project.",
        "Passed my name on for a talk at the Rotary Club.",
    ],
    ("received", "gift"): [
        "Brought a bottle of Grüner Veltliner from the Wachau.",
        "A box of Basler Läckerli at Christmas.",
    ],
    ("received", "other"): ["Covered the bill when my card did not work."],
    ("given", "advice"): [
        "Reviewed the texts for their new website.",
        "Helped prepare the pitch for the bank.",
        "Went through their IT setup and wrote down what to change.",
    ],
    ("given", "introduction"): [
        "Put them in touch with my Steuerberaterin.",
        "Introduced them to a designer I trust.",
    ],
    ("given", "help"): [
        "Set up their newsletter tool.",
        "Drove them to the airport at 5 in the morning.",
        "Helped carry furniture into the new flat.",
    ],
    ("given", "referral"): [
        "Passed on a client enquiry that did not fit me.",
        "Recommended them for a speaking slot.",
    ],
    ("given", "gift"): [
        "Sent flowers when the baby was born.",
        "A book for the long train ride: 'Thinking in Systems'.",
    ],
    ("given", "other"): ["Watered the plants for three weeks in August."],
}
FAVOUR_WEIGHTS = {
    "advice": (1, 2), "introduction": (1, 2), "help": (1, 3), "referral": (2, 3),
    "gift": (1, 1), "other": (1, 1),
}

INTRODUCTIONS = [
    # a, b, days ago, note, outcome, outcome days after
    ("Ayşe Yılmaz", "Lan Nguyen", 540, "Lan needed a Steuerberaterin for the restaurant.",
     "Ayşe does Lan's books now.", 30),
    ("Reto Bühler", "Mirjam Rüegg", 420, "Mirjam was looking for a Treuhänder near Winterthur.",
     "Signed a mandate after two meetings.", 45),
    ("Agnieszka Nowak", "Piotr Kowalski", 610, "UX help for the onboarding of his app.",
     "Aga redesigned the onboarding; conversion went up.", 60),
    ("Florian Gruber", "Lukas Steiner", 300, "Both build with wood and steel; thought they'd "
     "get along.", "Met at a fair in Salzburg — no business, but a friendship.", 50),
    ("Henrik Voß", "Zeynep Çelik", 250, "Zeynep wanted a podcast studio in the north.",
     "Co-produced a six-part series.", 75),
    ("Bożena Kamińska", "Magdalena Moser", 380, "New photos for the hotel brochure.",
     "Bo shot the new brochure in two days.", 40),
    ("Oliver Bennett", "Valentin Eder", 330, "Cross-border contract question, DE and AT law.",
     "Didn't click — different ideas about fees.", 21),
    ("Mia Kowalczyk", "Lars Becker", 200, "Mia is looking for a working-student job.",
     "Lars hired her as a Werkstudentin.", 35),
    ("Friederike von Hagen", "Agnieszka Nowak", 480, "Aga wanted a mentor outside her industry.",
     "Monthly mentoring calls ever since.", 28),
    ("Jürgen Müller", "Sabine Köhler", 690, "Bathroom renovations for flats she sells.",
     "Jürgen renovates two flats a year for her buyers.", 90),
    ("Dörte Meißner", "Felix Hähnel", 450, "Both work on optics and sensors.", "", 0),
    # Recent, no outcome yet: the review asks how they went.
    ("Konstantin Weber", "Emre Şahin", 33, "Emre wants investors for a second shop.", "", 0),
    ("Yasemin Aksoy", "Björn Lehmann", 40, "Björn hinted he's looking for a new role.", "", 0),
]

FOLLOW_UPS = [
    # name, due days ago (negative: future), note, recurrence, done days ago, snoozed until
    ("Matthias Krüger", 0, "Send the revised estimate for the warehouse app.", None, None, None),
    ("Ayşe Yılmaz", 3, "Bring the Belege for the Umsatzsteuer-Voranmeldung.", None, None, None),
    ("Giulia Rossi", 12, "Ask how she and Matteo are doing; bring the Kinderwagen back.",
     None, None, None),
    ("Theresa Pichler", 6, "Ask whether she's coming back to the peer group.", None, None, -4),
    ("Reto Bühler", -2, "Prepare a hot-seat question for the peer group.", None, None, None),
    ("Wolfgang Leitner", -5, "Call about renewing the maintenance contract.", None, None, None),
    ("Björn Lehmann", -9, "Ask whether Yasemin got in touch.", None, None, None),
    ("Lena Wagner", -30, "Coffee when she's back from parental leave.", None, None, None),
    ("Friederike von Hagen", -17, "Mentoring check-in.", "every 3 months", None, None),
    ("Daniela Zürcher", 20, "Quarterly report to Limmat Versicherungen.", "every 3 months", 18,
     None),
    ("Sabine Köhler", 45, "Send her Bo's contact for the listing photos.", None, 44, None),
    ("Piotr Kowalski", 100, "Send the final invoice for phase 1.", None, 95, None),
    ("Emre Şahin", -45, "Book the bike service before the season.", None, None, None),
]

# Two people are in the book twice, the way imports leave them: Jürgen again from an old
# phone's address book (no umlauts, his mobile in national form, no email) and Andreas from a
# LinkedIn export under his nickname. Each record has a little history of its own, so a merge
# has something to move. Appended after everyone else, with no randomness, so the rest of the
# network stays exactly as it was. `kontakt dupes` and the Duplicates screen find both pairs.
DUPLICATES = [
    {
        "of": "Jürgen Müller", "ref": "juergen-mueller-phone", "name": "Juergen Mueller",
        "org": "Mueller & Soehne GmbH", "role": "Sanitaer & Heizung", "location": "Muenchen",
        "notes": "From the old phone's address book.", "national_phone": True,
        "added_days_ago": 420,
        "interactions": [
            (395, "call", "Asked him for a quote for the office bathroom."),
            (240, "message", "He sent the plumber's number for the Sunday emergency."),
        ],
        "favours": [
            (240, "received", "help", 2, "Sent his own plumber on a Sunday when the office "
             "pipe burst.", "returned"),
        ],
    },
    {
        "of": "Andreas Hürlimann", "ref": "andi-huerlimann", "name": "Andi Hürlimann",
        "org": "Hürlimann Data AG", "role": "Founder & CEO", "location": "Zürich, Switzerland",
        "met": "LinkedIn: connected after the TUM alumni evening.",
        "added_days_ago": 300,
        "interactions": [
            (210, "message", "Congratulated him on the Series A; he wants to hear about "
             "our data platform work."),
        ],
        "favours": [],
    },
]

SPECIAL_BIRTHDAYS = {
    "Lena Wagner": {"birthday": "1988-02-29"},
    # Coming up within a week of whatever day the demo is loaded.
    "Tobias Schäfer": {"birthday_in_days": 2, "birth_year": 1984},
    "Elif Demir": {"birthday_in_days": 6, "birth_year": None},
}
ALWAYS_BIRTHDAY = ("close-friends",)
# Birth years that fit the story (new parents, the student, the retired); others 1956–1998.
BIRTH_YEARS = {
    "close-friends": (1979, 1989), "Giulia Rossi": (1985, 1989), "Lukas Steiner": (1986, 1991),
    "Mia Kowalczyk": (2001, 2003), "Hans-Jürgen Kößler": (1949, 1952),
    "Christa Bäumler": (1950, 1954), "Karl-Heinz Bäumler": (1946, 1950),
    "Petra Schmid": (1953, 1957), "alumni": (1982, 1988),
}


@dataclass
class Person:
    name: str
    city: str
    org: str
    role: str
    circles: list[str] = field(default_factory=list)
    interactions: list[int] = field(default_factory=list)  # days ago, filled while generating

    @property
    def ref(self) -> str:
        return slug(self.name)

    @property
    def home(self) -> str:
        """The circle that describes the person best (the first one they were listed in)."""
        return self.circles[0] if self.circles else "others"


def ascii_fold(text: str) -> str:
    for src, dst in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss"), ("ı", "i"),
                     ("ł", "l"), ("Ł", "L"), ("Ä", "Ae"), ("Ö", "Oe"), ("Ü", "Ue")):
        text = text.replace(src, dst)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", ascii_fold(name).lower()).strip("-")


def local_part(word: str) -> str:
    """'O'Connor' → 'oconnor', 'Schulte-Wißmann' → 'schulte-wissmann'."""
    return re.sub(r"[^a-z0-9-]+", "", ascii_fold(word).lower())


def compact(record: dict) -> dict:
    """Leave out empty fields; the loader reads them as empty."""
    return {k: v for k, v in record.items() if v is not None and v != "" and v != []
            and v is not False}


def cadence_days(text: str | None) -> float | None:
    return Cadence.parse(text).approx_days if text else None


def read_people() -> dict[str, Person]:
    people: dict[str, Person] = {}
    for circle, block in (
        ("close-friends", CLOSE_FRIENDS), ("breakfast", BREAKFAST), ("peer-group", PEER_GROUP),
        ("clients", CLIENTS), ("former-colleagues", FORMER_COLLEAGUES), ("alumni", ALUMNI),
        (None, OTHERS),
    ):
        for line in block.strip().splitlines():
            name, city, org, role = (part.strip() for part in line.split("|"))
            person = people.setdefault(name, Person(name, city, org, role))
            if circle:
                person.circles.append(circle)
    return people


class Network:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.people = read_people()
        self.interactions: list[dict] = []
        self.used_emails: set[str] = set()

    # ---------------------------------------------------------------- rhythm helpers

    def effective_days(self, person: Person) -> float | None:
        own = cadence_days(OWN_CADENCE.get(person.name))
        if own:
            return own
        cadences = [cadence_days(c) for name, c, _ in CIRCLES if name in person.circles and c]
        return min(cadences) if cadences else None

    def window(self, person: Person) -> int:
        """Days ago before which random events may include this person (0: any time)."""
        profile = PROFILES.get(person.name)
        if profile is None:
            return 0
        kind = profile[0]
        if kind == "none":
            return HISTORY_DAYS + 1
        if kind in ("overdue", "quiet", "stop", "every-other"):
            return profile[1]
        last, gaps = profile[1], profile[2]
        return last + sum(gaps)

    def free(self, person: Person, days_ago: int) -> bool:
        return days_ago > self.window(person)

    def log(self, days_ago: int, kind: str, note: str, people: list[Person]) -> None:
        if not people:
            return
        self.interactions.append(
            {"days_ago": days_ago, "kind": kind, "note": note, "with": [p.ref for p in people]}
        )
        for person in people:
            person.interactions.append(days_ago)

    # ---------------------------------------------------------------- group meetings

    def members(self, circle: str) -> list[Person]:
        return [p for p in self.people.values() if circle in p.circles]

    def attends(self, person: Person, days_ago: int, index: int, p: float, last: bool) -> bool:
        profile = PROFILES.get(person.name)
        if profile and profile[0] == "stop":
            return days_ago >= profile[1] and self.rng.random() < p
        if profile and profile[0] == "every-other" and days_ago < profile[1]:
            return index % 2 == 1
        if profile and days_ago < self.window(person):
            return False
        return self.rng.random() < (max(p, 0.92) if last else p)

    def breakfasts(self) -> None:
        members = self.members("breakfast")
        chance = {p.name: self.rng.uniform(0.55, 0.9) for p in members}
        chance["Cem Öztürk"] = 0.2
        days = [d for d in range(2, HISTORY_DAYS, 7) if not 120 <= d <= 135 and
                not 485 <= d <= 500]
        stopped: set[str] = set()
        for index, days_ago in enumerate(days):
            present = [p for p in members
                       if self.attends(p, days_ago, index, chance[p.name], index == 0)]
            # Whoever stopped coming was there the last time before they stopped.
            for p in members:
                profile = PROFILES.get(p.name)
                if profile and profile[0] == "stop" and days_ago >= profile[1] \
                        and p.name not in stopped:
                    stopped.add(p.name)
                    if p not in present:
                        present.append(p)
            spare = [p for p in members if p not in present and self.free(p, days_ago)]
            self.rng.shuffle(spare)
            present += spare[: max(0, 5 - len(present))]
            presenter = self.rng.choice(present)
            topic = BREAKFAST_TOPICS[index % len(BREAKFAST_TOPICS)]
            note = (f"Breakfast club: {presenter.name.split()[0]} presented „{topic}“."
                    + self.rng.choice(BREAKFAST_EXTRAS))
            self.log(days_ago, "meeting", note, present)

    def peer_group(self) -> None:
        members = self.members("peer-group")
        chance = {p.name: self.rng.uniform(0.75, 0.95) for p in members}
        days = [round(12 + k * 30.44) for k in range(24)]
        days = [d for i, d in enumerate(days) if i not in (7, 19) and d < HISTORY_DAYS]
        stopped: set[str] = set()
        for index, days_ago in enumerate(days):
            present = [p for p in members
                       if self.attends(p, days_ago, index, chance[p.name], index == 0)]
            for p in members:
                profile = PROFILES.get(p.name)
                if profile and profile[0] == "stop" and days_ago >= profile[1] \
                        and p.name not in stopped:
                    stopped.add(p.name)
                    if p not in present:
                        present.append(p)
            hot_seat = self.rng.choice(present)
            problem = PEER_PROBLEMS[index % len(PEER_PROBLEMS)]
            if index % 6 == 3:
                city = PEER_RETREATS[(index // 6) % len(PEER_RETREATS)]
                note = (f"Peer-group retreat in {city}, two days.\n"
                        f"Hot seat: {hot_seat.name.split()[0]} on {problem}.")
                self.log(days_ago, "event", note, present)
            else:
                note = (f"Peer group (video call). Hot seat: {hot_seat.name.split()[0]} "
                        f"on {problem}.")
                self.log(days_ago, "meeting", note, present)

    def events(self) -> None:
        """Yearly alumni evenings, one reunion of former colleagues, dinners among friends."""
        alumni = self.members("alumni")
        for days_ago in (230, 590):
            present = [p for p in alumni if self.free(p, days_ago) and self.rng.random() < 0.45]
            self.log(days_ago, "event", "TUM alumni evening at the Garching campus.", present)
        colleagues = [p for p in self.members("former-colleagues")
                      if "Kranich" in p.org or self.rng.random() < 0.3]
        present = [p for p in colleagues if self.free(p, 320) and self.rng.random() < 0.7]
        self.log(320, "event", "Kranich Digital reunion in Berlin — ten years since the bank "
                 "migration went live.", present)
        friends = self.members("close-friends")
        for days_ago in range(9, HISTORY_DAYS, 47):
            free = [p for p in friends if self.free(p, days_ago)]
            if len(free) >= 2:
                present = self.rng.sample(free, self.rng.randint(2, min(4, len(free))))
                names = " and ".join(p.name.split()[0] for p in present[1:])
                self.log(days_ago, "meeting",
                         f"Dinner at {present[0].name.split()[0]}'s with {names}.", present)

    # ---------------------------------------------------------------- one-on-ones

    def one_on_ones(self, person: Person) -> None:
        profile = PROFILES.get(person.name, ("regular",))
        cadence = self.effective_days(person)
        pool = ONE_ON_ONE[person.home]
        grouped = bool({"breakfast", "peer-group"} & set(person.circles))
        days: list[int] = []
        kind = profile[0]
        if kind == "none":
            return
        if kind in ("stop", "every-other"):
            return  # the group meetings tell their story
        if kind == "drift":
            last, gaps = profile[1], profile[2]
            days.append(last)
            for gap in gaps:
                days.append(days[-1] + gap)
            days += self.series(days[-1], cadence or 90)[1:]
        elif kind in ("overdue", "quiet"):
            days += self.series(profile[1], cadence or self.rng.randint(90, 240))
        elif grouped:
            # The group meetings keep the rhythm; an occasional coffee on the side.
            days += [d for d in self.series(self.rng.randint(20, 150), 160) if d > 0]
        elif cadence:
            days += self.series(self.rng.randint(1, int(cadence * 0.8)), cadence)
        else:
            days += sorted(self.rng.sample(range(5, HISTORY_DAYS), self.rng.randint(1, 4)),
                           reverse=True)
        for days_ago in days:
            if days_ago > HISTORY_DAYS:
                continue
            kind_, note = self.rng.choice(pool)
            self.log(days_ago, kind_, note, [person])

    def series(self, last: int, cadence: float) -> list[int]:
        """Days ago from `last` backwards, each gap a bit shorter than the cadence."""
        days = [last]
        while True:
            gap = self.rng.randint(max(1, int(cadence * 0.55)), max(2, int(cadence * 0.95)))
            if days[-1] + gap > HISTORY_DAYS:
                return days
            days.append(days[-1] + gap)

    # ---------------------------------------------------------------- contacts

    def phone(self, city: str, mobile: bool) -> str | None:
        rng = self.rng
        if city not in CITY_PHONES:
            return None
        country, area = CITY_PHONES[city]
        if mobile:
            prefix = rng.choice(MOBILE_PREFIXES[country])
            if country == "41":
                return (f"+41 {prefix} {rng.randint(100, 999)} {rng.randint(10, 99)} "
                        f"{rng.randint(10, 99)}")
            if country == "43":
                return f"+43 {prefix} {rng.randint(1000000, 9999999)}"
            return f"+49 {prefix} {rng.randint(1000000, 99999999)}"
        if country == "41":
            return (f"+41 {area} {rng.randint(200, 999)} {rng.randint(10, 99)} "
                    f"{rng.randint(10, 99)}")
        digits = 8 - len(area) + (1 if country == "49" else 0)
        return f"+{country} {area} {rng.randint(2 * 10 ** (digits - 1), 10 ** digits - 1)}"

    def emails(self, person: Person) -> list[str]:
        rng = self.rng
        words = [w for w in person.name.split() if not w.endswith(".")]  # no "Dr."
        first, last = local_part(words[0]), local_part("".join(words[1:]))
        if rng.random() < 0.08:
            return []
        # Private addresses; the initial-dot-surname form is kept for work addresses.
        forms = [f"{first}.{last}", f"{first}", f"{last}.{first}", f"{first}.{last[:1]}"]
        emails = [self.unused(f"{rng.choice(forms)}@{rng.choice(EMAIL_DOMAINS)}")]
        if person.org and person.org != "freelance" and rng.random() < 0.35:
            emails.insert(0, self.unused(f"{first[0]}.{last}@{rng.choice(EMAIL_DOMAINS)}"))
        return emails

    def unused(self, email: str) -> str:
        """The address, or a numbered variant if someone in the network has it already."""
        local, domain = email.split("@")
        candidate, number = email, 1
        while candidate in self.used_emails:
            number += 1
            candidate = f"{local}{number}@{domain}"
        self.used_emails.add(candidate)
        return candidate

    def birthday(self, person: Person) -> dict:
        if person.name in SPECIAL_BIRTHDAYS:
            return dict(SPECIAL_BIRTHDAYS[person.name])
        rng = self.rng
        wanted = person.home in ALWAYS_BIRTHDAY or rng.random() < 0.47
        if not wanted:
            return {}
        low, high = BIRTH_YEARS.get(person.name) or BIRTH_YEARS.get(person.home) or (1956, 1998)
        month, day, year = rng.randint(1, 12), rng.randint(1, 28), rng.randint(low, high)
        if rng.random() < 0.22:
            return {"birthday": f"--{month:02d}-{day:02d}"}
        return {"birthday": f"{year:04d}-{month:02d}-{day:02d}"}

    def contact(self, person: Person, others: list[Person]) -> dict:
        rng = self.rng
        phones = []
        if rng.random() < 0.9:
            phones.append(self.phone(person.city, mobile=True) or "")
        if person.org and rng.random() < 0.3:
            phones.append(self.phone(person.city, mobile=False) or "")
        phones = [p for p in phones if p]
        if person.name in ARCHIVED:
            notes = ARCHIVED[person.name]
        elif person.name in BESPOKE_NOTES:
            notes = BESPOKE_NOTES[person.name]
        else:
            notes = rng.choice(NOTE_POOLS[person.home])
            if rng.random() < 0.3:
                notes += "\n" + rng.choice(NOTE_POOLS[person.home])
        # Whoever brought them in comes from the same circle, if there is anyone else in it.
        same = [p for p in others if p is not person and p.home == person.home]
        other = rng.choice(same or [p for p in others if p is not person])
        met = rng.choice(MET[person.home]).format(other=other.name)
        activity = person.interactions or [rng.randint(14, 900)]
        record: dict = {
            "ref": person.ref,
            "name": person.name,
            "nickname": NICKNAMES.get(person.name, ""),
            "emails": self.emails(person),
            "phones": phones,
            "org": "" if person.org == "freelance" else person.org,
            "role": person.role if person.org != "freelance" else f"{person.role} (freelance)",
            "location": person.city,
            "met": met,
            "notes": notes,
            "circles": person.circles,
            "cadence": OWN_CADENCE.get(person.name),
            **self.birthday(person),
            "archived": person.name in ARCHIVED,
            "added_days_ago": max(activity) + rng.randint(10, 120),
        }
        return compact(record)

    # ---------------------------------------------------------------- ledger

    def favours(self) -> list[dict]:
        rng = self.rng
        favours = []
        candidates = [p for p in self.people.values()
                      if len(p.interactions) >= 2 and p.name not in ARCHIVED]
        for _ in range(36):
            person = rng.choice(candidates)
            # Favours happen around an interaction, never after the latest one, so only the
            # deliberate cases below look like "received and not thanked".
            days_ago = rng.choice(sorted(set(person.interactions))[1:])
            direction = rng.choice(("given", "received"))
            kind = rng.choice(("advice", "introduction", "help", "referral", "gift", "other"))
            low, high = FAVOUR_WEIGHTS[kind]
            if days_ago < 60:
                status = "open"
            else:
                status = rng.choices(("open", "returned", "let go"), (3, 5, 2))[0]
            favours.append({
                "with": person.ref, "direction": direction, "kind": kind,
                "weight": rng.randint(low, high), "days_ago": days_ago, "status": status,
                "description": rng.choice(FAVOURS[(direction, kind)]),
            })
        for name, days_ago, kind, weight, description in UNTHANKED:
            person = self.people[name]
            assert min(person.interactions) > days_ago, name
            favours.append({
                "with": person.ref, "direction": "received", "kind": kind, "weight": weight,
                "days_ago": days_ago, "status": "open", "description": description,
            })
        return sorted(favours, key=lambda f: (-f["days_ago"], f["with"]))

    def introductions(self) -> list[dict]:
        result = []
        for a, b, days_ago, note, outcome, after in INTRODUCTIONS:
            record = {"a": slug(a), "b": slug(b), "days_ago": days_ago, "note": note}
            if outcome:
                record["outcome"] = outcome
                record["outcome_days_ago"] = days_ago - after
                # Did it work? Only the one that "didn't click" fizzled.
                record["result"] = "fizzled" if outcome.startswith("Didn't click") else "worked"
            result.append(record)
        return result

    def follow_ups(self) -> list[dict]:
        result = []
        for name, due, note, recurrence, done, snoozed in FOLLOW_UPS:
            record = {"with": slug(name), "due_days_ago": due, "note": note,
                      "recurrence": recurrence, "done_days_ago": done,
                      "snoozed_until_days_ago": snoozed}
            result.append(compact(record))
        return result

    # ---------------------------------------------------------------- duplicates

    def duplicates(self, by_ref: dict[str, dict]) -> tuple[list[dict], list[dict]]:
        """The second records of DUPLICATES, their interactions (logged here) and favours."""
        contacts, favours = [], []
        for dupe in DUPLICATES:
            original = by_ref[slug(dupe["of"])]
            phones = []
            if dupe.get("national_phone"):
                # "+49 170 36601335" as a German phone stores it: "0170 36601335".
                phones = ["0" + original["phones"][0].split(" ", 1)[1]]
            contacts.append(compact({
                "ref": dupe["ref"], "name": dupe["name"], "phones": phones,
                "org": dupe["org"], "role": dupe["role"], "location": dupe["location"],
                "met": dupe.get("met", ""), "notes": dupe.get("notes", ""),
                "added_days_ago": dupe["added_days_ago"],
            }))
            for days_ago, kind, note in dupe["interactions"]:
                self.interactions.append(
                    {"days_ago": days_ago, "kind": kind, "note": note, "with": [dupe["ref"]]}
                )
            for days_ago, direction, kind, weight, description, status in dupe["favours"]:
                favours.append({
                    "with": dupe["ref"], "direction": direction, "kind": kind, "weight": weight,
                    "days_ago": days_ago, "status": status, "description": description,
                })
        return contacts, favours

    # ---------------------------------------------------------------- all of it

    def build(self) -> dict:
        self.breakfasts()
        self.peer_group()
        self.events()
        for person in self.people.values():
            self.one_on_ones(person)
        everyone = list(self.people.values())
        contacts = [self.contact(p, everyone) for p in everyone]
        favours = self.favours()
        introductions = self.introductions()
        follow_ups = self.follow_ups()
        # Nobody is added to the book after something that happened with them.
        by_ref = {c["ref"]: c for c in contacts}
        dated = [(f["with"], f["days_ago"]) for f in favours]
        dated += [(i[side], i["days_ago"]) for i in introductions for side in ("a", "b")]
        dated += [(f["with"], f["due_days_ago"]) for f in follow_ups]
        for ref, days_ago in dated:
            by_ref[ref]["added_days_ago"] = max(by_ref[ref]["added_days_ago"], days_ago + 7)
        dupes, dupe_favours = self.duplicates(by_ref)
        contacts += dupes
        favours = sorted(favours + dupe_favours, key=lambda f: (-f["days_ago"], f["with"]))
        self.interactions.sort(key=lambda i: (-i["days_ago"], i["with"][0], i["note"]))
        return {
            "format": "kontakt-demo-network/1",
            "about": "A made-up network for `kontakt demo`; written by data/make_demo.py.",
            "dates": "Every *days_ago counts days before the day the demo is loaded "
                     "(negative: the future); birthday_in_days counts days after it.",
            "circles": [{"name": n, "cadence": c, "description": d} for n, c, d in CIRCLES],
            "contacts": contacts,
            "interactions": self.interactions,
            "favours": favours,
            "introductions": introductions,
            "follow_ups": follow_ups,
        }


def dump(network: dict) -> str:
    """JSON with one record per line: readable, and diffs stay small when the script changes."""
    lines = ["{"]
    keys = list(network)
    for position, key in enumerate(keys):
        comma = "," if position < len(keys) - 1 else ""
        value = network[key]
        if isinstance(value, list):
            lines.append(f'  "{key}": [')
            for i, item in enumerate(value):
                item_comma = "," if i < len(value) - 1 else ""
                lines.append("    " + json.dumps(item, ensure_ascii=False) + item_comma)
            lines.append(f"  ]{comma}")
        else:
            lines.append(f'  "{key}": {json.dumps(value, ensure_ascii=False)}{comma}')
    lines.append("}")
    return "\n".join(lines) + "\n"


def main() -> None:
    network = Network(random.Random(SEED)).build()
    OUT.write_text(dump(network), encoding="utf-8")
    print(f"{OUT.name}: {len(network['contacts'])} contacts, "
          f"{len(network['interactions'])} interactions, {len(network['favours'])} favours, "
          f"{len(network['introductions'])} introductions, "
          f"{len(network['follow_ups'])} follow-ups")


if __name__ == "__main__":
    main()
