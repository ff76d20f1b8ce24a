"""Encryption at rest: search and first frame on an encrypted book vs the same book plain.

    .venv/bin/python benchmarks/bench_encryption.py [--size 100k] [--runs 5] [--json FILE]

The plain book comes from generate.py (cached in benchmarks/.cache/); the encrypted one is
the same book after `kontakt encrypt` (cached beside it). Measured per book, each in a
fresh process: opening plus the app's first frame (headless `run_test`, after a warm-up
paint of the empty book, as run.py does), the store queries behind each keystroke of the
search box, and the whole `kontakt search TERM --json` process (passphrase from
KONTAKT_PASSPHRASE). Overhead = encrypted − plain. Expect the key derivation once per
process (PBKDF2-HMAC-SHA512, 256,000 rounds: ~0.2 s) and a few per cent per page read.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

import generate  # noqa: E402
from generate import CACHE, SEARCH_TERM, label, parse_size  # noqa: E402
from run import ENV, TYPED, _first_paint, percentile, time_process  # noqa: E402

PASSPHRASE = "benchmark passphrase"
# run.py's processes use its ENV: the passphrase goes there (a plain book ignores it).
ENV["KONTAKT_PASSPHRASE"] = PASSPHRASE
BENCH_ENV = ENV


def encrypted_copy(plain: Path) -> Path:
    """The plain book encrypted with PASSPHRASE, made once and cached."""
    target = plain.with_name(plain.stem + "-encrypted.db")
    if target.exists():
        return target
    from kontakt.store import crypto

    partial = plain.with_name(plain.stem + f"-encrypting-{os.getpid()}.db")
    shutil.copyfile(plain, partial)  # no connection to either file is open here
    crypto.encrypt(partial, PASSPHRASE)
    partial.rename(target)
    return target


# ------------------------------------------------------------------ children


def child_paint(path: Path, empty: Path) -> dict:
    asyncio.run(_first_paint(empty))  # imports and CSS: paid once per process, not measured
    elapsed, seen = asyncio.run(_first_paint(path))
    return {"paint": elapsed, "count": seen["count"]}


def child_search(path: Path) -> dict:
    """Seconds of the store queries behind each keystroke of TYPED (count + first page)."""
    from kontakt.store import Book
    from kontakt.tui.widgets.contact_list import PAGE_SIZE, ListFilter

    started = time.perf_counter()
    book = Book.open(path, create=False)
    opened = time.perf_counter() - started
    times = []
    for word in TYPED:
        for n in range(1, len(word) + 1):
            flt = ListFilter.from_search(word[:n])
            wall = time.perf_counter()
            book.count_contacts(**flt.store_args())
            page = book.list_contacts(limit=PAGE_SIZE, offset=0, **flt.store_args())
            book.balances(c.id for c in page)
            times.append(time.perf_counter() - wall)
    book.close()
    return {"open": opened, "keys": times}


def child(task: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", task, *args], env=BENCH_ENV,
                         capture_output=True, text=True, timeout=1800)
    if out.returncode != 0:
        raise RuntimeError(f"child {task} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------ the table


def measure(size: int, runs: int) -> list[dict]:
    plain = generate.book_path(size)
    books = {"plain": plain, "encrypted": encrypted_copy(plain)}
    empty = generate.empty_book_path()
    results: dict[str, dict] = {}
    for kind, path in books.items():
        paints = [child("paint", str(path), str(empty)) for _ in range(runs)]
        search = [child("search", str(path)) for _ in range(runs)]
        keys = [t for s in search for t in s["keys"]]
        process = time_process([sys.executable, "-m", "kontakt", "--db", str(path), "search",
                                SEARCH_TERM, "--json"], runs)
        results[kind] = {
            "paint": statistics.median(p["paint"] for p in paints),
            "open": statistics.median(s["open"] for s in search),
            "key_p50": statistics.median(keys), "key_p95": percentile(keys, 95),
            "process": process.wall, "process_cpu": process.cpu,
        }
    rows = []
    for what, key in (("open + first frame of the app", "paint"), ("Book.open alone", "open"),
                      ("search: store queries per keystroke p50", "key_p50"),
                      ("search: store queries per keystroke p95", "key_p95"),
                      (f"kontakt search {SEARCH_TERM} --json (whole process)", "process")):
        plain_s, enc_s = results["plain"][key], results["encrypted"][key]
        rows.append({"what": what, "size": label(size), "plain_ms": plain_s * 1000,
                     "encrypted_ms": enc_s * 1000, "overhead_ms": (enc_s - plain_s) * 1000,
                     "overhead_pct": (enc_s / plain_s - 1) * 100 if plain_s else 0.0})
    return rows


def render(rows: list[dict]) -> str:
    lines = [f"{'measurement':<52} {'size':>5} {'plain':>10} {'encrypted':>10} {'overhead':>18}"]
    for r in rows:
        lines.append(f"{r['what']:<52} {r['size']:>5} {r['plain_ms']:>8.1f}ms {r['encrypted_ms']:>8.1f}ms "
                     f"{r['overhead_ms']:>+8.1f}ms {r['overhead_pct']:>+6.0f}%")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="100k", help="Book size (default 100k).")
    parser.add_argument("--runs", type=int, default=5, help="Runs per measurement; medians shown.")
    parser.add_argument("--json", type=Path, metavar="FILE", help="Also write the rows here.")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args()
    if args.child:
        task = {"paint": lambda: child_paint(Path(rest[0]), Path(rest[1])),
                "search": lambda: child_search(Path(rest[0]))}[args.child]
        print(json.dumps(task()), flush=True)
        os._exit(0)  # the app's background workers are no part of the measurement
    CACHE.mkdir(parents=True, exist_ok=True)
    rows = measure(parse_size(args.size), args.runs)
    print(f"kontakt encrypted vs plain — median of {args.runs} runs, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(render(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
