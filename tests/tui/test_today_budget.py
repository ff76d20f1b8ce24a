"""The Today screen keeps to the day's budget: finishing it, reopening `t`, the more key, work
done in another process, and the app rolling over at midnight."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from textual.widgets import Static

from kontakt.config import Config
from kontakt.domain import Cadence
from kontakt.services.review import build_review, day_budget, mark_done
from kontakt.store import Book
from kontakt.tui.app import KontaktApp
from kontakt.tui.screens.today import TodayScreen

from tui_helpers import TODAY, screen_text

CONFIG = Config(daily_cap=5)
NAMES = [f"Person {chr(65 + n)}" for n in range(8)]


@pytest.fixture
def crowd(tmp_path):
    """Eight weekly contacts, all overdue on TODAY."""
    book = Book.open(tmp_path / "crowd.db")
    for n, name in enumerate(NAMES):
        contact_id = book.add_contact(name, today=TODAY, cadence=Cadence.parse("weekly"))
        book.log_interaction([contact_id], on=TODAY - timedelta(days=30 - n), today=TODAY)
    yield book
    book.close()


def progress(screen: TodayScreen) -> str:
    return screen.query_one("#today-progress", Static).visual.plain


def footer_keys(app) -> set[str]:
    return {binding.action for (_, binding, enabled, _) in app.screen.active_bindings.values()
            if enabled and binding.show}


async def open_today(pilot) -> TodayScreen:
    await pilot.press("t")
    await pilot.pause()
    assert isinstance(pilot.app.screen, TodayScreen)
    return pilot.app.screen


async def test_finishing_the_budget_then_reopening_shows_5_of_5_and_m_shows_more(crowd):
    app = KontaktApp(crowd, today=TODAY, config=CONFIG)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_today(pilot)
        assert progress(screen) == "0 of 5 done"
        assert "more" not in footer_keys(app)  # nothing past the budget until it is used
        for key in ("enter", "s", "k", "enter", "enter"):
            await pilot.press(key)
            await pilot.pause()
        assert progress(screen) == "5 of 5 done — that's it for today"
        assert day_budget(crowd, TODAY, CONFIG).done == 5
        assert "more" in footer_keys(app)

        await pilot.press("escape")
        await pilot.pause()
        screen = await open_today(pilot)
        assert progress(screen) == "5 of 5 done — that's it for today"
        assert screen.entries == []
        text = screen_text(app)
        assert "That's it for today — 5 of 5 done." in text
        assert "m shows the rest" in text
        assert "more" in footer_keys(app)

        await pilot.press("m")
        await pilot.pause()
        shown = [entry.item.name for entry in screen.entries]
        assert len(shown) == 3  # the rest: eight due, five handled
        assert progress(screen) == "5 of 8 done"
        await pilot.press("enter")
        await pilot.pause()
        assert progress(screen) == "6 of 8 done"
        assert day_budget(crowd, TODAY, CONFIG).done == 6


async def test_more_adds_rows_under_the_handled_ones_and_undo_still_works(crowd):
    app = KontaktApp(crowd, today=TODAY, config=Config(daily_cap=2))
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_today(pilot)
        await pilot.press("enter", "enter")
        await pilot.pause()
        assert progress(screen) == "2 of 2 done — that's it for today"
        await pilot.press("m")
        await pilot.pause()
        assert len(screen.entries) == 4 and screen.current == 2
        assert len(screen.query(".today-item")) == 4
        await pilot.press("z")  # undoes the second of the first two
        await pilot.pause()
        assert screen.current == 1 and screen.entries[1].outcome is None
        assert day_budget(crowd, TODAY, CONFIG).done == 1


async def test_work_done_in_another_process_counts_on_the_screen(crowd, tmp_path):
    with Book.open(tmp_path / "crowd.db") as other:  # another shell's `kontakt done`
        for _ in range(5):
            item = build_review(other, TODAY, CONFIG, limit=1).items[0]
            mark_done(other, item, TODAY)
    app = KontaktApp(crowd, today=TODAY, config=CONFIG)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_today(pilot)
        assert screen.entries == []
        assert progress(screen) == "5 of 5 done — that's it for today"


async def test_the_app_rolls_over_at_midnight(crowd, monkeypatch):
    monkeypatch.setenv("KONTAKT_NOW", f"{TODAY.isoformat()}T23:59:30")
    app = KontaktApp(crowd, config=CONFIG)  # today from the clock
    async with app.run_test(size=(120, 36)) as pilot:
        assert app.today == TODAY
        screen = await open_today(pilot)
        for _ in range(5):
            await pilot.press("enter")
            await pilot.pause()
        assert progress(screen) == "5 of 5 done — that's it for today"
        header = screen.query_one("#header-left", Static).visual.plain
        assert header == "Today · Monday 23 Nov 2026"

        monkeypatch.setenv("KONTAKT_NOW", f"{(TODAY + timedelta(days=1)).isoformat()}T00:00:05")
        assert app.roll_over() is True
        await pilot.pause()
        await pilot.pause()
        assert app.today == TODAY + timedelta(days=1)
        screen = app.screen
        assert isinstance(screen, TodayScreen) and screen.today == TODAY + timedelta(days=1)
        header = screen.query_one("#header-left", Static).visual.plain
        assert header == "Today · Tuesday 24 Nov 2026"
        # A new day's budget: the three not handled yesterday are listed, none ticked.
        assert progress(screen) == "0 of 3 done"
        assert len(screen.query(".today-item")) == 3
        assert app.roll_over() is False  # same day: nothing more happens
        await pilot.press("escape")
        await pilot.pause()
        assert app.main_screen.today == TODAY + timedelta(days=1)
        assert "24 Nov 2026" in screen_text(app)


async def test_the_live_refresh_tick_notices_midnight(crowd, monkeypatch):
    monkeypatch.setenv("KONTAKT_NOW", f"{TODAY.isoformat()}T23:59:59")
    app = KontaktApp(crowd, config=CONFIG)
    async with app.run_test(size=(120, 36)) as pilot:
        monkeypatch.setenv("KONTAKT_NOW", f"{(TODAY + timedelta(days=1)).isoformat()}T00:00:01")
        app.check_for_changes()
        await pilot.pause()
        assert app.today == date(2026, 11, 24)
        assert "Tue 24 Nov 2026" in screen_text(app)


async def test_pause_and_resume_from_the_palette(crowd):
    from kontakt.store.review_queries import get_pause
    from kontakt.tui.screens.today import PauseScreen

    app = KontaktApp(crowd, today=TODAY, config=CONFIG)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"pause the daily")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PauseScreen)
        await pilot.press(*"2.1.2027", "enter")
        await pilot.pause()
        assert get_pause(crowd) == (TODAY, date(2027, 1, 2))

        screen = await open_today(pilot)
        assert screen.entries == []
        assert progress(screen) == "paused until Sat 2 Jan 2027"
        assert "Paused until Sat 2027-01-02." in screen_text(app)
        await pilot.press("m")  # what is due anyway, if asked
        await pilot.pause()
        assert len(screen.entries) == 5

        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"resume the daily")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.pause()
        assert get_pause(crowd) == (TODAY, TODAY)  # ended today
        screen = app.screen
        assert isinstance(screen, TodayScreen)
        assert progress(screen) == "0 of 5 done"


async def test_the_more_key_is_in_the_today_help_with_its_binding_id(crowd):
    from kontakt.tui.screens.dialogs import today_help

    app = KontaktApp(crowd, today=TODAY, config=CONFIG)
    async with app.run_test(size=(120, 36)):
        rows = today_help(app, {})
        assert ("m", "today.more", "more: the next items past the day's budget") in rows
        remapped = today_help(app, {"today.more": "M"})
        assert any(keys == "M" and binding == "today.more" for keys, binding, _ in remapped)
