"""The real thing: a second process writing while we hold a transaction, and SIGKILL mid-write.

Every test here runs real subprocesses against a real file.
"""

from __future__ import annotations

import os
import signal
from kontakt.store.driver import sqlite3
import subprocess
import sys
import textwrap
import time
from datetime import date
from pathlib import Path

import pytest

from kontakt.store import Book

TODAY = date(2026, 11, 23)
BIG_WRITE = 2000

# One transaction adding many contacts, announcing how far it got. A tiny page cache makes
# SQLite spill uncommitted pages into the WAL as it goes, as a big import would.
WRITER = textwrap.dedent(
    """
    import sys
    from datetime import date
    from kontakt.store import Book

    path, count = sys.argv[1], int(sys.argv[2])
    book = Book.open(path)
    book.conn.execute("PRAGMA cache_size = 20")
    with book.write():
        for n in range(count):
            book.add_contact(f"Crash Test {n}", today=date(2026, 11, 23), notes="filler " * 30)
            if n % 500 == 0:
                print(n, flush=True)
        print("committing", flush=True)
    print("committed", flush=True)
    """
)

# Many small writes, each its own transaction, as a cron job or a second terminal would.
LOGGER = textwrap.dedent(
    """
    import sys
    from datetime import date
    from kontakt.store import Book

    path, contact_id, count, tag = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    book = Book.open(path)
    for n in range(count):
        book.log_interaction([contact_id], on=date(2026, 11, 23), note=f"{tag} {n}")
    print("done", flush=True)
    """
)


@pytest.fixture
def env(tmp_path):
    return {
        **os.environ, "KONTAKT_TODAY": TODAY.isoformat(), "KONTAKT_NO_AUTO_BACKUP": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


@pytest.fixture
def book_path(tmp_path) -> Path:
    path = tmp_path / "book.db"
    with Book.open(path) as book:
        for name in ("Ada Lovelace", "Grace Hopper", "Linus Torvalds"):
            book.add_contact(name, today=TODAY)
    return path


def _kontakt(*args: str) -> list[str]:
    return [sys.executable, "-m", "kontakt", *args]


def _state(path: Path) -> tuple[str, int]:
    """integrity_check verdict and the number of contacts, read by a fresh connection."""
    conn = sqlite3.connect(path)
    try:
        verdict = conn.execute("PRAGMA integrity_check").fetchone()[0]
        count = conn.execute("SELECT count(*) FROM contacts").fetchone()[0]
        conn.execute("INSERT INTO contacts_fts (contacts_fts, rank) VALUES ('integrity-check', 1)")
    finally:
        conn.close()
    return verdict, count


def test_a_second_process_waits_for_our_transaction_instead_of_failing(book_path, env):
    with Book.open(book_path) as book:
        with book.write():
            book.add_contact("Held In A Transaction", today=TODAY)
            other = subprocess.Popen(
                _kontakt("log", "ada", "--note", "from the other shell", "--db", str(book_path)),
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
            )
            time.sleep(1.5)  # well past the other process's start-up; it must be waiting
            assert other.poll() is None, other.communicate()
        out, err = other.communicate(timeout=30)
        assert other.returncode == 0, err
        assert "locked" not in err
        assert "logged other with Ada Lovelace" in out
        ada = book.find("ada")
        assert [i.note for i in book.interactions_for(ada.id)] == ["from the other shell"]
        assert book.find("held in").name == "Held In A Transaction"


def test_two_writers_and_a_reader_at_once_lose_nothing(book_path, env, tmp_path):
    script = tmp_path / "logger.py"
    script.write_text(LOGGER)
    env = {**env}
    env.pop("KONTAKT_NO_AUTO_BACKUP")  # the daily-backup hook runs under contention too
    writers = [
        subprocess.Popen([sys.executable, str(script), str(book_path), str(cid), "150", tag],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        for cid, tag in ((1, "first"), (2, "second"))
    ]
    with Book.open(book_path) as reader:
        reader.auto_backup = False
        seen = reader.data_version()
        changes = 0
        while any(w.poll() is None for w in writers):
            version = reader.data_version()
            changes += version != seen
            seen = version
            reader.list_contacts()
            time.sleep(0.01)
        results = [w.communicate(timeout=60) for w in writers]
        for writer, (out, err) in zip(writers, results):
            assert writer.returncode == 0, err
            assert out.strip() == "done"
            assert "locked" not in err
        assert changes > 0  # the open reader noticed the other processes' commits
        notes = [r[0] for r in reader.conn.execute("SELECT note FROM interactions")]
        assert len(notes) == 300
        assert sorted(notes) == sorted([f"first {n}" for n in range(150)] + [f"second {n}" for n in range(150)])
        assert reader.get_contact(1).last_contact == TODAY
    assert _state(book_path)[0] == "ok"


def test_an_open_book_sees_another_processes_write_through_data_version(book_path, env):
    with Book.open(book_path) as book:
        before = book.data_version()
        done = subprocess.run(
            _kontakt("add", "Margaret Hamilton", "--db", str(book_path)),
            capture_output=True, text=True, env=env, timeout=60,
        )
        assert done.returncode == 0, done.stderr
        assert book.data_version() != before
        assert book.find("hamilton").name == "Margaret Hamilton"


def _start_writer(script: Path, book_path: Path, env) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(script), str(book_path), str(BIG_WRITE)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )


@pytest.mark.parametrize("kill_at", ["0", "1000", "1500", "committing"])
def test_sigkill_during_a_big_write_leaves_all_or_nothing(book_path, env, tmp_path, kill_at):
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    writer = _start_writer(script, book_path, env)
    try:
        for line in writer.stdout:
            if line.strip() == kill_at:
                break
        else:
            pytest.fail(f"the writer ended before {kill_at}: {writer.stderr.read()}")
        if kill_at != "committing":
            # Uncommitted pages really are in the WAL by now (the crash has something to undo).
            assert kill_at == "0" or Path(f"{book_path}-wal").stat().st_size > 50_000
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=30)
    finally:
        if writer.poll() is None:
            writer.kill()
        writer.stdout.close()
        writer.stderr.close()
    assert writer.returncode == -signal.SIGKILL
    verdict, count = _state(book_path)
    assert verdict == "ok"
    if kill_at != "committing":
        assert count == 3
        return
    assert count in (3, 3 + BIG_WRITE)  # killed around COMMIT: either is whole
    # And the book still works: the same write, uninterrupted, lands whole.
    finished = subprocess.run([sys.executable, str(script), str(book_path), str(BIG_WRITE)],
                              capture_output=True, text=True, env=env, timeout=120)
    assert finished.returncode == 0, finished.stderr
    assert _state(book_path)[1] in (3 + BIG_WRITE, 3 + 2 * BIG_WRITE)


# SIGKILL during `kontakt import`: test_many_processes.py times its kills on the import's WAL
# write lock (seen from outside) and asserts that they landed inside the transaction.
