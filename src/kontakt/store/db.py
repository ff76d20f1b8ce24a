"""Opening a book file safely: permissions, pragmas, refusals, backups, migrations."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache

from .. import clock
from .driver import sqlite3
from .migrations import LATEST_VERSION, MIGRATIONS

# pathlib (with urllib.parse) costs ~3 ms at start-up: imported where a Path is made, so the
# quick paths (kontakt.quick), which open a book by its name as a string, go without it.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path


def _path(value: str | os.PathLike) -> Path:
    """Path(value)."""
    from pathlib import Path

    return Path(value)

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


class PassphraseNeeded(BookError):
    """The book is encrypted and no passphrase was given (no keyring entry, no
    KONTAKT_PASSPHRASE, no terminal to ask on)."""


class WrongPassphrase(BookError):
    """Every passphrase tried failed to open the encrypted book."""


# ------------------------------------------------------------------ encryption (SQLCipher)
# An encrypted book is a SQLCipher 4 file: every page AES-256 encrypted, its key derived from
# the passphrase with PBKDF2-HMAC-SHA512 (256,000 rounds) and the file's random 16-byte salt
# (its first 16 bytes). The derivation costs ~0.2 s, so kontakt does it once a process
# (hashlib, same parameters) and opens every connection with the raw key: the app's worker
# threads and a backup then cost nothing extra.
KDF_ITERATIONS = 256_000
PASSPHRASE_ENV = "KONTAKT_PASSPHRASE"
# An encrypted file is whole pages (SQLCipher's are 4096 bytes); anything else is no book.
_PAGE_MULTIPLE = 512

# The passphrase that opened each encrypted book in this process (resolved path), and the
# raw key for each salt: any keyed connection finds its key by its salt (backups, exports).
_passphrases: dict[Path, str] = {}
_keys_by_salt: dict[str, str] = {}


def _env_passphrase(_path: Path) -> Iterator[str]:
    value = os.environ.get(PASSPHRASE_ENV)
    if value:
        yield value


# Where passphrases come from, tried in order until one opens the book: the CLI puts the
# keyring and a terminal prompt around the environment; the app adds its modal.
passphrase_sources: Callable[[Path], Iterable[str]] = _env_passphrase


@lru_cache(maxsize=16)
def derive_key(passphrase: str, salt_hex: str) -> str:
    """The raw SQLCipher 4 key (hex) for `passphrase` and a file's salt (hex)."""
    import hashlib  # here: ~2 ms at start-up, and only encrypted books need it

    return hashlib.pbkdf2_hmac(
        "sha512", passphrase.encode("utf-8"), bytes.fromhex(salt_hex), KDF_ITERATIONS, 32
    ).hex()


def check_passphrase(passphrase: str) -> str:
    """`passphrase` if usable; ValueError with a one-line reason otherwise."""
    if not passphrase:
        raise ValueError("the passphrase is empty")
    if "\x00" in passphrase:
        raise ValueError("the passphrase holds a NUL character")
    return passphrase


def new_key(passphrase: str) -> tuple[str, str]:
    """(key, salt) for a new encrypted file, both hex: a fresh random salt."""
    salt = os.urandom(16).hex()
    return derive_key(check_passphrase(passphrase), salt), salt


def key_clause(key: str | None, salt: str | None = None) -> str:
    """The SQL literal for PRAGMA key / ATTACH … KEY: a raw key (with its salt for a new
    file), or '' for a plain file. Hex only, so nothing from the user reaches the SQL."""
    if key is None:
        return "''"
    return f"\"x'{key}{salt or ''}'\""


def remember_key(path: Path, passphrase: str, key: str, salt: str) -> None:
    _passphrases[_path(path).expanduser().resolve()] = passphrase
    _keys_by_salt[salt] = key


def forget_passphrase(path: Path) -> None:
    _passphrases.pop(_path(path).expanduser().resolve(), None)


def known_passphrase(path: Path) -> str | None:
    return _passphrases.get(_path(path).expanduser().resolve())


def salt_of(conn: sqlite3.Connection) -> str | None:
    """The salt (hex) of a keyed connection's file; None for a plain book."""
    row = conn.execute("PRAGMA cipher_salt").fetchone()
    return row[0] if row else None


def key_of(conn: sqlite3.Connection) -> tuple[str, str] | None:
    """(key, salt) of an encrypted book's open connection, None for a plain one."""
    salt = salt_of(conn)
    if salt is None:
        return None
    return _keys_by_salt[salt], salt


def is_encrypted(conn: sqlite3.Connection) -> bool:
    return salt_of(conn) is not None


def _quiet_sqlcipher() -> None:
    # SQLCipher logs every failed page decryption (a wrong passphrase) on stderr by default.
    quiet = sqlite3.connect(":memory:")
    try:
        quiet.execute("PRAGMA cipher_log_level = NONE")
    finally:
        quiet.close()


_quiet_sqlcipher()


# Books open in this process (resolved path -> how many connections), so nothing here
# writes a file over one of them or its -wal/-shm/-journal (an export "-o book.db").
_open_books: dict[Path, int] = {}
_SIDECARS = ("-wal", "-shm", "-journal")


def book_opened(path: Path) -> None:
    key = _path(path).resolve()
    _open_books[key] = _open_books.get(key, 0) + 1


def book_closed(path: Path) -> None:
    key = _path(path).resolve()
    if _open_books.get(key, 0) <= 1:
        _open_books.pop(key, None)
    else:
        _open_books[key] -= 1


def is_open_book_file(path: Path) -> bool:
    """True if `path` is a book open in this process, or one of its -wal/-shm/-journal."""
    resolved = _path(path).expanduser().resolve()
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


def fsync_dir(directory: Path) -> None:
    """Make a rename or a new file in `directory` durable; best effort (some file systems
    refuse to open or fsync a directory, and the data itself is already synced)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def replace_durably(temp: Path, target: Path) -> None:
    """Rename a finished temporary file over `target` so that a crash leaves the old file or
    the whole new one: the data is synced before the rename, the directory after it. `temp`
    must be the caller's own new file, open in no connection (plain file I/O on it is safe)."""
    fd = os.open(temp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temp, target)
    fsync_dir(target.parent)


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
    return os.access(path, os.W_OK) and bool(os.stat(path).st_mode & 0o222)


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
    the SQLite backup API: consistent even while another process writes. The copy of an
    encrypted book is encrypted with the same key."""
    dest = keyed_connect(target, key_of(conn))
    try:
        conn.backup(dest)
    finally:
        dest.close()
    return target


def _uri(path: str | os.PathLike, mode: str) -> str:
    """The file: URI SQLite opens `path` by, as `Path(path).resolve().as_uri()` writes it
    (every byte but ASCII letters, digits, _.-~ and / percent-encoded), without pathlib."""
    raw = os.fsencode(os.path.realpath(path))
    return "file://" + "".join(_URI_BYTES[byte] for byte in raw) + f"?mode={mode}"


_URI_SAFE = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~/"
_URI_BYTES = [chr(byte) if byte in _URI_SAFE else f"%{byte:02X}" for byte in range(256)]


def lenient_text(value: bytes) -> str:
    """Text as stored, with bytes that are not UTF-8 (written by another tool) shown as U+FFFD.

    The default decoder raises on them, and one such value made every list fail. Costs
    ~0.1 µs a value: about 0.1 s on 1M values read, nothing on a screenful.
    """
    return value.decode("utf-8", "replace")


def _raw_connection(
    path: Path, *, read_only: bool, key: str | None = None
) -> sqlite3.Connection:
    # mode=rw/ro: SQLite never creates a file here; a missing book is the caller's decision.
    conn = sqlite3.connect(
        _uri(path, "ro" if read_only else "rw"),
        uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
    )
    conn.text_factory = lenient_text
    if key is not None:
        conn.execute(f"PRAGMA key = {key_clause(key)}")  # before anything reads the file
    return conn


def reader_connection(path: str | os.PathLike) -> sqlite3.Connection:
    """Another read-only connection to the plain book at `path`, which a caller already
    has open (checked and migrated), for a read in another thread: it may be used from
    any thread, one at a time. Autocommit, lenient text, like the book's own."""
    conn = sqlite3.connect(_uri(os.path.expanduser(path), "ro"), uri=True,
                           timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                           check_same_thread=False)
    conn.text_factory = lenient_text
    return conn


def keyed_connect(path: Path, key: tuple[str, str] | None) -> sqlite3.Connection:
    """A plain `sqlite3.connect` to a copy kontakt makes (a backup, a temporary file),
    keyed with (key, salt) when the copy is to be encrypted; the salt is used if the file
    is new. Autocommit, like every kontakt connection."""
    conn = sqlite3.connect(path, isolation_level=None)
    if key is not None:
        conn.execute(f"PRAGMA key = {key_clause(*key)}")
    return conn


def try_passphrase(path: Path, passphrase: str) -> bool:
    """True (and remembered for this process) if `passphrase` opens the encrypted book at
    `path`; False if it does not. BookError if the file is no encrypted book."""
    path = _path(path).expanduser()
    salt = file_salt(path) if looks_encrypted(path) else None
    if salt is None:
        raise BookError(f"{path} is not an encrypted kontakt book")
    if not passphrase or "\x00" in passphrase:
        return False
    key = derive_key(passphrase, salt)
    conn = _raw_connection(path, read_only=True, key=key)
    try:
        _probe(conn, path)
    except _NotADatabase:
        return False
    finally:
        conn.close()
    remember_key(path, passphrase, key, salt)
    return True


class _NotADatabase(Exception):
    """SQLite read the file and found no plain database: encrypted, or not a book at all."""


def looks_encrypted(path: Path) -> bool:
    # Only the directory entry: the file itself is read by SQLite alone.
    size = path.stat().st_size
    return size >= _PAGE_MULTIPLE and size % _PAGE_MULTIPLE == 0


def file_salt(path: Path) -> str | None:
    """The first 16 bytes of `path` as hex, read through SQLite (SQLCipher reads the salt
    without deriving a key), never with plain file I/O."""
    conn = sqlite3.connect(_uri(path, "ro"), uri=True, isolation_level=None)
    try:
        conn.execute(f"PRAGMA key = {key_clause('00' * 32)}")
        return salt_of(conn)
    except sqlite3.DatabaseError:
        return None
    finally:
        conn.close()


def unlock(
    path: Path, *, read_only: bool, book: Path | None = None
) -> tuple[sqlite3.Connection, int, int]:
    """Open the encrypted file at `path` with the first passphrase that works: the one
    that opened `book` (default: `path`) earlier in this process, then each of
    `passphrase_sources(book)`. Returns (connection, version, objects).

    Raises BookError when the file is no book, PassphraseNeeded when nothing offered a
    passphrase, WrongPassphrase when none of them opened it.
    """
    book = _path(book or path)
    salt = file_salt(path) if looks_encrypted(path) else None
    if salt is None:
        raise BookError(f"{path} is not a kontakt book (not a SQLite database); left untouched")

    def candidates() -> Iterator[str]:
        known = known_passphrase(book)
        if known is not None:
            yield known
        yield from passphrase_sources(book)

    tried = 0
    for passphrase in candidates():
        if not passphrase:
            continue
        tried += 1
        key = derive_key(passphrase, salt)
        conn = _raw_connection(path, read_only=read_only, key=key)
        try:
            version, objects = _probe(conn, path)
        except _NotADatabase:
            conn.close()
            continue
        except BaseException:
            conn.close()
            raise
        remember_key(book, passphrase, key, salt)
        return conn, version, objects
    if tried == 0:
        raise PassphraseNeeded(
            f"{book} is encrypted and no passphrase was given: set {PASSPHRASE_ENV}, "
            "or run kontakt on a terminal to type it"
        )
    raise WrongPassphrase(f"wrong passphrase for {book} (the book is encrypted; nothing changed)")


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
            raise _NotADatabase() from None
        if _is_busy(error):
            raise
        raise BookError(damaged_message(path, error)) from None
    if version > 0 and not _holds_contacts(conn, newer=version > LATEST_VERSION):
        # Another program's database that sets user_version (Firefox's places.sqlite: 74+):
        # migrating it would write kontakt's tables into it; calling it newer would mislead.
        raise BookError(
            f"{path} is a SQLite database of another program, not a kontakt book; left untouched"
        )
    return version, objects


def _holds_contacts(conn: sqlite3.Connection, *, newer: bool) -> bool:
    """Whether the database has kontakt's contacts table (made by the first migration); of
    a newer kontakt's book only the table's name is known for sure."""
    if newer:
        return conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'contacts'"
        ).fetchone() is not None
    return conn.execute(
        "SELECT count(*) FROM pragma_table_info('contacts') WHERE name IN ('uid', 'sort_key')"
    ).fetchone()[0] == 2


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
    path = _path(path).expanduser()
    _check_path(path, create=create)
    read_only = not is_writable(path)
    if read_only and writable:
        raise BookError(f"{path} is read-only; kontakt needs to write to its book")
    try:
        conn = _raw_connection(path, read_only=read_only)
    except sqlite3.DatabaseError as error:
        raise BookError(f"cannot open {path}: {error}") from None
    try:
        try:
            version, objects = _probe(conn, path)
        except _NotADatabase:
            conn.close()
            conn, version, objects = unlock(path, read_only=read_only)
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
    path = _path(path).expanduser()
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
