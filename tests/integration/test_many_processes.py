"""One book, many processes: the README's "two terminals, one book", run for real.

Every test here runs real processes on a real file: the app in a process of its own while
shells write, a process whose SQLite locks must survive every other open kontakt does in it,
writers that wait for each other, SIGKILL inside an import's transaction, a read-only book,
a mistyped --db, two demos at once. Locks are read from outside, in /proc/locks.
"""

from __future__ import annotations

import csv
import json
import os
import pty
import queue
import random
import re
import select
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from kontakt.store import Book
from kontakt.store.driver import sqlite3

TODAY = date(2026, 11, 23)
HERE = Path(__file__).resolve().parent
APP_DRIVER = HERE / "app_in_a_process.py"
SEEDED = ("Ada Lovelace", "Grace Hopper", "Linus Torvalds")

# The app looks for other processes' commits every LIVE_REFRESH_SECONDS (tui/live.py); on a
# loaded 2-core machine it gets this much on top to show them.
REFRESH_SLACK = 2.0
# How many random interleavings of shells around the open app (KONTAKT_INTERLEAVINGS=50 for a
# longer run by hand).
INTERLEAVINGS = int(os.environ.get("KONTAKT_INTERLEAVINGS", "10"))

pytestmark = pytest.mark.skipif(not Path("/proc/locks").exists(), reason="needs Linux /proc/locks")


# ---------------------------------------------------------------- helpers


def kontakt_command() -> list[str]:
    """The installed console script next to this Python, else `python -m kontakt`."""
    script = Path(sys.executable).with_name("kontakt")
    return [str(script)] if script.exists() else [sys.executable, "-m", "kontakt"]


@pytest.fixture
def env() -> dict[str, str]:
    # The isolated XDG/HOME dirs of tests/conftest.py are in os.environ already.
    return {**os.environ, "KONTAKT_TODAY": TODAY.isoformat(), "PYTHONDONTWRITEBYTECODE": "1"}


def run(env, book: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([*kontakt_command(), *args, "--db", str(book)],
                          capture_output=True, text=True, env=env, timeout=timeout)


def make_book(path: Path) -> Path:
    with Book.open(path) as book:
        for name in SEEDED:
            book.add_contact(name, today=TODAY)
    return path


@dataclass(frozen=True)
class Inspection:
    integrity: list[str]
    foreign_keys: list[tuple]
    names: list[str]
    notes: list[str]
    favours: list[str]


def inspect(path: Path) -> Inspection:
    """What the book holds, read by a fresh connection after every other process is gone."""
    conn = sqlite3.connect(path)
    try:
        return Inspection(
            integrity=[r[0] for r in conn.execute("PRAGMA integrity_check")],
            foreign_keys=[tuple(r) for r in conn.execute("PRAGMA foreign_key_check")],
            names=[r[0] for r in conn.execute(
                "SELECT name FROM contacts WHERE deleted_at IS NULL ORDER BY name")],
            notes=[r[0] for r in conn.execute("SELECT note FROM interactions ORDER BY note")],
            favours=[r[0] for r in conn.execute("SELECT description FROM favours ORDER BY description")],
        )
    finally:
        conn.close()


# -- POSIX locks, as the kernel lists them. SQLite's unix VFS (os_unix.c): a connection to a
# WAL book holds a shared lock on the database file's SHARED range (PENDING_BYTE + 2, 510
# bytes) while the WAL is open, and a shared lock on the "dead man switch" byte of the -shm
# file (UNIX_SHM_DMS = 120 + 8 = 128); a writer holds the WAL write lock, -shm byte 120.
PENDING_BYTE = 0x40000000
DB_SHARED = (PENDING_BYTE + 2, PENDING_BYTE + 2 + 510 - 1)
SHM_DMS = (128, 128)
SHM_WRITE = (120, 120)


@dataclass(frozen=True)
class Lock:
    pid: int
    kind: str  # READ or WRITE
    inode: int
    start: int
    end: int


def posix_locks(path: Path) -> list[Lock]:
    """The POSIX locks held (not waited for) on the file at `path`, from /proc/locks."""
    try:
        inode = path.stat().st_ino
    except FileNotFoundError:
        return []
    found = []
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if "->" in fields or len(fields) < 8 or fields[1] != "POSIX":
            continue
        if int(fields[5].rsplit(":", 1)[1]) != inode:
            continue
        end = fields[7]
        found.append(Lock(int(fields[4]), fields[3], inode, int(fields[6]),
                          -1 if end == "EOF" else int(end)))
    return found


def holds(pid: int, path: Path, span: tuple[int, int], kind: str = "READ") -> bool:
    return any(lock.pid == pid and lock.kind == kind and (lock.start, lock.end) == span
               for lock in posix_locks(path))


def shm(book: Path) -> Path:
    return Path(f"{book}-shm")


class Lines:
    """Lines of a child's pipe, read by a thread, so a test can wait for one with a deadline."""

    def __init__(self, stream) -> None:
        self.seen: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, args=(stream,), daemon=True).start()

    def _pump(self, stream) -> None:
        for line in stream:
            self._queue.put(line)
        self._queue.put(None)

    def next(self, timeout: float) -> str | None:
        """The next line, or None at the end of the stream; AssertionError on timeout."""
        try:
            line = self._queue.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no line within {timeout} s; so far: {self.seen[-5:]}") from None
        if line is not None:
            self.seen.append(line)
        return line

    def until(self, predicate, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while True:
            line = self.next(max(deadline - time.monotonic(), 0.01))
            if line is None:
                raise AssertionError(f"the stream ended first; it said: {self.seen[-5:]}")
            if predicate(line):
                return line

    def rest(self) -> str:
        lines = []
        while (line := self.next(30)) is not None:
            lines.append(line)
        return "".join(lines)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
        process.wait(timeout=30)


def last_words(process: subprocess.Popen) -> str:
    """The stderr of a child that failed a check (killed first, so reading cannot hang)."""
    stop(process)
    try:
        return process.stderr.read()[-2000:]
    except ValueError:  # already closed or read by a Lines thread
        return "(stderr read elsewhere)"


# ---------------------------------------------------------------- 1. the app open while shells write


class AppProcess:
    """The real app, headless, in a process of its own (tests/integration/app_in_a_process.py)."""

    def __init__(self, book: Path, env) -> None:
        # stderr to a file: a pipe nobody reads while the app runs could fill and block it.
        self.errors = tempfile.TemporaryFile("w+")
        self.process = subprocess.Popen(
            [sys.executable, str(APP_DRIVER), str(book)], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=self.errors, text=True, env=env,
        )
        self.events = Lines(self.process.stdout)
        self.counts: list[tuple[float, int]] = []  # (monotonic time, contacts in the header)
        self.pid = self.process.pid

    def event(self, name: str, timeout: float = 30) -> dict:
        while True:
            line = self.events.next(timeout)
            if line is None:
                raise AssertionError(f"the app ended before {name!r}: {self.last_words()}")
            event = json.loads(line)
            if event["event"] == "count":
                self.counts.append((event["t"], event["contacts"]))
            if event["event"] == "error":
                raise AssertionError(f"the app said: {event['message']}")
            if event["event"] == name:
                return event

    def last_words(self) -> str:
        stop(self.process)
        self.errors.seek(0)
        return self.errors.read()[-2000:]

    def send(self, **command) -> None:
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()

    def shown_at(self, contacts: int, deadline: float) -> float | None:
        """When the header first showed `contacts`, waiting until `deadline` (monotonic)."""
        while True:
            hits = [t for t, n in self.counts if n == contacts]
            if hits:
                return hits[0]
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                self.event("count", timeout=left)
            except AssertionError:
                return None


@dataclass(frozen=True)
class Op:
    args: tuple[str, ...]
    own_process: bool = False  # run as the console script itself, not in a shell lane


# A shell that runs kontakt commands one after another. Each command goes through the CLI's
# own `main` in this process, opening and closing the book exactly as `kontakt …` does; only
# the interpreter start (~0.2 s of CPU a command) is saved, so an interleaving can have 40
# writes on a shared 2-core machine. Prints one JSON line: the commands that failed.
SHELL_LANE = textwrap.dedent(
    """
    import contextlib, io, json, sys, time
    from kontakt.cli import main

    book, plan = sys.argv[1], json.loads(sys.argv[2])
    failures = []
    for pause, args in plan:
        time.sleep(pause)
        out, err = io.StringIO(), io.StringIO()
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                main([*args, "--db", book], prog_name="kontakt", standalone_mode=False)
        except BaseException as error:  # noqa: BLE001 - reported to the test
            failures.append(f"{' '.join(args)}: {type(error).__name__}: {error} {err.getvalue()}")
    print(json.dumps(failures), flush=True)
    """
)


def interleaving_ops(seed: int, csv_path: Path) -> tuple[list[Op], dict[str, list[str]]]:
    """40 writes (adds, logs, favours, one import of 20 rows) and reads, and what the writes
    must leave in the book."""
    adds = [f"Shell Writer {seed}-{k:02}" for k in range(14)]
    notes = [f"log {seed}-{k:02}" for k in range(14)]
    favours = [f"favour {seed}-{k:02}" for k in range(11)]
    imported = [f"Imported Person {seed}-{k:02}" for k in range(20)]
    with csv_path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["name", "email", "notes"])
        for k, name in enumerate(imported):
            out.writerow([name, f"person{seed}-{k}@example.com", "from a CSV"])
    ops = [Op(("add", name), own_process=k < 1) for k, name in enumerate(adds)]
    ops += [Op(("log", SEEDED[k % 3], "--note", note)) for k, note in enumerate(notes)]
    ops += [Op(("favour", "Grace Hopper", "--gave", what)) for what in favours]
    ops.append(Op(("import", str(csv_path)), own_process=True))
    ops += [Op(("today", "--brief"), own_process=True), Op(("list",)), Op(("list", "--json")),
            Op(("search", "shell")), Op(("show", "ada")), Op(("today",)), Op(("circles",))]
    return ops, {"contacts": adds + imported, "notes": notes, "favours": favours}


def run_lanes(seed: int, book: Path, ops: list[Op], env, tmp_path: Path, lanes: int = 3) -> list[str]:
    """The ops in a seeded random order: the in-process ones split over `lanes` shell
    processes running at once, the others one console-script process after another beside
    them, everyone pausing a random few ms between commands. Returns the failures."""
    rng = random.Random(seed)
    order = ops[:]
    rng.shuffle(order)
    shared = [op for op in order if not op.own_process]
    plans = [[(rng.uniform(0, 0.03), list(op.args)) for op in shared[lane::lanes]]
             for lane in range(lanes)]
    alone = [(rng.uniform(0, 0.2), op) for op in order if op.own_process]
    script = tmp_path / f"shell_lane_{seed}.py"
    script.write_text(SHELL_LANE)
    failures: list[str] = []

    def console_scripts() -> None:
        for pause, op in alone:
            time.sleep(pause)
            done = run(env, book, *op.args)
            if done.returncode != 0 or "Traceback" in done.stderr:
                failures.append(f"{' '.join(op.args)} -> {done.returncode}: {done.stderr.strip()}")

    shells = [subprocess.Popen([sys.executable, str(script), str(book), json.dumps(plan)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
              for plan in plans]
    beside = threading.Thread(target=console_scripts)
    beside.start()
    for shell in shells:
        out, err = shell.communicate(timeout=120)
        if shell.returncode != 0:
            failures.append(f"a shell lane failed: {err[-1500:]}")
        else:
            failures += json.loads(out)
    beside.join()
    return failures


def app_holds_its_locks(app: AppProcess, book: Path) -> bool:
    return holds(app.pid, book, DB_SHARED) and holds(app.pid, shm(book), SHM_DMS)


def one_interleaving(seed: int, tmp_path: Path, env) -> dict:
    book = make_book(tmp_path / f"book-{seed}.db")
    ops, expected = interleaving_ops(seed, tmp_path / f"people-{seed}.csv")
    app = AppProcess(book, env)
    try:
        ready = app.event("ready")
        app.pid = ready["pid"]
        assert ready["contacts"] == len(SEEDED)
        time.sleep(random.Random(seed).uniform(0.1, 0.5))  # the app's first background count runs
        # All day long the app keeps the SQLite locks that tell other processes it is there
        # (checked at the end, so a failure also says whether anything was lost).
        locks_kept = {"after start": app_holds_its_locks(app, book)}
        failures = run_lanes(seed, book, ops, env, tmp_path)
        writers_done = time.monotonic()
        assert failures == [], f"seed {seed}: {failures}"
        total = len(SEEDED) + len(expected["contacts"])
        from kontakt.tui.live import LIVE_REFRESH_SECONDS

        seen = app.shown_at(total, writers_done + LIVE_REFRESH_SECONDS + 10)
        assert seen is not None, f"seed {seed}: the app never showed {total} contacts: {app.counts}"
        lag = seen - writers_done
        assert lag <= LIVE_REFRESH_SECONDS + REFRESH_SLACK, f"seed {seed}: shown {lag:.2f} s late"
        app.send(cmd="list")
        listed = app.event("list")
        assert listed["header"] == listed["count"] == total
        assert set(expected["contacts"]) <= set(listed["names"])
        # The app opened the book again in its own process (background counts) while it ran.
        assert listed["opens"] >= 3, listed["opens"]
        locks_kept["after the shells"] = app_holds_its_locks(app, book)

        # Now the app writes, through its own form, after every shell has come and gone.
        own = f"App Writer {seed}"
        app.send(cmd="add", name=own)
        assert app.event("added")["screen"] == "MainScreen"
        app.send(cmd="quit")
        app.event("quit")
        app.process.wait(timeout=30)
        assert app.process.returncode == 0, app.last_words()
    finally:
        stop(app.process)
        app.errors.close()
    state = inspect(book)
    assert state.integrity == ["ok"], f"seed {seed}: {state.integrity}"
    assert state.foreign_keys == [], f"seed {seed}"
    assert state.names == sorted([*SEEDED, *expected["contacts"], own]), f"seed {seed}"
    assert state.notes == sorted(expected["notes"]), f"seed {seed}"
    assert state.favours == sorted(expected["favours"]), f"seed {seed}"
    assert all(locks_kept.values()), f"seed {seed}: the app's locks on its book: {locks_kept}"
    return {"seed": seed, "lag": round(lag, 2), "counts_seen": len(app.counts)}


def test_the_open_app_and_shells_writing_at_once_lose_nothing(tmp_path, env):
    # Two interleavings at a time, each with its own book and app: the waits of one (the
    # refresh tick, the app's pauses) are the other's running time.
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda seed: one_interleaving(seed, tmp_path, env), range(INTERLEAVINGS)))
    # The app followed the shells as they wrote, not only once at the end.
    assert sum(r["counts_seen"] > 1 for r in results) >= INTERLEAVINGS // 2, results


# ---------------------------------------------------------------- 2. a process keeps its locks


# Holds a Book open, then does, one at a time on request, every other open of the same book
# that kontakt does inside one process. The test looks at the locks from outside after each.
LOCK_HOLDER = textwrap.dedent(
    """
    import sys, traceback
    from datetime import date
    from pathlib import Path

    from kontakt.store import Book

    path, work = Path(sys.argv[1]), Path(sys.argv[2])
    book = Book.open(path)
    book.list_contacts()  # a read: SQLite now holds its shared locks
    today = date(2026, 11, 23)

    def cli(*args):
        import contextlib, io
        from kontakt.cli import main
        with contextlib.redirect_stdout(io.StringIO()):  # stdout is our line to the test
            main([*args, "--db", str(path)], prog_name="kontakt", standalone_mode=False)

    def reopen():
        Book.open(path).close()

    def reopen_existing():
        Book.open(path, create=False).close()

    def reopen_for_reading():  # what every CLI command does (a 0400 book can still be read)
        Book.open(path, create=False, writable=False).close()

    def renew():  # a fresh connection takes fresh locks: the next step starts from held ones
        global book
        book.close()
        book = Book.open(path)
        book.list_contacts()

    def backup():
        from kontakt.store.backup import backup_now
        backup_now(book, work / "manual.db")

    def daily_backup_and_a_write():
        book._backup_day = None
        with book.write():
            book.add_contact("Written While Locked", today=today)

    def diagnose():
        from kontakt.store.health import diagnose
        assert diagnose(path).healthy

    def export_csv():
        cli("export", "csv", "-o", str(work / "out.csv"))

    def export_json():
        cli("export", "json", "-o", str(work / "out.json"))

    def cli_list():
        cli("list")

    def cli_doctor():
        cli("doctor")

    def stats_worker():
        from kontakt.tui.background import stats_at
        stats_at(path, today)

    def duplicates_worker():
        from kontakt.tui.background import count_duplicates_at, in_background
        in_background(count_duplicates_at, path)

    def plain_file_read():
        # The bug itself, on purpose: the control that shows the checker sees a dropped lock.
        with open(path, "rb") as handle:
            handle.read(16)

    steps = {f.__name__: f for f in (
        reopen, reopen_existing, reopen_for_reading, backup, daily_backup_and_a_write, diagnose,
        export_csv, export_json, cli_list, cli_doctor, stats_worker, duplicates_worker,
        plain_file_read, renew,
    )}
    print("ready", flush=True)
    for line in sys.stdin:
        try:
            steps[line.strip()]()
        except Exception as error:
            traceback.print_exc()
            print(f"failed: {type(error).__name__}: {error}", flush=True)
        else:
            print("done", flush=True)
    """
)

IN_PROCESS_OPENS = [
    "reopen", "reopen_existing", "reopen_for_reading", "backup", "daily_backup_and_a_write",
    "diagnose", "export_csv", "export_json", "cli_list", "cli_doctor", "stats_worker",
    "duplicates_worker",
]


def test_a_process_holding_a_book_keeps_its_locks_through_every_other_open(tmp_path, env):
    book = make_book(tmp_path / "book.db")
    script = tmp_path / "holder.py"
    script.write_text(LOCK_HOLDER)
    work = tmp_path / "work"
    work.mkdir()
    holder = subprocess.Popen([sys.executable, str(script), str(book), str(work)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, env=env)
    out = Lines(holder.stdout)
    lost, failed = [], []

    def tell(step: str) -> None:
        holder.stdin.write(step + "\n")
        holder.stdin.flush()
        said = out.next(60)
        assert said is not None, f"{step}: {last_words(holder)}"
        if said != "done\n":
            failed.append(f"{step}: {said.strip()}")

    try:
        assert out.next(30) == "ready\n", last_words(holder)
        pid = holder.pid
        assert holds(pid, book, DB_SHARED) and holds(pid, shm(book), SHM_DMS), posix_locks(book)
        for step in IN_PROCESS_OPENS:
            tell(step)
            if not (holds(pid, book, DB_SHARED) and holds(pid, shm(book), SHM_DMS)):
                lost.append(step)
                tell("renew")
                assert holds(pid, book, DB_SHARED) and holds(pid, shm(book), SHM_DMS)
        assert (lost, failed) == ([], []), f"locks dropped by: {lost}; steps that failed: {failed}"
        # The control: a plain open()/close() of the file drops them, and this test sees it.
        tell("plain_file_read")
        assert not holds(pid, book, DB_SHARED) and failed == []
        holder.stdin.close()
        holder.wait(timeout=30)
        assert holder.returncode == 0, last_words(holder)
    finally:
        stop(holder)
    assert (work / "manual.db").exists() and (work / "out.csv").exists() and (work / "out.json").exists()
    state = inspect(book)
    assert state.integrity == ["ok"]
    assert state.names == sorted([*SEEDED, "Written While Locked"])


# ---------------------------------------------------------------- 3. a writer waits


# Holds a write transaction (BEGIN IMMEDIATE) until told to commit on stdin.
LONG_WRITER = textwrap.dedent(
    """
    import sys
    from datetime import date
    from kontakt.store import Book

    book = Book.open(sys.argv[1])
    with book.write():
        book.add_contact("Held By The First Writer", today=date(2026, 11, 23))
        print("holding", flush=True)
        sys.stdin.readline()
    print("committed", flush=True)
    """
)

WAITING = "waiting for another kontakt to finish writing"


def start_long_writer(tmp_path: Path, book: Path, env) -> tuple[subprocess.Popen, Lines]:
    script = tmp_path / "long_writer.py"
    script.write_text(LONG_WRITER)
    writer = subprocess.Popen([sys.executable, str(script), str(book)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    out = Lines(writer.stdout)
    assert out.next(30) == "holding\n", last_words(writer)
    assert holds(writer.pid, shm(book), SHM_WRITE, "WRITE")  # it really has the write lock
    return writer, out


def test_a_second_writer_waits_out_a_long_write_and_then_succeeds(tmp_path, env):
    book = make_book(tmp_path / "book.db")
    writer, writer_out = start_long_writer(tmp_path, book, env)
    waiter = subprocess.Popen([*kontakt_command(), "add", "Patient Writer", "--db", str(book)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        started = time.monotonic()
        waiter_errors = Lines(waiter.stderr)
        waiter_errors.until(lambda line: WAITING in line, timeout=10)
        # Past the old 10 s busy timeout, it is still waiting rather than failing.
        time.sleep(max(0.0, started + 11.0 - time.monotonic()))
        assert waiter.poll() is None, waiter_errors.seen
        writer.stdin.write("commit\n")
        writer.stdin.flush()
        assert writer_out.next(30) == "committed\n"
        waiter.wait(timeout=30)
        assert waiter.returncode == 0, waiter_errors.seen
        assert waiter.stdout.read().strip().isdigit()  # add prints the new id
        assert "locked" not in "".join(waiter_errors.seen)
        writer.wait(timeout=30)
    finally:
        stop(writer)
        stop(waiter)
    assert inspect(book).names == sorted([*SEEDED, "Held By The First Writer", "Patient Writer"])


def test_a_waiting_writer_interrupted_with_ctrl_c_gives_up_and_writes_nothing(tmp_path, env):
    book = make_book(tmp_path / "book.db")
    writer, writer_out = start_long_writer(tmp_path, book, env)
    waiter = subprocess.Popen([*kontakt_command(), "add", "Impatient Writer", "--db", str(book)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        waiter_errors = Lines(waiter.stderr)
        waiter_errors.until(lambda line: WAITING in line, timeout=10)
        waiter.send_signal(signal.SIGINT)
        waiter.wait(timeout=10)
        said = waiter_errors.rest()
        assert waiter.returncode not in (0, None)
        assert "Traceback" not in said
        # The waiting line, then one short line (click's "Aborted!"), no traceback.
        words = [line for line in waiter_errors.seen if line.strip() and WAITING not in line]
        assert len(words) == 1 and len(words[0]) < 100, waiter_errors.seen
        assert waiter.stdout.read() == ""
        writer.stdin.write("commit\n")
        writer.stdin.flush()
        assert writer_out.next(30) == "committed\n"
        writer.wait(timeout=30)
    finally:
        stop(writer)
        stop(waiter)
    assert inspect(book).names == sorted([*SEEDED, "Held By The First Writer"])


# ---------------------------------------------------------------- 4. SIGKILL inside an import


IMPORT_ROWS = 6000


def write_people_csv(path: Path, rows: int) -> Path:
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["name", "email", "notes"])
        for n in range(rows):
            out.writerow([f"Imported Person {n}", f"person{n}@example.com", "met at a conference"])
    return path


def watch_import(book: Path, source: Path, env, kill_after: float | None) -> dict:
    """Run `kontakt import`; once it holds the WAL write lock (its transaction has begun),
    SIGKILL it `kill_after` seconds later, checking from outside that it still held the lock
    just before. Returns what was seen."""
    importer = subprocess.Popen([*kontakt_command(), "import", str(source), "--db", str(book)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    seen: dict = {"began": None, "ended": None, "held_at_kill": None, "wal_at_kill": None}
    try:
        while importer.poll() is None:
            held = holds(importer.pid, shm(book), SHM_WRITE, "WRITE")
            now = time.monotonic()
            if held and seen["began"] is None:
                seen["began"] = now
            if not held and seen["began"] is not None and seen["ended"] is None:
                seen["ended"] = now
            if kill_after is not None and seen["began"] is not None and now >= seen["began"] + kill_after:
                seen["held_at_kill"] = holds(importer.pid, shm(book), SHM_WRITE, "WRITE")
                wal = Path(f"{book}-wal")
                seen["wal_at_kill"] = wal.stat().st_size if wal.exists() else 0
                importer.send_signal(signal.SIGKILL)
                break
            time.sleep(0.002)
        importer.wait(timeout=60)
    finally:
        stop(importer)
    seen["returncode"] = importer.returncode
    seen["stderr"] = importer.stderr.read().decode(errors="replace")
    importer.stderr.close()
    return seen


def test_sigkill_inside_an_imports_transaction_leaves_all_or_nothing(tmp_path, env):
    env = {**env, "KONTAKT_NO_AUTO_BACKUP": "1"}
    source = write_people_csv(tmp_path / "people.csv", IMPORT_ROWS)
    before, after = len(SEEDED), len(SEEDED) + IMPORT_ROWS
    # A whole import first, watched the same way: how long its transaction holds the lock.
    timing = watch_import(make_book(tmp_path / "timing.db"), source, env, kill_after=None)
    assert timing["returncode"] == 0, timing["stderr"]
    assert timing["began"] is not None, "never saw the import take the write lock"
    held = (timing["ended"] or time.monotonic()) - timing["began"]
    assert len(inspect(tmp_path / "timing.db").names) == after
    outcomes = []
    # Spread over the transaction, and two around its COMMIT (either outcome is whole there).
    for n, fraction in enumerate((0.0, 0.15, 0.3, 0.5, 0.7, 0.9, 0.98, 1.05)):
        book = make_book(tmp_path / f"kill-{n}.db")
        seen = watch_import(book, source, env, kill_after=held * fraction)
        state = inspect(book)
        assert state.integrity == ["ok"], (fraction, state.integrity)
        assert state.foreign_keys == []
        count = len(state.names)
        assert count in (before, after), (fraction, count)
        outcomes.append((fraction, seen["returncode"], seen["held_at_kill"], count))
    # Killed while it held the write lock, and nothing of it is there: inside the transaction.
    mid_transaction = [o for o in outcomes if o[1] == -signal.SIGKILL and o[2] and o[3] == before]
    assert len(mid_transaction) >= 3, f"held {held:.2f} s; kills: {outcomes}"
    # The book still takes the same import whole after the crash.
    again = run(env, tmp_path / "kill-0.db", "import", str(source), timeout=120)
    assert again.returncode == 0, again.stderr
    assert len(inspect(tmp_path / "kill-0.db").names) == after


# ---------------------------------------------------------------- 5. a read-only book, as root too


def test_a_read_only_book_can_be_read_and_exported_but_not_written(tmp_path, env):
    book = make_book(tmp_path / "book.db")
    book.chmod(0o400)
    # What kontakt looks at: the mode bits (root's os.access would say "writable").
    assert book.stat().st_mode & 0o222 == 0
    before = book.read_bytes()  # no connection is open in this process
    listed = run(env, book, "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert sorted(c["name"] for c in json.loads(listed.stdout)) == sorted(SEEDED)
    shown = run(env, book, "show", "ada")
    assert shown.returncode == 0 and "Ada Lovelace" in shown.stdout, shown.stderr
    found = run(env, book, "search", "grace")
    assert found.returncode == 0 and "Grace Hopper" in found.stdout, found.stderr
    exported = run(env, book, "export", "csv", "-o", str(tmp_path / "out.csv"))
    assert exported.returncode == 0, exported.stderr
    assert "Linus Torvalds" in (tmp_path / "out.csv").read_text()
    for write in (("add", "Nobody New"), ("log", "ada"), ("favour", "grace", "--gave", "x")):
        refused = run(env, book, *write)
        assert refused.returncode == 1, (write, refused.stdout)
        assert re.search(r"is read-only", refused.stderr), (write, refused.stderr)
        assert "Traceback" not in refused.stderr
        assert len(refused.stderr.strip().splitlines()) == 1, refused.stderr
    assert book.read_bytes() == before
    assert book.stat().st_mode & 0o777 == 0o400


# ---------------------------------------------------------------- a mistyped --db, two demos


def test_a_mistyped_db_for_a_read_command_says_no_book_and_creates_nothing(tmp_path, env):
    done = subprocess.run([*kontakt_command(), "--db", "typo.db", "list"], cwd=tmp_path,
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 1
    assert "no book at typo.db" in done.stderr, done.stderr
    assert done.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_a_second_kontakt_demo_does_not_delete_the_book_an_open_demo_is_using(tmp_path, env):
    env = {**env, "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "30"}
    pid, fd = pty.fork()
    if pid == 0:  # the child: `kontakt demo` opening the app on the fake terminal
        os.execvpe(kontakt_command()[0], [*kontakt_command(), "demo"], env)
    screen = bytearray()

    def read_until(marker: bytes, timeout: float) -> None:
        """Read the app's terminal until `marker` is drawn on its full screen."""
        deadline = time.monotonic() + timeout
        while marker not in screen[screen.find(b"\x1b[?1049h") + 1 or len(screen):]:
            assert time.monotonic() < deadline, bytes(screen[-600:])
            ready, _, _ = select.select([fd], [], [], 0.1)
            if ready:
                try:
                    screen.extend(os.read(fd, 65536))
                except OSError:  # the app has gone: the assert above says what it printed
                    deadline = 0

    try:
        import fcntl
        import struct
        import termios

        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
        read_until(b"contacts", timeout=60)  # the app's header is on the screen
        first_book = Path(os.environ["XDG_CACHE_HOME"]) / "kontakt" / "demo.db"
        second = subprocess.run([*kontakt_command(), "demo", "--no-open"],
                                capture_output=True, text=True, env=env, timeout=60)
        assert "Traceback" not in second.stderr
        assert second.returncode == 0 or len(second.stderr.strip().splitlines()) == 1, second.stderr
        deleted = [os.readlink(f"/proc/{pid}/fd/{n}") for n in os.listdir(f"/proc/{pid}/fd")
                   if os.readlink(f"/proc/{pid}/fd/{n}").endswith("(deleted)")]
        assert deleted == [], f"the open demo's files were deleted: {deleted}; {second.stderr}"
        assert first_book.exists()
        os.write(fd, b"q")
        deadline = time.monotonic() + 30
        while (waited := os.waitpid(pid, os.WNOHANG))[0] == 0:
            assert time.monotonic() < deadline, "the demo app did not quit on q"
            if select.select([fd], [], [], 0.1)[0]:
                try:
                    screen.extend(os.read(fd, 65536))  # keep draining, or the app blocks
                except OSError:
                    pass
        pid = 0
        assert os.waitstatus_to_exitcode(waited[1]) == 0, bytes(screen[-600:])
    finally:
        if pid:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(fd)
    state = inspect(first_book)
    assert state.integrity == ["ok"] and len(state.names) > 50
