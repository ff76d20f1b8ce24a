"""Opening a book file safely: permissions, pragmas, refusals, backups, migrations."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .. import clock
from .driver import sqlite3
from .migrations import LATEST_VERSION, MIGRATIONS

# Statements other than BEGIN wait this long for a lock (WAL readers almost never wait).
BUSY_TIMEOUT_MS = 10_000
# A writer tries for this long before it says it is waiting, then keeps trying in steps this
# long, so Ctrl-C is noticed between steps (SQLite's own wait cannot be interrupted).
WAIT_STEP_MS = 500
WAITING_MESSAGE = (
    "waiting for another kontakt to finish writing… (Ctrl-C gives up; nothing is written)"
)


class BookError(Exception):
    """The book cannot be opened or written; the message is one line for the user."""


class ReadOnlyBook(BookError):
    """A write to a book that was opened read-only because its file is not writable."""


# Books open in this process (resolved path -> how many connections), so nothing here
# writes a file over one of them or its -wal/-shm/-journal (an export "-o book.db").
_open_books: dict[Path, int] = {}
_SIDECARS = ("-wal", "-shm", "-journal")


def book_opened(path: Path) -> None:
    key = Path(path).resolve()
    _open_books[key] = _open_books.get(key, 0) + 1


def book_closed(path: Path) -> None:
    key = Path(path).resolve()
    if _open_books.get(key, 0) <= 1:
        _open_books.pop(key, None)
    else:
        _open_books[key] -= 1


def is_open_book_file(path: Path) -> bool:
    """True if `path` is a book open in this process, or one of its -wal/-shm/-journal."""
    resolved = Path(path).expanduser().resolve()
    name = resolved.name
    for suffix in _SIDECARS:
        if name.endswith(suffix):
            return resolved.with_name(name[: -len(suffix)]) in _open_books
    return resolved in _open_books


def _notify_nobody(_message: str) -> None:
    pass


# Who hears that a write has to wait: the CLI sets this to print on stderr, the app to a
# notification. The store itself never prints.
on_wait: Callable[[str], None] = _notify_nobody


def damaged_message(path: Path, error: BaseException) -> str:
    """The one line the CLI and the app say about a book SQLite cannot read."""
    return (
        f"{path} is damaged or unreadable ({error}); `kontakt doctor` checks it and "
        "`kontakt restore-backup` brings back a backup"
    )


def full_message() -> str:
    return (
        "disk full: nothing was saved (the change was rolled back); free some space and try again"
    )


def is_disk_full(error: BaseException) -> bool:
    return "database or disk is full" in str(error) or getattr(error, "errno", None) == 28


def unique_path(directory: Path, stem: str, suffix: str) -> Path:
    """Reserve a new file `stem[-N]suffix` in `directory` (created empty, 0600, with O_EXCL).

    Safety copies must never overwrite each other, even two made in the same second by two
    processes: O_EXCL makes the name ours before anything is written to it.
    """
    for attempt in range(1, 1000):
        candidate = directory / (f"{stem}{suffix}" if attempt == 1 else f"{stem}-{attempt}{suffix}")
        try:
            _create_private_file(candidate)
        except FileExistsError:
            continue
        return candidate
    raise BookError(f"cannot find a free file name for {stem}{suffix} in {directory}")


def _create_private_file(path: Path) -> None:
    # Created 0600 before SQLite opens it, so the -wal and -shm files inherit 0600.
    # Only ever called for a path that does not exist yet, so no connection can have it open.
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


def is_writable(path: Path) -> bool:
    # os.access says yes to root even for a 0400 file; the mode bits tell the intent.
    return os.access(path, os.W_OK) and bool(path.stat().st_mode & 0o222)


def _check_path(path: Path, *, create: bool) -> None:
    """Refuse what cannot be a book; create a missing one (empty, 0600) if allowed.

    Looks only at the directory entry (stat, access): the file itself is read by SQLite.
    """
    if path.is_dir():
        raise BookError(f"{path} is a directory, not a kontakt book")
    if path.exists():
        if not os.access(path, os.R_OK):
            raise BookError(f"{path} cannot be read (permission denied)")
        return
    if not create:
        raise BookError(f"no book at {path}")
    if not path.parent.is_dir():
        raise BookError(f"cannot create {path}: the directory {path.parent} does not exist")
    try:
        _create_private_file(path)
    except FileExistsError:
        pass  # another kontakt created it a moment ago: open theirs
    except OSError as error:
        raise BookError(f"cannot create {path}: {error.strerror}") from None


def backup_into(conn: sqlite3.Connection, target: Path) -> Path:
    """Copy the open database into `target` (a fresh file, e.g. from `unique_path`) with
    the SQLite backup API: consistent even while another process writes."""
    dest = sqlite3.connect(target)
    try:
        conn.backup(dest)
    finally:
        dest.close()
    return target


def _uri(path: Path, mode: str) -> str:
    return f"{path.resolve().as_uri()}?mode={mode}"


def lenient_text(value: bytes) -> str:
    """Text as stored, with bytes that are not UTF-8 (written by another tool) shown as U+FFFD.

    The default decoder raises on them, and one such value made every list fail. Costs
    ~0.1 µs a value: about 0.1 s on 1M values read, nothing on a screenful.
    """
    return value.decode("utf-8", "replace")


def _raw_connection(path: Path, *, read_only: bool) -> sqlite3.Connection:
    # mode=rw/ro: SQLite never creates a file here; a missing book is the caller's decision.
    conn = sqlite3.connect(
        _uri(path, "ro" if read_only else "rw"),
        uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
    )
    conn.text_factory = lenient_text
    return conn


def _configure(conn: sqlite3.Connection, path: Path, *, read_only: bool) -> None:
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    if read_only:
        return
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if mode.lower() != "wal":
        raise BookError(f"{path}: cannot switch the book to WAL mode (got {mode})")
    # FULL: a commit reported to the user survives a power cut, not just a crash.
    conn.execute("PRAGMA synchronous = FULL")


def connect(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    """A connection with kontakt's pragmas; transactions are explicit (see `transaction`)."""
    conn = _raw_connection(path, read_only=read_only)
    try:
        _configure(conn, path, read_only=read_only)
    except BaseException:
        conn.close()
        raise
    return conn


def _begin_immediate(conn: sqlite3.Connection) -> None:
    """BEGIN IMMEDIATE, waiting as long as another writer needs (a 100k import takes ~20 s).

    Says once that it waits (see `on_wait`); KeyboardInterrupt between steps gives up with
    nothing written.
    """
    conn.execute(f"PRAGMA busy_timeout = {WAIT_STEP_MS}")
    try:
        told = False
        while True:
            try:
                conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if not _is_busy(error):
                    raise
            if not told:
                on_wait(WAITING_MESSAGE)
                told = True
    finally:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")


def _is_busy(error: BaseException) -> bool:
    text = str(error)
    return "database is locked" in text or "database is busy" in text


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
    _begin_immediate(conn)
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
        backup = backup_into(conn, unique_path(path.parent, f"{path.name}.v{version}-{stamp}", ".bak"))
    from sqlite_utils import Database  # only needed to migrate; keeps start-up fast

    db = Database(conn)
    for number, migration in enumerate(MIGRATIONS[version:], start=version + 1):
        with transaction(conn):
            # Another kontakt may have migrated while this one waited for the write lock.
            if conn.execute("PRAGMA user_version").fetchone()[0] >= number:
                continue
            migration(db)
            conn.execute(f"PRAGMA user_version = {number}")
    return backup


def _probe(conn: sqlite3.Connection, path: Path) -> tuple[int, int]:
    """(schema version, number of schema objects), read by SQLite, which also tells a file
    that is not a database; BookError otherwise."""
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        objects = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    except sqlite3.DatabaseError as error:
        if "not a database" in str(error) or "encrypted" in str(error):
            raise BookError(
                f"{path} is not a kontakt book (not a SQLite database); left untouched"
            ) from None
        if _is_busy(error):
            raise
        raise BookError(damaged_message(path, error)) from None
    return version, objects


def open_checked(
    path: Path, *, create: bool = False, writable: bool = True, allow_newer: bool = False
) -> tuple[sqlite3.Connection, int]:
    """A configured connection to the book at `path` and its schema version, not migrated.

    Raises BookError (the file untouched) for a missing book (unless `create`), a directory,
    a non-SQLite file, another program's database, a read-only file (when `writable`;
    otherwise it is opened read-only), or a newer schema (unless `allow_newer`). Nothing
    here reads the file except SQLite: a plain open()/close() of the book would drop every
    POSIX lock this process holds on it.
    """
    path = Path(path).expanduser()
    _check_path(path, create=create)
    read_only = not is_writable(path)
    if read_only and writable:
        raise BookError(f"{path} is read-only; kontakt needs to write to its book")
    try:
        conn = _raw_connection(path, read_only=read_only)
    except sqlite3.DatabaseError as error:
        raise BookError(f"cannot open {path}: {error}") from None
    try:
        version, objects = _probe(conn, path)
        if version == 0 and objects > 0:
            raise BookError(
                f"{path} is a SQLite database of another program, not a kontakt book; left untouched"
            )
        if version > LATEST_VERSION and not allow_newer:
            raise BookError(
                f"{path} was written by a newer kontakt (schema {version}; this one knows "
                f"{LATEST_VERSION}); upgrade kontakt to open it — the file was not touched"
            )
        # A newer book is only looked at (doctor): not even switched to WAL.
        _configure(conn, path, read_only=read_only or version > LATEST_VERSION)
    except sqlite3.DatabaseError as error:
        conn.close()
        raise BookError(f"cannot open {path}: {error}") from None
    except BaseException:
        conn.close()
        raise
    return conn, version


def open_connection(
    path: Path, *, create: bool = True, writable: bool = True
) -> sqlite3.Connection:
    """Open (or create) the book at `path`, migrated to the current schema.

    With `writable=False`, a book whose file is not writable (mode 0400) is opened
    read-only instead of refused. Raises BookError as `open_checked` does, and when a
    read-only book would need a schema upgrade.
    """
    path = Path(path).expanduser()
    conn, version = open_checked(path, create=create, writable=writable)
    try:
        if not is_writable(path):
            if version < LATEST_VERSION:
                raise BookError(
                    f"{path} is read-only and needs an upgrade to schema {LATEST_VERSION}; "
                    "make it writable once (chmod u+w) and open it again"
                )
        else:
            migrate(conn, path)
    except sqlite3.DatabaseError as error:
        conn.close()
        if is_disk_full(error):
            raise BookError(f"cannot open {path}: {full_message()}") from None
        raise BookError(f"cannot open {path}: {error}") from None
    except BaseException:
        conn.close()
        raise
    return conn
