"""Birthdays: a year after today's is refused where it is typed, left out with a warning
where a file brings it, and never shown as a negative age when a book already holds one."""

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


@pytest.mark.parametrize("typed", ["10.12.2030", "2027-01-01", "1.1.27"])
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
