"""The passphrase dialog of an encrypted book: the right one opens it, a wrong one is refused,
three wrong ones end the app; and the bare `kontakt` with no terminal never waits for one."""

from __future__ import annotations

from datetime import date

import pytest
from click.testing import CliRunner
from textual.widgets import Input, Static

from kontakt.cli import main
from kontakt.store import Book
from kontakt.store import crypto
from kontakt.store import db as store_db
from kontakt.tui.unlock import TRIES, PassphraseScreen, UnlockApp

PASSPHRASE = "open sesame"


@pytest.fixture(scope="module")
def encrypted_book(tmp_path_factory):
    path = tmp_path_factory.mktemp("unlock") / "book.db"
    with Book.open(path) as book:
        book.auto_backup = False
        book.add_contact("Ada Lovelace", today=date(2026, 11, 23))
    crypto.encrypt(path, PASSPHRASE)
    store_db._passphrases.clear()
    return path


@pytest.fixture(autouse=True)
def forget(monkeypatch):
    monkeypatch.delenv(store_db.PASSPHRASE_ENV, raising=False)
    store_db._passphrases.clear()
    yield
    store_db._passphrases.clear()


async def _type(pilot, text: str) -> None:
    field = pilot.app.screen.query_one("#passphrase", Input)
    field.value = text
    await pilot.press("enter")
    await pilot.pause()


async def test_the_right_passphrase_opens_the_book_and_a_wrong_one_is_refused(encrypted_book):
    app = UnlockApp(encrypted_book)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, PassphraseScreen)
        field = app.screen.query_one("#passphrase", Input)
        assert field.password is True and app.screen.focused is field  # never shown; typed at once
        await _type(pilot, "open sesame!")
        assert isinstance(app.screen, PassphraseScreen)  # refused: still asking
        problem = app.screen.query_one("#passphrase-problem", Static)
        assert str(problem.render()) == f"wrong passphrase — {TRIES - 1} tries left"
        assert field.value == ""
        assert store_db.known_passphrase(encrypted_book) is None
        await _type(pilot, PASSPHRASE)
    assert app.return_value == PASSPHRASE and app.return_code == 0
    assert store_db.known_passphrase(encrypted_book) == PASSPHRASE
    with Book.open(encrypted_book, create=False) as book:  # no env, no prompt: remembered
        assert [c.name for c in book.list_contacts()] == ["Ada Lovelace"]


async def test_three_wrong_passphrases_end_the_app(encrypted_book):
    app = UnlockApp(encrypted_book)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for attempt in range(TRIES):
            assert isinstance(app.screen, PassphraseScreen), attempt
            await _type(pilot, "guess")
    assert app.return_value is None and app.return_code == 1
    assert app.wrong == TRIES
    assert store_db.known_passphrase(encrypted_book) is None


def test_the_bare_app_without_a_terminal_exits_1_instead_of_asking(encrypted_book):
    result = CliRunner().invoke(main, ["--db", str(encrypted_book)])
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"Error: {encrypted_book} is encrypted and no passphrase was given: set KONTAKT_PASSPHRASE, "
        "or open the app on a terminal to type it"
    )


def test_the_app_asks_before_anything_else_and_says_why_it_did_not_open(encrypted_book, monkeypatch):
    from kontakt.cli import secret
    from kontakt.tui import unlock

    asked = []
    monkeypatch.setattr(secret, "_on_terminal", lambda: True)
    monkeypatch.setattr(unlock, "ask_passphrase", lambda path: asked.append(path) or (None, TRIES))
    result = CliRunner().invoke(main, ["--db", str(encrypted_book)])
    assert asked == [encrypted_book]
    assert result.exit_code == 1
    assert f"wrong passphrase {TRIES} times" in result.stderr and "did not open" in result.stderr


def test_the_passphrase_dialog_after_one_wrong_try_matches_its_snapshot(snap_compare):
    from pathlib import Path

    # A fixed path and a check that refuses everything: the picture never depends on tmp_path.
    app = UnlockApp(Path("/home/you/.local/share/kontakt/kontakt.db"), check=lambda _p: False)

    async def one_wrong_try(pilot):
        await pilot.pause()
        await pilot.press(*"guess", "enter")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=one_wrong_try)
