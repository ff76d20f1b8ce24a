"""Duplicates in the store: the rows detection reads, dismissed pairs, and merges with undo.

A merge moves every row attached to the other contact onto the kept one, updates the kept
contact's fields, puts the other in the trash (`deleted_at`) and writes a merge record
holding what moved (row ids per table) and the kept contact's columns before and after.
`undo_merge` reads that record and moves everything back, in one transaction.

The rules for *which* values win live in `services/dupes/merging.py`; this module only moves rows.
"""

from __future__ import annotations

from .. import clock
import json
from .driver import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from ..domain import fold
from ..jsontext import loads_stored
from .book import NotFound
from .values import MergeError  # noqa: F401 (defined there, raised and re-exported here)
from .values import email_key, phone_key, tag_key
from . import cadence_circles
from .migrations import CONTACT_COLUMNS, refresh_sort_keys

if TYPE_CHECKING:
    from .book import Book

# Columns of `contacts` an undo may put back. `id` and `uid` never change in a merge, and
# `deleted_at` of the kept contact is the user's business after the merge (trash, restore).
_RESTORABLE = (
    "name", "sort_key", "nickname", "emails", "phones", "org", "role", "location", "met",
    "birthday", "tags", "notes", "cadence", "archived", "created_at", "updated_at",
    "last_contact", "next_due", "channel", "details",
)
_MATERIALISED = ("last_contact", "next_due")
# List columns: what the merge added is taken out again even when the list changed since
# (a later merge into the same person, an address added by hand); what makes two values
# the same one, as the book compares them.
_LIST_KEYS = {"emails": email_key, "phones": phone_key, "tags": tag_key}


def _now() -> str:
    return clock.now().isoformat(timespec="seconds")


# ---------------------------------------------------------------- detection input


@dataclass(frozen=True, slots=True)
class PersonRow:
    """The fields detection compares, straight from the table (lists already decoded)."""

    id: int
    name: str
    nickname: str
    emails: tuple[str, ...]
    phones: tuple[str, ...]
    org: str
    tags: tuple[str, ...]
    birthday: str | None


def people(book: Book) -> list[PersonRow]:
    """Every contact not in the trash (archived ones too: an archived duplicate is still one)."""
    rows = book.conn.execute(
        "SELECT id, name, nickname, emails, phones, org, tags, birthday FROM contacts "
        "WHERE deleted_at IS NULL ORDER BY id"
    )
    def loads(text: str) -> tuple[str, ...]:
        return () if text == "[]" else tuple(loads_stored(text))

    return [
        PersonRow(r[0], r[1], r[2], loads(r[3]), loads(r[4]), r[5], loads(r[6]), r[7])
        for r in rows
    ]


# ---------------------------------------------------------------- dismissed pairs


def _ordered(a: int, b: int) -> tuple[int, int]:
    if a == b:
        raise MergeError("a contact is always the same person as itself")
    return (a, b) if a < b else (b, a)


def dismissed_pairs(book: Book) -> set[tuple[int, int]]:
    """Pairs (lower id, higher id) the user said are not the same person."""
    return {
        (row[0], row[1])
        for row in book.conn.execute("SELECT contact_low, contact_high FROM dismissed_pairs")
    }


def dismiss_pair(book: Book, a: int, b: int) -> bool:
    """Remember that contacts `a` and `b` are different people; False if already known."""
    low, high = _ordered(a, b)
    with book.write():
        book.get_contact(low)
        book.get_contact(high)
        cursor = book.conn.execute(
            "INSERT OR IGNORE INTO dismissed_pairs (contact_low, contact_high, dismissed_at) "
            "VALUES (?, ?, ?)",
            (low, high, _now()),
        )
    return cursor.rowcount > 0


def undismiss_pair(book: Book, a: int, b: int) -> bool:
    """Forget a dismissal (an undo for "not the same"); False if there was none."""
    low, high = _ordered(a, b)
    with book.write():
        cursor = book.conn.execute(
            "DELETE FROM dismissed_pairs WHERE contact_low = ? AND contact_high = ?", (low, high)
        )
    return cursor.rowcount > 0


# ---------------------------------------------------------------- what hangs on a contact


@dataclass(frozen=True)
class Attached:
    """Rows of the other contact that a merge moves, by id.

    `shared_interactions` had both contacts: the other's participant row is dropped so the
    interaction ends up with one. `introductions_between` introduced the two to each other:
    after a merge that would introduce a person to themselves, so those rows are removed
    (kept whole here, so an undo can put them back).
    """

    interactions: tuple[int, ...] = ()
    shared_interactions: tuple[int, ...] = ()
    favours: tuple[int, ...] = ()
    follow_ups: tuple[int, ...] = ()
    introductions_a: tuple[int, ...] = ()
    introductions_b: tuple[int, ...] = ()
    introductions_between: tuple[dict[str, Any], ...] = ()
    # People the user said the other is not: the kept contact is not them either.
    dismissals: tuple[int, ...] = ()
    # Journal notes and links (store/relations.py); a link between the two would link a
    # person to themselves: removed, kept whole here for an undo.
    journal: tuple[int, ...] = ()
    links_a: tuple[int, ...] = ()
    links_b: tuple[int, ...] = ()
    links_between: tuple[dict[str, Any], ...] = ()

    def counts(self) -> dict[str, int]:
        return {
            "interactions": len(self.interactions) + len(self.shared_interactions),
            "favours": len(self.favours),
            "introductions": len(self.introductions_a) + len(self.introductions_b),
            "follow_ups": len(self.follow_ups),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "interactions": list(self.interactions),
            "shared_interactions": list(self.shared_interactions),
            "favours": list(self.favours),
            "follow_ups": list(self.follow_ups),
            "introductions_a": list(self.introductions_a),
            "introductions_b": list(self.introductions_b),
            "introductions_between": list(self.introductions_between),
            "dismissals": list(self.dismissals),
            "journal": list(self.journal),
            "links_a": list(self.links_a),
            "links_b": list(self.links_b),
            "links_between": list(self.links_between),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Attached:
        return cls(
            interactions=tuple(data.get("interactions", ())),
            shared_interactions=tuple(data.get("shared_interactions", ())),
            favours=tuple(data.get("favours", ())),
            follow_ups=tuple(data.get("follow_ups", ())),
            introductions_a=tuple(data.get("introductions_a", ())),
            introductions_b=tuple(data.get("introductions_b", ())),
            introductions_between=tuple(data.get("introductions_between", ())),
            dismissals=tuple(data.get("dismissals", ())),
            journal=tuple(data.get("journal", ())),
            links_a=tuple(data.get("links_a", ())),
            links_b=tuple(data.get("links_b", ())),
            links_between=tuple(data.get("links_between", ())),
        )


def _ids(conn: sqlite3.Connection, sql: str, params: tuple | dict) -> tuple[int, ...]:
    return tuple(row[0] for row in conn.execute(sql, params))


def attached(book: Book, kept_id: int, other_id: int) -> Attached:
    """What a merge of `other_id` into `kept_id` would move (read only)."""
    conn = book.conn
    between = [
        {key: row[key] for key in row.keys()}
        for row in conn.execute(
            """SELECT * FROM introductions
                WHERE (contact_a = ? AND contact_b = ?) OR (contact_a = ? AND contact_b = ?)
                ORDER BY id""",
            (kept_id, other_id, other_id, kept_id),
        )
    ]
    return Attached(
        interactions=_ids(
            conn,
            """SELECT interaction_id FROM interaction_contacts x WHERE contact_id = ?
                 AND NOT EXISTS (SELECT 1 FROM interaction_contacts y
                                  WHERE y.interaction_id = x.interaction_id AND y.contact_id = ?)
               ORDER BY interaction_id""",
            (other_id, kept_id),
        ),
        shared_interactions=_ids(
            conn,
            """SELECT x.interaction_id FROM interaction_contacts x
                 JOIN interaction_contacts y ON y.interaction_id = x.interaction_id
                WHERE x.contact_id = ? AND y.contact_id = ? ORDER BY x.interaction_id""",
            (other_id, kept_id),
        ),
        favours=_ids(conn, "SELECT id FROM favours WHERE contact_id = ? ORDER BY id", (other_id,)),
        follow_ups=_ids(
            conn, "SELECT id FROM follow_ups WHERE contact_id = ? ORDER BY id", (other_id,)
        ),
        introductions_a=_ids(
            conn,
            "SELECT id FROM introductions WHERE contact_a = ? AND contact_b <> ? ORDER BY id",
            (other_id, kept_id),
        ),
        introductions_b=_ids(
            conn,
            "SELECT id FROM introductions WHERE contact_b = ? AND contact_a <> ? ORDER BY id",
            (other_id, kept_id),
        ),
        introductions_between=tuple(between),
        dismissals=_ids(
            conn,
            """SELECT z FROM (SELECT CASE WHEN contact_low = :o THEN contact_high
                                          ELSE contact_low END AS z
                                FROM dismissed_pairs WHERE :o IN (contact_low, contact_high))
                WHERE z <> :k AND NOT EXISTS (
                      SELECT 1 FROM dismissed_pairs
                       WHERE contact_low = min(z, :k) AND contact_high = max(z, :k))
                ORDER BY z""",
            {"o": other_id, "k": kept_id},
        ),
        journal=_ids(conn, "SELECT id FROM journal WHERE contact_id = ? ORDER BY id", (other_id,)),
        links_a=_ids(conn, "SELECT id FROM relationships WHERE contact_a = ? AND contact_b <> ? ORDER BY id",
                     (other_id, kept_id)),
        links_b=_ids(conn, "SELECT id FROM relationships WHERE contact_b = ? AND contact_a <> ? ORDER BY id",
                     (other_id, kept_id)),
        links_between=tuple(
            {key: row[key] for key in row.keys()}
            for row in conn.execute(
                """SELECT * FROM relationships
                    WHERE (contact_a = ? AND contact_b = ?) OR (contact_a = ? AND contact_b = ?) ORDER BY id""",
                (kept_id, other_id, other_id, kept_id),
            )
        ),
    )


def _row(conn: sqlite3.Connection, contact_id: int) -> dict[str, Any]:
    row = conn.execute(f"SELECT {CONTACT_COLUMNS} FROM contacts WHERE id = ?", (contact_id,)).fetchone()
    if row is None:
        raise NotFound(f"no contact #{contact_id}")
    return {key: row[key] for key in row.keys()}


# ---------------------------------------------------------------- merge


def apply_merge(
    book: Book,
    kept_id: int,
    other_id: int,
    changes: Mapping[str, Any],
    *,
    today: date,
    created_at: str | None = None,
) -> int:
    """Merge `other_id` into `kept_id` and return the merge record's id.

    `changes` are `Book.update_contact` fields for the kept contact (the service decides
    them); `created_at` moves the kept contact's "in the book since" if given. One
    transaction: on any error nothing has changed. Raises NotFound for a missing or
    trashed contact and MergeError for a contact merged with itself.
    """
    if kept_id == other_id:
        raise MergeError("cannot merge a contact with itself")
    conn = book.conn
    with book.write():
        book.get_contact(kept_id)
        book.get_contact(other_id)
        before = _row(conn, kept_id)
        moved = attached(book, kept_id, other_id)
        if changes:
            book.update_contact(kept_id, today=today, **changes)
        if created_at is not None and created_at != before["created_at"]:
            conn.execute("UPDATE contacts SET created_at = ? WHERE id = ?", (created_at, kept_id))
        _move(conn, moved, source=other_id, target=kept_id)
        _repoint_proposals(conn, source=other_id, target=kept_id)
        conn.execute(
            "UPDATE contacts SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL",
            (_now(), other_id),
        )
        book._refresh_due([kept_id], today)
        after = _row(conn, kept_id)
        cursor = conn.execute(
            """INSERT INTO merges (kept_id, other_id, merged_at, kept_before, kept_after, moved)
               VALUES (?, ?, ?, ?, ?, ?)""",
            (
                kept_id, other_id, _now(),
                json.dumps(before, ensure_ascii=False),
                json.dumps(after, ensure_ascii=False),
                json.dumps(moved.to_json(), ensure_ascii=False),
            ),
        )
    return cursor.lastrowid


def _repoint_proposals(conn: sqlite3.Connection, *, source: int, target: int) -> None:
    """Waiting capture proposals that name `source` name `target` instead: they would wait
    for someone in the trash (accepting one said so, and a new scan skips it as known)."""
    rows = conn.execute(
        """SELECT id, contact_ids FROM capture_proposals WHERE status = 'pending'
             AND EXISTS (SELECT 1 FROM json_each(contact_ids) WHERE value = ?)""", (source,)
    ).fetchall()
    for proposal_id, ids in rows:
        people = list(dict.fromkeys(target if i == source else i for i in json.loads(ids)))
        conn.execute("UPDATE capture_proposals SET contact_ids = ? WHERE id = ?",
                     (json.dumps(people), proposal_id))


def _move(conn: sqlite3.Connection, moved: Attached, *, source: int, target: int) -> None:
    """Re-point the rows of `moved` from `source` to `target` (the merge direction)."""
    conn.executemany(
        "UPDATE interaction_contacts SET contact_id = ? WHERE interaction_id = ? AND contact_id = ?",
        [(target, iid, source) for iid in moved.interactions],
    )
    conn.executemany(
        "DELETE FROM interaction_contacts WHERE interaction_id = ? AND contact_id = ?",
        [(iid, source) for iid in moved.shared_interactions],
    )
    conn.executemany(
        "UPDATE favours SET contact_id = ? WHERE id = ? AND contact_id = ?",
        [(target, fid, source) for fid in moved.favours],
    )
    conn.executemany(
        "UPDATE follow_ups SET contact_id = ? WHERE id = ? AND contact_id = ?",
        [(target, fid, source) for fid in moved.follow_ups],
    )
    conn.executemany(
        "UPDATE introductions SET contact_a = ? WHERE id = ? AND contact_a = ?",
        [(target, iid, source) for iid in moved.introductions_a],
    )
    conn.executemany(
        "UPDATE introductions SET contact_b = ? WHERE id = ? AND contact_b = ?",
        [(target, iid, source) for iid in moved.introductions_b],
    )
    conn.executemany(
        "DELETE FROM introductions WHERE id = ?",
        [(row["id"],) for row in moved.introductions_between],
    )
    conn.executemany(
        "UPDATE journal SET contact_id = ? WHERE id = ? AND contact_id = ?",
        [(target, jid, source) for jid in moved.journal],
    )
    conn.executemany(
        "UPDATE relationships SET contact_a = ? WHERE id = ? AND contact_a = ?",
        [(target, lid, source) for lid in moved.links_a],
    )
    conn.executemany(
        "UPDATE relationships SET contact_b = ? WHERE id = ? AND contact_b = ?",
        [(target, lid, source) for lid in moved.links_b],
    )
    conn.executemany("DELETE FROM relationships WHERE id = ?", [(row["id"],) for row in moved.links_between])
    now = _now()
    conn.executemany(
        "INSERT OR IGNORE INTO dismissed_pairs (contact_low, contact_high, dismissed_at) "
        "VALUES (?, ?, ?)",
        [(min(z, target), max(z, target), now) for z in moved.dismissals],
    )


# ---------------------------------------------------------------- merge records and undo


@dataclass(frozen=True)
class MergeRecord:
    """One merge that can still be undone."""

    id: int
    kept_id: int
    other_id: int
    merged_at: datetime
    kept_name: str
    other_name: str
    kept_before: dict[str, Any] = field(repr=False)
    kept_after: dict[str, Any] = field(repr=False)
    moved: Attached = field(repr=False)


_RECORD_SQL = """SELECT m.*, k.name AS kept_name, o.name AS other_name FROM merges m
                   JOIN contacts k ON k.id = m.kept_id JOIN contacts o ON o.id = m.other_id"""


def _record(row: sqlite3.Row) -> MergeRecord:
    return MergeRecord(
        id=row["id"],
        kept_id=row["kept_id"],
        other_id=row["other_id"],
        merged_at=datetime.fromisoformat(row["merged_at"]),
        kept_name=row["kept_name"],
        other_name=row["other_name"],
        kept_before=json.loads(row["kept_before"]),
        kept_after=json.loads(row["kept_after"]),
        moved=Attached.from_json(json.loads(row["moved"])),
    )


def get_merge(book: Book, merge_id: int) -> MergeRecord:
    """The merge record `merge_id`; raises NotFound if there is none (undone or purged)."""
    row = book.conn.execute(f"{_RECORD_SQL} WHERE m.id = ?", (merge_id,)).fetchone()
    if row is None:
        raise NotFound(f"no merge #{merge_id} to undo")
    return _record(row)


def merges(book: Book) -> list[MergeRecord]:
    """Every merge that can be undone, newest first."""
    return [_record(row) for row in book.conn.execute(f"{_RECORD_SQL} ORDER BY m.id DESC")]


def merge_of(book: Book, other_id: int) -> MergeRecord | None:
    """The merge that put contact `other_id` in the trash, if it was merged away."""
    row = book.conn.execute(
        f"{_RECORD_SQL} WHERE m.other_id = ? ORDER BY m.id DESC LIMIT 1", (other_id,)
    ).fetchone()
    return _record(row) if row else None


def find_merges(book: Book, ref: str) -> list[MergeRecord]:
    """Merges whose merged-away contact is `ref`: its id, or a fragment of its name or email."""
    ref = ref.strip()
    key = fold(ref)
    digits = ref.lstrip("#")
    # As Book.find: "²" is a digit int() cannot read, and SQLite integers stop below 2**63.
    if digits.isascii() and digits.isdigit() and int(digits) < 2**63:
        record = merge_of(book, int(digits))
        if record is not None:
            return [record]
    if not key:
        return []
    rows = book.conn.execute(
        f"""{_RECORD_SQL} WHERE instr(o.sort_key, ?) > 0 OR instr(lower(o.emails), ?) > 0
            ORDER BY m.id DESC""",
        (key, key),
    )
    return [_record(row) for row in rows]


@dataclass(frozen=True)
class Undone:
    """What `undo_merge` did. `kept_changes` names fields of the kept contact edited after
    the merge: those keep their newer value instead of going back."""

    merge_id: int
    kept_id: int
    other_id: int
    moved_back: dict[str, int]
    kept_changes: tuple[str, ...]


def undo_merge(book: Book, merge_id: int, *, today: date) -> Undone:
    """Undo merge `merge_id`: rows back to the other contact, the kept contact's fields as
    they were (unless edited since), the other out of the trash. One transaction.

    Raises NotFound for no such merge, MergeError when a later merge into a third contact
    took the kept contact away (undo that one first).
    """
    conn = book.conn
    with book.write():
        record = get_merge(book, merge_id)
        later = conn.execute(
            "SELECT id FROM merges WHERE other_id = ? AND id > ? ORDER BY id DESC LIMIT 1",
            (record.kept_id, record.id),
        ).fetchone()
        if later is not None:
            raise MergeError(
                f"{record.kept_name} (#{record.kept_id}) was itself merged later (merge "
                f"#{later[0]}); undo that merge first: kontakt unmerge {record.kept_id}"
            )
        kept, other, moved = record.kept_id, record.other_id, record.moved
        counts = {
            "interactions": _back(
                conn,
                "UPDATE interaction_contacts SET contact_id = ? "
                "WHERE interaction_id = ? AND contact_id = ?",
                [(other, iid, kept) for iid in moved.interactions],
            ),
            "favours": _back(
                conn, "UPDATE favours SET contact_id = ? WHERE id = ? AND contact_id = ?",
                [(other, fid, kept) for fid in moved.favours],
            ),
            "follow_ups": _back(
                conn, "UPDATE follow_ups SET contact_id = ? WHERE id = ? AND contact_id = ?",
                [(other, fid, kept) for fid in moved.follow_ups],
            ),
            "introductions": _back(
                conn, "UPDATE introductions SET contact_a = ? WHERE id = ? AND contact_a = ?",
                [(other, iid, kept) for iid in moved.introductions_a],
            ) + _back(
                conn, "UPDATE introductions SET contact_b = ? WHERE id = ? AND contact_b = ?",
                [(other, iid, kept) for iid in moved.introductions_b],
            ),
        }
        # Group interactions that had both: the other takes part again (if it still exists).
        counts["interactions"] += _back(
            conn,
            "INSERT OR IGNORE INTO interaction_contacts (interaction_id, contact_id) "
            "SELECT id, ? FROM interactions WHERE id = ?",
            [(other, iid) for iid in moved.shared_interactions],
        )
        for row in moved.introductions_between:
            counts["introductions"] += _reinsert_introduction(conn, row)
        # Journal notes and links go back too (not counted: the counts name the history).
        _back(conn, "UPDATE journal SET contact_id = ? WHERE id = ? AND contact_id = ?",
              [(other, jid, kept) for jid in moved.journal])
        _back(conn, "UPDATE relationships SET contact_a = ? WHERE id = ? AND contact_a = ?",
              [(other, lid, kept) for lid in moved.links_a])
        _back(conn, "UPDATE relationships SET contact_b = ? WHERE id = ? AND contact_b = ?",
              [(other, lid, kept) for lid in moved.links_b])
        for row in moved.links_between:
            _reinsert_row(conn, "relationships", row)
        conn.executemany(
            "DELETE FROM dismissed_pairs WHERE contact_low = ? AND contact_high = ?",
            [(min(z, kept), max(z, kept)) for z in moved.dismissals],
        )
        kept_changes = _restore_kept(book, record, today=today)
        conn.execute("UPDATE contacts SET deleted_at = NULL WHERE id = ?", (other,))
        conn.execute("DELETE FROM merges WHERE id = ?", (record.id,))
    return Undone(record.id, kept, other, counts, kept_changes)


def _back(conn: sqlite3.Connection, sql: str, params: list[tuple]) -> int:
    total = 0
    for p in params:
        total += conn.execute(sql, p).rowcount
    return total


def _reinsert_row(conn: sqlite3.Connection, table: str, row: Mapping[str, Any]) -> None:
    """Put a removed row back; under a new id if its old one was reused meanwhile."""
    if conn.execute(f"SELECT 1 FROM {table} WHERE id = ?", (row["id"],)).fetchone():
        row = {k: v for k, v in row.items() if k != "id"}
    conn.execute(f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                 tuple(row.values()))


def _reinsert_introduction(conn: sqlite3.Connection, row: Mapping[str, Any]) -> int:
    """Put back an introduction between the two; under a new id if its old one was reused."""
    if conn.execute("SELECT 1 FROM introductions WHERE id = ?", (row["id"],)).fetchone():
        row = {k: v for k, v in row.items() if k != "id"}
    columns = ", ".join(row)
    marks = ", ".join("?" * len(row))
    conn.execute(f"INSERT INTO introductions ({columns}) VALUES ({marks})", tuple(row.values()))
    return 1


def _without_merged(column: str, before: str, after: str | None, current: str | None) -> str | None:
    """The list as it is now without the values the merge brought (those in `after`, the
    list the merge wrote, and not in `before`): a later merge's or a later edit's values
    stay. None when that changes nothing."""
    key = _LIST_KEYS[column]
    try:
        had = {key(v) for v in loads_stored(before)}
        brought = {key(v) for v in loads_stored(after or "[]")} - had
        now = loads_stored(current or "[]")
    except (TypeError, ValueError):
        return None
    kept = [v for v in now if key(v) not in brought]
    return json.dumps(kept, ensure_ascii=False) if kept != now else None


def _restore_kept(book: Book, record: MergeRecord, *, today: date) -> tuple[str, ...]:
    """Put the kept contact's columns back, except those edited after the merge."""
    conn = book.conn
    current = _row(conn, record.kept_id)
    before, after = record.kept_before, record.kept_after
    restore: dict[str, Any] = {}
    edited: list[str] = []
    for column in _RESTORABLE:
        if column not in before:
            continue
        if current.get(column) == after.get(column):
            if current.get(column) != before[column]:
                restore[column] = before[column]
        elif column in _LIST_KEYS:
            restore_list = _without_merged(column, before[column], after.get(column), current.get(column))
            if restore_list is not None:
                restore[column] = restore_list
        elif column not in _MATERIALISED and column not in ("updated_at", "sort_key"):
            edited.append(column)
    if "tags" in restore:
        # Memberships follow the tags column: set them back through the book's own path.
        book._set_tags(record.kept_id, json.loads(restore.pop("tags")))
    if restore:
        assignments = ", ".join(f"{column} = ?" for column in restore)
        conn.execute(
            f"UPDATE contacts SET {assignments} WHERE id = ?",
            (*restore.values(), record.kept_id),
        )
        if "sort_key" in restore:  # a key kept from before m020 is made as fold() makes it now
            refresh_sort_keys(conn, [record.kept_id])
    stale = any(current.get(c) != after.get(c) for c in _MATERIALISED)
    if stale or edited:
        book._refresh_due([record.kept_id], today)
    else:  # next_due came back as it was; the applying circle follows the circles put back
        cadence_circles.refresh(conn, [record.kept_id])
    return tuple(edited)


__all__ = [
    "Attached", "MergeError", "MergeRecord", "PersonRow", "Undone", "apply_merge", "attached",
    "dismiss_pair", "dismissed_pairs", "find_merges", "get_merge", "merge_of", "merges",
    "people", "undismiss_pair", "undo_merge",
]
