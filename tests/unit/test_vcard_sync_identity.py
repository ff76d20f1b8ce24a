"""services/sync: which person a card is when its UID does not say it — cards without a UID
(named by vdirsyncer after a hash of their content, so renamed by every edit), and a second
file carrying the same UID (a backup copy)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
import vobject

from kontakt.services.sync import sync_vdir
from kontakt.store import Book

TODAY = date(2026, 11, 23)

# As Google Contacts hands a card to vdirsyncer: vCard 3.0, no UID, Apple-style item groups.
GOOGLE_CARD = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Zoe Example\r\nN:Example;Zoe;;;\r\n"
    "EMAIL;TYPE=INTERNET;TYPE=HOME:zoe@example.com\r\nTEL;TYPE=CELL:+49 170 1234567\r\n"
    "item1.URL:https\\://zoe.example\r\nitem1.X-ABLabel:blog\r\n"
    "X-GOOGLE-ETAG:\"abc\"\r\nEND:VCARD\r\n"
)


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setenv("KONTAKT_NOW", "2026-11-23T09:30:00+00:00")


def vdirsyncer_name(text: str) -> str:
    """The file name vdirsyncer's filesystem storage gives this card (its ident: UID or hash)."""
    item = pytest.importorskip("vdirsyncer.vobject").Item(text)
    return item.ident + ".vcf"


def put(folder: Path, text: str) -> Path:
    path = folder / vdirsyncer_name(text)
    path.write_bytes(text.encode("utf-8"))
    return path


def only_contact(book: Book):
    rows = book.conn.execute("SELECT id FROM contacts WHERE deleted_at IS NULL").fetchall()
    assert len(rows) == 1, rows
    return book.get_contact(rows[0][0])


def test_a_card_without_uid_renamed_by_an_edit_stays_the_same_person_with_their_history(book, tmp_path):
    folder = tmp_path / "contacts"
    folder.mkdir()
    first = put(folder, GOOGLE_CARD)
    assert sync_vdir(book, folder, today=TODAY).added == ["Zoe Example"]
    zoe = only_contact(book)
    book.log_interaction([zoe.id], on=TODAY, kind="meeting", note="coffee", today=TODAY)
    # The phone changes the e-mail; vdirsyncer deletes the old file and writes one named by
    # the new content's hash.
    edited = GOOGLE_CARD.replace("zoe@example.com", "zoe@new.example")
    first.unlink()
    second = put(folder, edited)
    assert second.name != first.name
    report = sync_vdir(book, folder, today=TODAY)
    assert report.updated == [("Zoe Example", ["emails"])]
    assert report.trashed == [] and report.added == [] and report.warnings == []
    assert book.trashed() == []
    now = only_contact(book)
    assert (now.id, now.uid, now.emails) == (zoe.id, zoe.uid, ("zoe@new.example",))
    assert [i.note for i in book.interactions_for(zoe.id)] == ["coffee"]
    # Moved again with the same bytes (a rename by hand), then edited in place (khard keeps
    # the file name): still Zoe, the second known by its file name alone.
    third = second.with_name("renamed.vcf")
    second.rename(third)
    assert sync_vdir(book, folder, today=TODAY).changes == 0
    third.write_bytes(third.read_bytes().replace(b"FN:Zoe Example", b"FN:Zoe Exemplary"))
    report = sync_vdir(book, folder, today=TODAY)
    assert report.updated == [("Zoe Example", ["name"])] and report.trashed == [] and report.added == []
    assert only_contact(book).id == zoe.id and book.trashed() == []


def test_a_different_card_without_uid_in_place_of_a_deleted_one_is_not_taken_for_it(book, tmp_path):
    folder = tmp_path / "contacts"
    folder.mkdir()
    put(folder, GOOGLE_CARD)
    yan = GOOGLE_CARD.replace("Zoe", "Yan").replace("zoe@", "yan@").replace("1234567", "7654321")
    other = put(folder, yan.replace("END:VCARD", "ORG:Acme\r\nEND:VCARD"))
    sync_vdir(book, folder, today=TODAY)
    other.unlink()
    # Same company, nothing that names the person: someone else.
    put(folder, "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Max Other\r\nORG:Acme\r\nEMAIL:max@example.net\r\nEND:VCARD\r\n")
    report = sync_vdir(book, folder, today=TODAY)
    assert report.trashed == ["Yan Example"] and report.added == ["Max Other"]


def test_someone_sharing_only_a_landline_with_a_deleted_card_is_not_taken_for_them(book, tmp_path):
    """A household's or an office's number is on several people's cards (and Google puts
    every card in myContacts): a new card sharing only those with one deleted on the phone
    is someone else, never the deleted person renamed with their history."""
    folder = tmp_path / "contacts"
    folder.mkdir()
    book.add_contact("Placeholder", today=TODAY)  # a card that stays: not a wiped folder
    home = "TEL;TYPE=HOME:+49 30 1111111\r\nCATEGORIES:myContacts\r\nEND:VCARD\r\n"
    yan = put(folder, "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Yan Example\r\nEMAIL:yan@example.com\r\n" + home)
    sync_vdir(book, folder, today=TODAY)
    (yan_id,) = [c.id for c in book.list_contacts() if c.name == "Yan Example"]
    book.log_interaction([yan_id], on=TODAY, kind="meeting", note="coffee with Yan", today=TODAY)
    yan.unlink()
    put(folder, "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Mia Other\r\nEMAIL:mia@other.net\r\n" + home)

    report = sync_vdir(book, folder, today=TODAY)

    assert report.trashed == ["Yan Example"] and report.added == ["Mia Other"] and report.updated == []
    (mia,) = [c for c in book.list_contacts() if c.name == "Mia Other"]
    assert book.interactions_for(mia.id) == []


def test_two_cards_equally_like_a_vanished_one_are_no_guess(book, tmp_path):
    folder = tmp_path / "contacts"
    folder.mkdir()
    book.add_contact("Placeholder", today=TODAY)  # a card that stays: not a wiped folder
    zoe = put(folder, GOOGLE_CARD)
    sync_vdir(book, folder, today=TODAY)
    zoe.unlink()
    put(folder, GOOGLE_CARD.replace("zoe@example.com", "a@example.com"))
    put(folder, GOOGLE_CARD.replace("zoe@example.com", "b@example.com"))
    report = sync_vdir(book, folder, today=TODAY)
    assert report.trashed == ["Zoe Example"] and report.added == ["Zoe Example", "Zoe Example"]


def test_a_card_without_uid_gets_kontakts_uid_when_kontakt_rewrites_it(book, tmp_path):
    folder = tmp_path / "contacts"
    folder.mkdir()
    path = put(folder, GOOGLE_CARD)
    sync_vdir(book, folder, today=TODAY)
    zoe = only_contact(book)
    assert "UID" not in path.read_text(encoding="utf-8")  # read, not rewritten: no UID added
    book.update_contact(zoe.id, today=TODAY, role="Engineer")
    assert sync_vdir(book, folder, today=TODAY).written == [(path.name, ["role"])]
    data = path.read_bytes()
    lines = data.split(b"\r\n")
    assert lines[:3] == [b"BEGIN:VCARD", b"VERSION:3.0", b"UID:" + zoe.uid.encode()]
    # Everything else the phone wrote is kept byte for byte, in its order.
    kept = [line for line in GOOGLE_CARD.encode().split(b"\r\n") if line]
    assert [line for line in lines if line in kept] == kept
    card = vobject.readOne(data.decode("utf-8"))
    assert card.uid.value == zoe.uid and card.title.value == "Engineer"
    # vdirsyncer now knows the card by that UID: the next rename or edit keeps it.
    assert vdirsyncer_name(data.decode("utf-8")) == f"{zoe.uid}.vcf"
    moved = folder / "elsewhere.vcf"
    path.rename(moved)
    moved.write_bytes(data.replace(b"FN:Zoe Example", b"FN:Zoe E."))
    report = sync_vdir(book, folder, today=TODAY)
    assert report.updated == [("Zoe Example", ["name"])] and report.trashed == [] and report.added == []


def ada_and_a_stale_copy(book: Book, folder: Path) -> tuple[Path, Path]:
    ada = book.add_contact("Ada Lovelace", today=TODAY, emails=["old@example.org"])
    sync_vdir(book, folder, today=TODAY)
    (card,) = folder.iterdir()
    copy = folder / "00-backup-copy.vcf"  # sorts before the real card
    shutil.copyfile(card, copy)
    book.update_contact(ada, today=TODAY, emails=["new@example.org"])
    return card, copy


def test_a_stale_copy_with_the_same_uid_never_wins_over_the_card_kontakt_syncs(book, tmp_path):
    folder = tmp_path / "contacts"
    folder.mkdir()
    card, copy = ada_and_a_stale_copy(book, folder)
    stale = copy.read_bytes()
    report = sync_vdir(book, folder, today=TODAY)
    assert report.written == [(card.name, ["emails"])]
    assert report.warnings == [(f"skipped {copy.name}: the same UID as {card.name}, which kontakt "
                                "syncs (delete the copy, or give it a UID of its own)")]
    assert b"EMAIL:new@example.org" in card.read_bytes() and copy.read_bytes() == stale
    assert only_contact(book).emails == ("new@example.org",)
    # The phone edits the real card: taken. The copy is still only reported.
    card.write_bytes(card.read_bytes().replace(b"FN:Ada Lovelace", b"FN:Ada King"))
    report = sync_vdir(book, folder, today=TODAY)
    assert report.updated == [("Ada Lovelace", ["name"])] and len(report.warnings) == 1
    assert only_contact(book).name == "Ada King" and copy.read_bytes() == stale
    # An edit to the copy alone changes nothing in the book.
    copy.write_bytes(stale.replace(b"FN:Ada Lovelace", b"FN:Ada Copy"))
    report = sync_vdir(book, folder, today=TODAY)
    assert report.changes == 0 and copy.name in report.warnings[0]
    assert only_contact(book).name == "Ada King"



def test_a_whole_folder_renamed_by_a_server_side_change_keeps_everyone(book, tmp_path):
    """The server touches every card (a new X-GOOGLE-ETAG): vdirsyncer renames each file.
    Every person stays, once; and two new cards that are one vanished card's bytes twice
    are no guess, and neither is lost."""
    folder = tmp_path / "contacts"
    folder.mkdir()
    texts = [GOOGLE_CARD.replace("Zoe", f"Zoe{i:03d}").replace("zoe@", f"zoe{i:03d}@")
             .replace("1234567", f"{1000000 + i}") for i in range(300)]
    paths = [put(folder, text) for text in texts]
    assert len(sync_vdir(book, folder, today=TODAY).added) == 300
    ids = {r[0] for r in book.conn.execute("SELECT id FROM contacts")}
    for path, text in zip(paths, texts):
        path.unlink()
        put(folder, text.replace('"abc"', '"def"'))
    report = sync_vdir(book, folder, today=TODAY)
    assert report.changes == 0 and report.warnings == [] and book.trashed() == []
    assert {r[0] for r in book.conn.execute("SELECT id FROM contacts WHERE deleted_at IS NULL")} == ids
    # One card vanishes and comes back as two identical files.
    moved = folder / vdirsyncer_name(texts[1].replace('"abc"', '"def"'))
    data = moved.read_bytes()
    moved.unlink()
    (folder / "copy-a.vcf").write_bytes(data)
    (folder / "copy-b.vcf").write_bytes(data)
    report = sync_vdir(book, folder, today=TODAY)
    assert report.trashed == ["Zoe001 Example"] and report.added == ["Zoe001 Example"] * 2


@pytest.mark.parametrize("start", ["\ufeff", "\r\n"], ids=["bom", "blank-line"])
def test_a_card_without_uid_starting_with_a_bom_gets_its_uid_inside_the_card(book, tmp_path, start):
    """Windows tools (Outlook, a Notepad save) put a byte order mark before BEGIN:VCARD; the
    UID kontakt adds goes after BEGIN:VCARD, never before it (a broken card in the folder)."""
    folder = tmp_path / "contacts"
    folder.mkdir()
    book.add_contact("Placeholder", today=TODAY)
    path = folder / "zoe.vcf"
    path.write_bytes((start + GOOGLE_CARD).encode("utf-8"))
    sync_vdir(book, folder, today=TODAY)
    (zoe,) = [c for c in book.list_contacts() if c.name == "Zoe Example"]
    book.update_contact(zoe.id, today=TODAY, role="Engineer")

    report = sync_vdir(book, folder, today=TODAY)

    assert report.written == [("zoe.vcf", ["role"])]
    data = path.read_bytes()
    assert data.startswith((start + "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:").encode("utf-8"))
    card = vobject.readOne(data.decode("utf-8-sig"))
    assert card.uid.value.endswith(zoe.uid) and card.title.value == "Engineer"
    assert sync_vdir(book, folder, today=TODAY).changes == 0
