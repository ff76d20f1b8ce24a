"""Datasette and sqlite-utils find the search index: `detect_fts()` and `sqlite-utils search`.

They run in a child process: sqlite-utils uses Python's own sqlite3, and two SQLite libraries
in one process do not share locks (the house rule), so the book is closed first.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

from kontakt.store import Book
from kontakt.store.migrations import MIGRATIONS, m012_fts_content_quoted

AS_OF = date(2026, 11, 23)

CHILD = """
import json, sys
import sqlite_utils
db = sqlite_utils.Database(sys.argv[1])
table = db["contacts"]
fts = table.detect_fts()
hits = [row["name"] for row in table.search("muller", columns=["name"])] if fts else None
print(json.dumps({"fts": fts, "hits": hits}))
"""


def declaration(book: Book) -> str:
    return book.conn.execute("SELECT sql FROM sqlite_master WHERE name = 'contacts_fts'").fetchone()[0]


def seen_by_sqlite_utils(path: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True,
                          timeout=60, check=True)
    return json.loads(done.stdout)


def make_old_book(path: Path) -> None:
    """A book as the migrations before m012 left it: `content=contacts`, unquoted."""
    with Book.open(path) as book:
        book.add_contact("Jürgen Müller", today=AS_OF)
        book.add_contact("Olga Berg", today=AS_OF)
        old = declaration(book).replace('content="contacts"', "content=contacts")
        assert old != declaration(book)
        with book.conn:
            book.conn.execute("DROP TABLE contacts_fts")
            book.conn.execute(old)
            book.conn.execute("INSERT INTO contacts_fts (contacts_fts) VALUES ('rebuild')")
            book.conn.execute(f"PRAGMA user_version = {MIGRATIONS.index(m012_fts_content_quoted)}")


def test_an_old_book_is_migrated_so_sqlite_utils_finds_and_searches_the_index(tmp_path):
    path = tmp_path / "old.db"
    make_old_book(path)
    assert seen_by_sqlite_utils(path)["fts"] is None  # the bug: invisible before the migration

    with Book.open(path) as book:
        assert 'content="contacts"' in declaration(book)
        assert "prefix='1 2'" in declaration(book)  # the rest of the declaration is kept
        # kontakt's own search still works through the rebuilt index and the old triggers
        assert [c.name for c in book.search("muller")] == ["Jürgen Müller"]
        book.add_contact("Anna Müller", today=AS_OF)
        assert sorted(c.name for c in book.search("muller")) == ["Anna Müller", "Jürgen Müller"]
        book.conn.execute("INSERT INTO contacts_fts (contacts_fts, rank) VALUES ('integrity-check', 1)")

    seen = seen_by_sqlite_utils(path)
    assert seen["fts"] == "contacts_fts"
    assert sorted(seen["hits"]) == ["Anna Müller", "Jürgen Müller"]


def test_sqlite_utils_search_command_works_on_a_fresh_book(tmp_path):
    path = tmp_path / "fresh.db"
    with Book.open(path) as book:
        assert 'content="contacts"' in declaration(book)
        book.add_contact("Søren O'Connor", today=AS_OF)
        book.add_contact("Olga Berg", today=AS_OF)
    done = subprocess.run(
        [sys.executable, "-m", "sqlite_utils", "search", str(path), "contacts", "oconnor",
         "-c", "name", "--json-cols"],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert [row["name"] for row in json.loads(done.stdout)] == ["Søren O'Connor"]
