"""Birthdays: a year after today's is refused where it is typed, left out with a warning
where a file brings it, and never shown as a negative age when a book already holds one;
a kontakt JSON entry with an unreadable birthday comes in without it."""

from __future__ import annotations

import json
from datetime import date

import pytest
from book_cli import kontakt_on

from kontakt.domain import Birthday
from kontakt.store import Book
from kontakt.store import history

TODAY = "2026-11-23"


@pytest.fixture
def db(tmp_path):
    return tmp_path / "book.db"


@pytest.fixture
def run(db, monkeypatch):
    run = kontakt_on(db, monkeypatch, TODAY, backups=False)
    assert run("add", "Ada Lovelace", "--birthday", "1815-12-10").exit_code == 0
    return run


def birthdays(db) -> dict[str, str | None]:
    with Book.open(db) as book:
        return {c.name: c.birthday.iso() if c.birthday else None
                for c in book.list_contacts(archived=None)}


def steps(db) -> int:
    with Book.open(db) as book:
        return len(history.steps(book, limit=None))


# ------------------------------------------------------------------ typed: add and edit


@pytest.mark.parametrize("typed", ["10.12.2030", "2027-01-01", "1.1.2027"])
def test_add_refuses_a_birthday_in_a_later_year_and_adds_no_one(run, db, typed):
    result = run("add", "Kid", "--birthday", typed)
    assert result.exit_code == 1, result.output
    assert result.stderr == f"Error: --birthday: '{typed}' is in the future\n"
    assert "Kid" not in birthdays(db)


def test_edit_refuses_a_birthday_in_a_later_year_and_changes_nothing(run, db):
    before = steps(db)
    result = run("edit", "ada", "--birthday", "10.12.2030", "--org", "Analytical Engines")
    assert result.exit_code == 1, result.output
    assert "'10.12.2030' is in the future" in result.stderr
    assert birthdays(db)["Ada Lovelace"] == "1815-12-10"
    assert steps(db) == before


@pytest.mark.parametrize(("typed", "stored"), [
    ("10.12.", "--12-10"), ("--12-10", "--12-10"), ("12-10", "--12-10"),
    ("31.12.2026", "2026-12-31"),  # later this year: the year is not after today's
    ("10.12.1990", "1990-12-10"),
])
def test_year_less_and_this_years_birthdays_are_still_taken(run, db, typed, stored):
    result = run("add", "Kid", "--birthday", typed)
    assert result.exit_code == 0, result.output
    assert birthdays(db)["Kid"] == stored


# ------------------------------------------------------------- a book that holds one already


def test_a_future_birthday_already_in_the_book_shows_without_an_age(run, db):
    with Book.open(db) as book:  # another program wrote it; the store takes what it is given
        book.add_contact("Kid", today=date.fromisoformat(TODAY), birthday=Birthday(11, 25, 2030))
    prep = run("prep", "kid")
    assert prep.exit_code == 0, prep.output
    assert "birthday 25 Nov 2026" in prep.stdout
    assert "turns" not in prep.stdout
    today = run("today", "--all")
    assert today.exit_code == 0, today.output
    line = next(line for line in today.stdout.splitlines() if "Kid" in line)
    assert "birthday on" in line and "turns" not in line
    # A past year in the same book still has its age: the rule, not the birthday, is off.
    assert "turns 211" in run("prep", "ada").stdout


# ----------------------------------------------------------------------------- imports


def test_a_csv_keeps_the_person_and_leaves_a_future_birthday_out(run, db, tmp_path):
    source = tmp_path / "people.csv"
    source.write_text("Name,Birthday\nKid,10.12.2030\nKid Two,2030-12-10\nOld,1.2.1980\n", encoding="utf-8")
    result = run("import", str(source))
    assert result.exit_code == 0, result.output
    assert "3 added" in result.stdout
    assert result.stderr.splitlines() == [
        "people.csv: line 2: birthday: '10.12.2030' is in the future; imported without it",
        "people.csv: line 3: birthday: '2030-12-10' is in the future; imported without it",
    ]
    found = birthdays(db)
    assert (found["Kid"], found["Kid Two"], found["Old"]) == (None, None, "1980-02-01")


def test_a_vcard_keeps_the_person_and_leaves_a_future_birthday_out(run, db, tmp_path):
    source = tmp_path / "kid.vcf"
    source.write_bytes(b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Kid\r\nBDAY:20301210\r\nEND:VCARD\r\n"
                       b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Old\r\nBDAY:19800201\r\nEND:VCARD\r\n")
    result = run("import", str(source))
    assert result.exit_code == 0, result.output
    assert "2 added" in result.stdout
    assert result.stderr.splitlines() == [
        "kid.vcf: line 1: birthday: '2030-12-10' is in the future; imported without it",
    ]
    found = birthdays(db)
    assert (found["Kid"], found["Old"]) == (None, "1980-02-01")


def test_a_kontakt_json_entry_with_a_bad_birthday_comes_in_without_it(run, db, tmp_path):
    source = tmp_path / "bday.json"
    source.write_text(json.dumps({"kontakt": 2, "contacts": [
        {"name": "A", "birthday": "1999-02-30"},
        {"name": "B", "birthday": "1999-13-01"},
        {"name": "C", "birthday": "02-30"},
        {"name": "D", "birthday": "2030-12-10"},
        {"name": "E", "birthday": "--02-30"},
        {"name": "F", "birthday": "--02-29"},
        {"name": "G", "birthday": "1980-04-15"},
    ]}), encoding="utf-8")
    result = run("import", str(source))
    assert result.exit_code == 0, result.output
    assert "7 added, 0 merged, 0 rejected" in result.stdout
    assert result.stderr.splitlines() == [
        "bday.json: contact 1 (A): birthday: '1999-02-30' is not a real date; imported without it",
        "bday.json: contact 2 (B): birthday: '1999-13-01' is not a real date; imported without it",
        "bday.json: contact 3 (C): birthday: '02-30' is not an ISO date; imported without it",
        "bday.json: contact 4 (D): birthday: '2030-12-10' is in the future; imported without it",
        "bday.json: contact 5 (E): birthday: '--02-30' is not a real date; imported without it",
    ]
    found = birthdays(db)
    assert [found[n] for n in "ABCDEFG"] == [None] * 5 + ["--02-29", "1980-04-15"]


def test_a_whole_book_json_restore_into_an_empty_book_leaves_a_bad_birthday_out_too(tmp_path, monkeypatch):
    # The exact restore (ids kept) takes its contacts another way than the merge.
    source = tmp_path / "whole.json"
    source.write_text(json.dumps({"kontakt": 2, "whole_book": True, "contacts": [
        {"id": 4, "uid": "u4", "name": "A", "birthday": "1999-02-30"},
        {"id": 7, "uid": "u7", "name": "G", "birthday": "1980-04-15"},
    ]}), encoding="utf-8")
    db = tmp_path / "empty.db"
    result = kontakt_on(db, monkeypatch, TODAY, backups=False)("import", str(source))
    assert result.exit_code == 0, result.output
    assert "contact 1 (A): birthday: '1999-02-30' is not a real date; imported without it" in result.stderr
    with Book.open(db) as book:
        assert (book.get_contact(4).birthday, book.get_contact(7).birthday) == (None, Birthday(4, 15, 1980))
