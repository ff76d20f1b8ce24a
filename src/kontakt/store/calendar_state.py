"""What the calendar folder sync needs from the book: follow-ups with their state, and the
memory of what kontakt last wrote into each folder (m011's `calendar_sync_items`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from .driver import sqlite3

if TYPE_CHECKING:
    from .book import Book

_ACTIVE = "c.archived = 0 AND c.deleted_at IS NULL"


@dataclass(frozen=True)
class SyncedItem:
    """One object kontakt wrote into a calendar folder, as it was when written."""

    uid: str            # the iCalendar UID
    file: str           # its file name in the folder
    kind: str           # follow-up, birthday, keep-in-touch
    ref: str            # the follow-up's or the contact's uid
    content_hash: str   # hash of what kontakt rendered (without the time stamps)
    file_hash: str      # hash of the bytes kontakt wrote


def follow_up_rows(book: Book, *, done_since: date, done_uids: set[str] | None = None) -> list[sqlite3.Row]:
    """Open follow-ups of active contacts, and the ones done on or after `done_since`
    (only those whose uid is in `done_uids`, when given), due order."""
    rows = book.conn.execute(
        f"""SELECT f.id, f.uid, f.due, f.snoozed_until, f.note, f.recurrence, f.status, f.done_on,
                   c.name, c.uid AS contact_uid
              FROM follow_ups f JOIN contacts c ON c.id = f.contact_id
             WHERE {_ACTIVE} AND (f.status = 'open' OR (f.status = 'done' AND f.done_on >= ?))
             ORDER BY f.due, f.id""",
        (done_since.isoformat(),),
    ).fetchall()
    if done_uids is None:
        return rows
    return [r for r in rows if r["status"] == "open" or r["uid"] in done_uids]


def follow_up_by_uid(book: Book, uid: str) -> sqlite3.Row | None:
    """The follow-up with this uid (any status) if its contact is active, else None."""
    return book.conn.execute(
        f"""SELECT f.id, f.uid, f.status FROM follow_ups f JOIN contacts c ON c.id = f.contact_id
             WHERE f.uid = ? AND {_ACTIVE}""",
        (uid,),
    ).fetchone()


def synced_items(book: Book, folder: str) -> dict[str, SyncedItem]:
    """What kontakt wrote into `folder` (an absolute path), by UID."""
    rows = book.conn.execute(
        "SELECT uid, file, kind, ref, content_hash, file_hash FROM calendar_sync_items WHERE folder = ?",
        (folder,),
    )
    return {row["uid"]: SyncedItem(*row) for row in rows}


def remember(book: Book, folder: str, item: SyncedItem, *, at: str) -> None:
    book.conn.execute(
        """INSERT INTO calendar_sync_items (folder, uid, file, kind, ref, content_hash, file_hash, synced_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (folder, uid) DO UPDATE SET file = excluded.file, kind = excluded.kind,
               ref = excluded.ref, content_hash = excluded.content_hash,
               file_hash = excluded.file_hash, synced_at = excluded.synced_at""",
        (folder, item.uid, item.file, item.kind, item.ref, item.content_hash, item.file_hash, at),
    )


def forget(book: Book, folder: str, uid: str) -> None:
    book.conn.execute("DELETE FROM calendar_sync_items WHERE folder = ? AND uid = ?", (folder, uid))


def forget_folder(book: Book, folder: str) -> None:
    """Forget everything kontakt wrote into `folder` (it holds none of it any more)."""
    book.conn.execute("DELETE FROM calendar_sync_items WHERE folder = ?", (folder,))
