"""Import and export speed and memory: prints a table.

    .venv/bin/python benchmarks/bench_transfer.py [--rows 20000] [--book 100000]

Each measurement runs in its own process so peak memory (max RSS) belongs to it alone.
"cpu" is the process's CPU time: on a shared, busy machine wall time swings, CPU time
much less. Targets (issue 5): importing 20,000 Google rows under 3 s on 2 cores, with
memory flat (the file is streamed, never held whole).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 11, 23)


def _maker():
    path = ROOT / "tests" / "fixtures" / "transfer" / "make_fixtures.py"
    spec = importlib.util.spec_from_file_location("make_fixtures", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _measure(action) -> dict:
    wall, cpu = time.perf_counter(), time.process_time()
    detail = action()
    return {
        "wall": time.perf_counter() - wall,
        "cpu": time.process_time() - cpu,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "detail": detail,
    }


def one(task: str, work: Path) -> dict:
    """Run one measurement in this process (called in a child)."""
    from kontakt.services.importers import run_import
    from kontakt.store import Book

    if task.startswith("make:"):
        _, name, rows = task.split(":")
        (work / name).write_text(_maker().google_rows(int(rows)), encoding="utf-8")
        return {"wall": 0, "cpu": 0, "rss_mb": 0, "detail": ""}
    if task.startswith("import:"):
        _, csv_name, db_name = task.split(":")
        book = Book.open(work / db_name)
        return _measure(lambda: run_import(book, work / csv_name, today=TODAY).summary())
    if task.startswith("export-"):
        fmt = task.removeprefix("export-")
        book = Book.open(work / "book100k.db")
        from kontakt.services.exporters import atomic_output
        from kontakt.services.exporters import csv as csv_export
        from kontakt.services.exporters import json as json_export
        from kontakt.services.exporters import vcard as vcard_export

        target = work / f"out.{fmt}"

        def run():
            with atomic_output(target) as out:
                if fmt == "csv":
                    count = csv_export.write_contacts(book, out)
                elif fmt == "vcard":
                    count = vcard_export.write_cards(book, out)
                else:
                    count = json_export.write_book(book, out)
            return f"{count} contacts, {target.stat().st_size / 1e6:.1f} MB"

        return _measure(run)
    raise SystemExit(f"unknown task {task}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--book", type=int, default=100_000)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one, Path(args.work))))
        return

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        # Made in children: max RSS survives exec on Linux, so the parent must stay small.
        for name, rows in (("google.csv", args.rows), ("google100k.csv", args.book)):
            subprocess.run([sys.executable, __file__, "--one", f"make:{name}:{rows}",
                            "--work", str(work)], check=True, capture_output=True)
        tasks = [
            (f"import {args.rows:,} Google rows", "import:google.csv:book.db"),
            ("import them again (all unchanged)", "import:google.csv:book.db"),
            (f"import {args.book:,} Google rows", "import:google100k.csv:book100k.db"),
            (f"export csv of {args.book:,}", "export-csv"),
            (f"export vcard of {args.book:,}", "export-vcard"),
            (f"export json of {args.book:,}", "export-json"),
        ]
        print(f"{'what':<38} {'wall s':>8} {'cpu s':>8} {'peak MB':>8}  result")
        for label, task in tasks:
            out = subprocess.run(
                [sys.executable, __file__, "--one", task, "--work", str(work)],
                capture_output=True, text=True, check=True,
            ).stdout
            r = json.loads(out)
            print(f"{label:<38} {r['wall']:>8.2f} {r['cpu']:>8.2f} {r['rss_mb']:>8.0f}  {r['detail']}")


if __name__ == "__main__":
    main()
