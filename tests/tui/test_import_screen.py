"""Importing a file from inside the app: a path, the CLI's dry run, then the import."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from textual.widgets import Input

from kontakt.cli import main
from kontakt.store import Book
from kontakt.tui.screens.dialogs import ImportScreen
from kontakt.tui.screens.main import MainScreen

from tui_helpers import TODAY, list_text, make_app, screen_text

GOOGLE = Path(__file__).parents[1] / "fixtures" / "transfer" / "google.csv"


async def type_path(pilot, path: Path) -> None:
    """Fill the path box as typing would (Input.Changed fires), then Enter: pressing each of
    a path's ~80 characters cost 8-16 s of a slow CI machine's time per test."""
    box = pilot.app.screen.query_one("#import-path", Input)
    assert pilot.app.screen.focused is box
    box.value = str(path)
    await pilot.pause()
    await pilot.press("enter")


def dry_run_by_the_cli(tmp_path: Path) -> list[str]:
    result = CliRunner().invoke(main, ["import", str(GOOGLE), "--dry-run", "--db", str(tmp_path / "cli.db")],
                                env={"KONTAKT_TODAY": TODAY.isoformat()})
    return [line for line in result.stdout.splitlines() if line.strip()]


async def test_the_empty_book_says_how_to_import(tmp_path):
    book = Book.open(tmp_path / "empty.db")
    try:
        app = make_app(book)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            text = list_text(app)
            assert "a adds someone" in text and "I imports a file" in text
    finally:
        book.close()


async def test_import_shows_the_clis_dry_run_then_imports_on_enter(tmp_path):
    expected = dry_run_by_the_cli(tmp_path)
    assert expected[-1].startswith("dry run, nothing written: would be 4 added")
    book = Book.open(tmp_path / "book.db")
    try:
        app = make_app(book)
        async with app.run_test(size=(100, 40), notifications=True) as pilot:
            await pilot.press("I")
            await pilot.pause()
            assert isinstance(app.screen, ImportScreen)
            assert app.screen.focused is app.screen.query_one("#import-path", Input)
            await type_path(pilot, GOOGLE)
            await pilot.pause()
            shown = screen_text(app)
            for line in expected:  # every line the CLI prints, the same words
                assert line in shown, line
            assert book.count_contacts() == 0  # the dry run wrote nothing
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, MainScreen)
            assert book.count_contacts() == 4
            assert "Anna Müller" in list_text(app)
            assert any("Imported: 4 added" in str(n.message) for n in app._notifications)
    finally:
        book.close()


async def test_a_path_that_is_not_there_is_named_and_nothing_happens(tmp_path):
    book = Book.open(tmp_path / "book.db")
    try:
        app = make_app(book)
        async with app.run_test(size=(100, 40)) as pilot:
            await pilot.press("I")
            await pilot.pause()
            missing = tmp_path / "nothere.csv"
            await type_path(pilot, missing)
            await pilot.pause()
            assert f"{missing}: no such file or directory" in screen_text(app)
            await pilot.press("enter")  # still only the error: no import of nothing
            await pilot.pause()
            assert isinstance(app.screen, ImportScreen)
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, MainScreen)
        assert book.count_contacts() == 0
    finally:
        book.close()


async def test_escape_after_the_dry_run_goes_back_to_the_path_and_imports_nothing(tmp_path):
    book = Book.open(tmp_path / "book.db")
    try:
        app = make_app(book)
        async with app.run_test(size=(100, 40)) as pilot:
            await pilot.press("ctrl+p", *"import a file")  # the palette's entry
            await pilot.pause(0.5)
            await pilot.press("enter")
            await pilot.pause(0.2)
            assert isinstance(app.screen, ImportScreen)
            await type_path(pilot, GOOGLE)
            await pilot.pause()
            assert "would add" in screen_text(app)
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, ImportScreen)
            assert "would add" not in screen_text(app)
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, MainScreen)
        assert book.count_contacts() == 0
    finally:
        book.close()


async def test_a_table_without_a_name_column_says_how_to_import_it_from_a_shell(tmp_path):
    """The CLI's message said "name one with --map COLUMN=name", an option the app has no
    place for; the app names the whole command."""
    table = tmp_path / "shop export.csv"
    table.write_text("colour,size,price\nred,M,12\n", encoding="utf-8")
    book = Book.open(tmp_path / "book.db")
    try:
        app = make_app(book)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("I")
            await pilot.pause()
            await type_path(pilot, table)
            await pilot.pause()
            text = " ".join(screen_text(app).split())
            assert "no name column in the header (colour, size, price)" in text
            assert f"kontakt import '{table}' --map COLUMN=name" in text
            assert isinstance(app.screen, ImportScreen)
        assert book.count_contacts() == 0
    finally:
        book.close()
