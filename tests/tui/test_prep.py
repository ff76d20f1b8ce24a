"""The prep card modal: p on the main screen shows the service's card for the highlighted contact."""

from __future__ import annotations

from textual.widgets import Static

from kontakt.services.prep import prep_card, render_text
from kontakt.tui.screens.main import MainScreen
from kontakt.tui.screens.prep import PrepScreen

from tui_helpers import HOSTILE, TODAY, help_rows, highlight, make_app


async def test_p_shows_the_prep_card_of_the_highlighted_contact_and_escape_closes_it(book):
    app = make_app(book)
    async with app.run_test(size=(100, 40)) as pilot:
        highlight(app, "Anna Müller")
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, PrepScreen)
        shown = app.screen.query_one("#prep-card", Static).visual.plain
        expected = render_text(prep_card(book, book.ids["anna"], TODAY), width=80)
        assert shown == "\n".join(expected)
        assert shown.startswith("Anna Müller — Müller & Söhne")
        assert "[b]breakfast[/b] at the café" in shown  # the last talk's note, as written
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)


async def test_the_prep_card_shows_hostile_names_and_notes_literally(book):
    app = make_app(book)
    async with app.run_test(size=(100, 40)) as pilot:
        for index, name in enumerate(HOSTILE):
            highlight(app, name)
            await pilot.press("p")
            await pilot.pause()
            shown = app.screen.query_one("#prep-card", Static).visual.plain
            assert shown.startswith(name)
            if index == 3:
                assert "[link=x]call[/link]" in shown  # the open follow-up's note
            await pilot.press("escape")
            await pilot.pause()
        assert isinstance(app.screen, MainScreen)  # [@click=app.quit] did not quit


async def test_the_help_lists_stats_prep_and_duplicates_with_their_screens_keys(book):
    app = make_app(book)
    async with app.run_test(size=(100, 45)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        rows = {(keys, binding_id): what for keys, binding_id, what in help_rows(app.screen)}
        for keys, binding_id, what in (("g", "app.stats", "how the network is doing"),
                                       ("p", "app.prep", "prep card"),
                                       ("D", "app.dupes", "find people who are in the book twice"),
                                       ("a, Enter", "stats.accept", "accept the highlighted drift's suggested cadence"),
                                       ("m", "dupes.merge", "merge the pair (z undoes)")):
            assert rows[keys, binding_id].startswith(what), (keys, binding_id)
