"""A book SQLite cannot read: the app leaves with the CLI's one line, never a traceback."""

from __future__ import annotations

import os

import pytest
from tui_helpers import TODAY, make_app

from kontakt.store import Book, BookError
from kontakt.store.driver import sqlite3
from kontakt.tui.app import run_app


def _damaged_book(path) -> Book:
    with Book.open(path) as book:
        with book.write():
            for n in range(400):
                book.add_contact(f"Person {n:03}", today=TODAY, notes="words " * 40)
        book.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        pages = book.conn.execute("PRAGMA page_count").fetchone()[0]
        page_size = book.conn.execute("PRAGMA page_size").fetchone()[0]
    # No connection is open in this process now, so writing the file directly is safe.
    fd = os.open(path, os.O_WRONLY)
    try:
        for page in range(pages // 2, pages):  # the later half: rows, not the schema
            os.pwrite(fd, b"\xde\xad" * (page_size // 2), page * page_size + 0)
    finally:
        os.close(fd)
    return Book.open(path)


async def test_a_damaged_book_closes_the_app_with_the_restore_hint(tmp_path):
    book = _damaged_book(tmp_path / "book.db")
    try:
        app = make_app(book)
        async with app.run_test(size=(100, 30)):
            pass  # the first paint reads the damaged rows
        assert app.return_code == 1
        assert app.book_problem is not None
        assert "is damaged or unreadable" in app.book_problem
        assert "kontakt restore-backup" in app.book_problem
    finally:
        book.close()


def test_run_app_turns_the_problem_into_the_clis_error(tmp_path, monkeypatch):
    book = _damaged_book(tmp_path / "book.db")
    from kontakt.tui import app as app_module

    def run_headless(self):
        import asyncio

        async def go():
            async with self.run_test(size=(100, 30)):
                pass

        asyncio.run(go())

    monkeypatch.setattr(app_module.KontaktApp, "run", run_headless)
    try:
        with pytest.raises(BookError, match="restore-backup"):
            run_app(book, today=TODAY, config=None)
    finally:
        book.close()


def test_the_damage_is_real(tmp_path):
    book = _damaged_book(tmp_path / "book.db")
    try:
        with pytest.raises(sqlite3.DatabaseError):
            book.conn.execute("SELECT count(*), max(notes) FROM contacts").fetchone()
    finally:
        book.close()
