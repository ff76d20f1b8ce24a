"""Heavy reads for the app (duplicate detection, the stats), off the UI's event loop.

Both are pure Python over a whole book. Each call opens the book by path: the app's sqlite
connection belongs to the main thread and is never shared. On a small book a thread is
enough (it is done in tens of milliseconds). On a big one a thread would hold the GIL for
seconds and the app would stutter — measured on a 20k-contact book, a keypress took ~3 s
to answer while duplicates were being found — so the work goes to a separate process and
another core. No Textual import here: the spawned child imports only what it needs.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from ..store import Book

if TYPE_CHECKING:  # imported where they run: the app's start needs neither
    from ..services.dupes import Candidate
    from ..services.stats import NetworkStats

T = TypeVar("T")

# Contacts from which a separate process pays for its ~0.5 s start.
BIG_BOOK = 2000


def duplicates_at(path: Path) -> list[Candidate]:
    """The likely pairs of the book at `path`, through a connection of its own."""
    from ..services.dupes import find_duplicates

    with Book.open(path, create=False) as book:
        return find_duplicates(book)


def count_duplicates_at(path: Path) -> int:
    return len(duplicates_at(path))


def stats_at(path: Path, as_of: date) -> NetworkStats:
    """The network's figures for the book at `path`, through a connection of its own."""
    from ..services.stats import network_stats

    with Book.open(path, create=False) as book:
        return network_stats(book, as_of)


def in_background(function: Callable[..., T], path: Path, *args: date,
                  cancelled: Callable[[], bool] = lambda: False) -> T:
    """`function(path, *args)`, called from a worker thread: run right there for a small book,
    in a separate process for a big one (the thread then only waits, holding no GIL; the
    process is stopped once `cancelled()` says nobody wants the answer any more).

    Raises BackgroundError with the child's last line if the separate process fails or is
    stopped.
    """
    with Book.open(path, create=False) as book:
        counts = book.counts()
    if counts.contacts + counts.archived < BIG_BOOK:
        return function(path, *args)
    # A plain child process rather than multiprocessing: its start-up reads sys.stderr's
    # file descriptor, which Textual has replaced while the app runs.
    command = [sys.executable, "-m", __name__, function.__name__, str(path),
               *(arg.isoformat() for arg in args)]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        child = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                 env=_child_env(path))
        while True:
            if cancelled():  # the screen closed: no one waits for this any more
                child.kill()
                child.wait()
                raise BackgroundError(f"{function.__name__} stopped")
            try:
                child.wait(timeout=0.2)
                break
            except subprocess.TimeoutExpired:
                continue
        if child.returncode != 0:
            err.seek(0)
            lines = err.read().decode(errors="replace").strip().splitlines() or ["no output"]
            raise BackgroundError(f"{function.__name__} failed: {lines[-1]}")
        out.seek(0)
        return pickle.load(out)  # our own child's answer, never outside data


# Bump when duplicate detection changes, so a count made by older rules is not reused.
DUPES_RULES = "1"
# Counts kept for this many books (most recently counted first).
KEPT_COUNTS = 20


def book_version(book: Book) -> str:
    """A mark that changes whenever what duplicate detection reads may have changed.

    Every change kontakt makes is a new step of the undo history (a monotonic id; an undo
    marks its step), and adding, trashing or purging people changes the contact counts;
    dismissing a pair adds a row. Read from indexes only: milliseconds at 100k people.
    Writes made outside kontakt (the sqlite3 shell) may go unseen: the count is a hint.
    """
    row = book.conn.execute(
        """SELECT (SELECT coalesce(max(id), 0) FROM undo_steps),
                  (SELECT count(*) FROM undo_steps WHERE undone_at IS NOT NULL),
                  (SELECT count(*) FROM contacts),
                  (SELECT coalesce(max(id), 0) FROM contacts),
                  (SELECT count(*) FROM contacts WHERE deleted_at IS NOT NULL),
                  (SELECT count(*) FROM dismissed_pairs)"""
    ).fetchone()
    return "r" + DUPES_RULES + "-" + "-".join(str(value) for value in tuple(row))


def counts_file() -> Path:
    """Where the last duplicate counts are kept: the user's cache dir, not the book (a write
    to the book would look to the open app like another process's change)."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("kontakt")) / "duplicate-counts.json"


def _book_key(path: Path) -> str:
    """Which book a kept count belongs to: its resolved path."""
    return str(Path(path).resolve())


def _kept_counts() -> dict[str, list]:
    import json

    try:
        kept = json.loads(counts_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return kept if isinstance(kept, dict) else {}


def _keep_count(book_key: str, version: str, count: int) -> None:
    """Remember `count` for the book (atomically: several apps may be open)."""
    import json
    import os

    kept = {book_key: [version, count]}
    kept.update((k, v) for k, v in _kept_counts().items() if k != book_key and len(kept) < KEPT_COUNTS)
    target = counts_file()
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = target.with_name(f".{target.name}.{os.getpid()}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(kept, handle)
    os.replace(temporary, target)


def kept_duplicate_count(book: Book) -> tuple[str, int | None]:
    """The book's version (`book_version`) and the duplicate count kept for that version, or
    None when the book changed since it was counted (or was never counted). Cheap enough for
    the app's own connection: an unchanged book needs no worker at all."""
    version = book_version(book)
    kept = _kept_counts().get(_book_key(book.path))
    if isinstance(kept, list) and len(kept) == 2 and kept[0] == version and isinstance(kept[1], int):
        return version, kept[1]
    return version, None


def count_duplicates_cached(path: Path, *, cancelled: Callable[[], bool] = lambda: False) -> int:
    """`count_duplicates_at(path)` (in the background for a big book), or the count kept from
    the last time if the book has not changed since: opening an unchanged 100k book no
    longer costs 12-16 s of a core for a hint. A new count is kept only if the book did not
    change while it was made."""
    with Book.open(path, create=False) as book:
        version, kept = kept_duplicate_count(book)
    if kept is not None:
        return kept
    count = in_background(count_duplicates_at, path, cancelled=cancelled)
    with Book.open(path, create=False) as book:
        unchanged = book_version(book) == version
    if unchanged:
        try:
            _keep_count(_book_key(path), version, count)
        except OSError:  # no cache dir (read-only home): no cache, still the answer
            pass
    return count


def _child_env(path: Path) -> dict[str, str]:
    """The app's environment, plus the passphrase typed in the app for an encrypted book
    (the child opens it by path; the environment of a process is readable by its user only)."""
    import os

    from ..store.db import PASSPHRASE_ENV, known_passphrase

    env = dict(os.environ)
    passphrase = known_passphrase(path)
    if passphrase:
        env[PASSPHRASE_ENV] = passphrase
    return env


class BackgroundError(RuntimeError):
    """The separate process could not compute its answer."""


_JOBS = {f.__name__: f for f in (duplicates_at, count_duplicates_at, stats_at)}


def _child(argv: list[str]) -> None:
    name, path, *days = argv
    result = _JOBS[name](Path(path), *(date.fromisoformat(d) for d in days))
    sys.stdout.buffer.write(pickle.dumps(result))


if __name__ == "__main__":
    _child(sys.argv[1:])
