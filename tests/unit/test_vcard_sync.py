"""services/sync: the book two-way with a vdir, checked against what real clients read
(vobject, khard) and against cards edited the way a phone edits them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import vobject

from kontakt.domain import Address
from kontakt.services.sync import SyncError, sync_vdir
from kontakt.store import Book

from khard_client import khard, needs_khard

TODAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setenv("KONTAKT_NOW", "2026-11-23T09:30:00+00:00")


def people(book: Book) -> dict[str, int]:
    ada = book.add_contact(
        "Ada Lovelace", today=TODAY, phones=["+44 20 1234"], emails=["ada@example.org"],
        labels={"+44 20 1234": "mobile", "ada@example.org": "work"}, role="Countess",
        addresses=[Address.parse("home: 12 St James's Sq; London; ; SW1Y 4JH; UK")],
        urls=["https://ada.example"], tags=["science"], notes="first programmer",
    )
    bob = book.add_contact("Bob Stone", today=TODAY, org="Stone & Söhne; Berlin")
    eva = book.add_contact("Eva Meier", today=TODAY, phones=["089 123456"])
    return {"ada": ada, "bob": bob, "eva": eva}


def card_of(folder: Path, uid: str) -> Path:
    return folder / f"{uid}.vcf"


def edit_card(path: Path, *replacements: tuple[str, str], add: str = "") -> None:
    text = path.read_bytes().decode("utf-8")
    for old, new in replacements:
        assert old in text, f"{old!r} not in {path.name}"
        text = text.replace(old, new)
    if add:
        text = text.replace("END:VCARD", add + "END:VCARD")
    path.write_bytes(text.encode("utf-8"))


def test_first_sync_writes_one_card_per_contact_that_vobject_reads_with_every_field(book, tmp_path):
    ids = people(book)
    folder = tmp_path / "contacts"
    folder.mkdir()
    report = sync_vdir(book, folder, today=TODAY)
    assert sorted(f for f, _ in report.written) == sorted(
        f"{book.get_contact(i).uid}.vcf" for i in ids.values())
    assert sorted(p.name for p in folder.iterdir()) == sorted(f for f, _ in report.written)
    ada = book.get_contact(ids["ada"])
    card = vobject.readOne(card_of(folder, ada.uid).read_text(encoding="utf-8"))
    assert card.fn.value == "Ada Lovelace"
    assert [(t.value, t.params.get("TYPE")) for t in card.contents["tel"]] == [("+44 20 1234", ["cell"])]
    assert card.email.params["TYPE"] == ["work"]
    assert card.adr.value.street == "12 St James's Sq" and card.adr.value.code == "SW1Y 4JH"
    assert card.adr.params["TYPE"] == ["home"]
    assert card.url.value == "https://ada.example"
    bob = book.get_contact(ids["bob"])
    assert vobject.readOne(card_of(folder, bob.uid).read_text(encoding="utf-8")).org.value == [
        "Stone & Söhne; Berlin"]
    # A second sync finds both sides in step, and writes nothing: no file, no undo step.
    files = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    steps = book.conn.execute("SELECT count(*) FROM undo_steps").fetchone()[0]
    again = sync_vdir(book, folder, today=TODAY)
    assert again.changes == 0 and not again.conflicts
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == files
    assert book.conn.execute("SELECT count(*) FROM undo_steps").fetchone()[0] == steps


def test_the_same_change_on_both_sides_is_no_conflict_and_the_next_change_is_taken(book, tmp_path):
    ids = people(book)
    folder = tmp_path / "contacts"
    folder.mkdir()
    sync_vdir(book, folder, today=TODAY)
    path = card_of(folder, book.get_contact(ids["ada"]).uid)
    edit_card(path, ("TITLE:Countess", "TITLE:Mathematician"))
    book.update_contact(ids["ada"], today=TODAY, role="Mathematician")
    report = sync_vdir(book, folder, today=TODAY)
    assert report.changes == 0 and not report.conflicts
    edit_card(path, ("TITLE:Mathematician", "TITLE:Analyst"))
    report = sync_vdir(book, folder, today=TODAY)
    assert report.updated == [("Ada Lovelace", ["role"])] and not report.conflicts
    assert book.get_contact(ids["ada"]).role == "Analyst"


@needs_khard
def test_khard_lists_the_synced_folder_with_labels_and_addresses(book, tmp_path):
    people(book)
    folder = tmp_path / "contacts"
    folder.mkdir()
    sync_vdir(book, folder, today=TODAY)
    run = khard(folder, tmp_path)
    assert sorted(row[1] for row in run("list")) == ["Ada Lovelace", "Bob Stone", "Eva Meier"]
    assert ["+44 20 1234", "Ada Lovelace", "cell"] in run("phone")
    assert ["ada@example.org", "Ada Lovelace", "work"] in run("email")
    addresses = run("postaddress")
    assert len(addresses) == 1 and "SW1Y 4JH" in addresses[0][0] and addresses[0][2] == "home"


def test_a_card_edited_on_the_phone_is_taken_and_what_kontakt_does_not_model_is_kept(book, tmp_path):
    ids = people(book)
    folder = tmp_path / "contacts"
    folder.mkdir()
    sync_vdir(book, folder, today=TODAY)
    ada = book.get_contact(ids["ada"])
    eva = book.get_contact(ids["eva"])
    # The phone: a new number, a new title, a photo, its own X- properties and a grouped URL.
    edit_card(card_of(folder, ada.uid),
              ("TEL;TYPE=cell:+44 20 1234", "TEL;TYPE=cell,voice:+44 20 5555"),
              ("TITLE:Countess", "TITLE:Mathematician"),
              add="PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQ==\r\nX-PHONE-RINGTONE:bells\r\n"
                  "item1.X-ABLabel:_$!<HomePage>!$_\r\n")
    card_of(folder, eva.uid).unlink()  # deleted on the phone
    # Meanwhile, in kontakt: a new organisation for Ada.
    book.update_contact(ids["ada"], today=TODAY, org="Analytical Engines")

    report = sync_vdir(book, folder, today=TODAY)

    assert report.updated == [("Ada Lovelace", ["phones", "role"])]
    assert report.written == [(f"{ada.uid}.vcf", ["org"])]
    assert report.trashed == ["Eva Meier"] and not report.conflicts
    ada = book.get_contact(ids["ada"])
    assert ada.phones == ("+44 20 5555",) and ada.label_of("+44 20 5555") == "mobile"
    assert ada.role == "Mathematician" and ada.org == "Analytical Engines"
    assert ada.emails == ("ada@example.org",) and ada.urls == ("https://ada.example",)
    assert [c.name for c, _ in book.trashed()] == ["Eva Meier"]
    text = card_of(folder, ada.uid).read_text(encoding="utf-8")
    for kept in ("PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQ==", "X-PHONE-RINGTONE:bells",
                 "item1.X-ABLabel:_$!<HomePage>!$_", "TEL;TYPE=cell,voice:+44 20 5555",
                 "TITLE:Mathematician"):
        assert kept in text
    card = vobject.readOne(text)
    assert card.org.value == ["Analytical Engines"] and card.title.value == "Mathematician"
    assert card.photo.value == b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01"
    assert not card_of(folder, eva.uid).exists()
    # And then both sides agree: nothing moves on the next sync.
    again = sync_vdir(book, folder, today=TODAY)
    assert again.changes == 0 and not again.conflicts and not again.warnings


def test_a_field_changed_on_both_sides_is_a_conflict_held_until_settled(book, tmp_path):
    ids = people(book)
    folder = tmp_path / "contacts"
    folder.mkdir()
    sync_vdir(book, folder, today=TODAY)
    ada = book.get_contact(ids["ada"])
    path = card_of(folder, ada.uid)
    edit_card(path, ("TITLE:Countess", "TITLE:Mathematician"), ("NOTE:first programmer", "NOTE:from the phone"))
    book.update_contact(ids["ada"], today=TODAY, role="Poet")

    for _ in range(2):  # held: the second sync sees the same conflict, and loses neither side
        report = sync_vdir(book, folder, today=TODAY)
        assert [(c.field, c.book, c.folder) for c in report.conflicts] == [("role", "Poet", "Mathematician")]
        assert book.get_contact(ids["ada"]).role == "Poet"
        assert "TITLE:Mathematician" in path.read_text(encoding="utf-8")
    # The note changed only on the phone: taken at the first of the two syncs.
    assert book.get_contact(ids["ada"]).notes == "from the phone"

    settled = sync_vdir(book, folder, today=TODAY, take={ada.uid: "folder"})
    assert settled.updated == [("Ada Lovelace", ["role"])] and not settled.conflicts
    assert book.get_contact(ids["ada"]).role == "Mathematician"
    assert sync_vdir(book, folder, today=TODAY).changes == 0


def test_taking_the_book_writes_its_value_into_the_card(book, tmp_path):
    ids = people(book)
    folder = tmp_path / "contacts"
    folder.mkdir()
    sync_vdir(book, folder, today=TODAY)
    ada = book.get_contact(ids["ada"])
    edit_card(card_of(folder, ada.uid), ("TITLE:Countess", "TITLE:Mathematician"))
    book.update_contact(ids["ada"], today=TODAY, role="Poet")
    report = sync_vdir(book, folder, today=TODAY, take={ada.uid: "book"})
    assert report.written == [(f"{ada.uid}.vcf", ["role"])] and not report.conflicts
    assert "TITLE:Poet" in card_of(folder, ada.uid).read_text(encoding="utf-8")
    assert sync_vdir(book, folder, today=TODAY).changes == 0


def test_a_contact_deleted_in_kontakt_deletes_its_card_unless_the_card_changed_since(book, tmp_path):
    ids = people(book)
    folder = tmp_path / "contacts"
    folder.mkdir()
    sync_vdir(book, folder, today=TODAY)
    bob, eva = book.get_contact(ids["bob"]), book.get_contact(ids["eva"])
    book.trash_contact(ids["bob"])
    book.trash_contact(ids["eva"])
    edit_card(card_of(folder, eva.uid), ("TEL:089 123456", "TEL:089 999"))
    report = sync_vdir(book, folder, today=TODAY)
    assert report.deleted == [f"{bob.uid}.vcf"] and not card_of(folder, bob.uid).exists()
    # Eva's card was edited on the phone after the delete here: the edit brings her back.
    assert report.restored == ["Eva Meier"]
    assert book.get_contact(ids["eva"]).phones == ("089 999",)
    assert sync_vdir(book, folder, today=TODAY).changes == 0


def test_a_new_card_in_the_folder_becomes_a_contact_with_its_uid(book, tmp_path):
    folder = tmp_path / "contacts"
    folder.mkdir()
    (folder / "phone-made.vcf").write_bytes(
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:phone-made\r\nFN:Yuki Tanaka\r\nN:Tanaka;Yuki;;;\r\n"
        b"TEL;TYPE=WORK:+81 3 1234\r\nADR;TYPE=WORK:;;1-1 Chiyoda;Tokyo;;100-0001;Japan\r\n"
        b"X-SOCIALPROFILE;type=twitter:yuki\r\nEND:VCARD\r\n")
    group = b"BEGIN:VCARD\r\nVERSION:4.0\r\nKIND:group\r\nFN:Friends\r\nMEMBER:urn:uuid:x\r\nEND:VCARD\r\n"
    (folder / "group.vcf").write_bytes(group)
    report = sync_vdir(book, folder, today=TODAY)
    assert report.added == ["Yuki Tanaka"] and report.written == []
    assert report.warnings == [] and (folder / "group.vcf").read_bytes() == group  # left alone
    (yuki,) = book.list_contacts()
    assert yuki.uid == "phone-made" and yuki.label_of("+81 3 1234") == "work"
    assert yuki.addresses == (Address("work", "", "", "1-1 Chiyoda", "Tokyo", "", "100-0001", "Japan"),)
    assert yuki.location == "Tokyo, Japan"
    # The location made from the address is no change of the card's.
    assert sync_vdir(book, folder, today=TODAY).changes == 0


def test_the_first_sync_with_a_full_folder_fills_empty_fields_and_lists_differences(book, tmp_path):
    ids = people(book)
    ada = book.get_contact(ids["ada"])
    folder = tmp_path / "contacts"
    folder.mkdir()
    (folder / "ada.vcf").write_bytes(
        f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{ada.uid}\r\nFN:Ada Lovelace\r\nTITLE:Analyst\r\n"
        "NICKNAME:Enchantress\r\nEND:VCARD\r\n".encode())
    report = sync_vdir(book, folder, today=TODAY)
    assert [(c.field, c.book, c.folder) for c in report.conflicts] == [("role", "Countess", "Analyst")]
    assert book.get_contact(ids["ada"]).nickname == "Enchantress"
    written = dict(report.written)
    assert "phones" in written["ada.vcf"] and "role" not in written["ada.vcf"]
    assert sync_vdir(book, folder, today=TODAY).conflicts[0].field == "role"


def test_dry_run_reports_but_writes_nothing(book, tmp_path):
    ids = people(book)
    folder = tmp_path / "contacts"
    folder.mkdir()
    sync_vdir(book, folder, today=TODAY)
    ada = book.get_contact(ids["ada"])
    edit_card(card_of(folder, ada.uid), ("TITLE:Countess", "TITLE:Mathematician"))
    book.update_contact(ids["bob"], today=TODAY, role="Mason")
    card_of(folder, book.get_contact(ids["eva"]).uid).unlink()
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    steps = book.conn.execute("SELECT count(*) FROM undo_steps").fetchone()[0]
    report = sync_vdir(book, folder, today=TODAY, dry_run=True)
    assert report.updated == [("Ada Lovelace", ["role"])] and report.trashed == ["Eva Meier"]
    assert [f for f, _ in report.written] == [f"{book.get_contact(ids['bob']).uid}.vcf"]
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert book.get_contact(ids["ada"]).role == "Countess" and book.get_contact(ids["eva"])
    assert book.conn.execute("SELECT count(*) FROM undo_steps").fetchone()[0] == steps


def test_a_sync_is_one_undo_step_and_an_unreadable_card_is_never_taken_for_a_deletion(book, tmp_path):
    ids = people(book)
    folder = tmp_path / "contacts"
    folder.mkdir()
    sync_vdir(book, folder, today=TODAY)
    ada, eva = book.get_contact(ids["ada"]), book.get_contact(ids["eva"])
    card_of(folder, eva.uid).write_bytes(b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Eva\r\n")  # cut short
    edit_card(card_of(folder, ada.uid), ("TITLE:Countess", "TITLE:Mathematician"))
    steps = book.conn.execute("SELECT count(*) FROM undo_steps").fetchone()[0]
    report = sync_vdir(book, folder, today=TODAY)
    assert report.trashed == [] and book.get_contact(ids["eva"]).name == "Eva Meier"
    assert len(report.warnings) == 1 and eva.uid in report.warnings[0]
    assert card_of(folder, eva.uid).read_bytes().startswith(b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Eva")
    assert book.conn.execute("SELECT count(*) FROM undo_steps").fetchone()[0] == steps + 1
    label = book.conn.execute("SELECT label FROM undo_steps ORDER BY id DESC LIMIT 1").fetchone()[0]
    assert label == "sync with contacts"


def test_a_missing_folder_is_one_clear_error(book, tmp_path):
    with pytest.raises(SyncError, match="no such folder"):
        sync_vdir(book, tmp_path / "nowhere", today=TODAY)


def test_separators_and_line_breaks_in_fields_survive_the_card_both_ways(book, tmp_path):
    hard = "Flat 3; Block B, Hof \\ 2"
    contact_id = book.add_contact(
        "Zoë; O'Brien, Jr.", today=TODAY, phones=["+1 555 0100;ext=7"], labels={"+1 555 0100;ext=7": "work"},
        addresses=[Address(label="home", street=hard, locality="Köln, Süd", country="DE")],
        urls=["https://example.org/a;b,c"], notes="line one\nline; two, three",
    )
    folder = tmp_path / "contacts"
    folder.mkdir()
    sync_vdir(book, folder, today=TODAY)
    (path,) = folder.iterdir()
    card = vobject.readOne(path.read_text(encoding="utf-8"))
    assert card.adr.value.street == hard and card.adr.value.city == "Köln, Süd"
    assert card.note.value == "line one\nline; two, three" and card.tel.value == "+1 555 0100;ext=7"
    assert sync_vdir(book, folder, today=TODAY).changes == 0
    # The phone changes the address only; everything else reads back unchanged.
    text = path.read_text(encoding="utf-8").replace("Köln\\, Süd", "Bonn")
    path.write_text(text, encoding="utf-8")
    report = sync_vdir(book, folder, today=TODAY)
    assert report.updated == [("Zoë; O'Brien, Jr.", ["addresses"])]
    contact = book.get_contact(contact_id)
    assert contact.addresses[0].street == hard and contact.addresses[0].locality == "Bonn"
    assert contact.urls == ("https://example.org/a;b,c",) and contact.label_of("+1 555 0100;ext=7") == "work"


def test_a_wiped_folder_is_written_anew_not_taken_as_everyone_deleted(book, tmp_path):
    """An unmounted disk, a wrong path or a sync tool's hiccup leaves the folder empty: that
    moved the whole book to the trash. One card deleted on the phone still trashes its person."""
    ids = people(book)
    folder = tmp_path / "cards"
    folder.mkdir()
    sync_vdir(book, folder, today=TODAY)
    uids = {name: book.get_contact(i).uid for name, i in ids.items()}
    for card in folder.iterdir():
        card.unlink()
    report = sync_vdir(book, folder, today=TODAY)
    assert report.trashed == [] and book.trashed() == []
    assert any("none of the 3 cards synced before" in w for w in report.warnings)
    assert sorted(p.stem for p in folder.iterdir()) == sorted(uids.values())  # written anew
    assert sync_vdir(book, folder, today=TODAY).changes == 0

    card_of(folder, uids["eva"]).unlink()  # one deleted on the phone: that is a deletion
    report = sync_vdir(book, folder, today=TODAY)
    assert report.trashed == ["Eva Meier"] and not report.warnings


def test_a_field_sharing_lines_with_a_conflict_waits_instead_of_overwriting_the_phones_side(book, tmp_path):
    """Location and addresses both live in ADR: writing a new location rewrote ADR from the
    book while the addresses were in conflict, and the phone's address was gone for good."""
    ids = people(book)
    folder = tmp_path / "cards"
    folder.mkdir()
    sync_vdir(book, folder, today=TODAY)
    ada = book.get_contact(ids["ada"])
    card = card_of(folder, ada.uid)
    edit_card(card, ("12 St James's Sq;London", "1 Phone Road;Leeds"))
    book.update_contact(ids["ada"], today=TODAY,
                        addresses=[Address.parse("home: 99 Book St; Bath; ; BA1; UK")])
    report = sync_vdir(book, folder, today=TODAY)
    assert [c.field for c in report.conflicts] == ["addresses"]
    book.update_contact(ids["ada"], today=TODAY, location="Bath")
    report = sync_vdir(book, folder, today=TODAY)
    assert [c.field for c in report.conflicts] == ["addresses"]  # still there, still held
    assert "1 Phone Road" in card.read_text() and "99 Book St" not in card.read_text()
    report = sync_vdir(book, folder, today=TODAY, take={ada.uid: "folder"})
    assert not report.conflicts and "1 Phone Road" in card.read_text()
    assert book.get_contact(ids["ada"]).addresses[0].street == "1 Phone Road"


def test_a_phone_edit_that_brings_someone_back_keeps_what_was_changed_here_before(book, tmp_path):
    """The card edited after the person was trashed here brings them back; every synced field
    was taken from the card then, and the edits made in kontakt before the delete were lost."""
    ids = people(book)
    folder = tmp_path / "cards"
    folder.mkdir()
    sync_vdir(book, folder, today=TODAY)
    ada = book.get_contact(ids["ada"])
    book.update_contact(ids["ada"], today=TODAY, notes="IMPORTANT new note", org="Analytical Engines")
    book.trash_contact(ids["ada"])
    card = card_of(folder, ada.uid)
    edit_card(card, ("TITLE:Countess", "TITLE:Countess of Lovelace"))
    report = sync_vdir(book, folder, today=TODAY)
    assert report.restored == ["Ada Lovelace"] and not report.conflicts
    back = book.get_contact(ids["ada"])
    assert (back.role, back.org, back.notes) == ("Countess of Lovelace", "Analytical Engines",
                                                 "IMPORTANT new note")
    text = card.read_text()
    assert "ORG:Analytical Engines" in text and "IMPORTANT new note" in text  # and the phone hears
    assert sync_vdir(book, folder, today=TODAY).changes == 0
