"""Benchmark: the daily review on a big book (100k contacts, 1M interaction links).

    .venv/bin/python benchmarks/bench_review.py [--contacts 100000] [--links 1000000] [--seed 7]
                                                [--db PATH (kept, reused if it exists)]

Generates the book with bulk executemany SQL (this script is a fixture and may speak SQL),
with the materialised last_contact/next_due filled in as the store would, then times
`build_review` (capped, and --all) in-process and `kontakt today --json` as a process, and
prints a table. The review must come from indexed queries: its time should not grow with
the book the way a loop over every contact would.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from kontakt.config import Config  # noqa: E402
from kontakt.domain import Cadence, fold  # noqa: E402
from kontakt.services.review import build_review, items_for_contact  # noqa: E402
from kontakt.store import Book  # noqa: E402
from kontakt.store import cadence_circles  # noqa: E402

TODAY = date(2026, 11, 23)
START = TODAY - timedelta(days=730)
CREATED = "2024-01-01T09:00:00+00:00"
CADENCES = ["every week", "every 2 weeks", "every month", "every 3 months", "every 6 months",
            "every year"]
CIRCLES = [("breakfast", "every week"), ("peer group", "every month"), ("family", None),
           ("friends", "every 2 months"), ("clients", "every 3 months"), ("alumni", None),
           ("colleagues", None), ("neighbours", None)]
FIRST = "Anna Jürgen Olga Sam Ada Grace Lukas Elif Rafael Theresa Björn Ivana Yasemin".split()
LAST = "Müller Huber Steiner Petrova Okafor Lovelace Hopper Demir Morales Pichler Weiß".split()


def generate(path: Path, contacts: int, links: int, seed: int) -> None:
    rng = random.Random(seed)
    book = Book.open(path)
    conn = book.conn
    cadence_of: dict[int, Cadence | None] = {}
    last: dict[int, date] = {}
    with book.write():
        conn.executemany(
            "INSERT INTO circles (name, cadence, position, created_at) VALUES (?, ?, ?, ?)",
            [(name, cadence, i + 1, CREATED) for i, (name, cadence) in enumerate(CIRCLES)],
        )
        circle_cadence = {name: Cadence.parse(c) for name, c in CIRCLES if c}
        rows, members = [], []
        for cid in range(1, contacts + 1):
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)} {cid}"
            tags = rng.sample([c for c, _ in CIRCLES], k=rng.choice([0, 0, 1, 1, 2]))
            own = rng.choice(CADENCES) if rng.random() < 0.5 else None
            birthday = None
            if rng.random() < 0.6:
                day = date(2000, 1, 1) + timedelta(days=rng.randrange(366))
                birthday = (f"--{day.month:02d}-{day.day:02d}" if rng.random() < 0.3
                            else f"{rng.randrange(1950, 2005)}-{day.month:02d}-{day.day:02d}")
                if birthday.endswith("02-29") and not birthday.startswith("--"):
                    birthday = "1988-02-29"
            inherited = [circle_cadence[t] for t in tags if t in circle_cadence]
            cadence_of[cid] = Cadence.parse(own) if own else (
                min(inherited, key=lambda c: c.approx_days) if inherited else None
            )
            rows.append((cid, str(uuid.UUID(int=rng.getrandbits(128))), name, fold(name),
                         json.dumps(tags), birthday, own, CREATED, CREATED))
            members += [(cid, t) for t in tags]
        conn.executemany(
            """INSERT INTO contacts (id, uid, name, sort_key, tags, birthday, cadence,
                   created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            rows,
        )
        conn.executemany("INSERT INTO memberships (contact_id, circle) VALUES (?, ?)", members)

        interactions, link_rows = [], []
        iid = 0
        while len(link_rows) < links:
            iid += 1
            day = START + timedelta(days=rng.randrange(730))
            interactions.append((iid, str(uuid.UUID(int=rng.getrandbits(128))), day.isoformat(),
                                 rng.choice(["call", "meeting", "message", "email"]), CREATED))
            people = {rng.randrange(1, contacts + 1) for _ in range(rng.choice([1, 1, 1, 2, 3]))}
            for cid in people:
                link_rows.append((iid, cid))
                if last.get(cid, START) < day:
                    last[cid] = day
        conn.executemany(
            "INSERT INTO interactions (id, uid, date, kind, created_at) VALUES (?, ?, ?, ?, ?)",
            interactions,
        )
        conn.executemany(
            "INSERT INTO interaction_contacts (interaction_id, contact_id) VALUES (?, ?)",
            link_rows,
        )
        # The materialised dates, computed as the store's _refresh_due would.
        added = date.fromisoformat(CREATED[:10])
        updates = []
        for cid in range(1, contacts + 1):
            cadence, seen = cadence_of[cid], last.get(cid)
            due = cadence.after(seen or added) if cadence else None
            updates.append((seen and seen.isoformat(), due and due.isoformat(), cid))
        conn.executemany("UPDATE contacts SET last_contact = ?, next_due = ? WHERE id = ?", updates)
        cadence_circles.refresh(conn)  # whose circle's cadence is theirs (m019), as the store has it

        conn.executemany(
            """INSERT INTO follow_ups (uid, contact_id, due, note, recurrence, status, created_at)
               VALUES (?, ?, ?, ?, ?, ?, ?)""",
            [(str(uuid.uuid4()), rng.randrange(1, contacts + 1),
              (TODAY + timedelta(days=rng.randrange(-60, 120))).isoformat(), "call back",
              rng.choice([None, None, "every 3 months"]), rng.choice(["open", "done"]), CREATED)
             for _ in range(contacts // 5)],
        )
        conn.executemany(
            """INSERT INTO favours (uid, contact_id, direction, description, kind, date, status,
                   created_at, updated_at) VALUES (?, ?, ?, ?, 'help', ?, ?, ?, ?)""",
            [(str(uuid.uuid4()), rng.randrange(1, contacts + 1), rng.choice(["given", "received"]),
              "helped with the move", (START + timedelta(days=rng.randrange(730))).isoformat(),
              rng.choice(["open", "returned"]), CREATED, CREATED)
             for _ in range(contacts // 2)],
        )
        intros = []
        for _ in range(contacts // 10):
            a, b = rng.sample(range(1, contacts + 1), 2)
            intros.append((str(uuid.uuid4()), a, b,
                           (START + timedelta(days=rng.randrange(730))).isoformat(),
                           rng.choice(["", "", "they work together now"]), CREATED))
        conn.executemany(
            """INSERT INTO introductions (uid, contact_a, contact_b, date, outcome, created_at)
               VALUES (?, ?, ?, ?, ?, ?)""",
            intros,
        )
    book.close()


def timed(function, repeat: int) -> tuple[float, float]:
    """Median and best wall time in milliseconds over `repeat` runs (after one warm-up)."""
    function()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--links", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--db", type=Path, help="Keep the generated book here (reused if present).")
    args = parser.parse_args()

    folder = tempfile.TemporaryDirectory()
    path = args.db or Path(folder.name) / "big.db"
    if not path.exists():
        start = time.perf_counter()
        generate(path, args.contacts, args.links, args.seed)
        print(f"generated {path} in {time.perf_counter() - start:.1f} s", file=sys.stderr)

    config = Config()
    book = Book.open(path)
    counts = book.conn.execute(
        """SELECT (SELECT count(*) FROM contacts), (SELECT count(*) FROM interaction_contacts),
                  (SELECT count(*) FROM contacts WHERE next_due <= ?)""", (TODAY.isoformat(),)
    ).fetchone()
    capped = build_review(book, TODAY, config, limit=5)
    everything = build_review(book, TODAY, config, limit=None)
    top = capped.items[0].contact_id if capped.items else 1

    def review(limit):
        return lambda: build_review(book, TODAY, config, limit=limit)

    rows = [
        ("build_review, cap 5", *timed(review(5), args.repeat)),
        ("build_review, cap 50", *timed(review(50), args.repeat)),
        ("build_review, --all", *timed(review(None), 3)),
        ("items_for_contact (done REF)",
         *timed(lambda: items_for_contact(book, top, TODAY, config), args.repeat)),
    ]
    book.close()

    env = {**os.environ, "KONTAKT_TODAY": TODAY.isoformat(), "KONTAKT_CONFIG": os.devnull + ".toml"}
    kontakt = [sys.executable, "-m", "kontakt", "--db", str(path)]

    def run(*extra: str) -> None:
        subprocess.run([*kontakt, *extra], env=env, check=True, capture_output=True)

    rows.append(("kontakt --version (process)", *timed(lambda: run("--version"), 3)))
    rows.append(("kontakt today --json (process)", *timed(lambda: run("today", "--json"), 3)))

    print(f"book: {counts[0]:,} contacts, {counts[1]:,} interaction links, "
          f"{counts[2]:,} keep-in-touch due on {TODAY}")
    print(f"review: {len(capped.items)} shown, {capped.more:,} more; "
          f"all kinds: {', '.join(f'{k} {v:,}' for k, v in everything.counts.items())}")
    print()
    print(f"{'what':<34}{'median ms':>12}{'best ms':>12}")
    for label, median, best in rows:
        print(f"{label:<34}{median:>12.1f}{best:>12.1f}")


if __name__ == "__main__":
    main()
