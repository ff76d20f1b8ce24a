"""A vCard import holds its new people until the end (issue 19: 20k files in ≤ 2.5 s), so a
later duplicate card is merged in memory instead of through the one-row update. The book
must come out as the one-row path leaves it; the oracle is that path, forced by writing
every new card at once (BATCH = 1) and holding nothing."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from kontakt.services.importers import ImportRefused, run_import, vcard
from kontakt.services.importers import merge as merge_module
from kontakt.services.importers.textfile import detect_encoding
from kontakt.store import Book
from kontakt.store.bulk import BulkWriter

TODAY = date(2026, 11, 23)

# (file name, card text): every later card repeats someone before it (uid, e-mail, phone or
# name) and brings something the first lacked, in the awkward forms real files have.
CARDS = [
    ("01.vcf", "FN:Zoë D'Angelo\nN:D'Angelo;Zoë;;;\nEMAIL;TYPE=HOME:zoe@exam\n ple.com\n"
               "CATEGORIES:friends,Work\nUID:u-zoe\n"),
    ("02.vcf", "FN:Jürgen Groß\nTEL;TYPE=CELL:+49 170 1112233\nNOTE:Grüße\\, aus Köln\n"),
    ("03.vcf", "FN:Evil \x1b[31mRed\x1b[0m \u202eName\nEMAIL:evil@example.com\n"
               "NOTE:bell\x07 [bold]markup[/bold]\n"),
    ("04.vcf", "FN:Åsa Ström\nORG:Acme\\; Inc;Dept\nTEL:0049 30 555 1234\n"),
    ("05.vcf", "FN:Nameonly Person\nORG:Same Org\n"),
    # the duplicates
    ("10.vcf", "FN:Zoe D'Angelo\nUID:u-zoe\nEMAIL;TYPE=WORK:zoe@work.example\n"
               "CATEGORIES:FRIENDS,book club\nADR;TYPE=HOME:;;Via Roma 1;Milano;;20100;Italia\n"
               "URL:https://zoe.example/\nBDAY:1990-02-28\nTITLE:Boss\\nof all\n"),
    ("11.vcf", "FN:J. Groß\nTEL:+49 (170) 111-2233\nEMAIL;TYPE=INTERNET,pref:jg@example.de\n"
               "NOTE:second note\nCATEGORIES:Book Club\nX-KONTAKT-CADENCE:every 2 weeks\n"),
    ("12.vcf", "FN:Evil Again\nEMAIL:EVIL@example.com\nTEL;TYPE=WORK:+1 555 0100\n"
               "ORG:\x1b[1mCorp\x1b[0m\nX-KONTAKT-MET:at a \x1b[1mconference\n"),
    ("13.vcf", "FN:Asa Strom\nTEL;TYPE=HOME:+49 30 5551234\nEMAIL:asa@example.se\n"
               "URL:http://asa.example\nADR:;;Storgatan 1;Stockholm;;111 22;Sverige\n"),
    ("14.vcf", "FN:Nameonly Person\nORG:Same Org\nNICKNAME:Nemo\nBDAY:--0704\n"
               "CATEGORIES:work\n"),
    ("15.vcf", "FN:Zoë D'Angelo\nEMAIL:zoe@example.com\nURL:https://zoe.example/cv\n"
               "TEL;TYPE=CELL:+39 333 1234567\nNOTE:from the third card\n"),
]


def _book(folder: Path, path: Path, monkeypatch, *, one_row: bool) -> dict:
    calls = []
    real_fill = BulkWriter.fill_contact

    def counted(self, *args, **kwargs):
        calls.append(args[0])
        return real_fill(self, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(BulkWriter, "fill_contact", counted)
        if one_row:
            real_init = merge_module.Merger.__init__
            patch.setattr(merge_module, "BATCH", 1)
            patch.setattr(merge_module.Merger, "__init__", lambda self, *a, **k: real_init(
                self, *a, **{**k, "hold_new": False}))
        with Book.open(path) as book:
            report = run_import(book, folder, today=TODAY)
            conn = book.conn
            contacts = [
                tuple(row) for row in conn.execute(
                    "SELECT id, name, sort_key, nickname, emails, phones, org, role, location, met,"
                    " birthday, tags, notes, cadence, archived, deleted_at, last_contact,"
                    " next_due, details, channel FROM contacts ORDER BY id")
            ]
            circles = [tuple(r) for r in conn.execute(
                "SELECT name, cadence, position, description FROM circles ORDER BY name")]
            members = [tuple(r) for r in conn.execute(
                "SELECT contact_id, circle FROM memberships ORDER BY 1, 2")]
            found = {term: [r[0] for r in conn.execute(
                "SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH ? ORDER BY rowid",
                (term,))] for term in ("zoe", "gross", "boss", "corp", "nemo", "stockholm")}
    return {"contacts": contacts, "circles": circles, "members": members, "found": found,
            "report": json.dumps(report.as_json(), sort_keys=True), "fills": len(calls)}


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cards")
    for name, body in CARDS:
        text = f"BEGIN:VCARD\r\nVERSION:3.0\r\n{body.replace(chr(10), chr(13) + chr(10))}END:VCARD\r\n"
        (path / name).write_bytes(text.encode("utf-8"))
    return path


def test_a_held_vcard_import_leaves_the_book_the_one_row_merges_leave(folder, tmp_path, monkeypatch):
    monkeypatch.setenv("KONTAKT_TODAY", TODAY.isoformat())
    held = _book(folder, tmp_path / "held.db", monkeypatch, one_row=False)
    one_row = _book(folder, tmp_path / "one-row.db", monkeypatch, one_row=True)
    # The branches ran: every duplicate went through the one-row update in the oracle, none
    # in the held import.
    assert (held["fills"], one_row["fills"]) == (0, 6)
    assert len(held["contacts"]) == 5
    for key in ("contacts", "circles", "members", "found", "report"):
        assert held[key] == one_row[key], key
    zoe = held["contacts"][0]
    assert json.loads(zoe[4]) == ["zoe@example.com", "zoe@work.example"]
    assert json.loads(zoe[18])["urls"] == ["https://zoe.example/", "https://zoe.example/cv"]
    assert held["found"]["corp"] == [3]  # the escape sequence went, the merged org is indexed


def test_a_merge_into_a_stored_person_adding_a_circle_a_new_card_names_joins_it(tmp_path, monkeypatch):
    # The one-row update made 'Friends' while a new card of the same import held 'friends':
    # the import failed with "UNIQUE constraint failed: circles.name" (reported as a damaged
    # book), or gave two circles the same position.
    monkeypatch.setenv("KONTAKT_TODAY", TODAY.isoformat())
    folder = tmp_path / "cards"
    folder.mkdir()
    cards = [("1.vcf", "FN:New Person\nCATEGORIES:friends,Zeta\n"),
             ("2.vcf", "FN:Old Person\nEMAIL:old@example.com\nCATEGORIES:Friends,Alpha\n")]
    for name, body in cards:
        (folder / name).write_text(f"BEGIN:VCARD\nVERSION:3.0\n{body}END:VCARD\n", encoding="utf-8")
    with Book.open(tmp_path / "book.db") as book:
        old = book.add_contact("Old Person", today=TODAY, emails=["old@example.com"], tags=["Mid"])
        report = run_import(book, folder, today=TODAY)
        assert (len(report.outcome.added), len(report.outcome.merged)) == (1, 1)
        circles = book.conn.execute("SELECT name, position FROM circles ORDER BY position").fetchall()
        assert [tuple(c) for c in circles] == [("Mid", 1), ("Friends", 2), ("Alpha", 3), ("Zeta", 4)]
        new = book.find("New Person")
        assert new.tags == ("Friends", "Zeta") and book.get_contact(old).tags == ("Mid", "Friends", "Alpha")


# ---------------------------------------------------------------- a folder's cards read once

AWKWARD_FILES = {
    "plain-crlf.vcf": b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Zo\xc3\xab D'Angelo\r\nEMAIL;TYPE=HOME:z@x.example\r\nEND:VCARD\r\n",
    "plain-lf-bom.vcf": b"\xef\xbb\xbfBEGIN:VCARD\nFN:\xc3\x85sa\nNOTE:a\\, b\\nc\nEND:VCARD\n",
    "no-final-newline.vcf": b"BEGIN:VCARD\nFN:Last\nEND:VCARD",
    "cr-only-ends.vcf": b"BEGIN:VCARD\r\r\nFN:Cr\r\r\nEND:VCARD\r\r\n",
    "folded.vcf": b"BEGIN:VCARD\r\nFN:Fol\r\n ded\r\nNOTE:a\r\n\tb\r\nEND:VCARD\r\n",
    "fold-in-char.vcf": b"BEGIN:VCARD\r\nFN:J\xc3\r\n \xbcrgen\r\nEND:VCARD\r\n",
    "qp-soft.vcf": b"BEGIN:VCARD\nFN;ENCODING=QUOTED-PRINTABLE:Fran=C3=A7ois =\nPe=C3=B1a\nEND:VCARD\n",
    "equals-end.vcf": b"BEGIN:VCARD\nFN:Ends in =\nNOTE:x=\r\r\nEND:VCARD\n",
    "latin1.vcf": b"BEGIN:VCARD\nFN:J\xfcrgen M\xfcller\nEND:VCARD\n",
    "nul.vcf": b"BEGIN:VCARD\nFN:Nul\nNOTE:a\x00b\nEND:VCARD\nBEGIN:VCARD\nFN:After\nEND:VCARD\n",
    "broken.vcf": b"BEGIN:VCARD\nFN:Broken\nno colon here\nEND:VCARD\nBEGIN:VCARD\nFN:Cut",
    "space-first.vcf": b" BEGIN:VCARD\nFN:Space\nEND:VCARD\n",
    "photo.vcf": b"BEGIN:VCARD\nFN:Photo\nPHOTO;ENCODING=b:QUFB\n QkJC==\nEND:VCARD\n",
    "utf16.vcf": "BEGIN:VCARD\r\nFN:Sixteen \u00d6\r\nEND:VCARD\r\n".encode("utf-16"),
}


def test_a_card_read_once_unfolds_and_parses_as_the_file_read_again(tmp_path):
    unfolded_fast = 0
    for name, data in AWKWARD_FILES.items():
        path = tmp_path / name
        path.write_bytes(data)
        assert vcard.read_small(path) == data
        encoding = detect_encoding(path)
        assert detect_encoding(path, data=data) == encoding, name
        general = list(vcard._logical_lines(path, encoding))
        assert list(vcard._logical_lines(path, encoding, data)) == general, name
        again = [(p.where, p.error, p.contact) for p in vcard.iter_cards(path, encoding, "x ")]
        once = [(p.where, p.error, p.contact) for p in vcard.iter_cards(path, encoding, "x ", data)]
        assert once == again and again, name
        unfolded_fast += encoding.ascii_compatible and not vcard._FOLD_OR_SOFT_BREAK.search(data)
    assert unfolded_fast == 7  # the shortcut ran for the files without folds or soft breaks


def test_an_empty_or_binary_card_is_refused_the_same_from_bytes_in_hand(tmp_path):
    for name, data, message in (("empty.vcf", b"\r\n", "the file is empty"),
                                ("image.vcf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "not a text file")):
        path = tmp_path / name
        path.write_bytes(data)
        for kwargs in ({}, {"data": data}):
            with pytest.raises(ImportRefused, match=f"^{path}: {message}"):
                detect_encoding(path, **kwargs)


def test_a_property_head_seen_before_is_read_as_the_first_time():
    from kontakt.domain.cards import types_label
    from kontakt.services.importers.textfile import Encoding

    utf8 = Encoding("utf-8")
    vcard._HEADS.clear()
    heads = [b"item1.EMAIL;TYPE=INTERNET,HOME", b"TEL;CELL;VOICE", b"NOTE;CHARSET=UTF-8;ENCODING=QP",
             b"ADR;TYPE=work;TYPE=pref", b"FN", b"X-CUSTOM;X-P=a,b"]
    for head in heads:
        first = vcard._parse_property(1, head + b":one", utf8)
        again = vcard._parse_property(2, head + b":two\\, more", utf8)
        assert (first.name, first.params, first.raw) == (again.name, again.params, b"one")
        assert again.raw == b"two\\, more" and again.line == 2
        assert again.params is first.params  # the second came from the cache
        assert vcard._type_label(again) == types_label(again.param("TYPE"))
    assert len(vcard._HEADS) == len(heads)
    assert vcard._parse_property(3, b"EMAIL;TYPE=INTERNET,HOME:x", utf8).name == "EMAIL"
    assert vcard._type_label(vcard._parse_property(4, b"TEL;CELL;VOICE:1", utf8)) == "mobile"


def test_the_collector_is_paused_during_a_vcard_import_and_back_on_after_it_fails(tmp_path, monkeypatch):
    import gc

    folder = tmp_path / "cards"
    folder.mkdir()
    (folder / "a.vcf").write_text("BEGIN:VCARD\nFN:Ada\nEND:VCARD\n", encoding="utf-8")
    (folder / "b.vcf").write_text("BEGIN:VCARD\nNOTE:no name\nEND:VCARD\n", encoding="utf-8")
    seen = []
    real = vcard.card_to_contact
    monkeypatch.setattr(vcard, "card_to_contact",
                        lambda card, where: (seen.append(gc.isenabled()), real(card, where))[1])
    assert gc.isenabled()
    with Book.open(tmp_path / "book.db") as book:
        with pytest.raises(ImportRefused, match="--strict"):
            run_import(book, folder, today=TODAY, strict=True)
        assert gc.isenabled() and seen == [False, False]
        report = run_import(book, folder, today=TODAY)
        assert gc.isenabled() and len(report.outcome.added) == 1 and seen == [False] * 4
