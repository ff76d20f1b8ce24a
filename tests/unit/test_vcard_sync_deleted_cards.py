"""A person deleted in kontakt loses their card in the folder; brought back from the trash,
they get that card back as the phone wrote it (PHOTO, X-SOCIALPROFILE, groups and labels),
not a bare new card with everything kontakt does not model gone for good."""

from __future__ import annotations

from datetime import date

import pytest
import vobject

from kontakt.services.sync import sync_vdir
from kontakt.store.trash import empty_trash

TODAY = date(2026, 11, 23)
IOS = ("BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:-//Apple Inc.//iPhone OS 17.1//EN\r\nN:Curie;Marie;;;\r\n"
       "FN:Marie Curie\r\nEMAIL;type=INTERNET;type=pref:marie@sorbonne.fr\r\n"
       "item1.TEL:+33 1 23 45 67 89\r\nitem1.X-ABLabel:Labo\r\n"
       "X-SOCIALPROFILE;type=twitter;x-user=marie:http://twitter.com/marie\r\n"
       "PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD/2w==\r\nUID:ios-9\r\nEND:VCARD\r\n")


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setenv("KONTAKT_NOW", "2026-11-23T09:30:00+00:00")


@pytest.fixture
def deleted(book, tmp_path):
    """Marie's card from the phone, synced, then Marie deleted in kontakt and synced: (her
    id, the folder)."""
    folder = tmp_path / "cards"
    folder.mkdir()
    (folder / "ios.vcf").write_bytes(IOS.encode())
    assert sync_vdir(book, folder, today=TODAY).added == ["Marie Curie"]
    (marie,) = book.list_contacts()
    book.trash_contact(marie.id)
    assert sync_vdir(book, folder, today=TODAY).deleted == ["ios.vcf"]
    assert list(folder.iterdir()) == []
    return marie.id, folder


def test_a_person_restored_from_the_trash_gets_their_phone_card_back_whole(book, deleted):
    marie, folder = deleted
    book.restore_contact(marie)
    book.update_contact(marie, today=TODAY, role="Physicist")  # and edited since

    report = sync_vdir(book, folder, today=TODAY)

    assert report.written == [("ios.vcf", ["new"])] and report.added == [] and report.trashed == []
    data = (folder / "ios.vcf").read_bytes()
    assert data.replace(b"TITLE:Physicist\r\nREV:20261123T093000Z\r\n", b"") == IOS.encode()
    card = vobject.readOne(data.decode("utf-8"))
    assert card.uid.value == "ios-9" and card.title.value == "Physicist"
    assert sync_vdir(book, folder, today=TODAY).changes == 0


def test_a_deleted_persons_card_is_kept_only_while_they_are_in_the_trash(book, deleted):
    _, folder = deleted
    assert sync_vdir(book, folder, today=TODAY).changes == 0  # still deleted: nothing written
    assert list(folder.iterdir()) == []
    empty_trash(book)
    sync_vdir(book, folder, today=TODAY)
    rows = book.conn.execute("SELECT count(*) FROM sync_cards").fetchone()[0]
    assert rows == 0 and list(folder.iterdir()) == []


def test_the_card_put_back_on_the_phone_while_the_person_is_in_the_trash_is_only_reported(book, deleted):
    """As before: the phone's copy of a card kontakt deleted is no edit that restores them."""
    marie, folder = deleted
    (folder / "ios.vcf").write_bytes(IOS.encode())
    report = sync_vdir(book, folder, today=TODAY)
    assert report.changes == 0 and report.restored == []
    assert report.warnings == [("ios.vcf: Marie Curie is in kontakt's trash; restore them "
                                "(kontakt trash) or delete the card")]
    assert [c.id for c, _ in book.trashed()] == [marie]


def test_a_card_taken_over_in_a_merge_comes_back_with_its_person_too(book, tmp_path):
    """Marie (no card of her own) took over the phone's card of the Marie merged into her,
    and the trash was emptied since: the card is known as hers only by its sync record.
    Deleted and restored, she gets that card back, as the phone wrote it."""
    from kontakt.services.dupes import merge

    folder = tmp_path / "cards"
    folder.mkdir()
    (folder / "ios.vcf").write_bytes(IOS.encode())
    sync_vdir(book, folder, today=TODAY)
    (phone,) = book.list_contacts()
    kept = book.add_contact("Marie Skłodowska-Curie", today=TODAY)
    merge(book, kept, phone.id, today=TODAY)
    sync_vdir(book, folder, today=TODAY)
    empty_trash(book)
    book.trash_contact(kept)
    assert sync_vdir(book, folder, today=TODAY).deleted == ["ios.vcf"]
    assert sync_vdir(book, folder, today=TODAY).changes == 0  # still in the trash: kept aside

    book.restore_contact(kept)
    report = sync_vdir(book, folder, today=TODAY)

    assert report.written == [("ios.vcf", ["new"])]
    data = (folder / "ios.vcf").read_bytes()
    for line in (b"X-SOCIALPROFILE;type=twitter;x-user=marie:http://twitter.com/marie\r\n",
                 b"PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD/2w==\r\n", b"UID:ios-9\r\n"):
        assert line in data
    assert vobject.readOne(data.decode("utf-8")).fn.value == "Marie Skłodowska-Curie"
    assert sync_vdir(book, folder, today=TODAY).changes == 0
    assert [c.id for c in book.list_contacts()] == [kept]


def test_a_person_restored_with_someone_merged_into_them_since_gets_their_own_card_back(book, tmp_path):
    """Hans deleted (his card kept aside), then restored and Emmy merged into him before
    the next sync: his own card comes back with Emmy's lines on it, both photos kept,
    instead of Hans taking over Emmy's card and his own being forgotten."""
    from kontakt.services.dupes import merge

    folder = tmp_path / "cards"
    folder.mkdir()
    book.add_contact("Ada Lovelace", today=TODAY)  # a card that stays: not a wiped folder
    hans = IOS.replace("ios-9", "hans").replace("Curie;Marie", "Meier;Hans").replace("Marie Curie", "Hans Meier")
    emmy = (IOS.replace("ios-9", "emmy").replace("Curie;Marie", "Noether;Emmy").replace("Marie Curie", "Emmy Noether")
            .replace("marie@sorbonne.fr", "emmy@example.org").replace("/9j/4AAQ", "RU1NWQ").replace("+33 1", "+49 9"))
    (folder / "hans.vcf").write_bytes(hans.encode())
    (folder / "emmy.vcf").write_bytes(emmy.encode())
    sync_vdir(book, folder, today=TODAY)
    ids = {c.uid: c.id for c in book.list_contacts()}
    book.trash_contact(ids["hans"])
    assert sync_vdir(book, folder, today=TODAY).deleted == ["hans.vcf"]
    book.restore_contact(ids["hans"])
    merge(book, ids["hans"], ids["emmy"], today=TODAY)

    report = sync_vdir(book, folder, today=TODAY)

    assert report.merged == [("emmy.vcf", "hans.vcf")] and report.deleted == []
    assert sorted(p.name for p in folder.iterdir() if "hans" in p.name or "emmy" in p.name) == ["hans.vcf"]
    data = (folder / "hans.vcf").read_bytes()
    assert b"UID:hans\r\n" in data and b"/9j/4AAQ" in data and b"RU1NWQ" in data
    card = vobject.readOne(data.decode("utf-8"))
    assert sorted(e.value for e in card.contents["email"]) == ["emmy@example.org", "marie@sorbonne.fr"]
    assert sync_vdir(book, folder, today=TODAY).changes == 0
