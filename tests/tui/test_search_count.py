"""Typing a search counts its matches only up to a point; the exact count follows when typing
pauses, or at once when the end of the list is asked for. And the detail pane is redrawn
only when the highlighted person or the book changed."""

from __future__ import annotations

import pytest
from textual.widgets import Static

from kontakt.store import Book
from kontakt.tui.widgets import contact_list
from kontakt.tui.widgets.contact_list import ContactList
from tui_helpers import TODAY, make_app, static_text

CAP = 5


@pytest.fixture
def book(tmp_path, monkeypatch):
    monkeypatch.setattr(contact_list, "COUNT_AT_KEYSTROKE", CAP)
    book = Book.open(tmp_path / "book.db")
    for n in range(12):
        book.add_contact(f"Anna Example{n:02d}", today=TODAY, notes=f"note {n}")
    book.add_contact("Bert Other", today=TODAY)
    archived = book.add_contact("Anna Archived", today=TODAY)
    book.archive(archived)
    trashed = book.add_contact("Anna Trashed", today=TODAY)
    book.trash_contact(trashed)
    yield book
    book.close()


def search(app, text: str) -> None:
    """What the search box does after its debounce: `text` typed, the filter applied."""
    app.screen.search_box.value = text
    app.screen.apply_filter()


def status(app) -> str:
    return static_text(app.screen.query_one("#list-status", Static))


async def test_a_long_result_says_more_than_then_the_exact_count(book):
    app = make_app(book)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        contacts = app.screen.query_one(ContactList)
        search(app, "anna")
        assert not contacts.count_is_exact and contacts.count == CAP + 1
        assert status(app).startswith(f"more than {CAP} contacts  matching anna")
        await pilot.pause(contact_list.EXACT_COUNT_AFTER + 0.3)
        # Archived and trashed Annas are not in the active list's count.
        assert contacts.count_is_exact and contacts.count == 12
        assert status(app).startswith("12 contacts  matching anna")
        # A short result is exact at once.
        search(app, "bert")
        assert contacts.count_is_exact and contacts.count == 1
        assert status(app).startswith("1 contact  matching bert")


async def test_the_end_of_a_long_result_is_the_real_end(book):
    app = make_app(book)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        contacts = app.screen.query_one(ContactList)
        search(app, "anna")
        assert not contacts.count_is_exact
        contacts.focus()
        await pilot.press("end")  # before the pause would have counted
        assert contacts.count_is_exact and contacts.count == 12
        assert contacts.cursor == 11
        assert contacts.highlighted.name == "Anna Example11"
        await pilot.pause()
        assert status(app).startswith("12 contacts  matching anna")


async def test_scrolling_past_more_than_counts_the_rest(book):
    app = make_app(book)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        contacts = app.screen.query_one(ContactList)
        search(app, "anna")
        assert contacts.row(CAP + 3)[0].name == f"Anna Example{CAP + 3:02d}"
        assert contacts.count_is_exact and contacts.count == 12


async def test_the_detail_is_redrawn_only_when_something_changed(book, tmp_path):
    app = make_app(book)
    # Only the keys redraw here: the live refresh (which also redraws after another
    # process's write) could fire during a pause on a loaded machine and draw a second time.
    app.check_for_changes = lambda: None
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        detail = app.screen.detail
        shows = []
        original = detail.show
        detail.show = lambda *args, **kwargs: (shows.append(args[1]), original(*args, **kwargs))
        for typed in ("a", "an", "ann"):
            search(app, typed)
            await pilot.pause()
        # Anna Example00 was highlighted from the start, and each key found her first again.
        assert shows == []
        assert app.screen.contacts.highlighted.name == "Anna Example00"
        # Another process changes her notes: the next key redraws her with them.
        with Book.open(book.path) as other:
            first = other.find("Anna Example00")
            with other.write("edit"):
                other.conn.execute("UPDATE contacts SET notes = 'changed elsewhere' WHERE id = ?",
                                   (first.id,))
        search(app, "anna")
        await pilot.pause()
        assert [c.name for c in shows] == ["Anna Example00"]
        notes = static_text(app.screen.query_one("#detail-notes", Static))
        assert "changed elsewhere" in notes
        # Someone else highlighted: drawn.
        search(app, "bert")
        await pilot.pause()
        assert [c.name for c in shows] == ["Anna Example00", "Bert Other"]
        assert "Bert Other" in static_text(app.screen.query_one("#detail-card", Static))


async def test_the_opened_app_is_kept_out_of_full_collections_while_it_runs(book):
    import gc

    app = make_app(book)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        # Painted: the opened app's objects are out of the collector's full passes.
        assert gc.isenabled() and gc.get_freeze_count() > 0
    assert gc.isenabled() and gc.get_freeze_count() == 0  # and all of it collectable after


async def test_the_whole_list_is_counted_exactly_from_the_start(book):
    """Only a search is counted up to a point: the plain list (an index count) is exact."""
    assert book.count_contacts_upto(CAP) == (13, True)
    assert book.count_contacts_upto(CAP, query="anna") == (CAP + 1, False)
    assert book.count_contacts_upto(CAP, query="bert") == (1, True)
    assert book.count_contacts_upto(CAP, query="anna", archived=True) == (1, True)
    app = make_app(book)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        contacts = app.screen.query_one(ContactList)
        assert contacts.count_is_exact and contacts.count == 13
        assert status(app).startswith("13 contacts")
