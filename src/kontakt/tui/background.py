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
from typing import TypeVar

from ..services.dupes import Candidate, find_duplicates
from ..services.stats import NetworkStats, network_stats
from ..store import Book

T = TypeVar("T")

# Contacts from which a separate process pays for its ~0.5 s start.
BIG_BOOK = 2000


def duplicates_at(path: Path) -> list[Candidate]:
    """The likely pairs of the book at `path`, through a connection of its own."""
    with Book.open(path, create=False) as book:
        return find_duplicates(book)


def count_duplicates_at(path: Path) -> int:
    return len(duplicates_at(path))


def stats_at(path: Path, as_of: date) -> NetworkStats:
    """The network's figures for the book at `path`, through a connection of its own."""
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
