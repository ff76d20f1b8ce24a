"""Backups of the book: a daily snapshot before the first write, on demand, and restoring one.

Snapshots use the SQLite backup API (a consistent copy even while another process writes),
are checked with `PRAGMA integrity_check` before they are kept, and live in `backups/`
next to the book (directory 0700, files 0600). Daily ones rotate: the last 7 days plus the
newest of each of the 4 weeks before them.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .. import clock
from .db import (
    BookError,
    fsync_dir,
    replace_durably,
    PassphraseNeeded,
    WrongPassphrase,
    looks_encrypted,
    unlock,
    key_clause,
    key_of,
    keyed_connect,
    open_connection,
    unique_path,
)
from .driver import sqlite3
from .migrations import LATEST_VERSION

if TYPE_CHECKING:
    from .book import Book

log = logging.getLogger("kontakt.backup")

# Sniffed on a backup file to restore, never on the book: that file is not open here.
SQLITE_HEADER = b"SQLite format 3\x00"
BACKUP_DIR = "backups"
KEEP_DAILY = 7
KEEP_WEEKLY = 4
LAST_DAY_SETTING = "backup.last_day"
DISABLE_ENV = "KONTAKT_NO_AUTO_BACKUP"


class BackupError(Exception):
    """A backup could not be made or a file cannot be restored; one line for the user."""


@dataclass(frozen=True)
class Snapshot:
    path: Path
    taken: datetime  # the file's modification time
    kind: str  # daily, manual, before-restore, damaged


@dataclass(frozen=True)
class Restored:
    book: Path
    source: Path
    saved_as: Path | None  # where the book as it was went (None if there was no book)
    contacts: int


def today() -> date:
    """The calendar day for daily backups (a function so tests can move the clock)."""
    return clock.today()


# ------------------------------------------------------------------ where backups live


def backup_dir(book_path: Path) -> Path:
    return Path(book_path).parent / BACKUP_DIR


def _private_dir(book_path: Path) -> Path:
    directory = backup_dir(book_path)
    directory.mkdir(mode=0o700, exist_ok=True)
    os.chmod(directory, 0o700)
    return directory


def daily_path(book_path: Path, day: date) -> Path:
    return backup_dir(book_path) / f"{Path(book_path).stem}.{day.isoformat()}.db"


def _stamp() -> str:
    return clock.now().strftime("%Y-%m-%dT%H%M%S")


def _pattern(book_path: Path) -> re.Pattern[str]:
    # Several books may share a directory (demo, tests): match only this book's files.
    stem = re.escape(Path(book_path).stem)
    return re.compile(rf"^{stem}\.(?:(\d{{4}}-\d{{2}}-\d{{2}})|(manual|before-restore|damaged)-[\dT-]+)\.db$")


def snapshots(book_path: Path) -> list[Snapshot]:
    """This book's backups, newest first (daily, manual and before-restore ones)."""
    directory = backup_dir(book_path)
    if not directory.is_dir():
        return []
    pattern = _pattern(book_path)
    found = []
    for entry in directory.iterdir():
        match = pattern.match(entry.name)
        if match and entry.is_file():
            kind = "daily" if match.group(1) else match.group(2)
            found.append(Snapshot(entry, datetime.fromtimestamp(entry.stat().st_mtime), kind))
    return sorted(found, key=lambda s: (s.taken, s.path.name), reverse=True)


# ------------------------------------------------------------------ making one


def _integrity(conn: sqlite3.Connection) -> str:
    rows = [row[0] for row in conn.execute("PRAGMA integrity_check").fetchall()]
    return "ok" if rows == ["ok"] else "; ".join(str(r) for r in rows[:3])


def _private_temp(target: Path) -> Path:
    # A fresh name of our own (O_EXCL, 0600 before SQLite opens it, so its journal is 0600
    # too). Leftovers of a killed run are found and removed by `kontakt doctor --fix`.
    return unique_path(target.parent, f".{target.name}.{os.getpid()}", ".tmp")


def snapshot(conn: sqlite3.Connection, target: Path) -> Path:
    """Copy the open book into `target` (0600) with the backup API, checked before kept.

    Written to a temporary file and renamed, so `target` is either a good copy or absent
    (an empty file the caller reserved for it is removed on failure). Raises BackupError
    if the copy fails its integrity check.
    """
    target = Path(target)
    temp = _private_temp(target)
    done = False
    try:
        # The copy of an encrypted book is encrypted with its key (and salt): the backup API
        # copies pages between two files keyed alike, and never into a plain one.
        dest = keyed_connect(temp, key_of(conn))
        try:
            conn.backup(dest)
            # A self-contained file: no -wal/-shm beside a backup.
            dest.execute("PRAGMA journal_mode = DELETE")
            verdict = _integrity(dest)
        finally:
            dest.close()
        if verdict != "ok":
            raise BackupError(f"the backup failed its integrity check ({verdict}); not kept")
        # The temporary file is ours alone (never the book), so a plain fsync is safe.
        replace_durably(temp, target)
        done = True
    finally:
        if not done:
            _discard(temp)
            if target.exists() and target.stat().st_size == 0:
                target.unlink(missing_ok=True)  # the empty name a caller reserved
    return target


def backup_now(book: Book, target: Path | None = None) -> Path:
    """An on-demand backup to `target` (default: a timestamped file in backups/).

    Raises BackupError if `target` exists or its directory does not.
    """
    if target is None:
        target = unique_path(_private_dir(book.path), f"{book.path.stem}.manual-{_stamp()}", ".db")
        return snapshot(book.conn, target)
    target = Path(target).expanduser()
    if target.exists() or target.is_symlink():
        raise BackupError(f"{target} already exists; choose another file")
    if not target.parent.is_dir():
        raise BackupError(f"cannot write {target}: the directory {target.parent} does not exist")
    if target.resolve() == Path(book.path).resolve():
        raise BackupError("a backup cannot overwrite the book itself")
    try:
        # Reserved with O_EXCL: a file that appears meanwhile is never overwritten.
        os.close(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        raise BackupError(f"{target} already exists; choose another file") from None
    return snapshot(book.conn, target)


def rotate(book_path: Path, *, keep_daily: int = KEEP_DAILY, keep_weekly: int = KEEP_WEEKLY) -> list[Path]:
    """Delete daily backups beyond the newest `keep_daily` days plus, before those, the newest
    of each of `keep_weekly` weeks. Returns what was deleted; manual backups are never touched."""
    dailies = sorted(
        (s for s in snapshots(book_path) if s.kind == "daily"),
        key=lambda s: s.path.name, reverse=True,  # the ISO day in the name sorts by date
    )
    keep = {s.path for s in dailies[:keep_daily]}
    weeks: list[tuple[int, int]] = []
    for snap in dailies[keep_daily:]:
        day = date.fromisoformat(snap.path.name.rsplit(".", 2)[-2])
        week = day.isocalendar()[:2]
        if week not in weeks and len(weeks) < keep_weekly:
            weeks.append(week)
            keep.add(snap.path)  # newest first, so this is the newest of its week
    removed = []
    for snap in dailies:
        if snap.path not in keep:
            snap.path.unlink(missing_ok=True)
            removed.append(snap.path)
    return removed


def _is_empty(book: Book) -> bool:
    row = book.conn.execute(
        "SELECT NOT EXISTS (SELECT 1 FROM contacts) AND NOT EXISTS (SELECT 1 FROM interactions)"
    ).fetchone()
    return bool(row[0])


def auto_backup_enabled(book: Book) -> bool:
    if os.environ.get(DISABLE_ENV, "").strip().lower() in ("1", "true", "yes", "on"):
        return False
    return getattr(book, "auto_backup", True) is not False


def before_first_write(book: Book) -> Path | None:
    """The daily backup hook, called by `Book.write()` before it starts a transaction.

    Cheap after the first call of a day (one attribute compare). Never raises: a failed
    backup must not cost the user the change they are making, so it is logged instead
    (and kept in `book.backup_problem` for the app to show). Returns the new backup, if any.
    """
    day = today()
    if getattr(book, "_backup_day", None) == day or not auto_backup_enabled(book):
        return None
    # Remembered before trying: one attempt per day, not one per write after a failure.
    book._backup_day = day
    try:
        if book.get_setting(LAST_DAY_SETTING) == day.isoformat() or _is_empty(book):
            return None
        path = snapshot(book.conn, _private_dir(book.path) / daily_path(book.path, day).name)
        rotate(book.path)
        book.set_setting(LAST_DAY_SETTING, day.isoformat())
        book.backup_problem = None
        return path
    except Exception as error:  # noqa: BLE001 — any failure here must not stop the write
        reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
        message = f"kontakt: warning: today's automatic backup failed ({reason}); your change is saved"
        book.backup_problem = message
        log.warning(message)
        return None


# ------------------------------------------------------------------ restoring one


def _copy_private(source: Path, target: Path) -> None:
    fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    with os.fdopen(fd, "wb") as out, source.open("rb") as src:
        shutil.copyfileobj(src, out)
        out.flush()
        os.fsync(out.fileno())


def _open_copy(temp: Path, book: Path, *, encrypted: bool) -> sqlite3.Connection:
    """A connection to kontakt's private copy of a backup; an encrypted one is opened with
    the book's passphrase (or one from the usual sources, asked for the book)."""
    if not encrypted:
        return sqlite3.connect(temp, isolation_level=None)
    try:
        conn, _version, _objects = unlock(temp, read_only=False, book=book)
    except PassphraseNeeded as error:
        raise BackupError(f"{temp} is encrypted: {error}") from None
    except WrongPassphrase:
        raise BackupError(
            f"wrong passphrase for the backup {temp} (it may be from before a passphrase "
            f"change: give that passphrase in KONTAKT_PASSPHRASE); nothing changed"
        ) from None
    except BookError:
        raise BackupError(f"{temp} is not a kontakt backup (not a SQLite database); nothing changed") from None
    return conn


def _prepare_copy(source: Path, work: Path, book: Path | None = None) -> Path:
    """A private, checked copy of `source` in `work`; the source file is only read."""
    if source.is_dir():
        raise BackupError(f"{source} is a directory, not a backup")
    if not source.is_file():
        raise BackupError(f"no backup at {source}")
    try:
        with source.open("rb") as handle:
            head = handle.read(len(SQLITE_HEADER))
    except OSError as error:
        raise BackupError(f"cannot read {source}: {error.strerror}") from None
    if head != SQLITE_HEADER and not looks_encrypted(source):
        raise BackupError(f"{source} is not a kontakt backup (not a SQLite database); nothing changed")
    temp = work / f".restore-{os.getpid()}-{os.urandom(4).hex()}.db"
    _copy_private(source, temp)
    wal = Path(f"{source}-wal")
    if wal.is_file():  # a copy of a live book: its last commits may still be in the WAL
        _copy_private(wal, Path(f"{temp}-wal"))
    try:
        conn = _open_copy(temp, book, encrypted=head != SQLITE_HEADER)
        try:
            verdict = _integrity(conn)
            if verdict != "ok":
                raise BackupError(f"{source} is damaged ({verdict}); nothing changed")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            has_contacts = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'contacts'"
            ).fetchone()
            if version > LATEST_VERSION:
                raise BackupError(
                    f"{source} was written by a newer kontakt (schema {version}; this one knows "
                    f"{LATEST_VERSION}); nothing changed"
                )
            if version < 1 or not has_contacts:
                raise BackupError(f"{source} is a SQLite file but not a kontakt book; nothing changed")
            conn.execute("PRAGMA journal_mode = DELETE")  # fold any copied WAL in
        finally:
            conn.close()
    except BackupError as error:
        _discard(temp)
        raise BackupError(str(error).replace(str(temp), str(source))) from None
    except sqlite3.DatabaseError as error:
        _discard(temp)
        raise BackupError(f"{source} cannot be read as a kontakt book ({error}); nothing changed") from None
    except BaseException:
        _discard(temp)
        raise
    return temp


def _keyed_like(prepared: Path, live: sqlite3.Connection, book: Path) -> Path:
    """`prepared` encrypted as the live book is (same key and salt, or plain): the backup
    API copies only between files keyed alike. A new private file when it had to change."""
    wanted = key_of(live)
    conn = _open_copy(prepared, book, encrypted=_is_keyed_file(prepared))
    try:
        have = key_of(conn)
        if have == wanted:
            return prepared
        converted = _private_temp(prepared)
        conn.execute(f"ATTACH DATABASE ? AS converted KEY {key_clause(*(wanted or (None,)))}",
                     (str(converted),))
        conn.execute("BEGIN")
        conn.execute("SELECT sqlcipher_export('converted')")
        version = conn.execute("PRAGMA main.user_version").fetchone()[0]
        conn.execute(f"PRAGMA converted.user_version = {int(version)}")
        conn.execute("COMMIT")
        conn.execute("DETACH DATABASE converted")
    finally:
        conn.close()
    _discard(prepared)
    return converted


def _is_keyed_file(path: Path) -> bool:
    # Our own private copy, open nowhere: its header may be read.
    with path.open("rb") as handle:
        return handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER


def _discard(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _save_current(book_path: Path, live: sqlite3.Connection) -> tuple[Path, bool]:
    """Keep the book as it is now in backups/ before it is replaced.

    Returns (where it went, whether `live` is still open). A damaged book that SQLite cannot
    copy is kept byte for byte instead; `live` is closed first, because copying the file
    with plain I/O while this process has it open would drop this process's SQLite locks.
    """
    directory = _private_dir(book_path)
    target = unique_path(directory, f"{book_path.stem}.before-restore-{_stamp()}", ".db")
    try:
        return snapshot(live, target), True
    except (BackupError, sqlite3.DatabaseError):
        pass
    live.close()
    target = unique_path(directory, f"{book_path.stem}.damaged-{_stamp()}", ".db")
    target.unlink()
    _copy_private(book_path, target)
    wal = Path(f"{book_path}-wal")
    if wal.is_file():
        _copy_private(wal, Path(f"{target}-wal"))
    return target, False


def restore(book_path: Path, source: Path) -> Restored:
    """Replace the book at `book_path` with the backup `source`, after checking it and saving
    the current book to backups/. Raises BackupError (or BookError) with nothing changed.

    The swap goes through SQLite (the backup API writing into the open book), so it is one
    transaction: a crash leaves the old book or the restored one, and any other open
    kontakt sees the change like any other write.
    """
    book_path = Path(book_path).expanduser()
    source = Path(source).expanduser()
    if source.resolve() == book_path.resolve():
        raise BackupError("that is the book itself; choose a backup file")
    if not book_path.parent.is_dir():
        raise BookError(f"cannot restore to {book_path}: the directory {book_path.parent} does not exist")
    prepared = _prepare_copy(source, book_path.parent, book_path)
    try:
        if not book_path.exists():
            os.replace(prepared, book_path)
            fsync_dir(book_path.parent)
            saved = None
        else:
            # Refuses (untouched) a text file, a directory, a read-only or newer book.
            live = open_connection(book_path, create=False)
            try:
                saved, still_open = _save_current(book_path, live)
                if not still_open:
                    live = open_connection(book_path, create=False)
                prepared = _keyed_like(prepared, live, book_path)
                src = _open_copy(prepared, book_path, encrypted=key_of(live) is not None)
                try:
                    live_page = live.execute("PRAGMA page_size").fetchone()[0]
                    if src.execute("PRAGMA page_size").fetchone()[0] != live_page:
                        # A WAL book cannot change its page size: give the copy the book's.
                        src.execute(f"PRAGMA page_size = {int(live_page)}")
                        src.execute("VACUUM")
                    src.backup(live)
                finally:
                    src.close()
                verdict = _integrity(live)
                if verdict != "ok":  # cannot happen with a checked copy; say so if it does
                    raise BackupError(
                        f"the restored book fails its integrity check ({verdict}); "
                        f"the book as it was is at {saved}"
                    )
            finally:
                live.close()
    finally:
        _discard(prepared)
    conn = open_connection(book_path, create=False)  # migrates an older backup, as usual
    try:
        contacts = conn.execute("SELECT count(*) FROM contacts WHERE deleted_at IS NULL").fetchone()[0]
    finally:
        conn.close()
    return Restored(book=book_path, source=source, saved_as=saved, contacts=contacts)


__all__ = [
    "BackupError", "Restored", "Snapshot", "auto_backup_enabled", "backup_dir", "backup_now",
    "before_first_write", "daily_path", "restore", "rotate", "snapshot", "snapshots",
]
