"""Benchmark: `kontakt capture mail` over a generated Maildir, first and second run.

    .venv/bin/python benchmarks/bench_capture.py [--messages 50000] [--contacts 2000] [--json FILE]

Builds a book of N contacts and a Maildir (inbox, Sent, a list folder) of M messages with
realistic headers and bodies of a few KB, then times, each as its own `kontakt` process (what
cron runs): the first scan (every header block read), and a second over the unchanged Maildir
(only stat calls: the mtime/size cache). Prints a table with the budget of issue 18:
first ≤ 15 s, second ≤ 1 s, for 50,000 messages on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from kontakt.store import Book  # noqa: E402

TODAY = date(2026, 11, 23)
ME = "me@example.com"
BUDGET = {"first": 15.0, "second": 1.0}


def build(directory: Path, messages: int, contacts: int, seed: int) -> tuple[Path, Path]:
    """A book with `contacts` people (each an address) and a Maildir of `messages` messages."""
    rng = random.Random(seed)
    book_path = directory / "book.db"
    with Book.open(book_path) as book:
        with book.write(record=False):
            for n in range(contacts):
                book.add_contact(f"Person {n}", today=TODAY, emails=[f"p{n}@example.org"])
    root = directory / "Mail"
    folders = {"": 0.7, ".Sent": 0.2, ".Lists": 0.1}
    for folder in folders:
        for sub in ("cur", "new", "tmp"):
            (root / folder / sub).mkdir(parents=True, exist_ok=True)
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    body = ("Lorem ipsum dolor sit amet, " * 80 + "\n").encode() * 2
    for i in range(messages):
        folder = rng.choices(list(folders), weights=list(folders.values()))[0]
        moment = start + timedelta(minutes=rng.randrange(0, 320 * 24 * 60))
        other = f"p{rng.randrange(contacts * 2)}@example.org"  # half are strangers
        sender, recipient = (ME, other) if folder == ".Sent" else (other, ME)
        thread = rng.randrange(messages // 4 + 1)
        head = (f"Return-Path: <{sender}>\nReceived: from mx.example.org by mail.example.com\n"
                f"From: Someone <{sender}>\nTo: {recipient}\nSubject: thread {thread}\n"
                f"Date: {format_datetime(moment)}\nMessage-ID: <m{i}@bench>\n"
                f"References: <t{thread}@bench>\nMIME-Version: 1.0\n"
                f"Content-Type: text/plain; charset=utf-8\n")
        if folder == ".Lists":
            head += "List-Id: <bench.lists.example.org>\n"
        name = f"{int(moment.timestamp())}.M{i}P1.bench:2,S"
        (root / folder / "cur" / name).write_bytes(head.encode() + b"\n" + body)
    return book_path, root


def timed(book: Path, root: Path) -> tuple[float, dict]:
    env = {**os.environ, "KONTAKT_TODAY": TODAY.isoformat(), "KONTAKT_NO_AUTO_BACKUP": "1"}
    begin = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "kontakt", "capture", "mail", str(root), "--db", str(book),
         "--me", ME, "--since", "2026-01-01", "--json"],
        capture_output=True, text=True, env=env, check=False)
    elapsed = time.perf_counter() - begin
    if out.returncode != 0:
        raise SystemExit(f"kontakt capture failed: {out.stderr.strip()}")
    return elapsed, json.loads(out.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--contacts", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--json", type=Path, help="Also write the rows as JSON here.")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        made = time.perf_counter()
        book, root = build(Path(scratch), args.messages, args.contacts, args.seed)
        made = time.perf_counter() - made
        first, first_report = timed(book, root)
        second, second_report = timed(book, root)
    scale = args.messages / 50_000
    rows = [
        ("Capture: first scan of the Maildir", first, max(BUDGET["first"] * scale, 1.0), first_report),
        # A process's start (~0.3 s) is most of it at any size: the budget does not scale.
        ("Capture: second scan, nothing changed", second, BUDGET["second"], second_report),
    ]
    print(f"{args.messages} messages, {args.contacts} contacts (built in {made:.1f} s)")
    print(f"{'measure':<42} {'seconds':>8} {'budget':>8}  status  read  new")
    result = []
    for name, seconds, budget, report in rows:
        status = "PASS" if seconds <= budget else "MISS"
        print(f"{name:<42} {seconds:8.2f} {budget:8.2f}  {status:<6} {report['messages']:>5} {report['new']:>4}")
        result.append({"name": name, "seconds": seconds, "budget": budget, "status": status,
                       "messages_read": report["messages"], "skipped_files": report["skipped_files"],
                       "new": report["new"]})
    if args.json:
        args.json.write_text(json.dumps({"messages": args.messages, "rows": result}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
