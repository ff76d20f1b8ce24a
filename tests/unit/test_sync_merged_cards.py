"""`kontakt merge` of a person synced with a phone: the phone keeps one card for the person,
with what only the merged-away card had (PHOTO, X-SOCIALPROFILE, related names…), and an
undone merge gives the merged-away person their card back, photo and all."""

from __future__ import annotations

import base64
from datetime import date
from pathlib import Path

import pytest
import vobject

from kontakt.services.dupes import merge, merges, undo_merge
from kontakt.services.sync import sync_vdir
from kontakt.store import Book
from kontakt.store.trash import empty_trash

from khard_client import khard, needs_khard

TODAY = date(2026, 11, 23)
PHOTO_BYTES = bytes(range(255, -1, -1)) * 3


def folded(line: str, width: int) -> str:
    pieces = [line[:width]] + [line[i:i + width - 1] for i in range(width, len(line), width - 1)]
    return "\r\n ".join(pieces) + "\r\n"


PHOTO = folded("PHOTO;ENCODING=b;TYPE=JPEG:" + base64.b64encode(PHOTO_BYTES).decode(), 75)
IOS = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:-//Apple Inc.//iPhone OS 17.1//EN\r\n"
    "N:Curie;Marie;;;\r\nFN:Marie Curie\r\n"
    "EMAIL;type=INTERNET;type=pref:marie@sorbonne.fr\r\n"
    "item1.TEL:+33 1 23 45 67 89\r\nitem1.X-ABLabel:Labo\r\n"
    "item2.X-ABRELATEDNAMES;type=pref:Pierre Curie\r\nitem2.X-ABLabel:_$!<Spouse>!$_\r\n"
    "X-SOCIALPROFILE;type=twitter;x-user=marie:http://twitter.com/marie\r\n"
    + PHOTO + "UID:ios-1234\r\nEND:VCARD\r\n"
)
# What only the phone's card says, as the phone wrote it.
PHONE_ONLY = [
    b"item2.X-ABRELATEDNAMES;type=pref:Pierre Curie\r\nitem2.X-ABLabel:_$!<Spouse>!$_\r\n",
    b"X-SOCIALPROFILE;type=twitter;x-user=marie:http://twitter.com/marie\r\n",
    PHOTO.encode(),
]


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setenv("KONTAKT_NOW", "2026-11-23T09:30:00+00:00")


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def the_phone_card(book: Book, folder: Path) -> int:
    """The iPhone's card in the folder, synced: the id of the person it made."""
    folder.mkdir(exist_ok=True)
    (folder / "ios.vcf").write_bytes(IOS.encode())
    sync_vdir(book, folder, today=TODAY)
    (phone,) = [c for c in book.list_contacts() if c.uid == "ios-1234"]
    return phone.id


def test_merging_the_phones_card_into_a_synced_person_keeps_one_card_with_the_phones_lines(book, tmp_path):
    """The exploratory run's b3: Marie added in kontakt, Marie's card from the iPhone; the
    first sync makes two of her on both sides, and the user merges them keeping kontakt's."""
    folder = tmp_path / "cards"
    kept = book.add_contact("Marie Curie", today=TODAY, emails=["marie@sorbonne.fr"])
    other = the_phone_card(book, folder)
    kept_file = f"{book.get_contact(kept).uid}.vcf"
    assert files(folder) == sorted([kept_file, "ios.vcf"])
    kept_before = (folder / kept_file).read_bytes()

    merge(book, kept, other, today=TODAY)
    report = sync_vdir(book, folder, today=TODAY)

    assert report.merged == [("ios.vcf", kept_file)] and report.deleted == [] and not report.conflicts
    assert report.written == [(kept_file, ["phones", "merged card"])]
    assert files(folder) == [kept_file]
    data = (folder / kept_file).read_bytes()
    for lines in PHONE_ONLY:  # byte for byte, the photo folded as the phone folded it
        assert lines in data
    # The phone's number came with the merge: its line, group and custom label came along.
    assert b"\r\nitem1.TEL:+33 1 23 45 67 89\r\nitem1.X-ABLabel:Labo\r\n" in data
    assert data.count(b"TEL") == 1 and data.count(b"EMAIL") == 1
    card = vobject.readOne(data.decode("utf-8"))
    assert card.photo.value == PHOTO_BYTES and card.uid.value.endswith(book.get_contact(kept).uid)
    assert [t.value for t in card.contents["tel"]] == ["+33 1 23 45 67 89"]
    assert card.x_socialprofile.value == "http://twitter.com/marie"
    again = sync_vdir(book, folder, today=TODAY)
    assert again.changes == 0 and files(folder) == [kept_file]

    # Undone, the phone's Marie gets her card back as the phone wrote it, photo and all.
    undo_merge(book, 1, today=TODAY)
    report = sync_vdir(book, folder, today=TODAY)
    assert sorted(report.written) == [(kept_file, ["phones", "merge undone"]), ("ios.vcf", ["new"])]
    assert files(folder) == sorted([kept_file, "ios.vcf"]) and report.deleted == []
    back = (folder / "ios.vcf").read_bytes()
    assert back.replace(b"REV:20261123T093000Z\r\n", b"") == IOS.encode()
    # The kept card is as before the merge: the phone and the lines it got went back.
    assert (folder / kept_file).read_bytes().replace(b"20261123T093000Z", b"") == kept_before.replace(
        b"20261123T093000Z", b"")
    assert sync_vdir(book, folder, today=TODAY).changes == 0
    assert {c.uid for c in book.list_contacts()} == {"ios-1234", book.get_contact(kept).uid}


def test_merging_the_other_way_keeps_the_phones_own_card_and_drops_kontakts(book, tmp_path):
    folder = tmp_path / "cards"
    kontakt_made = book.add_contact("Marie Curie", today=TODAY, emails=["marie@sorbonne.fr"],
                                    notes="met in Paris")
    phone = the_phone_card(book, folder)
    kontakt_file = f"{book.get_contact(kontakt_made).uid}.vcf"
    merge(book, phone, kontakt_made, today=TODAY)
    report = sync_vdir(book, folder, today=TODAY)
    assert report.merged == [(kontakt_file, "ios.vcf")]
    assert files(folder) == ["ios.vcf"]
    data = (folder / "ios.vcf").read_bytes()
    for lines in PHONE_ONLY + [b"item1.TEL:+33 1 23 45 67 89\r\nitem1.X-ABLabel:Labo\r\n", b"UID:ios-1234\r\n"]:
        assert lines in data
    assert b"NOTE:met in Paris\r\n" in data and b"X-KONTAKT-CREATED" not in data
    assert sync_vdir(book, folder, today=TODAY).changes == 0


def test_a_person_without_a_card_takes_over_the_card_of_the_person_merged_into_them(book, tmp_path):
    folder = tmp_path / "cards"
    phone = the_phone_card(book, folder)
    kept = book.add_contact("Marie Skłodowska-Curie", today=TODAY, phones=["+33 6 00 00 00 00"],
                            role="Physicist")
    merge(book, kept, phone, today=TODAY)  # before the next sync: the kept one has no card yet
    report = sync_vdir(book, folder, today=TODAY)
    assert report.written == [("ios.vcf", ["name", "phones", "role"])]
    assert report.deleted == [] and report.merged == [] and files(folder) == ["ios.vcf"]
    data = (folder / "ios.vcf").read_bytes()
    for lines in PHONE_ONLY + [b"item1.TEL:+33 1 23 45 67 89\r\nitem1.X-ABLabel:Labo\r\n", b"UID:ios-1234\r\n"]:
        assert lines in data
    card = vobject.readOne(data.decode("utf-8"))
    assert card.fn.value == "Marie Skłodowska-Curie" and card.title.value == "Physicist"
    assert sorted(t.value for t in card.contents["tel"]) == ["+33 1 23 45 67 89", "+33 6 00 00 00 00"]
    assert sync_vdir(book, folder, today=TODAY).changes == 0

    # The phone edits the card: taken into the kept person, who has no card of their own.
    (folder / "ios.vcf").write_bytes(data.replace(b"TITLE:Physicist", b"TITLE:Chemist"))
    report = sync_vdir(book, folder, today=TODAY)
    assert report.updated == [("Marie Skłodowska-Curie", ["role"])] and files(folder) == ["ios.vcf"]
    assert book.get_contact(kept).role == "Chemist"

    # Emptying the trash drops the merge record; the card stays the kept person's.
    assert empty_trash(book).contacts == 1
    report = sync_vdir(book, folder, today=TODAY)
    assert report.changes == 0 and files(folder) == ["ios.vcf"] and book.trashed() == []
    # ... and when that person is merged into a third, the card follows on.
    third = book.add_contact("M. Curie", today=TODAY, org="Institut du Radium")
    merge(book, third, kept, today=TODAY)
    report = sync_vdir(book, folder, today=TODAY)
    assert report.deleted == [] and files(folder) == ["ios.vcf"]
    assert b"\r\nORG:Institut du Radium\r\n" in (folder / "ios.vcf").read_bytes()
    assert sync_vdir(book, folder, today=TODAY).changes == 0


def test_an_undone_takeover_gives_the_card_back_and_the_kept_person_a_new_one(book, tmp_path):
    folder = tmp_path / "cards"
    phone = the_phone_card(book, folder)
    kept = book.add_contact("Marie S. Curie", today=TODAY, phones=["+33 6 00 00 00 00"])
    merge(book, kept, phone, today=TODAY)
    sync_vdir(book, folder, today=TODAY)
    undo_merge(book, 1, today=TODAY)
    report = sync_vdir(book, folder, today=TODAY)
    kept_file = f"{book.get_contact(kept).uid}.vcf"
    assert sorted(report.written) == [(kept_file, ["new"]), ("ios.vcf", ["name", "phones"])]
    assert files(folder) == sorted([kept_file, "ios.vcf"])
    data = (folder / "ios.vcf").read_bytes()
    for lines in PHONE_ONLY + [b"item1.TEL:+33 1 23 45 67 89\r\nitem1.X-ABLabel:Labo\r\n"]:
        assert lines in data
    assert b"+33 6 00" not in data and b"\r\nFN:Marie Curie\r\n" in data
    assert sync_vdir(book, folder, today=TODAY).changes == 0


def test_a_merge_undone_before_the_next_sync_leaves_the_folder_alone(book, tmp_path):
    folder = tmp_path / "cards"
    kept = book.add_contact("Marie Curie", today=TODAY, emails=["marie@sorbonne.fr"])
    other = the_phone_card(book, folder)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    merge(book, kept, other, today=TODAY)
    undo_merge(book, 1, today=TODAY)
    assert sync_vdir(book, folder, today=TODAY).changes == 0
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


@needs_khard
def test_khard_lists_marie_once_after_the_merge(book, tmp_path):
    folder = tmp_path / "cards"
    kept = book.add_contact("Marie Curie", today=TODAY, emails=["marie@sorbonne.fr"])
    merge(book, kept, the_phone_card(book, folder), today=TODAY)
    sync_vdir(book, folder, today=TODAY)
    assert [row[1] for row in khard(folder, tmp_path)("list")] == ["Marie Curie"]


def test_undoing_the_sync_that_merged_the_cards_trashes_no_one(book, tmp_path):
    """`kontakt undo` of that sync puts the card's old record back, its file stays gone: that
    is no card deleted on the phone, and the kept person stays."""
    folder = tmp_path / "cards"
    kept = book.add_contact("Marie Curie", today=TODAY, emails=["marie@sorbonne.fr"])
    merge(book, kept, the_phone_card(book, folder), today=TODAY)
    rows = book.conn.execute("SELECT uid, file, hash, fields FROM sync_cards").fetchall()
    assert sync_vdir(book, folder, today=TODAY).merged
    with book.write():  # the sync's own record of the cards as it was before (as an undo leaves it)
        book.conn.execute("DELETE FROM sync_cards")
        book.conn.executemany("INSERT INTO sync_cards (folder, uid, file, hash, fields, synced_at) "
                              "VALUES (?, ?, ?, ?, ?, '')", [(str(folder.resolve()), *r) for r in rows])
    report = sync_vdir(book, folder, today=TODAY)
    assert report.trashed == [] and book.trashed()[0][0].uid == "ios-1234"
    assert [c.id for c in book.list_contacts()] == [kept]
    assert sync_vdir(book, folder, today=TODAY).changes == 0


def test_two_phone_cards_merged_keep_one_line_per_value_and_groups_never_collide(book, tmp_path):
    """Both cards came from phones: the kept card (DAVx5) already has the number with its
    label, the e-mail, and an item2 group of its own; the iPhone's item2 comes over as item3,
    and neither the number nor the e-mail is there twice."""
    folder = tmp_path / "cards"
    folder.mkdir()
    (folder / "dav.vcf").write_bytes(
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:dav-1\r\nFN:Marie Curie\r\nN:Curie;Marie;;;\r\n"
        b"item1.TEL:+33 1 23 45 67 89\r\nitem1.X-ABLabel:Labo\r\nEMAIL;TYPE=home:marie@sorbonne.fr\r\n"
        b"item2.URL:https://curie.example\r\nitem2.X-ABLabel:_$!<HomePage>!$_\r\nEND:VCARD\r\n")
    other = the_phone_card(book, folder)
    (kept,) = [c.id for c in book.list_contacts() if c.uid == "dav-1"]
    merge(book, kept, other, today=TODAY)
    report = sync_vdir(book, folder, today=TODAY)
    assert report.merged == [("ios.vcf", "dav.vcf")] and files(folder) == ["dav.vcf"]
    data = (folder / "dav.vcf").read_bytes()
    assert data.count(b"TEL") == 1 and data.count(b"EMAIL") == 1 and data.count(b"X-ABLabel:Labo") == 1
    assert b"\r\nEMAIL;TYPE=home:marie@sorbonne.fr\r\n" in data
    assert b"\r\nitem2.URL:https://curie.example\r\nitem2.X-ABLabel:_$!<HomePage>!$_\r\n" in data
    assert b"\r\nitem3.X-ABRELATEDNAMES;type=pref:Pierre Curie\r\nitem3.X-ABLabel:_$!<Spouse>!$_\r\n" in data
    assert PHOTO.encode() in data
    card = vobject.readOne(data.decode("utf-8"))
    assert card.photo.value == PHOTO_BYTES and card.uid.value == "dav-1"
    assert sync_vdir(book, folder, today=TODAY).changes == 0


def test_an_undone_merge_takes_back_from_the_kept_card_only_what_the_kept_person_lost(book, tmp_path):
    """Two phone cards merged into one person, the first merge undone before the second:
    kontakt keeps the first card's e-mail and phone on the kept person then (both people
    have them). The kept card says what the book says: the lines handed back go only where
    the book no longer has their value."""
    folder = tmp_path / "cards"
    folder.mkdir()
    for uid, n in (("A", "1"), ("B", "2")):
        (folder / f"{uid}.vcf").write_bytes(
            f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{uid}\r\nFN:Marie Curie\r\nEMAIL:marie@{uid}.fr\r\n"
            f"item1.TEL:+33 {n} 11\r\nitem1.X-ABLabel:Labo\r\nX-PHOTO-OF:{uid}\r\nEND:VCARD\r\n".encode())
    kept = book.add_contact("Marie Curie", today=TODAY, emails=["marie@c.fr"])
    sync_vdir(book, folder, today=TODAY)
    ids = {c.uid: c.id for c in book.list_contacts()}
    merge(book, kept, ids["A"], today=TODAY)
    sync_vdir(book, folder, today=TODAY)
    merge(book, kept, ids["B"], today=TODAY)
    sync_vdir(book, folder, today=TODAY)
    first = next(m.id for m in merges(book) if m.other_id == ids["A"])

    undo_merge(book, first, today=TODAY)
    sync_vdir(book, folder, today=TODAY)

    kept_file = f"{book.get_contact(kept).uid}.vcf"
    assert files(folder) == sorted(["A.vcf", kept_file])
    card = vobject.readOne((folder / kept_file).read_bytes().decode("utf-8"))
    person = book.get_contact(kept)
    assert sorted(e.value for e in card.contents["email"]) == sorted(person.emails)
    assert sorted(t.value for t in card.contents["tel"]) == sorted(person.phones)
    assert b"X-PHOTO-OF:A" not in (folder / kept_file).read_bytes()  # A's own line went back
    assert b"X-PHOTO-OF:A" in (folder / "A.vcf").read_bytes()
    assert sync_vdir(book, folder, today=TODAY).changes == 0


def test_a_card_with_a_byte_order_mark_merged_into_another_brings_no_second_begin(book, tmp_path):
    """The BOM sticks to the merged-away card's BEGIN:VCARD line: that line stays behind like
    BEGIN itself, or the kept card holds a second BEGIN:VCARD that vobject and phones refuse."""
    folder = tmp_path / "cards"
    folder.mkdir()
    kept = book.add_contact("Marie Curie", today=TODAY, emails=["marie@sorbonne.fr"])
    (folder / "ios.vcf").write_bytes(("\ufeff" + IOS).encode())
    sync_vdir(book, folder, today=TODAY)
    (other,) = [c.id for c in book.list_contacts() if c.uid == "ios-1234"]
    merge(book, kept, other, today=TODAY)

    report = sync_vdir(book, folder, today=TODAY)

    kept_file = f"{book.get_contact(kept).uid}.vcf"
    assert report.merged == [("ios.vcf", kept_file)]
    data = (folder / kept_file).read_bytes()
    assert data.count(b"BEGIN:VCARD") == 1 and "\ufeff".encode() not in data
    for lines in PHONE_ONLY:
        assert lines in data
    assert vobject.readOne(data.decode("utf-8")).photo.value == PHOTO_BYTES


def test_the_taken_over_card_deleted_on_the_phone_trashes_its_person_and_writes_no_new_card(book, tmp_path):
    """The kept person had no card and took over the merged-away person's: that card is
    theirs. Deleted on the phone, it moves them to the trash like any card deleted there;
    it is not also a person without a card who needs a new one (that sync crashed, every
    time, after writing the new card)."""
    folder = tmp_path / "cards"
    placeholder = book.add_contact("Ada Lovelace", today=TODAY)  # a card that stays: not a wiped folder
    placeholder_file = f"{book.get_contact(placeholder).uid}.vcf"
    phone = the_phone_card(book, folder)
    kept = book.add_contact("Marie Skłodowska-Curie", today=TODAY, role="Physicist")
    merge(book, kept, phone, today=TODAY)
    sync_vdir(book, folder, today=TODAY)
    assert files(folder) == sorted(["ios.vcf", placeholder_file])
    (folder / "ios.vcf").unlink()

    report = sync_vdir(book, folder, today=TODAY)

    assert report.trashed == ["Marie Skłodowska-Curie"] and report.written == []
    assert files(folder) == [placeholder_file] and [c.id for c in book.list_contacts()] == [placeholder]
    assert sync_vdir(book, folder, today=TODAY).changes == 0


def test_a_merge_followed_by_emptying_the_trash_before_the_sync_still_merges_the_card(book, tmp_path):
    """Emptying the trash drops the merge record with the merged-away person. Done before the
    next sync, the phone's card was then taken for the card of someone deleted for good and
    deleted, photo and all; it is merged into the kept person's card as after any merge."""
    folder = tmp_path / "cards"
    kept = book.add_contact("Marie Curie", today=TODAY, emails=["marie@sorbonne.fr"])
    other = the_phone_card(book, folder)
    kept_file = f"{book.get_contact(kept).uid}.vcf"
    merge(book, kept, other, today=TODAY)
    empty_trash(book)

    report = sync_vdir(book, folder, today=TODAY)

    assert report.deleted == [] and report.merged == [("ios.vcf", kept_file)]
    assert files(folder) == [kept_file]
    data = (folder / kept_file).read_bytes()
    for lines in PHONE_ONLY:
        assert lines in data
    assert sync_vdir(book, folder, today=TODAY).changes == 0


def test_a_person_restored_after_the_phone_deleted_their_merged_card_gets_a_new_one(book, tmp_path):
    """The phone's card merged into Marie's is kept aside in the book (for an undone merge):
    it is no card of hers. Her own card deleted on the phone and Marie restored from the
    trash, she needs a new card like anyone restored after a delete on the phone."""
    folder = tmp_path / "cards"
    book.add_contact("Ada Lovelace", today=TODAY)  # a card that stays: not a wiped folder
    kept = book.add_contact("Marie Curie", today=TODAY, emails=["marie@sorbonne.fr"])
    merge(book, kept, the_phone_card(book, folder), today=TODAY)
    kept_file = f"{book.get_contact(kept).uid}.vcf"
    assert sync_vdir(book, folder, today=TODAY).merged == [("ios.vcf", kept_file)]
    (folder / kept_file).unlink()
    assert sync_vdir(book, folder, today=TODAY).trashed == ["Marie Curie"]
    book.restore_contact(kept)

    report = sync_vdir(book, folder, today=TODAY)

    assert report.written == [(kept_file, ["new"])]
    assert len(files(folder)) == 2 and sync_vdir(book, folder, today=TODAY).changes == 0
