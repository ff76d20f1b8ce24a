"""z takes back the last delete or archive, on screen and in the book; backup trouble shows on screen."""

from __future__ import annotations

import logging
from datetime import date

from kontakt.store import history
from kontakt.tui.screens.dialogs import ConfirmScreen, HelpScreen
from kontakt.tui.screens.forms import ContactForm
from kontakt.tui.widgets.contact_list import ContactList

from tui_helpers import HOSTILE, help_rows, highlight, list_text, make_app, screen_text


def notes(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


def deleted_at(book, contact_id):
    return book.conn.execute("SELECT deleted_at FROM contacts WHERE id = ?", (contact_id,)).fetchone()[0]


async def test_delete_then_z_brings_the_contact_back_whole(book):
    anna = book.ids["anna"]
    history = [i.id for i in book.interactions_for(anna)]
    assert history
    app = make_app(book)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        highlight(app, "Anna Müller")
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("enter")  # one key confirms
        await pilot.pause()
        assert deleted_at(book, anna) is not None
        assert "Anna Müller" not in list_text(app)
        assert "Moved Anna Müller to the trash · z undoes" in notes(app)

        await pilot.press("z")
        await pilot.pause()
        assert "Undid: move Anna Müller to the trash" in notes(app)
        assert "Anna Müller" in list_text(app)
        contacts = app.screen.query_one(ContactList)
        assert contacts.highlighted.id == anna  # back where the user was
        assert "meeting with Jan Novák" in screen_text(app)  # the detail shows her history
    assert deleted_at(book, anna) is None
    assert [i.id for i in book.interactions_for(anna)] == history
    assert book.trashed() == []


async def test_z_undoes_newest_first_then_says_there_is_nothing_left(book):
    app = make_app(book)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        highlight(app, "Eva Weber")
        await pilot.press("x")  # archive Eva
        await pilot.pause()
        highlight(app, "Jan Novák")
        await pilot.press("d", "y")  # trash Jan
        await pilot.pause()
        assert book.get_contact(book.ids["eva"]).archived
        assert [c.name for c, _ in book.trashed()] == ["Jan Novák"]

        await pilot.press("z")
        await pilot.pause()
        assert book.trashed() == []
        assert book.get_contact(book.ids["eva"]).archived  # only the newest step was undone

        await pilot.press("z")
        await pilot.pause()
        assert not book.get_contact(book.ids["eva"]).archived
        assert "Undid: archive Eva Weber" in notes(app)
        assert "Eva Weber" in list_text(app)
        assert app.screen.query_one(ContactList).highlighted.id == book.ids["eva"]

        await pilot.press("z")
        await pilot.pause()
        assert notes(app)[-1] == "Nothing to undo."
        assert app.is_running


async def test_z_after_bringing_back_from_the_archive_archives_again(book):
    book.archive(book.ids["zoe"], True)
    app = make_app(book)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.press("v")
        await pilot.pause()
        highlight(app, "Zoë Zürcher")
        await pilot.press("x")
        await pilot.pause()
        assert not book.get_contact(book.ids["zoe"]).archived
        await pilot.press("z")
        await pilot.pause()
        assert "Undid: bring Zoë Zürcher back from the archive" in notes(app)
    assert book.get_contact(book.ids["zoe"]).archived


async def test_undo_shows_a_hostile_name_literally(book):
    name = HOSTILE[2]  # [@click=app.quit]Bob[/]
    app = make_app(book)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        highlight(app, name)
        await pilot.press("d", "y")
        await pilot.pause()
        await pilot.press("z")
        await pilot.pause()
        assert f"Undid: move {name} to the trash" in notes(app)
        assert app.is_running
    assert deleted_at(book, book.ids["hostile2"]) is None


async def test_a_change_made_elsewhere_meanwhile_is_undone_first_and_named(book):
    """Undo goes newest first through the book's history: a restore made by another kontakt
    after the delete is what z takes back first, once a second z confirms it."""
    from kontakt.store import Book

    app = make_app(book)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        highlight(app, "Eva Weber")
        await pilot.press("d", "y")
        await pilot.pause()
        with Book.open(book.path) as other:  # as `kontakt restore` from another shell would
            other.history_source = "kontakt restore"
            other.restore_contact(book.ids["eva"])
        await pilot.press("z")
        await pilot.pause()
        assert notes(app)[-1].startswith("The newest change came from kontakt restore")
        await pilot.press("z")  # a second z: yes, that one
        await pilot.pause()
        assert notes(app)[-1] == "Undid: bring Eva Weber back from the trash (made by kontakt restore)"
        assert deleted_at(book, book.ids["eva"]) is not None
        await pilot.press("z")
        await pilot.pause()
        assert notes(app)[-1] == "Undid: move Eva Weber to the trash"
        assert deleted_at(book, book.ids["eva"]) is None
        await pilot.press("z")
        await pilot.pause()
        assert notes(app)[-1] == "Nothing to undo."  # the fixture's writes predate the app
        assert app.is_running and len(app.undo_stack) == 0


async def test_z_does_nothing_under_a_form_and_types_into_it(book):
    app = make_app(book)
    async with app.run_test(size=(120, 40)) as pilot:
        highlight(app, "Eva Weber")
        await pilot.press("d", "y")
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, ContactForm)
        await pilot.press("z")
        await pilot.pause()
        assert deleted_at(book, book.ids["eva"]) is not None
        assert history.newest(book).label == "move Eva Weber to the trash"  # still there to undo


async def test_a_screen_can_make_its_own_action_undoable(book):
    """The hook the duplicates screen uses for a merge: push_undo(label, callable, contact_id)."""
    from kontakt.services import dupes

    result = dupes.merge(book, book.ids["anna"], book.ids["jan"], today=date(2026, 11, 23))
    app = make_app(book)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        app.push_undo(
            f"merge {result.other_name} into {result.kept_name}",
            lambda: dupes.undo_merge(book, result.merge_id),
            contact_id=result.other_id,
        )
        assert "Jan Novák" not in list_text(app)
        await pilot.press("z")
        await pilot.pause()
        assert "Undid: merge Jan Novák into Anna Müller" in notes(app)
        assert "Jan Novák" in list_text(app)
        assert app.screen.query_one(ContactList).highlighted.id == book.ids["jan"]
    assert book.get_contact(book.ids["jan"])


async def test_help_lists_z(book):
    app = make_app(book)
    async with app.run_test(size=(100, 50)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert ("z", "app.undo", "undo the last change: edit, log, review, delete …") in help_rows(app.screen)


async def test_a_failed_daily_backup_is_a_notification_not_stderr(book, capsys):
    (book.path.parent / "backups").write_text("a file where the backups folder should be")
    book._backup_day = None  # the fixture's writes used up today's attempt on an empty book
    app = make_app(book)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        highlight(app, "Eva Weber")
        await pilot.press("x")  # the day's first write tries the backup, which fails
        await pilot.pause()
        assert book.get_contact(book.ids["eva"]).archived  # the change itself is saved
        warnings = [n for n in notes(app) if n.startswith("Today's automatic backup failed")]
        assert len(warnings) == 1 and "your change is saved" in warnings[0]
    assert "backup failed" not in capsys.readouterr().err
    # Gone with the app: the CLI goes back to printing the warning on stderr.
    assert not logging.getLogger("kontakt.backup").handlers
    assert logging.getLogger("kontakt.backup").propagate


async def test_a_backup_that_failed_before_the_app_opened_is_shown(book):
    book.backup_problem = "kontakt: warning: today's automatic backup failed (Permission denied); your change is saved"
    app = make_app(book)
    async with app.run_test(notifications=True) as pilot:
        await pilot.pause()
        assert any("Permission denied" in n for n in notes(app))


def test_a_step_undone_elsewhere_is_discarded_from_the_middle_of_the_stack():
    from kontakt.tui.undo import UndoStack, UndoStep

    stack = UndoStack(limit=3)
    steps = [UndoStep(f"step {i}", lambda: None) for i in range(4)]
    for step in steps:
        stack.push(step)
    assert stack.labels() == ["step 3", "step 2", "step 1"]  # the oldest fell off
    assert stack.discard(steps[2]) and not stack.discard(steps[0])
    assert stack.pop() is steps[3] and stack.pop() is steps[1] and stack.pop() is None


async def test_the_palette_offers_undo(book):
    anna = book.ids["anna"]
    app = make_app(book)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        highlight(app, "Anna Müller")
        await pilot.press("d", "enter")
        await pilot.pause()
        assert deleted_at(book, anna) is not None
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"undo the last")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert "Undid: move Anna Müller to the trash" in notes(app)
    assert deleted_at(book, anna) is None
