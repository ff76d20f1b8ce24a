"""The stats screen: opened with g, figures from the service, a suggested cadence accepted."""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual.widgets import OptionList

from kontakt.domain import Cadence
from kontakt.tui.screens.main import MainScreen
from kontakt.tui.screens.stats import StatsScreen

from tui_helpers import HOSTILE, TODAY, make_app, screen_text


@pytest.fixture
def drifting(book):
    """Two weekly contacts seen only about once a month: both drift towards monthly."""
    ids = []
    for name in ("Olga Petrova", HOSTILE[2]):
        contact_id = book.add_contact(name, today=TODAY, tags=["[x]"], cadence=Cadence.parse("weekly"))
        for days_ago in (3, 33, 64, 95):
            book.log_interaction([contact_id], on=TODAY - timedelta(days=days_ago), kind="call",
                                 today=TODAY)
        ids.append(contact_id)
    return ids


def options(app, list_id: str) -> list[str]:
    option_list = app.screen.query_one(list_id, OptionList)
    return [option_list.get_option_at_index(i).prompt.plain for i in range(option_list.option_count)]


async def open_stats(pilot) -> StatsScreen:
    await pilot.press("g")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, StatsScreen)
    return screen


async def test_accepting_a_suggested_cadence_changes_the_contact_and_refreshes_the_drift(book, drifting):
    olga = drifting[0]
    app = make_app(book)
    async with app.run_test(size=(100, 40), notifications=True) as pilot:
        screen = await open_stats(pilot)
        drift = options(app, "#stats-drift")
        assert any(row.startswith("Olga Petrova") and "monthly" in row for row in drift)
        # a works from the moment the footer offers it: the first a accepts the highlighted
        # drift row (the line under the list says "a makes it monthly"), Olga's.
        drift_list = app.screen.query_one("#stats-drift", OptionList)
        assert app.screen.focused is not drift_list
        drift_list.highlighted = drift_list.get_option_index(str(olga))
        await pilot.pause()
        assert "a makes it monthly" in screen_text(app)
        await pilot.press("a")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert book.get_contact(olga).cadence == Cadence(1, "month")
        assert book.get_contact(drifting[1]).cadence == Cadence(1, "week")  # only the highlighted one
        assert not any(row.startswith("Olga") for row in options(app, "#stats-drift"))
        assert any("Olga Petrova is now monthly" in n.message for n in app._notifications)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert screen.changed


async def test_the_screen_shows_rhythm_circles_balance_and_introductions(book, drifting):
    app = make_app(book)
    async with app.run_test(size=(160, 45)) as pilot:
        await open_stats(pilot)
        text = screen_text(app)
        assert "Rhythm" in text and "interactions in 12 months" in text
        assert "Balance" in text and "Introductions" in text
        assert "1 made" in text
        circles = options(app, "#stats-circles")
        assert [row.split()[0] for row in circles] == ["#breakfast", "#alumni", "#[x]"]
        # The highlighted circle's weekly sparkline is shown under the list.
        assert "#breakfast · 1 in 12 months" in text


async def test_hostile_names_and_circles_show_literally_on_the_stats_screen(book, drifting):
    intro = book.introductions_for(book.ids["hostile0"])[0]
    book.set_introduction_outcome(intro.id, "[b]hired[/b]", on=TODAY)
    app = make_app(book)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_stats(pilot)
        assert any(row.startswith(HOSTILE[2][:19]) for row in options(app, "#stats-drift"))
        assert any(row.startswith("#[x]") for row in options(app, "#stats-circles"))
        await pilot.press("tab")  # into the drift list
        await pilot.pause()
        drift = app.screen.query_one("#stats-drift", OptionList)
        assert app.screen.focused is drift
        hostile_row = next(i for i, row in enumerate(options(app, "#stats-drift")) if row.startswith(HOSTILE[2][:19]))
        await pilot.press(*["down"] * (hostile_row - drift.highlighted))  # the hostile contact's detail line
        await pilot.pause()
        assert drift.highlighted == hostile_row
        assert HOSTILE[2] in screen_text(app)
        # The introduction between two hostile names, as written.
        text = screen_text(app)
        assert f"{HOSTILE[0]} ↔ {HOSTILE[1]}" in text and "[b]hired[/b]" in text
        # Nicknames in the balance, said once in one sentence (all three are called "[i]nick").
        assert "You've helped [i]nick, [i]nick and [i]nick lately." in text
        assert isinstance(app.screen, StatsScreen)  # no markup action quit the app


async def test_in_a_60_column_terminal_each_circle_keeps_one_line(book, drifting):
    """A row wider than the column is cut with an ellipsis: wrapped, its last column landed
    under the next circle's name."""
    app = make_app(book)
    async with app.run_test(size=(60, 30)) as pilot:
        screen = await open_stats(pilot)
        circles = screen.query_one("#stats-circles", OptionList)
        assert circles.option_count >= 2
        assert circles.virtual_size.height == circles.option_count
        assert screen.query_one("#stats-circles-header").size.height == 1
