"""Bulk reads and writes for import and export: executemany inserts, lookup keys, streams.

Kept apart from book.py because it trades the one-row API for speed: ids are assigned
up front (inside the caller's `book.write()` transaction, so nobody else can take them)
and rows go in with one `executemany` per table. Values are cleaned exactly as the
one-row API cleans them, so an imported contact is indistinguishable from a typed one.
"""

from __future__ import annotations

import json
import os
import re
import threading
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple

from ..domain import Birthday, Cadence, Contact, effective_cadence, fold, next_due
from ..domain.cards import EMPTY as EMPTY_DETAILS, Details, to_cells as detail_cells, clean_addresses, clean_labels, clean_urls
from ..domain.dates import parse_iso
from ..domain.text import BASE_LETTERS, nfc
from ..jsontext import loads_stored
from .migrations import CONTACT_COLUMNS, FTS_COLUMNS, REF_INDEX, REF_INDEX_COLUMNS, REF_INDEX_TEXT
from .book import Book, _line, _now, _text, _unique
from .values import _cadence, same_phone
from .contacts import LET_DRIFT_SQL
from .db import is_encrypted, reader_connection
from . import cadence_circles
from .driver import sqlite3

# The insert triggers of the search index (m001) and the REF index (m017).
_INSERT_TRIGGERS = ("contacts_ai", "contacts_ref_ai")

# The same cleaning as the one-row API (book._line/_text), with a fast path for the
# common case of a value without control characters: 20,000 rows clean in a blink.
_NEEDS_LINE_CLEANING = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_NEEDS_TEXT_CLEANING = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _fast_line(value: str | None) -> str:
    if not value:
        return ""
    if value.isascii() and value.isprintable():
        return value.strip()  # printable ASCII: NFC, nothing to clean
    if _NEEDS_LINE_CLEANING.search(value) is None:
        value = value.strip()
        return value if unicodedata.is_normalized("NFC", value) else nfc(value)
    return _line(value)


def _fast_text(value: str | None) -> str:
    if not value:
        return ""
    if (value.isascii() and value.isprintable()) or _NEEDS_TEXT_CLEANING.search(value) is None:
        return value.strip()
    return _text(value)


_json = json.JSONEncoder(ensure_ascii=False).encode
# What json.dumps(ensure_ascii=False) escapes in a string, besides the quote: backslash, C0.
_JSON_ESCAPED = re.compile(r"[\x00-\x1f\\]")


def _json_list(values: list[str]) -> str:
    """`_json(values)` for a list of strings; joined directly when no value needs escaping
    (three JSON lists a contact, 300k encoder calls importing 100k people): no backslash
    or control character, and no quote but the separators'."""
    if not values:
        return "[]"
    joined = '", "'.join(values)
    if _JSON_ESCAPED.search(joined) is None and joined.count('"') == 2 * len(values) - 2:
        return '["' + joined + '"]'
    return _json(values)


def _uids(count: int) -> list[str]:
    """`count` random (version 4) UUIDs as `str(uuid.uuid4())` writes them, from one read
    of the system's random source instead of one `uuid.UUID` object each."""
    raw = os.urandom(16 * count).hex()
    uids = []
    for start in range(0, 32 * count, 32):
        h = raw[start:start + 32]
        # The version nibble is 4; the variant's two top bits are 10 (8, 9, a or b).
        uids.append(f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:]}")
    return uids


_VARIANT = {f"{n:x}": f"{8 | (n & 3):x}" for n in range(16)}
_COMBINING: dict[int, None] | None = None
_ASTRAL = re.compile("[\U00010000-\U0010FFFF]")


def _sort_key(name: str) -> str:
    """domain.fold(name), about five times faster for a bulk insert (same result)."""
    global _COMBINING
    if name.isascii():
        return name.casefold()
    decomposed = unicodedata.normalize("NFKD", name)
    if _ASTRAL.search(decomposed):
        return fold(name)  # the table below covers the BMP only
    if _COMBINING is None:
        _COMBINING = {cp: None for cp in range(0x300, 0x10000) if unicodedata.combining(chr(cp))}
    return decomposed.translate(_COMBINING).casefold().translate(BASE_LETTERS)


def _all_clean(values: Iterable[str]) -> bool:
    """True when `_fast_line` of each value would only strip it: no control character, and
    NFC. Checked once on the values joined by a space, which composes with no neighbour,
    so the whole is NFC exactly when each value is. False for anything that is not text."""
    try:
        whole = " ".join(values)
    except TypeError:
        return False
    if whole.isascii():
        return whole.isprintable()
    return _NEEDS_LINE_CLEANING.search(whole) is None and unicodedata.is_normalized("NFC", whole)


def _clean_emails(emails: Iterable[str], line=_fast_line) -> list[str]:
    cleaned = [value for value in map(line, emails) if value]
    if len(cleaned) < 2 or len({value.casefold() for value in cleaned}) == len(cleaned):
        return cleaned  # no two alike: what _unique would keep
    return _unique(cleaned, key=str.casefold)


def _clean_phones(phones: Iterable[str], line=_fast_line) -> list[str]:
    cleaned = [value for value in map(line, phones) if value]
    if len(cleaned) < 2:
        return cleaned
    return _unique(cleaned, key=same_phone)


def _clean_tags(tags: Iterable[str], line=_fast_line) -> list[str]:
    return _unique((line(t).lstrip("#").strip() for t in tags), key=str.casefold)


@dataclass
class NewContact:
    """A contact to insert; `id` is assigned by `BulkWriter.reserve_id` before insertion."""

    name: str
    nickname: str = ""
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    org: str = ""
    role: str = ""
    location: str = ""
    met: str = ""
    birthday: Birthday | None = None
    tags: list[str] = field(default_factory=list)
    notes: str = ""
    cadence: Cadence | None = None
    archived: bool = False
    uid: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    deleted_at: str | None = None
    id: int = 0
    # Addresses, URLs, labels (domain/cards.py); labels of values not kept are dropped.
    details: Details = EMPTY_DETAILS
    channel: str | None = None  # preferred channel: filled in after the insert (importers/merge.py)


def _detail_json(c: NewContact, emails: list[str], phones: list[str]) -> str:
    """The details column; `emails` and `phones` as cleaned for the row (labels of
    values not kept are dropped)."""
    details = c.details
    if details is EMPTY_DETAILS:
        return "{}"
    # An imported contact often has one or two of the three: the others cost nothing.
    return Details(
        addresses=clean_addresses(details.addresses) if details.addresses else (),
        urls=clean_urls(details.urls) if details.urls else (),
        labels=clean_labels(details.labels, [*emails, *phones]) if details.labels else (),
    ).dumps()


def contact_keys(book: Book) -> Iterator[tuple[int, str, str, str, list[str], list[str]]]:
    """(id, uid, name, org, emails, phones) of every contact, trash included, for dedupe maps."""
    rows = book.conn.execute("SELECT id, uid, name, org, emails, phones FROM contacts")
    for row in rows:
        emails, phones = loads_stored(row[4]), loads_stored(row[5])
        yield row[0], row[1], row[2], row[3], emails, phones


def current_fields(book: Book, contact_id: int) -> NewContact:
    """A contact's stored fields, for deciding what an import may fill in (one query)."""
    row = book.conn.execute(f"SELECT {CONTACT_COLUMNS} FROM contacts WHERE id = ?", (contact_id,)).fetchone()
    birthday = None
    if row["birthday"]:
        text = row["birthday"]
        birthday = (Birthday(int(text[2:4]), int(text[5:7])) if text.startswith("--")
                    else Birthday.from_date(date.fromisoformat(text)))
    return NewContact(
        id=row["id"], name=row["name"], nickname=row["nickname"],
        emails=loads_stored(row["emails"]),
        phones=loads_stored(row["phones"]), org=row["org"],
        role=row["role"], location=row["location"], met=row["met"], birthday=birthday,
        tags=loads_stored(row["tags"]), notes=row["notes"],
        cadence=Cadence.parse(row["cadence"]) if row["cadence"] else None,
        archived=bool(row["archived"]), uid=row["uid"], details=Details.loads(row["details"]),
    )


def existing_uids(book: Book, table: str) -> set[str]:
    """Uids already present in interactions, favours, introductions or follow_ups."""
    if table not in ("interactions", "favours", "introductions", "follow_ups"):
        raise ValueError(f"no uid table {table!r}")
    return {row[0] for row in book.conn.execute(f"SELECT uid FROM {table}")}


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def nocase(name: str) -> str:
    """A circle name as SQLite's COLLATE NOCASE compares it: ASCII letters folded only."""
    return name.translate(_ASCII_LOWER)


# NULL in a bulk insert's optional text columns: the driver binds None through its adapter
# lookup (two failed attribute lookups, ~1 us a value: 0.4 s of 100k contacts' inserts), an
# int directly; nullif(?, -1) in the statement makes it NULL again (no text equals an int).
_NULL = -1


class BulkWriter:
    """Inserts many rows into an open transaction (`with book.write():` around its use)."""

    def __init__(self, book: Book, today: date):
        if not book.conn.in_transaction:
            raise RuntimeError("BulkWriter needs an open transaction: use `with book.write():`")
        self.book = book
        self.conn = book.conn
        self.today = today
        self._next_id = self._max_id("contacts") + 1
        # Circle names are case-insensitive (COLLATE NOCASE): keep the first spelling.
        self._circles: dict[str, str] = {
            nocase(row[0]): row[0] for row in self.conn.execute("SELECT name FROM circles")
        }
        self._position = self.conn.execute(
            "SELECT coalesce(max(position), 0) FROM circles"
        ).fetchone()[0]
        self._cadences = book._circle_cadences()
        self._order = cadence_circles.circle_order(self.conn)
        if getattr(book, "_recording", False):
            from .history import bulk

            bulk(self.conn)  # the undo history records this step by id ranges, not row by row

    def _max_id(self, table: str) -> int:
        return self.conn.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]

    def reserve_id(self) -> int:
        """The id the next inserted contact will get (ids are taken in order)."""
        contact_id = self._next_id
        self._next_id += 1
        return contact_id

    # ------------------------------------------------------------------ circles

    def _circle(self, tag: str, now: str) -> str:
        key = nocase(tag)
        known = self._circles.get(key)
        if known is not None:
            return known
        # Made since this writer started: a row merged into someone already written went
        # through the one-row API, which makes its circles itself (inserting it again failed
        # the whole import with "UNIQUE constraint failed: circles.name").
        row = self.conn.execute("SELECT name FROM circles WHERE name = ?", (tag,)).fetchone()
        if row is not None:
            self._circles[key] = row[0]
            return row[0]
        self._position += 1
        self.conn.execute(
            "INSERT INTO circles (name, position, created_at) VALUES (?, ?, ?)",
            (tag, self._position, now),
        )
        self._circles[key] = tag
        return tag

    def upsert_circle(
        self, name: str, *, cadence: Cadence | None, description: str = "",
        position: int | None = None, created_at: str | None = None,
    ) -> None:
        """Create a circle as given, or give an existing one the cadence and description
        it lacks (an import fills, never overwrites)."""
        name = _line(name).lstrip("#")
        if not name:
            return
        cadence_text = str(cadence) if cadence else None
        known = self._circles.get(nocase(name))
        filled = False  # an existing circle given the cadence it lacked
        if known is None:
            if position is None:
                position = self._position + 1
            self._position = max(self._position, position)
            self.conn.execute(
                "INSERT INTO circles (name, cadence, position, description, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (name, cadence_text, position, _text(description), created_at or _now()),
            )
            self._circles[nocase(name)] = name
        else:
            filled = cadence_text is not None and self.conn.execute(
                "SELECT cadence IS NULL FROM circles WHERE name = ?", (known,)).fetchone()[0]
            self.conn.execute(
                """UPDATE circles SET cadence = coalesce(cadence, ?),
                          description = CASE WHEN description = '' THEN ? ELSE description END
                    WHERE name = ?""",
                (cadence_text, _text(description), known),
            )
        self._cadences = self.book._circle_cadences()
        self._order = cadence_circles.circle_order(self.conn)
        if filled:
            # The circle's people already in the book now inherit its cadence, as after
            # `kontakt circle NAME --every …`: their due date and applying circle move too.
            self.refresh_due(r[0] for r in self.conn.execute(
                "SELECT contact_id FROM memberships WHERE circle = ?", (known,)))

    # ------------------------------------------------------------------ contacts

    def insert_contacts(self, contacts: Sequence[NewContact]) -> None:
        """Insert contacts (ids reserved), their circles and memberships, with next_due set."""
        if not contacts:
            return
        now = _now()
        today = min(date.fromisoformat(now[:10]), self.today)
        uids = _uids(len(contacts))
        rows = []
        memberships = []
        for c, new_uid in zip(contacts, uids):
            # Most contacts hold only clean NFC text: one check, then each value only stripped.
            line = (str.strip if _all_clean((c.name, c.nickname, c.org, c.role, c.location,
                                             *c.emails, *c.phones, *c.tags)) else _fast_line)
            name = line(c.name)
            if not name:
                raise ValueError("a contact needs a name")
            tags = [self._circle(t, now) for t in _clean_tags(c.tags, line)] if c.tags else []
            memberships.extend((c.id, t) for t in tags)
            created = c.created_at or now
            inherited = [self._cadences[k] for t in tags if (k := fold(t)) in self._cadences] if self._cadences else []
            cadence = effective_cadence(c.cadence, inherited)
            added_on = today if created is now else min(date.fromisoformat(created[:10]), self.today)
            due = next_due(cadence, None, added_on)
            emails, phones = _clean_emails(c.emails, line), _clean_phones(c.phones, line)
            rows.append((
                c.id, c.uid or new_uid, name, _sort_key(name), line(c.nickname),
                _json_list(emails),
                _json_list(phones),
                line(c.org), line(c.role), line(c.location), _fast_text(c.met),
                c.birthday.iso() if c.birthday else _NULL,
                _json_list(tags), _fast_text(c.notes),
                str(c.cadence) if c.cadence else _NULL, int(c.archived),
                created, c.updated_at or now, _NULL if c.deleted_at is None else c.deleted_at,
                due.isoformat() if due else _NULL,
                _detail_json(c, emails, phones),
                _NULL if (circle := cadence_circles.applying(self._order, c.cadence, tags)) is None
                else circle,
            ))
        with self._unrecorded(min(r[0] for r in rows), len(rows)):
            self._insert_indexed(rows)
            self._insert_memberships(rows, memberships)

    # The undo history's per-row insert triggers on the tables a batch of new people goes to.
    _UNDO_TRIGGERS = ("undo_contacts_insert", "undo_memberships_insert")

    @contextmanager
    def _unrecorded(self, low: int, count: int) -> Iterator[None]:
        """The undo history's insert triggers on contacts and memberships off while a batch of
        new people goes in, when the step records them with one range delete (history.bulk:
        every contact id above the step's floor, their memberships with them). Then each of
        those triggers' WHEN is false for every row, but is still evaluated, two subqueries a
        row (~0.4 s of 100k). They are put back verbatim, as TEMP triggers, before anything
        else runs; a rollback puts them back itself."""
        if count < 200:
            yield
            return
        triggers = dict(self.conn.execute(
            "SELECT name, sql FROM temp.sqlite_master WHERE type = 'trigger' AND name IN (?, ?)",
            self._UNDO_TRIGGERS).fetchall())
        floor = self.conn.execute(
            "SELECT top FROM temp.undo_floor WHERE tbl = 'contacts'").fetchone() if triggers else None
        if floor is None or floor[0] >= low or not all(
                sql.startswith("CREATE TRIGGER ") for sql in triggers.values()):
            yield
            return
        for name in triggers:
            self.conn.execute(f"DROP TRIGGER temp.{name}")
        try:
            yield
        finally:
            if self.conn.in_transaction:
                for name, sql in triggers.items():
                    if not self.conn.execute("SELECT 1 FROM temp.sqlite_master WHERE type = 'trigger' "
                                             "AND name = ?", (name,)).fetchone():
                        self.conn.execute("CREATE TEMP TRIGGER " + sql.removeprefix("CREATE TRIGGER "))

    def _insert_memberships(self, rows: list[tuple], memberships: list[tuple[int, str]]) -> None:
        """The (contact id, circle) pairs of contacts just inserted as `rows` (whose tags
        column lists exactly their circles)."""
        if not memberships:
            return
        low, high = min(r[0] for r in rows), max(r[0] for r in rows)
        if high - low + 1 == len(rows):
            # The ids are exactly low..high (unique keys, as many as the range): memberships
            # are read back from the tags just written, without binding 100k pairs.
            self.conn.execute(
                "INSERT OR IGNORE INTO memberships (contact_id, circle) "
                "SELECT c.id, t.value FROM contacts c, json_each(c.tags) t WHERE c.id BETWEEN ? AND ?",
                (low, high),
            )
        else:
            self.conn.executemany(
                "INSERT OR IGNORE INTO memberships (contact_id, circle) VALUES (?, ?)", memberships
            )

    def _insert_indexed(self, rows: list[tuple]) -> None:
        """executemany into contacts, then the search and REF indexes filled in one statement
        each.

        The per-row FTS trigger costs five times the insert itself (1.4 s of 1.7 s for
        20k rows); inside this transaction the insert triggers are dropped, the new rows are
        indexed with one INSERT … SELECT per index, and the triggers are put back verbatim
        before anything else runs. A crash rolls all of it back, triggers included.
        """
        # birthday, cadence, deleted_at, next_due and cadence_circle come as _NULL for NULL.
        insert = """INSERT INTO contacts (id, uid, name, sort_key, nickname, emails, phones, org,
                        role, location, met, birthday, tags, notes, cadence, archived, created_at,
                        updated_at, deleted_at, next_due, details, cadence_circle)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, nullif(?, -1), ?, ?, nullif(?, -1), ?,
                            ?, ?, nullif(?, -1), nullif(?, -1), ?, nullif(?, -1))"""
        triggers = dict(self.conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN (?, ?)",
            _INSERT_TRIGGERS,
        ).fetchall())
        if "contacts_ai" not in triggers or len(rows) < 200:
            self.conn.executemany(insert, rows)
            return
        ids = [row[0] for row in rows]
        fills = {
            "contacts_ai": f"INSERT INTO contacts_fts (rowid, {', '.join(FTS_COLUMNS)}) "
                           f"SELECT id, {', '.join(FTS_COLUMNS)} FROM contacts WHERE id BETWEEN ? AND ?",
            "contacts_ref_ai": f"INSERT INTO {REF_INDEX} (rowid, {', '.join(REF_INDEX_COLUMNS)}) "
                               f"SELECT id, {', '.join(REF_INDEX_COLUMNS)} FROM {REF_INDEX_TEXT} "
                               "WHERE id BETWEEN ? AND ?",
        }
        for name in triggers:
            self.conn.execute(f"DROP TRIGGER {name}")
        try:
            self.conn.executemany(insert, rows)
            for name in triggers:
                self.conn.execute(fills[name], (min(ids), max(ids)))
        except BaseException:
            # A full disk makes SQLite roll the whole transaction back, the DROP included:
            # then the triggers are there again, and re-creating them would hide the real
            # error behind "trigger contacts_ai already exists".
            if self.conn.in_transaction:
                for name, sql in triggers.items():
                    if not self._has_trigger(name):
                        self.conn.execute(sql)
            raise
        for sql in triggers.values():
            self.conn.execute(sql)

    def _has_trigger(self, name: str) -> bool:
        return self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = ?", (name,)
        ).fetchone() is not None

    def fill_contact(self, contact_id: int, today: date, **changes: Any) -> Contact:
        """Merge into an existing contact through the one-row API (fills, never overwrites:
        the caller passes only fields that were empty, and list additions)."""
        contact = self.book.update_contact(contact_id, today=today, **changes)
        if changes.get("add_tags"):
            # The one-row API may have made a circle: a new contact of this import naming it
            # (in another case) must join it, not insert it again (UNIQUE … COLLATE NOCASE).
            for tag in contact.tags:
                self._circles.setdefault(nocase(tag), tag)
            self._position = max(self._position, self.conn.execute(
                "SELECT coalesce(max(position), 0) FROM circles").fetchone()[0])
        return contact

    # ------------------------------------------------------------------ history

    def insert_interactions(self, items: Iterable[tuple[str, str, str, str, str, Sequence[int]]]) -> int:
        """(uid, date, kind, note, created_at, contact_ids) rows; returns how many went in."""
        next_id = self._max_id("interactions") + 1
        rows, links = [], []
        for uid, day, kind, note, created_at, contact_ids in items:
            rows.append((next_id, uid, day, kind, _text(note), created_at or _now()))
            links.extend((next_id, cid) for cid in dict.fromkeys(contact_ids))
            next_id += 1
        self.conn.executemany(
            "INSERT INTO interactions (id, uid, date, kind, note, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )
        self.conn.executemany(
            "INSERT INTO interaction_contacts (interaction_id, contact_id) VALUES (?, ?)", links
        )
        return len(rows)

    def insert_favours(self, rows: Sequence[tuple]) -> int:
        """(uid, contact_id, direction, description, kind, weight, date, status, created_at,
        updated_at) rows, already checked against the ledger's rules."""
        now = _now()
        self.conn.executemany(
            """INSERT INTO favours (uid, contact_id, direction, description, kind, weight, date,
                   status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [(r[0], r[1], r[2], _text(r[3]), r[4], r[5], r[6], r[7], r[8] or now, r[9] or now)
             for r in rows],
        )
        return len(rows)

    def insert_introductions(self, rows: Sequence[tuple]) -> int:
        """(uid, contact_a, contact_b, date, note, outcome, outcome_on, created_at) rows."""
        now = _now()
        self.conn.executemany(
            """INSERT INTO introductions (uid, contact_a, contact_b, date, note, outcome,
                   outcome_on, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
            [(r[0], r[1], r[2], r[3], _text(r[4]), _text(r[5]), r[6], r[7] or now) for r in rows],
        )
        return len(rows)

    def insert_follow_ups(self, rows: Sequence[tuple]) -> int:
        """(uid, contact_id, due, note, recurrence, status, snoozed_until, done_on, created_at)."""
        now = _now()
        self.conn.executemany(
            """INSERT INTO follow_ups (uid, contact_id, due, note, recurrence, status,
                   snoozed_until, done_on, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [(r[0], r[1], r[2], _text(r[3]), r[4], r[5], r[6], r[7], r[8] or now) for r in rows],
        )
        return len(rows)

    def refresh_due(self, contact_ids: Iterable[int]) -> None:
        """Recompute last_contact and next_due for these contacts in a few statements (and
        the circle whose cadence applies to each)."""
        ids = sorted(set(contact_ids))
        if not ids:
            return
        cadence_circles.refresh(self.conn, ids)
        circles = self.book._circle_cadences()
        updates = []
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"""SELECT c.id, c.cadence, c.tags, c.created_at,
                           (SELECT max(i.date) FROM interaction_contacts ic
                              JOIN interactions i ON i.id = ic.interaction_id
                             WHERE ic.contact_id = c.id) AS last_contact,
                           {LET_DRIFT_SQL} AS drifted
                      FROM contacts c WHERE c.id IN ({marks})""",
                chunk,
            )
            for row in rows:
                own = Cadence.parse(row[1]) if row[1] else None
                inherited = [circles[fold(t)] for t in json.loads(row[2]) if fold(t) in circles]
                last = parse_iso(row[4])
                added_on = date.fromisoformat(row[3][:10])
                cadence = None if row[5] else effective_cadence(own, inherited)  # let drift
                due = next_due(cadence, last, min(added_on, self.today))
                updates.append((row[4], due.isoformat() if due else None, row[0]))
        self.conn.executemany(
            "UPDATE contacts SET last_contact = ?, next_due = ? WHERE id = ?", updates
        )


# ---------------------------------------------------------------------- streaming reads


def iter_contacts(
    book: Book, *, include_deleted: bool = False, ids: Sequence[int] | None = None
) -> Iterator[tuple[Contact, str | None]]:
    """Every contact (archived too) with its deleted_at, in name order, one cursor:
    memory stays flat however big the book is."""
    circles = book._circle_cadences()
    sql = f"SELECT {CONTACT_COLUMNS} FROM contacts"
    where = [] if include_deleted else ["deleted_at IS NULL"]
    params: list[object] = []
    if ids is not None:
        where.append(f"id IN ({','.join('?' * len(ids))})")
        params.extend(ids)
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY sort_key, id"
    for row in book.conn.execute(sql, params):
        yield book._contact(row, circles), row["deleted_at"]


class CardContact(NamedTuple):
    """What a vCard says of a contact (the fields of `Contact` that exporters/vcard.py
    reads), read without the circles, drift and due dates a `Contact` carries: exporting
    100k cards through `Contact` objects spent half its time making them."""

    uid: str
    name: str
    nickname: str
    emails: tuple[str, ...]
    phones: tuple[str, ...]
    org: str
    role: str
    location: str
    met: str
    birthday: Birthday | None
    tags: tuple[str, ...]
    notes: str
    cadence: Cadence | None
    archived: bool
    created_at: datetime
    updated_at: datetime
    addresses: tuple
    urls: tuple[str, ...]
    labels: tuple[tuple[str, str], ...]
    channel: str | None = None  # preferred channel: X-KONTAKT-CHANNEL

    def label_of(self, value: str) -> str:
        """As `Contact.label_of`."""
        if not self.labels:  # most people: no generator made per e-mail and phone
            return ""
        return next((label for v, label in self.labels if v == value), "")


# A stored list written as the store writes them: '["a", "b"]', nothing escaped inside.
_PLAIN_LIST = re.compile(r'\["[^"\\\x00-\x1f]*"(?:, "[^"\\\x00-\x1f]*")*\]')


def _card_list(text: str) -> tuple[str, ...]:
    """`_json_list`, with a plain list split as text (a decoder call per list was a tenth
    of exporting 100k cards); anything else (escapes, another tool's spacing) is decoded."""
    if text == "[]":
        return ()
    if text.__class__ is str and _PLAIN_LIST.fullmatch(text):
        return tuple(text[2:-2].split('", "'))
    return tuple(loads_stored(text))


def iter_card_contacts(book: Book, *, ids: Sequence[int] | None = None) -> Iterator[CardContact]:
    """The contacts `iter_contacts` gives (not the trash; name order), as CardContacts, with
    the values `Book._contact` would make of each column."""
    sql = ("SELECT uid, name, nickname, emails, phones, org, role, location, met, birthday, "
           "tags, notes, cadence, archived, created_at, updated_at, details, channel FROM contacts "
           "WHERE deleted_at IS NULL")
    params: list[object] = []
    if ids is not None:
        sql += f" AND id IN ({','.join('?' * len(ids))})"
        params.extend(ids)
    fromiso = datetime.fromisoformat
    for (uid, name, nickname, emails, phones, org, role, location, met, birthday, tags, notes,
         cadence, archived, created_at, updated_at, details, channel) in _utf8_rows(
            book, sql + " ORDER BY sort_key, id", params):
        if birthday:
            if birthday.startswith("--"):
                birthday = Birthday(int(birthday[2:4]), int(birthday[5:7]))
            else:
                birthday = Birthday.from_date(date.fromisoformat(birthday))
        else:
            birthday = None
        extra = Details.loads(details)
        yield CardContact(
            uid, name, nickname, _card_list(emails), _card_list(phones), org, role, location,
            met, birthday, _card_list(tags), notes, _cadence(cadence) if cadence else None,
            bool(archived), fromiso(created_at), fromiso(updated_at), extra.addresses,
            extra.urls, extra.labels, channel,
        )


def circle_rows(book: Book) -> list[dict[str, Any]]:
    """Every circle as stored: name, cadence, position, description, created_at."""
    rows = book.conn.execute(
        "SELECT name, cadence, position, description, created_at FROM circles ORDER BY position, name"
    )
    return [dict(row) for row in rows]


def _contact_filter(column: str, ids: Sequence[int] | None) -> tuple[str, list[int]]:
    if ids is None:
        return "", []
    return f" WHERE {column} IN ({','.join('?' * len(ids))})", list(ids)


def iter_interactions(book: Book, *, ids: Sequence[int] | None = None) -> Iterator[dict[str, Any]]:
    """Interactions oldest first, each with every participant's (uid, name, id)."""
    where, params = "", []
    if ids is not None:
        marks = ",".join("?" * len(ids))
        where = f" WHERE i.id IN (SELECT interaction_id FROM interaction_contacts WHERE contact_id IN ({marks}))"
        params = list(ids)
    sql = f"""SELECT i.id, i.uid, i.date, i.kind, i.note, i.created_at, i.reached_out, i.thanks,
                     (SELECT json_group_array(json_array(uid, name, id)) FROM (
                        SELECT c.uid, c.name, c.id
                          FROM interaction_contacts x JOIN contacts c ON c.id = x.contact_id
                         WHERE x.interaction_id = i.id ORDER BY c.sort_key, c.uid)) AS people
                FROM interactions i{where} ORDER BY i.date, i.id"""
    for row in book.conn.execute(sql, params):
        item = dict(row)
        item["people"] = json.loads(item["people"])
        yield item


def json_segments(
    keys: Sequence[str], prefix: str = "", *, bools: Sequence[str] = (), raw: Sequence[str] = ()
) -> list[str]:
    """SQL that writes a row as a JSON object in the layout of Python's encoder
    (`{"a": 1, "b": "x"}`), every value through json_quote (which escapes exactly as
    Python's encoder with ensure_ascii=False: tests/unit/test_export_bytes.py). `bools`
    are written true/false; each column in `raw` is left out for the caller to write: the
    expressions are then the segments around them, `raw` columns between them, as
    [segment, raw column, segment, …]; the last segment does not close the object."""
    if not set(bools) <= set(keys) or not set(raw) <= set(keys):
        raise ValueError("bools and raw must be among the keys")
    expressions, current = [], []
    for n, key in enumerate(keys):
        label = ("{" if n == 0 else ", ") + json.dumps(key) + ": "
        current.append("'" + label.replace("'", "''") + "'")
        if key in raw:
            expressions += [" || ".join(current), f"{prefix}{key}"]
            current = []
        elif key in bools:
            current.append(f"CASE WHEN {prefix}{key} THEN 'true' ELSE 'false' END")
        else:
            current.append(f"json_quote({prefix}{key})")
    expressions.append(" || ".join(current) or "''")
    return expressions


def contact_records(
    book: Book, keys: Sequence[str], *, raw: Sequence[str] = (), bools: Sequence[str] = (),
    include_deleted: bool = False, ids: Sequence[int] | None = None,
) -> Iterator[tuple]:
    """Contacts as `snapshot.contact_tuples` gives them (name order), each row the
    `json_segments` of `keys` with the `raw` columns as stored between them, then the
    stored details. Encoding 22 values a contact in Python was most of the contacts
    section of a JSON export."""
    known = {c.strip() for c in CONTACT_COLUMNS.split(",")}
    if not set(keys) <= known:
        raise ValueError(f"not contact columns: {sorted(set(keys) - known)}")
    where, params = "1", []
    if ids is not None:
        where, params = f"id IN ({','.join('?' * len(ids))})", list(ids)
    if not include_deleted:
        where += " AND deleted_at IS NULL"
    columns = ", ".join(json_segments(keys, bools=bools, raw=raw))
    return _utf8_rows(book, f"SELECT {columns}, details FROM contacts WHERE {where} "
                            "ORDER BY sort_key, id", params)


def interaction_records(
    book: Book, keys: Sequence[str], *, bools: Sequence[str] = (), ids: Sequence[int] | None = None
) -> Iterator[tuple[str, str | None]]:
    """Interactions oldest first as (head, people): `head` is the record as JSON up to the
    opening of its participant list — `{"id": 1, "uid": "…", …, "participants": [` with
    the columns `keys` in that order (`bools` written as true/false) — and `people` the
    participants' contact ids joined by commas (in no order, ids of contacts that are gone
    included; None for nobody): put them in `iter_interactions`' order with
    `participant_entries`.

    SQLite writes the head with json_quote, which escapes exactly as Python's encoder
    with ensure_ascii=False (checked over every code point and on bytes that are not
    UTF-8, tests/unit/test_export_bytes.py): half a million interactions encoded in Python
    cost the JSON export of 100k people seconds. A sorted subquery of JSON per interaction
    cost it 6 s. (Reading the table in rowid order and letting SQLite sort, `+i.date`,
    saved another ~1.3 s of random page reads at 100k but held 90 MB in the sorter: this
    SQLite keeps temporary data in memory.)"""
    known = {"id", "uid", "date", "kind", "note", "created_at", "reached_out", "thanks"}
    if not set(keys) <= known:
        raise ValueError(f"not interaction columns: {sorted(set(keys) - known)}")
    head = json_segments(keys, "i.", bools=bools)[0] + " || ', \"participants\": ['"
    select = f"""SELECT {head},
                        (SELECT group_concat(x.contact_id) FROM interaction_contacts x
                          WHERE x.interaction_id = i.id) AS people
                   FROM interactions i"""
    if ids is None:
        return _by_date_ranges(book, select)
    marks = ",".join("?" * len(ids))
    where = f" WHERE i.id IN (SELECT interaction_id FROM interaction_contacts WHERE contact_id IN ({marks}))"
    return _tuples(book, f"{select}{where} ORDER BY i.date, i.id", list(ids))[1]


@contextmanager
def sorting_on_disk(book: Book) -> Iterator[bool]:
    """While open, SQLite's sorts and temporary tables on this connection go to temporary
    files (PRAGMA temp_store = FILE) instead of memory; yields whether they do. They do
    not for an encrypted book (SQLCipher writes temporary files in plain text) nor while
    the connection holds TEMP objects (undo triggers, a purge list): changing temp_store
    drops them. On leaving, temp_store is what it was, unless TEMP objects were made inside
    (a first write installs the undo triggers): those are kept, and the sorts stay on disk."""
    conn = book.conn

    def holds_temp_objects() -> bool:
        return conn.execute("SELECT 1 FROM temp.sqlite_master LIMIT 1").fetchone() is not None

    if conn.in_transaction or is_encrypted(conn) or holds_temp_objects():
        yield False
        return
    before = conn.execute("PRAGMA temp_store").fetchone()[0]
    conn.execute("PRAGMA temp_store = FILE")
    try:
        yield True
    finally:
        if not (conn.in_transaction or holds_temp_objects()):  # nothing made inside to keep
            conn.execute(f"PRAGMA temp_store = {int(before)}")


def interaction_lines(
    book: Book, keys: Sequence[str], *, bools: Sequence[str] = (),
    conn: sqlite3.Connection | None = None,
) -> Iterator[list[bytes]]:
    """Every interaction as its whole JSON record, written by SQLite as UTF-8 bytes (not
    checked: another tool may have stored bytes that are not UTF-8), oldest first (date,
    id), in lists of up to _BATCH: `interaction_records` and `participant_entries` put
    together, the participants in `iter_interactions`' order. Only inside
    `sorting_on_disk` (True).

    The table is read in rowid order and sorted by SQLite in temporary files: reading it
    in date order re-read its pages ~40 times at 100k people (0.6 M reads, ~1 s), and a
    sort in memory held 90 MB. The participants' records, ranked, go into a TEMP table
    (~10 MB at 100k) that each interaction looks its people up in: a dict of them in
    Python held 25 MB and cost ~1.5 s to put together.

    `conn`: read on this connection (a `db.reader_connection` of the book, whose
    temp_store is FILE) instead of the book's own."""
    known = {"id", "uid", "date", "kind", "note", "created_at", "reached_out", "thanks"}
    if not set(keys) <= known:
        raise ValueError(f"not interaction columns: {sorted(set(keys) - known)}")
    conn = conn or book.conn
    head = json_segments(keys, "i.", bools=bools)[0]
    entry = json_segments(("uid", "name"))[0] + " || '}'"
    caches = [conn.execute(f"PRAGMA {db}.cache_size").fetchone()[0] for db in ("main", "temp")]
    try:
        # The book's pages are read once, in order, and the sorter (sized by the main
        # cache) holds 2 MB at a time; the people's records stay in the cache (each
        # interaction looks up ~2 of them at random).
        conn.execute("PRAGMA main.cache_size = -2000")
        conn.execute(f"PRAGMA temp.cache_size = -{EXPORT_PEOPLE_CACHE_KIB}")
        conn.execute("CREATE TEMP TABLE export_people (id INTEGER PRIMARY KEY, "
                     "rank INTEGER NOT NULL, entry TEXT NOT NULL)")
        conn.execute("INSERT INTO temp.export_people (id, rank, entry) "
                     f"SELECT id, row_number() OVER (ORDER BY sort_key, uid), {entry} FROM contacts")
        batches = _byte_batches(
            conn, f"""SELECT {head} || ', "participants": [' || coalesce(
                          (SELECT group_concat(p.entry, ', ' ORDER BY p.rank)
                             FROM interaction_contacts x JOIN temp.export_people p ON p.id = x.contact_id
                            WHERE x.interaction_id = i.id), '') || ']}}'
                     FROM interactions i ORDER BY +i.date, i.id""", ())
        try:
            for batch in batches:
                yield [line for (line,) in batch]
        finally:
            batches.close()
    finally:
        for db, size in zip(("main", "temp"), caches):
            conn.execute(f"PRAGMA {db}.cache_size = {int(size)}")
        conn.execute("DROP TABLE IF EXISTS temp.export_people")


def first_fetched(lines: Iterator[list[bytes]] | None) -> Iterator[list[bytes]] | None:
    """`lines` (of `interaction_lines` or `record_lines`) with its first batch already
    read, or None (and `lines` closed) when reading it failed: the sort runs then, and its
    temporary files may find no room or no writable folder. The general readers, which
    sort little at a time, may still succeed. None for None."""
    if lines is None:
        return None
    try:
        first = next(lines, None)
    except sqlite3.OperationalError:
        lines.close()
        return None

    def chained() -> Iterator[list[bytes]]:
        try:
            if first is not None:
                yield first
            yield from lines
        finally:
            lines.close()

    return chained()


class InteractionsAhead:
    """`interaction_lines` of a plain book, started now on a second connection in a thread:
    SQLite builds and sorts the records (the longest step of a JSON export, ~2 s at 100k
    people, done without holding the GIL) while the caller writes the contacts. Only
    where `sorting_on_disk` would yield True; always `close()` it."""

    def __init__(self, book: Book, keys: Sequence[str], *, bools: Sequence[str] = ()):
        self._conn = reader_connection(book.path)
        self._conn.execute("PRAGMA temp_store = FILE")
        self._lines: Iterator[list[bytes]] | None = None
        self._error: BaseException | None = None
        self._taken = False
        self._thread = threading.Thread(target=self._read, args=(book, keys, bools),
                                        name="kontakt-export-interactions", daemon=True)
        self._thread.start()

    def _read(self, book: Book, keys: Sequence[str], bools: Sequence[str]) -> None:
        try:
            self._lines = first_fetched(interaction_lines(book, keys, bools=bools, conn=self._conn))
        except BaseException as error:  # handed to the caller in lines()
            self._error = error

    def lines(self) -> Iterator[list[bytes]] | None:
        """The records, as `first_fetched` gives them (None: take the general path)."""
        self._thread.join()
        self._taken = True
        if self._error is not None:
            raise self._error
        return self._lines

    def close(self) -> None:
        # An export that failed before it needed them: stop the sort rather than wait ~2 s
        # for it. An interrupt stops only the statement running at that moment, so it is
        # repeated until the thread is done (one starting a moment later is stopped too).
        while not self._taken and self._thread.is_alive():
            self._conn.interrupt()
            self._thread.join(0.05)
        self._thread.join()
        if self._lines is not None:
            self._lines.close()
        self._conn.close()


# The TEMP table of `interaction_lines` is ~100 bytes a person: this holds it whole up to
# ~150k people (memory is taken only as pages are read).
EXPORT_PEOPLE_CACHE_KIB = 16000


# Rows per date range of `_by_date_ranges`: what SQLite sorts in memory at a time (~3 MB;
# 16384 held 3 MB more at 100k people, near the 80 MiB budget of a streaming export).
DATE_RANGE_ROWS = 8192


def _by_date_ranges(book: Book, select: str) -> Iterator[tuple]:
    """`select` over all interactions ORDER BY date, id, read a range of dates at a time
    with the rows of each range fetched in rowid order (then sorted by SQLite): walking the
    date index fetched the table's pages in random order, ~1 s of system time re-reading
    pages at 100k people; one sort of everything held 90 MB. The ranges are cut every
    DATE_RANGE_ROWS rows of the date index; a date never spans two ranges."""
    conn = book.conn
    cursor = conn.cursor()
    cursor.row_factory = None
    lenient, conn.text_factory = conn.text_factory, bytes
    try:
        cut = cursor.execute(
            "SELECT date, typeof(date) FROM (SELECT date, row_number() OVER (ORDER BY date) AS n "
            f"FROM interactions) WHERE n % {DATE_RANGE_ROWS} = 0").fetchall()
    finally:
        conn.text_factory = lenient
    # A bound must be the stored text itself: a date that is not UTF-8 or not text (another
    # tool's) would come back altered and could cut the ranges out of order: one query then.
    try:
        bounds = [value.decode("utf-8") for value, _ in cut]
    except UnicodeDecodeError:
        bounds = None
    if bounds is None or any(kind != b"text" for _, kind in cut):
        yield from _utf8_rows(book, f"{select} ORDER BY i.date, i.id", ())
        return
    low = None
    for high in [*bounds, None]:
        if high is not None and high == low:
            continue  # one date filled the whole range: it is read with the next one
        conditions = [c for c, v in (("date >= :low", low), ("date < :high", high)) if v is not None]
        chosen = f"SELECT id FROM interactions WHERE {' AND '.join(conditions) or '1'}"
        yield from _utf8_rows(book, f"{select} WHERE i.id IN ({chosen}) ORDER BY i.date, i.id",
                              {"low": low, "high": high})
        low = high


def participant_entries(book: Book, *, ids: Sequence[int] | None = None) -> Iterator[tuple[str, str]]:
    """(id as text, `{"uid": …, "name": …}` written by json_quote) of every contact (the
    trash too) in the order participants of an interaction are listed (`iter_interactions`:
    sort_key, then uid); the id as text because `interaction_records` names people so.
    With `ids`, only those who share an interaction with one of them (what
    `interaction_records(ids=)` names: an export of one person need not read 100k names)."""
    where, params = "", []
    if ids is not None:
        marks = ",".join("?" * len(ids))
        where = (" WHERE id IN (SELECT b.contact_id FROM interaction_contacts a "
                 "JOIN interaction_contacts b ON b.interaction_id = a.interaction_id "
                 f"WHERE a.contact_id IN ({marks}))")
        params = list(ids)
    entry = json_segments(("uid", "name"))[0]
    return _utf8_rows(book, f"SELECT CAST(id AS TEXT), {entry} || '}}' FROM contacts{where} "
                            "ORDER BY sort_key, uid", params)


_BATCH = 512


def _utf8_rows(book: Book, sql: str, params: Sequence[object]) -> Iterator[tuple]:
    """The rows of `sql` (which must order them completely) as plain tuples, text decoded
    by SQLite's driver itself: the book's lenient decoder is a Python call per value (1.5M
    calls, ~0.2 s, exporting 100k cards). A value that is not UTF-8 (written by another
    tool) stops the strict decoder: the query is run again with the lenient one, the rows
    already given skipped, so the rows are exactly what the lenient decoder gives. The
    connection's decoder is switched only for the length of a fetch."""
    conn = book.conn
    lenient = conn.text_factory
    cursor = conn.cursor()
    cursor.row_factory = None
    cursor.execute(sql, params)
    done = 0
    while True:
        conn.text_factory = str
        try:
            rows = cursor.fetchmany(_BATCH)
        except sqlite3.OperationalError as error:
            if "decode" not in str(error):
                raise
            break
        finally:
            conn.text_factory = lenient
        if not rows:
            return
        done += len(rows)
        yield from rows
    cursor = conn.cursor()
    cursor.row_factory = None
    rows = cursor.execute(sql, params)
    for _ in range(done):
        next(rows)
    yield from rows


def _tuples(book: Book, sql: str, params: Sequence[object]) -> tuple[list[str], Iterator[tuple]]:
    """(column names, rows as plain tuples): no Row objects, no dicts, for bulk readers."""
    cursor = book.conn.cursor()
    cursor.row_factory = None
    cursor.execute(sql, params)
    return [d[0] for d in cursor.description], cursor


def _favours_sql(ids: Sequence[int] | None) -> tuple[str, list[int]]:
    where, params = _contact_filter("f.contact_id", ids)
    return f"""SELECT f.id, f.uid, c.uid AS contact, c.name AS contact_name, f.direction, f.description,
                     f.kind, f.weight, f.date, f.status, f.created_at, f.updated_at, f.thanked_on
                FROM favours f JOIN contacts c ON c.id = f.contact_id{where}
               ORDER BY f.date, f.id""", params


def iter_favours(book: Book, *, ids: Sequence[int] | None = None) -> Iterator[dict[str, Any]]:
    """Favours oldest first with the contact's uid and name."""
    for row in book.conn.execute(*_favours_sql(ids)):
        yield dict(row)


def favour_tuples(book: Book, *, ids: Sequence[int] | None = None) -> tuple[list[str], Iterator[tuple]]:
    """`iter_favours` as (column names, plain tuples): for the JSON export."""
    return _tuples(book, *_favours_sql(ids))


def _introductions_sql(ids: Sequence[int] | None) -> tuple[str, list[int]]:
    where, params = "", []
    if ids is not None:
        marks = ",".join("?" * len(ids))
        where = f" WHERE i.contact_a IN ({marks}) OR i.contact_b IN ({marks})"
        params = list(ids) * 2
    return f"""SELECT i.id, i.uid, a.uid AS a, a.name AS a_name, b.uid AS b, b.name AS b_name, i.date,
                     i.note, i.outcome, i.outcome_on, i.created_at, i.result, i.asked_first
                FROM introductions i JOIN contacts a ON a.id = i.contact_a
                JOIN contacts b ON b.id = i.contact_b{where}
               ORDER BY i.date, i.id""", params


def iter_introductions(book: Book, *, ids: Sequence[int] | None = None) -> Iterator[dict[str, Any]]:
    """Introductions oldest first with both sides' uids and names."""
    for row in book.conn.execute(*_introductions_sql(ids)):
        item = dict(row)
        if "asked_first" in item:
            item["asked_first"] = bool(item["asked_first"])
        yield item


def introduction_tuples(
    book: Book, *, ids: Sequence[int] | None = None
) -> tuple[list[str], Iterator[tuple]]:
    """`iter_introductions` as (column names, plain tuples; asked_first as stored)."""
    return _tuples(book, *_introductions_sql(ids))


def _follow_ups_sql(ids: Sequence[int] | None) -> tuple[str, list[int]]:
    where, params = _contact_filter("f.contact_id", ids)
    return f"""SELECT f.id, f.uid, c.uid AS contact, c.name AS contact_name, f.due, f.note, f.recurrence,
                     f.anchor, f.status, f.snoozed_until, f.done_on, f.created_at
                FROM follow_ups f JOIN contacts c ON c.id = f.contact_id{where}
               ORDER BY f.due, f.id""", params


def iter_follow_ups(book: Book, *, ids: Sequence[int] | None = None) -> Iterator[dict[str, Any]]:
    """Follow-ups by due date with the contact's uid and name."""
    for row in book.conn.execute(*_follow_ups_sql(ids)):
        yield dict(row)


def follow_up_tuples(
    book: Book, *, ids: Sequence[int] | None = None
) -> tuple[list[str], Iterator[tuple]]:
    """`iter_follow_ups` as (column names, plain tuples): for the JSON export."""
    return _tuples(book, *_follow_ups_sql(ids))


def record_lines(
    book: Book, sql: str, params: Sequence[object], *, order: str, bools: Sequence[str] = ()
) -> Iterator[list[bytes]]:
    """The rows of `sql` as JSON records keyed by its column names, in the layout of
    Python's encoder, written by SQLite (json_segments) as UTF-8 bytes — not checked:
    another tool may have stored bytes that are not UTF-8 — ordered by `order` (columns
    of `sql`), in lists of up to _BATCH. Only for columns whose values json_quote writes
    as Python does: text, integers, NULL (a REAL may differ in its digits)."""
    keys = [d[0] for d in book.conn.execute(f"SELECT * FROM ({sql}) LIMIT 0", params).description]
    record = json_segments(keys, "q.", bools=bools)[0] + " || '}'"
    batches = _byte_batches(book.conn, f"SELECT {record} FROM ({sql}) q ORDER BY {order}", params)
    try:
        for batch in batches:
            yield [line for (line,) in batch]
    finally:
        batches.close()


def _byte_batches(
    conn: sqlite3.Connection, sql: str, params: Sequence[object]
) -> Iterator[list[tuple]]:
    """The rows of `sql` as lists of up to _BATCH plain tuples, text as the UTF-8 bytes
    stored (not checked): a generator step per row was ~0.1 s of the JSON export at 100k.
    The connection reads bytes only while the driver converts rows: in execute() (the
    first row) and fetchmany() (the batch and the row after it)."""
    cursor = conn.cursor()
    cursor.row_factory = None
    lenient = conn.text_factory
    try:
        conn.text_factory = bytes
        try:
            cursor.execute(sql, params)
            rows = cursor.fetchmany(_BATCH)
        finally:
            conn.text_factory = lenient
        while rows:
            yield rows
            conn.text_factory = bytes
            try:
                rows = cursor.fetchmany(_BATCH)
            finally:
                conn.text_factory = lenient
    finally:
        cursor.close()


def favour_lines(
    book: Book, *, ids: Sequence[int] | None = None
) -> Iterator[list[bytes]] | None:
    """`iter_favours` as `record_lines`; None when a weight is not an integer (another
    tool's), which only Python's encoder writes as the export always did."""
    if book.conn.execute("SELECT 1 FROM favours WHERE typeof(weight) <> 'integer' LIMIT 1").fetchone():
        return None
    return record_lines(book, *_favours_sql(ids), order="q.date, q.id")


def introduction_lines(book: Book, *, ids: Sequence[int] | None = None) -> Iterator[list[bytes]]:
    """`iter_introductions` as `record_lines` (asked_first true/false)."""
    return record_lines(book, *_introductions_sql(ids), order="q.date, q.id", bools=("asked_first",))


def follow_up_lines(book: Book, *, ids: Sequence[int] | None = None) -> Iterator[list[bytes]]:
    """`iter_follow_ups` as `record_lines`."""
    return record_lines(book, *_follow_ups_sql(ids), order="q.due, q.id")


def iter_contact_cells(book: Book, *, list_separator: str) -> Iterator[tuple[str, ...]]:
    """Every contact (archived too, not the trash) as flat text cells in kontakt CSV order,
    name order — lists joined by SQLite, no Contact objects: exporting 100k people through
    Contact objects took 5 s."""

    def joined(column: str) -> str:
        # A list without escapes ('["a", "b"]', the common case) is joined by string
        # surgery; anything with a backslash goes through json_each.
        return (f"CASE WHEN {column} = '[]' THEN '' "
                f"WHEN instr({column}, char(92)) = 0 THEN replace(replace("
                f"substr({column}, 3, length({column}) - 4), '\", \"', :separator), "
                f"'\",\"', :separator) "
                f"ELSE coalesce((SELECT group_concat(value, :separator) FROM "
                f"(SELECT value FROM json_each({column}) ORDER BY key)), '') END")

    columns = [
        "name", "nickname", joined("emails"), joined("phones"), "org", "role", "location", "met",
        "coalesce(birthday, '')", joined("tags"), "notes", "coalesce(cadence, '')",
        "CASE archived WHEN 1 THEN 'true' ELSE 'false' END", "uid", "created_at", "updated_at",
        "coalesce(last_contact, '')", "coalesce(next_due, '')", "details", "coalesce(channel, '')",
    ]
    sql = (f"SELECT {', '.join(columns)} FROM contacts "
           "WHERE deleted_at IS NULL ORDER BY sort_key, id")
    for row in book.conn.execute(sql, {"separator": list_separator}):
        # Addresses, URLs, labels (domain/cards.py): '{}' for almost everyone.
        yield (*row[:-2], *detail_cells(row[-2], list_separator), row[-1])
