"""Deterministic benchmark books: N people with ~10 interactions each, and the same people as vCards.

    .venv/bin/python benchmarks/generate.py [--sizes 1k,10k,100k] [--vcards 1k,10k,50k]

A book of N people holds ~10 interaction links per person (1M at 100k; a third of the
interactions are group meetings), favours (N/2), follow-ups (N/5), introductions (N/10),
eight circles (some with cadences) and notes of realistic length. The book is opened with
`Book.open` so the migrations build exactly the schema the store expects; then the rows go
in with executemany in one transaction (a fixture may speak SQL), the search index is
rebuilt in one statement and the materialised last_contact / next_due are recomputed —
last_contact in SQL, next_due with the domain's own rule so it matches what the store
would write.

Books are cached under benchmarks/.cache/ keyed by size, GENERATOR_VERSION and a fingerprint
of the schema: bump the version whenever the generated data changes; a new index or table
makes new books by itself. Old caches are simply not used (delete them at will).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from kontakt.domain import Cadence, effective_cadence, fold, next_due  # noqa: E402
from kontakt.store import Book  # noqa: E402
from kontakt.store import cadence_circles  # noqa: E402

GENERATOR_VERSION = 1
CACHE = Path(__file__).resolve().parent / ".cache"
TODAY = date(2026, 11, 23)
SEED = 20261123
# The surname every search benchmark types: one of ~480 surnames, so it matches ~0.2 %.
SEARCH_TERM = "Rosenberger"

FIRST = (
    "Jürgen Thomas Michael Andreas Stefan Christian Markus Martin Peter Wolfgang Klaus "
    "Anna Maria Julia Katharina Laura Sarah Lena Sophie Lisa Elena Sabine Ursula Monika "
    "Robert William James Richard David Daniel Matthew Andrew Joseph Charles Olga Ivana "
    "Lukas Felix Jonas Leon Paul Tobias Simon Florian Sebastian Alexander Niklas Moritz "
    "Barbara Gabriele Susanne Petra Claudia Andrea Nicole Stefanie Sandra Birgit Heike "
    "Mei Hiroshi Aiko Priya Arjun Fatima Omar Yusuf Leila Chiara Giulia Marco Luca "
    "Sven Lars Ingrid Astrid Björn Matthias Bernhard Gerhard Ferdinand Josef Johannes "
    "Zoë Chloé Renée Ólafur Þóra Łukasz Małgorzata Dvořák Şebnem Nguyễn"
).split()
NICKNAMES = {"Robert": "Bob", "William": "Bill", "Thomas": "Tom", "Alexander": "Sascha",
             "Johannes": "Hans", "Katharina": "Kathi", "Susanne": "Susi", "Florian": "Flo"}
PLAIN = (
    "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Koch Richter "
    "Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann Hartmann Lange "
    "Smith Johnson Brown Taylor Wilson Rossi Bianchi Kowalski Nowak Novak Tanaka Suzuki Gruber "
    "Huber Bauer Pichler Steiner Moser Mayer Hofer Leitner Baumann Keller Frei Weiß Groß"
).split()
STEMS = (
    "Berg Stein Wald Feld Bach Brunn Hof Holz Kirch Lind Rosen Sonnen Wein Wolf Fuchs Hahn "
    "Kramer Haber Linden Eich Buch Mühl Röß Grün Schön Hoch Tal Moos Au Ried Brück Weiß"
).split()
ENDS = "mann er ner hofer inger auer bauer meier huber egger lechner berger".split()
SURNAMES = list(dict.fromkeys(PLAIN + [s + e for s in STEMS for e in ENDS]))
ORG_WORDS = "Werk Technik Bau Logistik Consulting Software Design Medien Handel Bank Verlag".split()
ORG_FORMS = [" GmbH", " AG", " & Co. KG", " e.V.", "", " Ltd", " SE"]
ROLES = ["", "", "CEO", "CTO", "Engineer", "Designer", "Teacher", "Doctor", "Lawyer",
         "Product Manager", "Founder", "Student", "Researcher", "Sales", "Nurse"]
CITIES = ["München", "Wien", "Berlin", "Zürich", "Hamburg", "Graz", "Köln", "London",
          "Lisboa", "Kraków", "Praha", "Salzburg", ""]
CIRCLES = [("family", "every 2 weeks"), ("breakfast", "every week"), ("friends", "every month"),
           ("peer group", "every month"), ("clients", "every 3 months"), ("alumni", "every year"),
           ("colleagues", None), ("neighbours", None)]
OWN_CADENCES = ["every week", "every 2 weeks", "every month", "every 6 weeks", "every 3 months",
                "every 6 months", "every year"]
KINDS = ["call", "meeting", "message", "email", "event", "other"]
MET = ["", "", "", "at the Linux user group", "through Anna at a wedding", "university, 2009",
       "conference in Lisbon", "neighbour on the third floor", "old client from the agency years"]
SENTENCES = [
    "Talked about the new job and how the team is settling in.",
    "Kids are at school now; the youngest started violin.",
    "Wants an intro to someone who knows Rust and embedded systems.",
    "Moving to Graz in spring — ask about the flat.",
    "Recommended 'The Overstory', I owe them a book in return.",
    "Allergic to nuts. Prefers tea, never coffee after noon.",
    "Ran the Vienna half marathon in 1:52, training for the full one.",
    "Their mother was ill in summer; ask how she is doing.",
    "Looking for a co-founder with a sales background.",
    "Met again at the meetup; still working on the open-source scheduler.",
    "Plays bass in a band that rehearses on Thursdays.",
    "Birthday dinner is usually at the Italian place near Rathaus.",
]
INTERACTION_NOTES = [
    "", "", "", "Coffee at Café Luitpold", "Quick call about the offer", "Long walk, talked family",
    "Breakfast, seven of us", "Sent the article about SQLite", "Lunch near the office",
    "Congratulated on the new role", "Video call, planning the trip", "Helped with the CV",
]
FAVOURS = ["reviewed my pitch deck", "lent me the van for the move", "introduced me to Sam",
           "recommended me for the talk", "helped with the tax return", "looked after the cat",
           "fixed the bike", "proofread the thesis"]
FOLLOW_UPS = ["send the article", "ask about the flat", "call back about the offer",
              "book the restaurant", "return the book", "check how the interview went"]


@dataclass(frozen=True)
class Person:
    """One generated person: enough for both the book and the vCard directory."""

    id: int
    uid: str
    first: str
    last: str
    nickname: str
    emails: tuple[str, ...]
    phones: tuple[str, ...]
    org: str
    role: str
    location: str
    met: str
    birthday: str | None
    tags: tuple[str, ...]
    notes: str
    cadence: str | None
    archived: bool
    created_at: str

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


def parse_size(text: str) -> int:
    """'1k' → 1000, '100k' → 100000, '1m' → 1000000, '200' → 200."""
    text = text.strip().lower().replace("_", "")
    factor = 1
    if text.endswith("k"):
        factor, text = 1_000, text[:-1]
    elif text.endswith("m"):
        factor, text = 1_000_000, text[:-1]
    return int(float(text) * factor)


def label(size: int) -> str:
    """200 → '200', 10000 → '10k', 100000 → '100k'."""
    if size >= 1_000_000 and size % 1_000_000 == 0:
        return f"{size // 1_000_000}M"
    if size >= 1_000 and size % 1_000 == 0:
        return f"{size // 1_000}k"
    return str(size)


def _ascii(text: str) -> str:
    return fold(text).replace("ß", "ss").replace("þ", "th").replace("ł", "l").replace(" ", "")


def people(size: int, seed: int = SEED) -> list[Person]:
    """The same `size` people every time (for the book and the vCards alike)."""
    rng = random.Random(seed * 1_000_003 + size)
    orgs = [f"{rng.choice(STEMS)}{rng.choice(ORG_WORDS).lower()}{rng.choice(ORG_FORMS)}"
            for _ in range(max(size // 50, 20))]
    circle_names = [c for c, _ in CIRCLES]
    created_start = date(2018, 1, 1)
    span = (TODAY - created_start).days
    result = []
    for pid in range(1, size + 1):
        first, last = rng.choice(FIRST), rng.choice(SURNAMES)
        local = f"{_ascii(first)}.{_ascii(last)}"
        emails = [f"{local}{pid}@example.com"]
        if rng.random() < 0.35:
            emails.append(f"{_ascii(first)[:1]}{_ascii(last)}@{rng.choice(['mail.at', 'posteo.de', 'example.org'])}")
        phones = [f"+49 {rng.randrange(151, 179)} {rng.randrange(10**6, 10**8)}"
                  for _ in range(rng.choice([0, 1, 1, 1, 2]))]
        birthday = None
        if rng.random() < 0.6:
            day = date(2001, 1, 1) + timedelta(days=rng.randrange(365))
            birthday = (f"--{day.month:02d}-{day.day:02d}" if rng.random() < 0.25
                        else f"{rng.randrange(1950, 2006)}-{day.month:02d}-{day.day:02d}")
        notes = " ".join(rng.sample(SENTENCES, rng.choice([0, 0, 1, 1, 2, 3, 5])))
        created = created_start + timedelta(days=rng.randrange(span - 30))
        result.append(Person(
            id=pid,
            uid=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            first=first,
            last=last,
            nickname=NICKNAMES.get(first, "") if rng.random() < 0.5 else "",
            emails=tuple(emails),
            phones=tuple(phones),
            org=rng.choice(orgs) if rng.random() < 0.7 else "",
            role=rng.choice(ROLES),
            location=rng.choice(CITIES),
            met=rng.choice(MET),
            birthday=birthday,
            tags=tuple(rng.sample(circle_names, k=rng.choice([0, 0, 1, 1, 1, 2, 3]))),
            notes=notes,
            cadence=rng.choice(OWN_CADENCES) if rng.random() < 0.3 else None,
            archived=rng.random() < 0.03,
            created_at=f"{created.isoformat()}T09:00:00+00:00",
        ))
    return result


@lru_cache(maxsize=None)
def _cadence(text: str) -> Cadence:
    return Cadence.parse(text)


def _fill(book: Book, size: int, seed: int) -> None:
    conn = book.conn
    persons = people(size, seed)
    rng = random.Random(seed * 7 + size)
    start = TODAY - timedelta(days=3 * 365)
    with book.write():
        conn.executemany(
            "INSERT INTO circles (name, cadence, position, description, created_at) VALUES (?, ?, ?, ?, ?)",
            [(name, cadence, i + 1, "", "2018-01-01T09:00:00+00:00")
             for i, (name, cadence) in enumerate(CIRCLES)],
        )
        conn.executemany(
            """INSERT INTO contacts (id, uid, name, sort_key, nickname, emails, phones, org, role,
                   location, met, birthday, tags, notes, cadence, archived, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [(p.id, p.uid, p.name, fold(p.name), p.nickname,
              json.dumps(list(p.emails), ensure_ascii=False),
              json.dumps(list(p.phones), ensure_ascii=False), p.org, p.role, p.location, p.met,
              p.birthday, json.dumps(list(p.tags), ensure_ascii=False), p.notes, p.cadence,
              int(p.archived), p.created_at, p.created_at) for p in persons],
        )
        conn.executemany(
            "INSERT INTO memberships (contact_id, circle) VALUES (?, ?)",
            [(p.id, tag) for p in persons for tag in p.tags],
        )
        # ~10 links per person; a third of the interactions are groups of 2-6 people.
        interactions, links = [], []
        iid = 0
        target = 10 * size
        while len(links) < target:
            iid += 1
            group = rng.random() < 0.33
            members = {rng.randrange(1, size + 1) for _ in range(rng.randrange(2, 7) if group else 1)}
            day = start + timedelta(days=int(3 * 365 * rng.random() ** 0.7))
            kind = "meeting" if group else rng.choice(KINDS)
            note = rng.choice(INTERACTION_NOTES)
            if note and rng.random() < 0.3:
                note += ". " + rng.choice(SENTENCES)
            interactions.append((iid, str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                                 day.isoformat(), kind, note, f"{day.isoformat()}T20:00:00+00:00"))
            links += [(iid, cid) for cid in members]
        conn.executemany(
            "INSERT INTO interactions (id, uid, date, kind, note, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            interactions,
        )
        conn.executemany(
            "INSERT INTO interaction_contacts (interaction_id, contact_id) VALUES (?, ?)", links
        )

        def when() -> str:
            return (start + timedelta(days=rng.randrange(3 * 365))).isoformat()

        conn.executemany(
            """INSERT INTO favours (uid, contact_id, direction, description, kind, weight, date,
                   status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [(str(uuid.UUID(int=rng.getrandbits(128), version=4)), rng.randrange(1, size + 1),
              rng.choice(["given", "received"]), rng.choice(FAVOURS),
              rng.choice(["advice", "help", "referral", "gift", "other"]), rng.choice([1, 1, 2, 3]),
              when(), rng.choice(["open", "open", "returned", "let go"]),
              "2024-01-01T09:00:00+00:00", "2024-01-01T09:00:00+00:00")
             for _ in range(size // 2)],
        )
        conn.executemany(
            """INSERT INTO follow_ups (uid, contact_id, due, note, recurrence, anchor, status,
                   created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
            [(str(uuid.UUID(int=rng.getrandbits(128), version=4)), rng.randrange(1, size + 1), due,
              rng.choice(FOLLOW_UPS), recurrence, due if recurrence else None,
              rng.choice(["open", "open", "done"]), "2024-01-01T09:00:00+00:00")
             for due, recurrence in (
                 ((TODAY + timedelta(days=rng.randrange(-60, 120))).isoformat(),
                  rng.choice([None, None, None, "every 3 months"]))
                 for _ in range(size // 5))],
        )
        intros = []
        for _ in range(size // 10):
            a, b = rng.sample(range(1, size + 1), 2) if size > 1 else (1, 1)
            if a != b:
                intros.append((str(uuid.UUID(int=rng.getrandbits(128), version=4)), a, b, when(),
                               "should talk about hiring", rng.choice(["", "", "they work together now"]),
                               "2024-01-01T09:00:00+00:00"))
        conn.executemany(
            """INSERT INTO introductions (uid, contact_a, contact_b, date, note, outcome, created_at)
               VALUES (?, ?, ?, ?, ?, ?, ?)""",
            intros,
        )
        # A few people in the trash, as in a book that has been used for a while.
        conn.executemany("UPDATE contacts SET deleted_at = ? WHERE id = ?",
                         [("2026-11-01T10:00:00+00:00", pid)
                          for pid in range(1 + size // 3, size + 1, 997)])

        conn.execute("INSERT INTO contacts_fts (contacts_fts) VALUES ('rebuild')")
        conn.execute(
            """UPDATE contacts SET last_contact = (
                   SELECT max(i.date) FROM interaction_contacts ic
                     JOIN interactions i ON i.id = ic.interaction_id
                    WHERE ic.contact_id = contacts.id)"""
        )
        circle_cadence = {fold(name): _cadence(c) for name, c in CIRCLES if c}
        updates = []
        for cid, own, tags, last, created in conn.execute(
            "SELECT id, cadence, tags, last_contact, created_at FROM contacts"
        ):
            cadence = effective_cadence(
                _cadence(own) if own else None,
                [circle_cadence[fold(t)] for t in json.loads(tags) if fold(t) in circle_cadence],
            )
            added = date.fromisoformat(created[:10])
            due = next_due(cadence, date.fromisoformat(last) if last else None, min(added, TODAY))
            if due is not None:
                updates.append((due.isoformat(), cid))
        conn.executemany("UPDATE contacts SET next_due = ? WHERE id = ?", updates)
        # And whose circle's cadence is theirs (m019), by the store's own rule.
        cadence_circles.refresh(conn)
    conn.execute("ANALYZE")


@lru_cache(maxsize=None)
def schema_key() -> str:
    """A short fingerprint of the schema the migrations build today and their number: a
    book generated before an index was added is not reused (it would hide what the index is
    worth), nor one from before a migration that only changes data (m020 recomputed every
    sort key: the benchmark's first child would have migrated the cached book, backup and
    all, inside a timed run)."""
    import hashlib
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        book = Book.open(Path(folder) / "probe.db")
        try:
            sql = [row[0] or "" for row in book.conn.execute(
                "SELECT sql FROM sqlite_master ORDER BY type, name")]
            sql.append(str(book.conn.execute("PRAGMA user_version").fetchone()[0]))
        finally:
            book.close()
    return hashlib.sha1("\n".join(sql).encode()).hexdigest()[:8]


def book_path(size: int, seed: int = SEED, *, quiet: bool = False) -> Path:
    """The cached book of `size` people, generated on first use (and again whenever
    GENERATOR_VERSION or the schema changes)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"book-{label(size)}-s{seed}-v{GENERATOR_VERSION}-{schema_key()}.db"
    if path.exists():
        return path
    started = time.perf_counter()
    partial = path.with_name(path.name + f".partial-{os.getpid()}")
    for leftover in CACHE.glob(partial.name + "*"):
        leftover.unlink()
    book = Book.open(partial)
    book.auto_backup = False  # a fixture: no daily backup of a half-built book
    try:
        _fill(book, size, seed)
        book.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        book.close()
    for suffix in ("-wal", "-shm"):
        Path(str(partial) + suffix).unlink(missing_ok=True)
    partial.rename(path)
    if not quiet:
        print(f"generated {path.name} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return path


def empty_book_path() -> Path:
    """A cached book with the schema and nothing in it (the first-paint baseline)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"book-empty-v{GENERATOR_VERSION}-{schema_key()}.db"
    if not path.exists():
        Book.open(path).close()
    return path


def _vcard_escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace("\n", "\\n").replace(",", "\\,")
            .replace(";", "\\;"))


def vcard(person: Person) -> str:
    """A vCard 3.0 for `person`, as khard and most address books keep them."""
    lines = [
        "BEGIN:VCARD", "VERSION:3.0", f"UID:{person.uid}",
        f"N:{_vcard_escape(person.last)};{_vcard_escape(person.first)};;;",
        f"FN:{_vcard_escape(person.name)}",
    ]
    if person.nickname:
        lines.append(f"NICKNAME:{_vcard_escape(person.nickname)}")
    lines += [f"EMAIL;TYPE=INTERNET:{e}" for e in person.emails]
    lines += [f"TEL;TYPE=CELL:{p}" for p in person.phones]
    if person.org:
        lines.append(f"ORG:{_vcard_escape(person.org)}")
    if person.role:
        lines.append(f"TITLE:{_vcard_escape(person.role)}")
    if person.birthday:
        lines.append(f"BDAY:{person.birthday}")
    if person.tags:
        lines.append("CATEGORIES:" + ",".join(_vcard_escape(t) for t in person.tags))
    if person.notes:
        lines.append(f"NOTE:{_vcard_escape(person.notes)}")
    lines.append("END:VCARD")
    return "\r\n".join(lines) + "\r\n"


def vcard_dir(size: int, seed: int = SEED, *, quiet: bool = False) -> Path:
    """The cached vCard directory (one .vcf per person) of the same people as `book_path`."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"vcards-{label(size)}-s{seed}-v{GENERATOR_VERSION}"
    if path.is_dir():
        return path
    started = time.perf_counter()
    partial = path.with_name(path.name + f".partial-{os.getpid()}")
    partial.mkdir()
    for person in people(size, seed):
        (partial / f"{person.uid}.vcf").write_text(vcard(person), encoding="utf-8")
    partial.rename(path)
    if not quiet:
        print(f"wrote {size:,} vCards to {path.name} in {time.perf_counter() - started:.1f} s",
              file=sys.stderr)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1k,10k,100k", help="Books to build, e.g. 1k,10k,100k.")
    parser.add_argument("--vcards", default="", help="vCard directories to write, e.g. 1k,10k,50k.")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    for size in (parse_size(s) for s in args.sizes.split(",") if s.strip()):
        print(book_path(size, args.seed))
    for size in (parse_size(s) for s in args.vcards.split(",") if s.strip()):
        print(vcard_dir(size, args.seed))


if __name__ == "__main__":
    main()
