"""The book: an open contact book, its transactions, cached counts and settings.

What it reads and writes lives in mixins, one idea each: contacts and circles
(contacts.py), interactions and follow-ups (activity.py), favours and introductions
(ledger.py); the search builder is search.py, shared helpers values.py. The only modules
(with db.py and migrations.py) that speak SQL. They return domain objects. Every public
write is one transaction (`self.write()`), and writes nest as savepoints.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

# Other store modules and tests import helpers from here, as before the split.
from ..domain import fold  # noqa: F401 (re-exported)
from .activity import ActivityMixin, _follow_up  # noqa: F401 (re-exported)
from .contacts import CONTACT_FIELDS, AmbiguousRef, ContactsMixin  # noqa: F401 (re-exported)
from .db import ReadOnlyBook, book_closed, book_opened, is_writable, open_connection, transaction
from .driver import sqlite3
from .ledger import LedgerMixin, _favour, _introduction  # noqa: F401 (re-exported)
from .search import (  # noqa: F401 (re-exported)
    _FULLWIDTH,
    REF_COLUMNS,
    SearchTerms,
    _contains_sql,
    _index_only,
    _prefix_term,
    _walk_name_index,
    _words,
    fts_query,
    search_terms,
)
from .values import (  # noqa: F401 (re-exported)
    NotFound,
    _cadence,
    _clean_emails,
    _clean_phones,
    _clean_tags,
    _fold_tag,
    _json_list,
    _line,
    _now,
    _text,
    _uid,
    _unique,
)


# Above this many search hits a page of results is read in name order from the index
# rather than gathered from the hits and sorted (see `list_contacts`).
DENSE_SEARCH_HITS = 2000
# Counting the active (or archived) people walks the narrow name index (archived, sort_key,
# id): without statistics the planner scans contacts_by_ref, which is three times the pages
# (at 100k people 8 MiB of page cache and 25 ms cold, against 3.5 MiB and 6 ms).
_LIVE_BY_ARCHIVED = "INDEXED BY contacts_by_name"


@dataclass(frozen=True)
class BookCounts:
    contacts: int
    archived: int
    circles: int


class Book(ContactsMixin, ActivityMixin, LedgerMixin):
    """An open contact book. Use `Book.open(path)`; close it when done (or use `with`)."""

    def __init__(self, conn: sqlite3.Connection, path: Path):
        self.conn = conn
        self.conn.row_factory = sqlite3.Row
        self.path = path
        self.read_only = False
        self._last_hits: tuple[tuple[str, int, int], int] | None = None
        self._last_counts: tuple[tuple[int, int], BookCounts] | None = None
        self._last_inactive: tuple[tuple[int, int], str] | None = None
        # The undo history (store/history.py): who this book's steps are from, and whether
        # this connection records them (False before the schema has the history tables).
        self.history_source = ""
        # None: not asked yet (Book.open installs the triggers at the first need, not at open).
        self._recording_state: bool | None = False
        self.last_step: int | None = None  # the step the last outermost write made, if any
        self._reading = False  # inside `reading()`, where writing is refused
        self._due_later: set[int] | None = None  # inside `filling()`: whose due dates wait

    @classmethod
    def open(cls, path: Path | str, *, create: bool = True, writable: bool = True) -> Book:
        """Open or create the book at `path`; raises BookError with a one-line reason.

        `writable=False` opens a book whose file is read-only (0400) for reading instead of
        refusing it; its `write()` then raises ReadOnlyBook.
        """
        path = Path(path).expanduser()
        book = cls(open_connection(path, create=create, writable=writable), path)
        book.read_only = not is_writable(path)
        if not book.read_only:
            book._recording_state = None  # installed by the first write (see _recording)
        book_opened(path)
        book._registered = True
        return book

    @property
    def _recording(self) -> bool:
        """Whether this connection records undo steps; the recording triggers are installed
        the first time this is asked (a write, undo, the app), so a command that only
        reads (`show`, `list`, `today`) does not pay ~10-20 ms creating them at 100k."""
        if self._recording_state is None:
            from . import history

            self._recording_state = history.install(self.conn)
        return self._recording_state

    @_recording.setter
    def _recording(self, value: bool) -> None:
        self._recording_state = value

    def close(self) -> None:
        self.conn.close()
        if getattr(self, "_registered", False):
            book_closed(self.path)
            self._registered = False

    def __enter__(self) -> Book:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def write(self, label: str | None = None, *, record: bool = True) -> Iterator[sqlite3.Connection]:
        """One transaction (BEGIN IMMEDIATE); nested uses are savepoints.

        The outermost one is one step of the undo history (`store/history.py`): `label` says
        what the user did ("log a call with Olga"); `record=False` keeps bookkeeping out of
        it. Waits (saying so through `db.on_wait`) while another process writes.
        """
        if self.read_only:
            raise ReadOnlyBook(f"{self.path} is read-only; kontakt needs to write to its book")
        if self._reading:
            raise RuntimeError("a write inside Book.reading(): write before or after it")
        outermost = not self.conn.in_transaction
        if outermost:
            # The day's first write takes a backup first, outside any transaction.
            from .backup import before_first_write

            before_first_write(self)
            self._recording  # noqa: B018 - triggers (and their PRAGMA) outside the transaction
        with self._forgetting_on_rollback(), transaction(self.conn):
            if not self._recording:
                yield self.conn
                return
            from . import history

            if outermost:
                history.begin(self.conn, label) if record else history.pause(self.conn)
            elif label:
                history.name(self.conn, label)
            yield self.conn
            if outermost:
                self.last_step = history.end(self.conn, self.history_source)

    @contextmanager
    def filling(self, today: date) -> Iterator[sqlite3.Connection]:
        """One transaction that fills the book whole (the demo): each person's next due date
        and applying circle are worked out once at the end, with `today`, instead of after
        every interaction, so reads inside it see them stale. Only for filling a book.

        On a connection that already records undo steps it is one step, as any write. One
        that does not record yet (a book just opened, as the demo's) is left so while it
        runs, and records from the next write on: even paused, the recording triggers cost
        as much as the rest of the demo's 1,100 writes."""
        if self._due_later is not None:  # nested: the outer filling works them out
            with self.write() as conn:
                yield conn
            return
        uninstalled = self._recording_state is None
        if uninstalled:
            self._recording_state = False
        self._due_later = set()
        try:
            with self.write(record=not uninstalled) as conn:
                yield conn
                later, self._due_later = self._due_later, None
                self._refresh_due(sorted(later), today)
        finally:
            self._due_later = None
            if uninstalled:
                self._recording_state = None  # the next write installs them

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Several reads that see one state of the book: `with book.reading():` the list's
        count and the header's count agree even when another process commits between them
        (each statement alone would see the newest commit). One deferred read transaction;
        inside a write, or nested, it adds nothing. Writing inside it is a mistake: SQLite
        could not turn this old snapshot into a write once another process has committed."""
        if self.conn.in_transaction:
            yield
            return
        self.conn.execute("BEGIN DEFERRED")
        self._reading = True
        try:
            yield
        finally:
            self._reading = False
            if self.conn.in_transaction:
                self.conn.execute("COMMIT")

    @contextmanager
    def _forgetting_on_rollback(self) -> Iterator[None]:
        """A write that fails is rolled back, but neither `total_changes` nor `data_version`
        goes back: counts remembered inside it would outlive it. Forget them."""
        try:
            yield
        except BaseException:
            self._last_hits = self._last_counts = self._last_inactive = None
            raise

    def step(self, label: str) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        """`with book.step("log a call with Olga"):` several writes as one named undo step."""
        return self.write(label)

    def limit_page_cache(self, kib: int) -> None:
        """Keep at most `kib` KiB of the book's pages in this connection's cache. The bundled
        SQLite keeps 8 MiB, which a short command is welcome to; a long-lived app at 100k
        people filled it in its first frame (counts, circles) and never gave it back. Pages
        read again come from the operating system's cache."""
        self.conn.execute(f"PRAGMA cache_size = -{int(kib)}")

    def data_version(self) -> int:
        """Changes when another connection commits: cheap to poll for a live view."""
        return self.conn.execute("PRAGMA data_version").fetchone()[0]

    # ------------------------------------------------------------------ counts

    def _fts_hits(self, match: str) -> int:
        """How many index rows match (trash and archive included), FTS only.

        Remembered for the last search until the book changes: the list asks for the
        count and then a page of the same search, one keystroke apart.
        """
        key = (match, *self._version_key())
        if self._last_hits is not None and self._last_hits[0] == key:
            return self._last_hits[1]
        hits = self.conn.execute(
            "SELECT count(*) FROM contacts_fts WHERE contacts_fts MATCH ?", (match,)
        ).fetchone()[0]
        self._last_hits = (key, hits)
        return hits

    def _dense_search(self, *, tag: str | None, archived: bool | None, query: str | None) -> bool:
        """True when a search matches so many people that walking the name index beats
        starting from the matches (only for the plain active/archived list)."""
        if query is None or tag is not None or archived is None:
            return False
        match = _index_only(query)
        return match is not None and self._fts_hits(match) > DENSE_SEARCH_HITS

    def count_contacts(
        self, *, tag: str | None = None, archived: bool | None = False, query: str | None = None
    ) -> int:
        match = _index_only(query) if query is not None else None
        if match is not None and tag is None and archived is not None:
            return self._count_matches(match, archived=archived)
        if tag is None and query is None and archived is not None:
            # Everyone active (or archived): what the header counted, remembered by version.
            counts = self.counts()
            return counts.archived if archived else counts.contacts
        where, params = self._filter_sql(tag=tag, archived=archived, query=query)
        return self.conn.execute(f"SELECT count(*) FROM contacts c WHERE {where}", params).fetchone()[0]

    def count_contacts_upto(
        self, at_most: int, *, tag: str | None = None, archived: bool | None = False,
        query: str | None = None,
    ) -> tuple[int, bool]:
        """(count, exact): `count_contacts`, except that a search stops counting after
        `at_most` and answers (at_most + 1, False) for "more": at 100k people a one-letter
        search matches 55-80k and counting them all cost 20-40 ms of every keystroke."""
        match = _index_only(query) if query is not None else None
        if match is None or tag is not None or archived is None:
            return self.count_contacts(tag=tag, archived=archived, query=query), True
        # Matches in rowid order, each looked up, stopping after at_most + 1.
        counted = self.conn.execute(
            """SELECT count(*) FROM (
                 SELECT 1 FROM contacts_fts f JOIN contacts c ON c.id = f.rowid
                  WHERE contacts_fts MATCH ? AND c.deleted_at IS NULL AND c.archived = ?
                  LIMIT ?)""",
            (match, int(archived), at_most + 1),
        ).fetchone()[0]
        return (counted, True) if counted <= at_most else (at_most + 1, False)

    def _count_matches(self, match: str, *, archived: bool) -> int:
        """Active (or archived) contacts matching a search, without reading their rows.

        Looking up every match to check it is neither archived nor trashed cost 50 ms for
        14k matches at 100k people; instead: all matches from the index, less those among
        the few archived or trashed people (a small set, remembered until the book changes).
        """
        # `+r`: test each match against the set; never hand the set to FTS as rowid lookups.
        among = """SELECT count(*) FROM (SELECT rowid AS r FROM contacts_fts WHERE contacts_fts MATCH ?)
                    WHERE +r IN ({})"""
        if archived:
            return self.conn.execute(
                among.format("SELECT id FROM contacts INDEXED BY contacts_by_name "
                             "WHERE deleted_at IS NULL AND archived = 1"), (match,)
            ).fetchone()[0]
        inactive = self.conn.execute(
            among.format("SELECT value FROM json_each(?)"), (match, self._inactive_ids())
        ).fetchone()[0]
        return self._fts_hits(match) - inactive

    def _inactive_ids(self) -> str:
        """Ids of archived and trashed contacts as a JSON array, remembered until a change."""
        key = self._version_key()
        if self._last_inactive is None or self._last_inactive[0] != key:
            ids = [row[0] for row in self.conn.execute(
                """SELECT id FROM contacts WHERE archived = 1 AND deleted_at IS NULL
                   UNION ALL SELECT id FROM contacts WHERE deleted_at IS NOT NULL""")]
            self._last_inactive = (key, json.dumps(ids))
        return self._last_inactive[1]

    def counts(self) -> BookCounts:
        """Active, archived, circles. Remembered until the book changes: the app's header
        and circle list both ask on every refresh, and counting 100k people takes
        milliseconds."""
        key = self._version_key()
        if self._last_counts is not None and self._last_counts[0] == key:
            return self._last_counts[1]
        row = self.conn.execute(
            f"""SELECT
                 (SELECT count(*) FROM contacts {_LIVE_BY_ARCHIVED} WHERE deleted_at IS NULL AND archived = 0),
                 (SELECT count(*) FROM contacts {_LIVE_BY_ARCHIVED} WHERE deleted_at IS NULL AND archived = 1),
                 (SELECT count(*) FROM circles)"""
        ).fetchone()
        counts = BookCounts(*row)
        self._last_counts = (key, counts)
        return counts

    def version_key(self) -> tuple[int, int]:
        """Changes with every write through this connection or any other: what a view
        compares to know that what it shows may be stale."""
        return self.conn.total_changes, self.data_version()

    _version_key = version_key

    def count_interactions(self) -> int:
        """Interactions with at least one person outside the trash. Not part of `counts`:
        at 1M interactions the count reads 3 MiB of index that the app's header never needs."""
        return self.conn.execute(
            """SELECT (SELECT count(*) FROM interactions)
                 -- minus interactions whose people are all in the trash (walks the trash only)
                 - (SELECT count(DISTINCT ic.interaction_id)
                      FROM contacts t JOIN interaction_contacts ic ON ic.contact_id = t.id
                     WHERE t.deleted_at IS NOT NULL
                       AND NOT EXISTS (SELECT 1 FROM interaction_contacts x
                                         JOIN contacts d ON d.id = x.contact_id
                                        WHERE x.interaction_id = ic.interaction_id
                                          AND d.deleted_at IS NULL))"""
        ).fetchone()[0]

    # ------------------------------------------------------------------ settings

    def get_setting(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return row["value"] if row else default

    def set_setting(self, key: str, value: str) -> None:
        with self.write():
            self.conn.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )
