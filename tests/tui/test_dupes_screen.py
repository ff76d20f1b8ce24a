"""The Duplicates screen: a pair side by side, a side chosen per field, merged or dismissed."""

from __future__ import annotations

from datetime import date

import pytest
from textual.widgets import Static

from kontakt.services.dupes import find_duplicates
from kontakt.store import Book
from kontakt.tui.screens.dupes import DupesScreen, MergeFields
from kontakt.tui.screens.main import MainScreen

from tui_helpers import HOSTILE, TODAY, make_app, screen_text


@pytest.fixture
def twins(book):
    """Jürgen twice: once by hand, once from a phone (national number, another org)."""
    kept = book.add_contact("Jürgen Müller", today=TODAY, org="Müller & Söhne",
                            phones=["+49 170 1234567"], notes="Always first at breakfast.")
    other = book.add_contact("Juergen Mueller", today=TODAY, org="Mueller Haustechnik",
                             phones=["0170 1234567"], location="München")
    book.log_interaction([other], on=date(2026, 6, 1), kind="call", note="Quote for the bathroom",
                         today=TODAY)
    book.add_favour(other, direction="received", description="Sent a plumber", on=date(2026, 6, 2))
    return kept, other


def fields_text(app) -> str:
    return app.screen.query_one(MergeFields).render().plain


async def open_dupes(pilot) -> DupesScreen:
    await pilot.press("D")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    assert isinstance(pilot.app.screen, DupesScreen)
    return pilot.app.screen


def move_to(screen: DupesScreen, field: str) -> None:
    widget = screen.fields_widget
    widget.cursor = [f.field for f in widget.fields].index(field)


async def test_merging_with_a_field_taken_from_the_other_moves_history_and_trashes_the_other(book, twins):
    kept, other = twins
    app = make_app(book)
    async with app.run_test(size=(100, 36)) as pilot:
        screen = await open_dupes(pilot)
        assert screen.candidate.pair == (kept, other)
        assert "pair 1 of" in screen_text(app)
        text = fields_text(app)
        assert "● Müller & Söhne" in text and "○ Mueller Haustechnik" in text
        move_to(screen, "org")
        await pilot.press("right")
        await pilot.pause()
        assert "○ Müller & Söhne" in fields_text(app) and "● Mueller Haustechnik" in fields_text(app)
        assert "→      Mueller Haustechnik" in screen_text(app)  # the detail shows the result
        assert book.get_contact(kept).org == "Müller & Söhne"  # a choice writes nothing
        await pilot.press("m")
        await pilot.pause()
        merged = book.get_contact(kept)
        assert merged.org == "Mueller Haustechnik"
        assert merged.name == "Jürgen Müller" and merged.location == "München"
        assert "Always first at breakfast." in merged.notes
        assert [i.note for i in book.interactions_for(kept)] == ["Quote for the bathroom"]
        assert [f.description for f in book.favours_for(kept)] == ["Sent a plumber"]
        assert other in [c.id for c, _ in book.trashed()]
        assert all(other not in p.pair for p in screen.pairs)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)


async def test_n_remembers_they_are_two_people(book, twins):
    app = make_app(book)
    async with app.run_test(size=(100, 36)) as pilot:
        screen = await open_dupes(pilot)
        shown = len(screen.pairs)
        await pilot.press("n")
        await pilot.pause()
        assert twins not in [c.pair for c in find_duplicates(book)]
        assert twins in [c.pair for c in find_duplicates(book, include_dismissed=True)]
        assert len(screen.pairs) == shown - 1
        assert book.get_contact(twins[1]).name == "Juergen Mueller"  # still there, unmerged


async def test_skip_moves_on_and_a_book_without_pairs_says_so_calmly(tmp_path, twins, book):
    book.add_contact("Anna Mueller", today=TODAY, emails=["ANNA@example.com "])  # a second pair
    app = make_app(book)
    async with app.run_test(size=(100, 36)) as pilot:
        screen = await open_dupes(pilot)
        assert len(screen.pairs) == 2
        first = screen.candidate
        await pilot.press("s")
        await pilot.pause()
        assert screen.candidate != first
        assert "pair 2 of 2" in screen_text(app)
        assert len(find_duplicates(book)) == 2  # skipping writes nothing

    empty = Book.open(tmp_path / "empty.db")
    empty.add_contact("Ada Lovelace", today=TODAY)
    app = make_app(empty)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await open_dupes(pilot)
            assert "No likely duplicates." in screen_text(app)
            await pilot.press("m", "n", "s")  # nothing to act on: nothing happens
            assert isinstance(app.screen, DupesScreen)
            # ...and the footer offers only the way back, not merge, not-the-same or skip.
            offered = {b.binding.action for b in app.active_bindings.values() if b.enabled}
            assert not offered & {"merge", "not_same", "skip", "swap"} and "close" in offered
    finally:
        empty.close()


async def test_the_main_screen_hints_quietly_when_duplicates_exist(book, twins):
    app = make_app(book)
    async with app.run_test(size=(120, 36)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        status = app.screen.query_one("#list-status", Static).visual.plain
        assert "possible duplicate" in status and "· D" in status


async def test_hostile_names_show_literally_on_the_duplicates_screen(book):
    twin = book.add_contact(HOSTILE[2], today=TODAY, org="[red]Org[/red]", notes="[b]x[/b]")
    original = book.ids["hostile2"]
    app = make_app(book)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_dupes(pilot)
        pair = next(i for i, c in enumerate(screen.pairs) if c.pair == (original, twin))
        screen.index = pair
        screen.show_pair()
        await pilot.pause()
        text = fields_text(app)
        assert f"#{original} {HOSTILE[2]}" in text and f"#{twin} {HOSTILE[2]}" in text
        assert "[red]Org[/red]" in text and "[i]nick" in text
        move_to(screen, "notes")
        screen._show_detail()
        assert "[b]x[/b]" in screen_text(app)
        assert isinstance(app.screen, DupesScreen)


async def test_z_undoes_a_merge_and_the_pair_comes_back(book, twins):
    kept, other = twins
    app = make_app(book)
    async with app.run_test(size=(100, 36)) as pilot:
        screen = await open_dupes(pilot)
        await pilot.press("m")
        await pilot.pause()
        assert other in [c.id for c, _ in book.trashed()]
        await pilot.press("z")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert other not in [c.id for c, _ in book.trashed()]
        assert [i.note for i in book.interactions_for(other)] == ["Quote for the bathroom"]
        assert screen.candidate.pair == (kept, other)  # found again and shown


async def test_birthdays_show_as_the_card_says_them(book, twins):
    """A year-less birthday showed as stored: "--01-28"."""
    from kontakt.domain import Birthday

    kept, other = twins
    book.update_contact(kept, today=TODAY, birthday=Birthday(1, 28, None))
    book.update_contact(other, today=TODAY, birthday=Birthday(1, 28, 1975))
    app = make_app(book)
    async with app.run_test(size=(100, 36)) as pilot:
        screen = await open_dupes(pilot)
        text = fields_text(app)
        assert "28 Jan" in text and "28 Jan 1975" in text and "--01-28" not in text
        move_to(screen, "birthday")
        await pilot.press("right")  # take the right one: the merge still writes the real value
        await pilot.press("m")
        await pilot.pause()
    assert book.get_contact(kept).birthday == Birthday(1, 28, 1975)
