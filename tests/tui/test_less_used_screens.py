"""The less-used screens as a keyboard-only power user meets them: the palette, the help and
the keymap, keys typed in one read, from an exploratory run (2026-12-05)."""

from __future__ import annotations

from textual import events

from kontakt.config import Config
from kontakt.tui.screens.main import MainScreen

from tui_helpers import highlight, make_app


def one_read(app, keys: list[str]) -> None:
    """Keys as a terminal delivers a burst: all queued before the app handles the first.
    (`type_ahead` yields to the loop between keys, so a deferred focus change still lands
    in time there; a real read of "/eva" from a terminal gives it no such chance.)"""
    for key in keys:
        character = {"space": " ", "slash": "/", "escape": None, "tab": None}.get(
            key, key if len(key) == 1 else None)
        event = events.Key(key, character)
        event.set_sender(app)
        app._driver.send_message(event)


async def test_a_search_typed_in_one_read_goes_into_the_search_box(book):
    """"/eva" arriving in one read from a real terminal: the slash's binding asked for focus
    later, so "eva" went to the list and was lost (nothing searched)."""
    app = make_app(book)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        main = app.screen
        one_read(app, ["slash", *"eva"])
        await pilot.pause(0.2)
        assert app.screen is main
        assert main.search_box.value == "eva"
        # Esc leaves the search box at once too: the v behind it shows the archived, not "v".
        one_read(app, ["escape", "v"])
        await pilot.pause(0.1)
        assert main.focused is main.contacts and main.search_box.value == ""
        assert main._archived
