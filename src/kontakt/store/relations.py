"""Links between people and each person's journal, as functions over a Book.

Both tables hang on contacts: every read here joins on `deleted_at IS NULL`, so a contact
in the trash hides their links and journal and a restore shows them again; emptying the
trash deletes them with the contact (ON DELETE CASCADE). Every public write is one
transaction through `Book.write()`, so `kontakt undo` takes it back.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from ..domain.relations import (
    JournalEntry,
    RelationError,
    Relationship,
    check_relation_kind,
    seen_from_b,
)
from . import history
from .book import NotFound, _now, _text

if TYPE_CHECKING:
    from .book import Book

MAX_NOTE = 20_000


# ---------------------------------------------------------------------- links


def relationships_for(book: Book, contact_id: int) -> list[Relationship]:
    """Everyone `contact_id` is linked to (people in the trash left out), by name."""
    rows = book.conn.execute(
        """SELECT r.id, r.kind, r.contact_a, r.contact_b, c.id AS with_id, c.name AS with_name
             FROM relationships r JOIN contacts c
               ON c.id = CASE WHEN r.contact_a = :me THEN r.contact_b ELSE r.contact_a END
            WHERE (r.contact_a = :me OR r.contact_b = :me) AND c.deleted_at IS NULL
              AND EXISTS (SELECT 1 FROM contacts m WHERE m.id = :me AND m.deleted_at IS NULL)
            ORDER BY c.sort_key, c.id, r.id""",
        {"me": contact_id},
    )
    return [
        Relationship(
            id=row["id"], contact_id=contact_id, with_id=row["with_id"], with_name=row["with_name"],
            kind=row["kind"] if row["contact_a"] == contact_id else seen_from_b(row["kind"]),
        )
        for row in rows
    ]


def _link_row(book: Book, a: int, b: int, kind: str):
    return book.conn.execute(
        """SELECT id FROM relationships
            WHERE ((contact_a = ? AND contact_b = ?) OR (contact_a = ? AND contact_b = ?))
              AND kind = ? COLLATE NOCASE""",
        (a, b, b, a, kind),
    ).fetchone()


def link(book: Book, a: int, b: int, kind: str) -> tuple[Relationship, bool]:
    """Link `a` to `b` as `kind` (from a's side); returns (the link as a sees it, made now).

    Linking the same two people the same way again changes nothing (made now is False).
    Raises NotFound for a missing person, RelationError for a bad kind or a == b.
    """
    kind = check_relation_kind(kind)
    if a == b:
        raise RelationError("someone cannot be linked to themselves")
    with book.write():
        name_a, name_b = book.get_contact(a).name, book.get_contact(b).name
        history.name(book.conn, f"link {name_a} and {name_b} ({kind})")
        row = _link_row(book, a, b, kind)
        made = row is None
        if made:
            link_id = book.conn.execute(
                "INSERT INTO relationships (contact_a, contact_b, kind, created_at) VALUES (?, ?, ?, ?)",
                (a, b, kind, _now()),
            ).lastrowid
        else:
            link_id = row["id"]
        found = next(r for r in relationships_for(book, a) if r.id == link_id)
        return found, made


def unlink(book: Book, a: int, b: int, kind: str | None = None) -> list[Relationship]:
    """Remove the links between `a` and `b` (only those of `kind` when given); returns them
    as a saw them. Raises NotFound when there is none."""
    if a == b:
        raise RelationError("someone cannot be linked to themselves")
    with book.write():
        name_a, name_b = book.get_contact(a).name, book.get_contact(b).name
        history.name(book.conn, f"unlink {name_a} and {name_b}")
        gone = [r for r in relationships_for(book, a) if r.with_id == b]
        if kind is not None:
            wanted = check_relation_kind(kind)
            gone = [r for r in gone if wanted.casefold() in (r.kind.casefold(), _stored_kind(book, r.id).casefold())]
        if not gone:
            what = f" as {kind!r}" if kind else ""
            raise NotFound(f"no link between #{a} and #{b}{what}")
        book.conn.executemany("DELETE FROM relationships WHERE id = ?", [(r.id,) for r in gone])
        return gone


def _stored_kind(book: Book, link_id: int) -> str:
    row = book.conn.execute("SELECT kind FROM relationships WHERE id = ?", (link_id,)).fetchone()
    return row["kind"] if row else ""


# ---------------------------------------------------------------------- journal


def _entry(row) -> JournalEntry:
    return JournalEntry(id=row["id"], contact_id=row["contact_id"],
                        date=date.fromisoformat(row["date"]), text=row["text"])


def _note_text(text: str | None) -> str:
    value = _text(text)
    if not value:
        raise RelationError("a journal note needs some text")
    if len(value) > MAX_NOTE:
        raise RelationError(f"a journal note is at most {MAX_NOTE} characters")
    return value


def journal_for(book: Book, contact_id: int) -> list[JournalEntry]:
    """A person's journal, newest day first (the later-written first within a day)."""
    rows = book.conn.execute(
        """SELECT j.* FROM journal j JOIN contacts c ON c.id = j.contact_id
            WHERE j.contact_id = ? AND c.deleted_at IS NULL ORDER BY j.date DESC, j.id DESC""",
        (contact_id,),
    )
    return [_entry(row) for row in rows]


def get_note(book: Book, note_id: int) -> JournalEntry:
    """The journal entry with this id; NotFound if none (or its person is in the trash)."""
    row = book.conn.execute(
        """SELECT j.* FROM journal j JOIN contacts c ON c.id = j.contact_id
            WHERE j.id = ? AND c.deleted_at IS NULL""",
        (note_id,),
    ).fetchone()
    if row is None:
        raise NotFound(f"no journal note #{note_id}")
    return _entry(row)


def add_note(book: Book, contact_id: int, text: str, *, on: date) -> JournalEntry:
    """Add a dated journal entry about someone; raises NotFound or RelationError."""
    value = _note_text(text)
    with book.write():
        history.name(book.conn, f"journal note for {book.get_contact(contact_id).name}")
        stamp = _now()
        note_id = book.conn.execute(
            "INSERT INTO journal (contact_id, date, text, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
            (contact_id, on.isoformat(), value, stamp, stamp),
        ).lastrowid
        return get_note(book, note_id)


def edit_note(book: Book, note_id: int, *, text: str | None = None, on: date | None = None) -> JournalEntry:
    """Change a journal entry's text or day (None leaves it); raises NotFound or RelationError."""
    columns: dict[str, object] = {}
    if text is not None:
        columns["text"] = _note_text(text)
    if on is not None:
        columns["date"] = on.isoformat()
    with book.write():
        get_note(book, note_id)
        history.name(book.conn, f"edit journal note:{note_id}")
        if columns:
            columns["updated_at"] = _now()
            sets = ", ".join(f"{name} = ?" for name in columns)
            book.conn.execute(f"UPDATE journal SET {sets} WHERE id = ?", (*columns.values(), note_id))
        return get_note(book, note_id)


def delete_note(book: Book, note_id: int) -> JournalEntry:
    """Delete a journal entry (kontakt undo brings it back); returns it as it was."""
    with book.write():
        entry = get_note(book, note_id)
        history.name(book.conn, f"delete journal note:{note_id}")
        book.conn.execute("DELETE FROM journal WHERE id = ?", (note_id,))
        return entry


# ---------------------------------------------------------------------- whole-book JSON


def relationship_rows(book: Book, ids: Sequence[int] | None = None) -> list[dict]:
    """Every link as stored (people in the trash too), people by uid, for an export; with
    `ids`, the links between two of those people (a link to someone left out of the file
    could not be imported from it)."""
    where, params = "", ()
    if ids is not None:
        chosen = json.dumps(list(ids))
        where = ("WHERE r.contact_a IN (SELECT value FROM json_each(?)) "
                 "AND r.contact_b IN (SELECT value FROM json_each(?))")
        params = (chosen, chosen)
    return [dict(row) for row in book.conn.execute(
        f"""SELECT r.id, a.uid AS a, b.uid AS b, r.kind, r.created_at FROM relationships r
              JOIN contacts a ON a.id = r.contact_a JOIN contacts b ON b.id = r.contact_b
             {where} ORDER BY r.id""", params)]


def journal_rows(book: Book, ids: Sequence[int] | None = None) -> list[dict]:
    """Every journal entry as stored, its person by uid, for an export (with `ids`, those
    people's entries)."""
    where, params = "", ()
    if ids is not None:
        where, params = "WHERE j.contact_id IN (SELECT value FROM json_each(?))", (json.dumps(list(ids)),)
    return [dict(row) for row in book.conn.execute(
        f"""SELECT j.id, c.uid AS contact, j.date, j.text, j.created_at, j.updated_at
              FROM journal j JOIN contacts c ON c.id = j.contact_id {where} ORDER BY j.id""", params)]


def _taken(book: Book, table: str, row_id: int) -> bool:
    return book.conn.execute(f"SELECT 1 FROM {table} WHERE id = ?", (row_id,)).fetchone() is not None


def insert_relationships(book: Book, rows: list[tuple]) -> int:
    """(id or None, contact_a, contact_b, kind, created_at) rows from an import, inside its
    transaction; a link the book already has is skipped. Returns how many were added."""
    added = 0
    for link_id, a, b, kind, created_at in rows:
        if a == b or _link_row(book, a, b, kind) is not None:
            continue
        link_id = None if link_id is not None and _taken(book, "relationships", link_id) else link_id
        book.conn.execute(
            "INSERT INTO relationships (id, contact_a, contact_b, kind, created_at) VALUES (?, ?, ?, ?, ?)",
            (link_id, a, b, kind, created_at),
        )
        added += 1
    return added


def insert_journal(book: Book, rows: list[tuple]) -> int:
    """(id or None, contact_id, date, text, created_at, updated_at) rows from an import; an
    entry the book already has (same person, day and text) is skipped. Returns how many."""
    added = 0
    for note_id, contact_id, day, text, created_at, updated_at in rows:
        text = _text(text)  # as add_note keeps it: no control characters
        if not text:
            continue
        if book.conn.execute(
            "SELECT 1 FROM journal WHERE contact_id = ? AND date = ? AND text = ?", (contact_id, day, text)
        ).fetchone():
            continue
        note_id = None if note_id is not None and _taken(book, "journal", note_id) else note_id
        book.conn.execute(
            "INSERT INTO journal (id, contact_id, date, text, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
            (note_id, contact_id, day, text, created_at, updated_at),
        )
        added += 1
    return added


__all__ = [
    "add_note", "delete_note", "edit_note", "get_note", "insert_journal", "insert_relationships",
    "journal_for", "journal_rows", "link",
    "relationship_rows", "relationships_for", "unlink",
]
