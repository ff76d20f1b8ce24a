"""kill -9 during `kontakt encrypt`, `passphrase` and `decrypt`, at known steps of the rewrite.

The command runs as a real process; KONTAKT_TEST_PAUSE_AT stops it at a named step (after
taking the lock, after the export, after the check, after the rename) and it is killed
there. The book must then open with the old passphrase (before the rename) or the new one
(after it), through SQLCipher's own key derivation, and hold every contact.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from kontakt.cli import main
from kontakt.store import Book
from kontakt.store import crypto
from kontakt.store import db as store_db
from kontakt.store.driver import sqlite3
from kontakt.store.health import leftover_partials

TODAY = date(2026, 11, 23)
PEOPLE = 150
OLD, NEW = "old passphrase", "new passphrase"


def _contacts(path: Path, passphrase: str | None) -> int:
    """Contacts in the file, read with SQLCipher's own derivation (None: a plain file);
    raises sqlite3.DatabaseError if that passphrase does not open it."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        if passphrase is not None:
            conn.execute(f"PRAGMA key = '{passphrase}'")
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return conn.execute("SELECT count(*) FROM contacts").fetchone()[0]
    finally:
        conn.close()


@pytest.fixture(scope="module")
def templates(tmp_path_factory):
    """A plain and an encrypted (OLD) book of PEOPLE contacts, each with one backup."""
    root = tmp_path_factory.mktemp("kill-templates")
    made = {}
    for name in ("plain", "encrypted"):
        folder = root / name
        folder.mkdir()
        with Book.open(folder / "book.db") as book:
            book.auto_backup = False
            with book.write():
                for n in range(PEOPLE):
                    book.add_contact(f"Person {n}", today=TODAY, notes="private " * 20)
            from kontakt.store.backup import backup_now

            backup_now(book)
        if name == "encrypted":
            crypto.encrypt(folder / "book.db", OLD)
        made[name] = folder
    store_db._passphrases.clear()
    return made


# (command, the step it is killed at, the book it starts from, what opens it afterwards)
CASES = [
    ("encrypt", "exported", "plain", None),
    ("encrypt", "renamed", "plain", NEW),
    ("passphrase", "verified", "encrypted", OLD),
    ("passphrase", "renamed", "encrypted", NEW),
    ("decrypt", "locked", "encrypted", OLD),
]


@pytest.mark.parametrize(("command", "step", "start", "opens_with"), CASES,
                         ids=[f"{c[0]}-at-{c[1]}" for c in CASES])
def test_a_kill_at_any_step_leaves_a_book_that_opens_with_the_old_or_the_new_passphrase(
        command, step, start, opens_with, templates, tmp_path, monkeypatch):
    assert step in crypto.STEPS
    shutil.copytree(templates[start], tmp_path, dirs_exist_ok=True)
    book = tmp_path / "book.db"
    marker = tmp_path / "paused"
    env = {**os.environ, "KONTAKT_PASSPHRASE": OLD, "KONTAKT_NEW_PASSPHRASE": NEW,
           "KONTAKT_NO_AUTO_BACKUP": "1", crypto.PAUSE_ENV: step,
           crypto.PAUSE_FILE_ENV: str(marker)}
    if command == "encrypt":
        env.pop("KONTAKT_PASSPHRASE")
    child = subprocess.Popen([sys.executable, "-m", "kontakt", command, "--db", str(book)],
                             env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert child.poll() is None, child.stderr.read().decode()
            assert time.monotonic() < deadline, "the command never reached its pause point"
            time.sleep(0.02)
        assert marker.read_text() == step  # killed exactly there, mid-command
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.wait()
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL

    # The book opens with the expected one of the two (SQLCipher's own derivation), and
    # holds everyone; a book still plain does not open as an encrypted one.
    assert _contacts(book, opens_with) == PEOPLE
    if opens_with is None:
        with pytest.raises(sqlite3.DatabaseError):
            _contacts(book, NEW)
    # kontakt itself opens it and can write to it.
    store_db._passphrases.clear()
    if opens_with is not None:
        monkeypatch.setenv("KONTAKT_PASSPHRASE", opens_with)
    with Book.open(book, create=False) as opened:
        opened.auto_backup = False
        opened.add_contact("After the crash", today=TODAY)
        assert opened.counts().contacts == PEOPLE + 1
    # A half-made copy is a leftover `kontakt doctor --fix` removes (its process is gone).
    leftovers = leftover_partials(book)
    assert all(p.name.startswith(".book.db.") for p in leftovers)
    assert bool(leftovers) is (step in ("exported", "verified"))  # the copy exists from then on
    if command == "encrypt" and step == "renamed":
        # Killed before its backups were re-encrypted: running it again finishes them.
        result = CliRunner().invoke(main, ["encrypt", "--db", str(book)])
        assert result.exit_code == 0, result.output
        assert "1 plain backup(s) of it now are too" in result.stdout
