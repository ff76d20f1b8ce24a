"""The help overlay explains the screen (binding ids, marks); the layout holds at 80×24."""

from __future__ import annotations

from textual.binding import Binding

from kontakt.config import Config
from kontakt.tui.app import KontaktApp
from kontakt.tui.screens.dialogs import HelpScreen
from kontakt.tui.screens.dupes import DupesScreen
from kontakt.tui.screens.main import MainScreen
from kontakt.tui.screens.stats import StatsScreen
from kontakt.tui.screens.today import TodayScreen

from tui_helpers import help_rows, make_app, screen_text

SCREENS = (KontaktApp, MainScreen, TodayScreen, StatsScreen, DupesScreen)


def bindings_by_id() -> dict[str, Binding]:
    found = {}
    for cls in SCREENS:
        for binding in cls.BINDINGS:
            if isinstance(binding, Binding) and binding.id:
                found[binding.id] = binding
    return found


async def test_every_binding_id_in_the_help_is_a_real_binding_and_shows_its_key(book):
    known = bindings_by_id()
    app = make_app(book)
    async with app.run_test(size=(100, 50)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        rows = help_rows(app.screen)
        shown = [(keys, binding_id) for keys, ids, _ in rows for binding_id in ids.split()]
        assert len(shown) >= 40
        for keys, binding_id in shown:
            assert binding_id in known, binding_id
            first_key = known[binding_id].key.split(",")[0].strip()
            assert app.get_key_display(Binding(first_key, "")) in keys, (binding_id, keys)
        # … and every remappable key of the main screen is in the help.
        main_ids = {b.id for b in MainScreen.BINDINGS if b.id}
        assert main_ids <= {binding_id for _, binding_id in shown}


async def test_a_remapped_key_shows_in_the_help_next_to_its_id(book):
    app = make_app(book, Config(keymap={"app.favour": "F", "stats.accept": "y"}))
    async with app.run_test(size=(100, 50)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        rows = help_rows(app.screen)
        assert ("F", "app.favour", "record a favour given or received") in rows
        assert any(keys.startswith("y,") and ids == "stats.accept" for keys, ids, _ in rows)


async def test_the_help_explains_the_marks_of_the_list_and_the_timeline(book):
    app = make_app(book)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        text = screen_text(app)
        for words in ("● ○", "due now / within a week", "+ − =", "± column", "no favours yet",
                      "● ◆ ⇄ ◷", "interaction, favour, introduction, follow-up"):
            assert words in text, words
