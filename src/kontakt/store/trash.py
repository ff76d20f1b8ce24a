"""Emptying the trash for real: the rows go, and so does their text in the file.

`Book.trash_contact` only hides a contact (soft delete, restorable). This module is the
one place that deletes contacts for good; it overwrites the freed space (secure_delete),
merges the search index so no old tokens linger, and truncates the WAL afterwards.
"""

from __future__ import annotations

from .. import clock
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .book import Book


@dataclass(frozen=True)
class EmptiedTrash:
    """What `empty_trash` removed, and whether the text is gone from the file already."""

    contacts: int
    interactions: int
    # False when another connection kept the WAL busy: the old text leaves the file
    # once that connection closes (the next checkpoint), not right now.
    wal_truncated: bool
    # Trashed interactions, favours, follow-ups, introductions and circles deleted for good.
    records: int = 0


def trash_candidates(
    book: Book, older_than: timedelta | None = None, *, now: datetime | None = None
) -> list[int]:
    """Ids of trashed contacts deleted at least `older_than` ago (all of them for None)."""
    now = now or clock.now()
    rows = book.conn.execute(
        "SELECT id, deleted_at FROM contacts WHERE deleted_at IS NOT NULL ORDER BY id"
    ).fetchall()
    chosen = []
    for contact_id, deleted_at in rows:
        if older_than is None:
            chosen.append(contact_id)
            continue
        when = datetime.fromisoformat(deleted_at)
        if when.tzinfo is None:  # written by hand or an old tool: read it as local time
            when = when.astimezone()
        if now - when >= older_than:
            chosen.append(contact_id)
    return chosen


def empty_trash(
    book: Book, older_than: timedelta | None = None, *, now: datetime | None = None
) -> EmptiedTrash:
    """Delete trashed contacts for good (those trashed at least `older_than` ago, or all).

    Their favours, follow-ups, introductions, circle memberships and interaction links
    go with them (foreign keys cascade); interactions left with nobody are deleted too.
    Trashed records (interactions, favours, … deleted on their own) of that age go too,
    and so do those whose people were just deleted. Returns what was removed. One transaction: a crash leaves the trash as it was.
    """
    from .records import purge_records, record_candidates

    conn = book.conn
    ids = trash_candidates(book, older_than, now=now)
    record_ids = record_candidates(book, older_than, now=now)
    if not ids and not record_ids:
        return EmptiedTrash(0, 0, wal_truncated=True)
    previous = conn.execute("PRAGMA secure_delete").fetchone()[0]
    # Freed pages are overwritten with zeros, so the notes do not survive as free space.
    conn.execute("PRAGMA secure_delete = ON")
    try:
        # Not an undo step, and the end of the history: it holds the text being purged,
        # and its older steps could not be replayed over deleted rows.
        with book.write(record=False):
            if book._recording:
                from .history import forget

                forget(conn)
            conn.execute("CREATE TEMP TABLE IF NOT EXISTS kontakt_purge (id INTEGER PRIMARY KEY)")
            conn.execute("DELETE FROM temp.kontakt_purge")
            conn.executemany("INSERT INTO temp.kontakt_purge (id) VALUES (?)", [(i,) for i in ids])
            orphan_candidates = [
                row[0] for row in conn.execute(
                    "SELECT DISTINCT interaction_id FROM interaction_contacts "
                    "WHERE contact_id IN (SELECT id FROM temp.kontakt_purge)"
                )
            ]
            from .sync_cards import keep_merged_owners

            keep_merged_owners(book, "temp.kontakt_purge")  # the merge record goes with them
            deleted = conn.execute(
                "DELETE FROM contacts WHERE deleted_at IS NOT NULL "
                "AND id IN (SELECT id FROM temp.kontakt_purge)"
            ).rowcount
            orphans = 0
            for start in range(0, len(orphan_candidates), 500):
                chunk = orphan_candidates[start : start + 500]
                marks = ",".join("?" * len(chunk))
                orphans += conn.execute(
                    f"""DELETE FROM interactions WHERE id IN ({marks})
                          AND NOT EXISTS (SELECT 1 FROM interaction_contacts x
                                           WHERE x.interaction_id = interactions.id)""",
                    chunk,
                ).rowcount
            records = purge_records(book, record_ids)
            from .capture import forget_gone_people

            forget_gone_people(conn)  # capture's proposals about the people just purged
            # FTS5 keeps deleted tokens in old segments until they merge: merge them all now.
            conn.execute("INSERT INTO contacts_fts (contacts_fts) VALUES ('optimize')")
            # The REF index (m017) holds their names' and emails' trigrams the same way.
            conn.execute("INSERT INTO contacts_fts_ref (contacts_fts_ref) VALUES ('optimize')")
            conn.execute("DELETE FROM temp.kontakt_purge")
        # secure_delete zeroes freed pages, but a page FTS5 rewrites can keep the old
        # tokens in its unused tail (seen on SQLite 3.53); VACUUM rewrites every page.
        # Emptying the trash is rare, so its cost (seconds at 100k people) is acceptable.
        conn.execute("VACUUM")
    finally:
        conn.execute(f"PRAGMA secure_delete = {int(previous)}")
    return EmptiedTrash(deleted, orphans, wal_truncated=checkpoint(book), records=records)


def checkpoint(book: Book) -> bool:
    """Copy the WAL into the book and truncate it; False if another reader kept it busy."""
    busy, log_frames, done = book.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    return busy == 0 and log_frames in (0, done)


__all__ = ["EmptiedTrash", "checkpoint", "empty_trash", "trash_candidates"]
