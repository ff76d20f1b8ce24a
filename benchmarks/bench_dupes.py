"""Benchmark: duplicate detection on a generated book with planted duplicates.

    .venv/bin/python benchmarks/bench_dupes.py [--people 10000] [--seed 7]

Builds a book of N people (deterministic), plants duplicate pairs of six kinds (email
spelled differently, phone national vs international, nickname, misspelt surname,
umlaut spelled out, surname first) and look-alikes (same common name, different emails),
then times `find_duplicates` and prints a table: time, pairs found, planted pairs recalled,
look-alikes wrongly proposed. Planted pairs look like real imports: a second record
from a phone or another service, without the first one's email unless it is the same.
Target: 10k people in under 2 s.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from kontakt.services.dupes import DEFAULT_MIN_SCORE, LOW_SCORE, find_duplicates  # noqa: E402
from kontakt.store import Book  # noqa: E402

TODAY = date(2026, 11, 23)
FIRST = (
    "Jürgen Thomas Michael Andreas Stefan Christian Markus Martin Peter Wolfgang Klaus "
    "Anna Maria Julia Katharina Laura Sarah Lena Sophie Lisa Elena Sabine Ursula Monika "
    "Robert William James Richard David Daniel Matthew Andrew Joseph Charles Olga Ivana "
    "Lukas Felix Jonas Leon Paul Tobias Simon Florian Sebastian Alexander Niklas Moritz "
    "Barbara Gabriele Susanne Petra Claudia Andrea Nicole Stefanie Sandra Birgit Heike "
    "Mei Hiroshi Aiko Priya Arjun Fatima Omar Yusuf Leila Chiara Giulia Marco Luca "
    "Sven Lars Ingrid Astrid Björn Matthias Bernhard Gerhard Ferdinand Josef Johannes"
).split()
NICK = {
    "Robert": "Bob", "William": "Bill", "James": "Jim", "Richard": "Rick", "Michael": "Mike",
    "Thomas": "Tom", "Andreas": "Andi", "Alexander": "Sascha", "Josef": "Sepp",
    "Johannes": "Hans", "Matthias": "Matze", "Katharina": "Kathi", "Susanne": "Susi",
    "Gabriele": "Gabi", "Daniel": "Dani", "Florian": "Flo", "Sebastian": "Basti",
}
STEMS = (
    "Berg Stein Wald Feld Bach Brunn Hof Holz Kirch Lind Rosen Sonnen Wein Wolf Fuchs Hahn "
    "Kramer Haber Linden Eich Buch Mühl Röß Grün Schön Hoch Tal Moos Au Ried Brück Weiß"
).split()
ENDS = "mann er ner hofer inger auer bauer meier huber egger lechner berger".split()
PLAIN = (
    "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Koch Richter "
    "Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann Hartmann Lange "
    "Smith Johnson Brown Taylor Wilson Rossi Bianchi Kowalski Nowak Novak Tanaka Suzuki Gruber "
    "Huber Bauer Wagner Pichler Steiner Moser Mayer Hofer Leitner Baumann Keller Frei"
).split()


def surnames() -> list[str]:
    return PLAIN + [stem + end for stem in STEMS for end in ENDS]


def spelled_out(name: str) -> str:
    for umlaut, spelled in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("Ä", "Ae"), ("Ö", "Oe"),
                            ("Ü", "Ue"), ("ß", "ss")):
        name = name.replace(umlaut, spelled)
    return name


def misspelt(name: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(name) - 1)
    return name[:i] + name[i + 1:] if rng.random() < 0.5 else name[:i] + name[i] + name[i:]


def build(path: Path, people: int, seed: int) -> tuple[set[tuple[int, int]], set[tuple[int, int]]]:
    """Fill a book; return (planted duplicate pairs, look-alike pairs) as (low id, high id)."""
    rng = random.Random(seed)
    last_names = surnames()
    orgs = [f"{rng.choice(STEMS)}{rng.choice(['werk', ' GmbH', ' AG', ' & Co', 'tech'])}"
            for _ in range(400)]
    circles = ["breakfast", "peers", "alumni", "clients", "friends", "colleagues"]
    planted: set[tuple[int, int]] = set()
    lookalikes: set[tuple[int, int]] = set()
    with Book.open(path) as book, book.write():
        def add(first: str, last: str, *, email: str | None = None, phone: str | None = None,
                org: str | None = None, reverse: bool = False, no_email: bool = False) -> int:
            name = f"{last} {first}" if reverse else f"{first} {last}"
            local = spelled_out(f"{first}.{last}").lower().replace(" ", "")
            return book.add_contact(
                name, today=TODAY,
                emails=[] if no_email else [email or f"{local}{rng.randrange(10_000)}@example.com"],
                phones=[phone or f"+49 {rng.randrange(30, 99)} {rng.randrange(10**6, 10**7)}"]
                if rng.random() < 0.6 or phone else [],
                org=org if org is not None else (rng.choice(orgs) if rng.random() < 0.7 else ""),
                tags=rng.sample(circles, rng.randrange(0, 3)),
            )

        plants = people // 40  # 2.5 % of the book is a planted pair
        singles = people - 2 * plants - 2 * (plants // 2)
        for _ in range(singles):
            add(rng.choice(FIRST), rng.choice(last_names))
        kinds = ["email", "phone", "nickname", "misspelt", "umlaut", "reversed"]
        for n in range(plants):
            kind = kinds[n % len(kinds)]
            first = rng.choice(list(NICK) if kind == "nickname" else FIRST)
            last = rng.choice([s for s in last_names if any(c in s for c in "äöüß")]
                              if kind == "umlaut" else last_names)
            org = rng.choice(orgs)
            area, number = rng.randrange(30, 99), rng.randrange(10**6, 10**7)
            email = f"{spelled_out(first).lower()}.{n}@example.org"
            a = add(first, last, email=email, phone=f"+49 {area} {number}", org=org)
            if kind == "email":
                b = add(first, last, email=f"  {email.upper()} ", org="")
            elif kind == "phone":
                b = add(first, last, phone=f"0{area} {number}", org="")
            elif kind == "nickname":  # a phone contact: what you call them, and where
                b = add(NICK[first], last, org=org, no_email=True)
            elif kind == "misspelt":  # typed in a hurry, with their mobile
                b = add(first, misspelt(last, rng), phone=f"0{area} {number}", no_email=True)
            elif kind == "umlaut":
                b = add(spelled_out(first), spelled_out(last), phone=f"0{area}/{number}")
            else:
                b = add(first, last, email=email, reverse=True)
            planted.add((min(a, b), max(a, b)))
        for n in range(plants // 2):
            first, last = rng.choice(FIRST), rng.choice(PLAIN[:12])
            a = add(first, last, email=f"one.{n}@example.net", org="")
            b = add(first, last, email=f"two.{n}@example.net", org="")
            lookalikes.add((a, b))
    return planted, lookalikes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        started = time.perf_counter()
        planted, lookalikes = build(path, args.people, args.seed)
        built = time.perf_counter() - started
        with Book.open(path) as book:
            people = book.count_contacts(archived=None)
            timings, cpu = [], []
            for _ in range(args.runs):
                started, started_cpu = time.perf_counter(), time.process_time()
                found = find_duplicates(book)
                timings.append(time.perf_counter() - started)
                cpu.append(time.process_time() - started_cpu)
            everything = find_duplicates(book, min_score=1)
        pairs = {c.pair for c in found}
        scores = {c.pair: c.score for c in everything}
        recalled = len(planted & pairs)
        wrong = sum(1 for p in lookalikes if scores.get(p, 0) >= LOW_SCORE)
        missed = sorted(planted - pairs)[:5]
    rows = [
        ("people", f"{people:,}"),
        ("book built in", f"{built:.1f} s"),
        ("find_duplicates (best of %d)" % args.runs, f"{min(timings):.2f} s"),
        ("  of which CPU (a busy machine waits)", f"{min(cpu):.2f} s"),
        (f"pairs found (score ≥ {DEFAULT_MIN_SCORE})", f"{len(found):,}"),
        ("pairs scored > 0", f"{len(everything):,}"),
        ("planted pairs recalled", f"{recalled}/{len(planted)} ({100 * recalled / len(planted):.1f} %)"),
        (f"look-alikes at score ≥ {LOW_SCORE}", f"{wrong}/{len(lookalikes)}"),
    ]
    width = max(len(k) for k, _ in rows)
    print(f"{'measure':<{width}}  value")
    print(f"{'-' * width}  {'-' * 20}")
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    if missed:
        print("missed (first 5):", missed)


if __name__ == "__main__":
    main()
