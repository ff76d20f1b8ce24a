"""`kontakt undo`: takes back the newest change made by any command, newest first; --list/--json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from kontakt.cli import main
from kontakt.store import Book

TODAY = "2026-11-23"


@pytest.fixture
def db(tmp_path) -> Path:
    return tmp_path / "book.db"


@pytest.fixture
def kontakt(db, monkeypatch):
    monkeypatch.setenv("KONTAKT_TODAY", TODAY)
    monkeypatch.setenv("KONTAKT_NOW", f"{TODAY}T10:00:00+00:00")
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(main, [*args[:1], "--db", str(db), *args[1:]], catch_exceptions=False)

    return run


def test_undo_takes_back_the_last_command_then_the_one_before(kontakt, db):
    assert kontakt("add", "Olga Petrova", "--tag", "work", "--every", "monthly").exit_code == 0
    with Book.open(db) as book:
        added = book.find("olga")
    assert kontakt("log", "olga", "--kind", "call", "--note", "chess").exit_code == 0
    with Book.open(db) as book:
        olga = book.find("olga")
        assert olga.last_contact is not None

    result = kontakt("undo")
    assert result.exit_code == 0, result.output
    assert result.output == "undid: log a call with Olga Petrova (made by kontakt log)\n"
    with Book.open(db) as book:
        assert book.interactions_for(olga.id) == []
        assert book.get_contact(olga.id).last_contact is None
        assert book.get_contact(olga.id) == added  # next due back to a month after adding

    result = kontakt("undo")
    assert result.output == "undid: add Olga Petrova (made by kontakt add)\n"
    with Book.open(db) as book:
        assert book.count_contacts(archived=None) == 0
        assert book.circles() == []

    result = kontakt("undo")
    assert result.exit_code == 1
    assert "nothing to undo" in result.output


def test_an_edit_is_undone_field_for_field(kontakt, db):
    kontakt("add", "Sam Berg", "--email", "sam@example.com")
    with Book.open(db) as book:
        before = book.find("sam")
    assert kontakt("edit", "sam", "--name", "Samuel Berg", "--org", "Acme").exit_code == 0
    assert kontakt("undo").output == "undid: edit Samuel Berg (made by kontakt edit)\n"
    with Book.open(db) as book:
        assert book.get_contact(before.id) == before
        assert [c.name for c in book.search("samuel")] == []  # the search index followed
        assert [c.name for c in book.search("sam")] == ["Sam Berg"]


def test_list_shows_the_history_newest_first_and_json_keeps_its_fields(kontakt):
    kontakt("add", "Ann One")
    kontakt("add", "Bob Two")
    kontakt("undo")
    result = kontakt("undo", "--list")
    assert result.exit_code == 0
    assert result.output.splitlines() == ["#1  2026-11-23 10:00  add Ann One  (kontakt add)"]
    everything = kontakt("undo", "--list", "--all")
    assert everything.output.splitlines() == [
        "#2  2026-11-23 10:00  undone add Bob Two  (kontakt add)",
        "#1  2026-11-23 10:00  add Ann One  (kontakt add)",
    ]
    data = json.loads(kontakt("undo", "--list", "--json", "--all").output)
    assert [(s["id"], s["label"], s["source"], s["undone_at"] is not None) for s in data] == [
        (2, "add Bob Two", "kontakt add", True), (1, "add Ann One", "kontakt add", False),
    ]
    assert set(data[0]) == {"id", "label", "source", "made_at", "undone_at", "changes", "contact_id"}


def test_undo_json_says_what_was_undone(kontakt):
    kontakt("add", "Ann One")
    result = kontakt("undo", "--json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["label"] == "add Ann One" and data["source"] == "kontakt add" and data["changes"] >= 1


def test_an_empty_history_lists_nothing(kontakt):
    kontakt("add", "Ann One")
    kontakt("undo")
    assert kontakt("undo", "--list").output == "nothing to undo\n"
    assert json.loads(kontakt("undo", "--list", "--json").output) == []


def test_undo_is_in_the_help(kontakt):
    result = CliRunner().invoke(main, ["--help"])
    assert "undo" in result.output
    help_text = CliRunner().invoke(main, ["undo", "--help"]).output
    assert "--list" in help_text and "newest first" in help_text


def test_undo_on_a_read_only_book_is_one_line(kontakt, db):
    kontakt("add", "Ann One")
    db.chmod(0o400)
    try:
        result = kontakt("undo")
    finally:
        db.chmod(0o600)
    assert result.exit_code == 1
    assert "is read-only; undo needs to write to the book" in result.output
    assert "Traceback" not in result.output
    with Book.open(db) as book:
        assert book.count_contacts() == 1


def test_each_step_is_described_as_what_it_did_whatever_came_after(kontakt, tmp_path):
    """Labels were read from the book as it is now: a step that trashed someone read "bring
    back" once a later step restored them, and an import "added" everyone added after it."""
    people = tmp_path / "two.csv"
    people.write_text("name\nAda One\nAda Two\n", encoding="utf-8")
    steps = [("add", "Seed"), ("import", str(people)), ("add", "Later One"), ("add", "Later Two"),
             ("rm", "seed"), ("restore", "seed"), ("archive", "seed"), ("archive", "seed", "--undo"),
             ("log", "seed", "--kind", "call"), ("rm-log", "1"), ("restore", "log:1")]
    for step in steps:
        result = kontakt(*step)
        assert result.exit_code == 0, (step, result.output)
    listed = json.loads(kontakt("undo", "--list", "--json").output)
    assert [s["label"] for s in reversed(listed)] == [
        "add Seed",
        "add 2 contacts",
        "add Later One",
        "add Later Two",
        "move Seed to the trash",
        "bring Seed back from the trash",
        "archive Seed",
        "bring Seed back from the archive",
        "log a call with Seed",
        "move an interaction with Seed to the trash",
        "bring a call with Seed back from the trash",
    ]
    result = kontakt("undo")
    assert result.output == "undid: bring a call with Seed back from the trash (made by kontakt restore)\n"
