"""`kontakt export csv --google` (Google Contacts' CSV) and `kontakt import -` (standard input):
the Google file is read back by kontakt's own Google importer field for field, phones stay
importable (no `'` in front of +44) while a formula-looking name is still neutralised, and
stdin is imported like a file, its errors naming "stdin"."""

from __future__ import annotations

import csv
import io

import pytest
from click.testing import CliRunner

from kontakt.cli import main
from kontakt.store import Book

TODAY = "2026-11-23"


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("KONTAKT_TODAY", TODAY)
    monkeypatch.setenv("KONTAKT_NO_AUTO_BACKUP", "1")
    runner = CliRunner()

    def invoke(db, *args, input=None):
        return runner.invoke(main, [*args, "--db", str(db)], input=input)

    return invoke


def test_the_google_csv_comes_back_through_the_google_importer(run, tmp_path):
    source = tmp_path / "source.db"
    for args in (
        ["add", "Jessica Smith", "--email", "work: jess@example.com", "--email", "j@home.example",
         "--phone", "mobile: +44 7700 900123", "--tag", "friends", "--tag", "breakfast",
         "--birthday", "1980-04-15", "--org", "Acme", "--role", "CTO", "--nickname", "Jess",
         "--address", "home: 1 High St; London; ; N1 1AA; UK"],
        ["add", "Seán O'Connor", "--phone", "(01) 234-5678", "--birthday", "--04-15"],
        ["add", "=HYPERLINK(\"http://x\")", "--phone", "+1 555 0100 =cmd|' /c calc'!A0"],
        ["add", "Björk"],
    ):
        assert run(source, *args).exit_code == 0, args
    out = tmp_path / "google.csv"
    result = run(source, "export", "csv", "--google", "-o", str(out))
    assert result.exit_code == 0, result.output

    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert len(rows) == 4
    jess = next(r for r in rows if r["Last Name"] == "Smith")
    assert (jess["First Name"], jess["Nickname"], jess["Birthday"]) == ("Jessica", "Jess", "1980-04-15")
    assert jess["Phone 1 - Value"] == "+44 7700 900123" and jess["Phone 1 - Label"] == "Mobile"
    assert jess["E-mail 1 - Label"] == "Work" and jess["E-mail 2 - Value"] == "j@home.example"
    labels = jess["Labels"].split(" ::: ")
    assert sorted(labels[:-1]) == ["breakfast", "friends"] and labels[-1] == "* myContacts"
    assert (jess["Address 1 - City"], jess["Address 1 - Postal Code"]) == ("London", "N1 1AA")
    hostile = next(r for r in rows if "HYPERLINK" in r["First Name"] + r["Last Name"])
    assert (hostile["First Name"] + hostile["Last Name"]).startswith("'=")  # never a formula
    assert hostile["Phone 1 - Value"].startswith("'+")  # not a plain number: neutralised
    assert next(r for r in rows if r["First Name"] == "Björk")["Last Name"] == ""

    copy = tmp_path / "copy.db"
    result = run(copy, "import", str(out), "--json")
    assert result.exit_code == 0, result.output
    with Book.open(source) as a, Book.open(copy) as b:
        def seen(book):
            return {c.name: (c.nickname, c.emails, c.phones, c.org, c.role, sorted(c.tags),
                             c.birthday.iso() if c.birthday else None)
                    for c in book.list_contacts(archived=None)}
        before, after = seen(a), seen(b)
    # A name or phone that looks like a formula comes back as typed: the `'` the export put
    # before it for spreadsheets is taken off again (tables.unquote_formula).
    hostile = '=HYPERLINK("http://x")'
    assert after[hostile][2] == ("+1 555 0100 =cmd|' /c calc'!A0",)
    assert after == before


def test_google_refuses_what_google_cannot_read(run, tmp_path):
    db = tmp_path / "b.db"
    assert run(db, "add", "Ada").exit_code == 0
    for extra in (["--excel"], ["--what", "favours"]):
        result = run(db, "export", "csv", "--google", *extra)
        assert result.exit_code == 2 and "--google" in result.output


def test_import_dash_reads_csv_and_vcard_from_standard_input(run, tmp_path):
    db = tmp_path / "b.db"
    result = run(db, "import", "-", input="Name,E-mail Address\nJessica Smith,jess@example.com\n")
    assert result.exit_code == 0 and "1 added" in result.output, result.output
    card = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Seán O'Connor\r\nN:O'Connor;Seán;;;\r\nEND:VCARD\r\n"
    result = run(db, "import", "-", input=card.encode())
    assert result.exit_code == 0 and "1 added" in result.output, result.output
    with Book.open(db) as book:
        assert [c.name for c in book.list_contacts()] == ["Jessica Smith", "Seán O'Connor"]


def test_import_dash_names_stdin_in_its_errors_and_writes_nothing(run, tmp_path):
    db = tmp_path / "b.db"
    assert run(db, "add", "Ada").exit_code == 0
    empty = run(db, "import", "-", input="")
    assert empty.exit_code == 1 and "standard input is empty" in empty.output
    garbage = run(db, "import", "-", input=b"garbage\x00\x01")
    assert garbage.exit_code == 1 and "Traceback" not in garbage.output
    assert "stdin:" in garbage.output and "kontakt-import-" not in garbage.output
    with Book.open(db) as book:
        assert [c.name for c in book.list_contacts()] == ["Ada"]
