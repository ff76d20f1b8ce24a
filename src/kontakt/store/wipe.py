"""Emptying a book in place (the demo refills its own this way)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .book import Book

# The search index follows `contacts` through its triggers; SQLite keeps its own tables.
_SKIP = ("sqlite_%", "contacts_fts%")


def wipe(book: Book) -> int:
    """Delete every row of every kontakt table inside the caller's transaction.

    A book file that another kontakt may have open is emptied through SQLite, never
    unlinked: deleting the file (and its -wal/-shm) under a live connection loses that
    process's writes and can corrupt the new file. Returns how many tables were emptied.
    """
    conn = book.conn
    tables = [
        row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE ? AND name NOT LIKE ? ORDER BY name", _SKIP,
        )
    ]
    # Emptying the book is not an undo step (the history tables are emptied with the rest).
    if getattr(book, "_recording", False):
        from .history import pause

        pause(conn)
    # Foreign keys are checked at commit, when every table is empty: order does not matter.
    conn.execute("PRAGMA defer_foreign_keys = ON")
    for table in tables:
        conn.execute(f'DELETE FROM "{table}"')
    return len(tables)


__all__ = ["wipe"]
