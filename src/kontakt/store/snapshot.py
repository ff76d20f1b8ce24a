"""Reads and writes for a whole-book JSON export and its restore: the rows the other
modules never hand out whole (review state, dismissed pairs, merge records, settings) and
inserts that keep the ids the rows had, so a restored book is the same book.

The inserts run inside the caller's `book.write()` transaction, like `bulk.BulkWriter`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from ..jsontext import loads_stored
from .book import _now, _text
from .migrations import CONTACT_COLUMNS

if TYPE_CHECKING:
    from .book import Book

# Settings that describe this file on this machine, not the user's data: never exported,
# never imported. `backup.last_day` is when *this* file was last copied to *this* machine's
# backup folder (restoring it would skip tomorrow's backup of the new file); `demo` marks a
# file that `kontakt demo` may overwrite — carried into a real book by a restore, it would
# let `kontakt demo --db` wipe it.
PER_MACHINE_SETTINGS = frozenset({"backup.last_day", "demo"})

# Which table a review-state row's ref_id points into, by item kind (services/review.py):
# follow-up, thank and intro-check hang on their own row, the other kinds on the contact.
REVIEW_REF_TABLES = {
    "follow-up": "follow_ups",
    "thank": "favours",
    "intro-check": "introductions",
    "keep-in-touch": "contacts",
    "birthday": "contacts",
    "drifting": "contacts",
    "let-drift": "contacts",  # the opt-out from every cadence; offered_on: the day it began
    "cadence": "contacts",  # a cadence suggested in the review: offered, snoozed, skipped
    "give-back": "contacts",
}

# Tables of the full-text index: derived from contacts, rebuilt by triggers.
_DERIVED_PREFIX = "contacts_fts"


def _in(column: str, ids: Sequence[int] | None) -> tuple[str, list[int]]:
    if ids is None:
        return "1", []
    return f"{column} IN ({','.join('?' * len(ids))})", list(ids)


# ---------------------------------------------------------------------- reads


def user_tables(book: Book) -> list[str]:
    """Every table that holds the user's data: all of sqlite_master's tables except the
    search index (derived) and SQLite's own."""
    rows = book.conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name"
    )
    # The undo history (store/history.py) is about this file's past, not the user's data;
    # sync_cards is what this file last agreed with a folder on this machine (services/sync).
    return [r[0] for r in rows
            if not r[0].startswith(_DERIVED_PREFIX)
            and r[0] not in ("undo_steps", "undo_log", "sync_cards")]


def is_empty(book: Book) -> bool:
    """True when the book holds nothing of the user's: no row in any table, and no setting
    but the per-machine ones (a fresh file may already have noted its backup day)."""
    for table in user_tables(book):
        if table == "settings":
            marks = ",".join("?" * len(PER_MACHINE_SETTINGS))
            sql = f"SELECT 1 FROM settings WHERE key NOT IN ({marks}) LIMIT 1"
            if book.conn.execute(sql, sorted(PER_MACHINE_SETTINGS)).fetchone():
                return False
        elif book.conn.execute(f'SELECT 1 FROM "{table}" LIMIT 1').fetchone():
            return False
    return True


def contact_rows(
    book: Book, *, include_deleted: bool = False, ids: Sequence[int] | None = None
) -> Iterator[dict[str, Any]]:
    """Contacts as stored (stamps as written, lists decoded), name order, one cursor."""
    where, params = _in("id", ids)
    if not include_deleted:
        where += " AND deleted_at IS NULL"
    sql = f"SELECT {CONTACT_COLUMNS} FROM contacts WHERE {where} ORDER BY sort_key, id"
    for row in book.conn.execute(sql, params):
        item = dict(row)
        for key in ("emails", "phones", "tags"):
            item[key] = loads_stored(item[key])
        item["archived"] = bool(item["archived"])
        yield item


def contact_tuples(
    book: Book, columns: Sequence[str], *, include_deleted: bool = False,
    ids: Sequence[int] | None = None,
) -> Iterator[tuple]:
    """`contact_rows` as plain tuples of the chosen columns, nothing decoded (the JSON
    export writes stored list columns verbatim when they are already canonical)."""
    known = {c.strip() for c in CONTACT_COLUMNS.split(",")}
    if not set(columns) <= known:
        raise ValueError(f"not contact columns: {sorted(set(columns) - known)}")
    where, params = _in("id", ids)
    if not include_deleted:
        where += " AND deleted_at IS NULL"
    cursor = book.conn.cursor()
    cursor.row_factory = None
    yield from cursor.execute(
        f"SELECT {', '.join(columns)} FROM contacts WHERE {where} ORDER BY sort_key, id", params
    )


def review_state_rows(book: Book, *, ids: Sequence[int] | None = None) -> list[dict[str, Any]]:
    """Review state with the contact's uid and the uid of what `ref_id` points at (None
    when that row is gone: state outlives a deleted favour or introduction)."""
    where, params = _in("s.contact_id", ids)
    ref_uid = " ".join(
        f"WHEN '{kind}' THEN (SELECT uid FROM {table} WHERE id = s.ref_id)"
        for kind, table in REVIEW_REF_TABLES.items()
    )
    rows = book.conn.execute(
        f"""SELECT s.kind, s.ref_id, CASE s.kind {ref_uid} END AS ref, c.uid AS contact,
                   s.snoozed_until, s.skipped_on, s.offered_on
              FROM review_state s JOIN contacts c ON c.id = s.contact_id
             WHERE {where} ORDER BY s.kind, s.ref_id""",
        params,
    )
    return [dict(row) for row in rows]


def dismissed_pair_rows(book: Book, *, ids: Sequence[int] | None = None) -> list[dict[str, Any]]:
    """Pairs said to be different people, by both uids; with `ids`, only pairs of two of them."""
    where, params = _in("d.contact_low", ids)
    where_high, params_high = _in("d.contact_high", ids)
    rows = book.conn.execute(
        f"""SELECT a.uid AS a, b.uid AS b, d.dismissed_at FROM dismissed_pairs d
              JOIN contacts a ON a.id = d.contact_low JOIN contacts b ON b.id = d.contact_high
             WHERE {where} AND {where_high} ORDER BY d.contact_low, d.contact_high""",
        params + params_high,
    )
    return [dict(row) for row in rows]


def merge_rows(book: Book) -> list[dict[str, Any]]:
    """Merge records, oldest first, with both contacts' uids and the JSON columns decoded."""
    rows = book.conn.execute(
        """SELECT m.id, k.uid AS kept, o.uid AS other, m.merged_at, m.kept_before,
                  m.kept_after, m.moved
             FROM merges m JOIN contacts k ON k.id = m.kept_id JOIN contacts o ON o.id = m.other_id
            ORDER BY m.id"""
    )
    out = []
    for row in rows:
        item = dict(row)
        for key in ("kept_before", "kept_after", "moved"):
            item[key] = json.loads(item[key])
        out.append(item)
    return out


def user_settings(book: Book) -> dict[str, str]:
    """Settings that are the user's data (PER_MACHINE_SETTINGS left out), by key."""
    rows = book.conn.execute("SELECT key, value FROM settings ORDER BY key")
    return {key: value for key, value in rows if key not in PER_MACHINE_SETTINGS}


def uid_ids(book: Book, table: str) -> dict[str, int]:
    """uid → id of every row of a table with uids."""
    if table not in ("contacts", "interactions", "favours", "introductions", "follow_ups"):
        raise ValueError(f"no uid table {table!r}")
    return {row[0]: row[1] for row in book.conn.execute(f"SELECT uid, id FROM {table}")}


# ---------------------------------------------------------------------- writes
# Each takes rows already checked by the importer; an id of None lets SQLite pick one.


def insert_interactions(book: Book, rows: Sequence[tuple]) -> int:
    """(id|None, uid, date, kind, note, created_at, contact_ids, reached_out, thanks) rows;
    returns how many."""
    conn = book.conn
    next_id = conn.execute("SELECT coalesce(max(id), 0) FROM interactions").fetchone()[0] + 1
    taken = {row[0] for row in rows if row[0] is not None}
    records, links = [], []
    for interaction_id, uid, day, kind, note, created_at, contact_ids, reached_out, thanks in rows:
        if interaction_id is None:
            while next_id in taken:
                next_id += 1
            interaction_id, next_id = next_id, next_id + 1
        records.append((interaction_id, uid, day, kind, _text(note), created_at or _now(),
                        reached_out, int(thanks)))
        links.extend((interaction_id, cid) for cid in dict.fromkeys(contact_ids))
    conn.executemany(
        "INSERT INTO interactions (id, uid, date, kind, note, created_at, reached_out, thanks) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        records,
    )
    conn.executemany(
        "INSERT INTO interaction_contacts (interaction_id, contact_id) VALUES (?, ?)", links
    )
    return len(records)


def insert_favours(book: Book, rows: Sequence[tuple]) -> int:
    """(id|None, uid, contact_id, direction, description, kind, weight, date, status,
    created_at, updated_at, thanked_on) rows."""
    now = _now()
    book.conn.executemany(
        """INSERT INTO favours (id, uid, contact_id, direction, description, kind, weight, date,
               status, created_at, updated_at, thanked_on)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [(*r[:4], _text(r[4]), *r[5:9], r[9] or now, r[10] or now, r[11]) for r in rows],
    )
    return len(rows)


def insert_introductions(book: Book, rows: Sequence[tuple]) -> int:
    """(id|None, uid, contact_a, contact_b, date, note, outcome, outcome_on, created_at,
    result, asked_first) rows."""
    now = _now()
    book.conn.executemany(
        """INSERT INTO introductions (id, uid, contact_a, contact_b, date, note, outcome,
               outcome_on, created_at, result, asked_first)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [(*r[:5], _text(r[5]), _text(r[6]), r[7], r[8] or now, r[9], int(r[10])) for r in rows],
    )
    return len(rows)


def insert_follow_ups(book: Book, rows: Sequence[tuple]) -> int:
    """(id|None, uid, contact_id, due, note, recurrence, anchor, status, snoozed_until,
    done_on, created_at) rows."""
    now = _now()
    book.conn.executemany(
        """INSERT INTO follow_ups (id, uid, contact_id, due, note, recurrence, anchor, status,
               snoozed_until, done_on, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [(*r[:4], _text(r[4]), *r[5:10], r[10] or now) for r in rows],
    )
    return len(rows)


def set_materialised(book: Book, rows: Sequence[tuple[int, str | None, str | None]]) -> None:
    """(contact_id, last_contact, next_due): the stored values of an exact restore."""
    book.conn.executemany(
        "UPDATE contacts SET last_contact = ?, next_due = ? WHERE id = ?",
        [(last, due, contact_id) for contact_id, last, due in rows],
    )


def insert_review_state(book: Book, rows: Sequence[tuple]) -> int:
    """(kind, ref_id, contact_id, snoozed_until, skipped_on, offered_on) rows; a row already
    there wins (an import fills, never overwrites). Returns how many went in."""
    # rowcount, not total_changes: that one counts the undo history's trigger rows too.
    cursor = book.conn.executemany(
        """INSERT OR IGNORE INTO review_state (kind, ref_id, contact_id, snoozed_until,
               skipped_on, offered_on) VALUES (?, ?, ?, ?, ?, ?)""",
        rows,
    )
    added = cursor.rowcount
    # Someone let drift has no due date (store/contacts.py LET_DRIFT_SQL), in this book too.
    drifted = [(row[1],) for row in rows if row[0] == "let-drift"]
    book.conn.executemany("UPDATE contacts SET next_due = NULL WHERE id = ?", drifted)
    return added


def insert_dismissed_pairs(book: Book, rows: Sequence[tuple[int, int, str]]) -> int:
    """(contact_a, contact_b, dismissed_at) rows in any order; returns how many were new."""
    # rowcount, not total_changes: that one counts the undo history's trigger rows too.
    cursor = book.conn.executemany(
        "INSERT OR IGNORE INTO dismissed_pairs (contact_low, contact_high, dismissed_at) "
        "VALUES (?, ?, ?)",
        [(min(a, b), max(a, b), at) for a, b, at in rows],
    )
    return cursor.rowcount


def insert_merges(book: Book, rows: Sequence[tuple]) -> int:
    """(id, kept_id, other_id, merged_at, kept_before, kept_after, moved) rows, the last three
    as decoded JSON (written back as `store.merge` writes them)."""
    book.conn.executemany(
        """INSERT INTO merges (id, kept_id, other_id, merged_at, kept_before, kept_after, moved)
           VALUES (?, ?, ?, ?, ?, ?, ?)""",
        [(*r[:4], *(json.dumps(x, ensure_ascii=False) for x in r[4:7])) for r in rows],
    )
    return len(rows)


def trashed_record_rows(book: Book) -> list[dict[str, Any]]:
    """Records in the trash (store/records.py), oldest first, their JSON columns decoded.
    They name rows and contacts by id: only an import that keeps ids can take them back."""
    out = []
    for row in book.conn.execute("SELECT * FROM trashed_records ORDER BY id"):
        item = dict(row)
        item["contact_ids"] = json.loads(item["contact_ids"])
        item["data"] = json.loads(item["data"])
        out.append(item)
    return out


def insert_trashed_records(book: Book, rows: Sequence[tuple]) -> int:
    """(id, kind, ref, label, contact_ids, data, deleted_at) rows, the JSON ones decoded."""
    book.conn.executemany(
        """INSERT INTO trashed_records (id, kind, ref, label, contact_ids, data, deleted_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)""",
        [(*r[:4], json.dumps(r[4]), json.dumps(r[5], ensure_ascii=False), r[6]) for r in rows],
    )
    return len(rows)


def fill_settings(book: Book, settings: dict[str, str]) -> int:
    """Add settings the book does not have yet (per-machine ones never); returns how many."""
    rows = [(k, v) for k, v in settings.items() if k not in PER_MACHINE_SETTINGS]
    # rowcount, not total_changes: that one counts the undo history's trigger rows too.
    cursor = book.conn.executemany(
        "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", rows
    )
    return cursor.rowcount
