"""The Today screen's circle item and let drift: Enter on '#breakfast' opens the group log with
its overdue members ticked and logs one meeting; r lets someone drift for good."""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual.widgets import SelectionList

from kontakt.config import Config
from kontakt.domain import Cadence
from kontakt.services.review import day_budget, drifted
from kontakt.store import Book
from kontakt.tui.app import KontaktApp
from kontakt.tui.screens.dialogs import ConfirmScreen
from kontakt.tui.screens.today import CircleLogForm, TodayScreen
from kontakt.tui.widgets.fields import PeoplePicker

from tui_helpers import TODAY, screen_text

CONFIG = Config(daily_cap=5)
MEMBERS = ["Anna Frühstück", "Bernd Frühstück", "Clara Frühstück", "Dieter Frühstück"]


@pytest.fixture
def breakfast(tmp_path):
    """A weekly breakfast of four, last met three weeks ago; and Olga, monthly, overdue."""
    book = Book.open(tmp_path / "breakfast.db")
    book.set_circle_cadence("breakfast", Cadence.parse("weekly"), today=TODAY)
    ids = [book.add_contact(n, today=TODAY, tags=["breakfast"]) for n in MEMBERS]
    book.log_interaction(ids, on=TODAY - timedelta(weeks=3), kind="meeting", today=TODAY)
    olga = book.add_contact("Olga Petrova", today=TODAY, cadence=Cadence.parse("monthly"))
    book.log_interaction([olga], on=TODAY - timedelta(days=60), today=TODAY)
    book.ids = {"members": ids, "olga": olga}
    yield book
    book.close()


async def open_today(pilot) -> TodayScreen:
    await pilot.press("t")
    await pilot.pause()
    assert isinstance(pilot.app.screen, TodayScreen)
    return pilot.app.screen


async def test_enter_on_the_circle_logs_one_meeting_with_its_members_ticked(breakfast):
    app = KontaktApp(breakfast, today=TODAY, config=CONFIG)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_today(pilot)
        assert [e.item.name for e in screen.entries] == ["#breakfast", "Olga Petrova"]
        text = screen_text(app)
        assert "4 people not seen for 3 weeks (every week) — log the last meeting?" in text
        assert "Bernd Frühstück" in text  # the card lists who the prompt stands for
        await pilot.press("enter")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, CircleLogForm)
        assert form.query_one(PeoplePicker).selected == breakfast.ids["members"]
        # Dieter was not there: untick him, then save.
        form.query_one(SelectionList).deselect(breakfast.ids["members"][3])
        await pilot.press("enter")  # the cursor is in the empty people box: Enter saves
        await pilot.pause()
        assert app.screen is screen
        anna, dieter = breakfast.ids["members"][0], breakfast.ids["members"][3]
        logged = breakfast.interactions_for(anna)[0]
        assert (logged.date, logged.kind, len(logged.contact_ids)) == (TODAY, "meeting", 3)
        assert breakfast.get_contact(dieter).last_contact == TODAY - timedelta(weeks=3)
        assert screen.entries[0].outcome == "logged a meeting with 3 people"
        assert day_budget(breakfast, TODAY, CONFIG).done == 1
        # z takes the meeting back.
        await pilot.press("z")
        await pilot.pause()
        assert breakfast.interactions_for(anna)[0].date == TODAY - timedelta(weeks=3)
        assert screen.entries[0].outcome is None
        assert day_budget(breakfast, TODAY, CONFIG).done == 0


async def test_r_lets_someone_drift_for_good_and_show_agrees(breakfast):
    app = KontaktApp(breakfast, today=TODAY, config=CONFIG)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_today(pilot)
        await pilot.press("r")  # on the circle item: not a person to let drift
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)
        await pilot.press("down")
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("enter")  # the confirm's default answer is yes
        await pilot.pause()
        assert screen.entries[1].outcome == "letting drift"
        olga = breakfast.get_contact(breakfast.ids["olga"])
        assert olga.next_due is None and olga.effective_cadence is None
        assert [d.name for d in drifted(breakfast)] == ["Olga Petrova"]


async def test_a_in_today_accepts_the_cadence_their_history_suggests_and_z_takes_it_back(tmp_path):
    book = Book.open(tmp_path / "suggest.db")
    olga = book.add_contact("Olga Petrova", today=TODAY, cadence=Cadence.parse("weekly"))
    for days_ago in (10, 40, 70, 100):  # seen monthly on a weekly cadence
        book.log_interaction([olga], on=TODAY - timedelta(days=days_ago), kind="call", today=TODAY)
    app = KontaktApp(book, today=TODAY, config=CONFIG)
    try:
        async with app.run_test(size=(120, 36), notifications=True) as pilot:
            screen = await open_today(pilot)
            assert "a monthly" in screen_text(app).replace("   ", " ")  # the key and its cadence
            await pilot.press("a")
            await pilot.pause()
            assert book.get_contact(olga).cadence == Cadence.parse("monthly")
            assert any("Olga Petrova is now monthly · z undoes" in n.message for n in app._notifications)
            assert all(entry.outcome is None for entry in screen.entries)  # done/skip still apply
            await pilot.press("z")
            await pilot.pause()
            assert book.get_contact(olga).cadence == Cadence.parse("weekly")
    finally:
        book.close()


async def test_the_card_on_the_main_screen_says_let_drift(breakfast):
    from kontakt.services.review import let_drift
    from tui_helpers import highlight

    anna = breakfast.ids["members"][0]
    let_drift(breakfast, anna, as_of=TODAY)
    app = KontaktApp(breakfast, today=TODAY, config=CONFIG)
    async with app.run_test(size=(140, 36)) as pilot:
        highlight(app, "Anna Frühstück")
        await pilot.pause()
        text = screen_text(app)
        assert "let drift (was every week, circle)" in text


async def test_enter_on_a_suggested_cadence_keeps_it_and_z_takes_it_back(tmp_path):
    book = Book.open(tmp_path / "offer.db")
    ada = book.add_contact("Ada Lovelace", today=TODAY)
    for days_ago in (2, 16, 30, 44):  # every two weeks, no cadence
        book.log_interaction([ada], on=TODAY - timedelta(days=days_ago), today=TODAY)
    app = KontaktApp(book, today=TODAY, config=CONFIG)
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            screen = await open_today(pilot)
            assert [(e.item.kind, e.item.name) for e in screen.entries] == [("cadence", "Ada Lovelace")]
            assert "keep in touch every 2 weeks?" in screen_text(app)
            await pilot.press("enter")
            await pilot.pause()
            assert book.get_contact(ada).cadence == Cadence(2, "week")
            assert screen.entries[0].outcome == "keeping every 2 weeks"
            await pilot.press("z")
            await pilot.pause()
            assert book.get_contact(ada).cadence is None and screen.entries[0].outcome is None
    finally:
        book.close()
