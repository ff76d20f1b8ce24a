"""z undoes every write made from the app: edit, log, favour, Today actions, newest first,
across screens; the book and the screen come back, and a toast says what was undone."""

from __future__ import annotations

from datetime import timedelta

from kontakt.config import Config
from kontakt.domain import Cadence
from kontakt.store import Book
from kontakt.tui.screens.forms import ContactForm, FavourForm, FormField, LogForm
from kontakt.tui.screens.main import MainScreen
from kontakt.tui.screens.today import TodayScreen

from tui_helpers import TODAY, highlight, make_app, screen_text


def notes(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


def snapshot(book: Book) -> dict[str, list[tuple]]:
    """Every row of every table but the history's own and the search index internals."""
    tables = [
        row[0] for row in book.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name NOT LIKE 'contacts_fts%' AND name NOT IN ('undo_steps', 'undo_log')"
        )
    ]
    return {t: sorted((tuple(r) for r in book.conn.execute(f'SELECT * FROM "{t}"')), key=repr) for t in tables}


async def fill(pilot, field_id: str, text: str) -> None:
    widget = pilot.app.screen.query_one(f"#field-{field_id}", FormField).widget
    widget.focus()
    widget.value = text
    await pilot.pause()


async def test_z_after_an_edit_puts_the_contact_and_the_detail_back(book):
    before = snapshot(book)
    app = make_app(book)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        highlight(app, "Zoë Zürcher")
        await pilot.press("e")
        assert isinstance(app.screen, ContactForm)
        await fill(pilot, "org", "EPFL")
        await fill(pilot, "circles", "alumni climbing")
        await pilot.press("enter")
        await pilot.pause()
        assert "EPFL" in screen_text(app)
        assert notes(app)[-1] == "Saved Zoë Zürcher · z undoes"  # says that it can be undone
        await pilot.press("z")
        await pilot.pause()
        assert notes(app)[-1] == "Undid: edit Zoë Zürcher"
        assert "EPFL" not in screen_text(app)
        assert "ETH" in screen_text(app)
    assert snapshot(book) == before  # the new circle is gone again too


async def test_z_after_logging_takes_the_interaction_and_the_dates_back(book):
    eva = book.ids["eva"]
    before = snapshot(book)
    app = make_app(book)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        highlight(app, "Eva Weber")
        await pilot.press("l")
        assert isinstance(app.screen, LogForm)
        await fill(pilot, "note", "coffee")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert book.get_contact(eva).last_contact == TODAY
        await pilot.press("z")
        await pilot.pause()
        assert notes(app)[-1] == "Undid: log a meeting with Eva Weber"
        assert "coffee" not in screen_text(app)
    assert book.interactions_for(eva) == []
    assert snapshot(book) == before


async def test_z_after_a_favour_takes_it_back(book):
    before = snapshot(book)
    app = make_app(book)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        highlight(app, "Jan Novák")
        await pilot.press("f")
        assert isinstance(app.screen, FavourForm)
        await fill(pilot, "description", "lent me his van")
        await pilot.press("enter")
        await pilot.pause()
        assert "gave 1 · received 0" in screen_text(app)
        await pilot.press("z")
        await pilot.pause()
        assert notes(app)[-1] == "Undid: record a favour with Jan Novák"
        assert "gave 1" not in screen_text(app)
    assert snapshot(book) == before


async def test_z_on_a_fresh_app_says_there_is_nothing_to_undo(book):
    before = snapshot(book)
    app = make_app(book)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.press("z")
        await pilot.pause()
        assert notes(app) == ["Nothing to undo."]  # the book's older history is for `kontakt undo`
    assert snapshot(book) == before


async def test_z_undoes_across_screens_newest_first(book):
    """An edit on the main screen, then a Today action: z on the main screen takes back the
    Today action first, then the edit."""
    karl = book.add_contact("Karl Keep", today=TODAY, cadence=Cadence.parse("monthly"),
                            created_at="2025-01-01T09:00:00+00:00")
    book.log_interaction([karl], on=TODAY - timedelta(days=40), today=TODAY)
    before = snapshot(book)
    app = make_app(book, Config())
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        highlight(app, "Eva Weber")
        await pilot.press("e")
        await fill(pilot, "org", "Weber GmbH")
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TodayScreen)
        item = screen.current_entry.item
        assert item.kind == "keep-in-touch"
        await pilot.press("enter")  # done: logs an interaction
        await pilot.pause()
        assert book.get_contact(item.contact_id).last_contact == TODAY
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        await pilot.press("z")
        await pilot.pause()
        assert notes(app)[-1] == f"Undid: logged message with {item.name} on {TODAY.isoformat()}"
        assert book.get_contact(item.contact_id).last_contact != TODAY
        assert book.get_contact(book.ids["eva"]).org == "Weber GmbH"  # the older step waits
        await pilot.press("z")
        await pilot.pause()
        assert notes(app)[-1] == "Undid: edit Eva Weber"
        await pilot.press("z")
        await pilot.pause()
        assert notes(app)[-1] == "Nothing to undo."
    assert snapshot(book) == before


async def test_the_today_screens_own_z_refuses_when_a_newer_change_came_first(book):
    karl = book.add_contact("Karl Keep", today=TODAY, cadence=Cadence.parse("monthly"),
                            created_at="2025-01-01T09:00:00+00:00")
    book.log_interaction([karl], on=TODAY - timedelta(days=40), today=TODAY)
    app = make_app(book, Config())
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.press("t")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        with Book.open(book.path) as other:  # another kontakt writes meanwhile
            other.history_source = "kontakt edit"
            other.update_contact(book.ids["zoe"], today=TODAY, org="ETHZ")
        after = snapshot(book)
        await pilot.press("z")
        await pilot.pause()
        assert notes(app)[-1].startswith("Cannot undo that any more: a newer change (edit Zoë Zürcher)")
        assert snapshot(book) == after  # nothing was half undone
        assert isinstance(app.screen, TodayScreen) and app.screen.history == []


async def test_z_on_the_stats_screen_takes_back_an_accepted_cadence(book):
    from textual.widgets import OptionList

    from kontakt.tui.screens.stats import StatsScreen

    olga = book.add_contact("Olga Petrova", today=TODAY, cadence=Cadence.parse("weekly"))
    for days_ago in (3, 33, 64, 95):
        book.log_interaction([olga], on=TODAY - timedelta(days=days_ago), kind="call", today=TODAY)
    before = snapshot(book)
    app = make_app(book)
    async with app.run_test(size=(100, 40), notifications=True) as pilot:
        await pilot.press("g")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, StatsScreen)
        drift = app.screen.query_one("#stats-drift", OptionList)
        drift.highlighted = drift.get_option_index(str(olga))
        await pilot.press("a")  # the first a accepts the highlighted drift row
        await pilot.pause()
        assert book.get_contact(olga).cadence == Cadence(1, "month")
        await pilot.press("z")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert notes(app)[-1] == "Undid: keep in touch with Olga Petrova monthly"
        assert isinstance(app.screen, StatsScreen)
        drift = app.screen.query_one("#stats-drift", OptionList)
        assert any(drift.get_option_at_index(i).id == str(olga) for i in range(drift.option_count))
    assert snapshot(book) == before


async def test_a_step_named_by_a_screen_keeps_its_name_for_kontakt_undo_list(book):
    from kontakt.store import history

    app = make_app(book)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        highlight(app, "Eva Weber")
        await pilot.press("x")  # archive: the main screen names the step
        await pilot.pause()
    assert history.newest(book).label == "archive Eva Weber"
    assert book.conn.execute("SELECT label FROM undo_steps ORDER BY id DESC LIMIT 1").fetchone()[0] == "archive Eva Weber"


async def test_z_after_a_follow_up_and_an_introduction_takes_them_back_newest_first(book):
    from kontakt.tui.screens.forms import FollowUpForm, IntroForm

    before = snapshot(book)
    app = make_app(book)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        highlight(app, "Eva Weber")
        await pilot.press("u")
        assert isinstance(app.screen, FollowUpForm)
        await fill(pilot, "note", "send the photos")
        await pilot.press("enter")
        await pilot.pause()
        highlight(app, "Eva Weber")
        await pilot.press("i")
        assert isinstance(app.screen, IntroForm)
        await fill_people(pilot, "zoe")
        await pilot.press("enter")
        await pilot.pause()
        assert len(book.introductions_for(book.ids["eva"])) == 1
        await pilot.press("z")
        await pilot.pause()
        assert notes(app)[-1] == "Undid: record an introduction of Eva Weber and Zoë Zürcher"
        await pilot.press("z")
        await pilot.pause()
        assert notes(app)[-1] == "Undid: add a follow-up with Eva Weber"
    assert snapshot(book) == before


async def fill_people(pilot, text: str) -> None:
    from textual.widgets import Input

    from kontakt.tui.widgets.fields import PeoplePicker

    picker = pilot.app.screen.query_one(PeoplePicker)
    box = picker.query_one(Input)
    box.focus()
    box.value = text
    await pilot.pause()
    await pilot.press("enter")  # takes the suggestion
    await pilot.pause()


async def test_z_names_a_change_made_elsewhere_and_undoes_it_only_when_pressed_again(book):
    # The user adds someone in the app; a shell adds someone else meanwhile. The first z must
    # not silently take back the shell's write: it says whose change is newest.
    app = make_app(book)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        with Book.open(book.path) as other:
            other.history_source = "kontakt add"
            shell_id = other.add_contact("Shell Writer", today=TODAY)
        app.check_for_changes()
        await pilot.pause()
        before = snapshot(book)
        await pilot.press("z")
        await pilot.pause()
        assert notes(app)[-1].startswith("The newest change came from kontakt add: add Shell Writer.")
        assert snapshot(book) == before  # nothing undone yet
        await pilot.press("z")
        await pilot.pause()
        assert notes(app)[-1] == "Undid: add Shell Writer (made by kontakt add)"
        assert book.conn.execute("SELECT count(*) FROM contacts WHERE id = ?", (shell_id,)).fetchone()[0] == 0
