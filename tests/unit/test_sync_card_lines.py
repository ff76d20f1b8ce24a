"""A card kontakt rewrites after an edit keeps what the phone wrote that kontakt does not
model: item groups and their X-ABLabel, TYPE values such as pref, N's prefix, middle names
and suffix, ORG's department, PHOTO, X-* — checked byte for byte and read back by vobject
(and khard), with cards written the way iOS, DAVx5 and a Google export write them."""

from __future__ import annotations

import base64
from datetime import date
from pathlib import Path

import pytest
import vobject

from kontakt.services.sync import sync_vdir
from kontakt.services.sync.lines import name_parts, raw_lines, relabel
from kontakt.store import Book

from khard_client import khard, needs_khard

TODAY = date(2026, 11, 23)
PHOTO_BYTES = bytes(range(256)) * 2 + b"\xff\xd9"


def folded(line: str, width: int, newline: str = "\r\n") -> str:
    """A content line folded every `width` characters, as the phone folded it (ASCII only)."""
    pieces = [line[:width]] + [line[i:i + width - 1] for i in range(width, len(line), width - 1)]
    return (newline + " ").join(pieces) + newline


PHOTO = folded("PHOTO;ENCODING=b;TYPE=JPEG:" + base64.b64encode(PHOTO_BYTES).decode(), 74)

IOS = (
    "BEGIN:VCARD\r\n"
    "VERSION:3.0\r\n"
    "PRODID:-//Apple Inc.//iPhone OS 17.1//EN\r\n"
    "N:Curie;Marie;Salomea;Dr.;PhD\r\n"
    "FN:Dr. Marie S. Curie PhD\r\n"
    "NICKNAME:Manya\r\n"
    "ORG:Sorbonne;Physics Lab\r\n"
    "TITLE:Professor\r\n"
    "item1.EMAIL;type=INTERNET;type=pref:marie@sorbonne.fr\r\n"
    "item1.X-ABLabel:_$!<Other>!$_\r\n"
    "EMAIL;type=INTERNET;type=HOME:marie@home.example\r\n"
    "item2.TEL:+33 9 99 99 99 99\r\n"
    "item2.X-ABLabel:Lab\r\n"
    "TEL;type=CELL;type=VOICE;type=pref:+33 1 23 45 67 89\r\n"
    "TEL;type=HOME;type=FAX:+33 1 00 00 00 00\r\n"
    "item3.ADR;type=HOME;type=pref:;;36 Quai de Béthune;Paris;;75004;France\r\n"
    "item3.X-ABADR:fr\r\n"
    "item4.URL;type=pref:https://marie.example\r\n"
    "item4.X-ABLabel:_$!<HomePage>!$_\r\n"
    "item5.X-ABRELATEDNAMES;type=pref:Pierre Curie\r\n"
    "item5.X-ABLabel:_$!<Spouse>!$_\r\n"
    "X-SOCIALPROFILE;type=twitter;x-user=marie:http://twitter.com/marie\r\n"
    "BDAY;X-APPLE-OMIT-YEAR=1604:1604-11-07\r\n"
    + PHOTO +
    "UID:ios-77\r\n"
    "END:VCARD\r\n"
)


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setenv("KONTAKT_NOW", "2026-11-23T09:30:00+00:00")


def synced(book: Book, folder: Path, name: str, text: str, newline: bytes = b"\r\n"):
    """The card in the folder, synced once (taken into the book): its person's id."""
    folder.mkdir(exist_ok=True)
    (folder / name).write_bytes(text.encode("utf-8").replace(b"\r\n", newline))
    report = sync_vdir(book, folder, today=TODAY)
    assert len(report.added) == 1 and report.written == [], report
    (contact,) = [c for c in book.list_contacts() if c.name == report.added[0]]
    return contact.id


def kept_lines(before: bytes, after: bytes, *dropped: bytes) -> None:
    """Every logical line of `before` (folds and line ends as they were) is in `after` as it
    was, but the `dropped` ones (given by their start)."""
    lines = raw_lines(before.decode("utf-8"))
    missing = [line.raw for line in lines if line.raw.encode() not in after
               and not any(line.text.encode().startswith(d) for d in dropped)]
    assert missing == []
    assert len(lines) > 10


def test_an_edited_ios_card_keeps_groups_labels_parameters_photo_and_the_parts_of_n_and_org(book, tmp_path):
    folder = tmp_path / "cards"
    marie = synced(book, folder, "ios-77.vcf", IOS)
    contact = book.get_contact(marie)
    assert contact.phones == ("+33 9 99 99 99 99", "+33 1 23 45 67 89", "+33 1 00 00 00 00")
    # In kontakt: a new name, a new organisation, one phone less (the one labelled "Lab"),
    # a new phone, the mobile relabelled "work", a new web address.
    book.update_contact(
        marie, today=TODAY, name="Dr. Marie S. Curie-Skłodowska PhD", org="Institut du Radium",
        phones=["+33 1 23 45 67 89", "+33 1 00 00 00 00", "+33 7 00 00 00 00"],
        labels={"+33 1 23 45 67 89": "work", "+33 1 00 00 00 00": "fax",  # as the card says
                "marie@home.example": "home"},
        urls=["https://marie.example", "https://curie.example"])
    before = (folder / "ios-77.vcf").read_bytes()

    report = sync_vdir(book, folder, today=TODAY)

    assert report.written == [("ios-77.vcf", ["name", "phones", "org", "urls"])] and not report.conflicts
    after = (folder / "ios-77.vcf").read_bytes()
    # Every line kontakt did not change is there byte for byte: the PHOTO folded as the
    # phone folded it, the related name with its label, the grouped e-mail, URL and address.
    kept_lines(before, after, b"FN:", b"N:", b"ORG:", b"REV:", b"TEL;type=CELL", b"item2.")
    assert PHOTO.encode() in after and b"item4.X-ABLabel:_$!<HomePage>!$_\r\n" in after
    # The removed phone took its group's label with it; the relabelled one kept pref and voice.
    assert b"item2." not in after
    assert b"\r\nTEL;type=work;type=VOICE;type=pref:+33 1 23 45 67 89\r\n" in after
    assert b"\r\nTEL;TYPE=HOME,FAX:" not in after and b"TEL;type=HOME;type=FAX:+33 1 00" in after
    assert b"\r\nTEL:+33 7 00 00 00 00\r\nTEL;" not in after  # new lines follow the old ones
    # An iPhone writes no REV: kontakt's goes last, every other line stays where it was.
    assert after.count(b"\r\nREV:") == 1
    assert after.endswith(b"UID:ios-77\r\nREV:20261123T093000Z\r\nEND:VCARD\r\n")

    card = vobject.readOne(after.decode("utf-8"))
    n = card.n.value
    assert (n.family, n.given, n.additional, n.prefix, n.suffix) == (
        "Curie-Skłodowska", "Marie", "Salomea", "Dr.", "PhD")
    assert card.fn.value == "Dr. Marie S. Curie-Skłodowska PhD"
    assert card.org.value == ["Institut du Radium", "Physics Lab"]
    assert [t.value for t in card.contents["tel"]] == [
        "+33 1 23 45 67 89", "+33 1 00 00 00 00", "+33 7 00 00 00 00"]
    assert [u.value for u in card.contents["url"]] == ["https://marie.example", "https://curie.example"]
    assert card.photo.value == PHOTO_BYTES
    assert card.x_socialprofile.value == "http://twitter.com/marie"

    # Read back, the card says what the book says, and the next sync moves nothing.
    again = sync_vdir(book, folder, today=TODAY)
    assert again.changes == 0 and not again.conflicts
    now = book.get_contact(marie)
    assert (now.name, now.org) == ("Dr. Marie S. Curie-Skłodowska PhD", "Institut du Radium")
    assert now.label_of("+33 1 23 45 67 89") == "work"
    # A phone edit of a line kontakt rewrote is taken as any other.
    text = after.decode().replace("Institut du Radium;Physics Lab", "Institut Curie;Physics Lab")
    (folder / "ios-77.vcf").write_bytes(text.encode())
    assert sync_vdir(book, folder, today=TODAY).updated == [(now.name, ["org"])]
    assert book.get_contact(marie).org == "Institut Curie"


DAVX5 = (
    "BEGIN:VCARD\r\n"
    "VERSION:3.0\r\n"
    "UID:b7f0c2de-1c3a-4d1e-9b84-2f7c1a0e5d11\r\n"
    "PRODID:+//IDN bitfire.at//DAVx5/4.3.13-ose ez-vcard/0.11.3\r\n"
    "FN:Pierre Curie\r\n"
    "N:Curie;Pierre;;;\r\n"
    "X-PHONETIC-FIRST-NAME:Pjɛʁ\r\n"
    "TEL;TYPE=cell:+33 6 11 22 33 44\r\n"
    "TEL;TYPE=work,voice:+33 1 44 27 00 00\r\n"
    "item1.TEL:+33 1 40 00 00 00\r\n"
    "item1.X-ABLabel:Labo\r\n"
    "EMAIL;TYPE=home:pierre@example.fr\r\n"
    "NICKNAME:Pierrot\r\n"
    "NICKNAME:P.\r\n"
    + folded("NOTE:Met at the Sorbonne in 1894\\, introduced by Józef Kowalski. Works on "
             "crystals\\, magnetism and piezoelectricity\\; ask about the electrometer.", 75)
    + "CATEGORIES:Family,Science\r\n"
    "X-ANDROID-CUSTOM:vnd.android.cursor.item/relation;Marie;1;;;;;;;;;;;;;\r\n"
    "REV:20261101T101010Z\r\n"
    "END:VCARD\r\n"
)


def test_a_davx5_card_keeps_its_second_nickname_and_x_lines_when_notes_circles_and_phones_change(book, tmp_path):
    folder = tmp_path / "cards"
    pierre = synced(book, folder, "pierre.vcf", DAVX5)
    book.update_contact(pierre, today=TODAY, notes="Nobel 1903", tags=["science"],
                        phones=["+33 1 44 27 00 00", "+33 1 40 00 00 00", "+33 6 11 22 33 45"])
    before = (folder / "pierre.vcf").read_bytes()
    report = sync_vdir(book, folder, today=TODAY)
    assert report.written == [("pierre.vcf", ["phones", "tags", "notes"])]
    after = (folder / "pierre.vcf").read_bytes()
    kept_lines(before, after, b"NOTE:", b"CATEGORIES:", b"REV:", b"TEL;TYPE=cell:")
    assert b"item1.TEL:+33 1 40 00 00 00\r\nitem1.X-ABLabel:Labo\r\n" in after
    assert b"\r\nNOTE:Nobel 1903\r\n" in after and b"Sorbonne" not in after
    assert b"\r\nCATEGORIES:Science\r\n" in after  # the circle's own spelling
    assert b"\r\nREV:20261123T093000Z\r\n" in after and b"20261101T101010Z" not in after
    card = vobject.readOne(after.decode("utf-8"))
    assert [t.value for t in card.contents["tel"]] == [
        "+33 1 44 27 00 00", "+33 1 40 00 00 00", "+33 6 11 22 33 45"]
    assert [n.value for n in card.contents["nickname"]] == ["Pierrot", "P."]
    assert sync_vdir(book, folder, today=TODAY).changes == 0


def test_a_card_with_bare_line_feeds_is_rewritten_with_them_and_a_spelling_change_keeps_the_group(book, tmp_path):
    """A Google export or a hand-made file: LF line ends, no UID. A number respelled in kontakt
    keeps its line's group and label; the file keeps its line ends."""
    google = (
        "BEGIN:VCARD\nVERSION:3.0\nFN:Irène Joliot-Curie\nN:Joliot-Curie;Irène;;;\n"
        "EMAIL;TYPE=INTERNET;TYPE=WORK:irene@radium.example\n"
        "item1.TEL:+33655555555\nitem1.X-ABLabel:Labo\n"
        "item2.ORG:Institut du Radium;Chimie\nitem2.X-ABLabel:Employer\n"
        "CATEGORIES:myContacts,Starred in Android\nEND:VCARD\n"
    )
    folder = tmp_path / "cards"
    irene = synced(book, folder, "google.vcf", google, newline=b"\n")
    assert book.get_contact(irene).tags == ("myContacts", "Starred in Android")
    book.update_contact(irene, today=TODAY, phones=["+33 6 55 55 55 55"], role="Chemist", org="")
    sync_vdir(book, folder, today=TODAY)
    after = (folder / "google.vcf").read_bytes()
    assert b"\r" not in after
    assert b"\nitem1.TEL:+33 6 55 55 55 55\nitem1.X-ABLabel:Labo\n" in after
    # The organisation's name is gone; its department and group stay.
    assert b"\nitem2.ORG:;Chimie\nitem2.X-ABLabel:Employer\n" in after
    assert b"\nTITLE:Chemist\n" in after and after.endswith(b"END:VCARD\n")
    card = vobject.readOne(after.decode("utf-8"))
    assert card.title.value == "Chemist" and card.tel.value == "+33 6 55 55 55 55"
    assert sync_vdir(book, folder, today=TODAY).changes == 0
    assert book.get_contact(irene).org == ""


@pytest.mark.parametrize(("old_n", "old_fn", "name", "n"), [
    ("Curie;Marie;Salomea;Dr.;PhD", "Dr. Marie S. Curie PhD", "Dr. Marie S. Curie-Skłodowska PhD",
     "Curie-Skłodowska;Marie;Salomea;Dr.;PhD"),
    ("Curie;Marie;Salomea;Dr.;PhD", "Dr. Marie S. Curie PhD", "Marie Curie", "Curie;Marie;;;"),
    ("Curie;Marie;Salomea;Dr.;PhD", "Dr. Marie S. Curie PhD", "Prof. Marie Curie PhD",
     "Curie;Prof. Marie;;;PhD"),
    ("Curie;Marie;Salomea;Dr.;PhD", "Dr. Marie S. Curie PhD", "Dr. Marie Skłodowska Curie PhD",
     "Curie;Marie;Skłodowska;Dr.;PhD"),
    ("de la Cruz;Juana Inés;;Sor;", "Sor Juana Inés de la Cruz", "Sor Juana Inés de la Cruz y Ramírez",
     "Ramírez;Juana Inés;de la Cruz y;Sor;"),
    ("Curie;Marie;;;", "Marie Curie", "Pierre Curie", "Curie;Pierre;;;"),
    ("Stone\\, Jr.;Bob;;;", "Bob Stone, Jr.", "Bob Stone, Sr.", "Sr.;Bob;Stone\\,;;"),
    ("Curie;Marie;;;", "Marie Curie", "Madonna", "Madonna;;;;"),
])
def test_n_keeps_the_parts_the_new_name_still_says(old_n, old_fn, name, n):
    assert name_parts(old_n, old_fn, name) == n


@pytest.mark.parametrize(("params", "label", "out"), [
    (["type=CELL", "type=VOICE", "type=pref"], "work", ["type=work", "type=VOICE", "type=pref"]),
    (["TYPE=HOME,FAX"], "mobile", ["TYPE=cell,FAX"]),
    (["TYPE=HOME,pref"], "", ["TYPE=pref"]),
    (["type=pref"], "home", ["type=pref", "TYPE=home"]),
    (["CELL", "PREF"], "home", ["home", "PREF"]),   # vCard 2.1's bare types
    (["PREF=1", "TYPE=work"], "", ["PREF=1"]),
    # RFC 6350's quoted list (DAVx5, Nextcloud): the quotes stay around the whole list.
    (['TYPE="cell,voice"'], "home", ['TYPE="home,voice"']),
    (['TYPE="cell,voice"', "PREF=1"], "", ['TYPE="voice"', "PREF=1"]),
    (['TYPE="cell"'], "", []),
    (['TYPE="cell","voice"'], "work", ['TYPE=work,"voice"']),  # each value quoted on its own
])
def test_a_new_label_replaces_only_the_type_value_that_said_the_old_one(params, label, out):
    assert relabel(params, label, "TEL") == out


@needs_khard
def test_khard_still_lists_the_rewritten_ios_card(book, tmp_path):
    folder = tmp_path / "cards"
    marie = synced(book, folder, "ios-77.vcf", IOS)
    book.update_contact(marie, today=TODAY, name="Dr. Marie S. Curie-Skłodowska PhD",
                        phones=["+33 1 23 45 67 89", "+33 7 00 00 00 00"])
    sync_vdir(book, folder, today=TODAY)
    run = khard(folder, tmp_path)
    (row,) = run("list")
    assert row[1] == "Marie Salomea Curie-Skłodowska"  # khard shows N: given, additional, family
    assert sorted(r[0] for r in run("phone")) == ["+33 1 23 45 67 89", "+33 7 00 00 00 00"]


def test_a_grouped_number_relabelled_in_kontakt_loses_the_custom_label_it_replaces(book, tmp_path):
    folder = tmp_path / "cards"
    pierre = synced(book, folder, "pierre.vcf", DAVX5)
    contact = book.get_contact(pierre)
    assert contact.label_of("+33 1 40 00 00 00") == ""  # X-ABLabel is the phone's, not kontakt's
    book.update_contact(pierre, today=TODAY, labels={**dict(contact.labels), "+33 1 40 00 00 00": "work"})
    assert sync_vdir(book, folder, today=TODAY).written == [("pierre.vcf", ["phones"])]
    after = (folder / "pierre.vcf").read_bytes()
    assert b"\r\nitem1.TEL;TYPE=work:+33 1 40 00 00 00\r\n" in after and b"Labo" not in after
    assert b"\r\nTEL;TYPE=cell:+33 6 11 22 33 44\r\nTEL;TYPE=work,voice:+33 1 44 27 00 00\r\n" in after
    card = vobject.readOne(after.decode("utf-8"))
    assert [t.params.get("TYPE") for t in card.contents["tel"]] == [["cell"], ["work", "voice"], ["work"]]
    assert sync_vdir(book, folder, today=TODAY).changes == 0


def test_a_quoted_type_list_relabelled_in_kontakt_stays_a_card_every_reader_parses(book, tmp_path):
    """DAVx5 writes TYPE="cell,voice" (a legal quoted parameter value): a new label replaces
    "cell" inside the quotes instead of leaving one quote behind, which broke the card for
    vobject, khard, the phone and kontakt's next sync."""
    folder = tmp_path / "cards"
    card = ("BEGIN:VCARD\r\nVERSION:4.0\r\nUID:davx5-1\r\nFN:Hans Meier\r\nN:Meier;Hans;;;\r\n"
            'TEL;TYPE="cell,voice":+49 170 1234567\r\nEND:VCARD\r\n')
    hans = synced(book, folder, "hans.vcf", card)
    book.update_contact(hans, today=TODAY, labels={"+49 170 1234567": "home"})

    report = sync_vdir(book, folder, today=TODAY)

    assert report.written == [("hans.vcf", ["phones"])]
    after = (folder / "hans.vcf").read_bytes()
    assert b'\r\nTEL;TYPE="home,voice":+49 170 1234567\r\n' in after
    (tel,) = vobject.readOne(after.decode("utf-8")).contents["tel"]
    assert tel.value == "+49 170 1234567"
    again = sync_vdir(book, folder, today=TODAY)
    assert again.changes == 0 and again.warnings == []
    assert book.get_contact(hans).labels == (("+49 170 1234567", "home"),)
