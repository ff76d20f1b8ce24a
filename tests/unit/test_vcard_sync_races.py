"""`kontakt sync` while something else writes: vdirsyncer saving the phone's edit into the
folder, another kontakt saving an edit into the book, or a second `kontakt sync` with the
same folder. What the other writer wrote is never overwritten, deleted or lost on its way
to the other side, and the two syncs never crash."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import pytest

import kontakt.services.sync as sync_module
from kontakt.services.sync import SyncError, sync_vdir
from kontakt.store import Book

TODAY = date(2026, 11, 23)
CARD = ("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:ada-1\r\nFN:Ada Lovelace\r\nN:Lovelace;Ada;;;\r\n"
        "EMAIL:ada@example.org\r\nEND:VCARD\r\n")


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setenv("KONTAKT_NOW", "2026-11-23T09:30:00+00:00")


def while_planning(monkeypatch, action) -> list[int]:
    """Run `action` once, after the sync has read the folder and the book and planned, before
    it writes anything (where a sync of a big folder spends its seconds); returns a list
    that counts the runs."""
    runs: list[int] = []
    describe = sync_module._describe

    def hooked(plans, report):
        if not runs:
            runs.append(1)
            action()
        return describe(plans, report)

    monkeypatch.setattr(sync_module, "_describe", hooked)
    return runs


def ada(book: Book, folder: Path) -> int:
    folder.mkdir()
    (folder / "ada.vcf").write_bytes(CARD.encode())
    assert sync_vdir(book, folder, today=TODAY).added == ["Ada Lovelace"]
    (contact,) = book.list_contacts()
    return contact.id


@pytest.mark.parametrize("kontakt_side", ["edit", "delete"])
def test_a_card_the_phone_saves_while_kontakt_syncs_is_neither_overwritten_nor_deleted(
        book, tmp_path, monkeypatch, kontakt_side):
    folder = tmp_path / "cards"
    ada_id = ada(book, folder)
    if kontakt_side == "edit":
        book.update_contact(ada_id, today=TODAY, role="Countess")
    else:
        book.trash_contact(ada_id)
    phone = CARD.replace("ada@example.org", "ada@phone.example").encode()
    runs = while_planning(monkeypatch, lambda: (folder / "ada.vcf").write_bytes(phone))

    with pytest.raises(SyncError, match="ada.vcf changed while kontakt synced"):
        sync_vdir(book, folder, today=TODAY)

    assert runs == [1]
    assert (folder / "ada.vcf").read_bytes() == phone  # the phone's edit, as it saved it
    # The book unchanged too: the edit not taken as synced, the deleted Ada still deleted.
    assert [c.name for c, _ in book.trashed()] == ([] if kontakt_side == "edit" else ["Ada Lovelace"])
    # The next sync sees both edits: the phone's comes in, kontakt's goes out.
    report = sync_vdir(book, folder, today=TODAY)
    assert not report.conflicts
    contact = book.get_contact(ada_id)
    assert contact.emails == ("ada@phone.example",) and book.trashed() == []
    if kontakt_side == "edit":
        assert contact.role == "Countess" and b"TITLE:Countess\r\n" in (folder / "ada.vcf").read_bytes()
    else:
        assert report.restored == ["Ada Lovelace"]


def test_an_edit_saved_in_the_book_while_kontakt_syncs_still_reaches_the_card(book, tmp_path, monkeypatch):
    """Another kontakt (the app, a second shell) saves while the sync plans: it waits for the
    sync, and its edit goes to the card with the next sync instead of being taken as synced."""
    folder = tmp_path / "cards"
    ada_id = ada(book, folder)
    book.update_contact(ada_id, today=TODAY, notes="first")
    saved = threading.Event()

    def other_kontakt():
        with Book.open(book.path) as other:
            other.update_contact(ada_id, today=TODAY, role="Countess")
        saved.set()

    thread = threading.Thread(target=other_kontakt)
    while_planning(monkeypatch, lambda: (thread.start(), saved.wait(1.0)))
    sync_vdir(book, folder, today=TODAY)
    thread.join(10)
    assert saved.is_set()
    assert book.get_contact(ada_id).role == "Countess"

    report = sync_vdir(book, folder, today=TODAY)

    assert report.written == [("ada.vcf", ["role"])]
    assert b"TITLE:Countess\r\n" in (folder / "ada.vcf").read_bytes()


def test_two_syncs_of_one_folder_at_once_add_a_new_card_once_and_neither_fails(book, tmp_path, monkeypatch):
    folder = tmp_path / "cards"
    ada(book, folder)
    (folder / "bob.vcf").write_bytes(CARD.replace("ada-1", "bob-1").replace("Ada Lovelace", "Bob Byron")
                                     .replace("Lovelace;Ada", "Byron;Bob").encode())
    second: list[object] = []

    def other_sync():
        with Book.open(book.path) as other:
            try:
                second.append(sync_vdir(other, folder, today=TODAY))
            except Exception as error:  # noqa: BLE001 - the test reports it
                second.append(error)

    thread = threading.Thread(target=other_sync)
    while_planning(monkeypatch, lambda: (thread.start(), thread.join(1.0)))
    first = sync_vdir(book, folder, today=TODAY)
    thread.join(10)

    assert first.added == ["Bob Byron"]
    (other,) = second
    assert not isinstance(other, Exception), other
    assert other.changes == 0
    assert sorted(c.name for c in book.list_contacts()) == ["Ada Lovelace", "Bob Byron"]


def test_a_rewrite_that_would_not_be_a_readable_card_is_never_written(book, tmp_path, monkeypatch):
    """The last guard of the folder: whatever goes wrong in a rewrite, the phone never gets
    a card no one can read, and the book is not changed by half."""
    folder = tmp_path / "cards"
    ada_id = ada(book, folder)
    book.update_contact(ada_id, today=TODAY, role="Countess")
    render = sync_module.render
    monkeypatch.setattr(sync_module, "render", lambda *a, **k: render(*a, **k).replace("BEGIN:VCARD", "", 1))

    with pytest.raises(SyncError, match=r"ada.vcf: kontakt's rewrite of it would not be a readable card"):
        sync_vdir(book, folder, today=TODAY)

    assert (folder / "ada.vcf").read_bytes() == CARD.encode()
    monkeypatch.setattr(sync_module, "render", render)
    assert sync_vdir(book, folder, today=TODAY).written == [("ada.vcf", ["role"])]
