"""The Today screen: five items reviewed with one key each, every action checked in the book."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from textual.widgets import Static

from kontakt.config import Config
from kontakt.domain import Birthday, Cadence
from kontakt.services.review import build_review
from kontakt.store import Book
from kontakt.store.review_queries import get_state
from kontakt.tui.screens.dialogs import ConfirmScreen
from kontakt.tui.screens.main import MainScreen
from kontakt.tui.screens.today import SnoozeScreen, TodayScreen
from kontakt.tui.widgets.contact_list import ContactList

from tui_helpers import HOSTILE, TODAY, help_rows, make_app, screen_text

CONFIG = Config(daily_cap=5)


@pytest.fixture
def review_book(tmp_path):
    """Exactly five things due on TODAY, one of each action's natural kind."""
    book = Book.open(tmp_path / "review.db")
    ids = {}
    ids["fiona"] = book.add_contact("Fiona Follow", today=TODAY)
    book.add_follow_up(ids["fiona"], due=TODAY - timedelta(days=3), note="send the slides",
                       recurrence=Cadence.parse("monthly"))
    for key, name, cadence, days_ago in (
        ("karl", "Karl Keep", "weekly", 30),
        ("sven", "Sven Snooze", "monthly", 60),
        ("dora", "Dora Drift", "monthly", 200),
    ):
        ids[key] = book.add_contact(name, today=TODAY, cadence=Cadence.parse(cadence))
        book.log_interaction([ids[key]], on=TODAY - timedelta(days=days_ago), kind="call",
                             note=f"talked to {name}", today=TODAY)
    ids["bea"] = book.add_contact("Bea Birthday", today=TODAY, birthday=Birthday(11, 25, 1990))
    book.ids = ids
    yield book
    book.close()


class KeyCounter:
    """Presses keys through the pilot and counts them."""

    def __init__(self, pilot) -> None:
        self.pilot = pilot
        self.count = 0

    async def press(self, *keys: str) -> None:
        for key in keys:
            self.count += 1
            await self.pilot.press(key)
            await self.pilot.pause()


async def open_today(pilot) -> TodayScreen:
    await pilot.press("t")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, TodayScreen)
    return screen


def current_name(screen: TodayScreen) -> str:
    assert screen.current_entry is not None
    return screen.current_entry.item.name


async def go_to(pilot, screen: TodayScreen, name: str) -> None:
    """Move the highlight to `name` with the arrow keys."""
    names = [entry.item.name for entry in screen.entries]
    target = names.index(name)
    for _ in names:
        if current_name(screen) == name:
            return
        await pilot.press("down" if names.index(current_name(screen)) < target else "up")
    assert current_name(screen) == name


def progress(screen: TodayScreen) -> str:
    return screen.query_one("#today-progress", Static).visual.plain


async def test_five_items_take_one_key_each_and_every_action_reaches_the_book(review_book):
    book, ids = review_book, review_book.ids
    assert len(build_review(book, TODAY, CONFIG, limit=5).items) == 5
    app = make_app(book, CONFIG)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_today(pilot)
        keys = KeyCounter(pilot)
        assert progress(screen) == "0 of 5 done"
        seen = []
        for step in range(5):
            name = current_name(screen)
            seen.append(name)
            if name == "Fiona Follow":
                await keys.press("enter")
                follow_ups = book.follow_ups_for(ids["fiona"])
                assert sorted((f.status, f.due) for f in follow_ups) == [
                    ("done", date(2026, 11, 20)), ("open", date(2026, 12, 20)),
                ]  # done, and the monthly one comes back a month after it was due
            elif name == "Karl Keep":
                await keys.press("right", "enter")  # message → email, then done
                last = book.interactions_for(ids["karl"], limit=1)[0]
                assert (last.date, last.kind) == (TODAY, "email")
                assert book.get_contact(ids["karl"]).last_contact == TODAY
                rows = "\n".join(w.visual.plain for w in screen.query(".today-item-title"))
                assert "✓ Karl Keep  logged an email" in rows
            elif name == "Sven Snooze":
                await keys.press("s")
                state = get_state(book, "keep-in-touch", ids["sven"])
                assert state is not None and state.snoozed_until == TODAY + timedelta(days=1)
            elif name == "Bea Birthday":
                await keys.press("k")
                state = get_state(book, "birthday", ids["bea"])
                assert state is not None and state.skipped_on == TODAY
                assert book.interactions_for(ids["bea"]) == []  # skipping logs nothing
            elif name == "Dora Drift":
                await keys.press("r")
                assert isinstance(app.screen, ConfirmScreen)
                assert book.get_contact(ids["dora"]).effective_cadence is not None  # nothing before yes
                await keys.press("y")
                # Out of every cadence (her own is kept, to bring her back): nothing is due.
                dora = book.get_contact(ids["dora"])
                assert dora.effective_cadence is None and dora.next_due is None
            else:
                raise AssertionError(f"unexpected item {name}")
            assert app.screen is screen
            assert progress(screen).startswith(f"{step + 1} of 5 done")
        assert sorted(seen) == sorted(["Fiona Follow", "Karl Keep", "Sven Snooze", "Bea Birthday", "Dora Drift"])
        assert keys.count <= 10
        assert screen.current_entry is None
        assert "that's it for today" in progress(screen)
        # Tomorrow only what was snoozed or skipped is back; done and let drift stay settled.
        tomorrow = {item.name for item in build_review(book, TODAY + timedelta(days=1), CONFIG, limit=None).items}
        assert tomorrow == {"Sven Snooze", "Bea Birthday"}


async def test_each_action_moves_the_highlight_to_the_next_item(review_book):
    app = make_app(review_book, CONFIG)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_today(pilot)
        names = [entry.item.name for entry in screen.entries]
        assert current_name(screen) == names[0]
        await pilot.press("down", "down")
        assert current_name(screen) == names[2]
        await pilot.press("k")  # skip the third: on to the fourth
        await pilot.pause()
        assert current_name(screen) == names[3]
        await pilot.press("up")
        assert current_name(screen) == names[1]  # the ticked row is stepped over


async def test_undo_restores_the_book_and_brings_the_item_back(review_book):
    book, ids = review_book, review_book.ids
    app = make_app(book, CONFIG)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_today(pilot)
        def dates_and_cadences():
            return {key: (c.cadence, c.last_contact, c.next_due)
                    for key, c in ((key, book.get_contact(i)) for key, i in ids.items())}

        before = dates_and_cadences()
        names = {key: book.get_contact(i).name for key, i in ids.items()}
        follow_ups_before = book.follow_ups_for(ids["fiona"])
        for _ in range(5):
            if current_name(screen) == "Dora Drift":
                await pilot.press("r", "y")
            else:
                await pilot.press("enter")
            await pilot.pause()
        assert progress(screen).startswith("5 of 5")
        for undone in range(5):
            await pilot.press("z")
            await pilot.pause()
            assert progress(screen) == f"{4 - undone} of 5 done"
        assert dates_and_cadences() == before  # cadences back, last contact and next due as they were
        assert book.follow_ups_for(ids["fiona"]) == follow_ups_before
        for key in ("karl", "sven", "dora", "bea"):
            assert [i.note for i in book.interactions_for(ids[key])] == (
                [] if key == "bea" else [f"talked to {names[key]}"]
            )
        assert get_state(book, "birthday", ids["bea"]) is None or get_state(book, "birthday", ids["bea"]).snoozed_until is None
        assert len(build_review(book, TODAY, CONFIG, limit=None).items) == 5
        assert current_name(screen) == screen.entries[0].item.name  # the first action's item
        await pilot.press("z")
        await pilot.pause()
        assert progress(screen) == "0 of 5 done"  # nothing more to undo here


async def test_an_action_left_on_the_screen_can_still_be_undone_from_the_main_screen(review_book):
    book, ids = review_book, review_book.ids
    app = make_app(book, CONFIG)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_today(pilot)
        await go_to(pilot, screen, "Karl Keep")
        await pilot.press("enter")
        await pilot.pause()
        assert book.get_contact(ids["karl"]).last_contact == TODAY
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        # The main list was re-read on the way back: Karl's row knows the new last contact.
        contacts = app.screen.query_one(ContactList)
        row = next(contacts.row(i)[0] for i in range(contacts.count) if contacts.row(i)[0].name == "Karl Keep")
        assert row.last_contact == TODAY
        await pilot.press("z")
        await pilot.pause()
        assert book.get_contact(ids["karl"]).last_contact == TODAY - timedelta(days=30)


async def test_undo_on_the_screen_is_not_undone_twice_from_the_main_screen(review_book):
    book, ids = review_book, review_book.ids
    book.archive(ids["bea"], True)  # something older on the app's undo stack…
    app = make_app(book, CONFIG)
    async with app.run_test(size=(120, 36)) as pilot:
        app.push_undo("archive Bea", lambda: book.archive(ids["bea"], False), contact_id=ids["bea"])
        screen = await open_today(pilot)
        await pilot.press("enter", "z", "escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        await pilot.press("z")  # …is what z undoes now, not the Today step again
        await pilot.pause()
        assert not book.get_contact(ids["bea"]).archived
        assert screen.history == []


async def test_capital_s_snoozes_for_a_week_or_to_a_typed_date(review_book):
    book, ids = review_book, review_book.ids
    app = make_app(book, CONFIG)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_today(pilot)
        await go_to(pilot, screen, "Sven Snooze")
        await pilot.press("S")
        await pilot.pause()
        assert isinstance(app.screen, SnoozeScreen)
        await pilot.press("down", "enter")  # the second choice: next week
        await pilot.pause()
        assert app.screen is screen
        assert get_state(book, "keep-in-touch", ids["sven"]).snoozed_until == TODAY + timedelta(weeks=1)

        await go_to(pilot, screen, "Karl Keep")
        await pilot.press("S")
        await pilot.pause()
        app.screen.query_one("#snooze-date").value = "31.02.2027"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, SnoozeScreen)  # not a real date: asked again
        assert "not a real date" in app.screen.query_one("#snooze-error", Static).visual.plain
        app.screen.query_one("#snooze-date").value = "1.12.2026"
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen
        assert get_state(book, "keep-in-touch", ids["karl"]).snoozed_until == date(2026, 12, 1)

        await go_to(pilot, screen, "Dora Drift")
        await pilot.press("S", "enter")  # Enter on an empty box: the first choice, 3 days
        await pilot.pause()
        assert get_state(book, "keep-in-touch", ids["dora"]).snoozed_until == TODAY + timedelta(days=3)

        await go_to(pilot, screen, "Fiona Follow")
        await pilot.press("S", *"2 weeks", "enter")  # typed straight away; read like `snooze --for`
        await pilot.pause()
        fiona = book.follow_ups_for(ids["fiona"])[0]
        assert fiona.snoozed_until == TODAY + timedelta(weeks=2)


@pytest.mark.parametrize("size", [(120, 36), (60, 20)])
async def test_o_opens_the_contact_on_the_main_screen(review_book, size):
    """In a terminal too narrow for a card beside the list, their card takes the list's place."""
    book, ids = review_book, review_book.ids
    app = make_app(book, CONFIG)
    async with app.run_test(size=size) as pilot:
        screen = await open_today(pilot)
        await go_to(pilot, screen, "Dora Drift")
        await pilot.press("o")
        await pilot.pause()
        main = app.screen
        assert isinstance(main, MainScreen)
        assert main.query_one(ContactList).highlighted.id == ids["dora"]
        assert main.detail.region.width >= 34 and "Dora Drift" in screen_text(app)


async def test_o_from_a_today_opened_over_the_stats_lands_on_the_main_screen(review_book):
    """The palette opens Today over the stats screen too: o closed Today, left the stats on
    screen and opened the contact on the hidden main screen below it."""
    from kontakt.tui.screens.stats import StatsScreen

    book, ids = review_book, review_book.ids
    app = make_app(book, CONFIG)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("g")
        await pilot.pause()
        assert isinstance(app.screen, StatsScreen)
        app.push_screen(TodayScreen(book, TODAY, CONFIG))
        await pilot.pause()
        screen = app.screen
        await go_to(pilot, screen, "Dora Drift")
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen) and len(app.screen_stack) == 1
        assert app.screen.query_one(ContactList).highlighted.id == ids["dora"]


async def test_nothing_due_says_so_calmly(tmp_path):
    book = Book.open(tmp_path / "quiet.db")
    book.add_contact("Quiet Quentin", today=TODAY, cadence=Cadence.parse("monthly"))
    book.log_interaction([book.find("Quentin").id], on=TODAY, kind="call", today=TODAY)
    app = make_app(book, CONFIG)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await open_today(pilot)
            assert "Nothing due — enjoy your day." in screen_text(app)
            await pilot.press("enter", "s", "z")  # keys with nothing to act on do nothing
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, MainScreen)
    finally:
        book.close()


async def test_hostile_names_show_literally_in_the_list_and_the_card(tmp_path):
    book = Book.open(tmp_path / "hostile.db")
    for name in HOSTILE[1:3]:  # [bold]x and [@click=app.quit]Bob[/]
        contact_id = book.add_contact(name, today=TODAY, org="[red]Org[/red]", cadence=Cadence.parse("weekly"),
                                      met="[b]at a party[/b]", tags=["[x]"])
        book.log_interaction([contact_id], on=TODAY - timedelta(days=40), kind="call",
                             note="[@click=app.quit]note[/]", today=TODAY)
        book.add_favour(contact_id, direction="received", description="[i]lent a book", on=TODAY - timedelta(days=90))
    app = make_app(book, CONFIG)
    try:
        async with app.run_test(size=(160, 45)) as pilot:
            screen = await open_today(pilot)
            names = set()
            for entry in screen.entries:
                names.add(entry.item.name)
            assert names == set(HOSTILE[1:3])
            for _ in range(len(screen.entries)):
                item = screen.current_entry.item
                rows = "\n".join(w.visual.plain for w in screen.query(".today-item-title"))
                card = screen.query_one("#today-card-body", Static).visual.plain
                assert item.name in rows
                assert card.startswith(item.name)
                for literal in ("[red]Org[/red]", "[@click=app.quit]note[/]", "[i]lent a book", "[b]at a party[/b]", "#[x]"):
                    assert literal in card
                await pilot.press("down")
            await pilot.press("p")  # the prep card too, and nothing quits
            await pilot.pause()
            await pilot.press("escape")
            await pilot.pause()
            assert app.screen is screen and app.is_running
    finally:
        book.close()


async def test_the_app_opens_on_today_when_the_config_asks_and_something_is_due(review_book, tmp_path):
    app = make_app(review_book, Config(open_today_first=True))
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)

    app = make_app(review_book, Config(open_today_first=False))
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)

    quiet = Book.open(tmp_path / "quiet.db")
    quiet.add_contact("Quiet Quentin", today=TODAY)
    app = make_app(quiet, Config(open_today_first=True))
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            assert isinstance(app.screen, MainScreen)  # nothing due: straight to the contacts
    finally:
        quiet.close()


async def test_the_help_shows_the_today_keys_on_both_screens(review_book):
    app = make_app(review_book, Config(daily_cap=5, keymap={"today.skip": "x"}))
    async with app.run_test(size=(100, 50)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        main_help = "\n".join(w.visual.plain for w in app.screen.query(Static))
        assert "On the Today screen (t)" in main_help
        main_rows = help_rows(app.screen)
        await pilot.press("escape")
        screen = await open_today(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        for rows in (main_rows, help_rows(app.screen)):
            assert ("x", "today.skip", "skip for today (back tomorrow if still due)") in rows  # as remapped
            assert ("← →", "today.kind_prev today.kind_next", "the kind of interaction done logs") in rows
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("x")  # the remapped key skips
        await pilot.pause()
        assert progress(screen) == "1 of 5 done"


async def test_letting_someone_drift_also_ticks_off_their_drifting_row_and_undo_brings_both_back(tmp_path):
    book = Book.open(tmp_path / "drift.db")
    olga = book.add_contact("Olga Petrova", today=TODAY, cadence=Cadence.parse("weekly"))
    for days_ago in (10, 40, 70, 100):  # every gap a month on a weekly cadence
        book.log_interaction([olga], on=TODAY - timedelta(days=days_ago), kind="call", today=TODAY)
    app = make_app(book, CONFIG)
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            screen = await open_today(pilot)
            assert sorted(entry.item.kind for entry in screen.entries) == ["drifting", "keep-in-touch"]
            await pilot.press("r", "y")
            await pilot.pause()
            assert book.get_contact(olga).effective_cadence is None
            assert book.get_contact(olga).next_due is None
            assert [entry.outcome is not None for entry in screen.entries] == [True, True]
            assert progress(screen).startswith("2 of 2 done")
            await pilot.press("z")
            await pilot.pause()
            assert book.get_contact(olga).effective_cadence == Cadence.parse("weekly")
            assert progress(screen) == "0 of 2 done"
    finally:
        book.close()


async def test_under_74_columns_the_list_and_the_card_share_the_width(review_book):
    """The card kept its 38 columns and squeezed the list to 18, one word a line."""
    app = make_app(review_book, CONFIG)
    async with app.run_test(size=(60, 22)) as pilot:
        screen = await open_today(pilot)
        card, items = screen.query_one("#today-card"), screen.query_one("#today-list-column")
        assert 28 <= card.region.width <= 32 and items.region.width >= 28
        assert current_name(screen) in screen_text(app)


async def test_an_item_done_in_a_shell_is_ticked_off_in_place_and_not_logged_twice(review_book):
    """`kontakt done` in another shell while Today is open: the row is ticked off where it
    is, the highlight moves on, and Enter no longer logs that person a second time."""
    import os
    import subprocess
    import sys

    book = review_book
    app = make_app(book, CONFIG)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_today(pilot)
        await go_to(pilot, screen, "Karl Keep")
        rows_before = [entry.item.name for entry in screen.entries]
        env = {**os.environ, "KONTAKT_TODAY": TODAY.isoformat(), "KONTAKT_NO_AUTO_BACKUP": "1"}
        done = subprocess.run([sys.executable, "-m", "kontakt", "done", "Karl Keep", "--db", str(book.path)],
                              env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert app.check_for_changes()
        await pilot.pause()
        karl = next(entry for entry in screen.entries if entry.item.name == "Karl Keep")
        assert karl.outcome == "handled elsewhere"
        assert [entry.item.name for entry in screen.entries] == rows_before  # nothing moved
        assert current_name(screen) != "Karl Keep"
        assert "handled elsewhere" in screen_text(app)
        await pilot.press("enter")  # acts on the next person, not Karl again
        await pilot.pause()
    karl_logs = book.conn.execute(
        "SELECT count(*) FROM interaction_contacts WHERE contact_id = ?", (book.ids["karl"],)).fetchone()[0]
    assert karl_logs == 2  # the call 30 days ago and the shell's done: not a third
