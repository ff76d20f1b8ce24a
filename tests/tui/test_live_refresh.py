"""The app open all day: another process's `kontakt log` shows up within seconds, in place."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

from textual.geometry import Region

from kontakt.store import Book
from kontakt.tui.screens.forms import ContactForm
from kontakt.tui.screens.main import MainScreen
from kontakt.tui.widgets.contact_list import ContactList
from kontakt.tui.widgets.fields import FormField

from tui_helpers import TODAY, highlight, list_text, make_app, screen_text, static_text

# A bound, not a speed claim: the app looks every LIVE_REFRESH_SECONDS; a slow CI box gets slack.
WAIT_AT_MOST = 10.0


def kontakt(book, *args: str) -> None:
    """Run the real CLI in a second process on the same book, as another shell would."""
    env = {**os.environ, "KONTAKT_TODAY": TODAY.isoformat(), "KONTAKT_NO_AUTO_BACKUP": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "kontakt", *args, "--db", str(book.path)],
        env=env, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr


async def until(pilot, condition) -> None:
    """Let the app run (its timers included) until `condition()` holds, or fail after the bound."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_AT_MOST
    while not condition():
        assert loop.time() < deadline, "the app did not show the other process's change"
        await pilot.pause(0.1)


def row_of(app, name: str) -> str:
    """The list row showing `name`, read from the main screen even under a form."""
    contacts = app.main_screen.query_one(ContactList)
    strips = contacts.render_lines(Region(0, 0, contacts.size.width, contacts.size.height))
    return next(strip.text for strip in strips if name in strip.text)


async def test_another_process_logging_shows_up_without_losing_the_place(book):
    for index in range(40):  # enough people that the list scrolls
        book.add_contact(f"Person {index:02}", today=TODAY)
    app = make_app(book)
    async with app.run_test(size=(120, 30)) as pilot:
        contacts = app.screen.query_one(ContactList)
        highlight(app, "Person 30")
        await pilot.pause()
        assert contacts.scroll_offset.y > 0
        cursor = contacts.cursor
        line = cursor - contacts.scroll_offset.y  # where on screen the highlighted row is
        assert "never" in row_of(app, "Person 30")

        # Another shell: someone who sorts first joins, and the highlighted person gets a call.
        kontakt(book, "add", "Aaron Aal")
        kontakt(book, "log", "Person 30", "--kind", "call", "--note", "rang [b]x[/b]")

        await until(pilot, lambda: "today" in row_of(app, "Person 30"))
        assert contacts.highlighted.name == "Person 30"  # same person, one row further down
        assert contacts.cursor == cursor + 1
        assert contacts.cursor - contacts.scroll_offset.y == line  # still on the same line
        text = screen_text(app)
        assert "rang [b]x[/b]" in text  # the detail pane, literally
        assert "today · 23 Nov 2026" in text
        assert "49 contacts" in text  # header and status counts
        assert isinstance(app.screen, MainScreen)


async def test_search_and_circle_filter_stay_while_the_list_refreshes(book):
    app = make_app(book)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("slash", *"#breakfast", "enter")
        await pilot.pause()
        highlight(app, "Jan Novák")
        kontakt(book, "log", "Jan Novák", "Eva Weber", "--kind", "meeting")
        await until(pilot, lambda: "today" in row_of(app, "Jan Novák"))
        assert "Zoë Zürcher" not in list_text(app)  # still only the #breakfast circle
        assert app.screen.query_one("#search").value == "#breakfast"
        assert app.screen.query_one(ContactList).highlighted.name == "Jan Novák"


async def test_an_open_form_is_left_alone_and_the_list_catches_up_after(book):
    app = make_app(book)
    async with app.run_test(size=(120, 40)) as pilot:
        highlight(app, "Eva Weber")
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, ContactForm)
        name = app.screen.query_one("#field-name", FormField).widget
        name.focus()
        await pilot.press(*"Half typ")

        kontakt(book, "log", "Eva Weber")
        assert app.check_for_changes()  # the tick, now rather than within the second
        await pilot.pause(0.3)
        assert isinstance(app.screen, ContactForm)
        assert name.value == "Half typ"
        assert "never" in row_of(app, "Eva Weber")  # the list under the form waits

        await pilot.press("escape", "y")  # discard the half-typed contact
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        await until(pilot, lambda: "today" in row_of(app, "Eva Weber"))
        assert app.screen.query_one(ContactList).highlighted.name == "Eva Weber"


async def test_the_apps_own_writes_do_not_count_as_outside_changes(book):
    app = make_app(book)
    async with app.run_test(size=(120, 40)) as pilot:
        highlight(app, "Eva Weber")
        await pilot.press("x")
        await pilot.pause()
        assert not app.check_for_changes()
        kontakt(book, "log", "Jan Novák")
        assert app.check_for_changes()
        assert not app.check_for_changes()


async def test_a_rename_elsewhere_keeps_the_renamed_contact_highlighted(book):
    for index in range(60):  # the new name sorts further away than one page look-around
        book.add_contact(f"Person {index:02}", today=TODAY)
    app = make_app(book)
    async with app.run_test(size=(120, 30)) as pilot:
        contacts = app.screen.query_one(ContactList)
        highlight(app, "Anna Müller")
        kontakt(book, "edit", "Anna Müller", "--name", "Zsuzsa Anna Müller")
        await until(pilot, lambda: "Zsuzsa Anna Müller" in list_text(app))
        assert contacts.highlighted.id == book.ids["anna"]
        assert contacts.highlighted.name == "Zsuzsa Anna Müller"


async def test_the_highlighted_contact_trashed_elsewhere_moves_the_cursor_to_a_neighbour(book):
    app = make_app(book)
    async with app.run_test(size=(120, 30)) as pilot:
        contacts = app.screen.query_one(ContactList)
        highlight(app, "Eva Weber")
        kontakt(book, "rm", "Eva Weber")
        await until(pilot, lambda: "Eva Weber" not in list_text(app))
        assert contacts.highlighted.name == "Jan Novák"  # the next one takes her row
        await pilot.pause()
        assert static_text(app.screen.query_one("#detail-card")).startswith("Jan Novák")  # the detail follows


async def test_a_commit_halfway_through_a_refresh_never_splits_header_and_list(book):
    # Another shell commits right after the list counted its rows: without one read
    # transaction around the refresh the header counted the newcomer and the list did not,
    # until the next refresh (the real-process test caught "37 contacts" over 36 rows).
    app = make_app(book)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = app.main_screen
        contacts = screen.query_one(ContactList)
        before = contacts.count
        other = Book.open(book.path)
        counted = book.count_contacts

        def count_then_another_shell_commits(**kwargs):
            number = counted(**kwargs)
            if other.count_contacts() == before:
                other.add_contact("Zoe Between", today=TODAY)
            return number

        book.count_contacts = count_then_another_shell_commits
        try:
            screen.refresh_live()
            await pilot.pause()
            assert contacts.count == before
            assert f"{before} contacts" in static_text(screen.query_one("#header-left"))
            screen.refresh_live()  # the next tick sees the newcomer, in both places
            await pilot.pause()
            assert contacts.count == before + 1
            assert f"{before + 1} contacts" in static_text(screen.query_one("#header-left"))
            assert "Zoe Between" in list_text(app)
        finally:
            del book.count_contacts
            other.close()


async def test_saving_an_edit_form_keeps_what_another_process_changed_meanwhile(book):
    """The form writes only the fields changed in it: a shell's `kontakt edit` of the org
    and phone while the form was open survives a save that changed the nickname."""
    app = make_app(book)
    async with app.run_test(size=(120, 40)) as pilot:
        highlight(app, "Eva Weber")
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, ContactForm)
        kontakt(book, "edit", "Eva Weber", "--org", "Weber Treuhand GmbH", "--phone", "+41 79 000 00 00")
        nickname = app.screen.query_one("#field-nickname", FormField).widget
        nickname.focus()
        await pilot.press(*"Evi", "enter")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
    eva = book.get_contact(book.find("Eva Weber").id)
    assert (eva.nickname, eva.org, list(eva.phones)) == ("Evi", "Weber Treuhand GmbH", ["+41 79 000 00 00"])


async def test_saving_a_form_for_someone_trashed_meanwhile_says_so_instead_of_crashing(book):
    for key, field in (("e", "nickname"), ("f", "description")):
        app = make_app(book)
        async with app.run_test(size=(120, 40)) as pilot:
            highlight(app, "Jan Novák")
            await pilot.press(key)
            await pilot.pause()
            form = app.screen
            kontakt(book, "rm", "Jan Novák")
            form.query_one(f"#field-{field}", FormField).widget.focus()
            await pilot.press(*"typed", "enter")
            await pilot.pause()
            assert app.screen is form and app.is_running  # still open, nothing lost
            assert "nothing was saved" in screen_text(app)
            await pilot.press("escape", "y")
            await pilot.pause()
            assert isinstance(app.screen, MainScreen)
        kontakt(book, "restore", "Jan Novák")  # for the next form


async def test_a_follow_up_marks_the_person_in_the_list_as_the_cards_next_line_does(book):
    """The list's ● and ○ follow the card's "next": keep in touch or an earlier follow-up."""
    app = make_app(book)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert not row_of(app, "Zoë Zürcher").lstrip().startswith(("●", "○"))  # no cadence

        kontakt(book, "follow-up", "Zoë", "--in", "3 days", "--note", "send the slides")
        await until(pilot, lambda: row_of(app, "Zoë Zürcher").lstrip().startswith("○"))

        kontakt(book, "follow-up", "Zoë", "--on", TODAY.isoformat(), "--note", "call back")
        await until(pilot, lambda: row_of(app, "Zoë Zürcher").lstrip().startswith("●"))
        highlight(app, "Zoë Zürcher")
        await pilot.pause()
        assert "next due today · follow-up: call back" in card_words(app)

        # Done elsewhere: the one in three days is left; then that one goes to the trash.
        kontakt(book, "done", "Zoë")
        await until(pilot, lambda: row_of(app, "Zoë Zürcher").lstrip().startswith("○"))
        [later] = book.follow_ups_for(book.ids["zoe"], include_done=False)
        kontakt(book, "rm-follow-up", str(later.id))
        await until(pilot, lambda: not row_of(app, "Zoë Zürcher").lstrip().startswith(("●", "○")))
        assert "next" not in card_words(app) and "last today" in card_words(app)  # done logs


def card_words(app) -> str:
    """The highlighted person's card, its words one space apart (the card wraps)."""
    return " ".join(screen_text(app).split("Timeline")[0].split())


async def test_a_save_that_waits_for_another_writer_says_so_and_lands_when_it_is_done(book):
    """A shell's big import holds the write lock for seconds: the app's save waited with the
    form up and the screen frozen, saying nothing. Now the bottom line says why at once, the
    save lands as soon as the lock is free, and the screen is drawn whole again."""
    app = make_app(book)
    async with app.run_test(size=(100, 30)) as pilot:
        written: list[str] = []
        app._driver.write = written.append  # what a real terminal would get
        redrawn: list[bool] = []
        redraw = app.refresh
        app.refresh = lambda **kwargs: (redrawn.append(True), redraw(**kwargs))[1]
        await pilot.press("a")
        await pilot.pause()
        await pilot.press(*"Zed Waiting")
        # Another process takes the write lock and keeps it 1.5 s, as an import's transaction.
        holder = subprocess.Popen(
            [sys.executable, "-c",
             "import sys, time; from kontakt.store.driver import sqlite3; "
             "c = sqlite3.connect(sys.argv[1], isolation_level=None); c.execute('BEGIN IMMEDIATE'); "
             "print('locked', flush=True); time.sleep(1.5); c.execute('COMMIT')", str(book.path)],
            stdout=subprocess.PIPE, text=True)
        try:
            assert holder.stdout.readline().strip() == "locked"
            await pilot.press("enter")
            await pilot.pause()
        finally:
            assert holder.wait(timeout=30) == 0
        assert app.waits_said == 1
        notice = next(w for w in written if app.WAITING_NOTICE in w)
        assert notice.startswith("\x1b7\x1b[30;1H\x1b[7m") and notice.endswith("\x1b[0m\x1b8")
        assert isinstance(app.screen, MainScreen)
        assert redrawn  # the notice's line is drawn over
        assert [c.name for c in book.list_contacts() if c.name == "Zed Waiting"] == ["Zed Waiting"]
        await pilot.pause()
        assert "Added Zed Waiting" in " ".join(str(n.message) for n in app._notifications)
