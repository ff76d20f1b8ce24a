"""The Sync conflicts screen: kontakt's value beside the folder's, one kept with b or f."""

from __future__ import annotations

from pathlib import Path

import pytest

from kontakt.services.sync import sync_vdir
from kontakt.store import Book
from kontakt.tui.screens.main import MainScreen
from kontakt.tui.screens.sync_conflicts import ConflictRows, SyncConflictsScreen

from tui_helpers import HOSTILE, TODAY, make_app, screen_text


def conflicted_book(tmp_path: Path, home: Path) -> tuple[Book, Path, dict[str, int]]:
    """Two contacts whose card and record both changed since the last sync; [sync] set."""
    folder = tmp_path / "cards"
    folder.mkdir()
    book = Book.open(tmp_path / "book.db")
    ada = book.add_contact("Ada Lovelace", today=TODAY, role="Countess")
    odd = book.add_contact(HOSTILE[2], today=TODAY, notes="old note")
    sync_vdir(book, folder, today=TODAY)
    for path in folder.glob("*.vcf"):
        text = path.read_text(encoding="utf-8")
        text = text.replace("TITLE:Countess", "TITLE:Mathematician").replace("NOTE:old note", "NOTE:[b]phone[/b]")
        path.write_text(text, encoding="utf-8")
    book.update_contact(ada, today=TODAY, role="Poet")
    book.update_contact(odd, today=TODAY, notes="[i]kontakt[/i]")
    config = home / "config" / "kontakt" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(f'[sync]\nvcard_dir = "{folder}"\n', encoding="utf-8")
    return book, folder, {"ada": ada, "odd": odd}


@pytest.fixture
def conflicted(tmp_path, isolated_environment, monkeypatch):
    monkeypatch.setenv("KONTAKT_NOW", "2026-11-23T09:30:00+00:00")
    book, folder, ids = conflicted_book(tmp_path, isolated_environment)
    yield book, folder, ids
    book.close()


async def test_both_values_side_by_side_and_each_key_keeps_one_side(conflicted):
    book, folder, ids = conflicted
    app = make_app(book)
    async with app.run_test(size=(100, 30)) as pilot:
        await app.screen.run_action("sync_conflicts")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SyncConflictsScreen)
        rows = screen.query_one(ConflictRows)
        text = rows.render().plain
        assert [(c.field, c.book, c.folder) for c in rows.conflicts] == [
            ("notes", "[i]kontakt[/i]", "[b]phone[/b]"), ("role", "Poet", "Mathematician")]
        assert screen.focused is rows and rows.cursor == 0
        # Data is shown literally: markup in names and values is text.
        assert "[@click=app.quit]Bob[/]   notes" in text and "[i]kontakt[/i]" in text
        assert "[@click=app.quit]Bob[/]  notes" in screen_text(app)  # the detail under the rows
        assert "Poet" in text and "Mathematician" in text
        await pilot.press("down", "f")  # Ada's title: the folder's
        await pilot.pause()
        assert book.get_contact(ids["ada"]).role == "Mathematician"
        assert [c.field for c in rows.conflicts] == ["notes"]
        await pilot.press("b")  # the other's note: kontakt's, written into the card
        await pilot.pause()
        assert rows.conflicts == []
        assert "No conflicts" in screen_text(app)
        assert any("NOTE:[i]kontakt[/i]" in p.read_text(encoding="utf-8") for p in folder.glob("*.vcf"))
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
    assert sync_vdir(book, folder, today=TODAY).changes == 0


async def test_without_a_folder_in_the_config_the_app_says_where_to_set_it(book):
    app = make_app(book)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await app.screen.run_action("sync_conflicts")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert any("vcard_dir under [sync]" in n.message for n in app._notifications)


def test_sync_conflicts_screen_matches_snapshot(conflicted, snap_compare):
    book, _, _ = conflicted

    async def open_screen(pilot):
        await pilot.app.screen.run_action("sync_conflicts")
        await pilot.pause()

    assert snap_compare(make_app(book), terminal_size=(100, 24), run_before=open_screen)


def test_card_with_labels_addresses_and_web_matches_snapshot(tmp_path, snap_compare, monkeypatch):
    from kontakt.domain import Address

    monkeypatch.setenv("KONTAKT_NOW", "2026-11-23T09:30:00+00:00")
    book = Book.open(tmp_path / "book.db")
    book.add_contact(
        "Ada Lovelace", today=TODAY, role="Countess", phones=["+44 20 7946 0000", "+44 20 7946 0001"],
        emails=["ada@example.org"], labels={"+44 20 7946 0000": "mobile", "ada@example.org": "work"},
        addresses=[Address.parse("home: 12 St James's Sq; London; ; SW1Y 4JH; UK")],
        urls=["https://ada.example"],
    )
    try:
        assert snap_compare(make_app(book), terminal_size=(100, 24))
    finally:
        book.close()
