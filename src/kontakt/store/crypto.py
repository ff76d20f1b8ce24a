"""Encrypting a book, decrypting it, changing its passphrase: one safe rewrite for all three.

The book is copied into a new private file with `sqlcipher_export` (keyed with the new
passphrase, or plain), the copy is checked (integrity, every table's row count, the schema
version) while the book is locked against every other kontakt, then renamed over the book.
Until the rename the book is untouched; the rename is atomic. So a Ctrl-C or a kill at any
moment leaves the book as it was (old passphrase) or the new one (new passphrase), and at
worst a `.NAME.PID.tmp` file that `kontakt doctor --fix` removes.
"""

from __future__ import annotations

import glob
import os
import time
from dataclasses import dataclass
from pathlib import Path

from .db import (
    BookError,
    check_passphrase,
    forget_passphrase,
    replace_durably,
    is_encrypted,
    key_clause,
    key_of,
    keyed_connect,
    new_key,
    open_connection,
    remember_key,
    unique_path,
)
from .driver import sqlite3

# Tests stop a rewrite at a named step to kill it there: KONTAKT_TEST_PAUSE_AT=step writes
# the step's name to KONTAKT_TEST_PAUSE_FILE and sleeps. Never set outside the test suite.
PAUSE_ENV = "KONTAKT_TEST_PAUSE_AT"
PAUSE_FILE_ENV = "KONTAKT_TEST_PAUSE_FILE"
STEPS = ("locked", "exported", "verified", "renamed")
# How long to wait for other kontakts to let go of the book before saying so.
EXCLUSIVE_WAIT_MS = 2000


@dataclass(frozen=True)
class Rewritten:
    path: Path
    encrypted: bool
    rows: int  # rows copied over all tables, each table's count checked
    backups: int = 0  # backups of the book rewritten under the new key
    backups_left: tuple[Path, ...] = ()  # backups under some other key, left as they were


def _pause(step: str) -> None:
    if os.environ.get(PAUSE_ENV) != step:
        return
    marker = os.environ.get(PAUSE_FILE_ENV)
    if marker:
        Path(marker).write_text(step)
    time.sleep(60)


def encrypt(path: Path, passphrase: str) -> Rewritten:
    """Encrypt the (plain) book at `path` with `passphrase`. BookError if it already is."""
    return _rewrite(Path(path), check_passphrase(passphrase), want_plain_source=True)


def decrypt(path: Path) -> Rewritten:
    """Turn the encrypted book at `path` into a plain one. BookError if it is not encrypted."""
    return _rewrite(Path(path), None, want_plain_source=False)


def change_passphrase(path: Path, passphrase: str) -> Rewritten:
    """Re-encrypt the encrypted book at `path` under a new passphrase (and a new salt)."""
    return _rewrite(Path(path), check_passphrase(passphrase), want_plain_source=False)


def book_is_encrypted(path: Path) -> bool:
    """Whether the book at `path` is encrypted (opening it, so it may ask for a passphrase)."""
    conn = open_connection(Path(path).expanduser(), create=False, writable=False)
    try:
        return is_encrypted(conn)
    finally:
        conn.close()


def _tables(conn: sqlite3.Connection, schema: str) -> list[str]:
    return [row[0] for row in conn.execute(
        f"SELECT name FROM {schema}.sqlite_master WHERE type = 'table' "
        "AND name NOT LIKE 'sqlite_%' ORDER BY name"
    )]


def _row_counts(conn: sqlite3.Connection, schema: str) -> dict[str, int]:
    return {
        name: conn.execute(f'SELECT count(*) FROM {schema}."{name}"').fetchone()[0]
        for name in _tables(conn, schema)
    }


def _lock_alone(conn: sqlite3.Connection, path: Path) -> None:
    """Hold the book so no other connection can read or write it until `conn` closes.

    Leaving WAL mode needs every other connection gone; the exclusive locking mode then
    keeps the lock taken by the empty exclusive transaction.
    """
    conn.execute(f"PRAGMA busy_timeout = {EXCLUSIVE_WAIT_MS}")
    try:
        mode = conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
        conn.execute("PRAGMA locking_mode = EXCLUSIVE")
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("COMMIT")
    except sqlite3.OperationalError as error:
        if "locked" in str(error) or "busy" in str(error):
            mode = "busy"
        else:
            raise
    if mode.lower() != "delete":
        raise BookError(
            f"{path} is open in another kontakt (the app or a command); close it and try again "
            "— nothing changed"
        )


def _rewrite(path: Path, passphrase: str | None, *, want_plain_source: bool) -> Rewritten:
    path = path.expanduser()
    conn = open_connection(path, create=False)  # migrated first: the copy is current
    temp: Path | None = None
    done = False
    try:
        encrypted = is_encrypted(conn)
        old_key = key_of(conn)
        if want_plain_source and encrypted:
            raise BookError(f"{path} is already encrypted; `kontakt passphrase` changes its passphrase")
        if not want_plain_source and not encrypted:
            raise BookError(f"{path} is not encrypted; `kontakt encrypt` encrypts it")
        _lock_alone(conn, path)
        _pause("locked")
        key = new_key(passphrase) if passphrase is not None else None
        temp = unique_path(path.parent, f".{path.name}.{os.getpid()}", ".tmp")
        conn.execute(f"ATTACH DATABASE ? AS rewritten KEY {key_clause(*(key or (None,)))}",
                     (str(temp),))
        try:
            conn.execute("BEGIN")
            conn.execute("SELECT sqlcipher_export('rewritten')")
            version = conn.execute("PRAGMA main.user_version").fetchone()[0]
            conn.execute(f"PRAGMA rewritten.user_version = {int(version)}")
            conn.execute("COMMIT")
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            conn.execute("DETACH DATABASE rewritten")
        _pause("exported")
        rows = _verify(conn, temp, key, version)
        _pause("verified")
        replace_durably(temp, path)  # our own new file, open nowhere else
        done = True
        if passphrase is not None and key is not None:
            remember_key(path, passphrase, *key)
        else:
            forget_passphrase(path)
        _pause("renamed")
    finally:
        conn.close()  # lets go of the old file (renamed over, or left as it was)
        if not done and temp is not None:
            for suffix in ("", "-journal", "-wal", "-shm"):
                Path(f"{temp}{suffix}").unlink(missing_ok=True)
    if key is None:
        # Decrypted: the backups stay encrypted under the old passphrase (restore-backup asks).
        return Rewritten(path, False, rows, 0, tuple(derived_files(path)))
    done_files, left = encrypt_backups(path, old_key, key)
    return Rewritten(path, True, rows, done_files, tuple(left))


def encrypt_plain_backups(path: Path) -> int:
    """Encrypt the plain backups of the encrypted book at `path` with its key (a backup
    restored or copied in after `encrypt`, or one an interrupted `encrypt` did not reach).
    Returns how many; BookError if the book is not encrypted."""
    conn = open_connection(Path(path).expanduser(), create=False, writable=False)
    try:
        key = key_of(conn)
    finally:
        conn.close()
    if key is None:
        raise BookError(f"{path} is not encrypted; `kontakt encrypt` encrypts it")
    done = 0
    for file in derived_files(path):
        if _is_plain_file(file) and _rewrite_file(file, None, key):
            done += 1
    return done


def derived_files(path: Path) -> list[Path]:
    """The book's backups: daily, manual, before-restore ones and the migration copies."""
    from .backup import snapshots

    path = Path(path)
    found = [s.path for s in snapshots(path) if s.kind != "damaged"]
    found += sorted(
        entry for entry in path.parent.glob(f"{glob.escape(path.name)}.v*.bak") if entry.is_file()
    )
    return found


def encrypt_backups(path: Path, old_key: tuple[str, str] | None, key: tuple[str, str]) -> tuple[int, list[Path]]:
    """Rewrite each backup of the book that opens with `old_key` (None: a plain one) under
    `key`, one atomic rename each. Returns (how many, the ones under another key)."""
    done, left = 0, []
    for file in derived_files(path):
        if _is_plain_file(file):
            source_key = None
        elif old_key is not None:
            source_key = (old_key[0], "")
        else:
            left.append(file)
            continue
        if source_key is None or _salt_matches(file, old_key):
            if _rewrite_file(file, source_key, key):
                done += 1
                continue
        if not _is_same_key(file, key):
            left.append(file)
    return done, left


def _is_plain_file(file: Path) -> bool:
    # A backup: never open in this process, so its header may be read directly.
    with file.open("rb") as handle:
        return handle.read(16) == b"SQLite format 3\x00"


def _salt_matches(file: Path, key: tuple[str, str] | None) -> bool:
    with file.open("rb") as handle:
        return key is not None and handle.read(16).hex() == key[1]


def _is_same_key(file: Path, key: tuple[str, str]) -> bool:
    return _salt_matches(file, key)


def _rewrite_file(file: Path, source_key: tuple[str, str] | None, key: tuple[str, str]) -> bool:
    """`file` (a backup, open nowhere) rewritten under `key`; False if it cannot be read."""
    conn = keyed_connect(file, source_key)
    temp: Path | None = None
    done = False
    try:
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError:
            return False
        temp = unique_path(file.parent, f".{file.name}.{os.getpid()}", ".tmp")
        conn.execute(f"ATTACH DATABASE ? AS rewritten KEY {key_clause(*key)}", (str(temp),))
        try:
            conn.execute("BEGIN")
            conn.execute("SELECT sqlcipher_export('rewritten')")
            conn.execute(f"PRAGMA rewritten.user_version = {int(version)}")
            conn.execute("COMMIT")
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            conn.execute("DETACH DATABASE rewritten")
        _verify(conn, temp, key, version)
        replace_durably(temp, file)  # our own new file, open nowhere else
        done = True
        return True
    finally:
        conn.close()
        if not done and temp is not None:
            for suffix in ("", "-journal"):
                Path(f"{temp}{suffix}").unlink(missing_ok=True)


def _verify(conn: sqlite3.Connection, temp: Path, key: tuple[str, str] | None, version: int) -> int:
    """Check the new file against the locked book: integrity, schema version, each table's
    rows. Returns the rows counted; BookError (the book untouched) on any difference."""
    expected = _row_counts(conn, "main")
    copy = keyed_connect(temp, key)
    try:
        verdict = [row[0] for row in copy.execute("PRAGMA integrity_check")]
        got = _row_counts(copy, "main")
        copy_version = copy.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as error:
        raise BookError(f"the new copy of the book cannot be read ({error}); nothing changed") from None
    finally:
        copy.close()
    if verdict != ["ok"]:
        raise BookError(f"the new copy failed its integrity check ({verdict[0]}); nothing changed")
    if got != expected or copy_version != version:
        raise BookError("the new copy does not hold every row of the book; nothing changed")
    return sum(got.values())


__all__ = ["STEPS", "Rewritten", "book_is_encrypted", "change_passphrase", "decrypt", "encrypt"]
