"""`export json` assembles each record from pre-encoded pieces and `export vcard` reads
contacts without making `Contact` objects (issue 19: 100k people in seconds); the files
must stay byte for byte what the plain way gives — with hostile text, unicode, lists
stored by another tool, bytes that are not UTF-8, lines long enough to fold.

The oracles are the plain ways: the store's dict readers with one `json.dumps` per record;
`card()` of each `Contact` that `iter_contacts` makes."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import date

import pytest

from kontakt.domain import Address, Birthday, Cadence
from kontakt.domain.cards import Details
from kontakt.domain.text import escape_json
from kontakt.services.exporters import json as json_export
from kontakt.services.exporters import vcard as vcard_export
from kontakt.store import Book, bulk, snapshot

TODAY = date(2026, 11, 23)
NOW = "2026-11-23T10:00:00+00:00"
HOSTILE = [
    'quote " and \\ backslash', "tab\tnew\nline\r\x00nul\x1b[31mred\x7f",
    "100% %s %(x)s {} [] ,", "Zoë Þóra Łukasz 日本語 🎉 \u2028\u2029", "\x00",
]


def dumps(item) -> str:
    return json.dumps(item, ensure_ascii=False)


def record(item) -> str:
    """A record as the export writes it: json.dumps, made terminal-safe (C1, DEL, bidi as
    \\u escapes, as every --json output)."""
    return escape_json(dumps(item))


def expected_sections(book: Book, ids=None) -> dict[str, list[str]]:
    """Each record as the dict readers give it, encoded whole (what the export wrote before)."""
    whole = ids is None
    contacts = []
    for row in snapshot.contact_rows(book, include_deleted=whole, ids=ids):
        item = {key: row[key] for key in json_export.CONTACT_KEYS}
        details = Details.loads(row["details"])
        item["addresses"] = [a.to_json() for a in details.addresses]
        item["urls"] = list(details.urls)
        item["labels"] = dict(details.labels)
        contacts.append(record(item))
    interactions = [
        record({"id": i["id"], "uid": i["uid"], "date": i["date"], "kind": i["kind"],
               "note": i["note"], "created_at": i["created_at"], "reached_out": i["reached_out"],
               "thanks": bool(i["thanks"]),
               "participants": [{"uid": u, "name": n} for u, n, _ in i["people"]]})
        for i in bulk.iter_interactions(book, ids=ids)
    ]
    return {
        "contacts": contacts,
        "interactions": interactions,
        "favours": [record(f) for f in bulk.iter_favours(book, ids=ids)],
        "introductions": [record(i) for i in bulk.iter_introductions(book, ids=ids)],
        "follow_ups": [record(f) for f in bulk.iter_follow_ups(book, ids=ids)],
    }


def exported_sections(text: str) -> dict[str, list[str]]:
    """The record lines of each section of an export (one record a line)."""
    found: dict[str, list[str]] = {}
    current = None
    for line in text.split("\n"):
        line = line.removesuffix(",")
        if line.startswith('  "') and line.endswith("["):
            current = found.setdefault(line.split('"')[1], [])
        elif line.startswith('  "') and line.endswith("[]"):
            found[line.split('"')[1]] = []
            current = None
        elif line.startswith("    ") and current is not None:
            current.append(line[4:])
        else:
            current = None
    return found


@pytest.fixture(scope="module")
def book_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("bytes") / "book.db"
    with Book.open(path, create=True) as book:
        people = []
        for n, text in enumerate(HOSTILE):
            people.append(book.add_contact(
                f"{text} {n}", today=TODAY, emails=[f"p{n}@example.com", text],
                phones=["+49 1"], tags=[text, "plain"], notes=text, org=text, created_at=NOW,
                labels={f"p{n}@example.com": text}, urls=[f"https://x.example/{n}"],
                addresses=[Address.parse("home: Hauptstr. 1; Berlin; ; 10115; Germany")]
                if n % 2 else [],
            ))
        plain = [book.add_contact(f"Plain Person {n}", today=TODAY, created_at=NOW)
                 for n in range(6)]
        book.archive(plain[0])
        for n, text in enumerate(HOSTILE):
            group = [people[n], plain[n], people[(n + 1) % len(people)]]
            book.log_interaction(group, on=date(2026, 1 + n, 1), kind="meeting", note=text)
            book.log_interaction([plain[n]], on=date(2026, 1 + n, 1), kind="call", note=None)
            book.add_favour(people[n], direction="given", description=f"{text} favour", on=date(2026, 2, n + 1))
            book.add_introduction(people[n], plain[n], on=date(2026, 3, n + 1), note=text)
            book.add_follow_up(people[n], due=date(2026, 12, n + 1), note=text)
        book.add_contact("Lang Name", today=TODAY, created_at=NOW, org="Ä" * 40 + " GmbH, Co; KG",
                         role="x" * 80, met="über " * 20, tags=["ö" * 30, "b" * 50],
                         cadence=Cadence.parse("monthly"), birthday=Birthday(2, 29),
                         urls=["https://" + "y" * 90], location="Köln " * 20)
        book.add_contact("Year Born", today=TODAY, created_at=NOW, birthday=Birthday(3, 4, 1980),
                         uid="not a uuid; has, specials \\", location="Wien",
                         addresses=[Address.parse("work: Straße " + "ß" * 50 + "; Wien; ; 1010; AT")])
        book.trash_contact(plain[5])
        # Same-day interactions and a tie in sort order: the participants' order is SQLite's.
        book.log_interaction(plain[:4], on=date(2026, 1, 1), kind="meeting", note="four")
    # From outside, as another tool would write: lists with escapes or other spacing, bytes
    # that are not UTF-8, an interaction nobody is linked to.
    script = f"""
from kontakt.store.driver import sqlite3
conn = sqlite3.connect({str(path)!r})
conn.execute("UPDATE contacts SET emails = '[\\"a\\\\u00e9@x.example\\"]' WHERE name LIKE 'Plain Person 2'")
conn.execute("UPDATE contacts SET phones = '[ \\"1\\",\\"2\\" ]', tags = '[]' WHERE name LIKE 'Plain Person 3'")
conn.execute("UPDATE contacts SET name = CAST(X'4d61c3' AS TEXT) || 'x' WHERE name LIKE 'Plain Person 4'")
conn.execute("UPDATE interactions SET note = CAST(X'ff6e6f7465' AS TEXT) WHERE note = 'four'")
conn.execute("UPDATE contacts SET notes = 'a' || char(0) || 'b' WHERE name LIKE 'Plain Person 1'")
conn.execute("INSERT INTO interactions (uid, date, kind, note, created_at, reached_out, thanks) "
             "VALUES ('lonely', '2026-05-05', 'other', 'alone', '{NOW}', 'them', 1)")
conn.execute("INSERT INTO interaction_contacts (interaction_id, contact_id) "
             "SELECT id, 99999 FROM interactions WHERE uid = 'lonely'")
conn.commit()
"""
    subprocess.run([sys.executable, "-c", script], check=True)
    return path


@pytest.mark.parametrize("chosen", [False, True], ids=["whole book", "chosen contacts"])
def test_every_record_is_byte_for_byte_what_encoding_its_dict_gives(book_path, chosen):
    with Book.open(book_path) as book:
        ids = None
        if chosen:
            ids = [row[0] for row in book.conn.execute(
                "SELECT id FROM contacts WHERE name LIKE 'Plain Person%' ORDER BY id LIMIT 3")]
        out = io.StringIO()
        count = json_export.write_book(book, out, contact_ids=ids, what="all")
        expected = expected_sections(book, ids)
    found = exported_sections(out.getvalue())
    for key, lines in expected.items():
        assert found[key] == lines, key
    # The branches of interest really ran: escapes, a list stored by another tool, a byte
    # that is not UTF-8, an interaction with nobody, one with four people.
    everything = out.getvalue()
    assert count == len(expected["contacts"])
    if not chosen:
        assert count == len(HOSTILE) + 8
        assert '"a\u00e9@x.example"' in everything and '["1", "2"]' in everything
        assert "\ufffd" in everything and '"participants": []' in everything
        assert '\\u0000' in everything and '\\"' in everything and '"archived": true' in everything
        assert max(line.count('{"uid"') for line in found["interactions"]) == 4
        assert len(found["interactions"]) == 2 * len(HOSTILE) + 2
    else:
        assert count == 3 and len(found["interactions"]) >= 3
    json.loads(everything)  # and the whole file is JSON


@pytest.mark.parametrize("version", ["4.0", "3.0"])
def test_every_card_is_byte_for_byte_what_card_of_the_contact_gives(book_path, version):
    with Book.open(book_path) as book:
        out = io.StringIO()
        count = vcard_export.write_cards(book, out, version=version)
        expected = "".join(vcard_export.card(contact, version)
                           for contact, _ in bulk.iter_contacts(book))
    assert out.getvalue() == expected
    assert count == len(HOSTILE) + 7  # not the one in the trash
    text = out.getvalue()
    assert "\r\n " in text  # a folded line: the _fit branch ran
    assert "X-KONTAKT-CADENCE:" in text and "\ufffd" in text and "TYPE=" in text


def test_sqlite_json_quote_escapes_every_character_as_the_python_encoder_does(tmp_path):
    """The export lets SQLite's json_quote write interaction records; that is only right
    while it escapes exactly as json.dumps(ensure_ascii=False) — every code point, and
    bytes that are not UTF-8 (which both sides then show as U+FFFD)."""
    from kontakt.store.db import lenient_text
    from kontakt.store.driver import sqlite3

    conn = sqlite3.connect(str(tmp_path / "q.db"))
    conn.text_factory = lenient_text
    chars = [chr(i) for i in range(0x110000) if not 0xD800 <= i < 0xE000]
    blocks = ["".join(chars[start:start + 8192]) for start in range(0, len(chars), 8192)]
    blocks += ["", "D'Angelo", 'a"b\\c\n\r\t\b\f\x00\x1f\x7f\u2028\u2029']
    differ = [b[:1] for b in blocks
              if conn.execute("SELECT json_quote(?)", (b,)).fetchone()[0] != dumps(b)]
    assert differ == []
    hostile = [b"ab\xff", b"\xc3", b"x\xe2\x82", b"\xed\xa0\x80z", b"\xf4\x90\x80\x80", b"\xc0\xaf"]
    quoted = [conn.execute("SELECT json_quote(CAST(? AS TEXT))", (b,)).fetchone()[0] for b in hostile]
    assert quoted == [dumps(lenient_text(b)) for b in hostile]
    assert all("\ufffd" in q for q in quoted)
    assert conn.execute("SELECT json_quote(NULL)").fetchone()[0] == "null"
    conn.close()


def test_rev_stamp_is_what_strftime_writes_for_any_moment():
    from datetime import datetime, timedelta, timezone

    from kontakt.services.exporters.vcard import _rev

    zones = [timezone.utc, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-11))]
    moments = [datetime(2026, 11, 23, 23, 59, 59, 999999, tzinfo=z) for z in zones]
    moments += [datetime(999, 1, 1, 3, 4, 5, tzinfo=timezone.utc),  # strftime writes 999, unpadded
                datetime(1000, 1, 1, 0, 0, tzinfo=timezone(timedelta(hours=1))),  # becomes year 999
                datetime(2024, 2, 29, 12, 0), datetime(9999, 12, 31, 12, 0, tzinfo=timezone.utc)]
    stamps = [_rev(m) for m in moments]
    assert stamps == [m.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ") for m in moments]
    assert stamps[0] == "20261123T235959Z" and stamps[3].startswith("999")


def test_a_stored_list_reads_as_the_json_decoder_reads_it():
    from kontakt.store.bulk import _card_list

    texts = ['[]', '["a"]', '["a", "b"]', '["x, y", "z; w"]', '["a","b"]', '[ "a" ]',
             '["a\\u00e9", "\\"q\\""]', '["back\\\\slash"]', '["", ""]', '["Zoë", "日本"]']
    assert [_card_list(t) for t in texts] == [tuple(json.loads(t)) for t in texts]
    assert _card_list('["x, y", "z; w"]') == ("x, y", "z; w")


@pytest.mark.parametrize("rows", [1, 2, 3, 1000])
def test_interactions_read_by_date_ranges_come_out_in_date_order_whatever_the_range(
        book_path, rows, monkeypatch):
    """The export reads interactions a range of dates at a time; ranges of one row cut
    through a date shared by three interactions (that date is read whole, once); of 1000
    rows there is one range."""
    monkeypatch.setattr(bulk, "DATE_RANGE_ROWS", rows)
    with Book.open(book_path) as book:
        out = io.StringIO()
        json_export.write_book(book, out, what="interactions")
        expected = expected_sections(book)["interactions"]
        dates = [row[0] for row in book.conn.execute("SELECT date FROM interactions")]
    assert exported_sections(out.getvalue())["interactions"] == expected
    assert len(expected) == len(dates) == 2 * len(HOSTILE) + 2
    assert max(dates.count(d) for d in dates) >= 3


@pytest.mark.parametrize("batch", [1, 2, 5, 512])
def test_rows_read_with_the_strict_decoder_are_what_the_lenient_one_gives(book_path, batch, monkeypatch):
    """Bytes that are not UTF-8 stop the driver's own decoder mid-way (after 0, some or
    all batches): the rows come out as the book's lenient decoder gives them, none twice."""
    monkeypatch.setattr(bulk, "_BATCH", batch)
    sql = "SELECT id, name, notes FROM contacts ORDER BY sort_key, id"
    with Book.open(book_path) as book:
        found = list(bulk._utf8_rows(book, sql, ()))
        cursor = book.conn.cursor()
        cursor.row_factory = None
        expected = cursor.execute(sql).fetchall()
        assert book.conn.text_factory is not str  # switched back after every fetch
    assert found == expected
    assert len(found) == len(HOSTILE) + 8 and len({row[0] for row in found}) == len(found)
    bad = [n for n, row in enumerate(found) if "\ufffd" in row[1]]
    assert len(bad) == 1 and (bad[0] >= batch or batch == 512)


@pytest.mark.parametrize("odd", ["not UTF-8", "a blob"])
def test_dates_another_tool_wrote_as_bytes_or_blobs_keep_the_interactions_in_order(
        book_path, tmp_path, monkeypatch, odd):
    """A date that is not UTF-8 (or not text) cannot cut the date ranges: read back altered
    (or as text) it would cut them out of order, some interactions twice. The export then
    reads everything in one query, in the plain reader's order."""
    copy = tmp_path / "odd-dates.db"
    # '2026-03-\\xc3' reads back as '2026-03-\ufffd', after the valid '2026-03-Ā'; a blob
    # sorts after every text, but as text it would sort among them.
    values = ("[b'2026-03-\\xc3', '2026-03-\\u0100', b'2026-03-\\xff']" if odd == "not UTF-8"
              else "[memoryview(b'2026-01-01'), memoryview(b'2025-01-01')]")
    script = f"""
from kontakt.store.driver import sqlite3
conn = sqlite3.connect({str(book_path)!r})
conn.execute("VACUUM INTO ?", ({str(copy)!r},))
conn.close()
conn = sqlite3.connect({str(copy)!r})
for n, date in enumerate({values}):
    cast = "CAST(? AS TEXT)" if isinstance(date, bytes) else "?"
    conn.execute("INSERT INTO interactions (uid, date, kind, note, created_at) "
                 f"VALUES ('odd-{{n}}', {{cast}}, 'call', 'odd', '2026-01-01T00:00:00+00:00')",
                 (date,))
conn.commit()
"""
    subprocess.run([sys.executable, "-c", script], check=True)
    monkeypatch.setattr(bulk, "DATE_RANGE_ROWS", 1)  # every date is a bound
    with Book.open(copy) as book:
        plain = list(bulk._utf8_rows(book, "SELECT id, date FROM interactions ORDER BY date, id", ()))
        ranged = list(bulk._by_date_ranges(book, "SELECT i.id, i.date FROM interactions i"))
        kinds = {row[0] for row in book.conn.execute("SELECT typeof(date) FROM interactions")}
    assert ranged == plain and len(ranged) == 2 * len(HOSTILE) + 2 + (3 if odd == "not UTF-8" else 2)
    assert kinds == ({"text"} if odd == "not UTF-8" else {"text", "blob"})
