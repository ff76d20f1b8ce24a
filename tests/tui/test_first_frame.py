"""What the app does (and leaves undone) while it draws its first frame, and what it keeps.

The numbers live in benchmarks/run.py (first frame ≤ 1.3× an empty book's, ≤ 60 MiB at 100k
people); these tests hold the mechanisms those numbers rest on.
"""

from __future__ import annotations

import gc

from kontakt.tui import background
from kontakt.tui.app import APP_PAGE_CACHE_KIB, FULL_COLLECTION_EVERY
from kontakt.tui.screens import main as main_screen
from kontakt.tui.widgets.detail import ContactDetail

from tui_helpers import TODAY, make_app


def _twins(book) -> None:
    book.add_contact("Jürgen Müller", today=TODAY, phones=["+49 170 1234567"])
    book.add_contact("Juergen Mueller", today=TODAY, phones=["0170 1234567"])


def _status(app) -> str:
    return str(app.screen.query_one("#list-status").visual)


async def test_an_unchanged_books_kept_duplicate_count_needs_no_worker(book, monkeypatch):
    _twins(book)
    pairs = background.count_duplicates_cached(book.path)  # counted once and kept
    assert pairs >= 1
    started: list[str] = []
    monkeypatch.setattr(main_screen, "count_duplicates", lambda path: started.append(path) or 0)
    app = make_app(book)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "possible duplicate" in _status(app)
        assert started == []  # read on the app's connection: no thread, no second connection


async def test_a_changed_book_is_counted_again_in_a_worker(book, monkeypatch):
    _twins(book)
    background.count_duplicates_cached(book.path)
    book.add_contact("Jürgen Mueller", today=TODAY, phones=["+49 170 1234567"])  # a third
    started: list[str] = []

    def counted(path):
        started.append(path)
        return 3

    monkeypatch.setattr(main_screen, "count_duplicates", counted)
    app = make_app(book)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert started == [book.path]
        assert "3 possible duplicates" in _status(app)


async def test_the_detail_pane_is_drawn_once_for_the_first_frame_and_again_on_resize(book, monkeypatch):
    drawn: list[int] = []
    real = ContactDetail.show

    def show(self, *args, **kwargs):
        real(self, *args, **kwargs)
        drawn.append(self.scrollable_content_region.width)

    monkeypatch.setattr(ContactDetail, "show", show)
    app = make_app(book)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert len(drawn) == 1  # the first layout's resize found it drawn at this width
        await pilot.resize_terminal(160, 40)
        await pilot.pause()
        assert len(drawn) == 2 and drawn[-1] > drawn[0]  # a new width: wrapped again


async def test_the_app_keeps_a_small_page_cache_and_freezes_what_lives_long(book):
    before = gc.get_threshold()
    app = make_app(book)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert book.conn.execute("PRAGMA cache_size").fetchone()[0] == -APP_PAGE_CACHE_KIB
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[2] == FULL_COLLECTION_EVERY != before[2]
    assert gc.get_freeze_count() == 0  # the app's own cycles can be collected after it
    assert gc.get_threshold() == before



def test_the_other_screens_and_services_load_when_first_opened():
    """Importing the app leaves the forms, Today, stats, duplicates and prep screens and the
    services behind them for later (~3 MiB of the app's memory at start)."""
    import subprocess
    import sys

    later = ["kontakt.tui.screens.forms", "kontakt.tui.screens.today", "kontakt.tui.screens.stats",
             "kontakt.tui.screens.dupes", "kontakt.tui.screens.prep", "kontakt.services.review",
             "kontakt.services.stats", "kontakt.services.dupes", "kontakt.store.merge"]
    probe = ("import sys, kontakt.tui.app, kontakt.tui.screens.main; "
             f"print(' '.join(m for m in {later!r} if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert loaded.stdout.split() == []
