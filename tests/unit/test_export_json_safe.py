"""`kontakt export json`: hostile bytes written straight into the book reach the output only as
JSON escapes (the same values to any reader, nothing a terminal acts on), a journal note read
from a file is cleaned as a typed one is, and an export of chosen people keeps their journal
and the links between them."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import date

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from kontakt.cli import main
from kontakt.domain.text import clean, escape_json, escape_json_bytes
from kontakt.store import Book
from kontakt.store import relations

TODAY = date(2026, 11, 23)
ENV = {"KONTAKT_TODAY": TODAY.isoformat(), "KONTAKT_NOW": "2026-11-23T09:00:00+00:00",
       "KONTAKT_CONFIG": "/nonexistent", "KONTAKT_NO_AUTO_BACKUP": "1"}
# What a terminal acts on, as they may sit in a book another tool wrote: ESC, C1 (the 8-bit
# CSI), DEL, a bidi override and isolate, a line separator.
HOSTILE = "J\x1b[31mRED\x9b2J\x7f\u202eevil\u2066x\u2028y"
RAW = re.compile("[\x1b\x7f\x80-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def run(*args: str, input: str | None = None):
    result = CliRunner().invoke(main, list(args), env=ENV, input=input, catch_exceptions=False)
    return result


@pytest.fixture
def book(tmp_path):
    book = Book.open(tmp_path / "book.db")
    olga = book.add_contact("Olga Petrova", today=TODAY, emails=["olga@example.com"])
    anna = book.add_contact("Anna Berg", today=TODAY)
    book.add_contact("Ben Other", today=TODAY)
    relations.add_note(book, olga, "new job at the museum", on=TODAY)
    relations.link(book, olga, anna, "sister")
    book.log_interaction([olga], on=TODAY, kind="call", note="fine", today=TODAY)
    yield book
    book.close()


def hostile_everywhere(path) -> None:
    """Hostile text in every kind of field, written by another process with the sqlite3 tool."""
    value = HOSTILE.replace("'", "''")
    script = f"""
        UPDATE contacts SET name = 'Olga {value}', notes = '{value}', org = '{value}'
         WHERE name = 'Olga Petrova';
        UPDATE journal SET text = '{value}';
        UPDATE interactions SET note = '{value}';
        UPDATE relationships SET kind = 'sister';
        INSERT INTO settings (key, value) VALUES ('hostile', '{value}');
    """
    subprocess.run(["sqlite3", str(path)], input=script, text=True, check=True)


@pytest.mark.parametrize("to_file", [False, True])
def test_hostile_bytes_in_the_book_come_out_as_json_escapes(book, tmp_path, to_file):
    hostile_everywhere(book.path)
    if to_file:
        out = tmp_path / "all.json"
        assert run("--db", str(book.path), "export", "json", "-o", str(out)).exit_code == 0
        text = out.read_bytes().decode("utf-8")
    else:
        result = run("--db", str(book.path), "export", "json")
        assert result.exit_code == 0, result.output
        text = result.stdout
    assert not RAW.search(text), RAW.findall(text)
    data = json.loads(text)  # and the values are all there, exactly
    olga = next(c for c in data["contacts"] if c["name"].startswith("Olga"))
    assert olga["name"] == "Olga " + HOSTILE and olga["notes"] == HOSTILE == olga["org"]
    assert data["journal"][0]["text"] == HOSTILE
    assert data["interactions"][0]["note"] == HOSTILE


def test_the_byte_path_also_escapes_what_sqlite_writes(book, tmp_path):
    """Interactions, favours and follow-ups are written by SQLite as bytes on a real stdout."""
    hostile_everywhere(book.path)
    done = subprocess.run([sys.executable, "-m", "kontakt", "--db", str(book.path), "export", "json"],
                          capture_output=True, env={**ENV, "PATH": "/usr/bin:/bin"}, check=True)
    text = done.stdout.decode("utf-8")
    assert not RAW.search(text)
    assert json.loads(text)["interactions"][0]["note"] == HOSTILE


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)) | st.sampled_from(HOSTILE)))
def test_escaping_bytes_is_escaping_the_text(text):
    encoded = json.dumps(text, ensure_ascii=False)
    assert escape_json_bytes(encoded.encode()) == escape_json(encoded).encode()


def test_a_journal_note_from_a_file_is_cleaned_as_a_typed_one(book, tmp_path):
    out = tmp_path / "all.json"
    assert run("--db", str(book.path), "export", "json", "-o", str(out)).exit_code == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    data["journal"][0]["text"] = HOSTILE
    data["journal"].append(dict(data["journal"][0], id=99, text="\x1b[2J\x9b"))  # nothing left
    evil = tmp_path / "evil.json"
    evil.write_text(json.dumps(data), encoding="utf-8")
    fresh = tmp_path / "fresh.db"
    result = run("--db", str(fresh), "import", str(evil))
    assert "a journal note needs some text" in result.output, result.output
    with Book.open(fresh, create=False) as restored:
        texts = [row[0] for row in restored.conn.execute("SELECT text FROM journal")]
    # What add_note keeps: escape sequences and C0/C1 gone; bidi stays, shown as <U+202E>.
    assert texts == [clean(HOSTILE).strip()] == ["JRED\u202eevil\u2066x\u2028y"]


def test_an_export_of_chosen_people_keeps_their_journal_and_the_links_between_them(book, tmp_path):
    one = run("--db", str(book.path), "export", "json", "--contact", "olga")
    assert one.exit_code == 0, one.output
    data = json.loads(one.stdout)
    assert [c["name"] for c in data["contacts"]] == ["Olga Petrova"]
    assert [j["text"] for j in data["journal"]] == ["new job at the museum"]
    assert data["relationships"] == []  # Anna is not in the file: the link could not come back
    assert "merges" not in data and "settings" not in data

    both = run("--db", str(book.path), "export", "json", "--contact", "olga", "--contact", "anna")
    data = json.loads(both.stdout)
    assert sorted(c["name"] for c in data["contacts"]) == ["Anna Berg", "Olga Petrova"]
    assert [(r["kind"]) for r in data["relationships"]] == ["sister"]
    path = tmp_path / "two.json"
    path.write_text(both.stdout, encoding="utf-8")
    fresh = tmp_path / "fresh.db"
    result = run("--db", str(fresh), "import", str(path))
    assert result.exit_code == 0, result.output
    with Book.open(fresh, create=False) as other:
        olga = other.find("olga")
        assert [n.text for n in relations.journal_for(other, olga.id)] == ["new job at the museum"]
        assert other.conn.execute("SELECT count(*) FROM relationships").fetchone()[0] == 1


def spec_escaped(text: str) -> str:
    """The test's own statement of what a terminal must not get raw in JSON: C0 but newline
    and tab, DEL, C1, the bidi embeddings, overrides and isolates, line/paragraph separators."""
    def unsafe(c: str) -> bool:
        n = ord(c)
        return ((n < 0x20 and c not in "\n\t") or 0x7F <= n <= 0x9F or 0x202A <= n <= 0x202E
                or 0x2066 <= n <= 0x2069 or n in (0x2028, 0x2029))
    return "".join(f"\\u{ord(c):04x}" if unsafe(c) else c for c in text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)) | st.sampled_from(HOSTILE)),
       st.integers(min_value=0, max_value=6000))
def test_short_and_long_texts_are_escaped_as_the_rule_says(text, padding):
    """Texts over 4 KiB (an export's chunks) take a quicker scan than short ones."""
    long = "a" * padding + text + "ü\n" * (padding // 3)
    assert escape_json(text) == spec_escaped(text)
    assert escape_json(long) == spec_escaped(long)
    assert escape_json_bytes(long.encode()) == spec_escaped(long).encode()
