"""services/sync: a card a phone folded at 75 octets inside a UTF-8 character (RFC 6350
forbids it; real clients do it) is read as the text it holds, and rewritten folded right."""

from __future__ import annotations

from datetime import date

import pytest
import vobject

from kontakt.services.sync import sync_vdir
from kontakt.store import Book

TODAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setenv("KONTAKT_NOW", "2026-11-23T09:30:00+00:00")


def fold_on_octets(line: str) -> bytes:
    """A content line folded every 75 octets with no care for characters, as a naive
    byte-counting exporter does."""
    data, out, limit = line.encode("utf-8"), [], 75
    while data:
        out.append(data[:limit])
        data, limit = data[limit:], 74
    return b"\r\n ".join(out) + b"\r\n"


LINES = [
    "BEGIN:VCARD", "VERSION:3.0", "UID:fold-1",
    "FN:Jürgen Müller-Lüdenscheidt von Überlingen-Großenhausen und Köln-Mülheim",
    "N:Müller-Lüdenscheidt von Überlingen-Großenhausen und Köln-Mülheim;Jürgen;;;",
    "TEL;TYPE=CELL:+49 170 1234567",
    "NOTE:Trifft sich gern im Café Süßwarenmanufaktur am Bärenplatz\\, bringt Käsekuchen mit",
    "X-PHONE-RINGTONE:content://media/external/audio/media/42",
    "END:VCARD",
]
NAME = LINES[3][3:]
NOTE = "Trifft sich gern im Café Süßwarenmanufaktur am Bärenplatz, bringt Käsekuchen mit"


def test_a_card_folded_inside_a_character_is_read_and_rewritten_as_its_text(tmp_path):
    folder = tmp_path / "contacts"
    folder.mkdir()
    data = b"".join(fold_on_octets(line) for line in LINES)
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # the fold really falls inside a character
    path = folder / "fold.vcf"
    path.write_bytes(data)
    with Book.open(tmp_path / "book.db") as book:
        report = sync_vdir(book, folder, today=TODAY)
        assert report.added == [NAME] and report.warnings == []
        (row,) = book.conn.execute("SELECT id FROM contacts").fetchall()
        contact = book.get_contact(row[0])
        assert contact.name == NAME and contact.uid == "fold-1"
        assert contact.notes == NOTE
        # A change in the book rewrites the card: every line kontakt did not change holds the
        # same text, now folded between characters, and vobject reads it.
        book.update_contact(contact.id, today=TODAY, role="Ingenieur")
        assert sync_vdir(book, folder, today=TODAY).written == [("fold.vcf", ["role"])]
    rewritten = path.read_bytes()
    for line in rewritten.split(b"\r\n"):
        line.decode("utf-8")  # each physical line whole characters
    unfolded = rewritten.replace(b"\r\n ", b"").decode("utf-8").split("\r\n")
    assert [line for line in unfolded if line in LINES] == LINES
    card = vobject.readOne(rewritten.decode("utf-8"))
    assert card.fn.value == NAME and card.title.value == "Ingenieur"
    assert card.note.value == NOTE
