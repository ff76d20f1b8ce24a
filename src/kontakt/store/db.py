"""Opening a book file safely: permissions, pragmas, refusals, backups, migrations."""

from __future__ import annotations

from .. import clock
import os
from .driver import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .migrations import LATEST_VERSION, MIGRATIONS

SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 10_000


class BookError(Exception):
    """The book cannot be opened or written; the message is one line for the user."""


def is_sqlite_file(path: Path) -> bool:
    """True for an empty file or one that starts with the SQLite header."""
    with path.open("rb") as handle:
        head = handle.read(len(SQLITE_HEADER))
    return head == b"" or head == SQLITE_HEADER


def _create_private_file(path: Path) -> None:
    # Created 0600 before SQLite opens it, so the -wal and -shm files inherit 0600.
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


def _check_path(path: Path, *, create: bool) -> None:
    if path.is_dir():
        raise BookError(f"{path} is a directory, not a kontakt book")
    if path.exists():
        if not os.access(path, os.R_OK):
            raise BookError(f"{path} cannot be read (permission denied)")
        if not is_sqlite_file(path):
            raise BookError(f"{path} is not a kontakt book (not a SQLite database); left untouched")
        # os.access says yes to root even for a 0400 file; the mode bits tell the intent.
        if not os.access(path, os.W_OK) or not (path.stat().st_mode & 0o222):
            raise BookError(f"{path} is read-only; kontakt needs to write to its book")
        return
    if not create:
        raise BookError(f"no book at {path}")
    if not path.parent.is_dir():
        raise BookError(f"cannot create {path}: the directory {path.parent} does not exist")
    try:
        _create_private_file(path)
    except OSError as error:
        raise BookError(f"cannot create {path}: {error.strerror}") from None


def _read_only(path: Path) -> sqlite3.Connection:
    # immutable=1: no -wal/-shm files are created and nothing is written while we look.
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)


def _has_tables(path: Path) -> bool:
    probe = _read_only(path)
    try:
        return probe.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0
    finally:
        probe.close()


def _read_version(path: Path) -> int:
    """Schema version of an existing file, read without writing anything."""
    try:
        probe = _read_only(path)
        try:
            return probe.execute("PRAGMA user_version").fetchone()[0]
        finally:
            probe.close()
    except sqlite3.DatabaseError as error:
        raise BookError(f"{path} is not a readable kontakt book ({error}); left untouched") from None


def backup_file(conn: sqlite3.Connection, target: Path) -> Path:
    """Copy the open database to `target` with the SQLite backup API, private (0600)."""
    _create_private_file(target)
    dest = sqlite3.connect(target)
    try:
        conn.backup(dest)
    finally:
        dest.close()
    return target


def connect(path: Path) -> sqlite3.Connection:
    """A connection with kontakt's pragmas; transactions are explicit (see `write`)."""
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if mode.lower() != "wal":
        conn.close()
        raise BookError(f"{path}: cannot switch the book to WAL mode (got {mode})")
    # FULL: a commit reported to the user survives a power cut, not just a crash.
    conn.execute("PRAGMA synchronous = FULL")
    return conn


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """One write transaction, started with BEGIN IMMEDIATE; nested calls become savepoints.

    IMMEDIATE takes the write lock up front, so a second process waits (busy timeout)
    instead of failing with "database is locked" when a read turns into a write.
    """
    if conn.in_transaction:
        name = f"kontakt_{os.urandom(6).hex()}"
        conn.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            if conn.in_transaction:
                conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
                conn.execute(f"RELEASE SAVEPOINT {name}")
            raise
        else:
            conn.execute(f"RELEASE SAVEPOINT {name}")
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    else:
        try:
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise


def migrate(conn: sqlite3.Connection, path: Path) -> Path | None:
    """Bring the schema up to date; back the file up first if it already held a book.

    Returns the backup's path, or None when nothing needed backing up.
    """
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version >= LATEST_VERSION:
        return None
    backup = None
    if version > 0:
        stamp = clock.now().strftime("%Y%m%d-%H%M%S")
        backup = backup_file(conn, path.with_name(f"{path.name}.v{version}-{stamp}.bak"))
    from sqlite_utils import Database  # only needed to migrate; keeps start-up fast

    db = Database(conn)
    for number, migration in enumerate(MIGRATIONS[version:], start=version + 1):
        with transaction(conn):
            migration(db)
            conn.execute(f"PRAGMA user_version = {number}")
    return backup


def open_connection(path: Path, *, create: bool = True) -> sqlite3.Connection:
    """Open (or create) the book file at `path`, migrated to the current schema.

    Raises BookError, with the file untouched, for a directory, a non-SQLite file, a
    read-only file, a missing directory, or a book from a newer kontakt.
    """
    path = Path(path).expanduser()
    _check_path(path, create=create)
    version = _read_version(path)
    if version == 0 and _has_tables(path):
        raise BookError(
            f"{path} is a SQLite database of another program, not a kontakt book; left untouched"
        )
    if version > LATEST_VERSION:
        raise BookError(
            f"{path} was written by a newer kontakt (schema {version}; this one knows "
            f"{LATEST_VERSION}); upgrade kontakt to open it — the file was not touched"
        )
    conn = None
    try:
        conn = connect(path)
        migrate(conn, path)
    except sqlite3.DatabaseError as error:
        if conn is not None:
            conn.close()
        raise BookError(f"cannot open {path}: {error}") from None
    return conn
