"""The help overlay explains the screen (binding ids, marks); the layout holds at 80×24."""

from __future__ import annotations

import pytest
from textual.binding import Binding

from kontakt.config import Config
from kontakt.tui.app import KontaktApp
from kontakt.tui.screens.dialogs import HelpScreen
from kontakt.tui.screens.dupes import DupesScreen
from kontakt.tui.screens.inbox import InboxScreen
from kontakt.tui.screens.main import MainScreen
from kontakt.tui.screens.stats import StatsScreen
from kontakt.tui.screens.prep import PrepScreen
from kontakt.tui.screens.sync_conflicts import SyncConflictsScreen
from kontakt.tui.screens.today import TodayScreen
from kontakt.tui.widgets.circle_list import CircleList
from kontakt.tui.widgets.detail import ContactDetail

from tui_helpers import help_rows, make_app, screen_text, settled

SCREENS = (KontaktApp, MainScreen, TodayScreen, StatsScreen, DupesScreen, InboxScreen, ContactDetail,
           CircleList, PrepScreen, SyncConflictsScreen)  # widgets with remappable keys too


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


# ---------------------------------------------------------------- layout


@pytest.mark.parametrize("size", [(80, 24), (60, 20)])
async def test_under_110_columns_the_circles_sidebar_stands_in_until_a_circle_is_picked(book, size):
    """At 80 columns the sidebar takes the card's place; under 74 (no card beside the list)
    the list's. Picking a circle gives the room back."""
    app = make_app(book)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        main = app.screen
        detail, sidebar = main.query_one("#detail"), main.query_one("#sidebar")
        column = main.query_one("#list-column")
        card = detail.region.width
        assert (card >= 34 if size[0] >= 74 else card == 0) and sidebar.region.width == 0
        assert column.region.width == size[0] - card
        await pilot.press("c")
        await pilot.pause()
        assert detail.region.width == 0  # hidden, not squeezed to a few columns
        if size[0] >= 74:
            assert sidebar.region.width == 30 and column.region.width == size[0] - 30
        else:  # beside the circles the list kept 30 columns and cut every name: it makes way
            assert sidebar.region.width == size[0] and column.region.width == 0
        await pilot.press("down", "down", "enter")  # the first circle (after "All contacts")
        await pilot.pause()
        assert main.contacts.filter.circle is not None
        assert sidebar.region.width == 0 and detail.region.width == card
        assert column.region.width == size[0] - card


async def test_under_74_columns_enter_opens_the_card_in_the_lists_place_and_esc_goes_back(book):
    """Side by side, the list (40 columns at least) and the card (34) overflowed a 60-column
    terminal and the card was cut off at its edge."""
    app = make_app(book)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        main = app.screen
        detail, column = main.query_one("#detail"), main.query_one("#list-column")
        assert detail.region.width == 0 and column.region.width == 60
        await pilot.press("down", "enter")
        await pilot.pause()
        highlighted = main.contacts.highlighted
        assert column.region.width == 0 and detail.region.width == 60
        assert app.focused is detail
        assert highlighted.name in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert detail.region.width == 0 and column.region.width == 60
        assert app.focused is main.contacts and main.contacts.highlighted == highlighted
        # Tab picks the timeline's entries: the card stays while focus is in it.
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("tab")
        await pilot.pause()
        assert await settled(pilot, lambda: app.focused is detail)
        assert detail.region.width == 60
        await pilot.press("escape")
        await pilot.pause()
        assert column.region.width == 60


async def test_under_74_columns_leaving_the_circles_gives_the_list_back(book):
    app = make_app(book)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        main = app.screen
        await pilot.press("c")
        await pilot.pause()
        assert main.query_one("#list-column").region.width == 0
        await pilot.press("escape")
        await pilot.pause()
        assert main.query_one("#sidebar").region.width == 0
        assert main.query_one("#list-column").region.width == 60 and app.focused is main.contacts
        await pilot.press("enter")  # and Enter opens the card, as always
        assert await settled(pilot, lambda: app.focused is main.detail)


@pytest.mark.parametrize("size", [(80, 24)])
async def test_enter_with_the_circles_sidebar_open_gives_the_card_back_first(book, size):
    """Under 110 columns the sidebar hides the card: Enter focused the hidden card, where
    d trashed a timeline entry no one could see."""
    app = make_app(book)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        main = app.screen
        await pilot.press("c", "escape")  # the sidebar open, back in the list
        await pilot.pause()
        assert main.query_one("#sidebar").region.width == 30
        await pilot.press("enter")
        await pilot.pause()
        assert main.query_one("#sidebar").region.width == 0
        assert await settled(pilot, lambda: app.focused is main.detail)
        assert main.detail.region.width >= 34


async def test_enter_in_a_wide_terminal_moves_into_the_card_beside_the_list(book):
    app = make_app(book)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        main = app.screen
        await pilot.press("enter")
        assert await settled(pilot, lambda: app.focused is main.detail)
        assert main.query_one("#list-column").region.width >= 40 and main.detail.region.width >= 34
        await pilot.press("escape")
        await pilot.pause()
        assert app.focused is main.contacts


async def test_going_into_a_long_card_scrolls_its_picked_entry_into_view(tmp_path):
    """At 80x24 the demo's first card fills the pane: Enter focused the card with its
    timeline, and the entry that e and d act on, below the bottom edge."""
    from kontakt.screenshots import demo_app

    app = demo_app(tmp_path)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            detail = app.main_screen.detail
            timeline = detail.query_one("#detail-timeline")
            assert timeline.virtual_region.y >= detail.scrollable_content_region.height  # below
            await pilot.press("enter")
            await pilot.pause()
            await pilot.pause()
            top, height = detail.scroll_offset.y, detail.scrollable_content_region.height
            assert top < timeline.virtual_region.y + 1 <= top + height  # its first line shows
    finally:
        app.book.close()


@pytest.mark.parametrize("width, shown, left_out", [
    (160, "· 1 archived · 3 circles", ""), (70, "· 1 archived", "circles"), (58, "contacts", "archived")])
async def test_the_header_leaves_out_whole_parts_that_do_not_fit(book, width, shown, left_out):
    """At 58 columns the header read "… 7 contacts · 1" (cut inside "1 archived")."""
    contact = book.find("Eva Weber")
    book.archive(contact.id)
    app = make_app(book)
    async with app.run_test(size=(width, 20)) as pilot:
        await pilot.pause()
        header = app.screen.query_one("#header-left").visual.plain
        assert header.startswith("kontakt · book · ") and header.rstrip().endswith(shown)
        assert not left_out or left_out not in header
        right = app.screen.query_one("#header-right").region
        assert app.screen.query_one("#header-left").region.right <= right.x  # side by side


async def test_at_160_columns_sidebar_list_and_card_all_show(book):
    app = make_app(book)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        main = app.screen
        assert main.query_one("#sidebar").region.width == 30
        assert main.query_one("#detail").region.width >= 50


async def test_a_palette_jump_while_searching_scrolls_the_row_into_view(tmp_path):
    from kontakt.screenshots import demo_app

    app = demo_app(tmp_path)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("slash", *"mül")
            await pilot.pause(0.3)
            main = app.main_screen
            assert main.contacts.count < 10
            await pilot.press("ctrl+p", *"yasemin")
            await pilot.pause(0.5)
            await pilot.press("enter")
            await pilot.pause(0.2)
            contacts = main.contacts
            assert contacts.highlighted.name == "Yasemin Aksoy"
            assert contacts.cursor > 100  # far down the whole book …
            assert "Yasemin Aksoy" in [c.name for c in contacts.visible_contacts()]  # … and on screen
    finally:
        app.book.close()


def card_field(text: str, label: str) -> str:
    """One field of the card, its wrapped lines joined."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(label))
    parts = [lines[start]]
    parts += [line for line in lines[start + 1:] if line.startswith(" " * 9)][:3]
    return " ".join(part.strip() for part in parts)


async def test_the_card_shows_an_earlier_follow_up_as_next_and_the_timeline_an_introductions_note(book):
    from datetime import timedelta

    from kontakt.domain import Cadence
    from tui_helpers import TODAY, highlight

    ids = book.ids
    book.update_contact(ids["eva"], today=TODAY, cadence=Cadence.parse("monthly"))
    book.log_interaction([ids["eva"]], on=TODAY - timedelta(days=5), kind="call", note="", today=TODAY)
    book.add_follow_up(ids["eva"], due=TODAY + timedelta(days=3), note="ask about the flat")
    book.add_introduction(ids["eva"], ids["zoe"], on=TODAY, note="both climb")
    app = make_app(book)
    async with app.run_test(size=(120, 40)) as pilot:
        highlight(app, "Eva Weber")
        await pilot.pause()
        card = screen_text(app)
        next_line = card_field(card, "next")
        assert "26 Nov 2026" in next_line and "follow-up: ask about the flat" in next_line
        assert "introduced to Zoë Zürcher: both climb" in " ".join(card.split())  # wrapped or not
        highlight(app, "Anna Müller")  # monthly, last seen 1 Oct, no follow-up: the cadence's day
        await pilot.pause()
        next_line = next(line for line in screen_text(app).splitlines() if line.startswith("next"))
        assert next_line.split() == ["next", "due", "since", "3", "wk"]
